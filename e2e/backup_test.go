package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// completedCharge is a charge the gateway database records as completed.
type completedCharge struct {
	Key           string
	InvoiceID     string
	InvoiceNumber int64
}

// completedCharges reads the completed charge records of a gateway
// database file (schema: store/migrations) and the invoice each answered.
func completedCharges(t *testing.T, path string) []completedCharge {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT "key", response FROM idempotency_keys WHERE scope = 'charges' AND status = 'completed'`)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	defer rows.Close()
	var out []completedCharge
	for rows.Next() {
		var c completedCharge
		var body []byte
		if err := rows.Scan(&c.Key, &body); err != nil {
			t.Fatal(err)
		}
		var res chargeResult
		if err := json.Unmarshal(body, &res); err != nil || res.Invoice.ID == "" {
			t.Fatalf("stored response of %s: %v: %s", c.Key, err, body)
		}
		c.InvoiceID, c.InvoiceNumber = res.Invoice.ID, res.Invoice.Number
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// runErr runs a ledgerbridge command and returns its combined output and
// error, for commands expected to fail.
func runErr(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func assertPrivate(t *testing.T, root string) {
	t.Helper()
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %#o, want %#o", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBackupUnderChargeLoadRestoresEveryCompletedChargesInvoice runs
// `ledgerbridge backup` twice while four registers charge, restores each
// backup into a fresh data directory, starts a gateway on it and finds the
// invoice of every charge the backup's gateway database records as
// completed: the databases are copied in an order that cannot separate a
// completed charge from its invoice (docs/operations.md).
func TestBackupUnderChargeLoadRestoresEveryCompletedChargesInvoice(t *testing.T) {
	g, m, customer := setup(t)
	const registers, maxCharges = 4, 480
	var done, started atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := 0; r < registers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if started.Add(1) > maxCharges {
					return
				}
				key := fmt.Sprintf("reg%d-%d", r, i)
				resp, err := g.do("POST", "/v1/charges", m.Keys["cashier"], charge(customer, r*1000+i), key)
				if err != nil || resp.Status != 201 {
					t.Errorf("charge %s: %v %d %s", key, err, resp.Status, resp.Body)
					return
				}
				done.Add(1)
			}
		}()
	}
	root := t.TempDir()
	var backups []string
	for i, at := range []int64{40, 120} {
		waitFor(t, fmt.Sprintf("%d charges", at), 60*time.Second, func() bool { return done.Load() >= at })
		dir := filepath.Join(root, fmt.Sprintf("backup-%d", i))
		keys := filepath.Join(root, fmt.Sprintf("keys-%d", i))
		before := done.Load()
		run(t, "backup", dir, "--data-dir", g.DataDir, "--key-out", keys)
		t.Logf("backup %d: charges done %d before, %d after", i, before, done.Load())
		backups = append(backups, dir)
	}
	close(stop)
	wg.Wait()
	if done.Load() >= maxCharges {
		t.Logf("the load ran out (%d charges) before the last backup finished", done.Load())
	}

	// A restore refuses a data directory a gateway is running on.
	if out, err := runErr("restore", backups[0], "--data-dir", g.DataDir, "--key", filepath.Join(root, "keys-0", "credentials.key"), "--force"); err == nil || !strings.Contains(out, "running") {
		t.Fatalf("restore onto the running gateway's data dir: %v\n%s", err, out)
	}
	g.stop()

	for i, dir := range backups {
		// The key is stored apart: not in the backup directory.
		if _, err := os.Stat(filepath.Join(dir, "credentials.key")); err == nil {
			t.Errorf("%s holds credentials.key", dir)
		}
		assertPrivate(t, dir)
		assertPrivate(t, filepath.Join(root, fmt.Sprintf("keys-%d", i)))
		charges := completedCharges(t, filepath.Join(dir, "ledgerbridge.db"))
		if len(charges) == 0 {
			t.Fatalf("backup %d records no completed charge", i)
		}

		restored := filepath.Join(root, fmt.Sprintf("restored-%d", i))
		key := filepath.Join(root, fmt.Sprintf("keys-%d", i), "credentials.key")
		run(t, "restore", dir, "--data-dir", restored, "--key", key)
		assertPrivate(t, restored)
		// A second restore onto the now non-empty directory needs --force.
		if out, err := runErr("restore", dir, "--data-dir", restored, "--key", key); err == nil || !strings.Contains(out, "--force") {
			t.Fatalf("restore onto a non-empty data dir without --force: %v\n%s", err, out)
		}

		r := startGateway(t, restored)
		invoices := map[string]int64{}
		var page struct {
			Data []invoice `json:"data"`
		}
		r.must("GET", "/v1/invoices?limit=500&sort=number", m.Keys["admin"], nil, "", 200).decode(t, &page)
		for _, inv := range page.Data {
			invoices[inv.ID] = inv.Number
		}
		missing := 0
		for _, c := range charges {
			if n, ok := invoices[c.InvoiceID]; !ok || n != c.InvoiceNumber {
				missing++
				if missing <= 5 {
					t.Errorf("backup %d: charge %s completed with invoice %s (%d), restored invoice: %v %d", i, c.Key, c.InvoiceID, c.InvoiceNumber, ok, n)
				}
			}
		}
		if missing > 0 {
			t.Fatalf("backup %d: %d of %d completed charges have no invoice after restore", i, missing, len(charges))
		}
		nums := listInvoices(t, r, m.Keys["admin"])
		assertContiguous(t, nums, 1001, len(nums))
		// A register retrying a completed charge gets the same invoice.
		c := charges[0]
		var reg, idx int
		fmt.Sscanf(c.Key, "reg%d-%d", &reg, &idx)
		var replay chargeResult
		resp := r.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, reg*1000+idx), c.Key, 201)
		resp.decode(t, &replay)
		if replay.Invoice.ID != c.InvoiceID || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay of %s: invoice %s (replayed %q), want %s", c.Key, replay.Invoice.ID, resp.Header.Get("Idempotent-Replayed"), c.InvoiceID)
		}
		t.Logf("backup %d: %d completed charges, %d invoices restored", i, len(charges), len(nums))
		r.stop()
	}
}
