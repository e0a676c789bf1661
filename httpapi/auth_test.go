package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// TestRoleMatrix sends every route as admin, accountant, cashier and without
// a key, and checks the contract's "who" column: 2xx when the role may,
// 403 when it may not, 401 without a key.
func TestRoleMatrix(t *testing.T) {
	s := newStackWith(t, stackOptions{oauth: true})
	s.configureInvoicing(s.a, validSettings)
	cust := s.createCustomer(s.a, `{"name":"Matrix AB","due_days":30,"email":"matrix@example.se"}`)
	inv := s.charge(s.a, "matrix-seed", chargeBody(cust.ID, 10000, "r-seed")).Invoice
	paid := s.charge(s.a, "matrix-paid", chargeBody(cust.ID, 10000, "r-paid")).Invoice
	voided := s.charge(s.a, "matrix-void", chargeBody(cust.ID, 10000, "r-void")).Invoice
	// Four units: the admin's and the cashier's refunds take one each.
	refundable := s.charge(s.a, "matrix-refund", `{"customer_id":"`+cust.ID+`","location_id":"loc-1","receipt_id":"r-refund",
		"lines":[{"description":"Kaffe","quantity":"4","unit_price":3500,"vat_rate":"12"}]}`).Invoice
	toEdit := s.createDraft(s.a, draftBody(cust.ID, 10000))
	toPost := s.createDraft(s.a, draftBody(cust.ID, 20000))
	// A bookkeeping integration ready to activate: every integration
	// route succeeds on it for the roles that may call it.
	integ := "/v1/integrations/" + s.configureBooks(s.a)
	oauthInteg := "/v1/integrations/" + s.createIntegration(s.a, `{"provider":"`+oauthName+`","modes":["bookkeeping"]}`).ID
	spare, _, err := s.engine.CreateAPIKey(context.Background(), core.Principal{MerchantID: s.a.id, Role: core.RoleAdmin}, "spare", core.RoleCashier)
	if err != nil {
		t.Fatal(err)
	}
	var hooks [2]string // one to list the deliveries of, one to delete
	for i := range hooks {
		e, err := s.webhooks.CreateEndpoint(context.Background(), core.Principal{MerchantID: s.a.id, Role: core.RoleAdmin},
			webhooks.EndpointInput{URL: "https://erp.example.com/hooks", Events: []string{core.EventInvoicePaid}})
		if err != nil {
			t.Fatal(err)
		}
		hooks[i] = e.ID
	}

	const (
		admin, accountant, cashier, none = "admin", "accountant", "cashier", "none"
	)
	type endpoint struct {
		method, path, body string
		ok                 int             // the success status
		allowed            map[string]bool // roles (and "none") that get ok
	}
	roles := func(rs ...string) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r] = true
		}
		return m
	}
	endpoints := []endpoint{
		{"GET", "/healthz", "", 200, roles(admin, accountant, cashier, none)},
		{"GET", "/readyz", "", 200, roles(admin, accountant, cashier, none)},
		{"GET", "/v1/openapi.json", "", 200, roles(admin, accountant, cashier, none)},
		{"GET", "/v1/providers", "", 200, roles(admin)},
		{"GET", "/v1/customers?q=matrix", "", 200, roles(admin, accountant, cashier)},
		{"POST", "/v1/customers", `{"name":"New AB"}`, 201, roles(admin, accountant, cashier)},
		// The register edits customers; parent company and collective
		// invoicing are BackOffice's.
		{"POST", "/v1/customers", `{"name":"Sub AB","parent_customer_id":"` + cust.ID + `"}`, 201, roles(admin, accountant)},
		{"POST", "/v1/customers", `{"name":"Monthly AB","collective_invoicing":{"enabled":true,"day_of_month":5}}`, 201, roles(admin, accountant)},
		{"GET", "/v1/customers/" + cust.ID, "", 200, roles(admin, accountant, cashier)},
		{"PATCH", "/v1/customers/" + cust.ID, `{"phone":"08-123 45 67"}`, 200, roles(admin, accountant, cashier)},
		{"PATCH", "/v1/customers/" + cust.ID, `{"collective_invoicing":{"enabled":false}}`, 200, roles(admin, accountant)},
		{"PATCH", "/v1/customers/" + cust.ID, `{"parent_customer_id":""}`, 200, roles(admin, accountant)},
		// {role}: one receipt per role, since a receipt is charged once.
		{"POST", "/v1/charges", chargeBody(cust.ID, 5000, "r-matrix-{role}"), 201, roles(admin, cashier)},
		{"GET", "/v1/invoices", "", 200, roles(admin, accountant)},
		{"GET", "/v1/invoices/" + inv.ID, "", 200, roles(admin, accountant)},
		{"POST", "/v1/invoices", draftBody(cust.ID, 5000), 201, roles(admin, accountant)},
		{"PATCH", "/v1/invoices/" + toEdit.ID, draftBody(cust.ID, 7000), 200, roles(admin, accountant)},
		{"POST", "/v1/invoices/" + toPost.ID + "/post", "", 200, roles(admin, accountant)},
		{"POST", "/v1/invoices/" + voided.ID + "/void", "", 201, roles(admin, accountant)},
		{"POST", "/v1/invoices/" + paid.ID + "/payments", `{"paid_at":"2026-03-02"}`, 200, roles(admin, accountant)},
		{"POST", "/v1/invoices/" + inv.ID + "/email", "", 202, roles(admin, accountant)},
		{"GET", "/v1/invoices/" + inv.ID + "/pdf", "", 200, roles(admin, accountant)},
		// 422: the fixture customer has no electronic address; the roles get past auth.
		{"GET", "/v1/invoices/" + inv.ID + "/ubl", "", 422, roles(admin, accountant)},
		{"GET", "/v1/invoices/" + inv.ID + "/journal-entries", "", 200, roles(admin, accountant)},
		{"POST", "/v1/refunds", `{"invoice_id":"` + refundable.ID + `","lines":[{"line":0,"quantity":"1"}]}`, 201, roles(admin, cashier)},
		{"GET", "/v1/orders", "", 200, roles(admin, accountant)},
		{"GET", "/v1/invoice-settings", "", 200, roles(admin, accountant)},
		{"PUT", "/v1/invoice-settings", validSettings, 200, roles(admin)},
		{"GET", "/v1/payment-methods", "", 200, roles(admin, accountant, cashier)},
		{"POST", "/v1/customers/sync", "", 200, roles(admin, accountant)},
		{"PUT", "/v1/payment-methods", `{"payment_methods":[{"method":"invoice","enabled":true,"location_ids":[]}]}`, 200, roles(admin)},
		{"POST", "/v1/api-keys", `{"name":"till 2","role":"cashier"}`, 201, roles(admin)},
		{"GET", "/v1/api-keys", "", 200, roles(admin)},
		{"DELETE", "/v1/api-keys/" + spare.ID, "", 200, roles(admin)},
		{"POST", "/v1/integrations", `{"provider":"testbooks","modes":["bookkeeping"]}`, 201, roles(admin)},
		{"GET", "/v1/integrations", "", 200, roles(admin, accountant)},
		{"GET", integ, "", 200, roles(admin, accountant)},
		{"PUT", integ + "/credentials", `{"employee_token":"` + booksToken + `"}`, 200, roles(admin)},
		{"GET", integ + "/accounts", "", 200, roles(admin, accountant)},
		{"POST", integ + "/accounts", `{"number":"2990","name":"Annen kortsiktig gjeld"}`, 201, roles(admin)},
		{"GET", integ + "/vat-codes", "", 200, roles(admin, accountant)},
		{"GET", integ + "/payment-types", "", 200, roles(admin, accountant)},
		{"PUT", integ + "/settings", validIntegrationSettings, 200, roles(admin)},
		{"GET", integ + "/mapping", "", 200, roles(admin, accountant)},
		{"PUT", integ + "/mapping", validMapping, 200, roles(admin)},
		{"GET", integ + "/mapping/suggestion", "", 200, roles(admin)},
		{"POST", integ + "/activate", "", 200, roles(admin)},
		{"POST", oauthInteg + "/oauth/start", "", 200, roles(admin)},
		// Public: every caller gets the same answer, here that the state
		// is unknown; the state, not a key, authenticates the callback.
		{"GET", "/v1/oauth/callback?code=c&state=s", "", 422, roles(admin, accountant, cashier, none)},
		// After the activation above: the fake bookkeeping integration
		// makes closed days exportable.
		{"POST", "/v1/sales", saleBody("r-matrix", "loc-m", "2026-03-02", 4500), 201, roles(admin, cashier)},
		{"POST", "/v1/locations/loc-m/days/2026-03-01/close", "", 200, roles(admin, cashier)},
		{"GET", "/v1/exports", "", 200, roles(admin, accountant)},
		{"POST", "/v1/exports/run", `{"from":"2026-03-01","to":"2026-03-02"}`, 202, roles(admin, accountant)},
		{"GET", "/v1/exports/sie?from=2026-03-01&to=2026-03-02", "", 200, roles(admin, accountant)},
		{"POST", integ + "/disable", "", 200, roles(admin)},
		{"POST", "/v1/webhook-endpoints", `{"url":"https://erp.example.com/hooks","events":["invoice.posted"]}`, 201, roles(admin)},
		{"GET", "/v1/webhook-endpoints", "", 200, roles(admin)},
		{"GET", "/v1/webhook-endpoints/" + hooks[0] + "/deliveries", "", 200, roles(admin)},
		{"DELETE", "/v1/webhook-endpoints/" + hooks[1], "", 200, roles(admin)},
	}

	// Every served route is in the matrix, so a new route cannot skip it.
	covered := map[string]bool{}
	idPath := regexp.MustCompile(`^/v1/(customers|invoices|integrations|api-keys|webhook-endpoints)/[^/]+`)
	dayPath := regexp.MustCompile(`^/v1/locations/[^/]+/days/[^/]+/`)
	for _, e := range endpoints {
		p, _, _ := strings.Cut(e.path, "?")
		if p != "/v1/customers/sync" { // a static route beside /v1/customers/:id
			p = dayPath.ReplaceAllString(idPath.ReplaceAllString(p, "/v1/$1/:id"), "/v1/locations/:location_id/days/:date/")
		}
		covered[e.method+" "+p] = true
	}
	for _, r := range allRoutes() {
		if !covered[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is not in the role matrix", r.Method, r.Path)
		}
	}

	keys := map[string]string{
		admin: s.a.key(core.RoleAdmin), accountant: s.a.key(core.RoleAccountant), cashier: s.a.key(core.RoleCashier), none: "",
	}
	for _, e := range endpoints {
		for _, role := range []string{admin, accountant, cashier, none} {
			want := e.ok
			var wantBody []string
			switch {
			case e.allowed[role]:
			case role == none:
				want, wantBody = http.StatusUnauthorized, []string{`"code":"unauthorized"`}
			default:
				want, wantBody = http.StatusForbidden, []string{`"code":"forbidden"`}
			}
			sc := scenario{
				name: e.method + " " + e.path + " as " + role, method: e.method, path: e.path,
				key: keys[role], body: strings.ReplaceAll(e.body, "{role}", role), wantStatus: want, wantBody: wantBody,
				// A distinct key per call: each allowed charge is a new sale.
				headers: map[string]string{"Idempotency-Key": "matrix-" + role},
			}
			t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
		}
	}
}

// TestAuthentication covers keys that are not accepted at all.
func TestAuthentication(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	runScenarios(t, s, []scenario{
		{name: "unknown key", method: "GET", path: "/v1/customers", key: "lb_admin_nosuchkey",
			wantStatus: 401, wantBody: []string{`"code":"unauthorized"`, "unknown API key"}},
		{name: "basic auth", method: "GET", path: "/v1/customers",
			headers: map[string]string{"Authorization": "Basic " + admin}, wantStatus: 401},
		{name: "key without scheme", method: "GET", path: "/v1/customers",
			headers: map[string]string{"Authorization": admin}, wantStatus: 401},
		{name: "lower-case scheme", method: "GET", path: "/v1/customers",
			headers: map[string]string{"Authorization": "bearer " + admin}, wantStatus: 200},
		{name: "401 comes before body errors", method: "POST", path: "/v1/charges", body: `{bad`, wantStatus: 401},
		{name: "403 comes before body errors", method: "POST", path: "/v1/api-keys", key: s.a.key(core.RoleCashier),
			body: `{bad`, wantStatus: 403},
	})

	// A created key works at once, with its role.
	r := s.run(t, scenario{name: "create accountant key", method: "POST", path: "/v1/api-keys", key: admin,
		body: `{"name":"Revisor","role":"accountant"}`, wantStatus: 201,
		wantBody:    []string{`"name":"Revisor"`, `"role":"accountant"`, `"key":"lb_accountant_`, `"created_at":"`},
		wantHeaders: map[string]string{"Cache-Control": "no-store"}})
	var created apiKeyCreated
	r.decode(t, &created)
	runScenarios(t, s, []scenario{
		{name: "new key reads invoices", method: "GET", path: "/v1/invoices", key: created.Key, wantStatus: 200},
		{name: "new key may not create keys", method: "POST", path: "/v1/api-keys", key: created.Key,
			body: `{"name":"x","role":"admin"}`, wantStatus: 403},
		{name: "bad key request names fields", method: "POST", path: "/v1/api-keys", key: admin,
			body: `{"name":" ","role":"owner"}`, wantStatus: 422,
			wantBody: []string{`"field":"name"`, `"field":"role"`}},
		{name: "unknown key request field", method: "POST", path: "/v1/api-keys", key: admin,
			body: `{"name":"x","role":"admin","expires":"never"}`, wantStatus: 400,
			wantBody: []string{`"field":"expires"`, `"message":"unknown field"`}},
	})
}

// TestCrossMerchant: another merchant's objects do not exist for the
// caller, even for its admin (404, never 403), and never show in its lists.
func TestCrossMerchant(t *testing.T) {
	s := newStack(t)
	cust := s.createCustomer(s.a, `{"name":"Alfas kund AB","organization_number":"556016-0680"}`)
	inv := s.charge(s.a, "cross-1", chargeBody(cust.ID, 12500, "r1")).Invoice
	bAdmin := s.b.key(core.RoleAdmin)
	runScenarios(t, s, []scenario{
		{name: "get customer", method: "GET", path: "/v1/customers/" + cust.ID, key: bAdmin,
			wantStatus: 404, wantBody: []string{`"code":"not_found"`}, notBody: []string{"Alfas kund"}},
		{name: "patch customer", method: "PATCH", path: "/v1/customers/" + cust.ID, key: bAdmin,
			body: `{"name":"Stolen AB"}`, wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
		{name: "get invoice", method: "GET", path: "/v1/invoices/" + inv.ID, key: bAdmin,
			wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
		{name: "get invoice as accountant", method: "GET", path: "/v1/invoices/" + inv.ID, key: s.b.key(core.RoleAccountant),
			wantStatus: 404},
		{name: "search does not find it", method: "GET", path: "/v1/customers?q=alfas", key: bAdmin,
			wantStatus: 200, wantBody: []string{`"data":[]`}},
		{name: "search by org number does not find it", method: "GET", path: "/v1/customers?q=5560160680", key: bAdmin,
			wantStatus: 200, wantBody: []string{`"data":[]`}},
		{name: "invoice list does not show it", method: "GET", path: "/v1/invoices", key: bAdmin,
			wantStatus: 200, wantBody: []string{`"data":[]`}, notBody: []string{inv.ID}},
		{name: "invoice list filtered on its customer", method: "GET", path: "/v1/invoices?customer_id=" + cust.ID, key: bAdmin,
			wantStatus: 200, wantBody: []string{`"data":[]`}},
		{name: "owner still sees it", method: "GET", path: "/v1/invoices/" + inv.ID, key: s.a.key(core.RoleAdmin),
			wantStatus: 200, wantBody: []string{inv.ID, `"number":1001`}},
	})

	// Charging another merchant's customer invoices nothing.
	r := s.do("POST", "/v1/charges", s.b.key(core.RoleCashier), chargeBody(cust.ID, 100, "r2"),
		map[string]string{"Idempotency-Key": "cross-2"})
	if r.status != 404 && r.status != 422 {
		t.Errorf("charge of another merchant's customer: %d %s", r.status, r.body)
	}
	if !strings.Contains(r.body, `"field":"customer_id"`) && !strings.Contains(r.body, `"code":"not_found"`) {
		t.Errorf("charge of another merchant's customer does not name the customer: %s", r.body)
	}
	s.run(t, scenario{name: "still no invoices for B", method: "GET", path: "/v1/invoices", key: bAdmin,
		wantStatus: 200, wantBody: []string{`"data":[]`}})
}
