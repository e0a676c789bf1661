package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// createRefund answers POST /v1/refunds {invoice_id, lines?}: a register
// refund issued as a credit invoice of the whole invoice, or of the listed
// line quantities, exactly once per Idempotency-Key. The first call and
// every replay answer 201 with the same credit invoice; replays add
// Idempotent-Replayed: true. Crediting more than is left is 422 naming
// lines[i].quantity; a missing key 400, a reused key with another body 409.
func (s *server) createRefund(c *gin.Context) {
	var req core.RefundRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	credit, replayed, err := s.engine.Refund(c.Request.Context(), principal(c), c.GetHeader(headerIdempotencyKey), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if replayed {
		c.Header(headerReplayed, "true")
	}
	c.Header("Location", "/v1/invoices/"+credit.ID)
	c.PureJSON(http.StatusCreated, credit)
}
