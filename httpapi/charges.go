package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// createCharge answers POST /v1/charges: a register charge invoiced through
// the merchant's provider, exactly once per Idempotency-Key. The first call
// and every replay of it answer 201 with the same {id, status, invoice};
// replays add Idempotent-Replayed: true. The engine rejects a missing key
// (400 naming Idempotency-Key) and a reused key with another body (409).
func (s *server) createCharge(c *gin.Context) {
	var req core.ChargeRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	res, replayed, err := s.engine.Charge(c.Request.Context(), principal(c), c.GetHeader(headerIdempotencyKey), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if replayed {
		c.Header(headerReplayed, "true")
	}
	c.PureJSON(http.StatusCreated, res)
}
