package tripletex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// sessionDays is how far ahead a new session's expirationDate lies.
// Tripletex ends the session at Oslo midnight starting that date.
const sessionDays = 2

// sessionMargin is how long before its expiry a session is replaced.
const sessionMargin = time.Hour

// sessions caches one session token per connection: the merchant and the
// employee token (a changed token gets a session of its own).
type sessions struct {
	mu     sync.Mutex
	m      map[string]cachedSession
	flight singleflight.Group
}

type cachedSession struct {
	token     string
	refreshAt time.Time
}

// connKey identifies a connection without keeping its secret in memory
// longer than needed.
func connKey(conn core.Connection) string {
	sum := sha256.Sum256([]byte(conn.Credentials[FieldEmployeeToken]))
	return conn.MerchantID + "|" + hex.EncodeToString(sum[:16])
}

// get returns a live session token for conn, creating one when none is
// cached or the cached one is about to expire. Concurrent callers for one
// connection share a single creation. Errors: as createSession.
func (s *sessions) get(ctx context.Context, p *Provider, conn core.Connection) (string, error) {
	key := connKey(conn)
	if tok, ok := s.cached(key, p.now()); ok {
		return tok, nil
	}
	v, err, _ := s.flight.Do(key, func() (any, error) {
		// A creation that finished just before this one started counts.
		if tok, ok := s.cached(key, p.now()); ok {
			return tok, nil
		}
		tok, refreshAt, err := p.createSession(ctx, conn)
		if err != nil {
			return "", err
		}
		s.mu.Lock()
		if s.m == nil {
			s.m = map[string]cachedSession{}
		}
		s.m[key] = cachedSession{token: tok, refreshAt: refreshAt}
		s.mu.Unlock()
		return tok, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (s *sessions) cached(key string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[key]
	if !ok || !now.Before(c.refreshAt) {
		return "", false
	}
	return c.token, true
}

// invalidate drops conn's cached session if it is still token (Tripletex
// refused it); a session another caller already renewed stays.
func (s *sessions) invalidate(conn core.Connection, token string) {
	key := connKey(conn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.m[key]; ok && c.token == token {
		delete(s.m, key)
	}
}

// forget drops conn's cached session unconditionally.
func (s *sessions) forget(conn core.Connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, connKey(conn))
}

// createSession exchanges the consumer and employee tokens for a session
// token (PUT /token/session/:create) expiring sessionDays ahead, and
// returns it with the time to replace it. Errors: CodeInvalid naming
// employee_token with Tripletex's message when the employee token is
// refused; CodeProviderError when the operator's consumer token is missing
// or refused; CodeUnavailable, CodeRateLimited.
func (p *Provider) createSession(ctx context.Context, conn core.Connection) (string, time.Time, error) {
	if err := checkConn(conn); err != nil {
		return "", time.Time{}, err
	}
	if p.consumerToken == "" {
		return "", time.Time{}, core.Errorf(core.CodeProviderError,
			"the Tripletex integration is not configured: the operator must set %s", EnvConsumerToken)
	}
	exp := p.today().AddDays(sessionDays)
	q := url.Values{
		"consumerToken":  {p.consumerToken},
		"employeeToken":  {strings.TrimSpace(conn.Credentials[FieldEmployeeToken])},
		"expirationDate": {string(exp)},
	}
	var v struct {
		Token          string `json:"token"`
		ExpirationDate string `json:"expirationDate"`
	}
	// Creating a session twice is harmless, so the call is idempotent.
	err := p.write(ctx, conn, request{method: http.MethodPut, path: "/token/session/:create", query: q, noAuth: true, idempotent: true}, &v)
	if err != nil {
		e := core.AsError(err)
		for _, f := range e.Fields {
			if f.Field == "arg:consumerToken" || f.Field == "consumerToken" {
				return "", time.Time{}, &core.Error{Code: core.CodeProviderError,
					Message: "Tripletex refused ledgerbridge's consumer token (operator configuration): " + f.Message}
			}
		}
		return "", time.Time{}, e
	}
	if v.Token == "" {
		return "", time.Time{}, core.Errorf(core.CodeProviderError, "Tripletex created a session without a token")
	}
	end, err := time.ParseInLocation(time.DateOnly, v.ExpirationDate, oslo)
	if err != nil {
		end, _ = time.ParseInLocation(time.DateOnly, string(exp), oslo)
	}
	return v.Token, end.Add(-sessionMargin), nil
}
