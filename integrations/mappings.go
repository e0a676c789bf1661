package integrations

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// requiredSalesRates are the VAT rates (percent) whose sales account
// (vat_rates) and output VAT account (vat_accounts) activation requires:
// the rates a restaurant or shop sells at every day (SE: general and
// alcohol 25, eat-in food 12, takeaway food 6 or 12; NO: 25 and takeaway
// food 15). Other legal rates (0, Norway's 12) may be mapped but are not
// required: a day that sells at an unmapped rate fails its export with a
// message naming the missing vat_rates entry.
var requiredSalesRates = map[core.Country][]string{
	core.Sweden: {"25", "12", "6"},
	core.Norway: {"25", "15"},
}

// missingMappingItems lists every item a bookkeeping integration's mapping
// needs before activation and lacks: the fallback payment account, a sales
// and an output VAT account per required rate, the tips and rounding
// accounts, and the receivables account unless the integration also
// invoices (then its invoices book their own receivables).
func missingMappingItems(r Record, country core.Country) []core.FieldError {
	m := mapping.Mapping{}
	if r.Mapping != nil {
		m = *r.Mapping
	}
	var errs []core.FieldError
	add := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	if m.FallbackPaymentAccount == "" {
		add("fallback_payment_account", "is required: the account of payment methods without one of their own")
	}
	sales, vat := byRate(m.VATRates), byRate(m.VATAccounts)
	for _, rate := range requiredSalesRates[country] {
		if sales[rate] == "" {
			add("vat_rates."+rate, "is required: sales at "+rate+" % without a product-group account are booked here")
		}
	}
	for _, rate := range requiredSalesRates[country] {
		if vat[rate] == "" {
			add("vat_accounts."+rate, "is required: the output VAT account for "+rate+" %")
		}
	}
	if m.Events[mapping.EventTips] == "" {
		add("events."+mapping.EventTips, "is required: the liability account for tips")
	}
	if m.Events[mapping.EventRounding] == "" {
		add("events."+mapping.EventRounding, "is required: the account for cash rounding (öresavrundning)")
	}
	if !r.HasMode(core.ModeInvoicing) && m.Events[mapping.EventReceivables] == "" {
		add("events."+mapping.EventReceivables, "is required: register sales charged by invoice are debited here")
	}
	return errs
}

// byRate re-keys a rate → account map by canonical rate ("25.0" → "25");
// keys that are not rates are dropped.
func byRate(accounts map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range accounts {
		if d, err := decimal.NewFromString(strings.TrimSpace(k)); err == nil {
			out[d.String()] = v
		}
	}
	return out
}

// GetMapping returns the integration's saved account mapping; saved is
// false (and the mapping's maps empty) when none was saved yet. Errors:
// CodeForbidden (admins and accountants may read it),
// CodeNotFound.
func (s *Service) GetMapping(ctx context.Context, p core.Principal, id string) (m mapping.Mapping, saved bool, err error) {
	r, _, err := s.load(ctx, p, core.ActionReadIntegrations, id)
	if err != nil {
		return mapping.Mapping{}, false, err
	}
	if r.Mapping == nil {
		return normalizeMapping(mapping.Mapping{}), false, nil
	}
	return normalizeMapping(*r.Mapping), true, nil
}

// PutMapping saves the integration's account mapping whole. It checks the
// structure (mapping.Validate), that every VAT rate key is a legal rate of
// the merchant's country, and, when the provider has a ledger, every
// account against the provider's live chart (see chartErrors): it exists,
// is active and accepts the VAT code of its use. A mapping may be saved
// incomplete (the wizard saves page by page); Activate requires the rest.
// Errors: CodeForbidden; CodeNotFound; CodeConflict when the integration
// has no bookkeeping mode or no credentials yet; CodeInvalid listing every
// bad item by its mapping path at once (e.g. "vat_rates.15": "account 3000
// is locked to VAT code 3 (25 %), cannot book 15 %"); the provider's errors.
func (s *Service) PutMapping(ctx context.Context, p core.Principal, id string, m mapping.Mapping) (Integration, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return Integration{}, err
	}
	if !r.HasMode(core.ModeBookkeeping) {
		return Integration{}, core.Errorf(core.CodeConflict, "integration %s does not do bookkeeping: only bookkeeping integrations have an account mapping", id)
	}
	merchant, err := s.store.GetMerchant(ctx, r.MerchantID)
	if err != nil {
		return Integration{}, err
	}
	m = normalizeMapping(m)
	r.Mapping = &m
	errs, err := s.mappingErrors(ctx, r, d, merchant)
	if err != nil {
		return Integration{}, err
	}
	if err := core.Invalid("invalid account mapping", errs...); err != nil {
		return Integration{}, err
	}
	saved, err := s.update(ctx, id, func(r *Record) error {
		mm := m
		r.Mapping = &mm
		r.Problems = dropProblems(r.Problems, StepPaymentMethods, StepVATRates, StepProductGroups, StepEvents)
		return nil
	})
	if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, saved, d)
}

// CheckMapping checks m as PutMapping would, without saving anything: the
// problems it would refuse, by mapping path with the reason (the live
// chart's, e.g. an account locked to another VAT code), sorted by path;
// none when PutMapping would accept it. The wizard's inline check of one
// row as the merchant picks an account. Errors: as PutMapping, except that
// invalid items are the answer, not an error.
func (s *Service) CheckMapping(ctx context.Context, p core.Principal, id string, m mapping.Mapping) ([]core.FieldError, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return nil, err
	}
	if !r.HasMode(core.ModeBookkeeping) {
		return nil, core.Errorf(core.CodeConflict, "integration %s does not do bookkeeping: only bookkeeping integrations have an account mapping", id)
	}
	merchant, err := s.store.GetMerchant(ctx, r.MerchantID)
	if err != nil {
		return nil, err
	}
	m = normalizeMapping(m)
	r.Mapping = &m
	return s.mappingErrors(ctx, r, d, merchant)
}

// mappingErrors checks r.Mapping's structure and rate keys, then the items
// that passed against the provider's live chart. It returns the problems
// sorted by path, or an error when the chart could not be read.
func (s *Service) mappingErrors(ctx context.Context, r Record, d core.Descriptor, merchant core.Merchant) ([]core.FieldError, error) {
	m := *r.Mapping
	var errs []core.FieldError
	if err := m.Validate(); err != nil {
		errs = append(errs, core.AsError(err).Fields...)
	}
	for _, list := range []struct {
		name     string
		accounts map[string]string
	}{{"vat_rates", m.VATRates}, {"vat_accounts", m.VATAccounts}} {
		for _, key := range sortedKeys(list.accounts) {
			rate, err := decimal.NewFromString(strings.TrimSpace(key))
			if err == nil && !core.ValidVATRate(merchant.Country, rate) {
				errs = append(errs, core.FieldError{Field: list.name + "." + key,
					Message: fmt.Sprintf("%s %% is not a VAT rate in %s (%s)", rate, merchant.Country, legalRates(merchant.Country))})
			}
		}
	}
	if d.Capabilities.LedgerAccounts {
		bad := map[string]bool{}
		for _, e := range errs {
			bad[e.Field] = true
		}
		chart, err := s.chart(ctx, r, d)
		if err != nil {
			return nil, err
		}
		settings := Settings{}
		if r.Settings != nil {
			settings = *r.Settings
		}
		dates := []core.Date{core.DateOf(s.now().In(merchant.Country.Location()))}
		if settings.ExportStartDate.Valid() {
			dates = append(dates, settings.ExportStartDate)
		}
		for _, u := range m.Accounts() {
			if bad[u.Path] {
				continue
			}
			if msg := chart.check(u, merchant.Country, dates); msg != "" {
				errs = append(errs, core.FieldError{Field: u.Path, Message: msg})
			}
		}
	}
	sort.SliceStable(errs, func(a, b int) bool { return errs[a].Field < errs[b].Field })
	return errs, nil
}

func legalRates(c core.Country) string {
	var out []string
	for _, r := range core.VATRates(c) {
		out = append(out, r.String())
	}
	return strings.Join(out, ", ")
}

// chart is a provider's live chart of accounts and VAT codes.
type chart struct {
	provider string
	accounts map[string]core.LedgerAccount
	list     []core.LedgerAccount
	codes    map[string]core.VATCode
	// vatKnown is false when the provider lists no VAT codes (unsupported):
	// then VAT acceptance is not checked.
	vatKnown bool
}

// chart reads the provider's chart through r's connection. Errors:
// CodeConflict without credentials, provider errors.
func (s *Service) chart(ctx context.Context, r Record, d core.Descriptor) (chart, error) {
	prov, conn, err := s.connection(ctx, r, d)
	if err != nil {
		return chart{}, err
	}
	accounts, err := prov.ListLedgerAccounts(ctx, conn)
	if err != nil {
		return chart{}, core.AsError(err)
	}
	codes, err := prov.ListVATCodes(ctx, conn)
	vatKnown := true
	if core.Code(err) == core.CodeUnsupported {
		vatKnown = false
	} else if err != nil {
		return chart{}, core.AsError(err)
	}
	c := chart{provider: displayName(d), accounts: map[string]core.LedgerAccount{}, list: accounts,
		codes: map[string]core.VATCode{}, vatKnown: vatKnown}
	for _, a := range accounts {
		c.accounts[a.Number] = a
	}
	for _, vc := range codes {
		c.codes[vc.Code] = vc
	}
	return c, nil
}

// check returns why the chart cannot take u's postings, or "". Sales
// accounts must accept a VAT code of their rate. A product group's account
// must accept the group's rate when the group is named after a kind of
// goods the VAT rules know ("food", "restaurant", "alcohol", "general"),
// on each of dates; other groups' rates depend on what the register sells
// and are not checked. Accounts posted without VAT code (payments, output
// VAT, events) must not be locked to a code with a non-zero rate, except an
// output VAT account that is the linked account (VATCode.Account) of the
// code it is locked to, for that code's rate.
func (c chart) check(u mapping.AccountUse, country core.Country, dates []core.Date) string {
	acc, ok := c.accounts[u.Account]
	if !ok {
		return fmt.Sprintf("account %s does not exist in %s", u.Account, c.provider)
	}
	if !acc.Active {
		return fmt.Sprintf("account %s %s is inactive in %s", acc.Number, acc.Name, c.provider)
	}
	if !c.vatKnown {
		return ""
	}
	if !u.Taxable() {
		if code, known := c.codes[acc.LockedVATCode]; acc.LockedVATCode != "" && known && !code.Rate.IsZero() {
			if u.Role == mapping.RoleOutputVAT && code.Account == acc.Number && code.Rate.String() == u.VATRate {
				// The code's own VAT account (Spiris's 2611 for MP1): the
				// voucher row carries the code, as Spiris books its own
				// invoices' VAT.
				return ""
			}
			return fmt.Sprintf("account %s is locked to VAT code %s, but %s postings carry no VAT code", acc.Number, c.describe(code.Code), roleName(u.Role))
		}
		return ""
	}
	var rates []decimal.Decimal
	if u.Role == mapping.RoleSales {
		if r, err := decimal.NewFromString(u.VATRate); err == nil {
			rates = append(rates, r)
		}
	} else {
		rates = groupRates(u.Path, country, dates)
	}
	for _, rate := range rates {
		if msg := c.accepts(acc, rate); msg != "" {
			return msg
		}
	}
	return ""
}

// accepts returns why acc cannot be posted with a VAT code of rate, or "".
func (c chart) accepts(acc core.LedgerAccount, rate decimal.Decimal) string {
	pct := rate.String() + " %"
	if acc.LockedVATCode != "" {
		code, known := c.codes[acc.LockedVATCode]
		switch {
		case !known:
			return fmt.Sprintf("account %s is locked to VAT code %s, which %s does not list; cannot book %s", acc.Number, acc.LockedVATCode, c.provider, pct)
		case !code.Rate.Equal(rate):
			return fmt.Sprintf("account %s is locked to VAT code %s, cannot book %s", acc.Number, c.describe(code.Code), pct)
		}
		return ""
	}
	if len(acc.AllowedVATCodes) > 0 {
		var names []string
		for _, code := range acc.AllowedVATCodes {
			if vc, ok := c.codes[code]; ok && vc.Rate.Equal(rate) {
				return ""
			}
			names = append(names, c.describe(code))
		}
		return fmt.Sprintf("account %s accepts only VAT codes %s; cannot book %s", acc.Number, strings.Join(names, ", "), pct)
	}
	for _, vc := range c.codes {
		if vc.Rate.Equal(rate) {
			return ""
		}
	}
	return fmt.Sprintf("%s has no VAT code for %s", c.provider, pct)
}

// describe renders a VAT code with its rate: "3 (25 %)".
func (c chart) describe(code string) string {
	if vc, ok := c.codes[code]; ok {
		return fmt.Sprintf("%s (%s %%)", code, vc.Rate.String())
	}
	return code
}

// groupRates are the rates a product group named after a kind of goods
// sells at on dates, for the eat-in or takeaway side the path names.
func groupRates(path string, country core.Country, dates []core.Date) []decimal.Decimal {
	rest := strings.TrimPrefix(path, "product_groups.")
	var group string
	var takeaway bool
	switch {
	case strings.HasSuffix(rest, ".takeaway"):
		group, takeaway = strings.TrimSuffix(rest, ".takeaway"), true
	case strings.HasSuffix(rest, ".eat_in"):
		group = strings.TrimSuffix(rest, ".eat_in")
	default:
		return nil
	}
	kind := mapping.ProductGroupKind(strings.ToLower(group))
	var out []decimal.Decimal
	for _, date := range dates {
		rate, err := mapping.RateFor(country, kind, takeaway, date)
		if err != nil {
			continue // not a known kind, or a date the rules do not cover
		}
		dup := false
		for _, r := range out {
			dup = dup || r.Equal(rate)
		}
		if !dup {
			out = append(out, rate)
		}
	}
	return out
}

// normalizeMapping gives every map of m a non-nil value, so it encodes as
// {} rather than null.
func normalizeMapping(m mapping.Mapping) mapping.Mapping {
	if m.PaymentMethods == nil {
		m.PaymentMethods = map[string]string{}
	}
	if m.VATRates == nil {
		m.VATRates = map[string]string{}
	}
	if m.ProductGroups == nil {
		m.ProductGroups = map[string]mapping.GroupAccounts{}
	}
	if m.Events == nil {
		m.Events = map[string]string{}
	}
	if m.VATAccounts == nil {
		m.VATAccounts = map[string]string{}
	}
	return m
}

// roleName is how a message names postings of role.
func roleName(role mapping.AccountRole) string {
	switch role {
	case mapping.RoleOutputVAT:
		return "output VAT"
	case mapping.RolePayment:
		return "payment"
	}
	return string(role)
}
