package core_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// registry serves the in-process open provider.
type registry struct{ p core.Provider }

func (r registry) Provider(context.Context, string) (core.Provider, error) { return r.p, nil }
func (r registry) Names() []string                                         { return []string{"open"} }

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// newStack is the engine over the real store and open provider, with a
// clock the test moves.
func newStack(t *testing.T) (*core.Engine, *clock, core.Principal, core.Principal) {
	t.Helper()
	dir := t.TempDir()
	clk := &clock{now: time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC)}
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
	e := core.NewEngine(st, registry{prov}, clk.Now)
	cm, err := e.CreateMerchant(context.Background(), core.NewMerchant{Name: "Kafé Linnea AB", Country: core.Sweden, InvoiceStartNumber: 1})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := e.Authenticate(context.Background(), cm.APIKeys[core.RoleAdmin])
	cashier, _ := e.Authenticate(context.Background(), cm.APIKeys[core.RoleCashier])
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
