package integrations

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// Suggestion is a complete proposed account mapping: the JSON of
// GET /v1/integrations/{id}/mapping/suggestion.
type Suggestion struct {
	// Mapping is the merchant's saved items plus a proposal for every
	// other item of the standard chart.
	Mapping mapping.Mapping `json:"mapping"`
	// Suggested lists, sorted, the mapping paths whose value is a
	// proposal ("payment_methods.card", "vat_rates.25",
	// "product_groups.food"); every other item was saved by the merchant.
	// Saving the mapping makes them the merchant's own.
	Suggested []string `json:"suggested"`
	// Notes explain proposals that differ from the standard chart because
	// the provider's chart lacks the standard account (or it cannot take
	// the item's VAT code).
	Notes []core.FieldError `json:"notes"`
	// Unresolved lists the items left out of Mapping because no account
	// of the provider's chart fits, and why.
	Unresolved []core.FieldError `json:"unresolved"`
	// PaymentMethods and ProductGroups are the merchant's own methods and
	// groups the proposal lists rows for, sorted: those its sales receipts
	// used plus those its saved mapping names (see merchantNames).
	PaymentMethods []string `json:"assumed_payment_methods"`
	ProductGroups  []string `json:"assumed_product_groups"`
}

// DefaultPaymentMethods are the payment methods a suggestion proposes
// accounts for while the merchant has neither recorded a sale nor saved a
// method: cash, card, the country's mobile payment (Swish in Sweden, Vipps
// in Norway), invoice and gift card. "invoice" gets no row of its own: it
// is booked on events.receivables.
func DefaultPaymentMethods(country core.Country) []string {
	mobile := "swish"
	if country == core.Norway {
		mobile = "vipps"
	}
	return []string{"cash", "card", mobile, mapping.MethodInvoice, mapping.MethodGiftCard}
}

// merchantNames returns the merchant's own product groups and payment methods,
// each sorted: those its sales receipts used (POST /v1/sales) and those its
// saved mapping names, which is how a merchant adds or keeps one of its
// own. Before its first receipt, methods are DefaultPaymentMethods followed
// by the saved ones; groups have no default (revenue then goes by VAT
// rate).
func (s *Service) merchantNames(ctx context.Context, merchant core.Merchant, saved mapping.Mapping) (groups, methods []string, err error) {
	seenGroups, seenMethods, err := s.store.SalesNames(ctx, merchant.ID)
	if err != nil {
		return nil, nil, err
	}
	union := func(seen []string, keys []string) []string {
		set := map[string]bool{}
		out := []string{}
		for _, list := range [][]string{seen, keys} {
			for _, n := range list {
				if strings.TrimSpace(n) != "" && !set[n] {
					set[n] = true
					out = append(out, n)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	groups = union(seenGroups, sortedKeys(saved.ProductGroups))
	if len(seenMethods) == 0 {
		// No receipt yet: the register's usual methods, in their order,
		// then those the merchant added.
		methods = DefaultPaymentMethods(merchant.Country)
		for _, m := range sortedKeys(saved.PaymentMethods) {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
		return groups, methods, nil
	}
	return groups, union(seenMethods, sortedKeys(saved.PaymentMethods)), nil
}

// Suggestion proposes a complete mapping for the integration: the country's
// standard chart (mapping.StandardSuggestion over the merchant's own
// payment methods and product groups, see merchantNames) reconciled with
// the provider's live chart. A standard account that exists, is active and
// accepts the item's VAT code is kept; otherwise the closest fitting account (by number, same length)
// of the same account group (first two digits: a tips liability in 29xx is
// never replaced by a VAT settlement account in 27xx, nor rounding by bank
// fees) is proposed and a note says so; when none fits the item is left
// out and listed in Unresolved. docs/account-suggestions.md lists every
// standard account with its source. Items the
// merchant saved are kept as saved and not marked. A provider without a
// ledger gets the standard chart unreconciled. Errors: CodeForbidden;
// CodeNotFound; CodeConflict when the integration has no bookkeeping mode
// or no credentials yet; the provider's errors.
func (s *Service) Suggestion(ctx context.Context, p core.Principal, id string) (Suggestion, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return Suggestion{}, err
	}
	if !r.HasMode(core.ModeBookkeeping) {
		return Suggestion{}, core.Errorf(core.CodeConflict, "integration %s does not do bookkeeping: only bookkeeping integrations have an account mapping", id)
	}
	merchant, err := s.store.GetMerchant(ctx, r.MerchantID)
	if err != nil {
		return Suggestion{}, err
	}
	var ch *chart
	if d.Capabilities.LedgerAccounts {
		c, err := s.chart(ctx, r, d)
		if err != nil {
			return Suggestion{}, err
		}
		ch = &c
	}
	saved := mapping.Mapping{}
	if r.Mapping != nil {
		saved = *r.Mapping
	}
	groups, methods, err := s.merchantNames(ctx, merchant, saved)
	if err != nil {
		return Suggestion{}, err
	}
	std := mapping.StandardSuggestion(merchant.Country, methods, groups)
	out := Suggestion{Mapping: normalizeMapping(copyMapping(saved)), Suggested: []string{},
		Notes: []core.FieldError{}, Unresolved: []core.FieldError{},
		PaymentMethods: methods, ProductGroups: groups}
	dates := []core.Date{core.DateOf(s.now().In(merchant.Country.Location()))}
	for _, u := range std.Accounts() {
		if hasPath(saved, u.Path) {
			continue
		}
		acc := u.Account
		if ch != nil {
			if why := ch.check(u, merchant.Country, dates); why != "" {
				alt := ch.closest(u, merchant.Country, dates)
				if alt == "" {
					out.Unresolved = append(out.Unresolved, core.FieldError{Field: u.Path, Message: fmt.Sprintf(
						"standard account %s does not fit (%s) and no account of group %sxx in %s does; choose one", u.Account, why, u.Account[:2], ch.provider)})
					continue
				}
				out.Notes = append(out.Notes, core.FieldError{Field: u.Path, Message: fmt.Sprintf(
					"standard account %s does not fit (%s); proposing %s, the closest fitting account of group %sxx", u.Account, why, alt, u.Account[:2])})
				acc = alt
			}
		}
		setPath(&out.Mapping, u.Path, acc)
		out.Suggested = append(out.Suggested, u.Path)
	}
	for _, g := range sortedKeys(std.ProductGroups) {
		if _, ok := saved.ProductGroups[g]; !ok {
			out.Mapping.ProductGroups[g] = std.ProductGroups[g]
			out.Suggested = append(out.Suggested, "product_groups."+g)
		}
	}
	sort.Strings(out.Suggested)
	return out, nil
}

// closest returns the account nearest by number to u's standard account
// among the chart's active accounts of the same group (first two digits)
// and length that accept u's postings, or "" when none does.
func (c chart) closest(u mapping.AccountUse, country core.Country, dates []core.Date) string {
	target, err := strconv.ParseInt(u.Account, 10, 64)
	if err != nil {
		return ""
	}
	best, bestDist := "", int64(-1)
	for _, a := range c.list {
		if len(a.Number) != len(u.Account) || len(u.Account) < 2 || a.Number[:2] != u.Account[:2] {
			continue
		}
		n, err := strconv.ParseInt(a.Number, 10, 64)
		if err != nil {
			continue
		}
		cand := u
		cand.Account = a.Number
		if c.check(cand, country, dates) != "" {
			continue
		}
		dist := n - target
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist || (dist == bestDist && a.Number < best) {
			best, bestDist = a.Number, dist
		}
	}
	return best
}

// hasPath reports whether m names an account at path (rate keys compared
// in canonical form).
func hasPath(m mapping.Mapping, path string) bool {
	list, key, _ := strings.Cut(path, ".")
	switch list {
	case "payment_methods":
		return m.PaymentMethods[key] != ""
	case "fallback_payment_account":
		return m.FallbackPaymentAccount != ""
	case "vat_rates":
		return byRate(m.VATRates)[key] != ""
	case "vat_accounts":
		return byRate(m.VATAccounts)[key] != ""
	case "events":
		return m.Events[key] != ""
	case "product_groups":
		group, side := splitGroupPath(key)
		g := m.ProductGroups[group]
		return (side == "eat_in" && g.EatIn != "") || (side == "takeaway" && g.Takeaway != "")
	}
	return false
}

// setPath sets the account at path; m's maps must be non-nil.
func setPath(m *mapping.Mapping, path, account string) {
	list, key, _ := strings.Cut(path, ".")
	switch list {
	case "payment_methods":
		m.PaymentMethods[key] = account
	case "fallback_payment_account":
		m.FallbackPaymentAccount = account
	case "vat_rates":
		m.VATRates[key] = account
	case "vat_accounts":
		m.VATAccounts[key] = account
	case "events":
		m.Events[key] = account
	case "product_groups":
		group, side := splitGroupPath(key)
		g := m.ProductGroups[group]
		if side == "eat_in" {
			g.EatIn = account
		} else {
			g.Takeaway = account
		}
		m.ProductGroups[group] = g
	}
}

// splitGroupPath splits "food.takeaway" into the group and its side.
func splitGroupPath(key string) (group, side string) {
	i := strings.LastIndex(key, ".")
	if i < 0 {
		return key, ""
	}
	return key[:i], key[i+1:]
}

func copyMapping(m mapping.Mapping) mapping.Mapping {
	out := mapping.Mapping{FallbackPaymentAccount: m.FallbackPaymentAccount}
	cp := func(in map[string]string) map[string]string {
		if in == nil {
			return nil
		}
		o := make(map[string]string, len(in))
		for k, v := range in {
			o[k] = v
		}
		return o
	}
	out.PaymentMethods, out.VATRates, out.Events, out.VATAccounts = cp(m.PaymentMethods), cp(m.VATRates), cp(m.Events), cp(m.VATAccounts)
	if m.ProductGroups != nil {
		out.ProductGroups = make(map[string]mapping.GroupAccounts, len(m.ProductGroups))
		for k, v := range m.ProductGroups {
			out.ProductGroups[k] = v
		}
	}
	return out
}
