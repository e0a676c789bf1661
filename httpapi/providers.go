package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// listProviders answers {"data":[provider...]}: every installed provider's
// name, version, display name, auth scheme and capabilities, and whether it
// is available (admin only).
func (s *server) listProviders(c *gin.Context) {
	descs, err := s.engine.Providers(c.Request.Context(), principal(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList[core.ProviderInfo](descs, ""))
}
