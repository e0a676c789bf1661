package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

var wizardLocation = regexp.MustCompile(`^/backoffice/integrations/(int_[A-Za-z0-9_-]+)`)

// activateForm is the ACTIVATE form of a provider card.
func activateForm(provider string, modes ...string) url.Values {
	return url.Values{"provider": {provider}, "modes": modes}
}

// createSIE creates merchant A's SIE bookkeeping integration through the
// Integrations page and returns its ID.
func createSIE(t *testing.T, c *client) string {
	t.Helper()
	c.must("/backoffice/integrations", http.StatusOK)
	a := c.post("/backoffice/integrations", activateForm("sie", "bookkeeping"))
	m := wizardLocation.FindStringSubmatch(a.location)
	if a.status != http.StatusSeeOther || m == nil || !strings.Contains(a.location, "done=integrations_created") {
		t.Fatalf("ACTIVATE SIE = %d to %q\n%s", a.status, a.location, a.body)
	}
	return m[1]
}

// stepForm is a mapping step's form holding the suggestion's accounts for
// the step's rows.
func stepForm(t *testing.T, s *stack, id, step string) url.Values {
	t.Helper()
	sug, err := s.integrations.Suggestion(context.Background(), s.admin(), id)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"step": {step}}
	for _, u := range sug.Mapping.Accounts() {
		for _, prefix := range stepPrefixes(step) {
			if strings.HasPrefix(u.Path, prefix) {
				form.Set(u.Path, u.Account)
			}
		}
	}
	return form
}

// TestIntegrationsPageAndRoles: the admin sees a card per installed
// provider with ACTIVATE and the merchant's integrations with their status;
// the accountant reads the integrations and the wizard but may change
// nothing; a cashier gets the forbidden page for every address.
func TestIntegrationsPageAndRoles(t *testing.T) {
	s := newStack(t)
	admin := s.signedIn("admin@a.example")
	a := admin.must("/backoffice/integrations", http.StatusOK)
	for _, want := range []string{"SIE file (any Swedish accounting program)", "OPEN Invoice &amp; Customers", "AKTIVERA", `name="modes" value="bookkeeping"`, "Du har ingen integration ännu"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("integrations page lacks %q", want)
		}
	}
	id := createSIE(t, admin)
	a = admin.must("/backoffice/integrations", http.StatusOK)
	if !strings.Contains(a.body, `href="/backoffice/integrations/`+id+`"`) || !strings.Contains(a.body, "Ej aktiverad") {
		t.Errorf("the new integration is not listed with its status:\n%s", a.body)
	}

	acc := s.signedIn("accountant@a.example")
	a = acc.must("/backoffice/integrations", http.StatusOK)
	if !strings.Contains(a.body, id) || strings.Contains(a.body, "AKTIVERA") {
		t.Errorf("accountant's integrations page: want the integration listed and no ACTIVATE")
	}
	a = acc.must("/backoffice/integrations/"+id+"?step=payment_methods", http.StatusOK)
	if !strings.Contains(a.body, "Din roll kan se men inte ändra") && !strings.Contains(a.body, "readonly") {
		t.Errorf("accountant's wizard is not read-only")
	}
	before, _ := s.integrations.Get(context.Background(), s.admin(), id)
	for path, form := range map[string]url.Values{
		"/backoffice/integrations":                     activateForm("sie", "bookkeeping"),
		"/backoffice/integrations/" + id + "/settings": {"step": {"export_start_date"}, "export_start_date": {"2026-01-01"}},
		"/backoffice/integrations/" + id + "/mapping":  {"step": {"events"}, "events.tips": {"2890"}},
		"/backoffice/integrations/" + id + "/activate": nil,
		"/backoffice/integrations/" + id + "/disable":  nil,
		"/backoffice/integrations/" + id + "/accounts": {"number": {"2891"}, "name": {"Dricks"}},
	} {
		if a := acc.post(path, form); a.status != http.StatusForbidden {
			t.Errorf("accountant POST %s = %d, want 403", path, a.status)
		}
	}
	if after, _ := s.integrations.Get(context.Background(), s.admin(), id); after.UpdatedAt != before.UpdatedAt {
		t.Errorf("the accountant's posts changed the integration")
	}
	if list, _ := s.integrations.List(context.Background(), s.admin()); len(list) != 1 {
		t.Errorf("the accountant's ACTIVATE created an integration: %d", len(list))
	}

	cashier := s.signedIn("cashier@a.example")
	for _, path := range []string{"/backoffice/integrations", "/backoffice/integrations/" + id, "/backoffice/integrations/" + id + "?step=finish"} {
		if a := cashier.get(path); a.status != http.StatusForbidden {
			t.Errorf("cashier GET %s = %d, want 403", path, a.status)
		}
	}
	if a := cashier.post("/backoffice/integrations/"+id+"/activate", nil); a.status != http.StatusForbidden {
		t.Errorf("cashier activate = %d, want 403", a.status)
	}
}

// TestActivateRefusesImpossibleModes: ACTIVATE without a mode, or with one
// the provider cannot do, shows the reason in the provider's card and
// creates nothing.
func TestActivateRefusesImpossibleModes(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/integrations", http.StatusOK)
	for _, form := range []url.Values{activateForm("sie"), activateForm("sie", "invoicing")} {
		a := c.post("/backoffice/integrations", form)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-modes-sie"`) {
			t.Errorf("ACTIVATE %v = %d, want 422 with the reason in SIE's card\n%s", form, a.status, a.body)
		}
	}
	if list, _ := s.integrations.List(context.Background(), s.admin()); len(list) != 0 {
		t.Errorf("refused ACTIVATE created %d integrations", len(list))
	}
}

// TestWizardToActivation walks the SIE wizard as an admin: start date
// (a bad one refused beside the field), each mapping step from the
// suggestion (an account the chart lacks refused beside its row, nothing
// stored), activation listing what is missing, then activation and
// disabling.
func TestWizardToActivation(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	c := s.signedIn("admin@a.example")
	id := createSIE(t, c)
	wiz := "/backoffice/integrations/" + id

	a := c.must(wiz, http.StatusOK)
	if !strings.Contains(a.body, `aria-current="step"`) || !strings.Contains(a.body, "Startdatum för export") || !strings.Contains(a.body, "Steg 1 av 6") {
		t.Fatalf("the wizard does not open on the start date:\n%s", a.body)
	}
	// Activating now lists every missing item, each linked to its step.
	a = c.post(wiz+"/activate", nil)
	if a.status != http.StatusUnprocessableEntity {
		t.Fatalf("early activation = %d", a.status)
	}
	for _, want := range []string{"?step=export_start_date", "?step=payment_methods", "?step=vat_rates", "?step=events", "Dricks – Konto", "25 % – Försäljningskonto"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("activation problems lack %q", want)
		}
	}

	a = c.post(wiz+"/settings", url.Values{"step": {"export_start_date"}, "export_start_date": {"2026-13-40"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-export_start_date"`) {
		t.Fatalf("bad start date = %d\n%s", a.status, a.body)
	}
	if in, _ := s.integrations.Get(ctx, s.admin(), id); in.Settings.ExportStartDate != "" {
		t.Fatalf("a refused start date was stored: %q", in.Settings.ExportStartDate)
	}
	a = c.post(wiz+"/settings", url.Values{"step": {"export_start_date"}, "export_start_date": {"2026-01-01"}})
	if a.status != http.StatusSeeOther || a.location != wiz+"?step=payment_methods&done=integrations_saved" {
		t.Fatalf("start date = %d to %q", a.status, a.location)
	}

	// The payment methods step: the chart to choose from, the suggestion.
	a = c.must(wiz+"?step=payment_methods&done=integrations_saved", http.StatusOK)
	for _, want := range []string{`<datalist id="chart">`, `name="payment_methods.card" value="1580"`, "förslag", "Sparat."} {
		if !strings.Contains(a.body, want) {
			t.Errorf("payment methods step lacks %q", want)
		}
	}
	bad := stepForm(t, s, id, integrations.StepPaymentMethods)
	bad.Set("payment_methods.card", "1234")
	a = c.post(wiz+"/mapping", bad)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-payment_methods.card"`) ||
		!strings.Contains(a.body, "account 1234 does not exist") || !strings.Contains(a.body, `value="1234"`) {
		t.Fatalf("mapping with an unknown account = %d\n%s", a.status, a.body)
	}
	if _, saved, _ := s.integrations.GetMapping(ctx, s.admin(), id); saved {
		t.Fatal("a refused mapping was stored")
	}
	// The inline check finds the same without storing anything.
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+wiz+"/mapping/check", strings.NewReader(bad.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Trigger-Name", "payment_methods.card")
	req.Header.Set(csrfHeader, c.csrf)
	a = c.do(req)
	if a.status != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(a.body), `<td class="cell invalid">`) || !strings.Contains(a.body, "account 1234 does not exist") {
		t.Fatalf("inline check = %d\n%s", a.status, a.body)
	}
	good := stepForm(t, s, id, integrations.StepPaymentMethods)
	req, _ = http.NewRequest(http.MethodPost, s.srv.URL+wiz+"/mapping/check", strings.NewReader(good.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Trigger-Name", "payment_methods.card")
	req.Header.Set(csrfHeader, c.csrf)
	if a = c.do(req); a.status != http.StatusOK || strings.Contains(a.body, "invalid") || !strings.Contains(a.body, "account-name") {
		t.Fatalf("inline check of a good account = %d\n%s", a.status, a.body)
	}
	if _, saved, _ := s.integrations.GetMapping(ctx, s.admin(), id); saved {
		t.Fatal("the inline check stored the mapping")
	}

	// Every mapping step from the suggestion, one dropdown changed.
	next := map[string]string{
		integrations.StepPaymentMethods: integrations.StepVATRates, integrations.StepVATRates: integrations.StepProductGroups,
		integrations.StepProductGroups: integrations.StepEvents, integrations.StepEvents: integrations.StepFinish,
	}
	for _, step := range mappingSteps {
		form := stepForm(t, s, id, step)
		if step == integrations.StepPaymentMethods {
			form.Set("payment_methods.cash", "1910")
		}
		a = c.post(wiz+"/mapping", form)
		if a.status != http.StatusSeeOther || a.location != wiz+"?step="+next[step]+"&done=integrations_saved" {
			t.Fatalf("save %s = %d to %q\n%s", step, a.status, a.location, a.body)
		}
	}
	m, saved, err := s.integrations.GetMapping(ctx, s.admin(), id)
	if err != nil || !saved || m.PaymentMethods["cash"] != "1910" || m.Events[mapping.EventTips] == "" {
		t.Fatalf("saved mapping %+v %v %v", m, saved, err)
	}

	a = c.must(wiz+"?step=finish", http.StatusOK)
	if !strings.Contains(a.body, `id="activate"`) {
		t.Fatal("the finish step has no Activate")
	}
	a = c.post(wiz+"/activate", nil)
	if a.status != http.StatusSeeOther || a.location != wiz+"?step=finish&done=integrations_activated" {
		t.Fatalf("activate = %d to %q\n%s", a.status, a.location, a.body)
	}
	if in, _ := s.integrations.Get(ctx, s.admin(), id); in.Status != core.IntegrationActive {
		t.Fatalf("status after activation %s", in.Status)
	}
	a = c.must(wiz, http.StatusOK)
	if !strings.Contains(a.body, "SIE file (any Swedish accounting program) är aktiv.") || !strings.Contains(a.body, `data-confirm=`) {
		t.Errorf("an active integration's wizard does not open on its summary with Disable")
	}
	a = c.post(wiz+"/disable", nil)
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=integrations_disabled") {
		t.Fatalf("disable = %d to %q", a.status, a.location)
	}
	if in, _ := s.integrations.Get(ctx, s.admin(), id); in.Status != core.IntegrationDisabled {
		t.Fatalf("status after disable %s", in.Status)
	}
}

// TestAddAccountWhereUnsupported: the SIE file's chart is the standard
// one, which the accounting program importing it owns: adding an account
// says so on the step it was asked from; a malformed one is refused beside
// its fields.
func TestAddAccountWhereUnsupported(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	id := createSIE(t, c)
	if a := c.must("/backoffice/integrations/"+id+"?step=events", http.StatusOK); !strings.Contains(a.body, `action="/backoffice/integrations/`+id+`/accounts"`) {
		t.Error("the events step has no form to add an account")
	}
	a := c.post("/backoffice/integrations/"+id+"/accounts", url.Values{"step": {"events"}, "number": {"2891"}, "name": {"Dricks"}})
	if a.status != http.StatusNotImplemented || !strings.Contains(a.body, "Stöds inte:") || !strings.Contains(a.body, "add account 2891 in the accounting program") ||
		!strings.Contains(a.body, `name="events.tips"`) {
		t.Fatalf("add account to SIE = %d\n%s", a.status, a.body)
	}
	if a := c.post("/backoffice/integrations/"+id+"/accounts", url.Values{"step": {"events"}, "number": {"12"}, "name": {""}}); a.status != http.StatusUnprocessableEntity ||
		!strings.Contains(a.body, `id="e-number"`) || !strings.Contains(a.body, `id="e-name"`) {
		t.Fatalf("add a malformed account = %d\n%s", a.status, a.body)
	}
}

// TestAnotherMerchantsIntegration: merchant B's admin gets 404 for every
// page and form of A's integration, and changes nothing.
func TestAnotherMerchantsIntegration(t *testing.T) {
	s := newStack(t)
	id := createSIE(t, s.signedIn("admin@a.example"))
	before, _ := s.integrations.Get(context.Background(), s.admin(), id)
	b := s.signedIn("admin@b.example")
	base := "/backoffice/integrations/" + id
	for _, path := range []string{base, base + "?step=payment_methods", base + "?step=finish"} {
		if a := b.get(path); a.status != http.StatusNotFound {
			t.Errorf("B GET %s = %d, want 404", path, a.status)
		}
	}
	for path, form := range map[string]url.Values{
		base + "/settings":    {"step": {"export_start_date"}, "export_start_date": {"2026-01-01"}},
		base + "/mapping":     {"step": {"events"}, "events.tips": {"2890"}},
		base + "/activate":    nil,
		base + "/disable":     nil,
		base + "/connect":     nil,
		base + "/credentials": nil,
		base + "/accounts":    {"number": {"2891"}, "name": {"Dricks"}},
	} {
		if a := b.post(path, form); a.status != http.StatusNotFound {
			t.Errorf("B POST %s = %d, want 404", path, a.status)
		}
	}
	if after, _ := s.integrations.Get(context.Background(), s.admin(), id); after.UpdatedAt != before.UpdatedAt || after.Settings != before.Settings {
		t.Error("merchant B changed A's integration")
	}
}

// TestOAuthLanding: a failed OAuth2 callback (the done URL without an
// integration) returns to the wizard the browser started from, with the
// provider's reason; without that, to the Integrations page.
func TestOAuthLanding(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	a := c.get("/backoffice/integrations/?error=invalid&error_description=access+was+denied")
	if a.status != http.StatusSeeOther || a.location != "/backoffice/integrations?error=invalid&error_description=access+was+denied" {
		t.Fatalf("landing without a pending connection = %d to %q", a.status, a.location)
	}
	a = c.must(a.location, http.StatusOK)
	if !strings.Contains(a.body, "Anslutningen misslyckades: access was denied") {
		t.Errorf("the Integrations page does not show the callback's error")
	}
	id := createSIE(t, c)
	u, _ := url.Parse(s.srv.URL + "/backoffice/")
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: oauthPendingCookie, Value: id, Path: "/backoffice/"}})
	a = c.get("/backoffice/integrations/?error=invalid&error_description=access+was+denied")
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/backoffice/integrations/"+id+"?step=credentials&") {
		t.Fatalf("landing with a pending connection = %d to %q", a.status, a.location)
	}
	// SIE has no credentials step: the wizard opens where it would, and
	// still says why the connection failed.
	if a = c.must(a.location, http.StatusOK); !strings.Contains(a.body, "access was denied") {
		t.Errorf("the wizard does not show the callback's error")
	}
}

// TestStepNotice: the message above a step's form is the service's reason
// for an invalid step, except on the summary (which lists its problems)
// and on the connection step of an integration that needs reconnecting,
// which says so itself in the user's language: the page does not say it
// twice, once in English.
func TestLocalNotice(t *testing.T) {
	cat, err := loadCatalogue(assets)
	if err != nil {
		t.Fatal(err)
	}
	l := &localizer{lang: core.LanguageSwedish, cat: cat}
	got := localNotice(l, "fallback_payment_account: is required: the account of payment methods without one of their own")
	if strings.Contains(got, "fallback_payment_account") || !strings.HasSuffix(got, ": Måste fyllas i.") {
		t.Errorf("localNotice = %q; want the field's label and the Swedish message", got)
	}
	if got := localNotice(l, "credentials: refused"); got != "credentials: refused" {
		t.Errorf("a message about no mapping field changed: %q", got)
	}
}

func TestStepNotice(t *testing.T) {
	reauth := integrations.Integration{Status: core.IntegrationNeedsReauth, StatusReason: "Visma Spiris revoked the connection's authorisation (invalid_grant)"}
	active := integrations.Integration{Status: core.IntegrationActive}
	setup := integrations.Integration{Status: core.IntegrationSetup}
	for _, tc := range []struct {
		name string
		in   integrations.Integration
		st   integrations.Step
		want string
	}{
		{"reconnect", reauth, integrations.Step{Name: integrations.StepCredentials, Status: integrations.StepInvalid, Message: "re-authorise the connection: " + reauth.StatusReason}, ""},
		{"refused credentials", setup, integrations.Step{Name: integrations.StepCredentials, Status: integrations.StepInvalid, Message: "credentials: refused"}, "credentials: refused"},
		{"invalid mapping while reconnecting", reauth, integrations.Step{Name: integrations.StepVATRates, Status: integrations.StepInvalid, Message: "vat_rates.0: gone"}, "vat_rates.0: gone"},
		{"todo", active, integrations.Step{Name: integrations.StepVATRates, Status: integrations.StepTodo, Message: "missing vat_rates.0"}, ""},
		{"done", active, integrations.Step{Name: integrations.StepCredentials, Status: integrations.StepDone}, ""},
		{"summary", setup, integrations.Step{Name: integrations.StepFinish, Status: integrations.StepInvalid, Message: "activate"}, ""},
	} {
		if got := stepNotice(tc.in, tc.st); got != tc.want {
			t.Errorf("%s: notice %q, want %q", tc.name, got, tc.want)
		}
	}
}
