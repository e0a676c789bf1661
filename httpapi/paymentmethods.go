package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// getPaymentMethods answers GET /v1/payment-methods (every role: the
// register needs to know where invoicing is offered) with the merchant's
// payment methods, the invoice method always among them.
func (s *server) getPaymentMethods(c *gin.Context) {
	pm, err := s.engine.PaymentMethods(c.Request.Context(), principal(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, pm)
}

// putPaymentMethods answers PUT /v1/payment-methods (admin): the body
// replaces the list whole and must include the invoice method. 200 with
// the list as saved; 422 names every bad field.
func (s *server) putPaymentMethods(c *gin.Context) {
	var in core.PaymentMethods
	if !s.decodeJSON(c, &in) {
		return
	}
	pm, err := s.engine.UpdatePaymentMethods(c.Request.Context(), principal(c), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, pm)
}
