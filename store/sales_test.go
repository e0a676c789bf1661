package store

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

var salesT0 = time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)

func salesStore(t *testing.T) *Store {
	t.Helper()
	s := newTestStore(t)
	m, keys := testMerchant("mer_1", salesT0)
	if err := s.CreateMerchant(context.Background(), m, keys); err != nil {
		t.Fatal(err)
	}
	return s
}

func storedReceipt(id, location string, day core.Date, amount int64) exports.StoredReceipt {
	return exports.StoredReceipt{
		MerchantID: "mer_1", RequestHash: "hash-" + id, Total: amount, RecordedAt: salesT0,
		Receipt: core.SalesReceipt{ReceiptID: id, LocationID: location, BusinessDate: day, Currency: "SEK",
			Lines:    []core.SalesLine{{ProductGroup: "food", VATRate: decimal.NewFromInt(12), Amount: amount}},
			Payments: []core.SalesPayment{{Method: "card", Amount: amount}}},
	}
}

func TestSaveSalesReceipt(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	r := storedReceipt("r1", "loc_1", "2026-04-01", 11200)
	got, created, err := s.SaveSalesReceipt(ctx, r)
	if err != nil || !created {
		t.Fatalf("first save: created=%v err=%v", created, err)
	}
	if got.Receipt.ReceiptID != "r1" || got.Total != 11200 || !got.RecordedAt.Equal(salesT0) || got.RequestHash != "hash-r1" {
		t.Fatalf("stored %+v", got)
	}
	// The same id again returns the first receipt, whatever the new one says.
	other := storedReceipt("r1", "loc_2", "2026-04-01", 999)
	other.RequestHash = "other"
	got, created, err = s.SaveSalesReceipt(ctx, other)
	if err != nil || created || got.RequestHash != "hash-r1" || got.Receipt.LocationID != "loc_1" || got.Total != 11200 {
		t.Fatalf("second save: %+v created=%v err=%v", got, created, err)
	}
	if _, _, err := s.SaveSalesReceipt(ctx, storedReceipt("r2", "loc_1", "2026-04-01", 500)); err != nil {
		t.Fatal(err)
	}
	receipts, err := s.SalesDayReceipts(ctx, "mer_1", exports.DayKey{LocationID: "loc_1", BusinessDate: "2026-04-01"})
	if err != nil || len(receipts) != 2 || receipts[0].ReceiptID != "r1" || receipts[1].ReceiptID != "r2" {
		t.Fatalf("day receipts %+v err=%v", receipts, err)
	}
	if !receipts[0].Lines[0].VATRate.Equal(decimal.NewFromInt(12)) {
		t.Fatalf("VAT rate lost: %+v", receipts[0].Lines[0])
	}
	d, err := s.CloseSalesDay(ctx, "mer_1", exports.DayKey{LocationID: "loc_1", BusinessDate: "2026-04-01"}, salesT0, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Receipts != 2 || d.Total != 11700 || !d.Closed || d.Status != exports.StatusNotScheduled {
		t.Fatalf("closed day %+v", d)
	}
	_, _, err = s.SaveSalesReceipt(ctx, storedReceipt("r3", "loc_1", "2026-04-01", 100))
	wantCode(t, err, core.CodeConflict)
	if f := core.AsError(err).Fields; len(f) != 1 || f[0].Field != "business_date" {
		t.Fatalf("conflict fields %v", f)
	}
	// A known receipt of a closed day still replays.
	if _, created, err := s.SaveSalesReceipt(ctx, r); err != nil || created {
		t.Fatalf("replay on closed day: created=%v err=%v", created, err)
	}
	// Another location's day is open.
	if _, created, err := s.SaveSalesReceipt(ctx, storedReceipt("r4", "loc_2", "2026-04-01", 100)); err != nil || !created {
		t.Fatalf("other location: created=%v err=%v", created, err)
	}
	bad := storedReceipt("r5", "loc_1", "2026-04-01", 100)
	bad.MerchantID = "mer_unknown"
	_, _, err = s.SaveSalesReceipt(ctx, bad)
	wantCode(t, err, core.CodeNotFound)
	bad = storedReceipt("", "", "2026-13-01", 100)
	_, _, err = s.SaveSalesReceipt(ctx, bad)
	wantCode(t, err, core.CodeInvalid)
	if n := len(core.AsError(err).Fields); n != 3 {
		t.Fatalf("invalid fields %v", core.AsError(err).Fields)
	}
}

// Of concurrent saves of one receipt id exactly one creates, and the day
// counts it once.
func TestSaveSalesReceiptConcurrent(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, c, err := s.SaveSalesReceipt(ctx, storedReceipt("r1", "loc_1", "2026-04-01", 100))
			if err != nil {
				t.Error(err)
			}
			if c {
				mu.Lock()
				created++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("%d saves created", created)
	}
	days, err := s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-04-01", To: "2026-04-01"})
	if err != nil || len(days) != 1 || days[0].Receipts != 1 || days[0].Status != exports.StatusOpen {
		t.Fatalf("days %+v err=%v", days, err)
	}
}

func TestCloseSalesDay(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	key := exports.DayKey{LocationID: "loc_1", BusinessDate: "2026-04-01"}
	d, err := s.CloseSalesDay(ctx, "mer_1", key, salesT0, false)
	if err != nil || !d.Closed || d.Receipts != 0 || d.Status != exports.StatusNotScheduled || !d.ClosedAt.Equal(salesT0) {
		t.Fatalf("close: %+v err=%v", d, err)
	}
	// Closing again keeps the first time and now queues it.
	later := salesT0.Add(time.Hour)
	d, err = s.CloseSalesDay(ctx, "mer_1", key, later, true)
	if err != nil || !d.ClosedAt.Equal(salesT0) || d.Status != exports.StatusPending || d.ExternalRef != "ledgerbridge:loc_1:2026-04-01" {
		t.Fatalf("close again: %+v err=%v", d, err)
	}
	if d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(later) {
		t.Fatalf("next attempt %v", d.NextAttemptAt)
	}
	// A third close does not reset the job.
	if _, found, err := s.ClaimExportJob(ctx, "mer_1", later, later.Add(time.Minute), "tok"); err != nil || !found {
		t.Fatalf("claim: %v %v", found, err)
	}
	if d, err = s.CloseSalesDay(ctx, "mer_1", key, later, true); err != nil || d.Status != exports.StatusProcessing || d.Attempts != 1 {
		t.Fatalf("third close: %+v err=%v", d, err)
	}
	_, err = s.CloseSalesDay(ctx, "mer_unknown", key, salesT0, true)
	wantCode(t, err, core.CodeNotFound)
	_, err = s.CloseSalesDay(ctx, "mer_1", exports.DayKey{BusinessDate: "x"}, salesT0, true)
	wantCode(t, err, core.CodeInvalid)
}

// Receipts survive their compact stored form exactly, whatever their text.
func TestReceiptCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	texts := []string{"", "food", "kött & fisk", "tab\there", "new\nline", `quote " and \ backslash`, "ünïcödé ø", "\x00\xff"}
	rates := []string{"0", "6", "12", "25", "12.5", "15"}
	for i := range 500 {
		r := core.SalesReceipt{ReceiptID: "r", LocationID: "l", BusinessDate: "2026-04-01", Currency: "SEK"}
		for range rng.IntN(5) {
			r.Lines = append(r.Lines, core.SalesLine{ProductGroup: texts[rng.IntN(len(texts))],
				VATRate: decimal.RequireFromString(rates[rng.IntN(len(rates))]), Takeaway: rng.IntN(2) == 1,
				Amount: rng.Int64N(2e10) - 1e10})
		}
		for range rng.IntN(3) {
			r.Payments = append(r.Payments, core.SalesPayment{Method: texts[rng.IntN(len(texts))], Amount: rng.Int64N(2e10) - 1e10})
		}
		if rng.IntN(2) == 0 {
			r.Tips = rng.Int64N(1e6)
		}
		if rng.IntN(2) == 0 {
			r.Rounding = rng.Int64N(100) - 50
		}
		got := core.SalesReceipt{ReceiptID: "r", LocationID: "l", BusinessDate: "2026-04-01", Currency: "SEK"}
		if err := decodeReceipt(encodeReceipt(r), &got); err != nil {
			t.Fatalf("receipt %d: %v", i, err)
		}
		wantJSON, _ := json.Marshal(r)
		gotJSON, _ := json.Marshal(got)
		if string(wantJSON) != string(gotJSON) {
			t.Fatalf("receipt %d:\n got %s\nwant %s", i, gotJSON, wantJSON)
		}
	}
	for _, bad := range []string{"X\t1\n", "L\t0\t25\t100\n", "L\t0\tx\t100\t\"a\"\n", "P\t1\tcard\n", "T\tx\n"} {
		if err := decodeReceipt(bad, &core.SalesReceipt{}); err == nil {
			t.Errorf("decoded %q", bad)
		}
	}
}

// The product groups and payment methods of a merchant's receipts are
// remembered (each once, sorted), so the wizard lists the merchant's own.
func TestSalesNamesAreLearnedFromReceipts(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	r1 := storedReceipt("r1", "loc_1", "2026-04-01", 11200)
	r2 := storedReceipt("r2", "loc_1", "2026-04-01", 900)
	r2.Receipt.Lines = append(r2.Receipt.Lines, core.SalesLine{ProductGroup: "Öl & vin", VATRate: decimal.NewFromInt(25), Amount: 100},
		core.SalesLine{ProductGroup: "", VATRate: decimal.NewFromInt(25), Amount: 100})
	r2.Receipt.Payments = []core.SalesPayment{{Method: "Swish", Amount: 500}, {Method: "card", Amount: 600}}
	for _, r := range []exports.StoredReceipt{r1, r2} {
		if _, _, err := s.SaveSalesReceipt(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	groups, methods, err := s.SalesNames(ctx, "mer_1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(groups, []string{"food", "Öl & vin"}) || !reflect.DeepEqual(methods, []string{"Swish", "card"}) {
		t.Fatalf("groups %q methods %q", groups, methods)
	}
	if g, m, err := s.SalesNames(ctx, "mer_other"); err != nil || len(g)+len(m) != 0 || g == nil || m == nil {
		t.Fatalf("another merchant: %q %q %v, want empty lists", g, m, err)
	}
}

// The migration that adds sales_names learns the names of the receipts
// stored before it; a name its quoting escaped is skipped.
func TestSalesNamesMigrationReadsEarlierReceipts(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	r := storedReceipt("r1", "loc_1", "2026-04-01", 11200)
	r.Receipt.Lines = append(r.Receipt.Lines, core.SalesLine{ProductGroup: "Smørbrød", VATRate: decimal.NewFromInt(12), Amount: 1},
		core.SalesLine{ProductGroup: `the "special"`, VATRate: decimal.NewFromInt(12), Amount: 1})
	r.Receipt.Payments = append(r.Receipt.Payments, core.SalesPayment{Method: "vipps", Amount: 2})
	if _, _, err := s.SaveSalesReceipt(ctx, r); err != nil {
		t.Fatal(err)
	}
	src, err := migrationFiles.ReadFile("migrations/00010_sales_names.sql")
	if err != nil {
		t.Fatal(err)
	}
	up := string(src)
	start, end := strings.Index(up, "WITH RECURSIVE"), strings.Index(up, "-- +goose Down")
	if start < 0 || end < start {
		t.Fatal("backfill statement not found in the migration")
	}
	err = s.db.Write(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sales_names`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, up[start:end])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	groups, methods, err := s.SalesNames(ctx, "mer_1")
	if err != nil || !reflect.DeepEqual(groups, []string{"Smørbrød", "food"}) || !reflect.DeepEqual(methods, []string{"card", "vipps"}) {
		t.Fatalf("backfilled groups %q methods %q %v", groups, methods, err)
	}
}
