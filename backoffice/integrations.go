package backoffice

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

// The Integrations page: a card per installed provider with ACTIVATE, and
// the merchant's integrations with their status. ACTIVATE creates the
// integration (integrations.Service.Create) for the modes the merchant
// ticked and opens its setup wizard (wizard.go).

func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		if s.integrations == nil {
			return
		}
		read, manage := s.allow(core.ActionReadIntegrations), s.allow(core.ActionManageIntegrations)
		g.GET("/integrations", read, s.integrationList)
		// Where a failed OAuth2 callback lands (oauth.done_url with no
		// integration ID): back to the wizard that started it.
		g.GET("/integrations/", read, s.oauthLanding)
		g.POST("/integrations", manage, s.createIntegration)
		g.GET("/integrations/:id", read, s.wizard)
		g.POST("/integrations/:id/credentials", manage, s.wizardCredentials)
		g.POST("/integrations/:id/connect", manage, s.wizardConnect)
		g.POST("/integrations/:id/settings", manage, s.wizardSettings)
		g.POST("/integrations/:id/mapping", manage, s.wizardMapping)
		g.POST("/integrations/:id/mapping/check", manage, s.wizardCheck)
		g.POST("/integrations/:id/accounts", manage, s.wizardAddAccount)
		g.POST("/integrations/:id/activate", manage, s.wizardActivate)
		g.POST("/integrations/:id/disable", manage, s.wizardDisable)
	})
}

// oauthPendingCookie names the integration whose OAuth2 connection the
// browser went to the provider for, so that a failed callback (which
// cannot name it) returns to its wizard.
const oauthPendingCookie = "lb_oauth_pending"

// providerCard is one installed provider on the Integrations page.
type providerCard struct {
	Info core.ProviderInfo
	// Modes are what it can do: invoicing (invoices capability) and
	// bookkeeping (sales_export), in that order.
	Modes []core.IntegrationMode
	// Checked are the modes ticked in its ACTIVATE form.
	Checked map[core.IntegrationMode]bool
	// Error is why its ACTIVATE failed, shown in the card.
	Error string
	// Integrations are the merchant's integrations with it.
	Integrations []integrations.Integration
}

type integrationListData struct {
	Providers    []providerCard
	Integrations []integrations.Integration
	// ShowProviders is false for roles that may not list providers (the
	// accountant reads the integrations only).
	ShowProviders bool
	OAuthError    string
}

// modesOf are the modes a provider can be activated for.
func modesOf(d core.Descriptor) []core.IntegrationMode {
	var out []core.IntegrationMode
	if d.Capabilities.Invoices {
		out = append(out, core.ModeInvoicing)
	}
	if d.Capabilities.SalesExport {
		out = append(out, core.ModeBookkeeping)
	}
	return out
}

func (s *server) integrationList(c *gin.Context) {
	p := s.newPage(c, "integrations.title", "nav.integrations")
	d, err := s.integrationListData(c, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	if e := c.Query("error"); e != "" {
		d.OAuthError = oauthErrorText(p.L, e, c.Query("error_description"))
	}
	p.Data = d
	s.render(c, http.StatusOK, "integrations", p)
}

// integrationListData reads the merchant's integrations and, for admins,
// the installed providers, every mode of each ticked.
func (s *server) integrationListData(c *gin.Context, p *page) (integrationListData, error) {
	ctx, pr := c.Request.Context(), principal(c)
	list, err := s.integrations.List(ctx, pr)
	if err != nil {
		return integrationListData{}, err
	}
	d := integrationListData{Integrations: list, ShowProviders: pr.Role.Allows(core.ActionListProviders)}
	if !d.ShowProviders {
		return d, nil
	}
	infos, err := s.engine.Providers(ctx, pr)
	if err != nil {
		return integrationListData{}, err
	}
	for _, info := range infos {
		card := providerCard{Info: info, Modes: modesOf(info.Descriptor), Checked: map[core.IntegrationMode]bool{}}
		for _, m := range card.Modes {
			card.Checked[m] = true
		}
		for _, in := range list {
			if in.Provider == info.Name {
				card.Integrations = append(card.Integrations, in)
			}
		}
		d.Providers = append(d.Providers, card)
	}
	return d, nil
}

// createIntegration is ACTIVATE on a provider's card: the integration for
// the ticked modes, then its wizard.
func (s *server) createIntegration(c *gin.Context) {
	provider := c.PostForm("provider")
	var modes []core.IntegrationMode
	for _, m := range c.PostFormArray("modes") {
		modes = append(modes, core.IntegrationMode(m))
	}
	in, err := s.integrations.Create(c.Request.Context(), principal(c), provider, modes)
	if err == nil {
		s.done(c, wizardPath(in.ID, ""), "integrations_created")
		return
	}
	if core.Code(err) != core.CodeInvalid {
		s.fail(c, err)
		return
	}
	p := s.newPage(c, "integrations.title", "nav.integrations")
	d, lerr := s.integrationListData(c, p)
	if lerr != nil {
		s.fail(c, lerr)
		return
	}
	formErrors(p, err)
	for i := range d.Providers {
		card := &d.Providers[i]
		if card.Info.Name != provider {
			continue
		}
		card.Checked = map[core.IntegrationMode]bool{}
		for _, m := range modes {
			card.Checked[m] = true
		}
		card.Error = errorText(p.L, err)
		if msg := p.FieldError("modes"); msg != "" {
			card.Error = msg
		}
	}
	p.Data = d
	s.render(c, http.StatusUnprocessableEntity, "integrations", p)
}

// oauthLanding answers the BackOffice address a failed OAuth2 callback
// sends the browser to (the configured done URL without an integration):
// the wizard of the integration being connected, with the provider's
// error, or the Integrations page when the browser does not say which.
func (s *server) oauthLanding(c *gin.Context) {
	q := url.Values{}
	for _, k := range []string{"error", "error_description"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	target := Prefix + "/integrations"
	if ck, err := c.Request.Cookie(oauthPendingCookie); err == nil && validID(ck.Value) {
		s.clearCookie(c, oauthPendingCookie)
		target = wizardPath(ck.Value, integrations.StepCredentials)
		if len(q) > 0 {
			target += "&" + q.Encode()
		}
	} else if len(q) > 0 {
		target += "?" + q.Encode()
	}
	c.Redirect(http.StatusSeeOther, target)
}

// validID reports whether s has the shape of an ID ("int_…"): letters,
// digits, '_' and '-' only, so it is safe in a path.
func validID(s string) bool {
	if s == "" || len(s) > core.MaxIDLength {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}

// oauthErrorText is what the page says about a failed OAuth2 connection:
// the callback's error code and the provider's (or the gateway's)
// description, cut to a sensible length.
func oauthErrorText(l *localizer, code, description string) string {
	msg := strings.TrimSpace(description)
	if msg == "" {
		msg = code
	}
	if r := []rune(msg); len(r) > 500 {
		msg = string(r[:500]) + "…"
	}
	return l.T("integrations.oauth_failed", msg)
}

// wizardPath is the wizard of integration id at step ("" for the one the
// wizard chooses).
func wizardPath(id, step string) string {
	u := Prefix + "/integrations/" + url.PathEscape(id)
	if step != "" {
		u += "?step=" + url.QueryEscape(step)
	}
	return u
}
