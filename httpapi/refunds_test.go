package httpapi

import (
	"testing"

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
	s.run(t, scenario{name: "fully credited", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"status":"credited"`}})
}
