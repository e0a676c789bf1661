package integrations

import (
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The wizard's steps, in the order the BackOffice dialog shows them.
const (
	StepCredentials         = "credentials"          // api_token or oauth2 providers
	StepExportStartDate     = "export_start_date"    // bookkeeping
	StepPaymentMethods      = "payment_methods"      // bookkeeping: methods → accounts, fallback
	StepVATRates            = "vat_rates"            // bookkeeping: rates → sales and output VAT accounts
	StepProductGroups       = "product_groups"       // bookkeeping: groups → eat-in/takeaway accounts
	StepEvents              = "events"               // bookkeeping: tips, rounding, gift cards, receivables
	StepInvoicing           = "invoicing"            // invoicing: enable invoicing
	StepCollectiveInvoicing = "collective_invoicing" // invoicing, when the provider can
	StepFinish              = "finish"
)

// Step statuses.
const (
	StepTodo    = "todo"
	StepDone    = "done"
	StepInvalid = "invalid"
)

// Step is one page of the setup wizard. Message says what is missing or
// wrong (empty when done).
type Step struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// Wizard is an integration's setup steps and the first one not done (Next
// is empty when every step is done).
type Wizard struct {
	Steps []Step `json:"steps"`
	Next  string `json:"next"`
}

// stepOf is the step a field of the settings, mapping or activation
// problems belongs to.
func stepOf(field string) string {
	under := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if field == p || strings.HasPrefix(field, p+".") || strings.HasPrefix(field, p+"[") {
				return true
			}
		}
		return false
	}
	switch {
	case under("credentials"):
		return StepCredentials
	case under("export_start_date"):
		return StepExportStartDate
	case under("payment_methods", "fallback_payment_account"):
		return StepPaymentMethods
	case under("vat_rates", "vat_accounts"):
		return StepVATRates
	case under("product_groups"):
		return StepProductGroups
	case under("events"):
		return StepEvents
	case under("invoicing_enabled"):
		return StepInvoicing
	case under("collective_invoicing_enabled"):
		return StepCollectiveInvoicing
	}
	return StepFinish
}

// stepNames lists the steps an integration of d in r's modes has.
func stepNames(r Record, d core.Descriptor) []string {
	var names []string
	if d.Auth.Type == core.AuthAPIToken || d.Auth.Type == core.AuthOAuth2 {
		names = append(names, StepCredentials)
	}
	if r.HasMode(core.ModeBookkeeping) {
		names = append(names, StepExportStartDate, StepPaymentMethods, StepVATRates, StepProductGroups, StepEvents)
	}
	if r.HasMode(core.ModeInvoicing) {
		names = append(names, StepInvoicing)
		if d.Capabilities.CollectiveInvoices {
			names = append(names, StepCollectiveInvoicing)
		}
	}
	return append(names, StepFinish)
}

// wizardOf derives the wizard from what is stored; it calls no provider.
// A step is done when its required items are saved, invalid when the last
// activation found a problem in it that was not saved again since (or the
// provider's grant needs renewing), and todo otherwise.
func wizardOf(r Record, d core.Descriptor, country core.Country) Wizard {
	settings := Settings{}
	if r.Settings != nil {
		settings = *r.Settings
	}
	missing := map[string][]string{} // step → missing mapping fields
	if r.HasMode(core.ModeBookkeeping) {
		for _, fe := range missingMappingItems(r, country) {
			st := stepOf(fe.Field)
			missing[st] = append(missing[st], fe.Field)
		}
	}
	problems := map[string][]string{}
	for _, p := range r.Problems {
		st := stepOf(p.Field)
		msg := p.Message
		if p.Field != st {
			msg = p.Field + ": " + msg
		}
		problems[st] = append(problems[st], msg)
	}
	w := Wizard{Steps: []Step{}}
	for _, name := range stepNames(r, d) {
		st := Step{Name: name, Status: StepTodo}
		done := func(ok bool, todo string) {
			if ok {
				st.Status = StepDone
			} else {
				st.Message = todo
			}
		}
		switch name {
		case StepCredentials:
			if r.Status == core.IntegrationNeedsReauth {
				st.Status, st.Message = StepInvalid, "re-authorise the connection: "+r.StatusReason
				break
			}
			todo := "connect " + displayName(d) + " with OAuth2"
			if d.Auth.Type == core.AuthAPIToken {
				todo = "enter " + fieldLabels(d.Auth.Fields)
			}
			done(r.Credentials != nil, todo)
		case StepExportStartDate:
			done(settings.ExportStartDate != "", "choose the first business day whose sales are exported")
		case StepPaymentMethods, StepVATRates, StepEvents:
			if r.Mapping == nil {
				done(false, "choose the accounts in the account mapping")
				break
			}
			done(len(missing[name]) == 0, "missing "+strings.Join(missing[name], ", "))
		case StepProductGroups:
			// Optional: a group without accounts is booked by VAT rate.
			done(r.Mapping != nil, "choose accounts for product groups, or leave them to be booked by VAT rate")
		case StepInvoicing:
			done(settings.InvoicingEnabled, "enable invoicing")
		case StepCollectiveInvoicing:
			// Optional: done once the merchant has saved the settings.
			done(r.Settings != nil, "choose whether to enable collective invoices")
		case StepFinish:
			switch r.Status {
			case core.IntegrationActive, core.IntegrationNeedsReauth:
				st.Status = StepDone
			case core.IntegrationDisabled:
				st.Message = "disabled"
				if r.StatusReason != "" {
					st.Message += ": " + r.StatusReason
				}
				st.Message += "; activate it to use it again"
			default:
				st.Message = "activate the integration"
			}
		}
		if ps := problems[name]; len(ps) > 0 {
			st.Status, st.Message = StepInvalid, strings.Join(ps, "; ")
		}
		w.Steps = append(w.Steps, st)
		if w.Next == "" && st.Status != StepDone {
			w.Next = name
		}
	}
	return w
}

func fieldLabels(fields []core.AuthField) string {
	var labels []string
	for _, f := range fields {
		l := f.Label
		if l == "" {
			l = f.Name
		}
		labels = append(labels, l)
	}
	if len(labels) == 0 {
		return "the API token"
	}
	return strings.Join(labels, ", ")
}
