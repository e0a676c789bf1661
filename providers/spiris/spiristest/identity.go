package spiristest

import (
	"crypto/subtle"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The scopes the identity server knows (developer.vismaonline.com/docs/authentication).
var knownScopes = []string{
	"ea:api", "offline_access",
	"ea:sales", "ea:sales_readonly",
	"ea:accounting", "ea:accounting_readonly",
	"ea:purchase", "ea:purchase_readonly",
	"vls:api", "openid", "profile", "email",
}

type authCode struct {
	company     *companyData
	clientID    string
	redirectURI string
	scopes      []string
	expires     time.Time
	used        bool
}

type accessToken struct {
	company  *companyData
	clientID string
	scopes   []string
	expires  time.Time
}

type refreshToken struct {
	company  *companyData
	clientID string
	scopes   []string
	expires  time.Time
	spent    bool
	revoked  bool
}

// TokenIssue records one successful token response.
type TokenIssue struct {
	Time         time.Time
	Grant        string // "authorization_code" or "refresh_token"
	AccessToken  string
	RefreshToken string // empty without offline_access
	// SpentRefreshToken is the refresh token this issue consumed (refresh grant).
	SpentRefreshToken string
	Scope             string
	ExpiresIn         int
}

// RefreshSpend records one attempt to use a refresh token.
type RefreshSpend struct {
	Time         time.Time
	RefreshToken string
	OK           bool
	// Error is the OAuth2 error returned when OK is false ("invalid_grant").
	Error string
	// Reason says why in words (spent before, revoked, expired, unknown).
	Reason string
}

// Token is a token pair issued directly by IssueToken.
type Token struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
	Scope        string
}

// RegisterRedirectURI adds an exactly matched redirect URI to the client.
func (s *Server) RegisterRedirectURI(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redirects[uri] = true
}

// DenyNextAuthorizations makes the next n authorize requests end as if the
// user clicked "deny": a redirect with error=access_denied.
func (s *Server) DenyNextAuthorizations(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyNext = n
}

// IssueToken issues an access token (and a refresh token when scopes include
// offline_access) for the default company without the browser flow, for
// tests that only need to call the API (Company.IssueToken for another).
func (s *Server) IssueToken(scopes ...string) Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	ti := s.issueLocked(s.def, "direct", s.opts.ClientID, scopes, "")
	return Token{AccessToken: ti.AccessToken, RefreshToken: ti.RefreshToken,
		Expiry: ti.Time.Add(time.Duration(ti.ExpiresIn) * time.Second), Scope: ti.Scope}
}

// ExpireAccessToken makes one access token expire now; it reports whether
// the token was known.
func (s *Server) ExpireAccessToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.access[token]
	if ok {
		at.expires = s.opts.Now().Add(-time.Second)
	}
	return ok
}

// ExpireAccessTokens makes every access token issued so far expire now.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.access {
		at.expires = s.opts.Now().Add(-time.Second)
	}
}

// RevokeRefreshToken revokes a refresh token (as a password change or a
// disconnected app does); using it afterwards gives invalid_grant. It
// reports whether the token was known.
func (s *Server) RevokeRefreshToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if ok {
		rt.revoked = true
	}
	return ok
}

// RevokeAllRefreshTokens revokes every refresh token issued so far.
func (s *Server) RevokeAllRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range s.refresh {
		rt.revoked = true
	}
}

// TokenIssues returns every successful token response, oldest first.
func (s *Server) TokenIssues() []TokenIssue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TokenIssue(nil), s.issues...)
}

// RefreshSpends returns every refresh-token grant attempt, oldest first.
func (s *Server) RefreshSpends() []RefreshSpend {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RefreshSpend(nil), s.spends...)
}

func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request) {
	switch strings.ToLower(r.URL.Path) {
	case "/connect/authorize":
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		s.authorize(w, r)
	case "/connect/token":
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		s.token(w, r)
	case "/connect/revocation":
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		s.revocation(w, r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// redirectAllowed is called with s.mu held.
func (s *Server) redirectAllowed(uri string) bool {
	if s.redirects[uri] {
		return true
	}
	if len(s.opts.RedirectURIs) > 0 {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Fragment != "" {
		return false
	}
	h := u.Hostname()
	return h == "127.0.0.1" || h == "::1" || h == "localhost"
}

func errorPage(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Sorry, there was an error : %s</h1><p>%s</p></body></html>",
		html.EscapeString(code), html.EscapeString(msg))
}

// authorize implements GET /connect/authorize with auto-consent: the user is
// taken to be logged in and to approve the requested scopes for the company
// chosen with Company.LogIn (the default company unless another was chosen). An unknown client or redirect URI gets an error page (400) and no
// redirect; other problems redirect back with error=….
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI, state := q.Get("client_id"), q.Get("redirect_uri"), q.Get("state")
	s.mu.Lock()
	defer s.mu.Unlock()
	if clientID != s.opts.ClientID {
		errorPage(w, "unauthorized_client", "Unknown client or client not enabled")
		return
	}
	if redirectURI == "" || !s.redirectAllowed(redirectURI) {
		errorPage(w, "invalid_request", "Invalid redirect_uri")
		return
	}
	back := func(params url.Values) {
		u, _ := url.Parse(redirectURI)
		v := u.Query()
		for k, vals := range params {
			v[k] = vals
		}
		if state != "" {
			v.Set("state", state)
		}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		back(url.Values{"error": {"invalid_scope"}})
		return
	}
	for _, sc := range scopes {
		if !slices.Contains(knownScopes, sc) {
			back(url.Values{"error": {"invalid_scope"}})
			return
		}
	}
	if p := q.Get("prompt"); p != "" && p != "login" && p != "select_account" && p != "consent" && p != "none" {
		back(url.Values{"error": {"invalid_request"}})
		return
	}
	if s.denyNext > 0 {
		s.denyNext--
		back(url.Values{"error": {"access_denied"}})
		return
	}
	code := randomToken(32)
	s.codes[code] = &authCode{company: s.loginAs, clientID: clientID, redirectURI: redirectURI, scopes: scopes,
		expires: s.opts.Now().Add(s.opts.CodeLifetime)}
	back(url.Values{"code": {code}, "scope": {strings.Join(scopes, " ")}, "session_state": {randomToken(16)}})
}

func tokenError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code})
}

// clientAuth checks Basic client authentication or client_id/client_secret
// form fields.
func (s *Server) clientAuth(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == s.opts.ClientID && subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
}

// token implements POST /connect/token for the authorization_code and
// refresh_token grants, with the error bodies of research §2.5.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if !s.clientAuth(r) {
		tokenError(w, http.StatusBadRequest, "invalid_client")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code, redirectURI := r.PostForm.Get("code"), r.PostForm.Get("redirect_uri")
		if code == "" || redirectURI == "" {
			tokenError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		ac, ok := s.codes[code]
		if !ok || ac.used || now.After(ac.expires) || ac.redirectURI != redirectURI || ac.clientID != s.opts.ClientID {
			if ok {
				ac.used = true
			}
			tokenError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		ac.used = true
		ti := s.issueLocked(ac.company, "authorization_code", ac.clientID, ac.scopes, "")
		writeTokenResponse(w, ti)
	case "refresh_token":
		tok := r.PostForm.Get("refresh_token")
		if tok == "" {
			tokenError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		rt, ok := s.refresh[tok]
		reason := ""
		switch {
		case !ok:
			reason = "unknown refresh token"
		case rt.revoked:
			reason = "refresh token revoked"
		case rt.spent:
			reason = "refresh token already used (rotated)"
		case now.After(rt.expires):
			reason = "refresh token expired"
		case rt.clientID != s.opts.ClientID:
			reason = "refresh token of another client"
		}
		if reason != "" {
			s.spends = append(s.spends, RefreshSpend{Time: now, RefreshToken: tok, Error: "invalid_grant", Reason: reason})
			tokenError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		rt.spent = true
		s.spends = append(s.spends, RefreshSpend{Time: now, RefreshToken: tok, OK: true})
		ti := s.issueLocked(rt.company, "refresh_token", rt.clientID, rt.scopes, tok)
		writeTokenResponse(w, ti)
	case "":
		tokenError(w, http.StatusBadRequest, "invalid_request")
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

func writeTokenResponse(w http.ResponseWriter, ti TokenIssue) {
	body := map[string]any{
		"access_token": ti.AccessToken,
		"expires_in":   ti.ExpiresIn,
		"token_type":   "Bearer",
		"scope":        ti.Scope,
	}
	if ti.RefreshToken != "" {
		body["refresh_token"] = ti.RefreshToken
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, body)
}

// issueLocked mints an access token, and a refresh token when offline_access
// was granted. Called with s.mu held.
func (s *Server) issueLocked(company *companyData, grant, clientID string, scopes []string, spent string) TokenIssue {
	now := s.opts.Now()
	at := randomToken(48)
	s.access[at] = &accessToken{company: company, clientID: clientID, scopes: scopes, expires: now.Add(s.opts.AccessTokenLifetime)}
	ti := TokenIssue{Time: now, Grant: grant, AccessToken: at, SpentRefreshToken: spent,
		Scope: strings.Join(scopes, " "), ExpiresIn: int(s.opts.AccessTokenLifetime / time.Second)}
	if slices.Contains(scopes, "offline_access") {
		rt := randomToken(32)
		s.refresh[rt] = &refreshToken{company: company, clientID: clientID, scopes: scopes, expires: now.Add(s.opts.RefreshTokenLifetime)}
		ti.RefreshToken = rt
	}
	s.issues = append(s.issues, ti)
	return ti
}

// revocation implements POST /connect/revocation (RFC 7009): the token is
// revoked if known; the answer is 200 either way.
func (s *Server) revocation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !s.clientAuth(r) {
		tokenError(w, http.StatusBadRequest, "invalid_client")
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	if rt, ok := s.refresh[tok]; ok {
		rt.revoked = true
	}
	if at, ok := s.access[tok]; ok {
		at.expires = s.opts.Now().Add(-time.Second)
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// authenticate checks the bearer token of an API request.
func (s *Server) authenticate(r *http.Request) (*accessToken, *apiError) {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	denied := &apiError{Status: http.StatusUnauthorized, Code: CodeNotAuthorized,
		Msg:    "AuthorizationException - Authorization has been denied for this request.",
		Header: http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}}
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		denied.Header = http.Header{"Www-Authenticate": {"Bearer"}}
		return nil, denied
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.access[strings.TrimSpace(tok)]
	if !ok || !s.opts.Now().Before(at.expires) {
		return nil, denied
	}
	cp := *at
	return &cp, nil
}

// checkScopes requires ea:api and, when the operation lists scopes, one of them.
func checkScopes(tok *accessToken, anyOf []string) *apiError {
	deny := &apiError{Status: http.StatusForbidden, Code: CodeNoAccessToScopes,
		Msg: "NoAccessToScopesException - The access token does not contain any of the scopes required for this resource: " + strings.Join(anyOf, ", ")}
	if !slices.Contains(tok.scopes, "ea:api") {
		deny.Msg = "NoAccessToScopesException - The access token does not contain the scope ea:api."
		return deny
	}
	if len(anyOf) == 0 {
		return nil
	}
	for _, sc := range anyOf {
		if slices.Contains(tok.scopes, sc) {
			return nil
		}
	}
	return deny
}
