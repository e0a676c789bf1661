package spiristest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// connect runs the authorization-code flow the way the gateway will: a real
// HTTP client opens the authorize URL, follows the redirect to a loopback
// callback, and x/oauth2 exchanges the code.
func connect(t *testing.T, srv *Server, scopes []string) (*oauth2.Config, *oauth2.Token, string) {
	t.Helper()
	type result struct{ code, state, errCode string }
	got := make(chan result, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		got <- result{q.Get("code"), q.Get("state"), q.Get("error")}
		io.WriteString(w, "connected")
	}))
	t.Cleanup(cb.Close)
	conf := &oauth2.Config{
		ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), Scopes: scopes,
		RedirectURL: cb.URL + "/oauth/callback",
		Endpoint:    oauth2.Endpoint{AuthURL: srv.AuthorizeURL(), TokenURL: srv.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader},
	}
	authURL := conf.AuthCodeURL("state-123", oauth2.SetAuthURLParam("prompt", "select_account"))
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "connected" {
		t.Fatalf("authorize flow ended with %d %s", resp.StatusCode, body)
	}
	res := <-got
	if res.errCode != "" || res.code == "" || res.state != "state-123" {
		t.Fatalf("callback got %+v", res)
	}
	tok, err := conf.Exchange(context.Background(), res.code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return conf, tok, res.code
}

func oauthErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		var body map[string]string
		_ = json.Unmarshal(re.Body, &body)
		if re.ErrorCode != body["error"] {
			return "mismatch:" + re.ErrorCode + "/" + body["error"]
		}
		return re.ErrorCode
	}
	return ""
}

func TestAuthorizationCodeFlow(t *testing.T) {
	srv := Start(t, Options{})
	conf, tok, code := connect(t, srv, allScopes)
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token %+v", tok)
	}
	if exp := time.Until(tok.Expiry); exp < 59*time.Minute || exp > 61*time.Minute {
		t.Fatalf("expires in %v, want one hour", exp)
	}
	if sc, _ := tok.Extra("scope").(string); sc != strings.Join(allScopes, " ") {
		t.Fatalf("scope %q", sc)
	}

	// The token works on the API, through x/oauth2's transport.
	client := conf.Client(context.Background(), tok)
	resp, err := client.Get(srv.APIBaseURL() + "/companysettings")
	if err != nil {
		t.Fatal(err)
	}
	var cs CompanySettings
	_ = json.NewDecoder(resp.Body).Decode(&cs)
	resp.Body.Close()
	if resp.StatusCode != 200 || cs.Name != "Mockbolaget AB" || *cs.CurrencyCode != "SEK" {
		t.Fatalf("company settings %d %+v", resp.StatusCode, cs)
	}

	// A code is single use.
	if _, err := conf.Exchange(context.Background(), code); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("reused code: %v", err)
	}
	if n := len(srv.TokenIssues()); n != 1 {
		t.Fatalf("%d token issues, want 1", n)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	srv := Start(t, Options{RedirectURIs: []string{"http://127.0.0.1:9/cb"}})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := func(params url.Values) (int, url.Values) {
		resp, err := noFollow.Get(srv.AuthorizeURL() + "?" + params.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc == nil {
			return resp.StatusCode, nil
		}
		return resp.StatusCode, loc.Query()
	}
	base := func() url.Values {
		return url.Values{"client_id": {"ledgerbridge"}, "redirect_uri": {"http://127.0.0.1:9/cb"},
			"response_type": {"code"}, "scope": {"ea:api offline_access"}, "state": {"s1"}, "prompt": {"select_account"}}
	}
	tests := []struct {
		name     string
		change   func(url.Values)
		status   int
		errParam string
	}{
		{"ok", func(url.Values) {}, http.StatusFound, ""},
		{"unknown client", func(v url.Values) { v.Set("client_id", "other") }, http.StatusBadRequest, ""},
		{"unregistered redirect", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9/other") }, http.StatusBadRequest, ""},
		{"response type", func(v url.Values) { v.Set("response_type", "token") }, http.StatusFound, "unsupported_response_type"},
		{"unknown scope", func(v url.Values) { v.Set("scope", "ea:api ea:everything") }, http.StatusFound, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := base()
			tt.change(v)
			status, q := authorize(v)
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			if status == http.StatusFound {
				if q.Get("error") != tt.errParam || q.Get("state") != "s1" {
					t.Fatalf("redirect params %v", q)
				}
				if tt.errParam == "" && q.Get("code") == "" {
					t.Fatalf("no code in %v", q)
				}
			}
		})
	}
	srv.DenyNextAuthorizations(1)
	if _, q := authorize(base()); q.Get("error") != "access_denied" {
		t.Fatalf("deny: %v", q)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	srv := Start(t, Options{})
	post := func(user, pass, contentType, body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.TokenURL(), strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("body %s", raw)
		}
		return resp.StatusCode, out
	}
	form := "application/x-www-form-urlencoded"
	rt := srv.IssueToken(allScopes...).RefreshToken
	tests := []struct {
		name, user, pass, ctype, body string
		status                        int
		want                          map[string]string
	}{
		{"bad secret", "ledgerbridge", "wrong", form, "grant_type=refresh_token&refresh_token=" + rt, 400, map[string]string{"error": "invalid_client"}},
		{"no client auth", "", "", form, "grant_type=refresh_token&refresh_token=" + rt, 400, map[string]string{"error": "invalid_client"}},
		{"json body", "ledgerbridge", "spiris-mock-secret", "application/json", `{"grant_type":"refresh_token"}`, 400, map[string]string{"error": "invalid_request"}},
		{"unsupported grant", "ledgerbridge", "spiris-mock-secret", form, "grant_type=client_credentials", 400, map[string]string{"error": "unsupported_grant_type"}},
		{"missing refresh token", "ledgerbridge", "spiris-mock-secret", form, "grant_type=refresh_token", 400, map[string]string{"error": "invalid_request"}},
		{"unknown refresh token", "ledgerbridge", "spiris-mock-secret", form, "grant_type=refresh_token&refresh_token=nope", 400, map[string]string{"error": "invalid_grant"}},
		{"unknown code", "ledgerbridge", "spiris-mock-secret", form, "grant_type=authorization_code&code=nope&redirect_uri=http://127.0.0.1/cb", 400, map[string]string{"error": "invalid_grant"}},
		{"form credentials", "", "", form, "grant_type=refresh_token&client_id=ledgerbridge&client_secret=spiris-mock-secret&refresh_token=" + rt, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.user, tt.pass, tt.ctype, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%v)", status, tt.status, body)
			}
			if tt.want != nil && (len(body) != len(tt.want) || body["error"] != any(tt.want["error"])) {
				t.Fatalf("body %v, want exactly %v", body, tt.want)
			}
			if tt.want == nil && (body["access_token"] == nil || body["refresh_token"] == nil || body["refresh_token"] == any(rt)) {
				t.Fatalf("no rotated tokens in %v", body)
			}
		})
	}
}

func TestCodeBoundToRedirectURI(t *testing.T) {
	srv := Start(t, Options{})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	conf := &oauth2.Config{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), Scopes: allScopes,
		RedirectURL: "http://127.0.0.1:9/a",
		Endpoint:    oauth2.Endpoint{AuthURL: srv.AuthorizeURL(), TokenURL: srv.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader}}
	resp, err := noFollow.Get(conf.AuthCodeURL("s"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	other := *conf
	other.RedirectURL = "http://127.0.0.1:9/b"
	if _, err := other.Exchange(context.Background(), code); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("exchange with another redirect_uri: %v", err)
	}
	// The failed attempt burned the code.
	if _, err := conf.Exchange(context.Background(), code); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("exchange after a failed attempt: %v", err)
	}
}

func TestRefreshRotation(t *testing.T) {
	srv := Start(t, Options{})
	conf, tok, _ := connect(t, srv, allScopes)
	first := tok.RefreshToken

	// Force a refresh through x/oauth2's TokenSource.
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	next, err := conf.TokenSource(context.Background(), &expired).Token()
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == "" || next.RefreshToken == first || next.AccessToken == tok.AccessToken {
		t.Fatalf("refresh did not rotate: %+v", next)
	}
	// The spent refresh token is dead.
	if _, err := conf.TokenSource(context.Background(), &expired).Token(); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("reuse of spent refresh token: %v", err)
	}
	// The new one works once more.
	again := *next
	again.Expiry = time.Now().Add(-time.Minute)
	third, err := conf.TokenSource(context.Background(), &again).Token()
	if err != nil {
		t.Fatal(err)
	}
	// Revocation (password change, disconnect) kills it too.
	if !srv.RevokeRefreshToken(third.RefreshToken) {
		t.Fatal("revoke: unknown token")
	}
	third.Expiry = time.Now().Add(-time.Minute)
	if _, err := conf.TokenSource(context.Background(), third).Token(); oauthErrorCode(err) != "invalid_grant" {
		t.Fatalf("revoked refresh token: %v", err)
	}

	spends := srv.RefreshSpends()
	var oks, fails int
	for _, s := range spends {
		if s.OK {
			oks++
		} else if s.Error == "invalid_grant" {
			fails++
		}
	}
	if oks != 2 || fails != 2 {
		t.Fatalf("spends %+v", spends)
	}
	issues := srv.TokenIssues()
	if len(issues) != 3 || issues[1].SpentRefreshToken != first || issues[1].Grant != "refresh_token" {
		t.Fatalf("issues %+v", issues)
	}
}

func TestConcurrentRefreshSpendsOnce(t *testing.T) {
	srv := Start(t, Options{})
	conf, tok, _ := connect(t, srv, allScopes)
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, invalid int
	start := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := expired
			_, err := conf.TokenSource(context.Background(), &t0).Token()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case oauthErrorCode(err) == "invalid_grant":
				invalid++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok != 1 || invalid != 19 {
		t.Fatalf("%d refreshes succeeded and %d got invalid_grant; want 1 and 19", ok, invalid)
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	srv := Start(t, Options{AccessTokenLifetime: 2 * time.Second})
	_, tok, _ := connect(t, srv, []string{"ea:api", "ea:sales"})
	if tok.RefreshToken != "" {
		t.Fatalf("refresh token issued without offline_access")
	}
	if exp := time.Until(tok.Expiry); exp > 3*time.Second {
		t.Fatalf("lifetime option ignored: expires in %v", exp)
	}
	c := &apiClient{t: t, srv: srv, token: tok.AccessToken, http: http.DefaultClient}
	c.call("GET", "/customers", nil, 200, nil)
	srv.ExpireAccessToken(tok.AccessToken)
	eb := c.fail("GET", "/customers", nil, 401, CodeNotAuthorized)
	if eb.DeveloperErrorMessage != "AuthorizationException - Authorization has been denied for this request." {
		t.Fatalf("401 message %q", eb.DeveloperErrorMessage)
	}
	c.token = "unknown"
	c.fail("GET", "/customers", nil, 401, CodeNotAuthorized)
}
