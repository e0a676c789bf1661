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
//
// With order_id instead of invoice_id it refunds a collective-invoice
// order not invoiced yet: the order's line quantities are reduced (all of
// them when lines is absent, which cancels the order) and the answer is
// 201 with the order as it is now; an invoiced order is 409 (refund its
// invoice), and providers that cannot change orders (Tripletex for part of
// an order, Spiris) answer 501.
func (s *server) createRefund(c *gin.Context) {
	var req core.RefundRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if req.OrderID != "" && req.InvoiceID == "" {
		order, replayed, err := s.engine.RefundOrder(c.Request.Context(), principal(c), c.GetHeader(headerIdempotencyKey), req)
		if err != nil {
			s.writeError(c, err)
			return
		}
		if replayed {
			c.Header(headerReplayed, "true")
		}
		c.PureJSON(http.StatusCreated, order)
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
