package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// routeIntegrations registers the integration lifecycle and setup wizard
// on v1, with the start of an OAuth2 connection (its public callback is
// registered by newRouter, outside v1's authentication).
func (s *server) routeIntegrations(v1 *gin.RouterGroup) {
	read := s.require(core.ActionReadIntegrations)
	manage := s.require(core.ActionManageIntegrations)
	v1.POST("/integrations", manage, s.createIntegration)
	v1.GET("/integrations", read, s.listIntegrations)
	v1.GET("/integrations/:id", read, s.getIntegration)
	v1.PUT("/integrations/:id/credentials", manage, s.putIntegrationCredentials)
	v1.POST("/integrations/:id/oauth/start", manage, s.startOAuth)
	v1.GET("/integrations/:id/accounts", read, s.listIntegrationAccounts)
	v1.POST("/integrations/:id/accounts", manage, s.createIntegrationAccount)
	v1.GET("/integrations/:id/vat-codes", read, s.listIntegrationVATCodes)
	v1.GET("/integrations/:id/payment-types", read, s.listIntegrationPaymentTypes)
	v1.PUT("/integrations/:id/settings", manage, s.putIntegrationSettings)
	v1.GET("/integrations/:id/mapping", read, s.getIntegrationMapping)
	v1.PUT("/integrations/:id/mapping", manage, s.putIntegrationMapping)
	v1.GET("/integrations/:id/mapping/suggestion", manage, s.integrationMappingSuggestion)
	v1.POST("/integrations/:id/activate", manage, s.activateIntegration)
	v1.POST("/integrations/:id/disable", manage, s.disableIntegration)
}

// createIntegrationRequest is the body of POST /v1/integrations.
type createIntegrationRequest struct {
	Provider string                 `json:"provider"`
	Modes    []core.IntegrationMode `json:"modes"`
}

// mappingView is the body of GET and PUT /v1/integrations/{id}/mapping: the
// contract's mapping fields at the top level, plus Saved, which tells a
// mapping the merchant saved from the empty one a new integration starts
// with. Saved is read-only: a PUT may send it back (so a GET answer can be
// edited and sent as is) and it is ignored.
type mappingView struct {
	mapping.Mapping
	Saved bool `json:"saved"`
}

// createIntegration answers POST /v1/integrations: 201 with the integration
// in status setup and its wizard; 422 naming provider or modes (unknown
// provider, no or unknown mode, a mode the provider cannot do).
func (s *server) createIntegration(c *gin.Context) {
	var in createIntegrationRequest
	if !s.decodeJSON(c, &in) {
		return
	}
	out, err := s.integrations.Create(c.Request.Context(), principal(c), in.Provider, in.Modes)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusCreated, out)
}

// listIntegrations answers GET /v1/integrations with {"data":[...]}: every
// integration of the merchant, oldest first, disabled ones included. The
// list is never paged.
func (s *server) listIntegrations(c *gin.Context) {
	out, err := s.integrations.List(c.Request.Context(), principal(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(out, ""))
}

// getIntegration answers GET /v1/integrations/{id}: the integration with
// its wizard; 404 for an unknown one or another merchant's.
func (s *server) getIntegration(c *gin.Context) {
	out, err := s.integrations.Get(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, out)
}

// putIntegrationCredentials answers PUT /v1/integrations/{id}/credentials.
// The body is the provider's api-token fields as one object of strings
// ({"employee_token":"..."}). The provider verifies them before they are
// stored: 200 with the integration; 422 naming each unknown, missing or
// blank field, or carrying the provider's own message when it refuses them,
// or naming credentials for a provider that connects with OAuth2 or needs
// none; 503 when the provider does not answer.
func (s *server) putIntegrationCredentials(c *gin.Context) {
	var fields map[string]string
	if !s.decodeJSON(c, &fields) {
		return
	}
	out, err := s.integrations.PutCredentials(c.Request.Context(), principal(c), c.Param("id"), fields)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, out)
}

// listIntegrationAccounts answers GET /v1/integrations/{id}/accounts with
// {"data":[...]}: the provider's live chart of accounts. 409 before
// credentials are stored; 501 for a provider without a ledger.
func (s *server) listIntegrationAccounts(c *gin.Context) {
	out, err := s.integrations.Accounts(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(out, ""))
}

// createIntegrationAccount answers POST /v1/integrations/{id}/accounts
// {number, name}: the wizard's "add a new account from the list". 201 with
// the account as the provider lists it; 422 naming number (four digits in
// classes 1 to 8) or name; 409 naming number when the chart has it, and
// before credentials are stored; 501 when the provider (or its plugin's
// protocol version) cannot add accounts.
func (s *server) createIntegrationAccount(c *gin.Context) {
	var in core.NewLedgerAccount
	if !s.decodeJSON(c, &in) {
		return
	}
	out, err := s.integrations.CreateLedgerAccount(c.Request.Context(), principal(c), c.Param("id"), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusCreated, out)
}

// listIntegrationVATCodes answers GET /v1/integrations/{id}/vat-codes with
// {"data":[...]}: the provider's VAT codes. Errors as for accounts.
func (s *server) listIntegrationVATCodes(c *gin.Context) {
	out, err := s.integrations.VATCodes(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(out, ""))
}

// listIntegrationPaymentTypes answers GET
// /v1/integrations/{id}/payment-types with {"data":[...]}: the provider's
// payment types. Errors as for accounts.
func (s *server) listIntegrationPaymentTypes(c *gin.Context) {
	out, err := s.integrations.PaymentTypes(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(out, ""))
}

// putIntegrationSettings answers PUT /v1/integrations/{id}/settings: the
// body replaces the settings whole; 200 with the integration; 422 naming
// each bad field (see integrations.Service.PutSettings).
func (s *server) putIntegrationSettings(c *gin.Context) {
	var in integrations.Settings
	if !s.decodeJSON(c, &in) {
		return
	}
	out, err := s.integrations.PutSettings(c.Request.Context(), principal(c), c.Param("id"), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, out)
}

// getIntegrationMapping answers GET /v1/integrations/{id}/mapping with the
// saved account mapping (admin and accountant); before the first save every map is
// empty and saved is false.
func (s *server) getIntegrationMapping(c *gin.Context) {
	m, saved, err := s.integrations.GetMapping(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, mappingView{Mapping: m, Saved: saved})
}

// putIntegrationMapping answers PUT /v1/integrations/{id}/mapping: the body
// replaces the mapping whole and may be incomplete (the wizard saves page by
// page). Every account is checked against the provider's live chart first:
// 422 lists every bad item by its path ("vat_rates.12") with the reason,
// e.g. an account locked to another VAT code; 409 for an integration
// without the bookkeeping mode or without credentials. 200 answers the
// mapping as now saved.
func (s *server) putIntegrationMapping(c *gin.Context) {
	var in mappingView
	if !s.decodeJSON(c, &in) {
		return
	}
	ctx, p, id := c.Request.Context(), principal(c), c.Param("id")
	if _, err := s.integrations.PutMapping(ctx, p, id, in.Mapping); err != nil {
		s.writeError(c, err)
		return
	}
	m, saved, err := s.integrations.GetMapping(ctx, p, id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, mappingView{Mapping: m, Saved: saved})
}

// integrationMappingSuggestion answers GET
// /v1/integrations/{id}/mapping/suggestion: the saved mapping completed
// with the country's standard chart, reconciled with the provider's live
// chart. Nothing is saved.
func (s *server) integrationMappingSuggestion(c *gin.Context) {
	out, err := s.integrations.Suggestion(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, out)
}

// activateIntegration answers POST /v1/integrations/{id}/activate: 200 with
// the integration active, the merchant's previous active integration for
// the same mode now disabled; or 422 listing every missing or invalid item
// at once, which the wizard then shows on its steps.
func (s *server) activateIntegration(c *gin.Context) {
	out, err := s.integrations.Activate(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, out)
}

// disableIntegration answers POST /v1/integrations/{id}/disable: 200 with
// the integration disabled (see integrations.Service.Disable: invoicing
// falls back to the built-in open provider, exports pause until a
// bookkeeping integration is active again); 409 for one still in setup.
func (s *server) disableIntegration(c *gin.Context) {
	out, err := s.integrations.Disable(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, out)
}
