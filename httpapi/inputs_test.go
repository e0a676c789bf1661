package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// setPath sets a value in a decoded JSON object at a path like
// "billing_address.city" or "lines[0].description".
func setPath(t *testing.T, obj map[string]any, path string, v any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = obj
	for i, p := range parts {
		name, idx := p, -1
		if m := regexp.MustCompile(`^(\w+)\[(\d+)\]$`).FindStringSubmatch(p); m != nil {
			name = m[1]
			idx, _ = strconv.Atoi(m[2])
		}
		o, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("setPath %s: %s is not an object", path, p)
		}
		last := i == len(parts)-1
		if idx < 0 {
			if last {
				o[name] = v
				return
			}
			if o[name] == nil {
				o[name] = map[string]any{}
			}
			cur = o[name]
			continue
		}
		arr, _ := o[name].([]any)
		if idx >= len(arr) {
			t.Fatalf("setPath %s: %s has no element %d", path, name, idx)
		}
		if last {
			arr[idx] = v
			return
		}
		cur = arr[idx]
	}
}

func withValue(t *testing.T, body, path string, v any) string {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal([]byte(body), &obj); err != nil {
		t.Fatalf("base body %s: %v", body, err)
	}
	setPath(t, obj, path, v)
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// manyTrigrams is a text of n characters with about n distinct trigrams,
// so a search for it cannot be answered from a few index entries.
func manyTrigrams(n int) string {
	var b strings.Builder
	x := uint32(1)
	for range n {
		x = x*1664525 + 1013904223
		b.WriteRune(rune(0x4E00 + x>>16%2000))
	}
	return b.String()
}

// TestEveryTextFieldIsBounded sends, for every text field of every request
// body, one character more than its limit and a value with a control
// character: each answers 422 naming the field, and what was stored before
// is unchanged.
func TestEveryTextFieldIsBounded(t *testing.T) {
	s := newStack(t)
	admin, acct, cashier := s.a.key(core.RoleAdmin), s.a.key(core.RoleAccountant), s.a.key(core.RoleCashier)
	s.configureInvoicing(s.a, validSettings)
	cust := s.createCustomer(s.a, `{"name":"Gränser AB","phone":"08-1","billing_address":{"city":"Lund"}}`)
	inv := s.charge(s.a, "bounds-sale", chargeBody(cust.ID, 5000, "r-bounds")).Invoice
	draft := s.createDraft(s.a, draftBody(cust.ID, 1000))

	customer := `{"name":"Kund AB","organization_number":"5560160680","email":"a@kund.example","phone":"08-1",
		"billing_address":{"line1":"Gatan 1","line2":"","postal_code":"111 22","city":"Stockholm","country":"SE"},
		"parent_customer_id":"","purchase_instruction":"Ange PO"}`
	charge := `{"customer_id":"` + cust.ID + `","location_id":"loc-1","receipt_id":"r-x","reference":"Anna","comment":"Fika",
		"lines":[{"description":"Kaffe","product_group":"drinks","quantity":"1","unit_price":3200,"vat_rate":"6"}]}`
	drafted := draftBody(cust.ID, 1000)
	refund := `{"invoice_id":"` + inv.ID + `"}`
	sale := saleBody("r-sale", "loc-1", "2026-03-02", 1000)

	type endpoint struct {
		method, path, key, body string
		idempotent              bool
		fields                  map[string]int // field path → limit
	}
	customerFields := map[string]int{
		"name": core.MaxNameLength, "organization_number": core.MaxOrganizationNumberLength,
		"email": core.MaxEmailLength, "phone": core.MaxPhoneLength,
		"billing_address.line1": core.MaxAddressLineLength, "billing_address.line2": core.MaxAddressLineLength,
		"billing_address.postal_code": core.MaxPostalCodeLength, "billing_address.city": core.MaxCityLength,
		"billing_address.country": core.MaxCountryLength, "parent_customer_id": core.MaxIDLength,
		"purchase_instruction": core.MaxPurchaseInstructionLen,
	}
	endpoints := []endpoint{
		{"POST", "/v1/customers", admin, customer, false, customerFields},
		{"PATCH", "/v1/customers/" + cust.ID, admin, customer, false, customerFields},
		{"POST", "/v1/charges", cashier, charge, true, map[string]int{
			"customer_id": core.MaxIDLength, "location_id": core.MaxIDLength, "receipt_id": core.MaxReceiptIDLength,
			"reference": core.MaxReferenceLength, "comment": core.MaxCommentLength,
			"lines[0].description": core.MaxLineDescriptionLength, "lines[0].product_group": core.MaxProductGroupLength}},
		{"POST", "/v1/invoices", acct, drafted, false, map[string]int{
			"customer_id": core.MaxIDLength, "reference": core.MaxReferenceLength, "comment": core.MaxCommentLength,
			"lines[0].description": core.MaxLineDescriptionLength, "lines[0].product_group": core.MaxProductGroupLength}},
		{"PATCH", "/v1/invoices/" + draft.ID, acct, drafted, false, map[string]int{
			"reference": core.MaxReferenceLength, "comment": core.MaxCommentLength,
			"lines[0].description": core.MaxLineDescriptionLength}},
		{"POST", "/v1/refunds", cashier, refund, true, map[string]int{"invoice_id": core.MaxIDLength}},
		{"PUT", "/v1/invoice-settings", admin, validSettings, false, map[string]int{
			"late_interest_text": core.MaxInvoiceTextLength, "payment_reference_text": core.MaxInvoiceTextLength,
			"bankgiro": core.MaxGiroLength, "plusgiro": core.MaxGiroLength,
			"company.name": core.MaxNameLength, "company.organization_number": core.MaxOrganizationNumberLength,
			"company.vat_number": core.MaxVATNumberLength, "company.email": core.MaxEmailLength,
			"company.phone": core.MaxPhoneLength, "company.address.line1": core.MaxAddressLineLength,
			"company.address.postal_code": core.MaxPostalCodeLength, "company.address.city": core.MaxCityLength,
			"company.address.country": core.MaxCountryLength}},
		{"POST", "/v1/api-keys", admin, `{"name":"Kassa 2","role":"cashier"}`, false, map[string]int{"name": core.MaxAPIKeyNameLength}},
		{"POST", "/v1/sales", cashier, sale, true, map[string]int{
			"receipt_id": core.MaxReceiptIDLength, "location_id": core.MaxIDLength,
			"lines[0].product_group": core.MaxProductGroupLength, "payments[0].method": core.MaxPaymentMethodLength}},
		{"POST", "/v1/integrations", admin, `{"provider":"ledger","modes":["bookkeeping"]}`, false, map[string]int{"provider": core.MaxIDLength}},
	}
	before := map[string]string{}
	for _, p := range []string{"/v1/customers/" + cust.ID, "/v1/invoices/" + draft.ID, "/v1/invoice-settings"} {
		before[p] = s.do("GET", p, admin, "", nil).body
	}
	n := 0
	for _, ep := range endpoints {
		for field, max := range ep.fields {
			for _, v := range []struct{ name, value string }{
				{"too long", strings.Repeat("x", max+1)},
				{"NUL", "a\x00b"},
				{"escape", "a\x1b[2Jb"},
			} {
				n++
				sc := scenario{name: fmt.Sprintf("%s %s %s %s", ep.method, ep.path, field, v.name),
					method: ep.method, path: ep.path, key: ep.key, body: withValue(t, ep.body, field, v.value),
					wantStatus: http.StatusUnprocessableEntity, wantBody: []string{`"field":"` + field + `"`}}
				if ep.idempotent {
					sc.headers = map[string]string{"Idempotency-Key": fmt.Sprintf("bounds-%d", n)}
				}
				t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
			}
		}
	}
	for p, want := range before {
		if got := s.do("GET", p, admin, "", nil).body; got != want {
			t.Errorf("GET %s changed after refused requests:\nbefore %s\nafter  %s", p, want, got)
		}
	}
	// Multi-line fields keep their newlines and tabs.
	s.run(t, scenario{name: "multi-line purchase instruction", method: "PATCH", path: "/v1/customers/" + cust.ID, key: admin,
		body: `{"purchase_instruction":"Rad 1\nRad 2\tPO"}`, wantStatus: 200})
	// The customer search bounds q: a long q used to run out of SQL
	// variables (500).
	runScenarios(t, s, []scenario{
		{name: "search q of 60000 characters", method: "GET", path: "/v1/customers?q=" + url.QueryEscape(manyTrigrams(60000)), key: cashier,
			wantStatus: 422, wantBody: []string{`"field":"q"`}},
		{name: "search q with a control character", method: "GET", path: "/v1/customers?q=a%01b", key: cashier,
			wantStatus: 422, wantBody: []string{`"field":"q"`}},
	})
}

// TestInvalidUTF8InPathOrQuery: a path or query value that is not UTF-8
// answers 400 naming it. It used to reach the provider, whose gRPC message
// cannot carry it, and answer 500.
func TestInvalidUTF8InPathOrQuery(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	for _, tc := range []struct{ method, path, body, field string }{
		{"GET", "/v1/customers/cus_%FF", "", "path"},
		{"PATCH", "/v1/customers/cus_%FF", `{"phone":"1"}`, "path"},
		{"GET", "/v1/invoices/inv_%C3%28", "", "path"},
		{"GET", "/v1/invoices/inv_%FF/pdf", "", "path"},
		{"GET", "/v1/invoices/inv_%FF/journal-entries", "", "path"},
		{"POST", "/v1/invoices/inv_%FF/post", "", "path"},
		{"POST", "/v1/invoices/inv_%FF/void", "", "path"},
		{"POST", "/v1/invoices/inv_%FF/email", "", "path"},
		{"POST", "/v1/invoices/inv_%FF/payments", `{"paid_at":"2026-03-02"}`, "path"},
		{"GET", "/v1/integrations/int_%FF", "", "path"},
		{"POST", "/v1/locations/loc%FF/days/2026-03-02/close", "", "path"},
		{"GET", "/v1/customers?q=%FF", "", "q"},
		{"GET", "/v1/invoices?customer_id=%FF", "", "customer_id"},
		{"GET", "/v1/orders?customer_id=%FF", "", "customer_id"},
		{"GET", "/v1/customers?cursor=%FF", "", "cursor"},
		{"GET", "/v1/exports?location_id=%FF", "", "location_id"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			s.run(t, scenario{method: tc.method, path: tc.path, key: admin, body: tc.body,
				wantStatus: http.StatusBadRequest, wantBody: []string{`"code":"invalid"`, `"field":"` + tc.field + `"`}})
		})
	}
}

// TestEscapedJSONStrings: a JSON string with \u escapes is the same string
// as without them, also for decimals such as vat_rate; a bad one is named.
func TestEscapedJSONStrings(t *testing.T) {
	s := newStack(t)
	cust := s.createCustomer(s.a, `{"name":"Escape AB"}`)
	body := `{"customer_id":"` + cust.ID + `","location_id":"loc-1","receipt_id":"r-esc",
		"lines":[{"description":"Lunch","quantity":"\u0031","unit_price":10000,"vat_rate":"\u0031\u0032"}]}`
	runScenarios(t, s, []scenario{
		{name: "escaped vat_rate and quantity", method: "POST", path: "/v1/charges", key: s.a.key(core.RoleCashier),
			headers: map[string]string{"Idempotency-Key": "esc-1"}, body: body,
			wantStatus: http.StatusCreated, wantBody: []string{`"vat_rate":"12"`}},
		{name: "escaped vat_rate that is no number", method: "POST", path: "/v1/charges", key: s.a.key(core.RoleCashier),
			headers: map[string]string{"Idempotency-Key": "esc-2"}, body: strings.Replace(body, `\u0031\u0032`, `\u0031x`, 1),
			wantStatus: http.StatusBadRequest, wantBody: []string{`"field":"lines[0].vat_rate"`}},
	})
}

// TestWrongMethod: a known path with a method it does not serve answers
// 405 in the error envelope, with Allow listing the methods it serves.
func TestWrongMethod(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	runScenarios(t, s, []scenario{
		{name: "GET charges", method: "GET", path: "/v1/charges", key: admin, wantStatus: http.StatusMethodNotAllowed,
			wantBody: []string{`"code":"method_not_allowed"`}, wantHeaders: map[string]string{"Allow": "POST"}},
		{name: "DELETE customer", method: "DELETE", path: "/v1/customers/cus_1", key: admin, wantStatus: http.StatusMethodNotAllowed,
			wantBody: []string{`"code":"method_not_allowed"`}, wantHeaders: map[string]string{"Allow": "GET, PATCH"}},
		{name: "POST invoice settings", method: "POST", path: "/v1/invoice-settings", wantStatus: http.StatusMethodNotAllowed,
			wantBody: []string{`"code":"method_not_allowed"`}, wantHeaders: map[string]string{"Allow": "GET, PUT"}},
		{name: "unknown path is still 404", method: "GET", path: "/v1/nosuch", key: admin, wantStatus: http.StatusNotFound,
			wantBody: []string{`"code":"not_found"`}},
	})
}

// TestStartNumberAndTinyRefunds: a start number near int64's limit was
// accepted and made every later charge fail (500), and a refund of
// 0.0000001 made a numbered 0 kr credit invoice; both are refused naming
// the field.
func TestStartNumberAndTinyRefunds(t *testing.T) {
	s := newStack(t)
	admin, cashier := s.a.key(core.RoleAdmin), s.a.key(core.RoleCashier)
	s.run(t, scenario{name: "start number near int64 max", method: "PUT", path: "/v1/invoice-settings", key: admin,
		body:       withValue(t, validSettings, "start_number", json.Number("9223372036854775000")),
		wantStatus: 422, wantBody: []string{`"field":"start_number"`}})
	cust := s.createCustomer(s.a, `{"name":"Små Belopp AB"}`)
	inv := s.charge(s.a, "tiny-sale", chargeBody(cust.ID, 300, "r-tiny")).Invoice
	runScenarios(t, s, []scenario{
		{name: "refund of 0.0000001", method: "POST", path: "/v1/refunds", key: cashier,
			headers:    map[string]string{"Idempotency-Key": "tiny-1"},
			body:       `{"invoice_id":"` + inv.ID + `","lines":[{"line":0,"quantity":"0.0000001"}]}`,
			wantStatus: 422, wantBody: []string{`"field":"lines[0].quantity"`}},
		{name: "refund worth less than one öre", method: "POST", path: "/v1/refunds", key: cashier,
			headers:    map[string]string{"Idempotency-Key": "tiny-2"},
			body:       `{"invoice_id":"` + inv.ID + `","lines":[{"line":0,"quantity":"0.001"}]}`,
			wantStatus: 422, wantBody: []string{`"field":"lines[0].quantity"`}},
		{name: "nothing was numbered: the next credit is 1002", method: "POST", path: "/v1/refunds", key: cashier,
			headers:    map[string]string{"Idempotency-Key": "tiny-3"},
			body:       `{"invoice_id":"` + inv.ID + `","lines":[{"line":0,"quantity":"0.01"}]}`,
			wantStatus: 201, wantBody: []string{`"number":1002`}},
	})
}
