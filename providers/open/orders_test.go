package open

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// collective returns a customer with collective invoicing on the 25th.
func collective(name string) core.Customer {
	c := invoiceable(name)
	c.CollectiveInvoicing = core.CollectiveInvoicing{Enabled: true, DayOfMonth: 25}
	return c
}

func TestCreateOrder(t *testing.T) {
	p, clock := newProvider(t)
	ctx := context.Background()
	c := mustCustomer(t, p, connA, collective("Samlad AB"))
	req := request("ch_1", c.ID, "2026-01-20", lineIn("Coffee", "2", 3500, "6"), lineIn("Wine", "1", 9900, "25"))
	o, err := p.CreateOrder(ctx, connA, req)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != core.OrderOpen || o.CustomerID != c.ID || o.CustomerName != "Samlad AB" || o.OrderDate != "2026-01-20" ||
		o.Total != req.Total || o.VATTotal != req.VATTotal || o.NetTotal != req.NetTotal || o.Reference != "PO-1" ||
		o.ExternalRef != "ch_1" || o.LocationID != "loc_1" || o.InvoiceID != "" || !o.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("order = %+v", o)
	}
	assertLinesEqual(t, o.Lines, req.Lines)
	assertBreakdownEqual(t, o.VATBreakdown, req.VATBreakdown)
	clock.Advance(1000)
	// Idempotent on the external reference.
	again, err := p.CreateOrder(ctx, connA, request("ch_1", c.ID, "2026-01-21", lineIn("Tea", "1", 100, "6")))
	if err != nil || !reflect.DeepEqual(again, o) {
		t.Fatalf("replay: %v\n got %+v\nwant %+v", err, again, o)
	}
	// Without a breakdown, the lines' sums per rate are stored.
	bare := request("ch_2", c.ID, "2026-01-20", lineIn("Coffee", "2", 3500, "6"), lineIn("Wine", "1", 9900, "25"))
	bare.VATBreakdown = nil
	o2, err := p.CreateOrder(ctx, connA, bare)
	if err != nil {
		t.Fatal(err)
	}
	assertBreakdownEqual(t, o2.VATBreakdown, req.VATBreakdown)
	// Orders take no invoice number.
	inv, err := p.CreateInvoice(ctx, withStart(connA, "500"), request("ch_3", c.ID, "2026-01-20", lineIn("Tea", "1", 100, "6")))
	if err != nil || inv.Number != 500 {
		t.Fatalf("invoice after orders: #%d, %v", inv.Number, err)
	}

	inactive := invoiceable("Sleeping AB")
	inactive.Active = false
	sleeping := mustCustomer(t, p, connA, inactive)
	other := mustCustomer(t, p, connB, invoiceable("B AB"))
	good := func(ref, customerID string) core.InvoiceRequest {
		return request(ref, customerID, "2026-01-20", lineIn("Coffee", "1", 3500, "6"))
	}
	tests := []struct {
		name  string
		conn  core.Connection
		req   core.InvoiceRequest
		code  core.ErrorCode
		field string
	}{
		{"no merchant", core.Connection{}, good("x1", c.ID), core.CodeInvalid, "merchant_id"},
		{"unknown customer", connA, good("x2", "cus_nope"), core.CodeInvalid, "customer_id"},
		{"other merchant's customer", connA, good("x3", other.ID), core.CodeInvalid, "customer_id"},
		{"inactive customer", connA, good("x4", sleeping.ID), core.CodeInvalid, "customer_id"},
		{"bad total", connA, func() core.InvoiceRequest { r := good("x5", c.ID); r.Total++; return r }(), core.CodeInvalid, "total"},
		{"invoice's reference", connA, good("ch_3", c.ID), core.CodeConflict, "external_ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.CreateOrder(ctx, tt.conn, tt.req)
			wantCode(t, err, tt.code, tt.field)
		})
	}
	// An order's reference cannot become an invoice either.
	_, err = p.CreateInvoice(ctx, connA, good("ch_1", c.ID))
	wantCode(t, err, core.CodeConflict, "external_ref")
}

func TestListOrders(t *testing.T) {
	p, clock := newProvider(t)
	ctx := context.Background()
	a := mustCustomer(t, p, connA, collective("A AB"))
	b := mustCustomer(t, p, connA, collective("B AB"))
	var all []core.Order
	for i := range 7 {
		c := a
		if i%3 == 2 {
			c = b
		}
		o, err := p.CreateOrder(ctx, connA, request(fmt.Sprintf("ch_%d", i), c.ID, "2026-01-20", lineIn("Tea", fmt.Sprint(i+1), 2500, "6")))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, o)
		clock.Advance(1e6)
	}
	if _, err := p.InvoiceOrders(ctx, connA, core.CollectiveRequest{ExternalRef: "ci_b", CustomerID: b.ID}); err != nil {
		t.Fatal(err)
	}
	pick := func(f func(core.Order) bool) []string {
		out := []string{}
		for _, o := range all {
			if f(o) {
				out = append(out, o.ID)
			}
		}
		return out
	}
	tests := []struct {
		name string
		q    core.OrderQuery
		want []string
	}{
		{"all", core.OrderQuery{}, pick(func(core.Order) bool { return true })},
		{"customer", core.OrderQuery{CustomerID: a.ID}, pick(func(o core.Order) bool { return o.CustomerID == a.ID })},
		{"open", core.OrderQuery{Status: core.OrderOpen}, pick(func(o core.Order) bool { return o.CustomerID == a.ID })},
		{"invoiced", core.OrderQuery{Status: core.OrderInvoiced}, pick(func(o core.Order) bool { return o.CustomerID == b.ID })},
		{"customer and status", core.OrderQuery{CustomerID: a.ID, Status: core.OrderInvoiced}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				q := tt.q
				q.Limit, q.Cursor = 2, cursor
				page, err := p.ListOrders(ctx, connA, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range page.Orders {
					if len(o.Lines) != 1 || len(o.VATBreakdown) != 1 {
						t.Fatalf("order %s listed with %d lines, %d rates", o.ID, len(o.Lines), len(o.VATBreakdown))
					}
					if (o.Status == core.OrderInvoiced) != (o.InvoiceID != "") {
						t.Fatalf("order %s: status %s, invoice %q", o.ID, o.Status, o.InvoiceID)
					}
					got = append(got, o.ID)
				}
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v (oldest first)", got, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		q     core.OrderQuery
		field string
	}{
		{core.OrderQuery{Status: "paid"}, "status"},
		{core.OrderQuery{Cursor: "xyz"}, "cursor"},
		{core.OrderQuery{Limit: 501}, "limit"},
	} {
		_, err := p.ListOrders(ctx, connA, bad.q)
		wantCode(t, err, core.CodeInvalid, bad.field)
	}
	page, err := p.ListOrders(ctx, connB, core.OrderQuery{})
	if err != nil || len(page.Orders) != 0 {
		t.Fatalf("merchant B lists %d orders, %v", len(page.Orders), err)
	}
}

// TestInvoiceOrders makes a collective invoice of three orders at two VAT
// rates and checks that it lists every order and line, that its VAT per
// rate is the sum of the orders' (not recomputed from its lines), and that
// the orders become invoiced.
func TestInvoiceOrders(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withSettings(withStart(connA, "1001"), seller(core.Sweden, func(s *core.InvoiceSettings) { s.RoundToWholeKronor = true }))
	c := mustCustomer(t, p, conn, collective("Samlad AB"))
	// Each order's 12 % VAT is 10.01 × 12/112 = 1.0725 kr → 1.07 kr; three
	// orders sum to 3.21 kr, while 30.03 kr priced at once gives 3.22 kr.
	reqs := []core.InvoiceRequest{
		request("ch_1", c.ID, "2026-01-05", lineIn("Bun", "1", 1001, "12")),
		request("ch_2", c.ID, "2026-01-06", lineIn("Bun", "1", 1001, "12"), lineIn("Beer", "1", 4900, "25")),
		request("ch_3", c.ID, "2026-01-07", lineIn("Bun", "1", 1001, "12")),
	}
	reqs[1].Reference = "Anna"
	reqs[2].Reference = "Anna"
	reqs[0].Reference = "Bo"
	var orders []core.Order
	for _, r := range reqs {
		o, err := p.CreateOrder(ctx, conn, r)
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
	}
	if recomputed := core.PriceLines([]core.LineInput{lineIn("Bun", "3", 1001, "12")}, true).VAT; recomputed != 322 {
		t.Fatalf("precondition: recomputed VAT %d", recomputed)
	}
	// An invoice in between keeps its number.
	if inv, err := p.CreateInvoice(ctx, conn, request("ch_x", c.ID, "2026-01-08", lineIn("Tea", "1", 2500, "6"))); err != nil || inv.Number != 1001 {
		t.Fatalf("invoice #%d, %v", inv.Number, err)
	}

	inv, err := p.InvoiceOrders(ctx, conn, core.CollectiveRequest{ExternalRef: "ci_1", CustomerID: c.ID, InvoiceDate: "2026-01-25"})
	if err != nil {
		t.Fatal(err)
	}
	var wantIDs []string
	var wantLines []core.InvoiceLine
	var net, vat, total int64
	wantVAT := map[string][2]int64{}
	for _, o := range orders {
		wantIDs = append(wantIDs, o.ID)
		for _, l := range o.Lines {
			l.OrderID = o.ID
			wantLines = append(wantLines, l)
		}
		for _, b := range o.VATBreakdown {
			w := wantVAT[b.VATRate.String()]
			wantVAT[b.VATRate.String()] = [2]int64{w[0] + b.Net, w[1] + b.VAT}
		}
		net, vat, total = net+o.NetTotal, vat+o.VATTotal, total+o.Total
	}
	if inv.Number != 1002 || inv.Status != core.StatusPosted || inv.Kind != core.KindInvoice || inv.CustomerID != c.ID ||
		inv.OrderedByCustomerID != "" || inv.InvoiceDate != "2026-01-25" || inv.DueDate != "2026-02-24" || inv.OCR == "" ||
		inv.ExternalRef != "ci_1" || inv.Reference != "Bo, Anna" || !reflect.DeepEqual(inv.OrderIDs, wantIDs) ||
		inv.NetTotal != net || inv.VATTotal != vat || inv.Total != total || inv.Rounding != rounding(total, "SEK", true) {
		t.Fatalf("collective invoice = %+v", inv)
	}
	assertLinesEqual(t, inv.Lines, wantLines)
	for i, l := range inv.Lines {
		if l.OrderID != wantLines[i].OrderID {
			t.Fatalf("line %d from order %q, want %q", i, l.OrderID, wantLines[i].OrderID)
		}
	}
	if len(inv.VATBreakdown) != len(wantVAT) {
		t.Fatalf("breakdown %+v, want %v", inv.VATBreakdown, wantVAT)
	}
	for _, b := range inv.VATBreakdown {
		if w := wantVAT[b.VATRate.String()]; b.Net != w[0] || b.VAT != w[1] {
			t.Fatalf("rate %s: net %d VAT %d, want the orders' sums %d and %d", b.VATRate, b.Net, b.VAT, w[0], w[1])
		}
	}
	if b := inv.VATBreakdown[0]; b.VATRate.String() != "12" || b.VAT != 321 {
		t.Fatalf("12 %% VAT %+v, want 321 (the orders' sum, not 322)", b)
	}
	stored, err := p.GetInvoice(ctx, conn, inv.ID)
	if err != nil || !reflect.DeepEqual(stored, inv) {
		t.Fatalf("stored collective invoice differs: %v\n got %+v\nwant %+v", err, stored, inv)
	}
	page, err := p.ListOrders(ctx, conn, core.OrderQuery{CustomerID: c.ID})
	if err != nil || len(page.Orders) != 3 {
		t.Fatalf("orders: %+v, %v", page.Orders, err)
	}
	for _, o := range page.Orders {
		if o.Status != core.OrderInvoiced || o.InvoiceID != inv.ID {
			t.Fatalf("order %s: %s in %q", o.ID, o.Status, o.InvoiceID)
		}
	}
	// The same reference returns the same invoice; another finds nothing.
	again, err := p.InvoiceOrders(ctx, conn, core.CollectiveRequest{ExternalRef: "ci_1", CustomerID: c.ID})
	if err != nil || !reflect.DeepEqual(again, inv) {
		t.Fatalf("replay: %v", err)
	}
	_, err = p.InvoiceOrders(ctx, conn, core.CollectiveRequest{ExternalRef: "ci_2", CustomerID: c.ID})
	wantCode(t, err, core.CodeNotFound, "")
	// A collective invoice is credited like any other, order ids and all.
	credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID, Date: "2026-01-26"})
	if err != nil || len(credit.Lines) != 4 || credit.Lines[3].OrderID != orders[2].ID || credit.Total != -inv.Total {
		t.Fatalf("credit: %+v, %v", credit, err)
	}
}

// TestInvoiceOrdersToParent bills a subsidiary's orders to its parent.
func TestInvoiceOrdersToParent(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	parent := invoiceable("Koncern AB")
	parent.DueDays = 60
	par := mustCustomer(t, p, connA, parent)
	sub := collective("Dotter AB")
	sub.ParentCustomerID = par.ID
	child := mustCustomer(t, p, connA, sub)
	if _, err := p.CreateOrder(ctx, connA, request("ch_1", child.ID, "2026-01-05", lineIn("Bun", "1", 1001, "12"))); err != nil {
		t.Fatal(err)
	}
	inv, err := p.InvoiceOrders(ctx, connA, core.CollectiveRequest{ExternalRef: "ci_1", CustomerID: child.ID, BillToCustomerID: par.ID, InvoiceDate: "2026-01-25"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.CustomerID != par.ID || inv.CustomerName != "Koncern AB" || inv.OrderedByCustomerID != child.ID || inv.DueDate != "2026-03-26" {
		t.Fatalf("invoice = %+v", inv)
	}

	tests := []struct {
		name  string
		conn  core.Connection
		req   core.CollectiveRequest
		code  core.ErrorCode
		field string
	}{
		{"no customer", connA, core.CollectiveRequest{}, core.CodeInvalid, "customer_id"},
		{"unknown customer", connA, core.CollectiveRequest{CustomerID: "cus_nope"}, core.CodeInvalid, "customer_id"},
		{"other merchant", connB, core.CollectiveRequest{CustomerID: child.ID}, core.CodeInvalid, "customer_id"},
		{"unknown bill-to", connA, core.CollectiveRequest{CustomerID: child.ID, BillToCustomerID: "cus_nope"}, core.CodeInvalid, "bill_to_customer_id"},
		{"bad date", connA, core.CollectiveRequest{CustomerID: child.ID, InvoiceDate: "2026-1-1"}, core.CodeInvalid, "invoice_date"},
		{"nothing open", connA, core.CollectiveRequest{CustomerID: child.ID}, core.CodeNotFound, ""},
		{"nothing ever", connA, core.CollectiveRequest{CustomerID: par.ID}, core.CodeNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.InvoiceOrders(ctx, tt.conn, tt.req)
			wantCode(t, err, tt.code, tt.field)
		})
	}
}

// TestInvoiceOrdersConcurrent triggers the collective invoice of one
// customer ten times at once, with distinct references and with one shared
// reference, while orders of other customers are invoiced too: every order
// is invoiced exactly once and the numbers stay contiguous.
func TestInvoiceOrdersConcurrent(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared ref %v", shared), func(t *testing.T) {
			p, _ := newProvider(t)
			ctx := context.Background()
			const customers, ordersEach, callers = 3, 5, 10
			var ids []string
			for i := range customers {
				c := mustCustomer(t, p, connA, collective(fmt.Sprintf("Samlad %d AB", i)))
				ids = append(ids, c.ID)
				for k := range ordersEach {
					if _, err := p.CreateOrder(ctx, connA, request(fmt.Sprintf("ch_%d_%d", i, k), c.ID, "2026-01-05",
						lineIn("Bun", fmt.Sprint(k+1), 1001, "12"))); err != nil {
						t.Fatal(err)
					}
				}
			}
			type result struct {
				inv core.Invoice
				err error
			}
			results := make([][]result, customers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range customers {
				results[i] = make([]result, callers)
				for k := range callers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						ref := fmt.Sprintf("ci_%d_%d", i, k)
						if shared {
							ref = fmt.Sprintf("ci_%d", i)
						}
						inv, err := p.InvoiceOrders(ctx, connA, core.CollectiveRequest{ExternalRef: ref, CustomerID: ids[i]})
						results[i][k] = result{inv, err}
					}()
				}
			}
			close(start)
			wg.Wait()
			numbers := map[int64]bool{}
			for i := range customers {
				var made []core.Invoice
				for _, r := range results[i] {
					switch {
					case r.err == nil:
						made = append(made, r.inv)
					case core.Code(r.err) == core.CodeNotFound && !shared:
					default:
						t.Fatalf("customer %d: %v", i, r.err)
					}
				}
				if shared && len(made) != callers {
					t.Fatalf("customer %d: %d of %d callers got the shared invoice", i, len(made), callers)
				}
				if !shared && len(made) != 1 {
					t.Fatalf("customer %d: %d collective invoices, want 1", i, len(made))
				}
				for _, inv := range made {
					if inv.ID != made[0].ID || len(inv.OrderIDs) != ordersEach || len(inv.Lines) != ordersEach {
						t.Fatalf("customer %d: invoice %s with %d orders", i, inv.ID, len(inv.OrderIDs))
					}
				}
				numbers[made[0].Number] = true
			}
			for n := int64(1); n <= customers; n++ {
				if !numbers[n] {
					t.Fatalf("numbers %v: %d missing", numbers, n)
				}
			}
			var invoiced, invoices int
			if err := p.db.Reader().Get(&invoiced, `SELECT count(DISTINCT id) FROM orders WHERE status = 'invoiced' AND invoice_id IS NOT NULL`); err != nil || invoiced != customers*ordersEach {
				t.Fatalf("%d orders invoiced, %v", invoiced, err)
			}
			if err := p.db.Reader().Get(&invoices, `SELECT count(*) FROM invoices`); err != nil || invoices != customers {
				t.Fatalf("%d invoices, %v", invoices, err)
			}
			var lines int
			if err := p.db.Reader().Get(&lines, `SELECT count(*) FROM invoice_lines`); err != nil || lines != customers*ordersEach {
				t.Fatalf("%d invoice lines, %v; every order's line once", lines, err)
			}
		})
	}
}
