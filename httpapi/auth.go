package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// authenticate resolves "Authorization: Bearer <key>" through the engine and
// stores the principal on the request context. A missing header, another
// scheme or an unknown or revoked key answers 401 unauthorized. It runs
// before any handler reads the body, and a refused request's body is never
// read (see refuse).
//
// Guessing is limited per client (see AuthLimit): a wrong key takes one of
// the client's attempts, and a client without attempts left is answered 429
// before its key is even looked up. A missing key is no guess and costs
// nothing.
func (s *server) authenticate(c *gin.Context) {
	client, limited := clientKey(s.authLimit, c)
	if limited {
		if wait := s.authLimit.Wait(client); wait > 0 {
			e := core.Errorf(core.CodeRateLimited, "too many failed authentications from this address; retry later")
			e.RetryAfter = wait
			s.refuse(c, e)
			return
		}
	}
	secret, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		s.refuse(c, core.Errorf(core.CodeUnauthorized, "missing API key: send Authorization: Bearer <key>"))
		return
	}
	p, err := s.engine.Authenticate(c.Request.Context(), secret)
	if err != nil {
		if limited && core.Code(err) == core.CodeUnauthorized {
			s.authLimit.Fail(client)
		}
		s.refuse(c, err)
		return
	}
	c.Request = c.Request.WithContext(core.WithPrincipal(c.Request.Context(), p))
	c.Next()
}

// refuse answers a request that failed authentication without reading its
// body: when one may follow, the answer says Connection: close (so net/http
// neither drains the body before answering nor reuses the connection) and
// the connection's read deadline is set to now, so the server does not
// read the rest after answering either. A slowly sent body therefore holds
// nothing.
func (s *server) refuse(c *gin.Context, err error) {
	if c.Request.ContentLength != 0 {
		c.Header("Connection", "close")
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now())
	}
	s.writeError(c, err)
}

// bearerToken extracts the token of a Bearer authorization header; the
// scheme is case-insensitive (RFC 9110 §11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// require answers 403 forbidden unless the caller's role allows a. The engine
// checks the same permission again; checking it here first means a caller
// without the right learns nothing from body validation (401, then 403, then
// 400/422).
func (s *server) require(a core.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := principal(c).Authorize(a); err != nil {
			s.writeError(c, err)
			return
		}
		c.Next()
	}
}
