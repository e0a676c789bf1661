package tripletextest

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

func line(desc, count, priceExcl string, vat int64) map[string]any {
	return map[string]any{"description": desc, "count": jsonNum(count), "unitPriceExcludingVatCurrency": jsonNum(priceExcl), "vatType": ref(vat)}
}

func newOrder(c *client, cust int64, lines ...map[string]any) map[string]any {
	c.t.Helper()
	if lines == nil {
		lines = []map[string]any{}
	}
	return c.mustDo(201, "POST", "/order", map[string]any{"customer": ref(cust), "orderDate": "2026-03-20",
		"deliveryDate": "2026-03-20", "reference": "Bord 4", "orderLines": lines})
}

func TestInvoiceFlow(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	cust := id(c.mustDo(201, "POST", "/customer", map[string]any{"name": "Colline SARL", "organizationNumber": "939137599", "email": "post@colline.no"}))
	ord := newOrder(c, cust, line("Lunsj", "2", "100", 3), line("Take-away", "3", "50", 31), line("Kinobillett", "1", "100", 32))
	if len(ord["orderLines"].([]any)) != 3 || ord["number"] != "1" {
		t.Fatalf("order %v", ord)
	}
	// Lines computed: 200 + 25 %, 150 + 15 %, 100 + 12 %.
	l0 := c.mustDo(200, "GET", fmt.Sprintf("/order/orderline/%d", id(ord["orderLines"].([]any)[0].(map[string]any))), nil)
	if num(l0["amountExcludingVatCurrency"]) != "200.00" || num(l0["amountIncludingVatCurrency"]) != "250.00" || num(l0["unitPriceIncludingVatCurrency"]) != "125" {
		t.Errorf("line amounts %v %v %v", l0["amountExcludingVatCurrency"], l0["amountIncludingVatCurrency"], l0["unitPriceIncludingVatCurrency"])
	}

	inv := c.mustDo(200, "PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-21&sendToCustomer=false", id(ord)), nil)
	for k, want := range map[string]string{"invoiceNumber": "1", "amount": "534.50", "amountExcludingVat": "450.00",
		"amountOutstanding": "534.50", "creditedInvoice": "0"} {
		if num(inv[k]) != want {
			t.Errorf("invoice %s = %v, want %s", k, inv[k], want)
		}
	}
	if inv["invoiceDueDate"] != "2026-04-04" || inv["isCreditNote"] != false || inv["kid"] != "" {
		t.Errorf("invoice due %v creditNote %v kid %v", inv["invoiceDueDate"], inv["isCreditNote"], inv["kid"])
	}
	if code, m := c.do("PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-21", id(ord)), nil); code != 422 || !slices.Contains(messages(m), ": "+msgOrderClosed) {
		t.Errorf("invoicing a closed order: %d %v", code, m)
	}
	stored := srv.Invoices()
	if len(stored) != 1 || stored[0].SentToCustomer || stored[0].Amount != 53450 {
		t.Fatalf("stored invoices %+v", stored)
	}
	// The invoice's voucher: 1500 with the customer against income and VAT.
	var v Voucher
	for _, x := range srv.Vouchers() {
		if x.ID == stored[0].VoucherID {
			v = x
		}
	}
	if v.Balance() != 0 || v.Source != SourceInvoice || !v.Posted {
		t.Errorf("invoice voucher %+v", v)
	}
	byAccount := map[int]Amount{}
	for _, p := range v.Postings {
		byAccount[p.AccountNumber] += p.Amount
		if p.AccountNumber == 1500 && p.CustomerID != cust {
			t.Errorf("1500 posting without the customer")
		}
	}
	wantAcc := map[int]Amount{1500: 53450, 3000: -20000, 3030: -15000, 3033: -10000, 2700: -5000, 2701: -2250, 2703: -1200}
	for n, a := range wantAcc {
		if byAccount[n] != a {
			t.Errorf("account %d: %v, want %v", n, byAccount[n], a)
		}
	}

	// Second invoice: next number; sendToCustomer defaults to true.
	ord2 := newOrder(c, cust, line("Kaffe", "1", "40", 3))
	inv2 := c.mustDo(200, "PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-22", id(ord2)), nil)
	if num(inv2["invoiceNumber"]) != "2" || !srv.Invoices()[1].SentToCustomer || srv.Invoices()[1].SendType != "EMAIL" {
		t.Errorf("second invoice %v sent=%v", inv2["invoiceNumber"], srv.Invoices()[1].SentToCustomer)
	}

	// Payment with an incoming type.
	var bankPay int64
	for _, p := range srv.PaymentTypes() {
		if p.Description == "Betalt til bank" {
			bankPay = p.ID
		}
	}
	paid := c.mustDo(200, "PUT", fmt.Sprintf("/invoice/%d/:payment?paymentDate=2026-03-25&paymentTypeId=%d&paidAmount=34.50", id(inv), bankPay), nil)
	if num(paid["amountOutstanding"]) != "500.00" {
		t.Errorf("outstanding after payment %v", paid["amountOutstanding"])
	}
	if code, m := c.do("PUT", fmt.Sprintf("/invoice/%d/:payment?paymentDate=2026-03-25&paymentTypeId=%d&paidAmount=1", id(inv), accountID(t, srv, 1920)), nil); code != 422 || !slices.Contains(messages(m), ": "+msgNotIncomingPay) {
		t.Errorf("outgoing payment type: %d %v", code, m)
	}

	// Credit note: whole invoice, next number, negated, both settled.
	cn := c.mustDo(200, "PUT", fmt.Sprintf("/invoice/%d/:createCreditNote?date=2026-03-26&comment=Refusjon&sendToCustomer=false", id(inv)), nil)
	if num(cn["invoiceNumber"]) != "3" || cn["isCreditNote"] != true || num(cn["creditedInvoice"]) != fmt.Sprint(id(inv)) || num(cn["amount"]) != "-534.50" {
		t.Errorf("credit note %v", cn)
	}
	orig := c.mustDo(200, "GET", fmt.Sprintf("/invoice/%d", id(inv)), nil)
	if orig["isCredited"] != true || num(orig["amountOutstanding"]) != "0.00" {
		t.Errorf("credited invoice %v %v", orig["isCredited"], orig["amountOutstanding"])
	}
	if num(cn["amountOutstanding"]) != "-34.50" {
		t.Errorf("credit note outstanding %v (the paid part is owed back)", cn["amountOutstanding"])
	}
	if code, _ := c.do("PUT", fmt.Sprintf("/invoice/%d/:createCreditNote?date=2026-03-26", id(inv)), nil); code != 422 {
		t.Errorf("crediting twice: %d", code)
	}
	if cns := srv.CreditNotes(); len(cns) != 1 || cns[0].CreditedInvoiceID != id(inv) || cns[0].SentToCustomer {
		t.Errorf("CreditNotes %+v", cns)
	}
	for _, x := range srv.Vouchers() {
		if x.Balance() != 0 {
			t.Errorf("voucher %s unbalanced", x.Source)
		}
	}

	// Search: dates required, To exclusive.
	env := c.mustDo(200, "GET", fmt.Sprintf("/invoice?invoiceDateFrom=2026-03-01&invoiceDateTo=2026-03-26&customerId=%d", cust), nil)
	if num(env["count"]) != "2" {
		t.Errorf("invoice search count %v", env["count"])
	}

	// :send → 204.
	resp, _ := c.raw("PUT", fmt.Sprintf("/invoice/%d/:send?sendType=EMAIL", id(inv)), nil, true)
	if resp.StatusCode != 204 {
		t.Errorf(":send %d", resp.StatusCode)
	}

	// PDF.
	resp, body := c.raw("GET", fmt.Sprintf("/invoice/%d/pdf", id(inv)), nil, true)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-1.")) ||
		!bytes.HasSuffix(body, []byte("%%EOF\n")) || !bytes.Contains(body, []byte("(Faktura 1)")) {
		t.Errorf("pdf: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body[:min(len(body), 40)])
	}
	// Each line: count x unit price (VAT included), then the line total.
	for _, want := range []string{"(Lunsj  2 x 125.00 = 250.00)", "(Take-away  3 x 57.50 = 172.50)", "(Kinobillett  1 x 112.00 = 112.00)"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("pdf lacks %s", want)
		}
	}
	if http.DetectContentType(body) != "application/pdf" {
		t.Errorf("not detected as PDF")
	}
}

func TestInvoiceBusinessErrors(t *testing.T) {
	srv := startMock(t, Options{NoBankAccount: true})
	c := newClient(t, srv)
	cust := id(c.mustDo(201, "POST", "/customer", map[string]any{"name": "Kunde"}))
	ord := newOrder(c, cust, line("Lunsj", "1", "100", 3))
	code, m := c.do("PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-21&sendToCustomer=false", id(ord)), nil)
	if code != 422 || !slices.Equal(messages(m), []string{": " + msgNoBankAccount}) {
		t.Errorf("no bank account: %d %v", code, m)
	}
	srv.SetBankAccountNumber(DefaultBankAccountNumber)
	empty := newOrder(c, cust)
	code, m = c.do("PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-21&sendToCustomer=false", id(empty)), nil)
	if code != 422 || !slices.Equal(messages(m), []string{": " + msgNoOrderLines}) {
		t.Errorf("no lines: %d %v", code, m)
	}
	tests := []struct {
		name  string
		order map[string]any
		want  []string
	}{
		{"required fields", map[string]any{"orderLines": []any{}}, []string{"customer: " + msgRequired, "orderDate: " + msgRequired, "deliveryDate: " + msgRequired}},
		{"price incl VAT on an excl order", map[string]any{"customer": ref(cust), "orderDate": "2026-03-20", "deliveryDate": "2026-03-20",
			"orderLines": []any{map[string]any{"count": 1, "unitPriceIncludingVatCurrency": 125}}}, []string{"orderLines.unitPriceIncludingVatCurrency: " + msgPriceExclVat}},
		{"price excl VAT on an incl order", map[string]any{"customer": ref(cust), "orderDate": "2026-03-20", "deliveryDate": "2026-03-20", "isPrioritizeAmountsIncludingVat": true,
			"orderLines": []any{map[string]any{"count": 1, "unitPriceExcludingVatCurrency": 100}}}, []string{"orderLines.unitPriceExcludingVatCurrency: " + msgPriceInclVat}},
		{"incoming VAT on a sales line", map[string]any{"customer": ref(cust), "orderDate": "2026-03-20", "deliveryDate": "2026-03-20",
			"orderLines": []any{map[string]any{"count": 1, "unitPriceExcludingVatCurrency": 100, "vatType": ref(1)}}}, []string{"orderLines.vatType.id: " + msgInvalidVatType}},
	}
	for _, tt := range tests {
		code, m := c.do("POST", "/order", tt.order)
		if code != 422 || !slices.Equal(messages(m), tt.want) {
			t.Errorf("%s: %d %v", tt.name, code, messages(m))
		}
	}
	// Incl-VAT order: the gross price is kept, net derived.
	o := c.mustDo(201, "POST", "/order", map[string]any{"customer": ref(cust), "orderDate": "2026-03-20", "deliveryDate": "2026-03-20", "isPrioritizeAmountsIncludingVat": true,
		"orderLines": []any{map[string]any{"count": 1, "unitPriceIncludingVatCurrency": 99.99, "vatType": ref(31)}}})
	inv := c.mustDo(200, "PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-21&sendToCustomer=false", id(o)), nil)
	if num(inv["amount"]) != "99.99" || num(inv["amountExcludingVat"]) != "86.95" {
		t.Errorf("incl-VAT invoice %v %v", inv["amount"], inv["amountExcludingVat"])
	}
}

func TestPostInvoiceAndMultipleOrders(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	cust := id(c.mustDo(201, "POST", "/customer", map[string]any{"name": "Kunde", "invoicesDueIn": 30}))
	inv := c.mustDo(201, "POST", "/invoice?sendToCustomer=false", map[string]any{"invoiceDate": "2026-03-20", "invoiceDueDate": "2026-03-30",
		"orders": []any{map[string]any{"customer": ref(cust), "orderDate": "2026-03-20", "deliveryDate": "2026-03-20",
			"orderLines": []any{line("Catering", "1", "1000", 3)}}}})
	if num(inv["amount"]) != "1250.00" || inv["invoiceDueDate"] != "2026-03-30" || len(srv.Orders()) != 1 {
		t.Errorf("POST /invoice: %v %v orders=%d", inv["amount"], inv["invoiceDueDate"], len(srv.Orders()))
	}
	a, b := newOrder(c, cust, line("Mandag", "1", "100", 3)), newOrder(c, cust, line("Tirsdag", "1", "100", 31))
	coll := c.mustDo(200, "PUT", fmt.Sprintf("/order/:invoiceMultipleOrders?id=%d,%d&invoiceDate=2026-03-31&sendToCustomer=false", id(a), id(b)), nil)
	if num(coll["amount"]) != "240.00" || len(coll["orders"].([]any)) != 2 || coll["invoiceDueDate"] != "2026-04-30" {
		t.Errorf("collective invoice %v %v %v", coll["amount"], coll["orders"], coll["invoiceDueDate"])
	}
}
