package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

// oauthName is the registry name of fakeOAuth; oauthRedirectURL the
// gateway's callback as the stack registers it. Nothing listens there: the
// tests stop at the redirect and send its query to the handler.
const (
	oauthName        = "testoauth"
	oauthRedirectURL = "http://127.0.0.1:9/v1/oauth/callback"
)

// fakeOAuth is an in-process bookkeeping provider that connects with
// OAuth2 at a Spiris identity mock. Methods the tests must not reach panic
// through the nil embedded interface.
type fakeOAuth struct {
	core.Provider
	mock *spiristest.Server
}

func (f *fakeOAuth) Describe(context.Context) (core.Descriptor, error) {
	return core.Descriptor{Name: oauthName, DisplayName: "Testoauth", Version: "0.9.0",
		Auth: core.AuthScheme{Type: core.AuthOAuth2, OAuth2: &core.OAuth2Endpoints{
			AuthorizeURL: f.mock.AuthorizeURL(), TokenURL: f.mock.TokenURL(),
			Scopes: []string{"ea:api", "offline_access", "ea:accounting"}}},
		Capabilities: core.Capabilities{SalesExport: true}}, nil
}

// startOAuth starts connecting integration id as m's admin and returns the
// authorize URL.
func (s *testStack) startOAuth(m testMerchant, id string) string {
	s.t.Helper()
	r := s.do("POST", "/v1/integrations/"+id+"/oauth/start", m.key(core.RoleAdmin), "", nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("oauth start: %d %s", r.status, r.body)
	}
	var out oauthStart
	r.decode(s.t, &out)
	return out.AuthorizeURL
}

// followAuthorize opens an authorize URL like a browser that stops at the
// redirect to the gateway's callback, and returns the callback's query.
func followAuthorize(t *testing.T, authorizeURL string) url.Values {
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
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != oauthRedirectURL {
		t.Fatalf("redirected to %s, want the callback %s", got, oauthRedirectURL)
	}
	return loc.Query()
}

// callbackPath is the gateway's callback with the provider's query.
func callbackPath(q url.Values) string { return "/v1/oauth/callback?" + q.Encode() }

// TestOAuthFlow connects an oauth2 integration through the API as
// BackOffice does: start, the provider's consent page, the callback
// without an API key.
func TestOAuthFlow(t *testing.T) {
	s := newStackWith(t, stackOptions{oauth: true})
	admin := s.a.key(core.RoleAdmin)
	in := s.createIntegration(s.a, `{"provider":"`+oauthName+`","modes":["bookkeeping"]}`)
	if in.Auth != core.AuthOAuth2 || in.Connected {
		t.Fatalf("new oauth2 integration: auth %s, connected %v", in.Auth, in.Connected)
	}
	base := "/v1/integrations/" + in.ID
	books := s.createIntegration(s.a, `{"provider":"`+booksName+`","modes":["bookkeeping"]}`)
	runScenarios(t, s, []scenario{
		{name: "an api_token provider has no OAuth2", method: "POST", path: "/v1/integrations/" + books.ID + "/oauth/start",
			key: admin, wantStatus: 422, wantBody: []string{`"field":"credentials"`, "PUT credentials"}},
		{name: "another merchant's integration does not exist", method: "POST", path: base + "/oauth/start",
			key: s.b.key(core.RoleAdmin), wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
		{name: "an accountant may not connect", method: "POST", path: base + "/oauth/start",
			key: s.a.key(core.RoleAccountant), wantStatus: 403},
	})

	r := s.run(t, scenario{name: "start", method: "POST", path: base + "/oauth/start", key: admin, wantStatus: 200,
		wantBody: []string{`"authorize_url":"` + s.oauthMock.AuthorizeURL()}, wantHeaders: map[string]string{"Cache-Control": "no-store"}})
	var start oauthStart
	r.decode(t, &start)
	au, err := url.Parse(start.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	aq := au.Query()
	if aq.Get("response_type") != "code" || aq.Get("client_id") != s.oauthMock.ClientID() ||
		aq.Get("redirect_uri") != oauthRedirectURL || len(aq.Get("state")) < 32 || !strings.Contains(aq.Get("scope"), "offline_access") {
		t.Fatalf("authorize URL %s", start.AuthorizeURL)
	}

	q := followAuthorize(t, start.AuthorizeURL)
	if q.Get("state") != aq.Get("state") || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	forged := url.Values{"code": {q.Get("code")}, "state": {"forged-" + q.Get("state")}}
	runScenarios(t, s, []scenario{
		{name: "unknown state", method: "GET", path: callbackPath(forged), wantStatus: 422,
			wantBody: []string{`"code":"invalid"`, `"field":"state"`, "start the connection again"}},
		{name: "no code", method: "GET", path: callbackPath(url.Values{"state": {q.Get("state")}}), wantStatus: 422,
			wantBody: []string{`"field":"code"`}},
		{name: "no parameters at all", method: "GET", path: "/v1/oauth/callback", wantStatus: 422,
			wantBody: []string{`"field":"state"`, `"field":"code"`}},
	})
	// The refused callbacks spent neither the state nor the code; an API
	// key is not needed (and a cashier's does not matter).
	r = s.run(t, scenario{name: "connected", method: "GET", path: callbackPath(q), key: s.a.key(core.RoleCashier), wantStatus: 200,
		wantBody:    []string{`"id":"` + in.ID + `"`, `"connected":true`, `"status":"setup"`},
		notBody:     []string{q.Get("code"), "access_token"},
		wantHeaders: map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}})
	var connected integrations.Integration
	r.decode(t, &connected)
	if stepStatus(connected.Wizard, integrations.StepCredentials) != integrations.StepDone {
		t.Errorf("credentials step %s after the callback", stepStatus(connected.Wizard, integrations.StepCredentials))
	}
	if got := s.getIntegration(s.a, in.ID); !got.Connected {
		t.Errorf("integration not connected after the callback")
	}
	s.run(t, scenario{name: "the callback refuses reuse", method: "GET", path: callbackPath(q), wantStatus: 422,
		wantBody: []string{`"field":"state"`, "already used"}})

	// The user says no at the provider.
	s.oauthMock.DenyNextAuthorizations(1)
	denied := followAuthorize(t, s.startOAuth(s.a, in.ID))
	if denied.Get("error") != "access_denied" {
		t.Fatalf("denied callback query %v", denied)
	}
	s.run(t, scenario{name: "access denied", method: "GET", path: callbackPath(denied), wantStatus: 422,
		wantBody: []string{`"code":"invalid"`, `"field":"error"`, "access was denied"}})
}

// TestOAuthCallbackRedirects: with Options.OAuthDoneURL the callback sends
// the browser back to BackOffice, on success and on failure.
func TestOAuthCallbackRedirects(t *testing.T) {
	s := newStackWith(t, stackOptions{oauth: true})
	opts := s.opts
	opts.OAuthDoneURL = "/backoffice/integrations/{id}?connected=1&tab=setup"
	bo := *s
	bo.handler = New(s.engine, opts)
	in := s.createIntegration(s.a, `{"provider":"`+oauthName+`","modes":["bookkeeping"]}`)
	q := followAuthorize(t, s.startOAuth(s.a, in.ID))

	r := bo.do("GET", callbackPath(q), "", "", nil)
	if r.status != http.StatusFound || r.header.Get("Location") != "/backoffice/integrations/"+in.ID+"?connected=1&tab=setup" {
		t.Fatalf("callback: %d to %q, want 302 to the integration", r.status, r.header.Get("Location"))
	}
	if r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("redirect without Referrer-Policy: the code would leak in Referer")
	}
	if !s.getIntegration(s.a, in.ID).Connected {
		t.Errorf("integration not connected after the redirecting callback")
	}

	tests := []struct {
		name      string
		query     url.Values
		wantError string
		wantText  string
	}{
		{"reused state", q, "invalid", "state: unknown or already used"},
		{"provider refusal", url.Values{"error": {"server_error"}, "error_description": {"try later"}, "state": {"x"}},
			"invalid", "error: the provider did not authorize the connection (server_error): try later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bo.do("GET", callbackPath(tt.query), "", "", nil)
			if r.status != http.StatusFound {
				t.Fatalf("status %d, want 302; body %s", r.status, r.body)
			}
			loc, err := url.Parse(r.header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			lq := loc.Query()
			if loc.Path != "/backoffice/integrations/" || lq.Get("error") != tt.wantError || lq.Has("connected") || lq.Get("tab") != "setup" {
				t.Errorf("redirected to %s", loc)
			}
			if !strings.Contains(lq.Get("error_description"), tt.wantText) {
				t.Errorf("error_description %q lacks %q", lq.Get("error_description"), tt.wantText)
			}
		})
	}
}
