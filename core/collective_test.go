package core_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// newStack is the engine over the real store and open provider, with a
// clock the test moves.
func newStack(t *testing.T, opts ...func(*core.EngineOptions)) (*core.Engine, *coretest.Clock, core.Principal, core.Principal) {
	t.Helper()
	dir := t.TempDir()
	clk := coretest.NewClock(time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC))
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	prov, err := open.Open(context.Background(), dir, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prov.Close() })
	o := core.EngineOptions{Clock: clk.Now}
	for _, opt := range opts {
		opt(&o)
	}
	e := core.NewEngine(st, coretest.Registry{open.Name: prov}, o)
	cm, err := e.CreateMerchant(context.Background(), core.NewMerchant{Name: "Kafé Linnea AB", Country: core.Sweden, InvoiceStartNumber: 1})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := e.Authenticate(context.Background(), cm.APIKeys[core.RoleAdmin])
	cashier, _ := e.Authenticate(context.Background(), cm.APIKeys[core.RoleCashier])
	if err := coretest.CompleteSeller(context.Background(), e, admin, core.Sweden); err != nil {
		t.Fatal(err)
	}
	return e, clk, admin, cashier
}

func collectiveCustomer(t *testing.T, e *core.Engine, admin core.Principal, ci core.CollectiveInvoicing, parent string) core.Customer {
	t.Helper()
	c, err := e.CreateCustomer(context.Background(), admin, core.Customer{
		Name: "Advokatbyrån Lind KB", Active: true, InvoicingEnabled: true, DueDays: 30,
		CollectiveInvoicing: ci, ParentCustomerID: parent,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func chargeFor(t *testing.T, e *core.Engine, cashier core.Principal, customer, key string, unitPrice int64) core.ChargeResult {
	t.Helper()
	res, _, err := e.Charge(context.Background(), cashier, key, core.ChargeRequest{
		CustomerID: customer, LocationID: "loc-1", ReceiptID: key, Reference: "ref " + key,
		Lines: []core.LineInput{{Description: "Lunch", Quantity: decimal.NewFromInt(1), UnitPrice: unitPrice, VATRate: decimal.NewFromInt(12)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func invoices(t *testing.T, e *core.Engine, admin core.Principal) []core.Invoice {
	t.Helper()
	page, err := e.ListInvoices(context.Background(), admin, core.InvoiceQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return page.Invoices
}

func TestCollectiveInvoiceOnTheDayOfMonthExactlyOnce(t *testing.T) {
	e, clk, admin, cashier := newStack(t)
	cust := collectiveCustomer(t, e, admin, core.CollectiveInvoicing{Enabled: true, DayOfMonth: 15}, "")
	for i, key := range []string{"a", "b", "c"} {
		if res := chargeFor(t, e, cashier, cust.ID, key, int64(10000+i)); res.Status != core.ChargeCollected || res.Order == nil || res.Invoice != nil {
			t.Fatalf("charge %s = %+v, want a collected order", key, res)
		}
	}
	// Before the day: nothing.
	if n, err := e.RunCollectiveInvoicing(context.Background()); err != nil || n != 0 {
		t.Fatalf("before the day: %d invoices, %v", n, err)
	}
	clk.Set(time.Date(2026, 11, 15, 6, 0, 0, 0, time.UTC))
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.RunCollectiveInvoicing(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	invs := invoices(t, e, admin)
	if len(invs) != 1 {
		t.Fatalf("%d invoices after concurrent runs, want 1", len(invs))
	}
	inv, err := e.GetInvoice(context.Background(), admin, invs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.OrderIDs) != 3 || len(inv.Lines) != 3 || inv.Total != 30003 || inv.Number != 1 {
		t.Fatalf("collective invoice = %+v, want 3 orders, 3 lines, total 30003, number 1", inv)
	}
	// An order placed later the same month waits for next month's day.
	chargeFor(t, e, cashier, cust.ID, "d", 5000)
	if n, _ := e.RunCollectiveInvoicing(context.Background()); n != 0 {
		t.Fatalf("second run in the same month made %d invoices", n)
	}
	clk.Set(time.Date(2026, 12, 16, 6, 0, 0, 0, time.UTC)) // the gateway was down on the 15th
	if n, err := e.RunCollectiveInvoicing(context.Background()); err != nil || n != 1 {
		t.Fatalf("next month: %d invoices, %v", n, err)
	}
	open, err := e.ListOrders(context.Background(), admin, core.OrderQuery{Status: core.OrderOpen})
	if err != nil || len(open.Orders) != 0 {
		t.Fatalf("open orders left: %v %v", open.Orders, err)
	}
}

func TestCollectiveInvoiceWhenThresholdPassed(t *testing.T) {
	e, _, admin, cashier := newStack(t)
	parent, err := e.CreateCustomer(context.Background(), admin, core.Customer{Name: "Koncernen AB", Active: true, InvoicingEnabled: true, DueDays: 20})
	if err != nil {
		t.Fatal(err)
	}
	cust := collectiveCustomer(t, e, admin, core.CollectiveInvoicing{Enabled: true, Threshold: 25000}, parent.ID)
	if res := chargeFor(t, e, cashier, cust.ID, "a", 12000); res.Invoice != nil {
		t.Fatalf("first order invoiced below the threshold: %+v", res.Invoice)
	}
	if res := chargeFor(t, e, cashier, cust.ID, "b", 13000); res.Invoice != nil {
		t.Fatalf("25 000 does not pass a 25 000 threshold: %+v", res.Invoice)
	}
	res := chargeFor(t, e, cashier, cust.ID, "c", 100)
	if res.Invoice == nil || res.Invoice.Total != 25100 || len(res.Invoice.OrderIDs) != 3 {
		t.Fatalf("passing the threshold: %+v", res.Invoice)
	}
	if res.Invoice.CustomerID != parent.ID || res.Invoice.OrderedByCustomerID != cust.ID {
		t.Errorf("collective invoice to %s ordered by %s; want parent %s, buyer %s",
			res.Invoice.CustomerID, res.Invoice.OrderedByCustomerID, parent.ID, cust.ID)
	}
	if n, _ := e.RunCollectiveInvoicing(context.Background()); n != 0 || len(invoices(t, e, admin)) != 1 {
		t.Fatalf("scheduler invoiced again: %d", n)
	}
}

func TestParentCompanyIsInvoiced(t *testing.T) {
	e, _, admin, cashier := newStack(t)
	parent, _ := e.CreateCustomer(context.Background(), admin, core.Customer{Name: "Koncernen AB", Active: true, InvoicingEnabled: true, DueDays: 20})
	child, _ := e.CreateCustomer(context.Background(), admin, core.Customer{Name: "Dotterbolaget AB", Active: true, InvoicingEnabled: true, DueDays: 10, ParentCustomerID: parent.ID})
	res := chargeFor(t, e, cashier, child.ID, "a", 10000)
	if res.Invoice.CustomerID != parent.ID || res.Invoice.OrderedByCustomerID != child.ID {
		t.Fatalf("invoice to %s ordered by %s", res.Invoice.CustomerID, res.Invoice.OrderedByCustomerID)
	}
	if res.Invoice.DueDate != "2026-11-30" {
		t.Errorf("due date %s, want the parent's terms (20 days): 2026-11-30", res.Invoice.DueDate)
	}
}

func TestLatestInvoiceDay(t *testing.T) {
	for _, tc := range []struct {
		today core.Date
		day   int
		want  core.Date
	}{
		{"2026-12-07", 5, "2026-12-05"},
		{"2026-12-05", 5, "2026-12-05"},
		{"2026-12-04", 5, "2026-11-05"},
		{"2027-01-04", 5, "2026-12-05"}, // across the year
		{"2027-02-27", 31, "2027-01-31"},
		{"2027-02-28", 31, "2027-02-28"}, // February's last day stands in for the 31st
		{"2028-02-28", 31, "2028-01-31"}, // a leap year: the 29th does
		{"2028-02-29", 30, "2028-02-29"},
		{"2027-04-30", 31, "2027-04-30"},
		{"2027-05-01", 31, "2027-04-30"},
		{"2027-03-30", 31, "2027-02-28"},
		{"2027-03-31", 31, "2027-03-31"},
		{"2027-01-01", 1, "2027-01-01"},
		{"2026-12-31", 1, "2026-12-01"},
	} {
		if got := core.LatestInvoiceDay(tc.today, tc.day); got != tc.want {
			t.Errorf("LatestInvoiceDay(%s, %d) = %s, want %s", tc.today, tc.day, got, tc.want)
		}
	}
}

// TestCollectiveInvoiceCalendar walks the calendar of a customer with an
// invoice day: purchases before, on and after the day, months without the
// day, the turn of the year, a scheduler that was down on the day (it
// catches up exactly once), and a threshold that comes first. Each step is
// a purchase ("buy") or a scheduler run ("run", run twice to prove it is
// idempotent) on a date; want lists each collective invoice made, as its
// invoice date and the dates of the orders on it.
func TestCollectiveInvoiceCalendar(t *testing.T) {
	type step struct {
		op    string // buy | run
		date  string
		price int64 // buy: the unit price (default 10 000)
	}
	type made struct {
		date   core.Date
		orders []core.Date
	}
	for _, tc := range []struct {
		name      string
		ci        core.CollectiveInvoicing
		steps     []step
		want      []made
		wantOpen  int // orders still open at the end
		wantAfter int // invoices once the last step ran
	}{
		{
			name: "bought after the day waits for next month's day",
			ci:   core.CollectiveInvoicing{Enabled: true, DayOfMonth: 5},
			steps: []step{{op: "buy", date: "2026-12-07"}, {op: "run", date: "2026-12-07"}, {op: "run", date: "2026-12-31"},
				{op: "run", date: "2027-01-04"}, {op: "run", date: "2027-01-05"}},
			want: []made{{"2027-01-05", []core.Date{"2026-12-07"}}},
		},
		{
			name:  "bought before the day is invoiced on the day",
			ci:    core.CollectiveInvoicing{Enabled: true, DayOfMonth: 5},
			steps: []step{{op: "buy", date: "2026-12-01"}, {op: "buy", date: "2026-12-04"}, {op: "run", date: "2026-12-04"}, {op: "run", date: "2026-12-05"}},
			want:  []made{{"2026-12-05", []core.Date{"2026-12-01", "2026-12-04"}}},
		},
		{
			name: "bought on the day belongs to the next invoice day",
			ci:   core.CollectiveInvoicing{Enabled: true, DayOfMonth: 5},
			steps: []step{{op: "buy", date: "2026-12-03"}, {op: "run", date: "2026-12-05"}, {op: "buy", date: "2026-12-05"},
				{op: "run", date: "2026-12-05"}, {op: "run", date: "2027-01-05"}},
			want: []made{{"2026-12-05", []core.Date{"2026-12-03"}}, {"2027-01-05", []core.Date{"2026-12-05"}}},
		},
		{
			name:  "day 31 in February is the 28th",
			ci:    core.CollectiveInvoicing{Enabled: true, DayOfMonth: 31},
			steps: []step{{op: "buy", date: "2027-02-10"}, {op: "run", date: "2027-02-27"}, {op: "run", date: "2027-02-28"}},
			want:  []made{{"2027-02-28", []core.Date{"2027-02-10"}}},
		},
		{
			name:  "day 31 in a leap February is the 29th",
			ci:    core.CollectiveInvoicing{Enabled: true, DayOfMonth: 31},
			steps: []step{{op: "buy", date: "2028-02-10"}, {op: "run", date: "2028-02-28"}, {op: "run", date: "2028-02-29"}},
			want:  []made{{"2028-02-29", []core.Date{"2028-02-10"}}},
		},
		{
			name: "day 31 bought on the 31st is invoiced on April's last day",
			ci:   core.CollectiveInvoicing{Enabled: true, DayOfMonth: 31},
			steps: []step{{op: "buy", date: "2027-03-31"}, {op: "run", date: "2027-03-31"}, {op: "run", date: "2027-04-29"},
				{op: "run", date: "2027-04-30"}},
			want: []made{{"2027-04-30", []core.Date{"2027-03-31"}}},
		},
		{
			name:  "across the turn of the year",
			ci:    core.CollectiveInvoicing{Enabled: true, DayOfMonth: 15},
			steps: []step{{op: "buy", date: "2026-12-20"}, {op: "run", date: "2027-01-14"}, {op: "run", date: "2027-01-15"}},
			want:  []made{{"2027-01-15", []core.Date{"2026-12-20"}}},
		},
		{
			name: "scheduler down on the day catches up once, without the later purchases",
			ci:   core.CollectiveInvoicing{Enabled: true, DayOfMonth: 5},
			steps: []step{{op: "buy", date: "2026-12-01"}, {op: "buy", date: "2026-12-08"}, {op: "run", date: "2026-12-09"},
				{op: "run", date: "2026-12-20"}},
			want:     []made{{"2026-12-09", []core.Date{"2026-12-01"}}},
			wantOpen: 1,
		},
		{
			name: "scheduler down a whole month catches up once",
			ci:   core.CollectiveInvoicing{Enabled: true, DayOfMonth: 5},
			steps: []step{{op: "buy", date: "2026-12-01"}, {op: "buy", date: "2026-12-20"}, {op: "buy", date: "2027-01-06"},
				{op: "run", date: "2027-01-07"}},
			want:     []made{{"2027-01-07", []core.Date{"2026-12-01", "2026-12-20"}}},
			wantOpen: 1,
		},
		{
			name: "threshold passed before the day invoices at once",
			ci:   core.CollectiveInvoicing{Enabled: true, DayOfMonth: 5, Threshold: 15000},
			steps: []step{{op: "buy", date: "2026-12-07"}, {op: "run", date: "2026-12-08"}, {op: "buy", date: "2026-12-09"},
				{op: "run", date: "2027-01-05"}},
			want: []made{{"2026-12-09", []core.Date{"2026-12-07", "2026-12-09"}}},
		},
		{
			name:  "Tripletex's fixed day 1",
			ci:    core.CollectiveInvoicing{Enabled: true, DayOfMonth: 1},
			steps: []step{{op: "buy", date: "2026-12-01"}, {op: "buy", date: "2026-12-31"}, {op: "run", date: "2026-12-31"}, {op: "run", date: "2027-01-01"}},
			want:  []made{{"2027-01-01", []core.Date{"2026-12-01", "2026-12-31"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, clk, admin, cashier := newStack(t)
			on := func(date string) { clk.OnDate(t, date) }
			on("2026-11-01")
			cust := collectiveCustomer(t, e, admin, tc.ci, "")
			for i, st := range tc.steps {
				on(st.date)
				switch st.op {
				case "buy":
					price := st.price
					if price == 0 {
						price = 10000
					}
					chargeFor(t, e, cashier, cust.ID, fmt.Sprintf("buy-%d", i), price)
				case "run":
					for range 2 {
						if _, err := e.RunCollectiveInvoicing(context.Background()); err != nil {
							t.Fatalf("run on %s: %v", st.date, err)
						}
					}
				}
			}
			orderDate := map[string]core.Date{}
			var all []core.Order
			for _, status := range []string{core.OrderOpen, core.OrderInvoiced} {
				page, err := e.ListOrders(context.Background(), admin, core.OrderQuery{Status: status, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page.Orders...)
				if status == core.OrderOpen && len(page.Orders) != tc.wantOpen {
					t.Errorf("%d orders open at the end, want %d", len(page.Orders), tc.wantOpen)
				}
			}
			for _, o := range all {
				orderDate[o.ID] = o.OrderDate
			}
			var got []made
			invs := invoices(t, e, admin)
			sort.Slice(invs, func(i, j int) bool { return invs[i].Number < invs[j].Number })
			for _, inv := range invs {
				full, err := e.GetInvoice(context.Background(), admin, inv.ID)
				if err != nil {
					t.Fatal(err)
				}
				m := made{date: full.InvoiceDate}
				for _, id := range full.OrderIDs {
					m.orders = append(m.orders, orderDate[id])
				}
				sort.Slice(m.orders, func(i, j int) bool { return m.orders[i] < m.orders[j] })
				got = append(got, m)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("collective invoices (date [order dates]):\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}
