package backoffice

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// The setup wizard of one integration, /backoffice/integrations/:id: one
// page per step of integrations.Integration.Wizard (credentials or the
// OAuth2 "Connect", export start date, the account mapping in four tables,
// invoicing, collective invoicing, activation), with the progress above.
// Every step is saved through the integrations service as the JSON API
// saves it; the wizard only decides which page to show.

// stepView is a wizard step in the progress list.
type stepView struct {
	integrations.Step
	N       int
	Current bool
	// Notice is what is wrong with the current step, shown above its form
	// (see stepNotice).
	Notice string
}

// stepNotice is the message shown above step st's form when it is the
// current step: why it is invalid, "" when it is not. The summary lists
// its own problems, and the connection step of an integration that needs
// reconnecting says so itself in the user's language (with the reason),
// so neither repeats the service's text.
func stepNotice(in integrations.Integration, st integrations.Step) string {
	switch {
	case st.Status != integrations.StepInvalid, st.Name == integrations.StepFinish:
		return ""
	case st.Name == integrations.StepCredentials && in.Status == core.IntegrationNeedsReauth:
		return ""
	}
	return st.Message
}

// noticeField is the "field.path: message" form of the service's step
// messages about one mapping field.
var noticeField = regexp.MustCompile(`^((?:payment_methods|vat_rates|vat_accounts|product_groups|events|fallback_payment_account)[a-z0-9_.]*): (.+)$`)

// localNotice shows a step message about one mapping field as the field's
// label and the message in the user's language where the catalogue has it;
// any other message as the service wrote it.
func localNotice(l *localizer, msg string) string {
	m := noticeField.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	return pathLabel(l, m[1]) + ": " + l.cat.fieldMessage(l.lang, m[2])
}

// wizardData is the wizard page's data; the fields a step does not use
// stay empty.
type wizardData struct {
	In    integrations.Integration
	Desc  core.Descriptor
	Step  string
	Steps []stepView
	N     int // the current step's number, from 1
	Prev  string
	Next  string
	// CanManage: the user may change the integration (admin); others read.
	CanManage bool
	// OAuthError is why the OAuth2 connection failed (the callback's
	// error_description), shown on the credentials step.
	OAuthError string
	// AuthorizeURL is set on the page that sends a browser without
	// JavaScript on to the provider.
	AuthorizeURL string

	StartDate  string // export start date step
	Invoicing  bool   // invoicing step
	Collective bool   // collective invoicing step

	Mapping *mappingView // the mapping steps

	// Problems are what activation found missing or wrong, with the step
	// each belongs to.
	Problems []problemView
	// NewAccount is the "add a new account" form's input after an error.
	NewAccount core.NewLedgerAccount
	AddOpen    bool
}

// problemView is one item activation refused.
type problemView struct {
	Field, Label, Message, Step string
}

// mappingSteps are the wizard steps that edit the account mapping.
var mappingSteps = []string{integrations.StepPaymentMethods, integrations.StepVATRates, integrations.StepProductGroups, integrations.StepEvents}

// settingsSteps are the steps that edit the integration's settings.
var settingsSteps = []string{integrations.StepExportStartDate, integrations.StepInvoicing, integrations.StepCollectiveInvoicing}

func hasStep(in integrations.Integration, name string) bool {
	for _, st := range in.Wizard.Steps {
		if st.Name == name {
			return true
		}
	}
	return false
}

// defaultStep is the page the wizard opens on: the reconnect of an
// integration that needs it, the summary of an active one, else the first
// step not done.
func defaultStep(in integrations.Integration) string {
	switch {
	case in.Status == core.IntegrationNeedsReauth && hasStep(in, integrations.StepCredentials):
		return integrations.StepCredentials
	case in.Status == core.IntegrationActive || in.Wizard.Next == "":
		return integrations.StepFinish
	}
	return in.Wizard.Next
}

// wizard shows one step: ?step=NAME, or the one defaultStep chooses.
// ?connected=1 and ?error=&error_description= are the OAuth2 callback's
// answer.
func (s *server) wizard(c *gin.Context) {
	in, err := s.integrations.Get(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	p := s.newPage(c, "integrations.wizard_title", "nav.integrations")
	step := c.Query("step")
	if !hasStep(in, step) {
		step = defaultStep(in)
	}
	if c.Query("connected") == "1" && p.Flash == "" {
		p.Flash = "done.integrations_connected"
	}
	d := &wizardData{}
	if e := c.Query("error"); e != "" {
		d.OAuthError = oauthErrorText(p.L, e, c.Query("error_description"))
	}
	s.renderWizard(c, p, in, step, d, http.StatusOK, nil)
}

// renderWizard completes d for in's step and renders it. values are a
// refused form's mapping values, shown instead of the stored ones.
func (s *server) renderWizard(c *gin.Context, p *page, in integrations.Integration, step string, d *wizardData, status int, values map[string]string) {
	ctx, pr := c.Request.Context(), principal(c)
	d.In, d.Step, d.CanManage = in, step, pr.Role.Allows(core.ActionManageIntegrations)
	for i, st := range in.Wizard.Steps {
		v := stepView{Step: st, N: i + 1, Current: st.Name == step}
		if v.Current {
			v.Notice = localNotice(p.L, stepNotice(in, st))
			d.N = v.N
			if i > 0 {
				d.Prev = in.Wizard.Steps[i-1].Name
			}
			if i+1 < len(in.Wizard.Steps) {
				d.Next = in.Wizard.Steps[i+1].Name
			}
		}
		d.Steps = append(d.Steps, v)
	}
	if pr.Role.Allows(core.ActionListProviders) {
		if infos, err := s.engine.Providers(ctx, pr); err == nil {
			for _, info := range infos {
				if info.Name == in.Provider {
					d.Desc = info.Descriptor
				}
			}
		}
	}
	switch {
	case step == integrations.StepExportStartDate:
		if d.StartDate == "" {
			d.StartDate = string(in.Settings.ExportStartDate)
		}
	case step == integrations.StepInvoicing && status == http.StatusOK:
		d.Invoicing = in.Settings.InvoicingEnabled
	case step == integrations.StepCollectiveInvoicing && status == http.StatusOK:
		d.Collective = in.Settings.CollectiveInvoicingEnabled
	case slices.Contains(mappingSteps, step):
		d.Mapping = s.mappingOf(c, p, in, d.Desc, step, values)
	}
	p.Data = d
	s.render(c, status, "wizard", p)
}

// reload reads the integration again for a page rendered after a refused
// form; a failure is the whole page's.
func (s *server) reload(c *gin.Context) (integrations.Integration, bool) {
	in, err := s.integrations.Get(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return in, false
	}
	return in, true
}

// refused renders step again after err refused its form: invalid input
// beside its fields (status 422), a provider's or the service's refusal
// above the form; not found and forbidden as whole pages.
func (s *server) refused(c *gin.Context, step string, err error, d *wizardData, values map[string]string) {
	switch core.Code(err) {
	case core.CodeNotFound, core.CodeForbidden, core.CodeInternal, "":
		s.fail(c, err)
		return
	}
	in, ok := s.reload(c)
	if !ok {
		return
	}
	p := s.newPage(c, "integrations.wizard_title", "nav.integrations")
	if !formErrors(p, err) {
		p.Error = errorText(p.L, err)
		var ce *core.Error
		if errors.As(err, &ce) {
			for _, f := range ce.Fields {
				p.Fields[f.Field] = p.L.cat.fieldMessage(p.L.lang, f.Message)
			}
		}
	} else if step == integrations.StepCredentials {
		// The provider's refusal in its own words above the form.
		p.Error = errorText(p.L, err)
	}
	if !hasStep(in, step) {
		step = defaultStep(in)
	}
	if d == nil {
		d = &wizardData{}
	}
	s.renderWizard(c, p, in, step, d, statusOf(err), values)
}

// next is the step after step in in's wizard, "finish" at the end.
func next(in integrations.Integration, step string) string {
	for i, st := range in.Wizard.Steps {
		if st.Name == step && i+1 < len(in.Wizard.Steps) {
			return in.Wizard.Steps[i+1].Name
		}
	}
	return integrations.StepFinish
}

// wizardCredentials saves an api_token provider's fields, which the
// provider verifies first.
func (s *server) wizardCredentials(c *gin.Context) {
	ctx, pr, id := c.Request.Context(), principal(c), c.Param("id")
	in, err := s.integrations.Get(ctx, pr, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	fields := map[string]string{}
	infos, err := s.engine.Providers(ctx, pr)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, info := range infos {
		if info.Name != in.Provider {
			continue
		}
		for _, f := range info.Auth.Fields {
			fields[f.Name] = c.PostForm(f.Name)
		}
	}
	saved, err := s.integrations.PutCredentials(ctx, pr, id, fields)
	if err != nil {
		s.refused(c, integrations.StepCredentials, err, nil, nil)
		return
	}
	s.done(c, wizardPath(id, next(saved, integrations.StepCredentials)), "integrations_connected")
}

// wizardConnect starts the OAuth2 connection and sends the browser to the
// provider; the provider's callback brings it back to the wizard
// (oauth.done_url). htmx requests get HX-Redirect, which is not a form
// submission and so passes the pages' form-action policy; without
// JavaScript a page with a link to the provider is shown.
func (s *server) wizardConnect(c *gin.Context) {
	id := c.Param("id")
	u, err := s.integrations.StartOAuth(c.Request.Context(), principal(c), id)
	if err != nil {
		if code := core.Code(err); c.GetHeader("HX-Request") == "true" && code != core.CodeNotFound && code != core.CodeForbidden {
			// htmx does not show an error answer: the wizard says why.
			p := s.newPage(c, "integrations.wizard_title", "nav.integrations")
			q := url.Values{"error": {string(code)}, "error_description": {errorText(p.L, err)}}
			c.Header("HX-Redirect", wizardPath(id, integrations.StepCredentials)+"&"+q.Encode())
			c.Status(http.StatusNoContent)
			return
		}
		s.refused(c, integrations.StepCredentials, err, nil, nil)
		return
	}
	s.setCookie(c, oauthPendingCookie, id, int(integrations.StateLifetime.Seconds()))
	if c.GetHeader("HX-Request") == "true" {
		c.Header("HX-Redirect", u)
		c.Status(http.StatusNoContent)
		return
	}
	in, ok := s.reload(c)
	if !ok {
		return
	}
	p := s.newPage(c, "integrations.wizard_title", "nav.integrations")
	s.renderWizard(c, p, in, integrations.StepCredentials, &wizardData{AuthorizeURL: u}, http.StatusOK, nil)
}

// wizardSettings saves one settings step (form field step): the export
// start date, invoicing, or collective invoicing. The other settings stay
// as they are.
func (s *server) wizardSettings(c *gin.Context) {
	ctx, pr, id := c.Request.Context(), principal(c), c.Param("id")
	in, err := s.integrations.Get(ctx, pr, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	step := c.PostForm("step")
	st := in.Settings
	d := &wizardData{}
	switch step {
	case integrations.StepExportStartDate:
		d.StartDate = strings.TrimSpace(c.PostForm("export_start_date"))
		st.ExportStartDate = core.Date(d.StartDate)
	case integrations.StepInvoicing:
		d.Invoicing = c.PostForm("invoicing_enabled") == "true"
		st.InvoicingEnabled = d.Invoicing
		if !st.InvoicingEnabled {
			st.CollectiveInvoicingEnabled = false
		}
	case integrations.StepCollectiveInvoicing:
		d.Collective = c.PostForm("collective_invoicing_enabled") == "true"
		st.CollectiveInvoicingEnabled = d.Collective
	default:
		s.errorPage(c, http.StatusBadRequest, "error.bad_form")
		return
	}
	saved, err := s.integrations.PutSettings(ctx, pr, id, st)
	if err != nil {
		s.refused(c, step, err, d, nil)
		return
	}
	s.done(c, wizardPath(id, next(saved, step)), "integrations_saved")
}

// wizardActivate activates the integration; what is missing is listed,
// each item with a link to its step.
func (s *server) wizardActivate(c *gin.Context) {
	ctx, pr, id := c.Request.Context(), principal(c), c.Param("id")
	_, err := s.integrations.Activate(ctx, pr, id)
	if err == nil {
		s.done(c, wizardPath(id, integrations.StepFinish), "integrations_activated")
		return
	}
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.CodeInvalid {
		s.refused(c, integrations.StepFinish, err, nil, nil)
		return
	}
	in, ok := s.reload(c)
	if !ok {
		return
	}
	p := s.newPage(c, "integrations.wizard_title", "nav.integrations")
	p.Error = p.L.T("integrations.activate_missing")
	d := &wizardData{}
	for _, f := range ce.Fields {
		d.Problems = append(d.Problems, problemView{Field: f.Field, Label: pathLabel(p.L, f.Field),
			Message: p.L.cat.fieldMessage(p.L.lang, f.Message), Step: stepOfField(in, f.Field)})
	}
	s.renderWizard(c, p, in, integrations.StepFinish, d, http.StatusUnprocessableEntity, nil)
}

// stepOfField is the wizard step where a problem's field is edited; the
// summary when the wizard has no such step.
func stepOfField(in integrations.Integration, field string) string {
	step := integrations.StepFinish
	head, _, _ := strings.Cut(field, ".")
	switch head {
	case "credentials":
		step = integrations.StepCredentials
	case "export_start_date":
		step = integrations.StepExportStartDate
	case "payment_methods", "fallback_payment_account":
		step = integrations.StepPaymentMethods
	case "vat_rates", "vat_accounts":
		step = integrations.StepVATRates
	case "product_groups":
		step = integrations.StepProductGroups
	case "events":
		step = integrations.StepEvents
	case "invoicing_enabled":
		step = integrations.StepInvoicing
	case "collective_invoicing_enabled":
		step = integrations.StepCollectiveInvoicing
	}
	if !hasStep(in, step) {
		return integrations.StepFinish
	}
	return step
}

// wizardDisable stops the integration (after the page's confirm).
func (s *server) wizardDisable(c *gin.Context) {
	id := c.Param("id")
	if _, err := s.integrations.Disable(c.Request.Context(), principal(c), id); err != nil {
		s.refused(c, integrations.StepFinish, err, nil, nil)
		return
	}
	s.done(c, wizardPath(id, integrations.StepFinish), "integrations_disabled")
}

// wizardAddAccount adds an account to the provider's chart ("add a new
// account"), then shows the step it was added from again, where the new
// account is in every list.
func (s *server) wizardAddAccount(c *gin.Context) {
	ctx, pr, id := c.Request.Context(), principal(c), c.Param("id")
	step := c.PostForm("step")
	if !slices.Contains(mappingSteps, step) {
		step = integrations.StepPaymentMethods
	}
	a := core.NewLedgerAccount{Number: strings.TrimSpace(c.PostForm("number")), Name: strings.TrimSpace(c.PostForm("name"))}
	if _, err := s.integrations.CreateLedgerAccount(ctx, pr, id, a); err != nil {
		s.refused(c, step, err, &wizardData{NewAccount: a, AddOpen: true}, nil)
		return
	}
	s.done(c, wizardPath(id, step), "integrations_account_added")
}

// stepPrefixes are the mapping paths a mapping step edits.
func stepPrefixes(step string) []string {
	switch step {
	case integrations.StepPaymentMethods:
		return []string{"payment_methods.", "fallback_payment_account"}
	case integrations.StepVATRates:
		return []string{"vat_rates.", "vat_accounts."}
	case integrations.StepProductGroups:
		return []string{"product_groups."}
	case integrations.StepEvents:
		return []string{"events."}
	}
	return nil
}

// stepValues are the mapping values a step's form posted, by path.
func stepValues(c *gin.Context, step string) map[string]string {
	out := map[string]string{}
	for name, vals := range c.Request.PostForm {
		for _, prefix := range stepPrefixes(step) {
			if strings.HasPrefix(name, prefix) && len(vals) > 0 {
				out[name] = strings.TrimSpace(vals[len(vals)-1])
			}
		}
	}
	return out
}

// mappingWith is the saved mapping with a step's posted values in place;
// an empty value removes the item.
func (s *server) mappingWith(c *gin.Context, values map[string]string) (mapping.Mapping, error) {
	m, _, err := s.integrations.GetMapping(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		return m, err
	}
	for path, v := range values {
		setPath(&m, path, v)
	}
	return m, nil
}

// wizardMapping saves one mapping step: the saved mapping with this
// step's rows replaced. The service checks every account against the
// provider's live chart; a refusal shows each reason beside its row and
// stores nothing.
func (s *server) wizardMapping(c *gin.Context) {
	ctx, pr, id := c.Request.Context(), principal(c), c.Param("id")
	step := c.PostForm("step")
	if !slices.Contains(mappingSteps, step) {
		s.errorPage(c, http.StatusBadRequest, "error.bad_form")
		return
	}
	values := stepValues(c, step)
	m, err := s.mappingWith(c, values)
	if err != nil {
		s.fail(c, err)
		return
	}
	saved, err := s.integrations.PutMapping(ctx, pr, id, m)
	if err != nil {
		s.refused(c, step, err, nil, values)
		return
	}
	s.done(c, wizardPath(id, next(saved, step)), "integrations_saved")
}

// cellData is the "cell" block's data: one mapping input alone, as the
// inline check answers it.
type cellData struct {
	ID   string
	Cell mapCell
}

// wizardCheck is the inline check of one mapping row as the merchant
// picks an account (htmx, on change): the step's form as it stands, over
// the saved mapping, checked against the live chart without saving; the
// answer is the changed input again, with the provider's reason when the
// account cannot take the row's postings.
func (s *server) wizardCheck(c *gin.Context) {
	ctx, pr, id := c.Request.Context(), principal(c), c.Param("id")
	step := c.PostForm("step")
	path := c.GetHeader("HX-Trigger-Name")
	values := stepValues(c, step)
	if _, ok := values[path]; !ok {
		s.errorPage(c, http.StatusBadRequest, "error.bad_form")
		return
	}
	p := s.newPage(c, "integrations.wizard_title", "nav.integrations")
	cell := newCell(p.L, path, values[path])
	m, err := s.mappingWith(c, values)
	var problems []core.FieldError
	if err == nil {
		problems, err = s.integrations.CheckMapping(ctx, pr, id, m)
	}
	switch core.Code(err) {
	case "":
	case core.CodeNotFound, core.CodeForbidden:
		s.fail(c, err)
		return
	default:
		cell.Error = errorText(p.L, err)
	}
	for _, f := range problems {
		if f.Field == path {
			cell.Error = p.L.cat.fieldMessage(p.L.lang, f.Message)
		}
	}
	if cell.Value != "" && cell.Error == "" {
		if accounts, err := s.integrations.Accounts(ctx, pr, id); err == nil {
			cell.AccountName = accountName(accounts, cell.Value)
		}
	}
	p.Data = cellData{ID: id, Cell: cell}
	s.renderBlock(c, http.StatusOK, "wizard", "cellblock", p)
}
