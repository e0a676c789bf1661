package integrations

import (
	"context"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// MaxStartDateAhead is how far ahead of the merchant's today an export
// start date may lie: a year, so that a typo such as 2062 for 2026 is
// caught rather than silently pausing every export.
const MaxStartDateAhead = 365

// PutSettings saves the integration's settings whole. Rules: a bookkeeping
// integration needs a valid export_start_date no more than MaxStartDateAhead
// days after the merchant's today (in the merchant's country); an
// integration without the bookkeeping mode takes none; invoicing_enabled
// needs the invoicing mode; collective_invoicing_enabled needs
// invoicing_enabled and a provider that can collect orders on one invoice.
// Errors: CodeForbidden, CodeNotFound, CodeInvalid naming each bad field,
// CodeConflict when the integration kept changing concurrently.
func (s *Service) PutSettings(ctx context.Context, p core.Principal, id string, settings Settings) (Integration, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return Integration{}, err
	}
	m, err := s.store.GetMerchant(ctx, r.MerchantID)
	if err != nil {
		return Integration{}, err
	}
	if err := core.Invalid("invalid integration settings", s.settingsErrors(r, d, m, settings, false)...); err != nil {
		return Integration{}, err
	}
	saved, err := s.update(ctx, id, func(r *Record) error {
		st := settings
		r.Settings = &st
		r.Problems = dropProblems(r.Problems, StepExportStartDate, StepInvoicing, StepCollectiveInvoicing)
		return nil
	})
	if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, saved, d)
}

// settingsErrors checks settings for r. forActivation adds what activation
// needs on top: invoicing enabled on an invoicing integration.
func (s *Service) settingsErrors(r Record, d core.Descriptor, m core.Merchant, st Settings, forActivation bool) []core.FieldError {
	var errs []core.FieldError
	add := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	today := core.DateOf(s.now().In(m.Country.Location()))
	switch {
	case !r.HasMode(core.ModeBookkeeping):
		if st.ExportStartDate != "" {
			add("export_start_date", "only a bookkeeping integration exports sales")
		}
	case st.ExportStartDate == "":
		add("export_start_date", "is required: the first business day whose sales are exported")
	case !st.ExportStartDate.Valid():
		add("export_start_date", "must be a date YYYY-MM-DD")
	case st.ExportStartDate > today.AddDays(MaxStartDateAhead):
		add("export_start_date", "must not be more than a year ahead (the latest is "+string(today.AddDays(MaxStartDateAhead))+")")
	}
	switch {
	case st.InvoicingEnabled && !r.HasMode(core.ModeInvoicing):
		add("invoicing_enabled", "the integration was created without the invoicing mode")
	case !st.InvoicingEnabled && forActivation && r.HasMode(core.ModeInvoicing):
		add("invoicing_enabled", "enable invoicing to activate an invoicing integration")
	}
	if st.CollectiveInvoicingEnabled {
		switch {
		case !d.Capabilities.CollectiveInvoices:
			add("collective_invoicing_enabled", displayName(d)+" cannot collect orders on a collective invoice")
		case !st.InvoicingEnabled:
			add("collective_invoicing_enabled", "needs invoicing_enabled")
		}
	}
	return errs
}
