package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// booksName is the registry name of fakeBooks; booksToken the one employee
// token it accepts.
const (
	booksName  = "testbooks"
	booksToken = "emp-7f3a9c"
	// booksRefusal is the provider's own message for any other token.
	booksRefusal = "Testbooks API: 401 Unauthorized – the employee token is expired or revoked"
)

// fakeBooks is an in-process bookkeeping provider with api_token auth and a
// small Swedish chart whose sales accounts are locked to their VAT codes
// (as Tripletex and Spiris lock them). It lacks BAS 1580, so suggestions
// must propose 1581. Methods the wizard must not call panic through the
// nil embedded interface, which the server answers 500 and fails the test.
type fakeBooks struct {
	core.Provider

	mu       sync.Mutex
	verified int // VerifyConnection calls
}

func newFakeBooks() *fakeBooks { return &fakeBooks{} }

func (f *fakeBooks) Describe(context.Context) (core.Descriptor, error) {
	return core.Descriptor{
		Name: booksName, DisplayName: "Testbooks", Version: "1.2.0",
		Auth: core.AuthScheme{Type: core.AuthAPIToken,
			Fields: []core.AuthField{{Name: "employee_token", Label: "Employee token", Secret: true}}},
		Capabilities: core.Capabilities{SalesExport: true, LedgerAccounts: true},
	}, nil
}

func (f *fakeBooks) authorized(conn core.Connection) error {
	if conn.Credentials["employee_token"] != booksToken {
		return &core.Error{Code: core.CodeUnauthorized, Message: booksRefusal}
	}
	return nil
}

func (f *fakeBooks) VerifyConnection(_ context.Context, conn core.Connection) error {
	f.mu.Lock()
	f.verified++
	f.mu.Unlock()
	return f.authorized(conn)
}

func (f *fakeBooks) CreateLedgerAccount(_ context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	if err := f.authorized(conn); err != nil {
		return core.LedgerAccount{}, err
	}
	return core.LedgerAccount{Number: a.Number, Name: a.Name, Active: true}, nil
}

func (f *fakeBooks) verifyCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.verified
}

func (f *fakeBooks) ListLedgerAccounts(_ context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := f.authorized(conn); err != nil {
		return nil, err
	}
	return []core.LedgerAccount{
		{Number: "1510", Name: "Kundfordringar", Active: true},
		{Number: "1581", Name: "Fordran kortinlösare", Active: true},
		{Number: "1910", Name: "Kassa", Active: true},
		{Number: "1920", Name: "PlusGiro", Active: false},
		{Number: "1930", Name: "Företagskonto", Active: true},
		{Number: "2421", Name: "Ej inlösta presentkort", Active: true},
		{Number: "2611", Name: "Utgående moms 25 %", Active: true},
		{Number: "2621", Name: "Utgående moms 12 %", Active: true},
		{Number: "2631", Name: "Utgående moms 6 %", Active: true},
		{Number: "2890", Name: "Övriga kortfristiga skulder", Active: true},
		{Number: "3001", Name: "Försäljning 25 %", Active: true, LockedVATCode: "10"},
		{Number: "3002", Name: "Försäljning 12 %", Active: true, LockedVATCode: "11"},
		{Number: "3003", Name: "Försäljning 6 %", Active: true, LockedVATCode: "12"},
		{Number: "3004", Name: "Försäljning momsfri", Active: true, LockedVATCode: "0"},
		{Number: "3730", Name: "Lämnade rabatter", Active: true},
		{Number: "3740", Name: "Öresutjämning", Active: true},
	}, nil
}

func (f *fakeBooks) ListVATCodes(_ context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := f.authorized(conn); err != nil {
		return nil, err
	}
	return []core.VATCode{
		{Code: "0", Name: "Momsfri", Rate: decimal.Zero},
		{Code: "10", Name: "Utgående moms 25 %", Rate: decimal.NewFromInt(25)},
		{Code: "11", Name: "Utgående moms 12 %", Rate: decimal.NewFromInt(12)},
		{Code: "12", Name: "Utgående moms 6 %", Rate: decimal.NewFromInt(6)},
	}, nil
}

func (f *fakeBooks) ListPaymentTypes(_ context.Context, conn core.Connection) ([]core.PaymentType, error) {
	if err := f.authorized(conn); err != nil {
		return nil, err
	}
	return []core.PaymentType{{ID: "pt-1", Name: "Kontant", AccountNumber: "1910"},
		{ID: "pt-2", Name: "Kort", AccountNumber: "1581"}}, nil
}

// allRoutes is the router with every optional route group registered, for
// the tests that compare the served routes with the document and the role
// matrix. The services are never called.
func allRoutes() gin.RoutesInfo {
	return newRouter(nil, Options{Integrations: integrations.NewService(nil, nil, nil, nil),
		Exports: exports.New(nil, nil, nil, nil, exports.Options{}), Webhooks: webhooks.New(nil, nil, webhooks.Config{})}).Routes()
}

// validMapping is a complete mapping of fakeBooks' chart for a Swedish
// bookkeeping integration.
const validMapping = `{
	"payment_methods":{"cash":"1910","card":"1581","swish":"1930"},
	"fallback_payment_account":"1581",
	"vat_rates":{"25":"3001","12":"3002","6":"3003"},
	"vat_accounts":{"25":"2611","12":"2621","6":"2631"},
	"product_groups":{"food":{"eat_in":"3002","takeaway":"3002"}},
	"events":{"tips":"2890","rounding":"3740","receivables":"1510"}}`

// validIntegrationSettings are settings a bookkeeping integration activates
// with (the stack's clock is on 2026-03-02).
const validIntegrationSettings = `{"export_start_date":"2026-03-01","invoicing_enabled":false,"collective_invoicing_enabled":false}`

// createIntegration creates an integration through the API as m's admin.
func (s *testStack) createIntegration(m testMerchant, body string) integrations.Integration {
	s.t.Helper()
	r := s.do("POST", "/v1/integrations", m.key(core.RoleAdmin), body, nil)
	if r.status != http.StatusCreated {
		s.t.Fatalf("create integration: %d %s", r.status, r.body)
	}
	var out integrations.Integration
	r.decode(s.t, &out)
	return out
}

// configureBooks creates a fakeBooks bookkeeping integration of m through
// the API with credentials, settings and a complete mapping, ready to
// activate, and returns its ID.
func (s *testStack) configureBooks(m testMerchant) string {
	s.t.Helper()
	id := s.createIntegration(m, `{"provider":"`+booksName+`","modes":["bookkeeping"]}`).ID
	admin := m.key(core.RoleAdmin)
	for _, step := range []struct{ path, body string }{
		{"/credentials", `{"employee_token":"` + booksToken + `"}`},
		{"/settings", validIntegrationSettings},
		{"/mapping", validMapping},
	} {
		if r := s.do("PUT", "/v1/integrations/"+id+step.path, admin, step.body, nil); r.status != http.StatusOK {
			s.t.Fatalf("PUT %s: %d %s", step.path, r.status, r.body)
		}
	}
	return id
}

// getIntegration reads an integration as m's admin.
func (s *testStack) getIntegration(m testMerchant, id string) integrations.Integration {
	s.t.Helper()
	r := s.do("GET", "/v1/integrations/"+id, m.key(core.RoleAdmin), "", nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("get integration: %d %s", r.status, r.body)
	}
	var out integrations.Integration
	r.decode(s.t, &out)
	return out
}

func stepNames(w integrations.Wizard) []string {
	var out []string
	for _, st := range w.Steps {
		out = append(out, st.Name)
	}
	return out
}

func stepStatus(w integrations.Wizard, name string) string {
	for _, st := range w.Steps {
		if st.Name == name {
			return st.Status
		}
	}
	return ""
}

// TestIntegrationWizard walks a bookkeeping integration through the wizard
// the way the BackOffice dialog does, with every refusal on the way.
func TestIntegrationWizard(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)

	runScenarios(t, s, []scenario{
		{name: "missing provider and unknown mode are named", method: "POST", path: "/v1/integrations", key: admin,
			body: `{"provider":" ","modes":["bookkeeping","payroll"]}`, wantStatus: 422,
			wantBody: []string{`"code":"invalid"`, `"field":"provider"`, `"field":"modes[1]"`}},
		{name: "unknown provider lists the installed ones", method: "POST", path: "/v1/integrations", key: admin,
			body: `{"provider":"fortnox","modes":["bookkeeping"]}`, wantStatus: 422,
			wantBody: []string{`"field":"provider"`, `unknown provider \"fortnox\"`, "open, sie, testbooks"}},
		{name: "a mode the provider cannot do", method: "POST", path: "/v1/integrations", key: admin,
			body: `{"provider":"testbooks","modes":["invoicing","bookkeeping"]}`, wantStatus: 422,
			wantBody: []string{`"field":"modes"`, "Testbooks cannot do invoicing"}},
		{name: "no modes", method: "POST", path: "/v1/integrations", key: admin,
			body: `{"provider":"testbooks"}`, wantStatus: 422, wantBody: []string{`"field":"modes"`}},
		{name: "unknown field and wrong type are 400", method: "POST", path: "/v1/integrations", key: admin,
			body: `{"provider":7,"modes":["bookkeeping"],"name":"x"}`, wantStatus: 400,
			wantBody: []string{`"field":"provider"`, `"field":"name"`, `"message":"unknown field"`}},
	})

	// Created in setup, with the steps of an api_token bookkeeping
	// integration.
	r := s.run(t, scenario{name: "create", method: "POST", path: "/v1/integrations", key: admin,
		body: `{"provider":"testbooks","modes":["bookkeeping","bookkeeping"]}`, wantStatus: 201,
		wantBody: []string{`"status":"setup"`, `"provider":"testbooks"`, `"display_name":"Testbooks"`,
			`"auth":"api_token"`, `"connected":false`, `"modes":["bookkeeping"]`, `"next":"credentials"`,
			`"message":"enter Employee token"`}})
	var in integrations.Integration
	r.decode(t, &in)
	wantSteps := []string{"credentials", "export_start_date", "payment_methods", "vat_rates", "product_groups", "events", "finish"}
	if got := stepNames(in.Wizard); !slices.Equal(got, wantSteps) {
		t.Fatalf("steps %v, want %v", got, wantSteps)
	}
	for _, st := range in.Wizard.Steps {
		if st.Status != integrations.StepTodo {
			t.Errorf("new integration's step %s is %s, want todo", st.Name, st.Status)
		}
	}
	base := "/v1/integrations/" + in.ID

	runScenarios(t, s, []scenario{
		{name: "the chart needs credentials first", method: "GET", path: base + "/accounts", key: admin,
			wantStatus: 409, wantBody: []string{`"code":"conflict"`, "credentials"}},
		{name: "wrong token carries the provider's message", method: "PUT", path: base + "/credentials", key: admin,
			body: `{"employee_token":"emp-old"}`, wantStatus: 422,
			wantBody: []string{`"code":"invalid"`, booksRefusal, `"field":"credentials"`, "Testbooks refused the credentials"}},
		{name: "unknown and missing credential fields are named", method: "PUT", path: base + "/credentials", key: admin,
			body: `{"api_key":"x"}`, wantStatus: 422,
			wantBody: []string{`"field":"api_key"`, `"field":"employee_token"`, "Employee token is required"}},
		{name: "a credential that is not a string is 400", method: "PUT", path: base + "/credentials", key: admin,
			body: `{"employee_token":12345}`, wantStatus: 400, wantBody: []string{`"field":"employee_token"`, "must be a string"}},
		{name: "refused credentials were not stored", method: "GET", path: base, key: admin,
			wantStatus: 200, wantBody: []string{`"connected":false`, `"next":"credentials"`}},
	})
	verified := s.books.verifyCount()

	// A pasted token ends in a newline; it is verified, then stored, and
	// never shown.
	r = s.run(t, scenario{name: "credentials accepted", method: "PUT", path: base + "/credentials", key: admin,
		body: `{"employee_token":"` + booksToken + `\n"}`, wantStatus: 200,
		wantBody: []string{`"connected":true`, `"next":"export_start_date"`}, notBody: []string{booksToken}})
	r.decode(t, &in)
	if stepStatus(in.Wizard, "credentials") != integrations.StepDone {
		t.Errorf("credentials step %s after storing them", stepStatus(in.Wizard, "credentials"))
	}
	if s.books.verifyCount() != verified+1 {
		t.Errorf("credentials stored after %d VerifyConnection calls, want 1", s.books.verifyCount()-verified)
	}

	runScenarios(t, s, []scenario{
		{name: "chart of accounts", method: "GET", path: base + "/accounts", key: admin, wantStatus: 200,
			wantBody: []string{`{"data":[`, `"number":"3001"`, `"locked_vat_code":"10"`, `"active":false`}},
		{name: "VAT codes", method: "GET", path: base + "/vat-codes", key: admin, wantStatus: 200,
			wantBody: []string{`"code":"11"`, `"rate":"12"`}},
		{name: "payment types", method: "GET", path: base + "/payment-types", key: s.a.key(core.RoleAccountant), wantStatus: 200,
			wantBody: []string{`"name":"Kort"`, `"account_number":"1581"`}},
		{name: "no mapping saved yet", method: "GET", path: base + "/mapping", key: admin, wantStatus: 200,
			wantBody: []string{`"saved":false`, `"payment_methods":{}`, `"fallback_payment_account":""`,
				`"vat_rates":{}`, `"product_groups":{}`, `"events":{}`}},
	})

	// Activating now lists every missing item at once.
	r = s.run(t, scenario{name: "activate with missing items", method: "POST", path: base + "/activate", key: admin,
		wantStatus: 422, wantBody: []string{`"code":"invalid"`}})
	var failed errorBody
	r.decode(t, &failed)
	var named []string
	for _, f := range failed.Error.Fields {
		named = append(named, f.Field)
	}
	for _, want := range []string{"export_start_date", "fallback_payment_account", "vat_rates.25", "vat_rates.12",
		"vat_rates.6", "vat_accounts.25", "vat_accounts.12", "vat_accounts.6", "events.tips", "events.rounding",
		"events.receivables"} {
		if !slices.Contains(named, want) {
			t.Errorf("activation problems %v lack %s", named, want)
		}
	}
	if slices.Contains(named, "credentials") {
		t.Errorf("activation names the stored, working credentials: %v", named)
	}
	in = s.getIntegration(s.a, in.ID)
	if in.Status != core.IntegrationSetup {
		t.Errorf("status %s after a failed activation", in.Status)
	}
	for _, step := range []string{"export_start_date", "payment_methods", "vat_rates", "events"} {
		if got := stepStatus(in.Wizard, step); got != integrations.StepInvalid {
			t.Errorf("step %s is %s after the failed activation, want invalid", step, got)
		}
	}

	// The suggestion reconciles BAS with the live chart: 1580 is missing,
	// 1581 is proposed.
	r = s.run(t, scenario{name: "suggestion", method: "GET", path: base + "/mapping/suggestion", key: admin, wantStatus: 200,
		wantBody: []string{`"fallback_payment_account":"1581"`, `"25":"3001"`, `"12":"3002"`, `"tips":"2890"`,
			`"assumed_payment_methods":["cash","card","swish","invoice","gift_card"]`}})
	var sug integrations.Suggestion
	r.decode(t, &sug)
	if !slices.Contains(sug.Suggested, "vat_rates.25") || !slices.Contains(sug.Suggested, "fallback_payment_account") {
		t.Errorf("suggested %v lacks vat_rates.25 or fallback_payment_account", sug.Suggested)
	}
	if !slices.ContainsFunc(sug.Notes, func(n core.FieldError) bool {
		return n.Field == "fallback_payment_account" && strings.Contains(n.Message, "proposing 1581")
	}) {
		t.Errorf("notes %v do not explain 1581", sug.Notes)
	}

	// A mapping that books 12 % on an account locked to 25 %, and names an
	// account the chart lacks, is refused item by item with the reason.
	bad := strings.Replace(strings.Replace(validMapping, `"12":"3002"`, `"12":"3001"`, 1), `"tips":"2890"`, `"tips":"2899"`, 1)
	runScenarios(t, s, []scenario{
		{name: "mapping against the live chart", method: "PUT", path: base + "/mapping", key: admin, body: bad, wantStatus: 422,
			wantBody: []string{`"field":"vat_rates.12"`, "account 3001 is locked to VAT code 10 (25 %), cannot book 12 %",
				`"field":"events.tips"`, "account 2899 does not exist in Testbooks"},
			notBody: []string{`"field":"vat_rates.25"`, `"field":"vat_accounts.12"`}},
		{name: "structure errors are named too", method: "PUT", path: base + "/mapping", key: admin,
			body: `{"payment_methods":{"card":"15"},"vat_rates":{"33":"3001"},"events":{"tip":"2890"}}`, wantStatus: 422,
			wantBody: []string{`"field":"payment_methods.card"`, `"field":"vat_rates.33"`, `"field":"events.tip"`}},
		{name: "an unknown mapping field is 400", method: "PUT", path: base + "/mapping", key: admin,
			body: `{"payment_method":{}}`, wantStatus: 400, wantBody: []string{`"field":"payment_method"`}},
		{name: "the refused mapping was not saved", method: "GET", path: base + "/mapping", key: admin, wantStatus: 200,
			wantBody: []string{`"saved":false`}},
		{name: "settings are checked", method: "PUT", path: base + "/settings", key: admin,
			body: `{"export_start_date":"2027-12-01","invoicing_enabled":true,"collective_invoicing_enabled":true}`, wantStatus: 422,
			wantBody: []string{`"field":"export_start_date"`, "a year ahead", `"field":"invoicing_enabled"`, `"field":"collective_invoicing_enabled"`}},
		{name: "settings saved", method: "PUT", path: base + "/settings", key: admin, body: validIntegrationSettings, wantStatus: 200,
			wantBody: []string{`"export_start_date":"2026-03-01"`, `"next":"payment_methods"`}},
	})

	// Saved whole, and a GET answer can be sent back as it is.
	r = s.run(t, scenario{name: "mapping saved", method: "PUT", path: base + "/mapping", key: admin, body: validMapping, wantStatus: 200,
		wantBody: []string{`"saved":true`, `"fallback_payment_account":"1581"`, `"vat_accounts":{"12":"2621"`,
			`"product_groups":{"food":{"eat_in":"3002","takeaway":"3002"}}`}})
	r = s.run(t, scenario{name: "mapping read back", method: "GET", path: base + "/mapping", key: admin, wantStatus: 200,
		wantBody: []string{`"saved":true`, `"cash":"1910"`}})
	s.run(t, scenario{name: "a GET answer round-trips", method: "PUT", path: base + "/mapping", key: admin, body: r.body, wantStatus: 200,
		wantBody: []string{`"saved":true`, `"cash":"1910"`}})
	in = s.getIntegration(s.a, in.ID)
	if in.Wizard.Next != "finish" {
		t.Errorf("wizard next %q with every step saved, want finish: %+v", in.Wizard.Next, in.Wizard.Steps)
	}

	r = s.run(t, scenario{name: "activate", method: "POST", path: base + "/activate", key: admin, wantStatus: 200,
		wantBody: []string{`"status":"active"`, `"activated_at":"`, `"next":""`}})
	r.decode(t, &in)
	for _, st := range in.Wizard.Steps {
		if st.Status != integrations.StepDone {
			t.Errorf("step %s is %s on the active integration", st.Name, st.Status)
		}
	}
	s.run(t, scenario{name: "listed", method: "GET", path: "/v1/integrations", key: s.a.key(core.RoleAccountant), wantStatus: 200,
		wantBody: []string{`{"data":[{"id":"` + in.ID + `"`, `"status":"active"`}})
}

// TestIntegrationReplacesActive: activating a second integration for the
// same mode disables the first; the merchant has one active per mode.
func TestIntegrationReplacesActive(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	first := s.configureBooks(s.a)
	s.run(t, scenario{name: "first activated", method: "POST", path: "/v1/integrations/" + first + "/activate", key: admin,
		wantStatus: 200, wantBody: []string{`"status":"active"`}})
	second := s.configureBooks(s.a)
	s.run(t, scenario{name: "second activated", method: "POST", path: "/v1/integrations/" + second + "/activate", key: admin,
		wantStatus: 200, wantBody: []string{`"status":"active"`}})

	old := s.getIntegration(s.a, first)
	if old.Status != core.IntegrationDisabled || !strings.Contains(old.StatusReason, second) {
		t.Errorf("first integration is %s (%q), want disabled naming %s", old.Status, old.StatusReason, second)
	}
	if got := stepStatus(old.Wizard, "finish"); got != integrations.StepTodo {
		t.Errorf("disabled integration's finish step is %s", got)
	}
	r := s.run(t, scenario{name: "list", method: "GET", path: "/v1/integrations", key: admin, wantStatus: 200})
	var list listBody[integrations.Integration]
	r.decode(t, &list)
	var statuses []string
	for _, in := range list.Data {
		statuses = append(statuses, in.ID+"="+string(in.Status))
	}
	want := []string{first + "=disabled", second + "=active"}
	if !slices.Equal(statuses, want) {
		t.Errorf("integrations %v, want %v (oldest first)", statuses, want)
	}

	// The disabled one can be activated again and takes the mode back.
	s.run(t, scenario{name: "reactivate the first", method: "POST", path: "/v1/integrations/" + first + "/activate", key: admin,
		wantStatus: 200, wantBody: []string{`"status":"active"`}})
	if got := s.getIntegration(s.a, second).Status; got != core.IntegrationDisabled {
		t.Errorf("second integration is %s after the first was reactivated", got)
	}
	// Merchant B's integrations are its own.
	s.run(t, scenario{name: "B has none", method: "GET", path: "/v1/integrations", key: s.b.key(core.RoleAdmin),
		wantStatus: 200, wantBody: []string{`{"data":[]}`}})
}

// TestIntegrationInvoicing: an invoicing integration with the open
// provider (no credentials, no ledger) activates once invoicing is enabled
// and makes "invoice" a payment method of the merchant.
func TestIntegrationInvoicing(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	in := s.createIntegration(s.a, `{"provider":"`+open.Name+`","modes":["invoicing"]}`)
	if want := []string{"invoicing", "collective_invoicing", "finish"}; !slices.Equal(stepNames(in.Wizard), want) {
		t.Errorf("steps %v, want %v", stepNames(in.Wizard), want)
	}
	if !in.Connected || len(in.MerchantPaymentMethods) != 0 {
		t.Errorf("new open integration: connected %v, payment methods %v", in.Connected, in.MerchantPaymentMethods)
	}
	base := "/v1/integrations/" + in.ID
	runScenarios(t, s, []scenario{
		{name: "no credentials to enter", method: "PUT", path: base + "/credentials", key: admin,
			body: `{"token":"x"}`, wantStatus: 422, wantBody: []string{`"field":"credentials"`, "needs no credentials"}},
		{name: "no ledger", method: "GET", path: base + "/accounts", key: admin,
			wantStatus: 501, wantBody: []string{`"code":"unsupported"`}},
		{name: "no mapping without bookkeeping", method: "PUT", path: base + "/mapping", key: admin,
			body: validMapping, wantStatus: 409, wantBody: []string{`"code":"conflict"`, "bookkeeping"}},
		{name: "no suggestion without bookkeeping", method: "GET", path: base + "/mapping/suggestion", key: admin,
			wantStatus: 409},
		{name: "activation needs invoicing enabled", method: "POST", path: base + "/activate", key: admin,
			wantStatus: 422, wantBody: []string{`"field":"invoicing_enabled"`}},
		{name: "no export start date without bookkeeping", method: "PUT", path: base + "/settings", key: admin,
			body: `{"export_start_date":"2026-03-01","invoicing_enabled":true}`, wantStatus: 422,
			wantBody: []string{`"field":"export_start_date"`}},
		{name: "invoicing enabled", method: "PUT", path: base + "/settings", key: admin,
			body: `{"invoicing_enabled":true,"collective_invoicing_enabled":true}`, wantStatus: 200,
			wantBody: []string{`"invoicing_enabled":true`, `"collective_invoicing_enabled":true`, `"next":"finish"`}},
		{name: "activated", method: "POST", path: base + "/activate", key: admin, wantStatus: 200,
			wantBody: []string{`"status":"active"`, `"merchant_payment_methods":["invoice"]`}},
	})
}

// TestIntegrationAccess: roles and merchants. Another merchant's
// integration does not exist for the caller (404, never 403); a cashier
// may not see integrations; an accountant may read but not change them.
func TestIntegrationAccess(t *testing.T) {
	s := newStack(t)
	id := s.configureBooks(s.a)
	base := "/v1/integrations/" + id
	bAdmin := s.b.key(core.RoleAdmin)
	cashier, acct := s.a.key(core.RoleCashier), s.a.key(core.RoleAccountant)
	notFound := []string{`"code":"not_found"`}
	forbidden := []string{`"code":"forbidden"`}
	runScenarios(t, s, []scenario{
		{name: "other merchant: get", method: "GET", path: base, key: bAdmin, wantStatus: 404, wantBody: notFound,
			notBody: []string{"Testbooks"}},
		{name: "other merchant: credentials", method: "PUT", path: base + "/credentials", key: bAdmin,
			body: `{"employee_token":"` + booksToken + `"}`, wantStatus: 404, wantBody: notFound},
		{name: "other merchant: accounts", method: "GET", path: base + "/accounts", key: s.b.key(core.RoleAccountant),
			wantStatus: 404, wantBody: notFound},
		{name: "other merchant: settings", method: "PUT", path: base + "/settings", key: bAdmin,
			body: validIntegrationSettings, wantStatus: 404, wantBody: notFound},
		{name: "other merchant: mapping", method: "GET", path: base + "/mapping", key: bAdmin, wantStatus: 404, wantBody: notFound,
			notBody: []string{"1910"}},
		{name: "other merchant: put mapping", method: "PUT", path: base + "/mapping", key: bAdmin, body: validMapping,
			wantStatus: 404, wantBody: notFound},
		{name: "other merchant: suggestion", method: "GET", path: base + "/mapping/suggestion", key: bAdmin,
			wantStatus: 404, wantBody: notFound},
		{name: "other merchant: activate", method: "POST", path: base + "/activate", key: bAdmin, wantStatus: 404, wantBody: notFound},
		{name: "other merchant: list", method: "GET", path: "/v1/integrations", key: bAdmin, wantStatus: 200,
			wantBody: []string{`{"data":[]}`}},
		{name: "unknown integration", method: "GET", path: "/v1/integrations/int_nosuch", key: s.a.key(core.RoleAdmin),
			wantStatus: 404, wantBody: notFound},
		{name: "cashier: list", method: "GET", path: "/v1/integrations", key: cashier, wantStatus: 403, wantBody: forbidden},
		{name: "cashier: get", method: "GET", path: base, key: cashier, wantStatus: 403, wantBody: forbidden},
		{name: "cashier: create", method: "POST", path: "/v1/integrations", key: cashier,
			body: `{"provider":"testbooks","modes":["bookkeeping"]}`, wantStatus: 403, wantBody: forbidden},
		{name: "cashier: activate", method: "POST", path: base + "/activate", key: cashier, wantStatus: 403, wantBody: forbidden},
		{name: "403 comes before body errors", method: "PUT", path: base + "/credentials", key: cashier, body: `{bad`,
			wantStatus: 403, wantBody: forbidden},
		{name: "accountant reads", method: "GET", path: base, key: acct, wantStatus: 200, wantBody: []string{`"connected":true`}},
		{name: "accountant reads the chart", method: "GET", path: base + "/vat-codes", key: acct, wantStatus: 200},
		{name: "accountant reads the mapping", method: "GET", path: base + "/mapping", key: acct, wantStatus: 200, wantBody: []string{`"saved":true`}},
		{name: "accountant may not change the mapping", method: "PUT", path: base + "/mapping", key: acct, body: validMapping, wantStatus: 403, wantBody: forbidden},
		{name: "accountant may not activate", method: "POST", path: base + "/activate", key: acct, wantStatus: 403, wantBody: forbidden},
		{name: "nothing changed", method: "GET", path: base, key: acct, wantStatus: 200, wantBody: []string{`"status":"setup"`}},
	})
}

// TestIntegrationRoutesNeedTheService: without Options.Integrations the
// integration and OAuth2 routes are not served at all.
func TestIntegrationRoutesNeedTheService(t *testing.T) {
	ours := func(path string) bool {
		return strings.HasPrefix(path, "/v1/integrations") || strings.HasPrefix(path, "/v1/oauth")
	}
	for _, r := range newRouter(nil, Options{}).Routes() {
		if ours(r.Path) {
			t.Errorf("route %s %s served without an integrations service", r.Method, r.Path)
		}
	}
	n := 0
	for _, r := range allRoutes() {
		if ours(r.Path) {
			n++
		}
	}
	if n != 16 {
		t.Errorf("%d integration and OAuth2 routes with the service, want 16", n)
	}
}

// TestMappingViewShape: GET mapping answers the contract's field names at
// the top level, with saved beside them.
func TestMappingViewShape(t *testing.T) {
	b, err := json.Marshal(mappingView{Saved: true})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"payment_methods", "fallback_payment_account", "vat_rates", "product_groups", "events", "saved"} {
		if _, ok := got[k]; !ok {
			t.Errorf("mapping answer %s lacks %s", b, k)
		}
	}
}

// TestDisableIntegration: POST /v1/integrations/{id}/disable stops an
// integration. Exports pause while it is disabled and
// resume when it is activated again, each day booked once; accountants may
// read the mapping of a stopped integration.
func TestDisableIntegration(t *testing.T) {
	s := newStack(t)
	admin, acct := s.a.key(core.RoleAdmin), s.a.key(core.RoleAccountant)
	in, _ := s.activateSIE(s.a)
	base := "/v1/integrations/" + in.ID
	s.sell(s.a, saleBody("r-1", "loc-1", "2026-03-01", 4500))
	s.run(t, scenario{name: "close day 1", method: "POST", path: "/v1/locations/loc-1/days/2026-03-01/close",
		key: s.a.key(core.RoleCashier), wantStatus: 200})
	if res := s.runExports(); res.Succeeded != 1 {
		t.Fatalf("export before disabling: %+v", res)
	}
	setup := s.createIntegration(s.a, `{"provider":"`+booksName+`","modes":["bookkeeping"]}`)
	runScenarios(t, s, []scenario{
		{name: "not by an accountant", method: "POST", path: base + "/disable", key: acct,
			wantStatus: 403, wantBody: []string{`"code":"forbidden"`}},
		{name: "not another merchant's", method: "POST", path: base + "/disable", key: s.b.key(core.RoleAdmin),
			wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
		{name: "nothing to stop in setup", method: "POST", path: "/v1/integrations/" + setup.ID + "/disable", key: admin,
			wantStatus: 409, wantBody: []string{`"code":"conflict"`, "still being set up"}},
		{name: "disabled", method: "POST", path: base + "/disable", key: admin,
			wantStatus: 200, wantBody: []string{`"status":"disabled"`, `"status_reason":"disabled by an administrator on 2026-03-02 11:00 UTC"`}},
		{name: "disabled again", method: "POST", path: base + "/disable", key: admin,
			wantStatus: 200, wantBody: []string{`"status":"disabled"`}},
		{name: "the accountant reads the mapping", method: "GET", path: base + "/mapping", key: acct,
			wantStatus: 200, wantBody: []string{`"saved":true`, `"fallback_payment_account":"`}},
		{name: "the cashier does not", method: "GET", path: base + "/mapping", key: s.a.key(core.RoleCashier),
			wantStatus: 403},
	})
	// Days closed while it is stopped wait.
	s.sell(s.a, saleBody("r-2", "loc-1", "2026-03-02", 5500))
	s.run(t, scenario{name: "close day 2", method: "POST", path: "/v1/locations/loc-1/days/2026-03-02/close",
		key: s.a.key(core.RoleCashier), wantStatus: 200, wantBody: []string{`"status":"not_scheduled"`}})
	if res := s.runExports(); res.Claimed != 0 || res.Queued != 0 {
		t.Fatalf("export while disabled: %+v", res)
	}
	s.run(t, scenario{name: "activated again", method: "POST", path: base + "/activate", key: admin,
		wantStatus: 200, wantBody: []string{`"status":"active"`}})
	if res := s.runExports(); res.Queued != 1 || res.Succeeded != 1 {
		t.Fatalf("export after re-activation: %+v", res)
	}
	for _, d := range s.days(s.a, "2026-03-01", "2026-03-02") {
		if d.Status != exports.StatusSucceeded || d.IntegrationID != in.ID {
			t.Errorf("day %s: %+v", d.BusinessDate, d)
		}
	}
	vs, err := s.sie.Vouchers(context.Background(), s.a.id, "2026-03-01", "2026-03-02")
	if err != nil || len(vs) != 2 || vs[0].ExternalRef == vs[1].ExternalRef {
		t.Fatalf("vouchers booked: %d %v, want one per day", len(vs), err)
	}
}

// POST /v1/integrations/{id}/accounts: "add a new account from the list".
func TestCreateIntegrationAccount(t *testing.T) {
	s := newStack(t)
	admin, accountant := s.a.key(core.RoleAdmin), s.a.key(core.RoleAccountant)
	r := s.run(t, scenario{name: "create", method: "POST", path: "/v1/integrations", key: admin,
		body: `{"provider":"testbooks","modes":["bookkeeping"]}`, wantStatus: 201})
	var in integrations.Integration
	r.decode(t, &in)
	base := "/v1/integrations/" + in.ID + "/accounts"
	runScenarios(t, s, []scenario{
		{name: "before credentials", method: "POST", path: base, key: admin,
			body: `{"number":"2990","name":"Annen kortsiktig gjeld"}`, wantStatus: 409},
	})
	s.run(t, scenario{name: "credentials", method: "PUT", path: "/v1/integrations/" + in.ID + "/credentials", key: admin,
		body: `{"employee_token":"` + booksToken + `"}`, wantStatus: 200})
	runScenarios(t, s, []scenario{
		{name: "created", method: "POST", path: base, key: admin,
			body: `{"number":"2990","name":"Annen kortsiktig gjeld"}`, wantStatus: 201,
			wantBody: []string{`"number":"2990"`, `"name":"Annen kortsiktig gjeld"`, `"active":true`}},
		{name: "accountants may not", method: "POST", path: base, key: accountant,
			body: `{"number":"2991","name":"X"}`, wantStatus: 403},
		{name: "number and name are named", method: "POST", path: base, key: admin,
			body: `{"number":"9999","name":""}`, wantStatus: 422,
			wantBody: []string{`"field":"number"`, `"field":"name"`}},
		{name: "a number in the chart is a conflict naming it", method: "POST", path: base, key: admin,
			body: `{"number":"1930","name":"Bank"}`, wantStatus: 409,
			wantBody: []string{`"field":"number"`, "1930 already exists"}},
		{name: "unknown field", method: "POST", path: base, key: admin,
			body: `{"number":"2992","name":"X","vat":"25"}`, wantStatus: 400, wantBody: []string{`"field":"vat"`}},
	})
}
