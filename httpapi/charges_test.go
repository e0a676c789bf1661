package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestChargeValidation(t *testing.T) {
	s := newStack(t)
	cust := s.createCustomer(s.a, `{"name":"Validering AB"}`)
	cashier := s.a.key(core.RoleCashier)
	idem := map[string]string{"Idempotency-Key": "val-1"}
	runScenarios(t, s, []scenario{
		{
			name: "several bad fields are all named", method: "POST", path: "/v1/charges", key: cashier, headers: idem,
			body: `{"customer_id":"","location_id":"loc-1","receipt_id":"r1","lines":[
				{"description":"Lunch","quantity":"1","unit_price":12900,"vat_rate":"7"},
				{"description":"Kaffe","quantity":"0","unit_price":3500,"vat_rate":"25"},
				{"description":"","quantity":"1.2345","unit_price":-1,"vat_rate":"12"}]}`,
			wantStatus: 422,
			wantBody: []string{`"code":"invalid"`, `"field":"customer_id"`, `"field":"lines[0].vat_rate"`,
				`"field":"lines[1].quantity"`, `"field":"lines[2].description"`, `"field":"lines[2].quantity"`,
				`"field":"lines[2].unit_price"`},
			notBody: []string{`"field":"lines[0].quantity"`, `"field":"location_id"`},
		},
		{
			name: "no lines", method: "POST", path: "/v1/charges", key: cashier, headers: idem,
			body:       `{"customer_id":"` + cust.ID + `","location_id":"l","receipt_id":"r","lines":[]}`,
			wantStatus: 422, wantBody: []string{`"field":"lines"`},
		},
		{
			name: "unknown field is 400 naming it", method: "POST", path: "/v1/charges", key: cashier, headers: idem,
			body:       `{"customer_id":"` + cust.ID + `","location_id":"l","receipt_id":"r","tip":5,"lines":[{"description":"a","quantity":1,"unit_price":1,"vat_rate":25,"discount":10}]}`,
			wantStatus: 400, wantBody: []string{`"code":"invalid"`, `"field":"tip"`, `"field":"lines[0].discount"`, "unknown field"},
		},
		{
			name: "wrong type is 400 naming the path", method: "POST", path: "/v1/charges", key: cashier, headers: idem,
			body:       `{"customer_id":"` + cust.ID + `","location_id":"l","receipt_id":"r","lines":[{"description":"a","quantity":1,"unit_price":1,"vat_rate":25},{"description":"b","quantity":"two","unit_price":"12.50","vat_rate":25}]}`,
			wantStatus: 400, wantBody: []string{`"field":"lines[1].quantity"`, `"field":"lines[1].unit_price"`, "must be an integer"},
		},
		{
			name: "malformed JSON", method: "POST", path: "/v1/charges", key: cashier, headers: idem,
			body: `{"customer_id":`, wantStatus: 400, wantBody: []string{`"code":"invalid"`, "malformed JSON"},
		},
		{
			name: "empty body", method: "POST", path: "/v1/charges", key: cashier, headers: idem,
			wantStatus: 400, wantBody: []string{`"field":"body"`},
		},
		{
			name: "body over 1 MiB", method: "POST", path: "/v1/charges", key: cashier, headers: idem,
			body:       `{"comment":"` + strings.Repeat("x", 1<<20) + `"}`,
			wantStatus: 400, wantBody: []string{`"field":"body"`, "too large"},
		},
		{
			name: "missing Idempotency-Key", method: "POST", path: "/v1/charges", key: cashier,
			body:       chargeBody(cust.ID, 100, "r1"),
			wantStatus: 400, wantBody: []string{`"field":"Idempotency-Key"`},
		},
		{
			name: "overlong Idempotency-Key", method: "POST", path: "/v1/charges", key: cashier,
			headers:    map[string]string{"Idempotency-Key": strings.Repeat("k", 256)},
			body:       chargeBody(cust.ID, 100, "r1"),
			wantStatus: 400, wantBody: []string{`"field":"Idempotency-Key"`},
		},
		{
			name: "unknown customer", method: "POST", path: "/v1/charges", key: cashier, headers: map[string]string{"Idempotency-Key": "val-2"},
			body: chargeBody("cus_nosuch", 100, "r1"), wantStatus: 422, wantBody: []string{`"field":"customer_id"`},
		},
	})
	// None of the refused charges created an invoice.
	s.run(t, scenario{name: "no invoices", method: "GET", path: "/v1/invoices", key: s.a.key(core.RoleAdmin),
		wantStatus: 200, wantBody: []string{`"data":[]`}})
}

func TestChargeIdempotency(t *testing.T) {
	s := newStack(t)
	cust := s.createCustomer(s.a, `{"name":"Idempotent AB","due_days":30}`)
	cashier := s.a.key(core.RoleCashier)
	body := `{"customer_id":"` + cust.ID + `","location_id":"loc-1","receipt_id":"r-42","reference":"Bord 4",
		"lines":[{"description":"Lunch","product_group":"food","quantity":"2","unit_price":12900,"vat_rate":"12"},
		         {"description":"Öl","product_group":"drinks","quantity":1,"unit_price":7900,"vat_rate":25}]}`
	key := map[string]string{"Idempotency-Key": "receipt-42"}

	first := s.run(t, scenario{name: "first", method: "POST", path: "/v1/charges", key: cashier, body: body, headers: key,
		wantStatus: 201, wantBody: []string{`"status":"invoiced"`, `"number":1001`, `"total":33700`, `"vat_rate":"12"`,
			`"quantity":"2"`, `"customer_id":"` + cust.ID + `"`, `"reference":"Bord 4"`, `"currency":"SEK"`}})
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("first answer is marked replayed")
	}
	var res1 core.ChargeResult
	first.decode(t, &res1)

	// The same body, formatted differently, is the same request.
	reformatted := strings.Join(strings.Fields(body), " ")
	replay := s.run(t, scenario{name: "replay", method: "POST", path: "/v1/charges", key: cashier, body: reformatted, headers: key,
		wantStatus: 201, wantHeaders: map[string]string{"Idempotent-Replayed": "true"}})
	var res2 core.ChargeResult
	replay.decode(t, &res2)
	if res2.ID != res1.ID || res2.Invoice == nil || res2.Invoice.ID != res1.Invoice.ID || res2.Invoice.Number != res1.Invoice.Number {
		t.Errorf("replay answered %+v, first %+v", res2, res1)
	}

	admin := s.a.key(core.RoleAdmin)
	list := s.run(t, scenario{name: "one invoice", method: "GET", path: "/v1/invoices", key: admin, wantStatus: 200})
	var page listBody[core.Invoice]
	list.decode(t, &page)
	if len(page.Data) != 1 || page.Data[0].ID != res1.Invoice.ID {
		t.Fatalf("invoices after replay: %s", list.body)
	}

	runScenarios(t, s, []scenario{
		{name: "same key, other body", method: "POST", path: "/v1/charges", key: cashier,
			body: strings.Replace(body, "12900", "13900", 1), headers: key,
			wantStatus: 409, wantBody: []string{`"code":"conflict"`, `"field":"Idempotency-Key"`}},
		{name: "same key, other merchant, is its own charge", method: "POST", path: "/v1/charges",
			key: s.b.key(core.RoleCashier), body: chargeBody(s.createCustomer(s.b, `{"name":"B-kund"}`).ID, 100, "b1"),
			headers: key, wantStatus: 201, wantBody: []string{`"number":1001`}},
		{name: "a new key with a new receipt is a new invoice", method: "POST", path: "/v1/charges", key: cashier,
			body:    strings.Replace(body, `"r-42"`, `"r-43"`, 1),
			headers: map[string]string{"Idempotency-Key": "receipt-43"}, wantStatus: 201, wantBody: []string{`"number":1002`}},
	})

	// A refused charge frees its key for the corrected request.
	bad := map[string]string{"Idempotency-Key": "receipt-44"}
	s.run(t, scenario{name: "refused", method: "POST", path: "/v1/charges", key: cashier, headers: bad,
		body: chargeBody("cus_nosuch", 100, "r-44"), wantStatus: 422})
	s.run(t, scenario{name: "corrected", method: "POST", path: "/v1/charges", key: cashier, headers: bad,
		body: chargeBody(cust.ID, 100, "r-44"), wantStatus: 201, wantBody: []string{`"number":1003`}})
}

// TestChargeConcurrentReplays: requests racing with one key create one
// invoice, and every one of them answers it.
func TestChargeConcurrentReplays(t *testing.T) {
	s := newStack(t)
	cust := s.createCustomer(s.a, `{"name":"Samtidig AB"}`)
	body := chargeBody(cust.ID, 4500, "r-race")
	const n = 8
	results := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.do("POST", "/v1/charges", s.a.key(core.RoleCashier), body, map[string]string{"Idempotency-Key": "race"})
		}()
	}
	wg.Wait()
	replayed := 0
	var invoiceID string
	for _, r := range results {
		if r.status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var res core.ChargeResult
		r.decode(t, &res)
		if invoiceID == "" {
			invoiceID = res.Invoice.ID
		} else if res.Invoice.ID != invoiceID {
			t.Errorf("two invoices: %s and %s", invoiceID, res.Invoice.ID)
		}
		if r.header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != n-1 {
		t.Errorf("%d replays, want %d", replayed, n-1)
	}
}

// TestChargeReceiptOnce: a receipt is charged once per location. Another
// Idempotency-Key with a receipt already charged there is 409 naming
// receipt_id, also when both arrive at once; the first key still replays;
// a refused charge frees its receipt (seed 000).
func TestChargeReceiptOnce(t *testing.T) {
	s := newStack(t)
	cust := s.createCustomer(s.a, `{"name":"Kvitto AB"}`)
	closed := s.createCustomer(s.a, `{"name":"Stängd AB","active":false}`)
	cashier := s.a.key(core.RoleCashier)
	idem := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	atLocation := func(body, loc string) string {
		return strings.Replace(body, `"location_id":"loc-1"`, `"location_id":"`+loc+`"`, 1)
	}
	r1 := chargeBody(cust.ID, 1000, "r-1")
	runScenarios(t, s, []scenario{
		{name: "first charge of r-1", method: "POST", path: "/v1/charges", key: cashier, body: r1, headers: idem("k-1"),
			wantStatus: 201, wantBody: []string{`"number":1001`}},
		{name: "r-1 again under another key", method: "POST", path: "/v1/charges", key: cashier, body: r1, headers: idem("k-2"),
			wantStatus: 409, wantBody: []string{`"code":"conflict"`, `"field":"receipt_id"`}},
		{name: "r-1 with other lines under another key", method: "POST", path: "/v1/charges", key: s.a.key(core.RoleAdmin),
			body: chargeBody(cust.ID, 2000, "r-1"), headers: idem("k-3"), wantStatus: 409, wantBody: []string{`"field":"receipt_id"`}},
		{name: "the first key still replays", method: "POST", path: "/v1/charges", key: cashier, body: r1, headers: idem("k-1"),
			wantStatus: 201, wantBody: []string{`"number":1001`}, wantHeaders: map[string]string{"Idempotent-Replayed": "true"}},
		{name: "r-1 at another location", method: "POST", path: "/v1/charges", key: cashier, body: atLocation(r1, "loc-2"),
			headers: idem("k-4"), wantStatus: 201, wantBody: []string{`"number":1002`}},
		{name: "r-1 of another merchant", method: "POST", path: "/v1/charges", key: s.b.key(core.RoleCashier),
			body: chargeBody(s.createCustomer(s.b, `{"name":"B AB"}`).ID, 1000, "r-1"), headers: idem("k-2"), wantStatus: 201},
		{name: "a refused charge of r-2", method: "POST", path: "/v1/charges", key: cashier,
			body: chargeBody(closed.ID, 1000, "r-2"), headers: idem("k-5"), wantStatus: 422, wantBody: []string{`"field":"customer_id"`}},
		{name: "r-2 corrected under another key", method: "POST", path: "/v1/charges", key: cashier,
			body: chargeBody(cust.ID, 1000, "r-2"), headers: idem("k-6"), wantStatus: 201, wantBody: []string{`"number":1003`}},
	})

	// Two keys, one receipt, at the same time: one invoice, one 409.
	const n = 8
	results := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.do("POST", "/v1/charges", cashier, chargeBody(cust.ID, 1000, "r-race"), idem(fmt.Sprintf("race-%d", i)))
		}()
	}
	wg.Wait()
	created, conflicts := 0, 0
	for _, r := range results {
		switch {
		case r.status == http.StatusCreated:
			created++
		case r.status == http.StatusConflict && strings.Contains(r.body, `"field":"receipt_id"`):
			conflicts++
		default:
			t.Errorf("racing charge: %d %s", r.status, r.body)
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Errorf("racing charges: %d created, %d conflicts", created, conflicts)
	}
	list := s.run(t, scenario{name: "invoices", method: "GET", path: "/v1/invoices?customer_id=" + cust.ID, key: s.a.key(core.RoleAdmin), wantStatus: 200})
	var page listBody[core.Invoice]
	list.decode(t, &page)
	if len(page.Data) != 4 {
		t.Errorf("%d invoices, want 4 (r-1, r-1 at loc-2, r-2, r-race): %s", len(page.Data), list.body)
	}
}

// A register charge whose invoice would lack what the law
// requires is refused, 422 naming each missing item (the seller's in the
// invoice settings, the buyer's on the customer); it takes no invoice
// number, so the first charge once the data is complete gets the first.
func TestChargeNamesMissingInvoiceItems(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	s.run(t, scenario{name: "only a company name", method: "PUT", path: "/v1/invoice-settings", key: admin,
		body: `{"start_number":1001,"company":{"name":"Kafé Alfa AB"}}`, wantStatus: 200})
	cust := s.createCustomer(s.a, `{"name":"Bygg AB"}`)
	s.run(t, scenario{name: "9 000 kr with VAT", method: "POST", path: "/v1/charges", key: s.a.key(core.RoleCashier),
		body: chargeBody(cust.ID, 9000_00, "r1"), headers: map[string]string{"Idempotency-Key": "law-1"}, wantStatus: 422,
		wantBody: []string{`"code":"invalid"`, `"field":"invoice_settings.company.vat_number"`,
			`"field":"invoice_settings.company.address"`, `"field":"customer.billing_address"`}})
	s.run(t, scenario{name: "35 kr with VAT", method: "POST", path: "/v1/charges", key: s.a.key(core.RoleCashier),
		body: chargeBody(cust.ID, 35_00, "r2"), headers: map[string]string{"Idempotency-Key": "law-2"}, wantStatus: 422,
		wantBody: []string{`"field":"invoice_settings.company.vat_number"`}, notBody: []string{"billing_address", "company.address"}})

	s.run(t, scenario{name: "complete the seller", method: "PUT", path: "/v1/invoice-settings", key: admin,
		body: `{"start_number":1001,"company":{"name":"Kafé Alfa AB","organization_number":"5560160680","vat_number":"SE556016068001",
			"address":{"line1":"Storgatan 1","postal_code":"111 22","city":"Stockholm"}}}`, wantStatus: 200})
	s.run(t, scenario{name: "complete the buyer", method: "PATCH", path: "/v1/customers/" + cust.ID, key: admin,
		body: `{"billing_address":{"line1":"Hamngatan 5","postal_code":"411 14","city":"Göteborg"}}`, wantStatus: 200})
	if inv := s.charge(s.a, "law-3", chargeBody(cust.ID, 9000_00, "r3")).Invoice; inv.Number != 1001 {
		t.Fatalf("first invoice after the refusals is %d, want 1001", inv.Number)
	}
}
