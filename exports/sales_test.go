package exports_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

func TestRecordSaleValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ok := func() core.SalesReceipt { return receipt("r1", "loc_1", "2026-04-01", 11200) }
	for _, tc := range []struct {
		name   string
		edit   func(r *core.SalesReceipt)
		fields []string
	}{
		{"missing ids and date", func(r *core.SalesReceipt) { r.ReceiptID, r.LocationID, r.BusinessDate = " ", "", "2026-02-30" },
			[]string{"receipt_id", "location_id", "business_date"}},
		{"other currency", func(r *core.SalesReceipt) { r.Currency = "NOK" }, []string{"currency"}},
		{"no lines", func(r *core.SalesReceipt) { r.Lines = nil }, []string{"lines"}},
		{"no payments", func(r *core.SalesReceipt) { r.Payments = nil }, []string{"payments"}},
		{"Norwegian VAT rate in Sweden", func(r *core.SalesReceipt) { r.Lines[0].VATRate = decimal.NewFromInt(15) }, []string{"lines[0].vat_rate"}},
		{"does not add up", func(r *core.SalesReceipt) { r.Tips = 100 }, []string{"payments"}},
		{"rounding too large", func(r *core.SalesReceipt) { r.Rounding = 500; r.Payments[0].Amount += 500 }, []string{"rounding"}},
		{"amount out of range", func(r *core.SalesReceipt) { r.Lines[0].Amount = core.MaxLineAmount + 1 },
			[]string{"lines[0].amount"}},
		{"payment without method", func(r *core.SalesReceipt) { r.Payments[0].Method = "" }, []string{"payments[0].method"}},
		{"control character", func(r *core.SalesReceipt) { r.LocationID = "loc\n1" }, []string{"location_id"}},
		{"partly by invoice", func(r *core.SalesReceipt) {
			r.Payments = []core.SalesPayment{{Method: "card", Amount: 1200}, {Method: "invoice", Amount: 10000}}
		}, []string{"payments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.edit(&r)
			_, _, err := e.svc.RecordSale(ctx, cashier, r)
			wantCode(t, err, core.CodeInvalid, tc.fields...)
		})
	}
	_, _, err := e.svc.RecordSale(ctx, accountant, ok())
	wantCode(t, err, core.CodeForbidden)
	_, _, err = e.svc.RecordSale(ctx, core.Principal{MerchantID: "mer_x", Role: core.RoleCashier}, ok())
	wantCode(t, err, core.CodeNotFound)
	// Nothing invalid was stored.
	if days := e.days("2026-03-01", "2026-04-30"); len(days) != 0 {
		t.Fatalf("days after refusals: %v", days)
	}
}

func TestRecordSaleIsIdempotentByReceiptID(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := core.SalesReceipt{ReceiptID: "r1", LocationID: "loc_1", BusinessDate: "2026-04-01",
		Lines:    []core.SalesLine{line("food", "12", false, 11200), line("beer", "25.0", false, 8990)},
		Payments: []core.SalesPayment{{Method: "cash", Amount: 20200}}, Rounding: 10}
	first, replayed, err := e.svc.RecordSale(ctx, cashier, r)
	if err != nil || replayed {
		t.Fatalf("first: replayed=%v err=%v", replayed, err)
	}
	if first.Currency != "SEK" || first.Total != 20200 || !first.RecordedAt.Equal(t0) || first.Lines[1].VATRate.String() != "25" {
		t.Fatalf("first sale %+v", first)
	}
	// The same receipt (a rate written differently, a later time) replays.
	e.clock.Advance(1)
	r.Lines[1].VATRate = decimal.NewFromInt(25)
	r.Currency = "SEK"
	again, replayed, err := e.svc.RecordSale(ctx, admin, r)
	if err != nil || !replayed || !reflect.DeepEqual(jsonOf(t, again), jsonOf(t, first)) {
		t.Fatalf("replay: %+v replayed=%v err=%v", again, replayed, err)
	}
	r.Payments[0].Amount, r.Rounding = 20300, 110
	_, _, err = e.svc.RecordSale(ctx, cashier, r)
	wantCode(t, err, core.CodeInvalid, "rounding")
	r.Payments[0].Amount, r.Rounding, r.Tips = 20300, 10, 100
	_, _, err = e.svc.RecordSale(ctx, cashier, r)
	wantCode(t, err, core.CodeConflict, "receipt_id")
	if d := e.day("loc_1", "2026-04-01"); d.Receipts != 1 || d.Total != 20200 || d.Status != exports.StatusOpen {
		t.Fatalf("day %+v", d)
	}
}

func TestClosedDayRefusesReceipts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.record(receipt("r1", "loc_1", "2026-04-01", 5000))
	d, err := e.svc.CloseDay(ctx, cashier, "loc_1", "2026-04-01")
	if err != nil || !d.Closed || d.Status != exports.StatusPending || d.Receipts != 1 || d.ExternalRef != "ledgerbridge:loc_1:2026-04-01" || d.Currency != "SEK" {
		t.Fatalf("close: %+v %v", d, err)
	}
	_, _, err = e.svc.RecordSale(ctx, cashier, receipt("r2", "loc_1", "2026-04-01", 100))
	wantCode(t, err, core.CodeConflict, "business_date")
	// The receipt recorded before the close still replays.
	if _, replayed, err := e.svc.RecordSale(ctx, cashier, receipt("r1", "loc_1", "2026-04-01", 5000)); err != nil || !replayed {
		t.Fatalf("replay after close: %v %v", replayed, err)
	}
	// Closing again is fine and changes nothing.
	e.clock.Advance(3600e9)
	d2, err := e.svc.CloseDay(ctx, admin, "loc_1", "2026-04-01")
	if err != nil || !d2.ClosedAt.Equal(*d.ClosedAt) || d2.Status != exports.StatusPending {
		t.Fatalf("close again: %+v %v", d2, err)
	}
	// An exported day refuses receipts just the same.
	e.run()
	if d := e.day("loc_1", "2026-04-01"); d.Status != exports.StatusSucceeded {
		t.Fatalf("day %+v", d)
	}
	_, _, err = e.svc.RecordSale(ctx, cashier, receipt("r3", "loc_1", "2026-04-01", 100))
	wantCode(t, err, core.CodeConflict, "business_date")
	// Another location's same day is still open.
	e.record(receipt("r4", "loc_2", "2026-04-01", 100))

	_, err = e.svc.CloseDay(ctx, cashier, "", "2026-04-21")
	wantCode(t, err, core.CodeInvalid, "location_id", "date")
	_, err = e.svc.CloseDay(ctx, cashier, "loc_1", "20260401")
	wantCode(t, err, core.CodeInvalid, "date")
	_, err = e.svc.CloseDay(ctx, accountant, "loc_1", "2026-04-01")
	wantCode(t, err, core.CodeForbidden)
	// Today may be closed (a day ends with the close), tomorrow not.
	if _, err := e.svc.CloseDay(ctx, cashier, "loc_1", "2026-04-20"); err != nil {
		t.Fatal(err)
	}
}

// A closed day without an integration is not scheduled; it is once one is
// active, and a failing integration lookup does not stop the close.
func TestCloseWithoutIntegration(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	target, _, _ := e.books.ActiveBookkeeping(ctx, merchantID)
	e.books.remove(merchantID)
	e.record(receipt("r1", "loc_1", "2026-04-01", 5000))
	d, err := e.svc.CloseDay(ctx, cashier, "loc_1", "2026-04-01")
	if err != nil || d.Status != exports.StatusNotScheduled || !strings.Contains(d.Message, "no active bookkeeping") {
		t.Fatalf("close: %+v %v", d, err)
	}
	e.books.err = core.Errorf(core.CodeUnavailable, "integrations down")
	if d, err = e.svc.CloseDay(ctx, cashier, "loc_1", "2026-04-02"); err != nil || !d.Closed {
		t.Fatalf("close with lookup down: %+v %v", d, err)
	}
	if _, err := e.svc.RunOnce(ctx); core.Code(err) != core.CodeUnavailable {
		t.Fatalf("run with lookup down: %v", err)
	}
	e.books.err = nil
	if res := e.run(); res.Queued != 0 || res.Claimed != 0 {
		t.Fatalf("run without integration: %+v", res)
	}
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { *t = target })
	if res := e.run(); res.Queued != 2 || res.Succeeded != 2 {
		t.Fatalf("run after activation: %+v", res)
	}
}
