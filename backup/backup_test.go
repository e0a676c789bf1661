package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

func TestOrder(t *testing.T) {
	got := Order([]string{"spiris.db", WebhooksDB, "open.db", MailDB, "acme.db", GatewayDB, EInvoiceDB, "sie.db"})
	want := []string{GatewayDB, EInvoiceDB, MailDB, WebhooksDB, "acme.db", "open.db", "sie.db", "spiris.db"}
	if !slices.Equal(got, want) {
		t.Fatalf("Order = %v, want %v", got, want)
	}
}

// openWAL opens (creating) a WAL database the way package sqlite does.
func openWAL(t *testing.T, path, schema string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dataDir is a data directory with a gateway database (charges), a
// provider database (invoices), both open in WAL mode as under a running
// gateway, and a credentials key.
type dataDir struct {
	dir              string
	gateway, invoice *sql.DB
	n                int
}

func newDataDir(t *testing.T) *dataDir {
	t.Helper()
	d := &dataDir{dir: filepath.Join(t.TempDir(), "data")}
	if err := os.Mkdir(d.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	d.gateway = openWAL(t, filepath.Join(d.dir, GatewayDB), `CREATE TABLE charges (id TEXT PRIMARY KEY, status TEXT NOT NULL, invoice TEXT)`)
	d.invoice = openWAL(t, filepath.Join(d.dir, "open.db"), `CREATE TABLE invoices (id TEXT PRIMARY KEY, charge TEXT NOT NULL)`)
	if err := os.WriteFile(filepath.Join(d.dir, KeyFile), []byte("c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0zMmJ5dGVz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// charge does what a charge does across the two databases: pending in the
// gateway, the invoice committed by the provider, completed in the gateway.
func (d *dataDir) charge(t *testing.T) {
	t.Helper()
	d.n++
	ch, inv := fmt.Sprintf("ch_%d", d.n), fmt.Sprintf("inv_%d", d.n)
	for _, st := range []struct {
		db   *sql.DB
		q    string
		args []any
	}{
		{d.gateway, `INSERT INTO charges (id, status) VALUES (?, 'pending')`, []any{ch}},
		{d.invoice, `INSERT INTO invoices (id, charge) VALUES (?, ?)`, []any{inv, ch}},
		{d.gateway, `UPDATE charges SET status = 'completed', invoice = ? WHERE id = ?`, []any{inv, ch}},
	} {
		if _, err := st.db.Exec(st.q, st.args...); err != nil {
			t.Fatal(err)
		}
	}
}

// orphans lists the completed charges in dir's gateway database whose
// invoice is not in dir's open.db.
func orphans(t *testing.T, dir string) (completed int, missing []string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, GatewayDB)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ATTACH DATABASE ? AS p`, "file:"+filepath.Join(dir, "open.db")+"?mode=ro"); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM charges WHERE status = 'completed'`).Scan(&completed); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT c.id FROM charges c LEFT JOIN p.invoices i ON i.id = c.invoice WHERE c.status = 'completed' AND i.id IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		rows.Scan(&id)
		missing = append(missing, id)
	}
	return completed, missing
}

// TestBackupNeverSplitsAChargeFromItsInvoice charges before each database
// is copied, as concurrent registers would between two copies: the backup
// holds every completed charge's invoice because the gateway database is
// copied first. (Copied in the other order, the charges made between the
// two copies are completed without their invoice.)
func TestBackupNeverSplitsAChargeFromItsInvoice(t *testing.T) {
	d := newDataDir(t)
	d.charge(t)
	root := t.TempDir()
	var copied []string
	m, err := Backup(context.Background(), d.dir, filepath.Join(root, "b"), Options{
		KeyOut: filepath.Join(root, "keys"),
		BeforeCopy: func(name string) {
			copied = append(copied, name)
			d.charge(t)
			d.charge(t)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	completed, missing := orphans(t, filepath.Join(root, "b"))
	if completed != 3 || len(missing) > 0 {
		t.Fatalf("backup: %d completed charges, without invoice: %v", completed, missing)
	}
	if !slices.Equal(copied, []string{GatewayDB, "open.db"}) {
		t.Errorf("copied %v", copied)
	}
	for _, f := range m.Databases {
		if f.Integrity != "ok" || len(f.SHA256) != 64 {
			t.Errorf("manifest entry %+v", f)
		}
	}
}

func TestBackupFilesArePrivateAndKeyApart(t *testing.T) {
	d := newDataDir(t)
	d.charge(t)
	root := t.TempDir()
	dir, keys := filepath.Join(root, "b"), filepath.Join(root, "keys")
	ctx := context.Background()

	if _, err := Backup(ctx, d.dir, dir, Options{}); err == nil || !strings.Contains(err.Error(), "--key-out") {
		t.Fatalf("backup without --key-out: %v", err)
	}
	if _, err := Backup(ctx, d.dir, dir, Options{KeyOut: filepath.Join(dir, "keys")}); err == nil || !strings.Contains(err.Error(), "apart") {
		t.Fatalf("backup with the key inside the backup: %v", err)
	}
	m, err := Backup(ctx, d.dir, dir, Options{KeyOut: keys})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		dir: 0o700, keys: 0o700, filepath.Join(dir, GatewayDB): 0o600, filepath.Join(dir, "open.db"): 0o600,
		filepath.Join(dir, ManifestFile): 0o600, filepath.Join(keys, KeyFile): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %#o, want %#o", path, fi.Mode().Perm(), want)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{GatewayDB, ManifestFile, "open.db"}) {
		t.Errorf("backup dir holds %v", names)
	}
	if m.Key == nil || m.Key.Path != filepath.Join(keys, KeyFile) {
		t.Errorf("manifest key = %+v", m.Key)
	}
	if _, err := Backup(ctx, d.dir, dir, Options{KeyOut: filepath.Join(root, "keys2")}); !errors.Is(err, errNotEmpty) {
		t.Errorf("backup into a non-empty dir: %v", err)
	}
}

func TestRestore(t *testing.T) {
	d := newDataDir(t)
	d.charge(t)
	root := t.TempDir()
	dir, keys := filepath.Join(root, "b"), filepath.Join(root, "keys")
	ctx := context.Background()
	if _, err := Backup(ctx, d.dir, dir, Options{KeyOut: keys}); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(keys, KeyFile)
	target := filepath.Join(root, "restored")

	if _, err := Restore(ctx, dir, target, RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "--key") {
		t.Fatalf("restore without the key: %v", err)
	}
	wrong := filepath.Join(root, "wrong.key")
	os.WriteFile(wrong, []byte("another key\n"), 0o600)
	if _, err := Restore(ctx, dir, target, RestoreOptions{Key: wrong}); err == nil || !strings.Contains(err.Error(), "not the key") {
		t.Fatalf("restore with another key: %v", err)
	}

	// A gateway holding the data dir's lock stops the restore.
	os.MkdirAll(target, 0o700)
	release, err := LockShared(target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, dir, target, RestoreOptions{Key: key}); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore under a gateway: %v", err)
	}
	release()

	if _, err := Restore(ctx, dir, target, RestoreOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	if completed, missing := orphans(t, target); completed != 1 || len(missing) > 0 {
		t.Fatalf("restored: %d completed, missing %v", completed, missing)
	}
	b, _ := os.ReadFile(filepath.Join(target, KeyFile))
	if !strings.HasPrefix(string(b), "c2VjcmV0") {
		t.Errorf("restored key %q", b)
	}
	for _, n := range []string{GatewayDB, "open.db", KeyFile} {
		if fi, err := os.Stat(filepath.Join(target, n)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", n, fi.Mode(), err)
		}
	}

	// Non-empty: --force needed; with it a stale -wal is removed, not
	// replayed into the restored database.
	if _, err := Restore(ctx, dir, target, RestoreOptions{Key: key}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore onto a non-empty dir: %v", err)
	}
	stale := filepath.Join(target, GatewayDB+"-wal")
	os.WriteFile(stale, []byte("stale"), 0o600)
	if _, err := Restore(ctx, dir, target, RestoreOptions{Key: key, Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale -wal left beside the restored database: %v", err)
	}
	if res, err := IntegrityCheck(ctx, filepath.Join(target, GatewayDB)); err != nil || res != "ok" {
		t.Errorf("restored integrity_check: %q %v", res, err)
	}

	// A damaged backup file is refused before anything is touched.
	f, _ := os.OpenFile(filepath.Join(dir, "open.db"), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{0})
	f.Close()
	if _, err := Restore(ctx, dir, filepath.Join(root, "other"), RestoreOptions{Key: key}); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "other")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused restore created its data dir: %v", err)
	}
}

func TestManifestIsJSON(t *testing.T) {
	d := newDataDir(t)
	root := t.TempDir()
	if _, err := Backup(context.Background(), d.dir, filepath.Join(root, "b"), Options{KeyOut: filepath.Join(root, "k")}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "b", ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["format"] != float64(1) || m["databases"] == nil {
		t.Fatalf("manifest %s: %v", b, err)
	}
}
