package tripletex

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

func TestCreateInvoice(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	cust := e.customer("Colline SARL", "939137599")
	req := e.request("charge-1", cust,
		line("Lunsj", "2", 12500, 25),      // eat-in food
		line("Kaffe to go", "1", 4600, 15), // takeaway
		line("Buss", "1", 5600, 12))        // 12 %: code 33, id 32
	inv := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, req))
	if inv.Total != req.Total || inv.Number != 1 || inv.Kind != core.KindInvoice || inv.Status != core.StatusPosted ||
		inv.CustomerID != cust || inv.CustomerName != "Colline SARL" || inv.Reference != "Ola" || inv.Comment != "Table 4" ||
		inv.ExternalRef != "charge-1" || inv.DueDate != "2026-04-03" || len(inv.Lines) != 3 || len(inv.VATBreakdown) != 3 {
		t.Fatalf("invoice = %+v", inv)
	}
	if inv.NetTotal+inv.VATTotal != inv.Total {
		t.Fatalf("net %d + VAT %d != total %d", inv.NetTotal, inv.VATTotal, inv.Total)
	}
	if l := inv.Lines[0]; l.UnitPrice != 12500 || l.Total != 25000 || !l.VATRate.Equal(l.VATRate) || l.VATRate.String() != "25" {
		t.Fatalf("line 0 = %+v", l)
	}
	invs := e.srv.Invoices()
	if len(invs) != 1 || invs[0].SentToCustomer {
		t.Fatalf("mock invoices = %+v", invs)
	}
	orders := e.srv.Orders()
	if len(orders) != 1 || !orders[0].IsPrioritizeAmountsIncludingVat || orders[0].Reference != "Ola" || orders[0].InvoiceComment != "Table 4" {
		t.Fatalf("mock order = %+v", orders)
	}
	vat := map[int64]bool{}
	for _, l := range orders[0].Lines {
		vat[l.VatTypeID] = true
	}
	if !vat[3] || !vat[31] || !vat[32] || vat[33] {
		t.Fatalf("line VAT type ids = %v, want 3, 31 and 32 (code 33)", vat)
	}

	// The same reference again: the same invoice, nothing new in Tripletex.
	again := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, req))
	if again.ID != inv.ID || len(e.srv.Invoices()) != 1 || len(e.srv.Orders()) != 1 {
		t.Fatalf("repeat made %d invoices, %d orders", len(e.srv.Invoices()), len(e.srv.Orders()))
	}
	got := must[core.Invoice](t)(e.p.GetInvoice(e.ctx, e.conn, inv.ID))
	if got.Total != inv.Total || len(got.Lines) != 3 {
		t.Fatalf("get = %+v", got)
	}
	_, err := e.p.GetInvoice(e.ctx, e.conn, "999")
	wantCode(t, err, core.CodeNotFound)
	_, err = e.p.GetInvoice(e.ctx, e.conn, "x")
	wantCode(t, err, core.CodeNotFound)

	doc := must[core.Document](t)(e.p.InvoicePDF(e.ctx, e.conn, inv.ID))
	if doc.ContentType != "application/pdf" || !bytes.HasPrefix(doc.Data, []byte("%PDF-")) || doc.Filename != "faktura-1.pdf" {
		t.Fatalf("pdf = %s %s %.20q", doc.ContentType, doc.Filename, doc.Data)
	}
	_, err = e.p.InvoicePDF(e.ctx, e.conn, "12345")
	wantCode(t, err, core.CodeNotFound)
}

func TestCreateInvoiceNetPrices(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	cust := e.customer("B2B AS", "")
	priced := core.PriceLines([]core.LineInput{line("Konsulent", "3", 100000, 25)}, false)
	req := core.InvoiceRequest{ExternalRef: "net-1", CustomerID: cust, InvoiceDate: "2026-03-20", Lines: priced.Lines, Total: priced.Total}
	inv := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, req))
	if inv.Total != 375000 || inv.NetTotal != 300000 || e.srv.Orders()[0].IsPrioritizeAmountsIncludingVat {
		t.Fatalf("invoice = %+v", inv)
	}
	if inv.Lines[0].UnitPrice != 100000 {
		t.Fatalf("unit price = %d", inv.Lines[0].UnitPrice)
	}
}

func TestCreateInvoiceErrors(t *testing.T) {
	e := newEnv(t, tripletextest.Options{NoBankAccount: true})
	cust := e.customer("Kunde AS", "")
	_, err := e.p.CreateInvoice(e.ctx, e.conn, e.request("x", "404404", line("A", "1", 100, 25)))
	if ce := wantCode(t, err, core.CodeInvalid); ce.Fields[0].Field != "customer_id" {
		t.Fatalf("error = %+v", ce)
	}
	_, err = e.p.CreateInvoice(e.ctx, e.conn, core.InvoiceRequest{CustomerID: cust})
	if ce := wantCode(t, err, core.CodeInvalid); len(ce.Fields) != 2 {
		t.Fatalf("error = %+v", ce)
	}
	_, err = e.p.CreateInvoice(e.ctx, e.conn, e.request("no-bank", cust, line("A", "1", 100, 25)))
	ce := wantCode(t, err, core.CodeInvalid)
	if !strings.Contains(ce.Message, "bankkontonummer") {
		t.Fatalf("error = %+v", ce)
	}
	// Once the number is set, the same reference invoices the order it made.
	e.srv.SetBankAccountNumber(tripletextest.DefaultBankAccountNumber)
	must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("no-bank", cust, line("A", "1", 100, 25))))
	if len(e.srv.Orders()) != 1 || len(e.srv.Invoices()) != 1 {
		t.Fatalf("%d orders, %d invoices", len(e.srv.Orders()), len(e.srv.Invoices()))
	}
}

func TestCreateInvoiceLostResponses(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		drop               bool
	}{
		{"order post dropped", "POST", "/order", true},
		{"order post 500 after write", "POST", "/order", false},
		{"invoice action dropped", "PUT", "/order/{id}/:invoice", true},
		{"invoice action 500 after write", "PUT", "/order/{id}/:invoice", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tripletextest.Options{})
			cust := e.customer("Kunde AS", "")
			req := e.request("lost-1", cust, line("Middag", "1", 45000, 25))
			e.srv.LoseResponse(tc.method, tc.path, 1, tc.drop)
			inv := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, req))
			if len(e.srv.Invoices()) != 1 || len(e.srv.Orders()) != 1 {
				t.Fatalf("%d invoices, %d orders after a lost answer; want one each", len(e.srv.Invoices()), len(e.srv.Orders()))
			}
			if inv.Total != 45000 || inv.ExternalRef != "lost-1" {
				t.Fatalf("invoice = %+v", inv)
			}
			again := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, req))
			if again.ID != inv.ID || len(e.srv.Invoices()) != 1 {
				t.Fatal("the retry made another invoice")
			}
		})
	}
}

// When the answer to POST /order is lost and the lookup fails too, the
// call fails; the reference was recorded first, so the next attempt looks
// for the order by its marker instead of making another.
func TestCreateInvoiceRetryFindsOrderOfFailedAttempt(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	cust := e.customer("Kunde AS", "")
	req := e.request("crash-1", cust, line("Middag", "1", 45000, 25))
	e.srv.LoseResponse("POST", "/order", 1, true)
	e.srv.FailNext("GET", "/order", 3)
	_, err := e.p.CreateInvoice(e.ctx, e.conn, req)
	wantCode(t, err, core.CodeUnavailable)
	if n := len(e.srv.Orders()); n != 1 {
		t.Fatalf("%d orders", n)
	}
	inv := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, req))
	if len(e.srv.Orders()) != 1 || len(e.srv.Invoices()) != 1 || inv.Total != 45000 {
		t.Fatalf("%d orders, %d invoices", len(e.srv.Orders()), len(e.srv.Invoices()))
	}
}

func TestCreditNoteAndPayment(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	cust := e.customer("Kunde AS", "")
	inv := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("c-1", cust, line("Middag", "2", 45000, 25))))

	_, err := e.p.CreditInvoice(e.ctx, e.conn, core.CreditRequest{ExternalRef: "r-1", InvoiceID: inv.ID, Lines: []core.CreditLine{{Line: 0, Quantity: inv.Lines[0].Quantity.Div(inv.Lines[0].Quantity)}}})
	if ce := wantCode(t, err, core.CodeInvalid); ce.Fields[0].Field != "lines" {
		t.Fatalf("partial credit: %+v", ce)
	}
	e.srv.LoseResponse("PUT", "/invoice/{id}/:createCreditNote", 1, true)
	cn := must[core.Invoice](t)(e.p.CreditInvoice(e.ctx, e.conn, core.CreditRequest{ExternalRef: "r-1", InvoiceID: inv.ID, Date: "2026-03-21"}))
	if cn.Kind != core.KindCredit || cn.Total != -inv.Total || cn.CreditsInvoiceID != inv.ID || cn.CreditsInvoiceNumber != inv.Number ||
		cn.ExternalRef != "r-1" || cn.InvoiceDate != "2026-03-21" {
		t.Fatalf("credit note = %+v", cn)
	}
	again := must[core.Invoice](t)(e.p.CreditInvoice(e.ctx, e.conn, core.CreditRequest{ExternalRef: "r-1", InvoiceID: inv.ID}))
	if again.ID != cn.ID || len(e.srv.CreditNotes()) != 1 {
		t.Fatalf("%d credit notes", len(e.srv.CreditNotes()))
	}
	orig := must[core.Invoice](t)(e.p.GetInvoice(e.ctx, e.conn, inv.ID))
	if orig.Status != core.StatusCredited {
		t.Fatalf("original status = %s", orig.Status)
	}
	if e.srv.CreditNotes()[0].SentToCustomer {
		t.Fatal("the credit note was sent to the customer")
	}
	_, err = e.p.CreditInvoice(e.ctx, e.conn, core.CreditRequest{ExternalRef: "r-2", InvoiceID: cn.ID})
	wantCode(t, err, core.CodeConflict)
	_, err = e.p.MarkInvoicePaid(e.ctx, e.conn, core.PaymentRequest{InvoiceID: inv.ID, PaidAt: "2026-03-22"})
	wantCode(t, err, core.CodeConflict)

	// Payment of another invoice: registered once with "Betalt til bank".
	inv2 := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("c-2", cust, line("Lunsj", "1", 19900, 25))))
	e.srv.LoseResponse("PUT", "/invoice/{id}/:payment", 1, true)
	paid := must[core.Invoice](t)(e.p.MarkInvoicePaid(e.ctx, e.conn, core.PaymentRequest{InvoiceID: inv2.ID, PaidAt: "2026-03-25"}))
	if paid.Status != core.StatusPaid || paid.PaidAt != "2026-03-25" {
		t.Fatalf("paid = %+v", paid)
	}
	must[core.Invoice](t)(e.p.MarkInvoicePaid(e.ctx, e.conn, core.PaymentRequest{InvoiceID: inv2.ID, PaidAt: "2026-03-26"}))
	var mockInv tripletextest.Invoice
	for _, x := range e.srv.Invoices() {
		if idString(x.ID) == inv2.ID {
			mockInv = x
		}
	}
	bank := ""
	for _, pt := range e.srv.PaymentTypes() {
		if pt.Description == "Betalt til bank" {
			bank = idString(pt.ID)
		}
	}
	if len(mockInv.Payments) != 1 || idString(mockInv.Payments[0].PaymentTypeID) != bank || int64(mockInv.Payments[0].Amount) != 19900 {
		t.Fatalf("payments = %+v", mockInv.Payments)
	}
}

func TestListInvoices(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	a := e.customer("Alfa AS", "")
	b := e.customer("Beta AS", "")
	i1 := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("l-1", a, line("X", "1", 1000, 25))))
	must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("l-2", b, line("Y", "1", 3000, 25))))
	must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("l-3", a, line("Z", "1", 2000, 25))))
	must[core.Invoice](t)(e.p.MarkInvoicePaid(e.ctx, e.conn, core.PaymentRequest{InvoiceID: i1.ID, PaidAt: "2026-03-21"}))

	page := must[core.InvoicePage](t)(e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{Sort: core.SortTotal, Desc: true, Limit: 2}))
	if len(page.Invoices) != 2 || page.Invoices[0].Total != 3000 || page.Invoices[1].Total != 2000 || page.NextCursor == "" {
		t.Fatalf("page 1 = %+v", page)
	}
	page = must[core.InvoicePage](t)(e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{Sort: core.SortTotal, Desc: true, Limit: 2, Cursor: page.NextCursor}))
	if len(page.Invoices) != 1 || page.Invoices[0].Total != 1000 || page.NextCursor != "" || len(page.Invoices[0].Lines) != 0 {
		t.Fatalf("page 2 = %+v", page)
	}
	page = must[core.InvoicePage](t)(e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{CustomerID: a, Status: core.StatusPosted}))
	if len(page.Invoices) != 1 || page.Invoices[0].Total != 2000 {
		t.Fatalf("posted of Alfa = %+v", page)
	}
	page = must[core.InvoicePage](t)(e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{Status: core.StatusOverdue, Today: "2026-05-01"}))
	if len(page.Invoices) != 2 {
		t.Fatalf("overdue = %+v", page)
	}
	page = must[core.InvoicePage](t)(e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{From: "2026-03-21"}))
	if len(page.Invoices) != 0 {
		t.Fatalf("from tomorrow = %+v", page)
	}
	_, err := e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{Cursor: "nope"})
	wantCode(t, err, core.CodeInvalid)
	_, err = e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{Sort: "colour"})
	wantCode(t, err, core.CodeInvalid)
}

func TestCollectiveInvoice(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	c := e.srv.AddCustomer(tripletextest.Customer{Name: "Samle AS", SingleCustomerInvoice: true})
	cust := idString(c.ID)
	got := must[core.Customer](t)(e.p.GetCustomer(e.ctx, e.conn, cust))
	if !got.CollectiveInvoicing.Enabled {
		t.Fatalf("collective = %+v", got.CollectiveInvoicing)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("customer does not validate: %v", err)
	}
	e.srv.LoseResponse("POST", "/order", 1, true)
	o1 := must[core.Order](t)(e.p.CreateOrder(e.ctx, e.conn, e.request("o-1", cust, line("Lunsj", "1", 15000, 25))))
	o2 := must[core.Order](t)(e.p.CreateOrder(e.ctx, e.conn, e.request("o-2", cust, line("Middag", "2", 30000, 15))))
	if again := must[core.Order](t)(e.p.CreateOrder(e.ctx, e.conn, e.request("o-1", cust, line("Lunsj", "1", 15000, 25)))); again.ID != o1.ID {
		t.Fatal("repeat made another order")
	}
	if len(e.srv.Orders()) != 2 || len(e.srv.Invoices()) != 0 {
		t.Fatalf("%d orders, %d invoices", len(e.srv.Orders()), len(e.srv.Invoices()))
	}
	page := must[core.OrderPage](t)(e.p.ListOrders(e.ctx, e.conn, core.OrderQuery{CustomerID: cust, Status: core.OrderOpen, Limit: 1}))
	if len(page.Orders) != 1 || page.Orders[0].ID != o1.ID || page.NextCursor == "" || page.Orders[0].Total != 15000 {
		t.Fatalf("page = %+v", page)
	}
	page = must[core.OrderPage](t)(e.p.ListOrders(e.ctx, e.conn, core.OrderQuery{CustomerID: cust, Limit: 1, Cursor: page.NextCursor}))
	if len(page.Orders) != 1 || page.Orders[0].ID != o2.ID || page.NextCursor != "" {
		t.Fatalf("page 2 = %+v", page)
	}

	// The invoice day's invoice leaves out orders bought on or after it.
	_, err := e.p.InvoiceOrders(e.ctx, e.conn, core.CollectiveRequest{ExternalRef: "coll-day", CustomerID: cust, InvoiceDate: o1.OrderDate, OrdersBefore: o1.OrderDate})
	wantCode(t, err, core.CodeNotFound)

	e.srv.LoseResponse("PUT", "/order/:invoiceMultipleOrders", 1, true)
	inv := must[core.Invoice](t)(e.p.InvoiceOrders(e.ctx, e.conn, core.CollectiveRequest{ExternalRef: "coll-1", CustomerID: cust, BillToCustomerID: cust, InvoiceDate: "2026-03-31"}))
	if inv.Total != 75000 || len(inv.OrderIDs) != 2 || len(inv.Lines) != 2 || inv.Lines[1].OrderID != o2.ID {
		t.Fatalf("collective invoice = %+v", inv)
	}
	invs := e.srv.Invoices()
	if len(invs) != 1 || len(invs[0].OrderIDs) != 2 || invs[0].SentToCustomer {
		t.Fatalf("mock invoices = %+v", invs)
	}
	again := must[core.Invoice](t)(e.p.InvoiceOrders(e.ctx, e.conn, core.CollectiveRequest{ExternalRef: "coll-1", CustomerID: cust, InvoiceDate: "2026-03-31"}))
	if again.ID != inv.ID {
		t.Fatal("repeat made another collective invoice")
	}
	_, err = e.p.InvoiceOrders(e.ctx, e.conn, core.CollectiveRequest{ExternalRef: "coll-2", CustomerID: cust, InvoiceDate: "2026-03-31"})
	wantCode(t, err, core.CodeNotFound)
	page = must[core.OrderPage](t)(e.p.ListOrders(e.ctx, e.conn, core.OrderQuery{Status: core.OrderInvoiced}))
	if len(page.Orders) != 2 || page.Orders[0].InvoiceID != inv.ID {
		t.Fatalf("invoiced = %+v", page)
	}
	_, err = e.p.InvoiceOrders(e.ctx, e.conn, core.CollectiveRequest{ExternalRef: "coll-3", CustomerID: cust, BillToCustomerID: "77"})
	wantCode(t, err, core.CodeInvalid)
	_, err = e.p.ListOrders(e.ctx, e.conn, core.OrderQuery{Cursor: "x"})
	wantCode(t, err, core.CodeInvalid)
}

func TestCollectiveInvoiceNeedsTheSetting(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	c := e.srv.AddCustomer(tripletextest.Customer{Name: "Samle AS", SingleCustomerInvoice: true})
	e.conn.Settings = map[string]string{SettingCollectiveInvoicingEnabled: "false"}
	got := must[core.Customer](t)(e.p.GetCustomer(e.ctx, e.conn, idString(c.ID)))
	if got.CollectiveInvoicing.Enabled {
		t.Fatal("collective invoicing without the integration setting")
	}
}

// TestRefundOrder: a register refund of a whole Tripletex order not
// invoiced yet deletes it in Tripletex and records it cancelled, once per
// reference, so the collective invoice leaves it out; part of an order is
// CodeUnsupported and an invoiced order a conflict.
func TestRefundOrder(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	c := e.srv.AddCustomer(tripletextest.Customer{Name: "Samle AS", SingleCustomerInvoice: true})
	cust := idString(c.ID)
	o1 := must[core.Order](t)(e.p.CreateOrder(e.ctx, e.conn, e.request("o-1", cust, line("Lunsj", "1", 15000, 25))))
	o2 := must[core.Order](t)(e.p.CreateOrder(e.ctx, e.conn, e.request("o-2", cust, line("Middag", "2", 30000, 15))))

	_, err := e.p.RefundOrder(e.ctx, e.conn, core.OrderRefundRequest{ExternalRef: "or-0", OrderID: o1.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: decimal.NewFromInt(1)}}})
	if core.Code(err) != core.CodeUnsupported || !strings.Contains(core.AsError(err).Message, "collective invoice") {
		t.Fatalf("part of an order = %v, want unsupported", err)
	}
	if _, err := e.p.RefundOrder(e.ctx, e.conn, core.OrderRefundRequest{ExternalRef: "or-0", OrderID: "999999"}); core.Code(err) != core.CodeNotFound {
		t.Fatalf("unknown order = %v, want not found", err)
	}

	e.srv.LoseResponse("DELETE", "/order/{id}", 1, true)
	got, err := e.p.RefundOrder(e.ctx, e.conn, core.OrderRefundRequest{ExternalRef: "or-1", OrderID: o1.ID})
	if err != nil {
		// The answer was lost after Tripletex deleted it: the retry finds it gone.
		if got, err = e.p.RefundOrder(e.ctx, e.conn, core.OrderRefundRequest{ExternalRef: "or-1", OrderID: o1.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if got.Status != core.OrderCancelled || got.Total != 0 || got.ID != o1.ID {
		t.Fatalf("refunded order = %+v", got)
	}
	if again, err := e.p.RefundOrder(e.ctx, e.conn, core.OrderRefundRequest{ExternalRef: "or-1", OrderID: o1.ID}); err != nil || again.Status != core.OrderCancelled {
		t.Fatalf("repeat = %+v, %v", again, err)
	}
	if _, err := e.p.RefundOrder(e.ctx, e.conn, core.OrderRefundRequest{ExternalRef: "or-2", OrderID: o1.ID}); core.Code(err) != core.CodeConflict {
		t.Fatalf("second refund = %v, want conflict", err)
	}
	if os := e.srv.Orders(); len(os) != 1 || idString(os[0].ID) != o2.ID {
		t.Fatalf("orders in Tripletex: %+v", os)
	}
	page := must[core.OrderPage](t)(e.p.ListOrders(e.ctx, e.conn, core.OrderQuery{Status: core.OrderCancelled}))
	if len(page.Orders) != 1 || page.Orders[0].ID != o1.ID {
		t.Fatalf("cancelled orders: %+v", page.Orders)
	}

	inv := must[core.Invoice](t)(e.p.InvoiceOrders(e.ctx, e.conn, core.CollectiveRequest{ExternalRef: "coll-1", CustomerID: cust}))
	if inv.Total != 60000 || len(inv.OrderIDs) != 1 || inv.OrderIDs[0] != o2.ID {
		t.Fatalf("collective invoice: total %d, orders %v", inv.Total, inv.OrderIDs)
	}
	if _, err := e.p.RefundOrder(e.ctx, e.conn, core.OrderRefundRequest{ExternalRef: "or-3", OrderID: o2.ID}); core.Code(err) != core.CodeConflict {
		t.Fatalf("refund of an invoiced order = %v, want conflict", err)
	}
}

// TestPartialPaymentsAndVoid: parts are registered through :payment with
// their paidAmount, each external ref once (also when the answer is lost);
// the invoice stays posted with paid_amount until nothing is outstanding;
// overpaying is refused naming amount; a voided invoice is void, one
// credited by a refund credited.
func TestPartialPaymentsAndVoid(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	cust := e.customer("Delbetaling AS", "")
	inv := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("pp-1", cust, line("Middag", "2", 25000, 25))))
	if inv.OutstandingAmount != 50000 || inv.PaidAmount != 0 {
		t.Fatalf("new invoice: paid %d outstanding %d", inv.PaidAmount, inv.OutstandingAmount)
	}
	steps := []struct {
		name       string
		req        core.PaymentRequest
		lose       bool
		code       core.ErrorCode
		status     core.InvoiceStatus
		paid, owed int64
		payments   int
	}{
		{"a part", core.PaymentRequest{PaidAt: "2026-03-22", Amount: 20000, Method: "bank", ExternalRef: "pay-1"}, false, "", core.StatusPosted, 20000, 30000, 1},
		{"the same part again", core.PaymentRequest{PaidAt: "2026-03-22", Amount: 20000, ExternalRef: "pay-1"}, false, "", core.StatusPosted, 20000, 30000, 1},
		{"too much", core.PaymentRequest{PaidAt: "2026-03-23", Amount: 30001, ExternalRef: "pay-2"}, false, core.CodeInvalid, core.StatusPosted, 20000, 30000, 1},
		{"a part whose answer is lost", core.PaymentRequest{PaidAt: "2026-03-23", Amount: 10000, ExternalRef: "pay-3"}, true, "", core.StatusPosted, 30000, 20000, 2},
		{"the rest", core.PaymentRequest{PaidAt: "2026-03-24", ExternalRef: "pay-4"}, false, "", core.StatusPaid, 50000, 0, 3},
	}
	for _, s := range steps {
		if s.lose {
			e.srv.LoseResponse("PUT", "/invoice/{id}/:payment", 1, true)
		}
		s.req.InvoiceID = inv.ID
		got, err := e.p.MarkInvoicePaid(e.ctx, e.conn, s.req)
		if s.code != "" {
			if ce := wantCode(t, err, s.code); len(ce.Fields) != 1 || ce.Fields[0].Field != "amount" {
				t.Fatalf("%s: %v does not name amount", s.name, err)
			}
			got = must[core.Invoice](t)(e.p.GetInvoice(e.ctx, e.conn, inv.ID))
		} else if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got.Status != s.status || got.PaidAmount != s.paid || got.OutstandingAmount != s.owed {
			t.Fatalf("%s: status %s paid %d outstanding %d, want %s %d %d", s.name, got.Status, got.PaidAmount, got.OutstandingAmount, s.status, s.paid, s.owed)
		}
		for _, x := range e.srv.Invoices() {
			if idString(x.ID) == inv.ID && len(x.Payments) != s.payments {
				t.Fatalf("%s: %d payments in Tripletex, want %d", s.name, len(x.Payments), s.payments)
			}
		}
	}

	voided := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("pp-2", cust, line("Lunsj", "1", 19900, 25))))
	refunded := must[core.Invoice](t)(e.p.CreateInvoice(e.ctx, e.conn, e.request("pp-3", cust, line("Lunsj", "1", 19900, 25))))
	credit := must[core.Invoice](t)(e.p.CreditInvoice(e.ctx, e.conn, core.CreditRequest{Void: true, ExternalRef: "void:" + voided.ID, InvoiceID: voided.ID}))
	if credit.CreditsInvoiceID != voided.ID {
		t.Fatalf("void credit note = %+v", credit)
	}
	must[core.Invoice](t)(e.p.CreditInvoice(e.ctx, e.conn, core.CreditRequest{ExternalRef: "rf-3", InvoiceID: refunded.ID}))
	// A refunded invoice is not voided afterwards: it stays credited.
	_, err := e.p.CreditInvoice(e.ctx, e.conn, core.CreditRequest{Void: true, ExternalRef: "void:" + refunded.ID, InvoiceID: refunded.ID})
	wantCode(t, err, core.CodeConflict)
	for id, want := range map[string]core.InvoiceStatus{voided.ID: core.StatusVoid, refunded.ID: core.StatusCredited} {
		if got := must[core.Invoice](t)(e.p.GetInvoice(e.ctx, e.conn, id)); got.Status != want || got.OutstandingAmount != 0 {
			t.Fatalf("%s: status %s outstanding %d, want %s", id, got.Status, got.OutstandingAmount, want)
		}
	}
	page := must[core.InvoicePage](t)(e.p.ListInvoices(e.ctx, e.conn, core.InvoiceQuery{Status: core.StatusVoid}))
	if len(page.Invoices) != 1 || page.Invoices[0].ID != voided.ID {
		t.Fatalf("status=void: %+v", page.Invoices)
	}
}
