package httpapi

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestCustomers(t *testing.T) {
	s := newStack(t)
	admin, accountant, cashier := s.a.key(core.RoleAdmin), s.a.key(core.RoleAccountant), s.a.key(core.RoleCashier)

	r := s.run(t, scenario{
		name: "create with every field", method: "POST", path: "/v1/customers", key: accountant,
		body: `{"name":"Konditori Gamma AB","organization_number":"556016-0680","email":"ekonomi@gamma.se","phone":"08-1",
			"billing_address":{"line1":"Storgatan 1","postal_code":"111 22","city":"Stockholm","country":"SE"},
			"due_days":20,"purchase_instruction":"Ange PO","collective_invoicing":{"enabled":true,"day_of_month":25,"threshold":0}}`,
		wantStatus: 201,
		wantBody: []string{`"customer_number":"1"`, `"name":"Konditori Gamma AB"`, `"active":true`, `"invoicing_enabled":true`,
			`"city":"Stockholm"`, `"due_days":20`, `"day_of_month":25`, `"id":"cus_`},
	})
	var gamma core.Customer
	r.decode(t, &gamma)
	if got := r.header.Get("Location"); got != "/v1/customers/"+gamma.ID {
		t.Errorf("Location %q", got)
	}
	s.createCustomer(s.a, `{"name":"Alfa Catering","active":false,"invoicing_enabled":false}`)

	runScenarios(t, s, []scenario{
		{name: "get", method: "GET", path: "/v1/customers/" + gamma.ID, key: accountant,
			wantStatus: 200, wantBody: []string{`"id":"` + gamma.ID + `"`, `"email":"ekonomi@gamma.se"`}},
		{name: "get unknown", method: "GET", path: "/v1/customers/cus_nosuch", key: admin,
			wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
		{name: "explicit false is kept", method: "GET", path: "/v1/customers?q=alfa", key: admin,
			wantStatus: 200, wantBody: []string{`"name":"Alfa Catering"`, `"active":false`, `"invoicing_enabled":false`}},
		{name: "search by name, case-insensitive", method: "GET", path: "/v1/customers?q=GAMMA", key: cashier,
			wantStatus: 200, wantBody: []string{gamma.ID}, notBody: []string{"Alfa Catering"}},
		{name: "search by organization number without dash", method: "GET", path: "/v1/customers?q=5560160680", key: cashier,
			wantStatus: 200, wantBody: []string{gamma.ID}},
		{name: "search by customer number", method: "GET", path: "/v1/customers?q=1", key: cashier,
			wantStatus: 200, wantBody: []string{gamma.ID}},
		{name: "no match is an empty list", method: "GET", path: "/v1/customers?q=zzz", key: cashier,
			wantStatus: 200, wantBody: []string{`{"data":[]}`}},
		{name: "limit not a number", method: "GET", path: "/v1/customers?limit=abc", key: cashier,
			wantStatus: 422, wantBody: []string{`"field":"limit"`}},
		{name: "limit over max", method: "GET", path: "/v1/customers?limit=501", key: cashier,
			wantStatus: 422, wantBody: []string{`"field":"limit"`}},
		{name: "bad cursor", method: "GET", path: "/v1/customers?cursor=%21%21", key: cashier,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "create without name", method: "POST", path: "/v1/customers", key: admin,
			body: `{"email":"not-an-address","due_days":400}`, wantStatus: 422,
			wantBody: []string{`"field":"name"`, `"field":"email"`, `"field":"due_days"`}},
		{name: "create with read-only field", method: "POST", path: "/v1/customers", key: admin,
			body: `{"name":"X","customer_number":"77"}`, wantStatus: 400, wantBody: []string{`"field":"customer_number"`}},
		{name: "create with wrong nested type", method: "POST", path: "/v1/customers", key: admin,
			body: `{"name":"X","billing_address":{"postal_code":11122}}`, wantStatus: 400,
			wantBody: []string{`"field":"billing_address.postal_code"`, "must be a string"}},
	})

	// PATCH changes only what it names; null and absent fields stay.
	runScenarios(t, s, []scenario{
		{name: "patch phone and address", method: "PATCH", path: "/v1/customers/" + gamma.ID, key: accountant,
			body:       `{"phone":"08-999","email":null,"billing_address":{"line1":"Nygatan 2","postal_code":"222 33","city":"Lund","country":"SE"}}`,
			wantStatus: 200,
			wantBody: []string{`"phone":"08-999"`, `"email":"ekonomi@gamma.se"`, `"city":"Lund"`,
				`"name":"Konditori Gamma AB"`, `"due_days":20`, `"customer_number":"1"`}},
		{name: "patch is stored", method: "GET", path: "/v1/customers/" + gamma.ID, key: admin,
			wantStatus: 200, wantBody: []string{`"phone":"08-999"`, `"city":"Lund"`, `"email":"ekonomi@gamma.se"`}},
		{name: "patch to invalid", method: "PATCH", path: "/v1/customers/" + gamma.ID, key: admin,
			body: `{"name":"","due_days":-1}`, wantStatus: 422, wantBody: []string{`"field":"name"`, `"field":"due_days"`}},
		{name: "patch unknown field", method: "PATCH", path: "/v1/customers/" + gamma.ID, key: admin,
			body: `{"nickname":"G"}`, wantStatus: 400, wantBody: []string{`"field":"nickname"`}},
		{name: "patch unknown customer", method: "PATCH", path: "/v1/customers/cus_nosuch", key: admin,
			body: `{"phone":"1"}`, wantStatus: 404},
		{name: "patch without body", method: "PATCH", path: "/v1/customers/" + gamma.ID, key: admin,
			wantStatus: 400, wantBody: []string{`"field":"body"`}},
	})
}

func TestCustomerPaging(t *testing.T) {
	s := newStack(t)
	for i := range 5 {
		s.createCustomer(s.a, fmt.Sprintf(`{"name":"Kund %d"}`, i))
	}
	seen := map[string]bool{}
	path := "/v1/customers?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := s.run(t, scenario{name: "page", method: "GET", path: path, key: s.a.key(core.RoleAdmin), wantStatus: 200})
		var page listBody[core.Customer]
		r.decode(t, &page)
		if len(page.Data) > 2 {
			t.Fatalf("page of %d", len(page.Data))
		}
		for _, c := range page.Data {
			if seen[c.ID] {
				t.Fatalf("customer %s on two pages", c.ID)
			}
			seen[c.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		path = "/v1/customers?limit=2&cursor=" + url.QueryEscape(page.NextCursor)
	}
	if len(seen) != 5 {
		t.Errorf("paged through %d customers, want 5", len(seen))
	}
}

// TestRegisterEditsCustomers: the register (cashier) reads and edits
// customers, but parent company and collective invoicing are set in
// BackOffice only: a cashier's POST or PATCH touching them is 403 naming
// each such field, and nothing changes (seeds 000 and 001).
func TestRegisterEditsCustomers(t *testing.T) {
	s := newStack(t)
	cashier, accountant := s.a.key(core.RoleCashier), s.a.key(core.RoleAccountant)
	parent := s.createCustomer(s.a, `{"name":"Koncern AB"}`)
	c := s.createCustomer(s.a, `{"name":"Filial AB","phone":"08-1"}`)
	path := "/v1/customers/" + c.ID
	runScenarios(t, s, []scenario{
		{name: "cashier reads", method: "GET", path: path, key: cashier,
			wantStatus: 200, wantBody: []string{`"name":"Filial AB"`}},
		{name: "cashier patches the billing address", method: "PATCH", path: path, key: cashier,
			body:       `{"phone":"08-2","billing_address":{"line1":"Torget 1","postal_code":"111 22","city":"Stockholm","country":"SE"}}`,
			wantStatus: 200, wantBody: []string{`"phone":"08-2"`, `"city":"Stockholm"`}},
		{name: "cashier patches the parent company", method: "PATCH", path: path, key: cashier,
			body: `{"phone":"08-3","parent_customer_id":"` + parent.ID + `"}`, wantStatus: 403,
			wantBody: []string{`"code":"forbidden"`, `"field":"parent_customer_id"`}, notBody: []string{`"field":"phone"`}},
		{name: "cashier patches collective invoicing", method: "PATCH", path: path, key: cashier,
			body: `{"collective_invoicing":{"enabled":true,"day_of_month":5,"threshold":0}}`, wantStatus: 403,
			wantBody: []string{`"code":"forbidden"`, `"field":"collective_invoicing"`}},
		{name: "cashier patches both", method: "PATCH", path: path, key: cashier,
			body: `{"parent_customer_id":"","collective_invoicing":{"enabled":false}}`, wantStatus: 403,
			wantBody: []string{`"field":"parent_customer_id"`, `"field":"collective_invoicing"`}},
		{name: "nothing changed", method: "GET", path: path, key: cashier, wantStatus: 200,
			wantBody: []string{`"phone":"08-2"`, `"parent_customer_id":""`, `"collective_invoicing":{"enabled":false,"day_of_month":0,"threshold":0}`}},
		{name: "cashier creates with a parent company", method: "POST", path: "/v1/customers", key: cashier,
			body: `{"name":"Dotter AB","parent_customer_id":"` + parent.ID + `"}`, wantStatus: 403,
			wantBody: []string{`"field":"parent_customer_id"`}},
		{name: "cashier creates with collective invoicing", method: "POST", path: "/v1/customers", key: cashier,
			body: `{"name":"Dotter AB","collective_invoicing":{"enabled":true,"threshold":100000}}`, wantStatus: 403,
			wantBody: []string{`"field":"collective_invoicing"`}},
		{name: "nothing was created", method: "GET", path: "/v1/customers?q=Dotter", key: cashier,
			wantStatus: 200, wantBody: []string{`{"data":[]}`}},
		{name: "cashier creates without them", method: "POST", path: "/v1/customers", key: cashier,
			body: `{"name":"Dotter AB","collective_invoicing":{"enabled":false}}`, wantStatus: 201},
		{name: "accountant sets the parent company", method: "PATCH", path: path, key: accountant,
			body: `{"parent_customer_id":"` + parent.ID + `"}`, wantStatus: 200,
			wantBody: []string{`"parent_customer_id":"` + parent.ID + `"`}},
	})
}

// TestCustomerSync: POST /v1/customers/sync for admins and accountants;
// with the built-in invoicing the customers are the gateway's own, so
// there is no copy to refresh (copied false).
func TestCustomerSync(t *testing.T) {
	s := newStack(t)
	runScenarios(t, s, []scenario{
		{name: "admin", method: "POST", path: "/v1/customers/sync", key: s.a.key(core.RoleAdmin), wantStatus: 200,
			wantBody: []string{`{"provider":"open","copied":false,"customers":0,"added":0,"updated":0,"removed":0}`}},
		{name: "accountant", method: "POST", path: "/v1/customers/sync", key: s.a.key(core.RoleAccountant), wantStatus: 200,
			wantBody: []string{`"copied":false`}},
		{name: "cashier", method: "POST", path: "/v1/customers/sync", key: s.a.key(core.RoleCashier), wantStatus: 403,
			wantBody: []string{`"code":"forbidden"`}},
	})
}

// TestCustomerEInvoiceFields: the buyer VAT number, Peppol id, buyer
// reference and invoice delivery are created, read, patched and refused
// through the API, saved in canonical form.
func TestCustomerEInvoiceFields(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	plain := s.createCustomer(s.a, `{"name":"Utan Fält AB"}`)
	r := s.run(t, scenario{name: "create with e-invoice fields", method: "POST", path: "/v1/customers", key: admin,
		body: `{"name":"Kommun Nord","vat_number":"se 2021 0054 8901","peppol_id":"0007:202100-5489",
			"buyer_reference":"Avd 12, Anna","invoice_delivery":"peppol"}`,
		wantStatus: 201,
		wantBody: []string{`"vat_number":"SE202100548901"`, `"peppol_id":"0007:2021005489"`,
			`"buyer_reference":"Avd 12, Anna"`, `"invoice_delivery":"peppol"`}})
	var kommun core.Customer
	r.decode(t, &kommun)
	path := "/v1/customers/" + kommun.ID

	runScenarios(t, s, []scenario{
		{name: "a customer without the fields receives e-mail", method: "GET", path: "/v1/customers/" + plain.ID, key: admin,
			wantStatus: 200, wantBody: []string{`"vat_number":""`, `"peppol_id":""`, `"buyer_reference":""`, `"invoice_delivery":"email"`}},
		{name: "read back", method: "GET", path: path, key: admin, wantStatus: 200,
			wantBody: []string{`"vat_number":"SE202100548901"`, `"peppol_id":"0007:2021005489"`, `"invoice_delivery":"peppol"`}},
		{name: "peppol delivery needs a Peppol id", method: "POST", path: "/v1/customers", key: admin,
			body: `{"name":"X","invoice_delivery":"peppol"}`, wantStatus: 422, wantBody: []string{`"field":"invoice_delivery"`}},
		{name: "unknown delivery", method: "POST", path: "/v1/customers", key: admin,
			body: `{"name":"X","invoice_delivery":"fax"}`, wantStatus: 422, wantBody: []string{`"field":"invoice_delivery"`}},
		{name: "bad numbers", method: "POST", path: "/v1/customers", key: admin,
			body:       `{"name":"X","vat_number":"SE556016068101","peppol_id":"0192:123456786"}`,
			wantStatus: 422, wantBody: []string{`"field":"vat_number"`, `"field":"peppol_id"`}},
		{name: "unknown Peppol scheme", method: "POST", path: "/v1/customers", key: admin,
			body: `{"name":"X","peppol_id":"9999:1"}`, wantStatus: 422, wantBody: []string{`"field":"peppol_id"`}},
		{name: "clearing the Peppol id of a Peppol customer", method: "PATCH", path: path, key: admin,
			body: `{"peppol_id":""}`, wantStatus: 422, wantBody: []string{`"field":"peppol_id"`}},
		{name: "nothing changed by the refusal", method: "GET", path: path, key: admin, wantStatus: 200,
			wantBody: []string{`"peppol_id":"0007:2021005489"`}},
		{name: "patch to e-mail and a German VAT number", method: "PATCH", path: path, key: admin,
			body:       `{"invoice_delivery":"email","peppol_id":"","vat_number":"de 123456789","buyer_reference":"  "}`,
			wantStatus: 200, wantBody: []string{`"invoice_delivery":"email"`, `"peppol_id":""`, `"vat_number":"DE123456789"`, `"buyer_reference":""`}},
		{name: "a Norwegian customer's org number is Norwegian", method: "POST", path: "/v1/customers", key: admin,
			body:       `{"name":"Fjord AS","organization_number":"991 825 827","billing_address":{"country":"NO"},"vat_number":"NO991825827MVA"}`,
			wantStatus: 201, wantBody: []string{`"organization_number":"991825827"`, `"vat_number":"NO991825827MVA"`}},
	})
}
