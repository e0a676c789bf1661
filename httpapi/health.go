package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// readyTimeout bounds a readiness probe so a hung provider answers 503
// instead of hanging the prober.
const readyTimeout = 5 * time.Second

type statusBody struct {
	Status string `json:"status"`
}

// readyBody is /readyz's answer when ready: every provider's state, so a
// broken optional plugin shows without failing the probe.
type readyBody struct {
	Status    string                `json:"status"`
	Providers []core.ProviderHealth `json:"providers"`
}

// healthz answers 200 while the process serves HTTP.
func (s *server) healthz(c *gin.Context) {
	c.PureJSON(http.StatusOK, statusBody{Status: "ok"})
}

// readyz answers 200 with every provider's state when the database and
// every provider in use answer (see core.Engine.Ready), otherwise 503
// unavailable naming what is down. A provider that no merchant or active
// integration uses is reported but does not make the gateway unready.
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	r, err := s.engine.Ready(ctx)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, readyBody{Status: "ready", Providers: r.Providers})
}
