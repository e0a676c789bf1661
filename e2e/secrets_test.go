package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

// faultyUpstream stands between a provider plugin and its mock accounting
// system. In mode "" it passes requests through; in "401" and "500" it
// answers with that status and an error message that echoes everything the
// request carried (its URL, query values and Authorization header), as a
// careless or hostile upstream could; in "slow" it answers only after the
// plugin has given up. Close makes it unreachable (connection refused).
type faultyUpstream struct {
	*httptest.Server
	mode  atomic.Value // string
	mu    sync.Mutex
	seen  map[string]bool // Authorization values and query values it saw
	echo  func(w http.ResponseWriter, status int, text string)
	inner http.Handler
}

func newFaultyUpstream(t *testing.T, inner http.Handler, echo func(w http.ResponseWriter, status int, text string)) *faultyUpstream {
	f := &faultyUpstream{seen: map[string]bool{}, echo: echo, inner: inner}
	f.mode.Store("")
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *faultyUpstream) setMode(m string) { f.mode.Store(m) }

func (f *faultyUpstream) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if a := r.Header.Get("Authorization"); a != "" {
		f.seen[a] = true
		if tok, ok := strings.CutPrefix(a, "Bearer "); ok {
			f.seen[tok] = true
		}
	}
	f.mu.Unlock()
	text := fmt.Sprintf("refused %s %s query=%v authorization=%q", r.Method, r.URL.String(), r.URL.Query(), r.Header.Get("Authorization"))
	switch f.mode.Load().(string) {
	case "401":
		f.echo(w, http.StatusUnauthorized, text)
	case "500":
		f.echo(w, http.StatusInternalServerError, text)
	case "slow":
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
		f.echo(w, http.StatusGatewayTimeout, text)
	default:
		f.inner.ServeHTTP(w, r)
	}
}

// bearerTokens returns the bearer tokens the upstream saw.
func (f *faultyUpstream) bearerTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for v := range f.seen {
		if !strings.HasPrefix(v, "Bearer ") && !strings.HasPrefix(v, "Basic ") {
			out = append(out, v)
		}
	}
	return out
}

// secretForms are the ways a secret could appear in a text: as is,
// URL-escaped, and base64-encoded.
func secretForms(secret string) []string {
	return []string{secret, url.QueryEscape(secret), url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))}
}

// assertNoSecrets fails when text holds any form of any secret.
func assertNoSecrets(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			if strings.Contains(text, f) {
				t.Errorf("%s contains the credential %q (as %q):\n%s", where, s, f, text)
				break
			}
		}
	}
}

// tripletexEcho answers in Tripletex's error envelope.
func tripletexEcho(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status": status, "code": 0, "message": text, "developerMessage": text,
		"validationMessages": []map[string]any{{"field": "consumerToken", "message": text}}})
}

// spirisEcho answers in Spiris's error envelope.
func spirisEcho(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"ErrorCode": 0, "DeveloperErrorMessage": text, "ErrorId": "e-1",
		"Errors": []map[string]any{{"Field": "Token", "ErrorCode": "x", "Message": text}}})
}

// TestTripletexCredentialsNeverInAnswersOrLogs: whatever Tripletex does
// (refuse with 401, fail with 5xx, hang past the call timeout, or not
// answer at all), neither the operator's consumer token nor the merchant's
// employee token appears in an answer of the HTTP API or in the gateway's
// log, through the cashier's charge and the credentials step of the wizard.
func TestTripletexCredentialsNeverInAnswersOrLogs(t *testing.T) {
	const consumer = "consumer+Tok/en=SECRET-c0nsumer"
	const employee = "employee+Tok/en=SECRET-empl0yee"
	mock := tripletextest.Start(t, tripletextest.Options{ConsumerToken: consumer, EmployeeToken: employee})
	mock.AddCustomer(tripletextest.Customer{Name: "Fjordbygg AS", OrganizationNumber: "991825827", Email: "faktura@fjordbygg.example", InvoicesDueIn: 14})
	up := newFaultyUpstream(t, mock.Handler(), tripletexEcho)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("tripletex:\n  base_url: %s/v2\n  consumer_token: %s\nplugins:\n  call_timeout: 3s\n",
		up.URL, consumer)), 0o600)
	m := createMerchantIn(t, dir, "Kafé Bryggen AS", core.Norway)
	g := startGateway(t, dir, "--config", cfg, "--log-level", "debug")
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]

	var intg struct {
		ID string `json:"id"`
	}
	// Tripletex invoicing needs Tripletex bookkeeping: both in one step.
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "tripletex", "modes": []string{"invoicing", "bookkeeping"}}, "", 201).decode(t, &intg)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/credentials", admin, map[string]any{"employee_token": employee}, "", 200)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{"invoicing_enabled": true,
		"export_start_date": time.Now().Format("2006-01-02")}, "", 200)
	addTripletexLiabilityAccounts(t, g, admin, intg.ID)
	activateWithSuggestion(t, g, admin, intg.ID)
	customer := findCustomer(t, g, cashier, "fjord")

	secrets := []string{consumer, employee}
	n := 0
	try := func(mode string) {
		t.Helper()
		// A fresh plugin has no session yet, so every call starts by
		// creating one with both tokens in the query.
		for _, pid := range g.pluginPIDs("tripletex") {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
		}
		n++
		r, err := g.do("POST", "/v1/charges", cashier, map[string]any{
			"customer_id": customer, "location_id": "bryggen", "receipt_id": fmt.Sprint("r-", n),
			"lines": []map[string]any{{"description": "Kaffe", "product_group": "drinks", "quantity": 1, "unit_price": 4500, "vat_rate": "15"}},
		}, fmt.Sprint("k-", n))
		if err != nil || r.Status < 400 {
			t.Errorf("%s: charge answered %v %d %s, want an error", mode, err, r.Status, r.Body)
		}
		t.Logf("%s: charge: %d %s", mode, r.Status, r.Body)
		assertNoSecrets(t, mode+": POST /v1/charges answer", string(r.Body), secrets)
		r, err = g.do("PUT", "/v1/integrations/"+intg.ID+"/credentials", admin, map[string]any{"employee_token": employee}, "")
		if err != nil || r.Status < 400 {
			t.Errorf("%s: credentials answered %v %d %s, want an error", mode, err, r.Status, r.Body)
		}
		t.Logf("%s: credentials: %d %s", mode, r.Status, r.Body)
		assertNoSecrets(t, mode+": PUT /v1/integrations/{id}/credentials answer", string(r.Body), secrets)
	}
	for _, mode := range []string{"401", "500", "slow"} {
		up.setMode(mode)
		try(mode)
	}
	up.Close() // unreachable: connection refused
	try("unreachable")
	g.stop() // the gateway drains its plugins' output before it exits: the log is complete
	assertNoSecrets(t, "gateway log", g.logs.String(), secrets)
}

// TestSpirisCredentialsNeverInAnswersOrLogs is the same for Visma Spiris:
// the OAuth2 access tokens the gateway hands the plugin and the operator's
// client secret never appear in an answer or the gateway's log.
func TestSpirisCredentialsNeverInAnswersOrLogs(t *testing.T) {
	mock := spiristest.Start(t, spiristest.Options{ClientSecret: "client+Sec/ret=SECRET-spiris"})
	mock.AddCustomer(spiristest.Customer{
		Name: "Byggbolaget i Norden AB", CorporateIdentityNumber: strPtr("556016-0680"),
		InvoicePostalCode: "111 22", InvoiceCity: "Stockholm", EmailAddress: strPtr("faktura@bygg.example"), IsActive: true,
	})
	target, _ := url.Parse(mock.URL())
	up := newFaultyUpstream(t, httputil.NewSingleHostReverseProxy(target), spirisEcho)
	dir := t.TempDir()
	addr := freeLoopbackAddr(t)
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`oauth:
  redirect_url: http://%s/v1/oauth/callback
plugins:
  call_timeout: 3s
spiris:
  api_url: %s/v2
  authorize_url: %s
  token_url: %s
  client_id: %s
  client_secret: %s
`, addr, up.URL, mock.AuthorizeURL(), mock.TokenURL(), mock.ClientID(), mock.ClientSecret())), 0o600)
	m := createMerchant(t, dir, "Kafé Linnea AB", 1)
	g := startGatewayAt(t, dir, addr, "--config", cfg, "--log-level", "debug")
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]

	var intg struct {
		ID string `json:"id"`
	}
	// Spiris invoicing needs Spiris bookkeeping: both in one step.
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "spiris", "modes": []string{"invoicing", "bookkeeping"}}, "", 201).decode(t, &intg)
	connectOAuth(t, g, admin, intg.ID)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{"invoicing_enabled": true,
		"export_start_date": time.Now().Format("2006-01-02")}, "", 200)
	activateWithSuggestion(t, g, admin, intg.ID)
	customer := findCustomer(t, g, cashier, "5560160680")

	n := 0
	var answers []string
	try := func(mode string) {
		t.Helper()
		n++
		r, err := g.do("POST", "/v1/charges", cashier, charge(customer, n), fmt.Sprint("k-", n))
		if err != nil || r.Status < 400 {
			t.Errorf("%s: charge answered %v %d %s, want an error", mode, err, r.Status, r.Body)
		}
		answers = append(answers, mode+": POST /v1/charges: "+string(r.Body))
		t.Logf("%s: charge: %d %s", mode, r.Status, r.Body)
		r, err = g.do("GET", "/v1/customers?q=bygg", cashier, nil, "")
		if err == nil && r.Status < 400 {
			return // answered from the plugin's copy
		}
		answers = append(answers, mode+": GET /v1/customers: "+string(r.Body))
	}
	for _, mode := range []string{"401", "500", "slow"} {
		up.setMode(mode)
		try(mode)
	}
	up.Close()
	try("unreachable")
	g.stop() // the gateway drains its plugins' output before it exits: the log is complete
	secrets := append([]string{mock.ClientSecret()}, up.bearerTokens()...)
	if len(secrets) < 2 {
		t.Fatalf("the upstream saw no access token")
	}
	for _, a := range answers {
		assertNoSecrets(t, "answer", a, secrets)
	}
	assertNoSecrets(t, "gateway log", g.logs.String(), secrets)
}

// TestLeakyProviderCannotLeakCredentials: an external provider that puts
// the credentials it is given in its errors, its log and its stderr (the
// fake plugin built as "...-leaky") leaks none of them into the gateway's
// answers (the wizard's credentials step and the cashier's charge) or log.
func TestLeakyProviderCannotLeakCredentials(t *testing.T) {
	dataDir, cfg, _, _ := externalPluginSetupAs(t, "ledgerbridge-provider-leaky", func(actual string) string { return actual })
	m := createMerchant(t, dataDir, "Kafé Linnea AB", 1)
	g := startGateway(t, dataDir, "--config", cfg, "--log-level", "debug")
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]

	const refused, accepted = "leak+tok/en=SECRET-refused", "good+tok/en=SECRET-accepted"
	var intg struct {
		ID string `json:"id"`
	}
	// The fake books sales too, so its invoicing needs its bookkeeping.
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "fake", "modes": []string{"invoicing", "bookkeeping"}}, "", 201).decode(t, &intg)
	r := g.must("PUT", "/v1/integrations/"+intg.ID+"/credentials", admin, map[string]any{"api_token": refused}, "", 503)
	assertNoSecrets(t, "PUT /v1/integrations/{id}/credentials answer", string(r.Body), []string{refused})
	if !strings.Contains(string(r.Body), "[REDACTED]") {
		t.Errorf("credentials answer %s: want the provider's message, redacted", r.Body)
	}
	g.must("PUT", "/v1/integrations/"+intg.ID+"/credentials", admin, map[string]any{"api_token": accepted}, "", 200)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{"invoicing_enabled": true,
		"export_start_date": time.Now().Format("2006-01-02")}, "", 200)
	activateWithSuggestion(t, g, admin, intg.ID)
	r, err := g.do("POST", "/v1/charges", cashier, charge("c1", 1), "k-1")
	if err != nil || r.Status < 400 || !strings.Contains(string(r.Body), "[REDACTED]") {
		t.Errorf("charge answered %v %d %s, want the provider's error, redacted", err, r.Status, r.Body)
	}
	assertNoSecrets(t, "POST /v1/charges answer", string(r.Body), []string{accepted})
	g.stop() // the gateway drains its plugins' output before it exits: the log is complete
	logs := g.logs.String()
	assertNoSecrets(t, "gateway log", logs, []string{refused, accepted})
	if !strings.Contains(logs, "raw stderr") || !strings.Contains(logs, "verifying with") {
		t.Errorf("the plugin's leaking log lines did not reach the gateway's log:\n%s", logs)
	}
}
