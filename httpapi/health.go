package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds a readiness probe so a hung provider answers 503
// instead of hanging the prober.
const readyTimeout = 5 * time.Second

type statusBody struct {
	Status string `json:"status"`
}

// healthz answers 200 while the process serves HTTP.
func (s *server) healthz(c *gin.Context) {
	c.PureJSON(http.StatusOK, statusBody{Status: "ok"})
}

// readyz answers 200 when the database and every provider answer, otherwise
// 503 unavailable naming what is down.
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if err := s.engine.Ready(ctx); err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, statusBody{Status: "ready"})
}
