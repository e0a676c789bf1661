package exports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	siep "github.com/ledgerbridge/ledgerbridge/providers/sie"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// books is an in-memory Bookkeeping.
type books struct {
	mu      sync.Mutex
	targets map[string]exports.BookkeepingTarget
	err     error
	// reports counts ReportUnauthorized calls; onReport, when set, is how
	// the integration reacts (renewed token, needs_reauth).
	reports  int
	onReport func(t *exports.BookkeepingTarget)
}

func (b *books) ReportUnauthorized(ctx context.Context, integrationID string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, t := range b.targets {
		if t.Connection.IntegrationID == integrationID {
			b.reports++
			if b.onReport != nil {
				b.onReport(&t)
				b.targets[id] = t
			}
			return nil
		}
	}
	return core.ErrNotFound("integration", integrationID)
}

func (b *books) reportCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reports
}

func (b *books) ActiveBookkeeping(ctx context.Context, merchantID string) (exports.BookkeepingTarget, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return exports.BookkeepingTarget{}, false, b.err
	}
	t, ok := b.targets[merchantID]
	return t, ok, nil
}

func (b *books) set(merchantID string, f func(t *exports.BookkeepingTarget)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.targets[merchantID]
	f(&t)
	b.targets[merchantID] = t
}

func (b *books) remove(merchantID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.targets, merchantID)
}

// hooked wraps a provider so a test can intercept ExportSales; it counts
// the calls per external reference.
type hooked struct {
	core.Provider
	mu    sync.Mutex
	calls map[string]int
	hook  func(ctx context.Context, conn core.Connection, v core.Voucher, call int) (core.ExportResult, error, bool)
}

func (h *hooked) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	h.mu.Lock()
	h.calls[v.ExternalRef]++
	n := h.calls[v.ExternalRef]
	hook := h.hook
	h.mu.Unlock()
	if hook != nil {
		if res, err, done := hook(ctx, conn, v, n); done {
			return res, err
		}
	}
	return h.Provider.ExportSales(ctx, conn, v)
}

func (h *hooked) setHook(f func(ctx context.Context, conn core.Connection, v core.Voucher, call int) (core.ExportResult, error, bool)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hook = f
}

func (h *hooked) totalCalls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.calls {
		n += c
	}
	return n
}

const merchantID = "mer_1"

var (
	t0         = time.Date(2026, 4, 20, 10, 0, 0, 0, time.UTC)
	admin      = core.Principal{MerchantID: merchantID, Role: core.RoleAdmin}
	cashier    = core.Principal{MerchantID: merchantID, Role: core.RoleCashier}
	accountant = core.Principal{MerchantID: merchantID, Role: core.RoleAccountant}
)

// env is a service over a real store file and the real sie provider.
type env struct {
	t     testing.TB
	dir   string
	store *store.Store
	sie   *siep.Provider
	prov  *hooked
	books *books
	clock *coretest.Clock
	opts  exports.Options
	svc   *exports.Service
}

func testMapping() mapping.Mapping {
	return mapping.StandardSuggestion(core.Sweden, []string{"card", "cash", "swish"}, []string{"food", "beer"})
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, dir: t.TempDir(), clock: coretest.NewClock(t0), books: &books{targets: map[string]exports.BookkeepingTarget{}}}
	var err error
	if e.store, err = store.Open(ctx, e.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })
	if e.sie, err = siep.Open(ctx, e.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.sie.Close() })
	e.prov = &hooked{Provider: e.sie, calls: map[string]int{}}
	m := core.Merchant{ID: merchantID, Name: "Kafé Exempel", Country: core.Sweden, Currency: "SEK",
		InvoicingProvider: "open", InvoiceStartNumber: 1, CreatedAt: t0}
	if err := e.store.CreateMerchant(ctx, m, nil); err != nil {
		t.Fatal(err)
	}
	e.books.set(merchantID, func(bt *exports.BookkeepingTarget) {
		*bt = exports.BookkeepingTarget{
			Connection:      core.ActiveConnection{IntegrationID: "int_1", Provider: "sie", Status: core.IntegrationActive},
			Mapping:         testMapping(),
			ExportStartDate: "2026-04-01",
		}
	})
	e.opts = exports.Options{Clock: e.clock.Now, RetryBase: time.Minute, RetryMax: time.Hour, MaxAttempts: 4, Workers: 3}
	e.svc = e.newService(e.store)
	return e
}

func (e *env) newService(s *store.Store) *exports.Service {
	return exports.New(s, s, e.books, coretest.Registry{"sie": e.prov}, e.opts)
}

// reopen simulates a restart: a new store handle and service on the same
// files.
func (e *env) reopen() {
	e.t.Helper()
	s, err := store.Open(context.Background(), e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	e.store = s
	e.svc = e.newService(s)
}

func line(group, rate string, takeaway bool, amount int64) core.SalesLine {
	return core.SalesLine{ProductGroup: group, VATRate: decimal.RequireFromString(rate), Takeaway: takeaway, Amount: amount}
}

// receipt is a simple card receipt.
func receipt(id, location string, day core.Date, amounts ...int64) core.SalesReceipt {
	r := core.SalesReceipt{ReceiptID: id, LocationID: location, BusinessDate: day}
	var total int64
	for _, a := range amounts {
		r.Lines = append(r.Lines, line("food", "12", false, a))
		total += a
	}
	r.Payments = []core.SalesPayment{{Method: "card", Amount: total}}
	return r
}

// genReceipts makes n realistic receipts of a café-restaurant: eat-in food
// at 12 %, takeaway food at 6 %, beer at 25 %; card, cash with öre
// rounding, Swish; tips on some card receipts; an occasional refund.
func genReceipts(rng *rand.Rand, location string, day core.Date, n int) []core.SalesReceipt {
	out := make([]core.SalesReceipt, 0, n)
	for i := range n {
		r := core.SalesReceipt{ReceiptID: fmt.Sprintf("%s-%s-%d", location, day, i), LocationID: location, BusinessDate: day}
		var total int64
		for range 1 + rng.IntN(4) {
			var l core.SalesLine
			switch rng.IntN(3) {
			case 0:
				l = line("food", "12", false, 4500+rng.Int64N(20000))
			case 1:
				l = line("food", "6", true, 2500+rng.Int64N(9000))
			default:
				l = line("beer", "25", false, 6900+rng.Int64N(3000))
			}
			total += l.Amount
			r.Lines = append(r.Lines, l)
		}
		if rng.IntN(40) == 0 { // a refund
			for j := range r.Lines {
				r.Lines[j].Amount = -r.Lines[j].Amount
			}
			total = -total
		}
		switch m := rng.IntN(10); {
		case m < 6:
			if total > 0 && rng.IntN(4) == 0 {
				r.Tips = 1000 + rng.Int64N(4000)
			}
			r.Payments = []core.SalesPayment{{Method: "card", Amount: total + r.Tips}}
		case m < 8:
			paid := (total + 50) / 100 * 100
			if total < 0 {
				paid = (total - 50) / 100 * 100
			}
			r.Rounding = paid - total
			r.Payments = []core.SalesPayment{{Method: "cash", Amount: paid}}
		default:
			r.Payments = []core.SalesPayment{{Method: "swish", Amount: total}}
		}
		out = append(out, r)
	}
	return out
}

func (e *env) record(receipts ...core.SalesReceipt) {
	e.t.Helper()
	for _, r := range receipts {
		if _, _, err := e.svc.RecordSale(context.Background(), cashier, r); err != nil {
			e.t.Fatalf("record %s: %v", r.ReceiptID, err)
		}
	}
}

func (e *env) close(location string, days ...core.Date) {
	e.t.Helper()
	for _, d := range days {
		if _, err := e.svc.CloseDay(context.Background(), cashier, location, d); err != nil {
			e.t.Fatalf("close %s %s: %v", location, d, err)
		}
	}
}

func (e *env) run() exports.Result {
	e.t.Helper()
	res, err := e.svc.RunOnce(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// days lists every day in [from, to] by "location date".
func (e *env) days(from, to core.Date) map[string]exports.Day {
	e.t.Helper()
	page, err := e.svc.List(context.Background(), accountant, exports.ListQuery{From: from, To: to, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]exports.Day{}
	for _, d := range page.Days {
		out[d.LocationID+" "+string(d.BusinessDate)] = d
	}
	return out
}

func (e *env) day(location string, date core.Date) exports.Day {
	e.t.Helper()
	d, ok := e.days(date, date)[location+" "+string(date)]
	if !ok {
		e.t.Fatalf("no row for %s %s", location, date)
	}
	return d
}

// booked returns the vouchers at the sie provider by external reference.
func (e *env) booked() map[string][]core.Voucher {
	e.t.Helper()
	vs, err := e.sie.Vouchers(context.Background(), merchantID, "2000-01-01", "2100-01-01")
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]core.Voucher{}
	for _, v := range vs {
		out[v.ExternalRef] = append(out[v.ExternalRef], v)
	}
	return out
}

func wantCode(t testing.TB, err error, code core.ErrorCode, fields ...string) {
	t.Helper()
	e := core.AsError(err)
	if e == nil || e.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	if len(fields) == 0 {
		return
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	if fmt.Sprint(got) != fmt.Sprint(fields) {
		t.Fatalf("error fields %v, want %v (%v)", got, fields, err)
	}
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
