package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// getInvoiceSettings answers GET /v1/invoice-settings with the merchant's
// built-in invoicing settings, or the defaults a new merchant starts with.
func (s *server) getInvoiceSettings(c *gin.Context) {
	st, err := s.engine.InvoiceSettings(c.Request.Context(), principal(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, st)
}

// putInvoiceSettings answers PUT /v1/invoice-settings: the body replaces
// the settings whole (a field left out is cleared). 200 with the settings as
// saved, giro and bank numbers normalised; 422 names every bad field
// (Bankgiro, Plusgiro, bank_account, iban and organization numbers are
// checked with their check digits, bic by its form);
// 409 names start_number once the first invoice is posted.
func (s *server) putInvoiceSettings(c *gin.Context) {
	var in core.InvoiceSettings
	if !s.decodeJSON(c, &in) {
		return
	}
	st, err := s.engine.UpdateInvoiceSettings(c.Request.Context(), principal(c), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, st)
}
