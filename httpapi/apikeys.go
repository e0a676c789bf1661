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
