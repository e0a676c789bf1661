package open

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestCreateInvoice(t *testing.T) {
	p, clock := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1001")
	cust := invoiceable("Acme AB")
	cust.DueDays = 30
	c := mustCustomer(t, p, conn, cust)

	req := request("ch_1", c.ID, "2026-01-20",
		lineIn("Coffee", "2", 3500, "6"),
		lineIn("Lunch", "1", 12900, "12"),
		lineIn("Wine", "0.5", 39900, "25"))
	inv, err := p.CreateInvoice(ctx, conn, req)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Number != 1001 || inv.ProviderRef != "1001" || inv.Provider != "open" ||
		inv.Kind != core.KindInvoice || inv.Status != core.StatusPosted ||
		inv.InvoiceDate != "2026-01-20" || inv.DueDate != "2026-02-19" ||
		inv.CustomerID != c.ID || inv.CustomerName != "Acme AB" || inv.Currency != "SEK" ||
		inv.Reference != "PO-1" || inv.Comment != "thanks" || inv.LocationID != "loc_1" || inv.ReceiptID != "rcp_ch_1" ||
		inv.ExternalRef != "ch_1" || !inv.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("invoice = %+v", inv)
	}
	if inv.NetTotal != req.NetTotal || inv.VATTotal != req.VATTotal || inv.Total != req.Total {
		t.Fatalf("totals %d/%d/%d, want %d/%d/%d", inv.NetTotal, inv.VATTotal, inv.Total, req.NetTotal, req.VATTotal, req.Total)
	}
	assertLinesEqual(t, inv.Lines, req.Lines)
	assertBreakdownEqual(t, inv.VATBreakdown, req.VATBreakdown)

	got, err := p.GetInvoice(ctx, conn, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, inv) {
		t.Fatalf("stored invoice differs from the returned one:\n got %+v\nwant %+v", got, inv)
	}

	// A retry with the same external reference returns the first invoice,
	// even with a changed body, and takes no number.
	clock.Advance(1000)
	again := req
	again.Comment = "retry"
	replay, err := p.CreateInvoice(ctx, conn, again)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(replay, inv) {
		t.Fatalf("replay = %+v\nwant %+v", replay, inv)
	}
	next, err := p.CreateInvoice(ctx, conn, request("ch_2", c.ID, "2026-01-31", lineIn("Tea", "1", 2500, "6")))
	if err != nil {
		t.Fatal(err)
	}
	if next.Number != 1002 || next.DueDate != "2026-03-02" {
		t.Fatalf("next invoice number %d due %s, want 1002 due 2026-03-02", next.Number, next.DueDate)
	}

	// The start number is read only until the series exists.
	later, err := p.CreateInvoice(ctx, withStart(connA, "5000"), request("ch_3", c.ID, "2026-02-01", lineIn("Tea", "1", 2500, "6")))
	if err != nil || later.Number != 1003 {
		t.Fatalf("number %d, %v; want 1003", later.Number, err)
	}
	// Without a setting a merchant's series starts at 1.
	cb := mustCustomer(t, p, connB, invoiceable("B AB"))
	first, err := p.CreateInvoice(ctx, connB, request("ch_1", cb.ID, "2026-01-20", lineIn("Tea", "1", 2500, "6")))
	if err != nil || first.Number != 1 {
		t.Fatalf("merchant B's first number %d, %v; want 1", first.Number, err)
	}
}

func assertLinesEqual(t *testing.T, got, want []core.InvoiceLine) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Description != w.Description || g.ProductGroup != w.ProductGroup || !g.Quantity.Equal(w.Quantity) ||
			g.UnitPrice != w.UnitPrice || !g.VATRate.Equal(w.VATRate) || g.Takeaway != w.Takeaway ||
			g.Net != w.Net || g.VAT != w.VAT || g.Total != w.Total {
			t.Fatalf("line %d = %+v, want %+v", i, g, w)
		}
	}
}

func assertBreakdownEqual(t *testing.T, got, want []core.VATAmount) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("breakdown %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].VATRate.Equal(want[i].VATRate) || got[i].Net != want[i].Net || got[i].VAT != want[i].VAT {
			t.Fatalf("breakdown %+v, want %+v", got, want)
		}
	}
}

func TestCreateInvoiceRefusals(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1001")
	ok := mustCustomer(t, p, conn, invoiceable("Ok AB"))
	inactive := invoiceable("Sleeping AB")
	inactive.Active = false
	sleeping := mustCustomer(t, p, conn, inactive)
	disabled := invoiceable("Cash Only AB")
	disabled.InvoicingEnabled = false
	cash := mustCustomer(t, p, conn, disabled)
	other := mustCustomer(t, p, connB, invoiceable("B AB"))

	good := func(customerID string) core.InvoiceRequest {
		return request("", customerID, "2026-01-20", lineIn("Coffee", "1", 3500, "6"))
	}
	tests := []struct {
		name  string
		conn  core.Connection
		req   core.InvoiceRequest
		field string
	}{
		{"no merchant", core.Connection{}, good(ok.ID), "merchant_id"},
		{"bad start number", withStart(connA, "-4"), good(ok.ID), core.SettingInvoiceStartNumber},
		{"unknown customer", conn, good("cus_nope"), "customer_id"},
		{"other merchant's customer", conn, good(other.ID), "customer_id"},
		{"inactive customer", conn, good(sleeping.ID), "customer_id"},
		{"invoicing disabled", conn, good(cash.ID), "customer_id"},
		{"no customer", conn, good(""), "customer_id"},
		{"bad date", conn, func() core.InvoiceRequest { r := good(ok.ID); r.InvoiceDate = "2026-13-01"; return r }(), "invoice_date"},
		{"no lines", conn, func() core.InvoiceRequest { r := good(ok.ID); r.Lines = nil; return r }(), "lines"},
		{"total mismatch", conn, func() core.InvoiceRequest { r := good(ok.ID); r.Total++; return r }(), "total"},
		{"line mismatch", conn, func() core.InvoiceRequest { r := good(ok.ID); r.Lines[0].VAT++; return r }(), "lines[0].total"},
		{"unknown VAT treatment", conn, func() core.InvoiceRequest { r := good(ok.ID); r.VATTreatment = "zero"; return r }(), "vat_treatment"},
		{"VAT under reverse charge", conn, func() core.InvoiceRequest {
			r := good(ok.ID)
			r.VATTreatment = core.TreatmentReverseCharge
			return r
		}(), "lines[0].vat_rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.CreateInvoice(ctx, tt.conn, tt.req)
			wantCode(t, err, core.CodeInvalid, tt.field)
		})
	}
	// Refusals consume no number.
	inv, err := p.CreateInvoice(ctx, conn, good(ok.ID))
	if err != nil || inv.Number != 1001 {
		t.Fatalf("first accepted invoice: %d, %v; want 1001", inv.Number, err)
	}
}

// TestCreateInvoiceConcurrent runs 50 creates at once, 10 of which repeat an
// external reference, alongside 5 refused ones: each reference gets exactly one invoice and the
// numbers run 1001..1040 with no gap and no duplicate.
func TestCreateInvoiceConcurrent(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1001")
	c := mustCustomer(t, p, conn, invoiceable("Busy AB"))
	const calls, refs = 50, 40
	results := make([]core.Invoice, calls)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < calls; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			ref := fmt.Sprintf("ch_%d", i%refs) // calls 40..49 repeat refs 0..9
			inv, err := p.CreateInvoice(ctx, conn, request(ref, c.ID, "2026-01-20", lineIn("Bun", fmt.Sprint(i%5+1), 2900, "6")))
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = inv
		}(i)
	}
	// Refused requests in the same batches must not disturb the others.
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			_, err := p.CreateInvoice(ctx, conn, request(fmt.Sprintf("bad_%d", i), "cus_nope", "2026-01-20", lineIn("Bun", "1", 2900, "6")))
			if core.Code(err) != core.CodeInvalid {
				t.Errorf("unknown customer: %v, want invalid", err)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	byRef := map[string]core.Invoice{}
	numbers := map[int64]string{}
	for _, inv := range results {
		if first, ok := byRef[inv.ExternalRef]; ok {
			if first.ID != inv.ID || first.Number != inv.Number {
				t.Fatalf("ref %s gave two invoices: %s #%d and %s #%d", inv.ExternalRef, first.ID, first.Number, inv.ID, inv.Number)
			}
			continue
		}
		byRef[inv.ExternalRef] = inv
		if other, dup := numbers[inv.Number]; dup {
			t.Fatalf("number %d used by %s and %s", inv.Number, other, inv.ID)
		}
		numbers[inv.Number] = inv.ID
	}
	if len(byRef) != refs {
		t.Fatalf("%d distinct invoices, want %d", len(byRef), refs)
	}
	for n := int64(1001); n < 1001+refs; n++ {
		if _, ok := numbers[n]; !ok {
			t.Fatalf("number %d missing: series has a gap", n)
		}
	}
	var stored int
	if err := p.db.Reader().Get(&stored, `SELECT count(*) FROM invoices WHERE merchant_id = ?`, conn.MerchantID); err != nil || stored != refs {
		t.Fatalf("%d invoices stored, %v; want %d", stored, err, refs)
	}
	var next int64
	if err := p.db.Reader().Get(&next, `SELECT next_number FROM invoice_series WHERE merchant_id = ?`, conn.MerchantID); err != nil || next != 1001+refs {
		t.Fatalf("series next = %d, %v; want %d", next, err, 1001+refs)
	}
}

func TestGetInvoiceIsolation(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	c := mustCustomer(t, p, connA, invoiceable("A AB"))
	inv, err := p.CreateInvoice(ctx, connA, request("ch_1", c.ID, "2026-01-20", lineIn("Bun", "1", 2900, "6")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.GetCustomer(ctx, connB, c.ID)
	wantCode(t, err, core.CodeNotFound, "")
	_, err = p.GetInvoice(ctx, connB, inv.ID)
	wantCode(t, err, core.CodeNotFound, "")
	_, err = p.MarkInvoicePaid(ctx, connB, core.PaymentRequest{InvoiceID: inv.ID, PaidAt: "2026-01-21"})
	wantCode(t, err, core.CodeNotFound, "")
	_, err = p.CreditInvoice(ctx, connB, core.CreditRequest{InvoiceID: inv.ID})
	wantCode(t, err, core.CodeNotFound, "")
	_, err = p.GetInvoice(ctx, connA, "inv_nope")
	wantCode(t, err, core.CodeNotFound, "")
	page, err := p.ListInvoices(ctx, connB, core.InvoiceQuery{})
	if err != nil || len(page.Invoices) != 0 {
		t.Fatalf("merchant B lists %d invoices, %v", len(page.Invoices), err)
	}
	// The same external reference is a different invoice for merchant B.
	cb := mustCustomer(t, p, connB, invoiceable("B AB"))
	invB, err := p.CreateInvoice(ctx, connB, request("ch_1", cb.ID, "2026-01-20", lineIn("Bun", "1", 2900, "6")))
	if err != nil || invB.ID == inv.ID {
		t.Fatalf("merchant B with A's ref: %+v, %v", invB, err)
	}
}

// listFixture creates invoices in every status for merchant A with today
// 2026-03-01 and returns them by label.
func listFixture(t *testing.T, p *Provider) map[string]core.Invoice {
	t.Helper()
	ctx := context.Background()
	conn := withStart(connA, "100")
	mk := func(name string, due int) core.Customer {
		c := invoiceable(name)
		c.DueDays = due
		return mustCustomer(t, p, conn, c)
	}
	bertil, anna, cesar := mk("bertil AB", 30), mk("Anna AB", 10), mk("Cesar AB", 60)
	out := map[string]core.Invoice{}
	create := func(label string, c core.Customer, date core.Date, price int64) {
		inv, err := p.CreateInvoice(ctx, conn, request("ch_"+label, c.ID, date, lineIn("Item", "1", price, "25")))
		if err != nil {
			t.Fatal(err)
		}
		out[label] = inv
	}
	create("overdue", anna, "2026-01-05", 10000)    // due 01-15 < today
	create("posted", cesar, "2026-02-10", 5000)     // due 04-11
	create("paid", bertil, "2026-01-20", 20000)     // due 02-19, paid
	create("credited", anna, "2026-02-20", 7500)    // due 03-02, then fully credited
	create("duetoday", bertil, "2026-01-30", 10000) // due 03-01 == today: not overdue
	if _, err := p.MarkInvoicePaid(ctx, conn, core.PaymentRequest{InvoiceID: out["paid"].ID, PaidAt: "2026-02-01"}); err != nil {
		t.Fatal(err)
	}
	credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: out["credited"].ID, Date: "2026-02-25"})
	if err != nil {
		t.Fatal(err)
	}
	out["credit"] = credit
	for label, inv := range out {
		stored, err := p.GetInvoice(ctx, conn, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[label] = stored
	}
	return out
}

func TestListInvoicesFilters(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	inv := listFixture(t, p)
	today := core.Date("2026-03-01")
	labels := func(page core.InvoicePage) []string {
		byID := map[string]string{}
		for l, i := range inv {
			byID[i.ID] = l
		}
		out := []string{}
		for _, i := range page.Invoices {
			out = append(out, byID[i.ID])
		}
		sort.Strings(out)
		return out
	}
	tests := []struct {
		name string
		q    core.InvoiceQuery
		want []string
	}{
		{"all", core.InvoiceQuery{}, []string{"credit", "credited", "duetoday", "overdue", "paid", "posted"}},
		{"from/to inclusive", core.InvoiceQuery{From: "2026-01-20", To: "2026-02-20"}, []string{"credited", "duetoday", "paid", "posted"}},
		{"from only", core.InvoiceQuery{From: "2026-02-20"}, []string{"credit", "credited"}},
		{"to only", core.InvoiceQuery{To: "2026-01-05"}, []string{"overdue"}},
		{"customer", core.InvoiceQuery{CustomerID: inv["overdue"].CustomerID}, []string{"credit", "credited", "overdue"}},
		{"overdue", core.InvoiceQuery{Status: core.StatusOverdue}, []string{"overdue"}},
		{"posted excludes overdue", core.InvoiceQuery{Status: core.StatusPosted}, []string{"credit", "duetoday", "posted"}},
		{"paid", core.InvoiceQuery{Status: core.StatusPaid}, []string{"paid"}},
		{"credited", core.InvoiceQuery{Status: core.StatusCredited}, []string{"credited"}},
		{"draft", core.InvoiceQuery{Status: core.StatusDraft}, []string{}},
		{"status and customer", core.InvoiceQuery{Status: core.StatusPosted, CustomerID: inv["posted"].CustomerID}, []string{"posted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Today = today
			page, err := p.ListInvoices(ctx, connA, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := labels(page); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for _, i := range page.Invoices {
				if i.Lines != nil {
					t.Fatalf("list returned lines")
				}
				if len(i.VATBreakdown) == 0 {
					t.Fatalf("list lost the VAT breakdown of %d", i.Number)
				}
			}
		})
	}

	bad := []struct {
		q     core.InvoiceQuery
		field string
	}{
		{core.InvoiceQuery{Sort: "amount"}, "sort"},
		{core.InvoiceQuery{Status: "late"}, "status"},
		{core.InvoiceQuery{From: "2026-02-30"}, "from"},
		{core.InvoiceQuery{To: "yesterday"}, "to"},
		{core.InvoiceQuery{Cursor: "xyz"}, "cursor"},
		{core.InvoiceQuery{Limit: 501}, "limit"},
	}
	for _, tt := range bad {
		_, err := p.ListInvoices(ctx, connA, tt.q)
		wantCode(t, err, core.CodeInvalid, tt.field)
	}
}

func TestListInvoicesSorting(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	inv := listFixture(t, p)
	today := core.Date("2026-03-01")
	var all []core.Invoice
	for _, i := range inv {
		all = append(all, i.WithDerivedStatus(today))
	}
	// Each column's comparison, written independently of the SQL.
	cmp := map[string]func(a, b core.Invoice) int{
		core.SortNumber:      func(a, b core.Invoice) int { return cmpOrdered(a.Number, b.Number) },
		core.SortInvoiceDate: func(a, b core.Invoice) int { return cmpOrdered(a.InvoiceDate, b.InvoiceDate) },
		core.SortDueDate:     func(a, b core.Invoice) int { return cmpOrdered(a.DueDate, b.DueDate) },
		core.SortCustomer: func(a, b core.Invoice) int {
			return cmpOrdered(normalizeName(a.CustomerName), normalizeName(b.CustomerName))
		},
		core.SortTotal:  func(a, b core.Invoice) int { return cmpOrdered(a.Total, b.Total) },
		core.SortStatus: func(a, b core.Invoice) int { return cmpOrdered(a.Status, b.Status) },
	}
	for _, col := range core.InvoiceSortColumns {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc=%v", col, desc), func(t *testing.T) {
				want := append([]core.Invoice(nil), all...)
				sort.Slice(want, func(i, j int) bool {
					c := cmp[col](want[i], want[j])
					if c == 0 {
						c = cmpOrdered(want[i].ID, want[j].ID)
					}
					if desc {
						return c > 0
					}
					return c < 0
				})
				// Two items a page exercises the cursor.
				var got []core.Invoice
				cursor := ""
				for {
					page, err := p.ListInvoices(ctx, connA, core.InvoiceQuery{Sort: col, Desc: desc, Limit: 2, Cursor: cursor, Today: today})
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page.Invoices...)
					if page.NextCursor == "" {
						break
					}
					cursor = page.NextCursor
				}
				if len(got) != len(want) {
					t.Fatalf("%d invoices, want %d", len(got), len(want))
				}
				for i := range want {
					if got[i].ID != want[i].ID {
						t.Fatalf("position %d: got #%d, want #%d\n got %v\nwant %v", i, got[i].Number, want[i].Number, numbers(got), numbers(want))
					}
				}
			})
		}
	}
	// The default sort is by number ascending, 50 a page.
	page, err := p.ListInvoices(ctx, connA, core.InvoiceQuery{})
	if err != nil || len(page.Invoices) != len(all) || page.Invoices[0].Number != 100 || page.NextCursor != "" {
		t.Fatalf("default list: %v, %v", numbers(page.Invoices), err)
	}
}

func cmpOrdered[T int64 | string | core.Date | core.InvoiceStatus](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func numbers(invs []core.Invoice) []int64 {
	var out []int64
	for _, i := range invs {
		out = append(out, i.Number)
	}
	return out
}

func TestMarkInvoicePaid(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	inv := listFixture(t, p)

	paid, err := p.MarkInvoicePaid(ctx, connA, core.PaymentRequest{InvoiceID: inv["overdue"].ID, PaidAt: "2026-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	if paid.Status != core.StatusPaid || paid.PaidAt != "2026-03-01" || len(paid.Lines) != 1 {
		t.Fatalf("paid = %+v", paid)
	}
	// Again with another date only moves the date.
	paid, err = p.MarkInvoicePaid(ctx, connA, core.PaymentRequest{InvoiceID: inv["overdue"].ID, PaidAt: "2026-02-15"})
	if err != nil || paid.Status != core.StatusPaid || paid.PaidAt != "2026-02-15" {
		t.Fatalf("re-mark: %+v, %v", paid, err)
	}
	// The credit invoice can be marked paid once settled.
	paid, err = p.MarkInvoicePaid(ctx, connA, core.PaymentRequest{InvoiceID: inv["credit"].ID, PaidAt: "2026-02-26"})
	if err != nil || paid.Status != core.StatusPaid || paid.Kind != core.KindCredit {
		t.Fatalf("credit paid: %+v, %v", paid, err)
	}

	_, err = p.MarkInvoicePaid(ctx, connA, core.PaymentRequest{InvoiceID: inv["posted"].ID, PaidAt: "2026-02-09"})
	wantCode(t, err, core.CodeInvalid, "paid_at")
	_, err = p.MarkInvoicePaid(ctx, connA, core.PaymentRequest{InvoiceID: inv["posted"].ID, PaidAt: "2026-2-11"})
	wantCode(t, err, core.CodeInvalid, "paid_at")
	_, err = p.MarkInvoicePaid(ctx, connA, core.PaymentRequest{InvoiceID: inv["credited"].ID, PaidAt: "2026-02-28"})
	wantCode(t, err, core.CodeConflict, "")
	_, err = p.MarkInvoicePaid(ctx, connA, core.PaymentRequest{InvoiceID: "inv_nope", PaidAt: "2026-02-28"})
	wantCode(t, err, core.CodeNotFound, "")
	if still, _ := p.GetInvoice(ctx, connA, inv["posted"].ID); still.Status != core.StatusPosted || still.PaidAt != "" {
		t.Fatalf("refused payment changed the invoice: %+v", still)
	}
}

// TestRoutedChargeChecksAndBillsInOneCall covers InvoiceRequest.Route: the
// provider itself refuses customers that cannot be invoiced, bills a
// subsidiary's parent company, and sends collecting customers back to the
// engine as ErrCollects, all in the one call a register charge makes.
func TestRoutedChargeChecksAndBillsInOneCall(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	create := func(c core.Customer) core.Customer { t.Helper(); return mustCustomer(t, p, connA, c) }
	pricedRequest := func(customer, ref string) core.InvoiceRequest {
		return request(ref, customer, "2026-11-10", lineIn("Lunch", "1", 12900, "12"))
	}
	parent := create(core.Customer{Name: "Koncernen AB", Active: true, InvoicingEnabled: true, DueDays: 20})
	child := create(core.Customer{Name: "Dotterbolaget AB", Active: true, InvoicingEnabled: true, DueDays: 10, ParentCustomerID: parent.ID})
	collects := create(core.Customer{Name: "Samlaren AB", Active: true, InvoicingEnabled: true, DueDays: 10,
		CollectiveInvoicing: core.CollectiveInvoicing{Enabled: true, DayOfMonth: 1}})
	inactive := create(core.Customer{Name: "Vilande AB", Active: false, InvoicingEnabled: true})
	sleepyParent := create(core.Customer{Name: "Vilande Moder AB", Active: false, InvoicingEnabled: true})
	orphan := create(core.Customer{Name: "Dotter till vilande", Active: true, InvoicingEnabled: true, ParentCustomerID: sleepyParent.ID})

	charge := func(customer, ref string) (core.Invoice, error) {
		req := pricedRequest(customer, ref)
		req.Route = true
		return p.CreateInvoice(ctx, connA, req)
	}
	inv, err := charge(child.ID, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if inv.CustomerID != parent.ID || inv.OrderedByCustomerID != child.ID || inv.CustomerName != "Koncernen AB" ||
		inv.DueDate != inv.InvoiceDate.AddDays(20) {
		t.Errorf("routed invoice to %s (%s) ordered by %s due %s; want the parent, its 20 days", inv.CustomerID, inv.CustomerName, inv.OrderedByCustomerID, inv.DueDate)
	}
	if again, err := charge(child.ID, "r1"); err != nil || again.ID != inv.ID {
		t.Errorf("replay: %v %s", err, again.ID)
	}
	if _, err := charge(collects.ID, "r2"); !core.IsCollects(err) {
		t.Errorf("collecting customer: %v, want ErrCollects", err)
	}
	for _, id := range []string{inactive.ID, orphan.ID, "cus_nope"} {
		if _, err := charge(id, "r-"+id); core.Code(err) != core.CodeInvalid || !strings.Contains(err.Error(), "customer_id") {
			t.Errorf("%s: %v, want invalid naming customer_id", id, err)
		}
	}
	// Without Route the request is taken as given: the engine routed it.
	plain, err := p.CreateInvoice(ctx, connA, pricedRequest(collects.ID, "r3"))
	if err != nil || plain.CustomerID != collects.ID {
		t.Errorf("unrouted request: %v %+v", err, plain.CustomerID)
	}
}
