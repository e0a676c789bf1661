package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

// startTripletexMockBinary builds and starts cmd/tripletex-mock on a free
// loopback port, as the README's walk-through runs it, and returns its API
// base URL. It is stopped when the test ends.
func startTripletexMockBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tripletex-mock")
	build := exec.Command("go", "build", "-o", bin, "../cmd/tripletex-mock")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build tripletex-mock: %v\n%s", err, out)
	}
	addr := freeLoopbackAddr(t)
	cmd := exec.Command(bin, "--addr", addr, "--quiet")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "Tripletex mock listening on ") {
				ready <- strings.TrimPrefix(line, "Tripletex mock listening on ")
			}
		}
	}()
	select {
	case u := <-ready:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("tripletex-mock did not start within 30s")
	}
	return ""
}

// typeInto replaces an input's value as a person does (select all, type)
// and leaves it with Tab, which fires its change event.
func (b *browser) typeInto(sel, value string) {
	b.t.Helper()
	b.run(
		chromedp.Focus(sel, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel), nil),
		chromedp.SendKeys(sel, value+kb.Tab, chromedp.ByQuery),
	)
}

// clickAndWait clicks sel and waits for next to show on the page it leads
// to.
func (b *browser) clickAndWait(sel, next string) {
	b.t.Helper()
	b.run(chromedp.Click(sel, chromedp.ByQuery), chromedp.WaitVisible(next, chromedp.ByQuery))
}

// clickAndWaitJS clicks sel and waits until expr is true on the page it
// leads to.
func (b *browser) clickAndWaitJS(sel, expr string) {
	b.t.Helper()
	b.run(chromedp.Click(sel, chromedp.ByQuery))
	b.waitJS(expr)
}

// flashIs is true once the page says what the last action did with text.
func flashIs(text string) string {
	return fmt.Sprintf(`(() => { const n = document.querySelector('.notice.ok'); return !!n && n.textContent.includes(%q); })()`, text)
}

// integrationStatus reads an integration through the JSON API.
func integrationStatus(t *testing.T, g *gateway, key, id string) (status string, mapping map[string]any) {
	t.Helper()
	var in struct {
		Status string `json:"status"`
	}
	g.must("GET", "/v1/integrations/"+id, key, nil, "", 200).decode(t, &in)
	g.must("GET", "/v1/integrations/"+id+"/mapping", key, nil, "", 200).decode(t, &mapping)
	return in.Status, mapping
}

// wizardID is the integration ID in the browser's wizard address.
func (b *browser) wizardID() string {
	b.t.Helper()
	loc := b.location()
	i := strings.Index(loc, "/backoffice/integrations/")
	if i < 0 {
		b.t.Fatalf("not on a wizard: %s", loc)
	}
	id := loc[i+len("/backoffice/integrations/"):]
	if j := strings.IndexAny(id, "?#"); j >= 0 {
		id = id[:j]
	}
	return id
}

const saveAndContinue = `.wizard-step form button[type=submit]:not(.secondary)`

// TestBackOfficeIntegrationsTripletex: on `serve --demo` pointed at the
// Tripletex mock binary, the Norwegian demo merchant's admin (printed by
// serve --demo, as the README tells a new user) activates Tripletex
// through the wizard as a person would: a wrong employee token refused
// with Tripletex's answer, the right one, the start date, activation
// listing what is still missing, the mapping taken from the suggestion
// with one account changed (after an account Tripletex refuses for the
// row is shown refused inline, and a new account added from the wizard),
// invoicing, activation. The JSON API then reads the integration active
// with the account the person chose.
func TestBackOfficeIntegrationsTripletex(t *testing.T) {
	base := startTripletexMockBinary(t)
	t.Setenv("LEDGERBRIDGE_TRIPLETEX_BASE_URL", base)
	t.Setenv("LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN", tripletextest.DefaultConsumerToken)
	dir := t.TempDir()
	g := startGateway(t, dir, "--demo")
	// As a new user would: the Norwegian demo merchant's admin, as
	// serve --demo printed it.
	email, password := demoNorwegianUser(t, g)
	b := newBrowser(t, g.URL)
	b.signIn(email, password)

	b.open("/backoffice/integrations")
	if h := b.text("main h1"); h != "Integrasjoner" {
		t.Fatalf("integrations heading %q", h)
	}
	b.shoot("integrations")
	// ACTIVATE on Tripletex's card, both modes ticked.
	b.run(chromedp.WaitVisible(`#provider-tripletex input[value=invoicing]:checked`, chromedp.ByQuery),
		chromedp.WaitVisible(`#provider-tripletex input[value=bookkeeping]:checked`, chromedp.ByQuery))
	b.clickAndWait(`#provider-tripletex button[type=submit]`, "#f-employee_token")
	id := b.wizardID()
	if s := b.text(".step-count"); s != "Steg 1 av 9" {
		t.Errorf("step count %q", s)
	}
	b.shoot("wizard-credentials")

	b.run(chromedp.SendKeys("#f-employee_token", "wrong-token", chromedp.ByQuery))
	b.clickAndWait(`form[action$="/credentials"] button[type=submit]:not(.secondary)`, ".notice.bad")
	if msg := b.text(".notice.bad"); !strings.Contains(msg, "refused the credentials") {
		t.Errorf("wrong token answered %q", msg)
	}
	var echoed string
	b.run(chromedp.Value("#f-employee_token", &echoed, chromedp.ByQuery))
	if echoed != "" {
		t.Errorf("the refused token is echoed back: %q", echoed)
	}
	b.shoot("wizard-credentials-refused")
	b.run(chromedp.SendKeys("#f-employee_token", tripletextest.DefaultEmployeeToken, chromedp.ByQuery))
	b.clickAndWait(`form[action$="/credentials"] button[type=submit]:not(.secondary)`, "#f-export_start_date")
	if msg := b.text(".notice.ok"); !strings.Contains(msg, "Tilkoblingen er kontrollert") {
		t.Errorf("after the token: %q", msg)
	}

	// Activating now lists what is missing, each item linked to its step.
	b.open("/backoffice/integrations/" + id + "?step=finish")
	b.clickAndWait("#activate", ".problems")
	problems := b.text(".problems")
	for _, want := range []string{"Startdato for eksport", "Andre betalingsmåter (standard) – Konto", "25 % – Salgskonto", "Tips – Konto"} {
		if !strings.Contains(problems, want) {
			t.Errorf("activation problems lack %q:\n%s", want, problems)
		}
	}
	b.shoot("wizard-activation-missing")
	b.clickAndWait(`.problems a[href$="step=export_start_date"]`, "#f-export_start_date")

	today := time.Now().In(mustLoadLocation(t, "Europe/Oslo")).Format("2006-01-02")
	b.run(chromedp.SetValue("#f-export_start_date", today, chromedp.ByQuery))
	b.shoot("wizard-start-date")
	b.clickAndWait(saveAndContinue, `input[name="payment_methods.vipps"]`)

	// Payment methods: the suggestion, a Vipps account added to
	// Tripletex's chart from the wizard, an account Tripletex refuses for
	// the row shown refused inline, then the new account chosen.
	vipps := `input[name="payment_methods.vipps"]`
	var suggested string
	b.run(chromedp.Value(vipps, &suggested, chromedp.ByQuery))
	if suggested != "1920" {
		t.Errorf("suggested Vipps account %q, want 1920", suggested)
	}
	b.shoot("wizard-mapping")
	b.run(chromedp.Click(`#accounts summary`, chromedp.ByQuery),
		chromedp.SendKeys("#f-number", "1930", chromedp.ByQuery),
		chromedp.SendKeys("#f-name", "Vipps-oppgjør", chromedp.ByQuery))
	b.clickAndWaitJS(`#accounts button[type=submit]`, flashIs("Kontoen er opprettet"))
	b.run(chromedp.WaitReady(`#chart option[value="1930"]`, chromedp.ByQuery))
	b.typeInto(vipps, "3000")
	b.waitJS(`!!document.querySelector('td.cell.invalid input[name="payment_methods.vipps"]')`)
	if msg := b.text(`td.cell.invalid .field-error`); !strings.Contains(msg, "locked to VAT code 3") {
		t.Errorf("inline check of 3000 for Vipps: %q", msg)
	}
	b.shoot("wizard-mapping-inline-error")
	b.typeInto(vipps, "1930")
	b.waitJS(`(() => { const i = document.querySelector('input[name="payment_methods.vipps"]');
		const td = i && i.closest('td'); return td && !td.classList.contains('invalid') && td.textContent.includes('Vipps-oppgjør'); })()`)
	b.clickAndWait(saveAndContinue, `input[name="vat_rates.25"]`)
	b.shoot("wizard-vat-rates")
	b.clickAndWaitJS(saveAndContinue, `document.querySelector('form.mapping-form input[name=step]')?.value === "product_groups"`)
	b.shoot("wizard-product-groups")
	b.clickAndWait(saveAndContinue, `input[name="events.tips"]`)

	// Other events: Tripletex's default chart has no liability account
	// for tips; the merchant adds one from the list and the suggestion
	// takes it.
	var tips string
	b.run(chromedp.Value(`input[name="events.tips"]`, &tips, chromedp.ByQuery))
	if tips != "" {
		t.Errorf("tips suggested on %q before the chart has a liability account", tips)
	}
	b.run(chromedp.Click(`#accounts summary`, chromedp.ByQuery),
		chromedp.SendKeys("#f-number", "2910", chromedp.ByQuery),
		chromedp.SendKeys("#f-name", "Gjeld til ansatte", chromedp.ByQuery))
	b.clickAndWaitJS(`#accounts button[type=submit]`, flashIs("Kontoen er opprettet"))
	b.run(chromedp.Value(`input[name="events.tips"]`, &tips, chromedp.ByQuery))
	if tips != "2910" {
		t.Errorf("tips suggested on %q after adding 2910", tips)
	}
	b.shoot("wizard-events")
	b.clickAndWait(saveAndContinue, `input[name=invoicing_enabled]`)
	b.run(chromedp.Click(`input[name=invoicing_enabled]`, chromedp.ByQuery))
	b.shoot("wizard-invoicing")
	b.clickAndWait(saveAndContinue, `input[name=collective_invoicing_enabled]`)
	b.clickAndWait(saveAndContinue, "#activate")
	b.shoot("wizard-activate")
	b.clickAndWait("#activate", ".activated")
	if s := b.text(".activated"); !strings.Contains(s, "Tripletex er aktiv") {
		t.Errorf("after activation: %q", s)
	}
	b.shoot("wizard-activated")

	status, mp := integrationStatus(t, g, norwegianAdminKey(t, g), id)
	methods, _ := mp["payment_methods"].(map[string]any)
	events, _ := mp["events"].(map[string]any)
	if status != "active" || methods["vipps"] != "1930" || methods["card"] != "1920" || events["tips"] != "2910" {
		t.Fatalf("through the API: %s, payment methods %v, events %v", status, methods, events)
	}
	b.open("/backoffice/integrations")
	if s := b.text(".int-list"); !strings.Contains(s, "Tripletex") || !strings.Contains(s, "Aktiv") {
		t.Errorf("the integrations page lists %q", s)
	}
}

// TestBackOfficeIntegrationsSpiris: the demo admin activates Visma Spiris
// through the OAuth2 redirect (BackOffice → the Spiris mock's consent →
// the gateway's callback → back to the wizard), takes the suggested
// mapping and activates it; the JSON API reads it active. Then the
// merchant revokes the consent in Spiris and a charge finds out (503): the
// overview shows Spiris needing reconnection with a link to its wizard,
// which connects again through the same redirect and lands back with
// Spiris active (the API agrees, and the refused charge goes through).
func TestBackOfficeIntegrationsSpiris(t *testing.T) {
	mock := spiristest.Start(t, spiristest.Options{})
	mock.AddCustomer(spiristest.Customer{
		Name: "Byggbolaget i Norden AB", CorporateIdentityNumber: strPtr("556016-0680"),
		InvoicePostalCode: "111 22", InvoiceCity: "Stockholm", EmailAddress: strPtr("faktura@bygg.example"), IsActive: true,
	})
	dir := t.TempDir()
	addr := freeLoopbackAddr(t)
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`oauth:
  redirect_url: http://%s/v1/oauth/callback
spiris:
  api_url: %s
  authorize_url: %s
  token_url: %s
  client_id: %s
  client_secret: %s
`, addr, mock.APIBaseURL(), mock.AuthorizeURL(), mock.TokenURL(), mock.ClientID(), mock.ClientSecret())), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startGatewayAt(t, dir, addr, "--config", cfg, "--demo")
	email, password := demoUser(t, g)
	b := newBrowser(t, g.URL)
	b.signIn(email, password)

	b.open("/backoffice/integrations")
	b.clickAndWait(`#provider-spiris button[type=submit]`, "#connect")
	id := b.wizardID()
	b.shoot("wizard-connect")
	// Connect: to Spiris and back to the wizard's next step.
	b.clickAndWait("#connect", "#f-export_start_date")
	if loc := b.location(); !strings.Contains(loc, "/backoffice/integrations/"+id+"?connected=1") {
		t.Errorf("back from Spiris at %s", loc)
	}
	if msg := b.text(".notice.ok"); !strings.Contains(msg, "Anslutningen är kontrollerad") {
		t.Errorf("after connecting: %q", msg)
	}
	b.shoot("wizard-connected")

	today := time.Now().In(mustLoadLocation(t, "Europe/Stockholm")).Format("2006-01-02")
	b.run(chromedp.SetValue("#f-export_start_date", today, chromedp.ByQuery))
	b.clickAndWait(saveAndContinue, `input[name="payment_methods.card"]`)
	b.clickAndWait(saveAndContinue, `input[name="vat_rates.25"]`)
	b.clickAndWaitJS(saveAndContinue, `document.querySelector('form.mapping-form input[name=step]')?.value === "product_groups"`)
	b.clickAndWait(saveAndContinue, `input[name="events.tips"]`)
	b.clickAndWait(saveAndContinue, `input[name=invoicing_enabled]`)
	b.run(chromedp.Click(`input[name=invoicing_enabled]`, chromedp.ByQuery))
	b.clickAndWait(saveAndContinue, "#activate")
	b.clickAndWait("#activate", ".activated")
	b.shoot("wizard-spiris-activated")

	var demo struct {
		APIKeys map[string]string `json:"api_keys"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "demo-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &demo); err != nil {
		t.Fatal(err)
	}
	if status, _ := integrationStatus(t, g, demo.APIKeys["admin"], id); status != "active" {
		t.Fatalf("Spiris through the API: %s", status)
	}

	// The merchant revokes the consent in Spiris; the register's next
	// charge by invoice is where the gateway finds out (503, reconnect).
	admin, cashier := demo.APIKeys["admin"], demo.APIKeys["cashier"]
	customer := findCustomer(t, g, cashier, "5560160680")
	mock.RevokeAllRefreshTokens()
	mock.ExpireAccessTokens()
	r, err := g.do("POST", "/v1/charges", cashier, charge(customer, 1), "k-1")
	if err != nil || r.Status != 503 || !strings.Contains(string(r.Body), "re-authorised in BackOffice") {
		t.Fatalf("charge while the consent is revoked: %v %d %s", err, r.Status, r.Body)
	}
	if status, _ := integrationStatus(t, g, admin, id); status != "needs_reauth" {
		t.Fatalf("Spiris through the API after the revocation: %s", status)
	}

	// The overview says so, with a link to reconnect.
	b.open("/backoffice")
	reconnect := fmt.Sprintf(`main a[href="/backoffice/integrations/%s"]`, id)
	b.run(chromedp.WaitVisible(reconnect, chromedp.ByQuery))
	if s := b.text("main .grid-cards article"); !strings.Contains(s, "Behöver anslutas igen") || !strings.Contains(s, "Visma Spiris") ||
		!strings.Contains(s, "invalid_grant") {
		t.Errorf("the overview's integrations say %q", s)
	}
	if s := b.text(reconnect); s != "anslut igen" {
		t.Errorf("the overview's link reads %q", s)
	}
	// Invoicing waits for Spiris: the overdue invoices' card says so
	// rather than "none", and nothing else on the page alarms.
	if s := b.text("main"); !strings.Contains(s, "Fakturorna kan inte läsas förrän Visma Spiris är ansluten igen.") ||
		strings.Contains(s, "Inga förfallna fakturor") || strings.Contains(s, "Tjänsten svarar inte") {
		t.Errorf("the overview while Spiris needs reconnecting:\n%s", s)
	}
	b.shoot("overview-needs-reauth")

	// The link opens the wizard on the connection step, which says why
	// and offers to connect again.
	b.clickAndWait(reconnect, "#connect")
	if loc := b.location(); !strings.HasSuffix(loc, "/backoffice/integrations/"+id) {
		t.Errorf("the reconnect link led to %s", loc)
	}
	if s := b.text(".wizard-step .notice.bad"); !strings.Contains(s, "Anslutningen till Visma Spiris måste förnyas") || !strings.Contains(s, "invalid_grant") {
		t.Errorf("the wizard says %q", s)
	}
	if n := b.count(".notice.bad"); n != 1 {
		t.Errorf("the wizard shows %d warnings, want the one saying why to reconnect", n)
	}
	if s := b.text("#connect"); s != "Anslut till Visma Spiris igen" {
		t.Errorf("the connect button reads %q", s)
	}
	b.shoot("wizard-reconnect")
	// On a phone the page is no wider than the screen (the progress list
	// scrolls within itself).
	var width int
	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &width),
		chromedp.EmulateViewport(1280, 900))
	if width > 390 {
		t.Errorf("the wizard is %d px wide on a 390 px phone", width)
	}

	// Connect again: to Spiris and back, active again.
	b.clickAndWait("#connect", ".activated")
	if loc := b.location(); !strings.Contains(loc, "/backoffice/integrations/"+id+"?connected=1") {
		t.Errorf("back from Spiris at %s", loc)
	}
	if msg := b.text(".notice.ok"); !strings.Contains(msg, "Anslutningen är kontrollerad") {
		t.Errorf("after reconnecting: %q", msg)
	}
	if s := b.text(".activated"); !strings.Contains(s, "Visma Spiris är aktiv") {
		t.Errorf("after reconnecting the wizard says %q", s)
	}
	b.shoot("wizard-reconnected")
	var in struct {
		Status       string `json:"status"`
		StatusReason string `json:"status_reason"`
	}
	g.must("GET", "/v1/integrations/"+id, admin, nil, "", 200).decode(t, &in)
	if in.Status != "active" || in.StatusReason != "" {
		t.Fatalf("Spiris through the API after reconnecting: %s %q", in.Status, in.StatusReason)
	}
	// The charge the register retries goes through.
	g.must("POST", "/v1/charges", cashier, charge(customer, 1), "k-1", 201)
	b.open("/backoffice")
	if s := b.text("main .grid-cards article"); strings.Contains(s, "Behöver anslutas igen") || !strings.Contains(s, "Visma Spiris") {
		t.Errorf("the overview after reconnecting says %q", s)
	}
}
