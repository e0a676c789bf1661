package integrations

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// OAuth2 for oauth2 providers. A provider declares its
// authorization server in Describe (core.AuthScheme.OAuth2: authorize and
// token URLs, scopes); the gateway operator registers one OAuth2 client per
// provider with that server (OAuthConfig). The flow:
//
//  1. StartOAuth (POST /v1/integrations/{id}/oauth/start, admin) stores a
//     single-use random state bound to the merchant and integration (its
//     SHA-256 only) and returns the authorize URL.
//  2. The provider redirects the browser to OAuthConfig.RedirectURL
//     (GET /v1/oauth/callback?code&state); CompleteOAuth consumes the state,
//     exchanges the code and stores the tokens sealed in the integration's
//     credentials.
//  3. Whenever credentials are handed to the provider (ActiveConnection,
//     ActiveBookkeeping, the wizard's calls, activation) an access token
//     that expires within RefreshMargin is refreshed first, one refresh at a
//     time per integration; the rotated refresh token is saved with the new
//     access token and expiry in one write before anything uses them.
//     invalid_grant makes an active integration needs_reauth.
//  4. When the provider's API refuses an access token the gateway still
//     believes valid (consent revoked, expired on the provider's side), the
//     engines call ReportUnauthorized: the token is refreshed at once under
//     the same lock (invalid_grant → needs_reauth), once however many
//     callers report it, and they retry with the new token or pause.

// OAuthConfig is the gateway operator's OAuth2 setup: the callback URL and
// one registered client per oauth2 provider. These are the operator's
// client credentials, not a merchant's.
type OAuthConfig struct {
	// RedirectURL is the absolute URL of the gateway's
	// GET /v1/oauth/callback, exactly as registered with every provider's
	// authorization server.
	RedirectURL string
	// Clients are the operator's OAuth2 clients by provider name.
	Clients map[string]ClientCredentials
	// HTTPClient talks to the token endpoints; nil means a client with a
	// 30-second timeout.
	HTTPClient *http.Client
}

// ClientCredentials identify the operator's OAuth2 client at one
// provider's authorization server.
type ClientCredentials struct {
	ClientID     string
	ClientSecret string
	// AuthInParams sends the client credentials as form fields of token
	// requests instead of HTTP Basic authentication (the default, which
	// Spiris expects). It is never auto-detected: detection retries a
	// failed request, which could spend a single-use refresh token twice.
	AuthInParams bool
}

// OAuthState is a pending OAuth2 authorization as the Store keeps it.
type OAuthState struct {
	// Hash is the hex SHA-256 of the state sent to the browser; the state
	// itself is never stored.
	Hash          string
	MerchantID    string
	IntegrationID string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// Timing of the OAuth2 flow and of token refreshes.
const (
	// StateLifetime is how long an authorize URL can be completed.
	StateLifetime = 10 * time.Minute
	// RefreshMargin: an access token that expires within it is refreshed
	// before it is handed out, so a provider call that starts with it does
	// not see it expire.
	RefreshMargin = 60 * time.Second
	// refreshRetryDelay: after a refresh failed for another reason than
	// invalid_grant, callers within this delay get the same answer instead
	// of each waiting for the token endpoint in turn.
	refreshRetryDelay = 5 * time.Second
	// minUsableValidity: when a refresh fails, an access token still valid
	// for this long is handed out instead of an error.
	minUsableValidity = 10 * time.Second
	// tokenTimeout bounds one token endpoint request. Token requests run
	// detached from the caller's context: a refresh that the server
	// performed but whose answer was dropped would lose the rotated
	// refresh token.
	tokenTimeout = 30 * time.Second
)

// Keys of an oauth2 integration's credentials. The provider receives
// CredentialAccessToken (and CredentialExpiresAt, RFC 3339) on every call;
// the refresh token never leaves the gateway.
const (
	CredentialAccessToken  = "access_token"
	CredentialExpiresAt    = "expires_at"
	CredentialRefreshToken = "refresh_token"
	CredentialTokenType    = "token_type"
)

// SetOAuthConfig sets the operator's OAuth2 configuration, replacing any
// set before; StartOAuth and token refreshes use it from then on. Errors:
// CodeInvalid naming "redirect_url" (not an absolute http or https URL
// without a fragment) and "clients.<provider>.client_id" (blank).
func (s *Service) SetOAuthConfig(cfg OAuthConfig) error {
	var errs []core.FieldError
	if u, err := url.Parse(cfg.RedirectURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		errs = append(errs, core.FieldError{Field: "redirect_url",
			Message: "must be the absolute http(s) URL of GET /v1/oauth/callback as registered with the providers"})
	}
	clients := map[string]ClientCredentials{}
	for _, name := range sortedKeys(cfg.Clients) {
		c := cfg.Clients[name]
		c.ClientID, c.ClientSecret = strings.TrimSpace(c.ClientID), strings.TrimSpace(c.ClientSecret)
		if c.ClientID == "" {
			errs = append(errs, core.FieldError{Field: "clients." + name + ".client_id", Message: "is required"})
		}
		clients[name] = c
	}
	if err := core.Invalid("invalid OAuth2 configuration", errs...); err != nil {
		return err
	}
	cfg.Clients = clients
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: tokenTimeout}
	}
	s.oauthMu.Lock()
	defer s.oauthMu.Unlock()
	s.oauth = cfg
	return nil
}

// oauthConfig is the x/oauth2 configuration for provider d. Errors:
// CodeInvalid naming "credentials" when d does not connect with OAuth2;
// CodeProviderError when it declares no authorize or token URL;
// CodeUnavailable when the operator configured no redirect URL or no
// client for it.
func (s *Service) oauthConfig(d core.Descriptor) (*oauth2.Config, *http.Client, error) {
	if d.Auth.Type != core.AuthOAuth2 {
		return nil, nil, core.Invalid("invalid OAuth2 connection", core.FieldError{Field: "credentials",
			Message: displayName(d) + " does not connect with OAuth2"})
	}
	ep := d.Auth.OAuth2
	if ep == nil || ep.AuthorizeURL == "" || ep.TokenURL == "" {
		return nil, nil, core.Errorf(core.CodeProviderError,
			"provider %s connects with OAuth2 but declares no authorize or token URL", d.Name)
	}
	s.oauthMu.RLock()
	cfg := s.oauth
	s.oauthMu.RUnlock()
	client, ok := cfg.Clients[d.Name]
	if cfg.RedirectURL == "" || !ok {
		return nil, nil, core.Errorf(core.CodeUnavailable,
			"the gateway has no OAuth2 client for %s: the operator must configure its client id, secret and the redirect URL", displayName(d))
	}
	style := oauth2.AuthStyleInHeader
	if client.AuthInParams {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID: client.ClientID, ClientSecret: client.ClientSecret, RedirectURL: cfg.RedirectURL,
		Scopes:   append([]string(nil), ep.Scopes...),
		Endpoint: oauth2.Endpoint{AuthURL: ep.AuthorizeURL, TokenURL: ep.TokenURL, AuthStyle: style},
	}, cfg.HTTPClient, nil
}

// StartOAuth begins connecting the merchant's integration with its oauth2
// provider. It stores a single-use random state bound to the merchant and
// the integration, valid for StateLifetime, and returns the provider's
// authorize URL with response_type=code, the operator's client_id, the
// redirect URI, the provider's scopes, the state and prompt=select_account.
// Starting again is allowed (each URL has its own state): an active
// integration stays active until the callback stores new tokens.
//
// Errors: CodeForbidden (admin only); CodeNotFound (also for another
// merchant's integration); CodeInvalid naming "credentials" when the
// provider does not connect with OAuth2; CodeProviderError when it declares
// no authorize or token URL; CodeUnavailable when the operator configured
// no OAuth2 client for it, or the provider does not answer.
func (s *Service) StartOAuth(ctx context.Context, p core.Principal, integrationID string) (string, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, integrationID)
	if err != nil {
		return "", err
	}
	if d.Auth.Type != core.AuthOAuth2 {
		msg := displayName(d) + " needs no credentials"
		if d.Auth.Type == core.AuthAPIToken {
			msg = displayName(d) + " connects with an API token: enter it with PUT credentials"
		}
		return "", core.Invalid("invalid OAuth2 connection", core.FieldError{Field: "credentials", Message: msg})
	}
	cfg, _, err := s.oauthConfig(d)
	if err != nil {
		return "", err
	}
	state := randomState()
	now := s.now()
	if err := s.store.CreateOAuthState(ctx, OAuthState{Hash: hashState(state), MerchantID: r.MerchantID,
		IntegrationID: r.ID, CreatedAt: now, ExpiresAt: now.Add(StateLifetime)}); err != nil {
		return "", err
	}
	return cfg.AuthCodeURL(state, oauth2.SetAuthURLParam("prompt", "select_account")), nil
}

// CompleteOAuth finishes the flow StartOAuth began, for
// GET /v1/oauth/callback?code&state: the state authenticates the call (no
// API key). It consumes the state (single use: a second callback with it
// fails), exchanges the code at the provider's token endpoint and stores
// the access token, refresh token and expiry sealed (AES-256-GCM) in the
// integration's credentials, replacing any stored before, in one write that
// also marks the wizard's credentials step done and makes a needs_reauth
// integration active again (work that paused for it resumes; a setup or
// disabled integration keeps its status). It returns the integration.
//
// Errors: CodeInvalid naming "state" (missing, unknown, used or expired:
// start again) or "code" (missing, or refused by the token endpoint: start
// again); CodeInvalid naming "credentials" when the provider no longer
// connects with OAuth2; CodeProviderError when the token endpoint rejects
// the operator's client; CodeUnavailable when it does not answer (the state
// is spent: start again); CodeConflict when the integration kept changing
// concurrently.
func (s *Service) CompleteOAuth(ctx context.Context, code, state string) (Integration, error) {
	code, state = strings.TrimSpace(code), strings.TrimSpace(state)
	var errs []core.FieldError
	if state == "" {
		errs = append(errs, core.FieldError{Field: "state", Message: "is required"})
	}
	if code == "" {
		errs = append(errs, core.FieldError{Field: "code", Message: "is required: the provider sent no authorization code"})
	}
	if err := core.Invalid("invalid OAuth2 callback", errs...); err != nil {
		return Integration{}, err
	}
	st, found, err := s.store.ConsumeOAuthState(ctx, hashState(state))
	if err != nil {
		return Integration{}, err
	}
	if !found {
		return Integration{}, core.Invalid("invalid OAuth2 callback", core.FieldError{Field: "state",
			Message: "unknown or already used: start the connection again"})
	}
	if !s.now().Before(st.ExpiresAt) {
		return Integration{}, core.Invalid("invalid OAuth2 callback", core.FieldError{Field: "state",
			Message: fmt.Sprintf("expired (a connection must be completed within %v): start the connection again", StateLifetime)})
	}
	r, err := s.store.GetIntegration(ctx, st.IntegrationID)
	if err != nil {
		return Integration{}, err
	}
	if r.MerchantID != st.MerchantID {
		return Integration{}, core.ErrNotFound("integration", st.IntegrationID)
	}
	d, err := s.describe(ctx, r.Provider)
	if err != nil {
		return Integration{}, err
	}
	cfg, hc, err := s.oauthConfig(d)
	if err != nil {
		return Integration{}, err
	}
	hctx, cancel := tokenContext(ctx, hc)
	defer cancel()
	tok, err := cfg.Exchange(hctx, code)
	if err != nil {
		if oauthErrorCode(err) == "invalid_grant" {
			return Integration{}, core.Invalid("invalid OAuth2 callback", core.FieldError{Field: "code",
				Message: displayName(d) + " refused the authorization code (expired or already used): start the connection again"})
		}
		return Integration{}, tokenEndpointError(d, "exchanging the authorization code", err)
	}
	toks := s.tokensOf(tok, "")
	sealed, err := s.sealCredentials(r.ID, toks.fields())
	if err != nil {
		return Integration{}, err
	}
	// Under the integration's token lock, so that a refresh with the
	// previous grant's refresh token cannot overwrite the new tokens.
	l, err := s.tokens.acquire(context.WithoutCancel(ctx), r.ID)
	if err != nil {
		return Integration{}, err
	}
	defer s.tokens.release(l)
	l.pending, l.failedAt, l.failErr = nil, time.Time{}, nil
	saved, err := s.saveCredentials(context.WithoutCancel(ctx), r.ID, sealed)
	if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, saved, d)
}

// randomState returns 256 random bits, base64url.
func randomState() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("integrations: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// tokenContext detaches a token request from the caller's cancellation
// (see tokenTimeout) and makes x/oauth2 use hc.
func tokenContext(ctx context.Context, hc *http.Client) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenTimeout)
	return context.WithValue(ctx, oauth2.HTTPClient, hc), cancel
}

// oauthErrorCode is the RFC 6749 error of a token endpoint's answer ("" when
// it did not answer with one).
func oauthErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// tokenEndpointError classifies a failed token request other than
// invalid_grant: the operator's client refused is CodeProviderError,
// anything else (down, 5xx, timeouts) CodeUnavailable.
func tokenEndpointError(d core.Descriptor, doing string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch re.ErrorCode {
		case "invalid_client", "unauthorized_client":
			return core.Errorf(core.CodeProviderError, "%s rejected the gateway's OAuth2 client (%s) while %s: the operator must check the client id and secret",
				displayName(d), re.ErrorCode, doing)
		case "":
			status := 0
			if re.Response != nil {
				status = re.Response.StatusCode
			}
			return core.Errorf(core.CodeUnavailable, "%s's token endpoint failed with HTTP %d while %s; try again", displayName(d), status, doing)
		default:
			return core.Errorf(core.CodeUnavailable, "%s's token endpoint answered %s while %s; try again", displayName(d), re.ErrorCode, doing)
		}
	}
	return core.Errorf(core.CodeUnavailable, "%s's token endpoint did not answer while %s: %v", displayName(d), doing, err)
}

// tokenSet is an oauth2 integration's stored credentials.
type tokenSet struct {
	access, refresh, tokenType string
	expiry                     time.Time // zero: unknown, never refreshed ahead
}

// tokensOf reads a token response; expires_in counts from the service's
// clock. A response without a refresh token keeps previousRefresh.
func (s *Service) tokensOf(tok *oauth2.Token, previousRefresh string) tokenSet {
	t := tokenSet{access: tok.AccessToken, refresh: tok.RefreshToken, tokenType: tok.TokenType}
	if t.refresh == "" {
		t.refresh = previousRefresh
	}
	switch {
	case tok.ExpiresIn > 0:
		t.expiry = s.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	case !tok.Expiry.IsZero():
		t.expiry = tok.Expiry
	}
	return t
}

func tokensFrom(fields map[string]string) tokenSet {
	t := tokenSet{access: fields[CredentialAccessToken], refresh: fields[CredentialRefreshToken], tokenType: fields[CredentialTokenType]}
	if v := fields[CredentialExpiresAt]; v != "" {
		if e, err := time.Parse(time.RFC3339Nano, v); err == nil {
			t.expiry = e
		} else {
			t.expiry = time.Unix(0, 0) // unreadable: refresh
		}
	}
	return t
}

// fields is the stored form.
func (t tokenSet) fields() map[string]string {
	out := map[string]string{CredentialAccessToken: t.access}
	if t.refresh != "" {
		out[CredentialRefreshToken] = t.refresh
	}
	if t.tokenType != "" {
		out[CredentialTokenType] = t.tokenType
	}
	if !t.expiry.IsZero() {
		out[CredentialExpiresAt] = t.expiry.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// providerFields is what the provider receives: the access token and its
// expiry, never the refresh token.
func providerFields(stored map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{CredentialAccessToken, CredentialExpiresAt} {
		if v, ok := stored[k]; ok {
			out[k] = v
		}
	}
	return out
}

// expiring reports whether t must be refreshed before it is handed out.
func (s *Service) expiring(t tokenSet) bool {
	return t.access == "" || (!t.expiry.IsZero() && !s.now().Add(RefreshMargin).Before(t.expiry))
}

// staleConnection reports whether a cached connection's access token must
// be refreshed before it is handed out.
func (s *Service) staleConnection(ctx context.Context, ac core.ActiveConnection) bool {
	if ac.Status != core.IntegrationActive || ac.Credentials == nil {
		return false
	}
	if _, ok := ac.Credentials[CredentialExpiresAt]; !ok {
		return false
	}
	d, err := s.describe(ctx, ac.Provider)
	if err != nil || d.Auth.Type != core.AuthOAuth2 {
		return false
	}
	return s.expiring(tokensFrom(ac.Credentials))
}

// tokenLocks serialize each integration's refreshes. A lock is a
// one-slot channel so that waiting respects the waiter's context.
type tokenLocks struct {
	mu sync.Mutex
	m  map[string]*tokenLock // integration ID → lock, kept for the process's life
}

type tokenLock struct {
	ch chan struct{}
	// Guarded by holding ch:
	// pending are tokens a refresh obtained that are not saved yet (the
	// write failed); they are saved before anything else happens.
	pending *pendingTokens
	// failedAt and failErr are the last refresh failure (not invalid_grant).
	failedAt time.Time
	failErr  error
	// refreshedAt is when a refresh last obtained new tokens: a rejection
	// reported soon after is of the tokens it replaced.
	refreshedAt time.Time
}

type pendingTokens struct {
	spent  string // the refresh token the refresh consumed
	tokens tokenSet
}

// acquire waits for integration id's lock. Errors: CodeUnavailable when
// ctx ends first.
func (t *tokenLocks) acquire(ctx context.Context, id string) (*tokenLock, error) {
	t.mu.Lock()
	l, ok := t.m[id]
	if !ok {
		l = &tokenLock{ch: make(chan struct{}, 1)}
		t.m[id] = l
	}
	t.mu.Unlock()
	select {
	case l.ch <- struct{}{}:
		return l, nil
	case <-ctx.Done():
		return nil, core.Errorf(core.CodeUnavailable, "waiting for the OAuth2 token refresh of integration %s: %v", id, ctx.Err())
	}
}

func (t *tokenLocks) release(l *tokenLock) { <-l.ch }

// errTokensReplaced: the stored refresh token is no longer the one a
// refresh spent (CompleteOAuth stored a new grant meanwhile).
var errTokensReplaced = errors.New("integrations: OAuth2 tokens replaced concurrently")

// fresh returns r, or r as stored after its OAuth2 access token was
// refreshed, when r belongs to an oauth2 provider, is in setup or active,
// and its access token expires within RefreshMargin. The refresh runs under
// the integration's lock: concurrent callers wait and get the refreshed
// record, so a refresh token is spent once. The new access token, refresh
// token and expiry are saved in one write before they are returned.
//
// When the token endpoint answers invalid_grant (the grant was revoked, or
// the refresh token was spent before) an active integration becomes
// needs_reauth with a reason, and that record is returned without error;
// a setup or disabled one loses its dead credentials and the error is
// CodeInvalid naming "credentials" (returned with the record as stored). Other failures leave the status
// unchanged and return the record when its access token is still usable
// for a few seconds, CodeUnavailable otherwise (also when the new tokens
// could not be saved; the next call saves them first). Errors also:
// CodeInternal when the credentials do not open.
//
// A disabled integration's token is refreshed too (re-activating one that
// was stopped for longer than its access token lives needs no new
// consent); a needs_reauth one's never.
func (s *Service) fresh(ctx context.Context, r Record) (Record, error) {
	if r.Credentials == nil || r.Status == core.IntegrationNeedsReauth {
		return r, nil
	}
	d, err := s.describe(ctx, r.Provider)
	if err != nil {
		return Record{}, err
	}
	if d.Auth.Type != core.AuthOAuth2 {
		return r, nil
	}
	creds, err := s.openCredentials(r)
	if err != nil {
		return Record{}, err
	}
	if !s.expiring(tokensFrom(creds)) {
		return r, nil
	}
	return s.refresh(ctx, r.ID, d, "")
}

// refresh is fresh's slow path, under the integration's lock. With
// rejected == "" it refreshes an access token that expires within
// RefreshMargin. With rejected set it is ReportUnauthorized's: the provider
// refused the access token rejected, so it is refreshed whatever its
// expiry, unless it was replaced meanwhile or a refresh obtained new tokens
// within refreshRetryDelay (both mean the rejection is already dealt with).
func (s *Service) refresh(ctx context.Context, id string, d core.Descriptor, rejected string) (Record, error) {
	l, err := s.tokens.acquire(ctx, id)
	if err != nil {
		return Record{}, err
	}
	defer s.tokens.release(l)
	// Writes from here on must not be abandoned half way by the caller.
	wctx := context.WithoutCancel(ctx)
	if l.pending != nil {
		if _, err := s.saveRefreshed(wctx, id, *l.pending); err != nil {
			return Record{}, core.Errorf(core.CodeUnavailable, "saving the refreshed %s tokens of integration %s: %s; try again",
				displayName(d), id, core.AsError(err).Message)
		}
		l.pending = nil
	}
	r, err := s.store.GetIntegration(wctx, id)
	if err != nil {
		return Record{}, err
	}
	if r.Credentials == nil || r.Status == core.IntegrationNeedsReauth {
		return r, nil
	}
	creds, err := s.openCredentials(r)
	if err != nil {
		return Record{}, err
	}
	old := tokensFrom(creds)
	switch {
	case rejected == "" && !s.expiring(old):
		return r, nil // refreshed by the caller that held the lock before
	case rejected != "" && (old.access != rejected || s.now().Sub(l.refreshedAt) < refreshRetryDelay):
		return r, nil // renewed since the provider refused it
	}
	// A token the provider refused is not usable however long it has left.
	usable := rejected == "" && old.access != "" && (old.expiry.IsZero() || s.now().Add(minUsableValidity).Before(old.expiry))
	if l.failErr != nil && s.now().Sub(l.failedAt) < refreshRetryDelay {
		if usable {
			return r, nil
		}
		return Record{}, l.failErr
	}
	if old.refresh == "" {
		return s.revoked(wctx, r, d, "", displayName(d)+" issued no refresh token (was offline access granted?)")
	}
	cfg, hc, err := s.oauthConfig(d)
	if err != nil {
		return Record{}, err
	}
	hctx, cancel := tokenContext(ctx, hc)
	defer cancel()
	tok, err := cfg.TokenSource(hctx, &oauth2.Token{RefreshToken: old.refresh}).Token()
	if err != nil {
		if oauthErrorCode(err) == "invalid_grant" {
			return s.revoked(wctx, r, d, old.refresh, displayName(d)+" revoked the connection's authorisation (invalid_grant)")
		}
		// Retryable whatever the cause (even a rejected client, which the
		// operator fixes): the status stays as it is.
		e := core.AsError(tokenEndpointError(d, "refreshing the access token", err))
		l.failedAt, l.failErr = s.now(), &core.Error{Code: core.CodeUnavailable, Message: e.Message}
		if usable {
			return r, nil
		}
		return Record{}, l.failErr
	}
	l.failedAt, l.failErr, l.refreshedAt = time.Time{}, nil, s.now()
	p := pendingTokens{spent: old.refresh, tokens: s.tokensOf(tok, old.refresh)}
	saved, err := s.saveRefreshed(wctx, id, p)
	if err != nil {
		l.pending = &p
		return Record{}, core.Errorf(core.CodeUnavailable, "saving the refreshed %s tokens of integration %s: %s; try again",
			displayName(d), id, core.AsError(err).Message)
	}
	return saved, nil
}

// saveRefreshed stores p's tokens in one write if the integration still
// holds the refresh token p spent; otherwise (a new grant was stored) it
// keeps what is stored. It returns the integration as stored.
func (s *Service) saveRefreshed(ctx context.Context, id string, p pendingTokens) (Record, error) {
	sealed, err := s.sealCredentials(id, p.tokens.fields())
	if err != nil {
		return Record{}, err
	}
	saved, err := s.update(ctx, id, func(r *Record) error {
		creds, err := s.openCredentials(*r)
		if err != nil {
			return err
		}
		if tokensFrom(creds).refresh != p.spent {
			return errTokensReplaced
		}
		r.Credentials = sealed
		return nil
	})
	if errors.Is(err, errTokensReplaced) {
		return s.store.GetIntegration(ctx, id)
	}
	return saved, err
}

// revoked records that the provider refused r's refresh token (spent; ""
// when there was none). An active integration becomes needs_reauth with a
// reason and is returned; a setup or disabled one loses its dead credentials
// (the wizard shows the credentials step invalid), and it is returned with
// the error CodeInvalid naming "credentials". Nothing changes when a new grant was
// stored meanwhile.
func (s *Service) revoked(ctx context.Context, r Record, d core.Descriptor, spent, why string) (Record, error) {
	reason := why + " on " + s.now().UTC().Format("2006-01-02 15:04 MST") +
		": an administrator must reconnect " + displayName(d) + " in BackOffice; invoicing and exports through it are paused until then, nothing queued is lost"
	wasActive, becameNeedsReauth := false, false
	saved, err := s.update(ctx, r.ID, func(r *Record) error {
		creds, err := s.openCredentials(*r)
		if err != nil {
			return err
		}
		if tokensFrom(creds).refresh != spent {
			return errTokensReplaced
		}
		switch r.Status {
		case core.IntegrationActive, core.IntegrationNeedsReauth:
			wasActive, becameNeedsReauth = true, r.Status == core.IntegrationActive
			r.Status, r.StatusReason = core.IntegrationNeedsReauth, reason
		default:
			wasActive, becameNeedsReauth = false, false
			r.Credentials = nil
			r.Problems = append(dropProblems(r.Problems, StepCredentials), core.FieldError{Field: "credentials", Message: reason})
		}
		return nil
	})
	switch {
	case errors.Is(err, errTokensReplaced):
		return s.store.GetIntegration(ctx, r.ID)
	case err != nil:
		return Record{}, err
	case !wasActive:
		return saved, core.Invalid("the connection's authorisation was revoked", core.FieldError{Field: "credentials", Message: reason})
	}
	if becameNeedsReauth {
		s.needsReauth(ctx, saved)
	}
	return saved, nil
}
