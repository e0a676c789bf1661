package httpapi

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestRefunds: refunds are credit invoices of whole invoices or of line
// quantities, exactly once per Idempotency-Key, never more than was sold.
func TestRefunds(t *testing.T) {
	s := newStack(t)
	cashier, acct := s.a.key(core.RoleCashier), s.a.key(core.RoleAccountant)
	cust := s.createCustomer(s.a, `{"name":"Återköp AB","due_days":30}`)
	res, _ := s.chargeRaw(s.a, "refund-sale-1", `{"customer_id":"`+cust.ID+`","location_id":"loc-1","receipt_id":"r1",
		"lines":[{"description":"Lunch","product_group":"food","quantity":"3","unit_price":12900,"vat_rate":"12"},
		         {"description":"Öl","product_group":"drinks","quantity":"1","unit_price":7900,"vat_rate":"25"}]}`)
	inv := res.Invoice
	if inv == nil || inv.Total != 46600 {
		t.Fatalf("sale: %+v", res)
	}
	whole := s.charge(s.a, "refund-sale-2", chargeBody(cust.ID, 5000, "r2")).Invoice
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	byLine := `{"invoice_id":"` + inv.ID + `","lines":[{"line":0,"quantity":"1"}]}`

	r := s.run(t, scenario{name: "refund one unit of a line", method: "POST", path: "/v1/refunds", key: cashier,
		headers: key("refund-1"), body: byLine, wantStatus: 201,
		wantBody: []string{`"kind":"credit"`, `"number":1003`, `"credits_invoice_id":"` + inv.ID + `"`,
			`"credits_invoice_number":1001`, `"total":-12900`, `"vat_breakdown":[{"vat_rate":"12"`}})
	if r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("first refund marked replayed")
	}
	var credit core.Invoice
	r.decode(t, &credit)
	if got := r.header.Get("Location"); got != "/v1/invoices/"+credit.ID {
		t.Errorf("Location %q", got)
	}
	r = s.run(t, scenario{name: "replay", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-1"),
		body: byLine, wantStatus: 201, wantHeaders: map[string]string{"Idempotent-Replayed": "true"}})
	var replayed core.Invoice
	r.decode(t, &replayed)
	if replayed.ID != credit.ID || replayed.Number != credit.Number {
		t.Errorf("replay answered %s (%d), first %s (%d)", replayed.ID, replayed.Number, credit.ID, credit.Number)
	}

	runScenarios(t, s, []scenario{
		{name: "same key, other body", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-1"),
			body:       `{"invoice_id":"` + inv.ID + `","lines":[{"line":1,"quantity":"1"}]}`,
			wantStatus: 409, wantBody: []string{`"field":"Idempotency-Key"`}},
		{name: "over-credit names the quantity", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-2"),
			body:       `{"invoice_id":"` + inv.ID + `","lines":[{"line":0,"quantity":"3"}]}`,
			wantStatus: 422, wantBody: []string{`"code":"invalid"`, `"field":"lines[0].quantity"`}},
		{name: "no such line", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-3"),
			body:       `{"invoice_id":"` + inv.ID + `","lines":[{"line":5,"quantity":"1"}]}`,
			wantStatus: 422, wantBody: []string{`"field":"lines[0].line"`}},
		{name: "bad refund names each field", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-4"),
			body:       `{"invoice_id":"","lines":[{"line":-1,"quantity":"0"}]}`,
			wantStatus: 422, wantBody: []string{`"field":"invoice_id"`, `"field":"lines[0].line"`, `"field":"lines[0].quantity"`}},
		{name: "unknown field", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-5"),
			body: `{"invoice_id":"x","reason":"cold"}`, wantStatus: 400, wantBody: []string{`"field":"reason"`}},
		{name: "missing Idempotency-Key", method: "POST", path: "/v1/refunds", key: cashier, body: byLine,
			wantStatus: 400, wantBody: []string{`"field":"Idempotency-Key"`}},
		{name: "another merchant's invoice", method: "POST", path: "/v1/refunds", key: s.b.key(core.RoleCashier),
			headers: key("refund-6"), body: byLine, wantStatus: 422, wantBody: []string{`"field":"invoice_id"`}},
		{name: "whole invoice", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-7"),
			body:       `{"invoice_id":"` + whole.ID + `"}`,
			wantStatus: 201, wantBody: []string{`"kind":"credit"`, `"number":1004`, `"total":-5000`, `"credits_invoice_id":"` + whole.ID + `"`}},
		{name: "whole invoice again", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-8"),
			body: `{"invoice_id":"` + whole.ID + `"}`, wantStatus: 409},
		{name: "the wholly refunded invoice is credited", method: "GET", path: "/v1/invoices/" + whole.ID, key: acct,
			wantStatus: 200, wantBody: []string{`"status":"credited"`}},
	})

	// A refused refund frees its key for the corrected request.
	s.run(t, scenario{name: "refused", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-9"),
		body: `{"invoice_id":"inv_nosuch"}`, wantStatus: 422, wantBody: []string{`"field":"invoice_id"`}})
	s.run(t, scenario{name: "corrected", method: "POST", path: "/v1/refunds", key: cashier, headers: key("refund-9"),
		body:       `{"invoice_id":"` + inv.ID + `","lines":[{"line":1,"quantity":"1"}]}`,
		wantStatus: 201, wantBody: []string{`"total":-7900`}})

	// Voiding credits what the refunds left: together nothing is owed.
	s.run(t, scenario{name: "void the rest", method: "POST", path: "/v1/invoices/" + inv.ID + "/void", key: acct,
		wantStatus: 201, wantBody: []string{`"total":-25800`}})
	s.run(t, scenario{name: "voided after refunds: void", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"status":"void"`, `"outstanding_amount":0`}})
}

// TestRefundCollectiveOrder: a register refund of a purchase collected as
// an order, before its collective invoice, is POST /v1/refunds with
// order_id: all of it cancels the order, lines reduce it, more than is
// left is 422; the collective invoice made later bills only what is left
// (seed 000).
func TestRefundCollectiveOrder(t *testing.T) {
	s := newStack(t)
	cashier := s.a.key(core.RoleCashier)
	cust := s.createCustomer(s.a, `{"name":"Samlad AB","collective_invoicing":{"enabled":true,"day_of_month":28,"threshold":30000}}`)
	whole := s.chargeRawOK(t, "coll-1", `{"customer_id":"`+cust.ID+`","location_id":"loc-1","receipt_id":"r1",
		"lines":[{"description":"Tårta","quantity":"1","unit_price":10000,"vat_rate":"12"}]}`)
	s.clock.Set(s.clock.Now().Add(time.Minute))
	part := s.chargeRawOK(t, "coll-2", `{"customer_id":"`+cust.ID+`","location_id":"loc-1","receipt_id":"r2",
		"lines":[{"description":"Lunch","quantity":"3","unit_price":5000,"vat_rate":"12"}]}`)
	idem := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	runScenarios(t, s, []scenario{
		{name: "both invoice_id and order_id", method: "POST", path: "/v1/refunds", key: cashier, headers: idem("rf-0"),
			body: `{"invoice_id":"inv_x","order_id":"` + whole.ID + `"}`, wantStatus: 422, wantBody: []string{`"field":"order_id"`}},
		{name: "unknown order", method: "POST", path: "/v1/refunds", key: cashier, headers: idem("rf-0"),
			body: `{"order_id":"ord_nosuch"}`, wantStatus: 422, wantBody: []string{`"field":"order_id"`}},
		{name: "all of an order cancels it", method: "POST", path: "/v1/refunds", key: cashier, headers: idem("rf-1"),
			body: `{"order_id":"` + whole.ID + `"}`, wantStatus: 201,
			wantBody: []string{`"id":"` + whole.ID + `"`, `"status":"cancelled"`, `"total":0`}},
		{name: "the same key replays", method: "POST", path: "/v1/refunds", key: cashier, headers: idem("rf-1"),
			body: `{"order_id":"` + whole.ID + `"}`, wantStatus: 201, wantBody: []string{`"status":"cancelled"`},
			wantHeaders: map[string]string{"Idempotent-Replayed": "true"}},
		{name: "a cancelled order again", method: "POST", path: "/v1/refunds", key: cashier, headers: idem("rf-2"),
			body: `{"order_id":"` + whole.ID + `"}`, wantStatus: 409},
		{name: "more than is left", method: "POST", path: "/v1/refunds", key: cashier, headers: idem("rf-3"),
			body: `{"order_id":"` + part.ID + `","lines":[{"line":0,"quantity":"4"}]}`, wantStatus: 422,
			wantBody: []string{`"field":"lines[0].quantity"`}},
		{name: "one of three lunches", method: "POST", path: "/v1/refunds", key: cashier, headers: idem("rf-4"),
			body: `{"order_id":"` + part.ID + `","lines":[{"line":0,"quantity":"1"}]}`, wantStatus: 201,
			wantBody: []string{`"status":"open"`, `"quantity":"2"`, `"total":10000`}},
		{name: "cancelled orders are listed", method: "GET", path: "/v1/orders?status=cancelled", key: s.a.key(core.RoleAccountant),
			wantStatus: 200, wantBody: []string{whole.ID}, notBody: []string{part.ID}},
	})

	// 10 000 left of the orders plus 25 000 passes the 30 000 threshold
	// (without the refunds 50 000): the collective invoice bills 35 000.
	s.clock.Set(s.clock.Now().Add(time.Minute))
	res, r := s.chargeRaw(s.a, "coll-3", `{"customer_id":"`+cust.ID+`","location_id":"loc-1","receipt_id":"r3",
		"lines":[{"description":"Catering","quantity":"1","unit_price":25000,"vat_rate":"12"}]}`)
	if res.Invoice == nil {
		t.Fatalf("no collective invoice: %s", r.body)
	}
	inv := res.Invoice
	if inv.Total != 35000 || len(inv.OrderIDs) != 2 || slices.Contains(inv.OrderIDs, whole.ID) || len(inv.Lines) != 2 ||
		inv.Lines[0].Quantity.String() != "2" {
		t.Fatalf("collective invoice: %s", r.body)
	}
	s.run(t, scenario{name: "an invoiced order is refunded by its invoice", method: "POST", path: "/v1/refunds", key: cashier,
		headers: idem("rf-5"), body: `{"order_id":"` + part.ID + `"}`, wantStatus: 409, wantBody: []string{"refund that invoice"}})
}

// chargeRawOK charges as m's cashier and returns the collected order.
func (s *testStack) chargeRawOK(t *testing.T, key, body string) core.Order {
	t.Helper()
	res, r := s.chargeRaw(s.a, key, body)
	if r.status != 201 || res.Order == nil {
		t.Fatalf("charge: %d %s", r.status, r.body)
	}
	return *res.Order
}

// TestEmailRefundCredit: the credit invoice of a register refund is e-mailed
// to the customer like any invoice (seed 000: "download the credit invoice
// as PDF and send it"), worded as a credit invoice with its PDF attached.
func TestEmailRefundCredit(t *testing.T) {
	s := newStack(t)
	cashier, acct := s.a.key(core.RoleCashier), s.a.key(core.RoleAccountant)
	s.configureInvoicing(s.a, validSettings)
	cust := s.createCustomer(s.a, `{"name":"Återköp AB","email":"ekonomi@aterkop.example"}`)
	inv := s.charge(s.a, "credit-mail-sale", chargeBody(cust.ID, 10000, "r1")).Invoice
	r := s.run(t, scenario{name: "refund", method: "POST", path: "/v1/refunds", key: cashier,
		headers: map[string]string{"Idempotency-Key": "credit-mail-refund"}, body: `{"invoice_id":"` + inv.ID + `"}`, wantStatus: 201})
	var credit core.Invoice
	r.decode(t, &credit)
	s.run(t, scenario{name: "e-mail the credit invoice", method: "POST", path: "/v1/invoices/" + credit.ID + "/email", key: acct,
		wantStatus: 202, wantBody: []string{`"status":"queued"`}})
	m := s.deliverMail(t, 1)[0]
	if len(m.To) != 1 || m.To[0] != "ekonomi@aterkop.example" || !strings.Contains(m.Subject, "Kreditfaktura") ||
		!strings.Contains(m.Subject, strconv.FormatInt(credit.Number, 10)) {
		t.Errorf("credit e-mail to %v, subject %q", m.To, m.Subject)
	}
	if len(m.Attachments) != 1 || !strings.HasPrefix(string(m.Attachments[0].Data), "%PDF") {
		t.Errorf("credit e-mail attachments: %d", len(m.Attachments))
	}
	s.run(t, scenario{name: "the credit invoice shows it sent", method: "GET", path: "/v1/invoices/" + credit.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"email_status":"sent"`, `"kind":"credit"`}})
}
