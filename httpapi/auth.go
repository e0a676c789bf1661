package httpapi

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// authenticate resolves "Authorization: Bearer <key>" through the engine and
// stores the principal on the request context. A missing header, another
// scheme or an unknown key answers 401 unauthorized.
func (s *server) authenticate(c *gin.Context) {
	secret, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		s.writeError(c, core.Errorf(core.CodeUnauthorized, "missing API key: send Authorization: Bearer <key>"))
		return
	}
	p, err := s.engine.Authenticate(c.Request.Context(), secret)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Request = c.Request.WithContext(core.WithPrincipal(c.Request.Context(), p))
	c.Next()
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
