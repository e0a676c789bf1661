package httpapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestPaymentMethods: every role reads the payment methods (the register
// must know where invoicing is offered), the admin limits the invoice
// method to locations, and a charge at a location where it is off is 422
// naming location_id, creating nothing.
func TestPaymentMethods(t *testing.T) {
	s := newStack(t)
	admin, cashier := s.a.key(core.RoleAdmin), s.a.key(core.RoleCashier)
	cust := s.createCustomer(s.a, `{"name":"Metod AB"}`)
	at := func(loc, receipt string) string {
		return strings.Replace(chargeBody(cust.ID, 1000, receipt), `"location_id":"loc-1"`, `"location_id":"`+loc+`"`, 1)
	}
	charge := func(name, key, body string, status int, want ...string) scenario {
		return scenario{name: name, method: "POST", path: "/v1/charges", key: cashier, body: body,
			headers: map[string]string{"Idempotency-Key": key}, wantStatus: status, wantBody: want}
	}
	runScenarios(t, s, []scenario{
		{name: "built-in invoicing: invoice on at every location", method: "GET", path: "/v1/payment-methods", key: cashier,
			wantStatus: 200, wantBody: []string{`{"payment_methods":[{"method":"invoice","enabled":true,"location_ids":[]}]}`}},
		charge("charge anywhere", "pm-1", at("loc-9", "r1"), 201, `"status":"invoiced"`),
		{name: "every bad field is named", method: "PUT", path: "/v1/payment-methods", key: admin,
			body:       `{"payment_methods":[{"method":"cash","enabled":true,"location_ids":["loc-1","loc-1",""]},{"method":"","enabled":true,"location_ids":[]}]}`,
			wantStatus: 422, wantBody: []string{`"field":"payment_methods"`, `"field":"payment_methods[0].location_ids[1]"`,
				`"field":"payment_methods[0].location_ids[2]"`, `"field":"payment_methods[1].method"`}},
		{name: "unknown field is 400", method: "PUT", path: "/v1/payment-methods", key: admin,
			body:       `{"payment_methods":[{"method":"invoice","enabled":true,"locations":["loc-1"]}]}`,
			wantStatus: 400, wantBody: []string{`"field":"payment_methods[0].locations"`}},
		{name: "the cashier may not change them", method: "PUT", path: "/v1/payment-methods", key: cashier,
			body: `{"payment_methods":[{"method":"invoice","enabled":false,"location_ids":[]}]}`, wantStatus: 403},
		{name: "invoice limited to loc-1", method: "PUT", path: "/v1/payment-methods", key: admin,
			body:       `{"payment_methods":[{"method":"invoice","enabled":true,"location_ids":["loc-1"]},{"method":"card","enabled":true,"location_ids":[]}]}`,
			wantStatus: 200, wantBody: []string{`{"payment_methods":[{"method":"card","enabled":true,"location_ids":[]},{"method":"invoice","enabled":true,"location_ids":["loc-1"]}]}`}},
		{name: "another merchant is not affected", method: "GET", path: "/v1/payment-methods", key: s.b.key(core.RoleCashier),
			wantStatus: 200, wantBody: []string{`{"payment_methods":[{"method":"invoice","enabled":true,"location_ids":[]}]}`}},
		charge("charge at loc-1", "pm-2", at("loc-1", "r2"), 201, `"status":"invoiced"`),
		charge("charge at loc-2 is refused", "pm-3", at("loc-2", "r3"), 422, `"code":"invalid"`, `"field":"location_id"`, "loc-2"),
		{name: "invoice switched off", method: "PUT", path: "/v1/payment-methods", key: admin,
			body: `{"payment_methods":[{"method":"invoice","enabled":false,"location_ids":["loc-1"]}]}`, wantStatus: 200},
		{name: "the accountant reads it", method: "GET", path: "/v1/payment-methods", key: s.a.key(core.RoleAccountant),
			wantStatus: 200, wantBody: []string{`{"payment_methods":[{"method":"invoice","enabled":false,"location_ids":["loc-1"]}]}`}},
		charge("charge at loc-1 is refused too", "pm-4", at("loc-1", "r4"), 422, `"field":"location_id"`, "switched off"),
	})
	// The scenario list alone could not tell a refused charge that still
	// made an invoice: count them.
	r := s.run(t, scenario{name: "only the two accepted charges made invoices", method: "GET", path: "/v1/invoices", key: admin,
		wantStatus: 200, notBody: []string{`"location_id":"loc-2"`}})
	var list listBody[core.Invoice]
	r.decode(t, &list)
	var receipts []string
	for _, inv := range list.Data {
		receipts = append(receipts, inv.ReceiptID)
	}
	if len(receipts) != 2 || !slices.Contains(receipts, "r1") || !slices.Contains(receipts, "r2") {
		t.Errorf("invoices for receipts %q, want r1 and r2 only", receipts)
	}
}
