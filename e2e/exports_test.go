package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// sieBooking is one voucher in the sie provider's own database.
type sieBooking struct {
	ExternalRef string
	Number      int64
	Date        string
	Description string
}

// sieBookings reads every voucher the sie provider booked for merchantID
// from <dataDir>/sie.db (schema: providers/sie/migrations).
func sieBookings(t *testing.T, dataDir, merchantID string) []sieBooking {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, "sie.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT external_ref, number, date, voucher FROM vouchers WHERE merchant_id = ? ORDER BY number`, merchantID)
	if err != nil {
		t.Fatalf("read sie.db: %v", err)
	}
	defer rows.Close()
	var out []sieBooking
	for rows.Next() {
		var b sieBooking
		var body string
		if err := rows.Scan(&b.ExternalRef, &b.Number, &b.Date, &body); err != nil {
			t.Fatal(err)
		}
		var v struct {
			Date        string `json:"date"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("voucher %d in sie.db: %v", b.Number, err)
		}
		if v.Date != b.Date {
			t.Errorf("voucher %d: row date %s, voucher date %s", b.Number, b.Date, v.Date)
		}
		b.Description = v.Description
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// saleBody is receipt i of a location's day: eat-in and takeaway food,
// drinks and alcohol at 12, 6 and 25 %, paid by card (with a tip), cash
// (rounded to the krona) or Swish.
func saleBody(location, day string, loc, dayIndex, i int) map[string]any {
	vary := int64(100*dayIndex + 10*loc + i)
	line := func(group, rate string, takeaway bool, amount int64) map[string]any {
		return map[string]any{"product_group": group, "vat_rate": rate, "takeaway": takeaway, "amount": amount}
	}
	r := map[string]any{"receipt_id": fmt.Sprintf("%s-%s-%d", location, day, i), "location_id": location, "business_date": day}
	switch i % 3 {
	case 0:
		food := 14900 + vary
		r["lines"] = []map[string]any{line("food", "12", false, food), line("drinks", "6", true, 3500)}
		r["tips"] = 2000
		r["payments"] = []map[string]any{{"method": "card", "amount": food + 3500 + 2000}}
	case 1:
		food := 8950 + vary
		total := food + 7900
		paid := (total + 50) / 100 * 100
		r["lines"] = []map[string]any{line("food", "6", true, food), line("alcohol", "25", false, 7900)}
		r["rounding"] = paid - total
		r["payments"] = []map[string]any{{"method": "cash", "amount": paid}}
	default:
		alcohol := 6900 + vary
		r["lines"] = []map[string]any{line("alcohol", "25", false, alcohol), line("drinks", "12", false, 2900)}
		r["payments"] = []map[string]any{{"method": "swish", "amount": alcohol + 2900}}
	}
	return r
}

// TestExportRunSurvivesGatewayKill: the gateway is killed with SIGKILL in
// the middle of exporting 240 location-days to the SIE file provider and
// started again on the same data directory. Every day ends succeeded, the
// jobs the killed gateway left processing are taken up again once their
// lease (4 s here) ends, and the provider's own database holds exactly one
// voucher per location and day, each the one the job reports.
func TestExportRunSurvivesGatewayKill(t *testing.T) {
	const locations, days, perDay = 4, 60, 3
	const total = locations * days
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	if err := os.WriteFile(cfg, []byte("scheduler:\n  interval: 1s\nexports:\n  lease: 4s\n  call_timeout: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := createMerchant(t, dir, "Kafé Linnea AB", 1)
	g := startGateway(t, dir, "--config", cfg)
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]

	today := time.Now().In(mustLoadLocation(t, "Europe/Stockholm"))
	day := func(back int) string { return today.AddDate(0, 0, -back).Format("2006-01-02") }
	from, to := day(days), day(1)

	// The wizard, all but the activation.
	var intg struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "sie", "modes": []string{"bookkeeping"}}, "", 201).decode(t, &intg)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{"export_start_date": from}, "", 200)
	var sug struct {
		Mapping map[string]any `json:"mapping"`
	}
	g.must("GET", "/v1/integrations/"+intg.ID+"/mapping/suggestion", admin, nil, "", 200).decode(t, &sug)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/mapping", admin, sug.Mapping, "", 200)

	// The registers of four locations record and close 60 days each. With
	// no active integration yet the days wait (not_scheduled), so the
	// activation below starts one run over all of them.
	var wg sync.WaitGroup
	errs := make(chan error, locations)
	for l := range locations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			location := fmt.Sprintf("store-%d", l+1)
			for back := days; back >= 1; back-- {
				d := day(back)
				for i := range perDay {
					body := saleBody(location, d, l, back, i)
					if r, err := g.do("POST", "/v1/sales", cashier, body, fmt.Sprintf("s-%s-%s-%d", location, d, i)); err != nil || r.Status != 201 {
						errs <- fmt.Errorf("sale %v: %v %d %s", body["receipt_id"], err, r.Status, r.Body)
						return
					}
				}
				if r, err := g.do("POST", "/v1/locations/"+location+"/days/"+d+"/close", cashier, nil, ""); err != nil || r.Status != 200 {
					errs <- fmt.Errorf("close %s %s: %v %d %s", location, d, err, r.Status, r.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rows := listExports(t, g, admin, from, to)
	if len(rows) != total || countStatus(rows, "not_scheduled") != total {
		t.Fatalf("before activation: %d rows, %d not_scheduled; want %d not_scheduled", len(rows), countStatus(rows, "not_scheduled"), total)
	}

	// Activate, and kill the gateway once the run has booked some days.
	g.must("POST", "/v1/integrations/"+intg.ID+"/activate", admin, nil, "", 200).decode(t, &intg)
	if intg.Status != "active" {
		t.Fatalf("integration %s", intg.Status)
	}
	waitFor(t, "the export run to be under way", 15*time.Second, func() bool {
		rows = listExports(t, g, admin, from, to)
		done := countStatus(rows, "succeeded")
		if done > total/2 {
			t.Fatalf("the export run booked %d of %d days before the test could kill it: make the run longer", done, total)
		}
		return done > 0
	})
	if err := g.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-g.done
	before := sieBookings(t, dir, m.ID)
	if len(before) == 0 || len(before) >= total {
		t.Fatalf("the kill was not in the middle of the run: %d of %d days booked", len(before), total)
	}

	// Restart on the same data directory. Jobs the killed gateway left
	// processing stay so until their lease ends, then run again.
	g = startGateway(t, dir, "--config", cfg)
	rows = listExports(t, g, admin, from, to)
	var left []string
	for k, r := range rows {
		if r.Status == "processing" {
			left = append(left, k)
		}
	}
	sort.Strings(left)
	if len(left) == 0 {
		t.Fatalf("no job was left processing by the killed gateway (statuses after restart: %d succeeded, %d pending)",
			countStatus(rows, "succeeded"), countStatus(rows, "pending"))
	}
	t.Logf("killed after %d of %d days were booked; left processing: %v", len(before), total, left)
	waitFor(t, "every day to be exported", 20*time.Second, func() bool {
		rows = listExports(t, g, admin, from, to)
		for _, r := range rows {
			if r.Status == "failed" {
				t.Fatalf("%s failed: %s", r.key(), r.Message)
			}
		}
		return countStatus(rows, "succeeded") == total
	})
	for _, k := range left {
		if r := rows[k]; r.Attempts < 2 {
			t.Errorf("%s was left processing but ran %d time(s): %s", k, r.Attempts, r.Message)
		} else {
			t.Logf("%s re-claimed after its lease, attempt %d: %s", k, r.Attempts, r.Message)
		}
	}

	// The provider's own records: one voucher per location and day, the one
	// each job reports.
	booked := sieBookings(t, dir, m.ID)
	if len(booked) != total {
		t.Errorf("sie.db holds %d vouchers, want %d", len(booked), total)
	}
	perRef := map[string]int{}
	perDescription := map[string]int{}
	number := map[string]int64{}
	for i, b := range booked {
		perRef[b.ExternalRef]++
		perDescription[b.Description]++
		number[b.ExternalRef] = b.Number
		if b.Number != int64(i+1) {
			t.Errorf("voucher numbers are not 1..%d: #%d is %d", len(booked), i+1, b.Number)
		}
	}
	for k, r := range rows {
		if r.Receipts != perDay {
			t.Errorf("%s has %d receipts, want %d", k, r.Receipts, perDay)
		}
		if n := perRef[r.ExternalRef]; n != 1 {
			t.Errorf("%s (%s) is booked %d times at the provider", k, r.ExternalRef, n)
		}
		if n := perDescription["Försäljning "+k]; n != 1 {
			t.Errorf("%s: %d vouchers describe it, want 1", k, n)
		}
		if want := fmt.Sprint(number[r.ExternalRef]); r.ProviderRef != want {
			t.Errorf("%s: the job says voucher %q, the provider booked it as %s", k, r.ProviderRef, want)
		}
	}
}
