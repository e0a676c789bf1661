package integrations_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// redirectURL is the gateway's callback as registered with the mock. Nothing
// listens there: the tests stop at the redirect and call CompleteOAuth.
const redirectURL = "http://127.0.0.1:9/v1/oauth/callback"

var spirisScopes = []string{"ea:api", "offline_access", "ea:sales", "ea:accounting"}

// spirisProvider is an oauth2 provider that checks the access token it is
// given against the mock's API, as the real plugin's VerifyConnection
// does (GET /v2/companysettings with the bearer token).
type spirisProvider struct {
	core.Provider
	srv *spiristest.Server

	mu      sync.Mutex
	seen    []map[string]string // credentials of every call
	refused int
}

func (p *spirisProvider) Describe(context.Context) (core.Descriptor, error) {
	return core.Descriptor{Name: "spiris", DisplayName: "Spiris", Version: "1",
		Auth: core.AuthScheme{Type: core.AuthOAuth2, OAuth2: &core.OAuth2Endpoints{
			AuthorizeURL: p.srv.AuthorizeURL(), TokenURL: p.srv.TokenURL(), Scopes: spirisScopes}},
		Capabilities: core.Capabilities{Invoices: true, SalesExport: true}}, nil
}

func (p *spirisProvider) VerifyConnection(ctx context.Context, conn core.Connection) error {
	p.mu.Lock()
	p.seen = append(p.seen, conn.Credentials)
	p.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.srv.APIBaseURL()+"/companysettings", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+conn.Credentials[integrations.CredentialAccessToken])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return core.Errorf(core.CodeUnavailable, "spiris: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.mu.Lock()
		p.refused++
		p.mu.Unlock()
		return core.Errorf(core.CodeInvalid, "Spiris answered %d to the access token", resp.StatusCode)
	}
	return nil
}

type oauthFixture struct {
	svc    *integrations.Service
	store  *store.Store
	dir    string
	clock  *coretest.Clock
	mock   *spiristest.Server
	spiris *spirisProvider
	admin  core.Principal
	admin2 core.Principal
}

func newOAuthFixture(t *testing.T) *oauthFixture {
	t.Helper()
	clock := coretest.NewClock(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
	mock := spiristest.Start(t, spiristest.Options{Now: clock.Now, RedirectURIs: []string{redirectURL}})
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &oauthFixture{store: st, dir: dir, clock: clock, mock: mock, spiris: &spirisProvider{srv: mock}}
	sealer, err := integrations.NewSealerFromBase64(integrations.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	reg := coretest.Registry{"spiris": f.spiris, "ledger": newLedger("ledger")}
	f.svc = integrations.NewService(st, reg, sealer, clock.Now)
	if err := f.svc.SetOAuthConfig(integrations.OAuthConfig{RedirectURL: redirectURL,
		Clients: map[string]integrations.ClientCredentials{
			"spiris": {ClientID: mock.ClientID(), ClientSecret: mock.ClientSecret()}}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"m1", "m2"} {
		m := core.Merchant{ID: id, Name: "Café " + id, Country: core.Sweden, Currency: "SEK",
			InvoicingProvider: "open", InvoiceStartNumber: 1, CreatedAt: clock.Now()}
		if err := st.CreateMerchant(context.Background(), m, nil); err != nil {
			t.Fatal(err)
		}
	}
	f.admin = core.Principal{MerchantID: "m1", Role: core.RoleAdmin}
	f.admin2 = core.Principal{MerchantID: "m2", Role: core.RoleAdmin}
	return f
}

// authorize opens the authorize URL like a browser that stops at the
// redirect to the gateway's callback, and returns the callback's code and
// state.
func authorize(t *testing.T, authorizeURL string) (code, state string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d, want a redirect", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURL {
		t.Fatalf("redirected to %s, want the callback %s", got, redirectURL)
	}
	q := loc.Query()
	if q.Get("error") != "" || q.Get("code") == "" || q.Get("state") == "" {
		t.Fatalf("callback query %v", q)
	}
	return q.Get("code"), q.Get("state")
}

// connect runs the whole flow for integration id of p's merchant.
func (f *oauthFixture) connect(t *testing.T, p core.Principal, id string) integrations.Integration {
	t.Helper()
	u, err := f.svc.StartOAuth(ctx, p, id)
	if err != nil {
		t.Fatal(err)
	}
	code, state := authorize(t, u)
	in, err := f.svc.CompleteOAuth(ctx, code, state)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// completeSteps saves the settings and the mapping of a Spiris integration
// in both modes: invoicing through Spiris needs its bookkeeping.
func (f *oauthFixture) completeSteps(t *testing.T, id string) {
	t.Helper()
	if _, err := f.svc.PutSettings(ctx, f.admin, id, integrations.Settings{InvoicingEnabled: true, ExportStartDate: "2026-05-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutMapping(ctx, f.admin, id, mapping.Mapping{
		FallbackPaymentAccount: "1930",
		VATRates:               map[string]string{"25": "3001", "12": "3002", "6": "3003"},
		VATAccounts:            map[string]string{"25": "2611", "12": "2621", "6": "2631"},
		Events:                 map[string]string{mapping.EventTips: "2890", mapping.EventRounding: "3740"},
	}); err != nil {
		t.Fatal(err)
	}
}

// activeSpiris creates, connects and activates an integration of Spiris
// for invoicing and bookkeeping for m1.
func (f *oauthFixture) activeSpiris(t *testing.T) string {
	t.Helper()
	in, err := f.svc.Create(ctx, f.admin, "spiris", both)
	if err != nil {
		t.Fatal(err)
	}
	f.connect(t, f.admin, in.ID)
	f.completeSteps(t, in.ID)
	activated, err := f.svc.Activate(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if activated.Status != core.IntegrationActive {
		t.Fatalf("status %s", activated.Status)
	}
	return in.ID
}

func (f *oauthFixture) lastIssue(t *testing.T) spiristest.TokenIssue {
	t.Helper()
	issues := f.mock.TokenIssues()
	if len(issues) == 0 {
		t.Fatal("the mock issued no tokens")
	}
	return issues[len(issues)-1]
}

func (f *oauthFixture) tokenRequests() int {
	n := 0
	for _, r := range f.mock.Requests() {
		if strings.EqualFold(r.Path, "/connect/token") {
			n++
		}
	}
	return n
}

// assertNotInDatabase fails when any of secrets appears in the database
// file or its WAL and shared-memory files.
func (f *oauthFixture) assertNotInDatabase(t *testing.T, secrets ...string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(f.dir, store.FileName+"*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files in %s (%v)", f.dir, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if s == "" {
				t.Fatal("empty secret")
			}
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds the secret %q in plain text", filepath.Base(name), s)
			}
		}
	}
}

func TestOAuthRedirectFlowConnectsAndActivates(t *testing.T) {
	f := newOAuthFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "spiris", both)
	if err != nil {
		t.Fatal(err)
	}
	if in.Auth != core.AuthOAuth2 || in.Connected || step(t, in.Wizard, integrations.StepCredentials).Status != integrations.StepTodo {
		t.Fatalf("new integration %+v", in)
	}
	authURL, err := f.svc.StartOAuth(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if got := u.Scheme + "://" + u.Host + u.Path; got != f.mock.AuthorizeURL() {
		t.Errorf("authorize URL %s, want %s", got, f.mock.AuthorizeURL())
	}
	for k, want := range map[string]string{"client_id": f.mock.ClientID(), "redirect_uri": redirectURL,
		"response_type": "code", "prompt": "select_account", "scope": strings.Join(spirisScopes, " ")} {
		if q.Get(k) != want {
			t.Errorf("authorize URL %s = %q, want %q", k, q.Get(k), want)
		}
	}
	if len(q.Get("state")) < 40 {
		t.Errorf("state %q is too short to be unguessable", q.Get("state"))
	}
	if strings.Contains(authURL, f.mock.ClientSecret()) {
		t.Error("the authorize URL carries the client secret")
	}

	code, state := authorize(t, authURL)
	if state != q.Get("state") {
		t.Fatalf("callback state %q, want %q", state, q.Get("state"))
	}
	done, err := f.svc.CompleteOAuth(ctx, code, state)
	if err != nil {
		t.Fatal(err)
	}
	if !done.Connected || done.Status != core.IntegrationSetup || step(t, done.Wizard, integrations.StepCredentials).Status != integrations.StepDone {
		t.Fatalf("after the callback: %+v", done)
	}
	issued := f.lastIssue(t)
	if issued.Grant != "authorization_code" || issued.RefreshToken == "" {
		t.Fatalf("mock issued %+v", issued)
	}
	f.assertNotInDatabase(t, issued.AccessToken, issued.RefreshToken, state)

	// Activation an hour later verifies the connection with a refreshed
	// access token (the first one has expired meanwhile).
	f.completeSteps(t, in.ID)
	f.clock.Advance(2 * time.Hour)
	act, err := f.svc.Activate(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	if act.Status != core.IntegrationActive {
		t.Fatalf("status %s", act.Status)
	}
	refreshed := f.lastIssue(t)
	if refreshed.Grant != "refresh_token" || refreshed.SpentRefreshToken != issued.RefreshToken {
		t.Fatalf("activation did not refresh with the stored refresh token: %+v", refreshed)
	}
	if f.spiris.refused != 0 {
		t.Fatalf("the provider was handed %d access tokens the API refused", f.spiris.refused)
	}

	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || !found {
		t.Fatalf("ActiveConnection: %v %v", found, err)
	}
	if ac.Status != core.IntegrationActive || ac.Credentials[integrations.CredentialAccessToken] != refreshed.AccessToken {
		t.Fatalf("connection %+v, want the refreshed access token", ac)
	}
	if _, ok := ac.Credentials[integrations.CredentialRefreshToken]; ok {
		t.Error("the refresh token is handed to the provider")
	}
	exp, err := time.Parse(time.RFC3339, ac.Credentials[integrations.CredentialExpiresAt])
	if err != nil || !exp.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("expires_at %q (%v), want an hour from now", ac.Credentials[integrations.CredentialExpiresAt], err)
	}
	f.assertNotInDatabase(t, refreshed.AccessToken, refreshed.RefreshToken)
}

func TestOAuthStateIsSingleUseExpiresAndBindsMerchantAndIntegration(t *testing.T) {
	f := newOAuthFixture(t)
	a, err := f.svc.Create(ctx, f.admin, "spiris", invoicing)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Create(ctx, f.admin, "spiris", bookkeeping)
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.svc.Create(ctx, f.admin2, "spiris", invoicing)
	if err != nil {
		t.Fatal(err)
	}
	tokenAPI, err := f.svc.Create(ctx, f.admin, "ledger", invoicing)
	if err != nil {
		t.Fatal(err)
	}

	// Who may start what.
	for _, tt := range []struct {
		name  string
		p     core.Principal
		id    string
		code  core.ErrorCode
		field string
	}{
		{"cashier", core.Principal{MerchantID: "m1", Role: core.RoleCashier}, a.ID, core.CodeForbidden, ""},
		{"accountant", core.Principal{MerchantID: "m1", Role: core.RoleAccountant}, a.ID, core.CodeForbidden, ""},
		{"another merchant's integration", f.admin2, a.ID, core.CodeNotFound, ""},
		{"unknown integration", f.admin, "int_nope", core.CodeNotFound, ""},
		{"api token provider", f.admin, tokenAPI.ID, core.CodeInvalid, "credentials"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.StartOAuth(ctx, tt.p, tt.id)
			e := wantCode(t, err, tt.code)
			if tt.field != "" && fieldMessage(e, tt.field) == "" {
				t.Errorf("fields %v, want %s", fieldNames(e), tt.field)
			}
		})
	}

	// A state completes the integration it was started for, only once.
	uOther, err := f.svc.StartOAuth(ctx, f.admin2, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	uA, err := f.svc.StartOAuth(ctx, f.admin, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	codeOther, stateOther := authorize(t, uOther)
	codeA, stateA := authorize(t, uA)
	got, err := f.svc.CompleteOAuth(ctx, codeOther, stateOther)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != other.ID || !got.Connected {
		t.Fatalf("m2's callback completed %s (connected %v), want %s", got.ID, got.Connected, other.ID)
	}
	for _, p := range []struct {
		p  core.Principal
		id string
	}{{f.admin, a.ID}, {f.admin, b.ID}} {
		in, err := f.svc.Get(ctx, p.p, p.id)
		if err != nil {
			t.Fatal(err)
		}
		if in.Connected {
			t.Errorf("m2's callback connected m1's integration %s", p.id)
		}
	}
	tokenCalls := f.tokenRequests()
	_, err = f.svc.CompleteOAuth(ctx, codeOther, stateOther)
	if e := wantCode(t, err, core.CodeInvalid); !strings.Contains(fieldMessage(e, "state"), "already used") {
		t.Errorf("replayed state: %v", e)
	}
	if f.tokenRequests() != tokenCalls {
		t.Error("a replayed state reached the token endpoint")
	}

	// The code of one flow with the state of another: the state is valid
	// (for a), the mock refuses the spent code.
	in, err := f.svc.CompleteOAuth(ctx, codeA, stateA)
	if err != nil || in.ID != a.ID {
		t.Fatalf("complete a: %v %v", in.ID, err)
	}
	uA2, err := f.svc.StartOAuth(ctx, f.admin, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, stateA2 := authorize(t, uA2)
	_, err = f.svc.CompleteOAuth(ctx, codeA, stateA2)
	if e := wantCode(t, err, core.CodeInvalid); fieldMessage(e, "code") == "" {
		t.Errorf("spent code: %v", e)
	}

	// Expired after StateLifetime; malformed callbacks.
	uB, err := f.svc.StartOAuth(ctx, f.admin, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(integrations.StateLifetime + time.Second)
	codeB, stateB := authorize(t, uB)
	_, err = f.svc.CompleteOAuth(ctx, codeB, stateB)
	if e := wantCode(t, err, core.CodeInvalid); !strings.Contains(fieldMessage(e, "state"), "expired") {
		t.Errorf("expired state: %v", e)
	}
	for _, tt := range []struct{ code, state, field string }{
		{"x", "", "state"},
		{"", "y", "code"},
		{"x", "not-a-state-we-issued", "state"},
	} {
		_, err := f.svc.CompleteOAuth(ctx, tt.code, tt.state)
		if e := wantCode(t, err, core.CodeInvalid); fieldMessage(e, tt.field) == "" {
			t.Errorf("CompleteOAuth(%q, %q): %v, want field %s", tt.code, tt.state, e, tt.field)
		}
	}
	if in, err := f.svc.Get(ctx, f.admin, b.ID); err != nil || in.Connected {
		t.Errorf("b connected %v (%v) after only failed callbacks", in.Connected, err)
	}
}

func TestOAuthNeedsOperatorClient(t *testing.T) {
	f := newOAuthFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "spiris", invoicing)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetOAuthConfig(integrations.OAuthConfig{RedirectURL: redirectURL}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.StartOAuth(ctx, f.admin, in.ID)
	if e := wantCode(t, err, core.CodeUnavailable); !strings.Contains(e.Message, "operator") {
		t.Errorf("no client: %v", e)
	}
	err = f.svc.SetOAuthConfig(integrations.OAuthConfig{RedirectURL: "/v1/oauth/callback",
		Clients: map[string]integrations.ClientCredentials{"spiris": {ClientSecret: "s"}}})
	if e := wantCode(t, err, core.CodeInvalid); len(e.Fields) != 2 {
		t.Errorf("bad config: fields %v, want redirect_url and clients.spiris.client_id", fieldNames(e))
	}
}

// TestOAuthConcurrentRefreshSpendsRefreshTokenOnce is the acceptance test:
// 20 parallel calls across an access-token expiry spend the refresh token
// once, all get the new access token, and the rotated refresh token is the
// one stored (the next refresh succeeds with it).
func TestOAuthConcurrentRefreshSpendsRefreshTokenOnce(t *testing.T) {
	f := newOAuthFixture(t)
	id := f.activeSpiris(t)
	first, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing) // warm the cache
	if err != nil || !found {
		t.Fatal(found, err)
	}
	spendsBefore := len(f.mock.RefreshSpends())

	for round := 1; round <= 2; round++ {
		before := f.lastIssue(t)
		// Inside the refresh margin: still valid, refreshed ahead.
		f.clock.Advance(time.Hour - integrations.RefreshMargin/2)
		const n = 20
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			conns = make([]core.ActiveConnection, n)
			errs  = make([]error, n)
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				conns[i], _, errs[i] = f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
			}()
		}
		close(start)
		wg.Wait()

		spends := f.mock.RefreshSpends()[spendsBefore:]
		if len(spends) != round {
			t.Fatalf("round %d: %d refresh-token spends in all, want %d: %+v", round, len(spends), round, spends)
		}
		if last := spends[len(spends)-1]; !last.OK || last.RefreshToken != before.RefreshToken {
			t.Fatalf("round %d: spend %+v, want the refresh token issued last (%s)", round, last, before.RefreshToken)
		}
		issued := f.lastIssue(t)
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if got := conns[i].Credentials[integrations.CredentialAccessToken]; got != issued.AccessToken || conns[i].Status != core.IntegrationActive {
				t.Fatalf("call %d got %q (%s), want the new access token %q", i, got, conns[i].Status, issued.AccessToken)
			}
		}
		if issued.AccessToken == first.Credentials[integrations.CredentialAccessToken] {
			t.Fatal("the access token did not change")
		}
		// The new token works against the API, and is what the cache
		// hands out from now on.
		if err := f.spiris.VerifyConnection(ctx, core.Connection{Credentials: conns[0].Credentials}); err != nil {
			t.Fatalf("the refreshed access token does not work: %v", err)
		}
		again, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
		if err != nil || again.Credentials[integrations.CredentialAccessToken] != issued.AccessToken {
			t.Fatalf("after the refresh: %v %v", again.Credentials, err)
		}
		f.assertNotInDatabase(t, issued.AccessToken, issued.RefreshToken)
	}
	if in, err := f.svc.Get(ctx, f.admin, id); err != nil || in.Status != core.IntegrationActive {
		t.Fatalf("status %s (%v)", in.Status, err)
	}
}

func TestOAuthRevokedRefreshTokenNeedsReauthThenReconnects(t *testing.T) {
	f := newOAuthFixture(t)
	id := f.activeSpiris(t)
	f.mock.RevokeAllRefreshTokens()
	f.clock.Advance(2 * time.Hour)

	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || !found {
		t.Fatalf("ActiveConnection: %v %v", found, err)
	}
	if ac.Status != core.IntegrationNeedsReauth {
		t.Fatalf("status %s, want needs_reauth", ac.Status)
	}
	spends := f.mock.RefreshSpends()
	if len(spends) != 1 || spends[0].OK || spends[0].Error != "invalid_grant" {
		t.Fatalf("spends %+v, want one refused with invalid_grant", spends)
	}
	in, err := f.svc.Get(ctx, f.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != core.IntegrationNeedsReauth || !strings.Contains(in.StatusReason, "reconnect Spiris") {
		t.Fatalf("integration %s: %q", in.Status, in.StatusReason)
	}
	if st := step(t, in.Wizard, integrations.StepCredentials); st.Status != integrations.StepInvalid {
		t.Errorf("credentials step %+v, want invalid", st)
	}
	// Paused: no further refresh attempts, the same answer for the
	// bookkeeping lookups and the wizard's provider calls.
	for range 3 {
		if ac, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); err != nil || ac.Status != core.IntegrationNeedsReauth {
			t.Fatalf("again: %s %v", ac.Status, err)
		}
	}
	_, err = f.svc.Accounts(ctx, f.admin, id)
	if e := wantCode(t, err, core.CodeInvalid); !strings.Contains(fieldMessage(e, "credentials"), "re-authorise") {
		t.Errorf("Accounts while needs_reauth: %v", e)
	}
	_, err = f.svc.Activate(ctx, f.admin, id)
	if e := wantCode(t, err, core.CodeInvalid); fieldMessage(e, "credentials") == "" {
		t.Errorf("Activate while needs_reauth: %v", e)
	}
	if n := len(f.mock.RefreshSpends()); n != 1 {
		t.Fatalf("%d refresh attempts, want 1", n)
	}

	// Reconnecting makes it active again with the new grant.
	got := f.connect(t, f.admin, id)
	if got.Status != core.IntegrationActive || got.StatusReason != "" ||
		step(t, got.Wizard, integrations.StepCredentials).Status != integrations.StepDone {
		t.Fatalf("after reconnecting: %s %q %+v", got.Status, got.StatusReason, got.Wizard)
	}
	issued := f.lastIssue(t)
	ac, _, err = f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || ac.Status != core.IntegrationActive || ac.Credentials[integrations.CredentialAccessToken] != issued.AccessToken {
		t.Fatalf("after reconnecting: %+v %v", ac, err)
	}
	// And refreshes work again with the new grant.
	f.clock.Advance(2 * time.Hour)
	ac, _, err = f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || ac.Status != core.IntegrationActive || ac.Credentials[integrations.CredentialAccessToken] != f.lastIssue(t).AccessToken {
		t.Fatalf("refresh after reconnecting: %+v %v", ac, err)
	}
	if spends := f.mock.RefreshSpends(); len(spends) != 2 || !spends[1].OK || spends[1].RefreshToken != issued.RefreshToken {
		t.Fatalf("spends %+v", spends)
	}
}

func TestOAuthRevokedBeforeActivationDropsCredentials(t *testing.T) {
	f := newOAuthFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "spiris", both)
	if err != nil {
		t.Fatal(err)
	}
	f.connect(t, f.admin, in.ID)
	f.completeSteps(t, in.ID)
	f.mock.RevokeAllRefreshTokens()
	f.clock.Advance(2 * time.Hour)
	_, err = f.svc.Activate(ctx, f.admin, in.ID)
	if e := wantCode(t, err, core.CodeInvalid); fieldMessage(e, "credentials") == "" {
		t.Fatalf("Activate: %v", e)
	}
	got, err := f.svc.Get(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != core.IntegrationSetup || got.Connected || step(t, got.Wizard, integrations.StepCredentials).Status == integrations.StepDone {
		t.Fatalf("after the revoked grant: %s connected=%v %+v", got.Status, got.Connected, got.Wizard)
	}
	f.connect(t, f.admin, in.ID)
	if act, err := f.svc.Activate(ctx, f.admin, in.ID); err != nil || act.Status != core.IntegrationActive {
		t.Fatalf("activate after reconnecting: %v", err)
	}
}

func TestOAuthRefreshFailureIsUnavailableAndKeepsStatus(t *testing.T) {
	f := newOAuthFixture(t)
	id := f.activeSpiris(t)
	old := f.lastIssue(t)

	// Inside the margin but still valid: a failing token endpoint leaves
	// the current token in use.
	f.clock.Advance(time.Hour - integrations.RefreshMargin/2)
	f.mock.InjectFault(spiristest.Fault{Path: "/connect/token", Status: http.StatusServiceUnavailable})
	ac, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || ac.Credentials[integrations.CredentialAccessToken] != old.AccessToken {
		t.Fatalf("within the margin: %v %v", ac.Credentials, err)
	}

	// Expired: unavailable, status unchanged; retried only after a pause.
	f.clock.Advance(time.Hour)
	f.mock.InjectFault(spiristest.Fault{Path: "/connect/token", Status: http.StatusServiceUnavailable})
	calls := f.tokenRequests()
	_, _, err = f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	wantCode(t, err, core.CodeUnavailable)
	if !core.Retryable(err) {
		t.Error("the error is not retryable")
	}
	_, _, err = f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	wantCode(t, err, core.CodeUnavailable)
	if got := f.tokenRequests() - calls; got != 1 {
		t.Errorf("%d token requests right after a failure, want 1", got)
	}
	if in, err := f.svc.Get(ctx, f.admin, id); err != nil || in.Status != core.IntegrationActive {
		t.Fatalf("status %s (%v), want active", in.Status, err)
	}

	f.clock.Advance(10 * time.Second)
	ac, _, err = f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || ac.Status != core.IntegrationActive || ac.Credentials[integrations.CredentialAccessToken] != f.lastIssue(t).AccessToken {
		t.Fatalf("after the endpoint recovered: %+v %v", ac, err)
	}
	if spends := f.mock.RefreshSpends(); len(spends) != 1 || spends[0].RefreshToken != old.RefreshToken {
		t.Fatalf("spends %+v, want one with the original refresh token", spends)
	}
}

func TestOAuthActiveBookkeepingRefreshesAndPauses(t *testing.T) {
	f := newOAuthFixture(t)
	f.activeSpiris(t)

	f.clock.Advance(2 * time.Hour)
	bt, found, err := f.svc.ActiveBookkeeping(ctx, "m1")
	if err != nil || !found {
		t.Fatalf("ActiveBookkeeping: %v %v", found, err)
	}
	issued := f.lastIssue(t)
	if bt.Connection.Status != core.IntegrationActive || bt.Connection.Credentials[integrations.CredentialAccessToken] != issued.AccessToken ||
		issued.Grant != "refresh_token" || !bt.SameAsInvoicing {
		t.Fatalf("bookkeeping target %+v, want the refreshed token %s", bt, issued.AccessToken)
	}
	if _, ok := bt.Connection.Credentials[integrations.CredentialRefreshToken]; ok {
		t.Error("the refresh token is handed to the export")
	}

	f.mock.RevokeAllRefreshTokens()
	f.clock.Advance(2 * time.Hour)
	bt, found, err = f.svc.ActiveBookkeeping(ctx, "m1")
	if err != nil || !found || bt.Connection.Status != core.IntegrationNeedsReauth {
		t.Fatalf("after revocation: %s %v %v", bt.Connection.Status, found, err)
	}
	if n := len(f.mock.RefreshSpends()); n != 2 {
		t.Fatalf("%d refresh attempts, want 2", n)
	}
}

// A Spiris integration stopped for longer than its access token lives
// resumes on re-activation: the token is refreshed with the stored refresh
// token, no new consent is needed.
func TestOAuthDisabledIntegrationResumesWithARefreshedToken(t *testing.T) {
	f := newOAuthFixture(t)
	id := f.activeSpiris(t)
	if _, err := f.svc.Disable(ctx, f.admin, id); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Hour) // the access token has expired
	in, err := f.svc.Activate(ctx, f.admin, id)
	if err != nil || in.Status != core.IntegrationActive {
		t.Fatalf("re-activation after the token expired: %s %v", in.Status, err)
	}
	if issued := f.lastIssue(t); issued.Grant != "refresh_token" {
		t.Fatalf("last token issue %+v, want a refresh", issued)
	}
	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || !found || ac.Credentials[integrations.CredentialAccessToken] != f.lastIssue(t).AccessToken {
		t.Fatalf("connection after re-activation: %+v %v %v", ac, found, err)
	}
}
