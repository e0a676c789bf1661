package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

type apiKeyRequest struct {
	Name string    `json:"name"`
	Role core.Role `json:"role"`
}

// apiKeyCreated is the only answer that ever carries a key's secret.
type apiKeyCreated struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      core.Role `json:"role"`
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"created_at"`
}

// createAPIKey answers 201 with a new key of the caller's merchant and its
// secret, shown this once (admin only).
func (s *server) createAPIKey(c *gin.Context) {
	var req apiKeyRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	k, secret, err := s.engine.CreateAPIKey(c.Request.Context(), principal(c), req.Name, req.Role)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusCreated, apiKeyCreated{ID: k.ID, Name: k.Name, Role: k.Role, Key: secret, CreatedAt: k.CreatedAt})
}

// apiKeyInfo is a key as listed: never its secret or hash.
type apiKeyInfo struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       core.Role  `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func newAPIKeyInfo(k core.APIKey) apiKeyInfo {
	return apiKeyInfo{ID: k.ID, Name: k.Name, Role: k.Role, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

// listAPIKeys answers GET /v1/api-keys with every key of the caller's
// merchant, revoked ones included (admin only). The list is short and
// unpaged.
func (s *server) listAPIKeys(c *gin.Context) {
	keys, err := s.engine.ListAPIKeys(c.Request.Context(), principal(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]apiKeyInfo, 0, len(keys))
	for _, k := range keys {
		out = append(out, newAPIKeyInfo(k))
	}
	c.PureJSON(http.StatusOK, newList(out, ""))
}

// revokeAPIKey answers DELETE /v1/api-keys/{id} with the revoked key (admin
// only); the key answers 401 from then on. Another merchant's key is 404.
func (s *server) revokeAPIKey(c *gin.Context) {
	k, err := s.engine.RevokeAPIKey(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newAPIKeyInfo(k))
}
