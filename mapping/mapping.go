// Package mapping turns a location's day of register receipts into one
// balanced voucher for the merchant's bookkeeping: which account each payment
// method, product group, VAT rate and special event (tips, rounding, gift
// cards, invoice sales) is booked on, the date-effective VAT rules of the
// countries served, and standard-chart suggestions for the setup wizard.
//
// Everything here is pure: no storage, no transport, no clock. The account
// numbers are checked structurally; whether an account exists in the
// merchant's chart and accepts the VAT code it is posted with is checked
// against the provider's live chart by the caller (see Mapping.Accounts).
package mapping

import (
	"regexp"
	"sort"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/shopspring/decimal"
)

// Mapping says which ledger account each part of a day's sales is booked on.
// It is the JSON body of GET/PUT /v1/integrations/{id}/mapping.
type Mapping struct {
	// PaymentMethods maps a register payment method ("cash", "card",
	// "swish") to the account it is debited on.
	PaymentMethods map[string]string `json:"payment_methods"`
	// FallbackPaymentAccount takes every method PaymentMethods does not
	// name, so a method added at the register later never stops an export.
	FallbackPaymentAccount string `json:"fallback_payment_account"`
	// VATRates maps a VAT rate ("25") to the sales account of lines whose
	// product group has no mapping (revenue by VAT rate).
	VATRates map[string]string `json:"vat_rates"`
	// ProductGroups maps a product group to its sales accounts for goods
	// consumed on the premises and taken away. An empty side falls back to
	// VATRates.
	ProductGroups map[string]GroupAccounts `json:"product_groups"`
	// Events maps the special events (EventTips, EventRounding,
	// EventGiftCards, EventDiscounts, EventReceivables) to accounts.
	Events map[string]string `json:"events"`
	// VATAccounts maps a VAT rate to its output VAT account ("25" → "2611").
	VATAccounts map[string]string `json:"vat_accounts"`
}

// GroupAccounts are a product group's sales accounts. Takeaway means "not
// consumed on the premises", which includes every sale of a shop.
type GroupAccounts struct {
	EatIn    string `json:"eat_in"`
	Takeaway string `json:"takeaway"`
}

// The event keys of Mapping.Events.
const (
	// EventTips is the liability account for tips paid with the bill:
	// tips belong to the staff, carry no VAT and are not revenue.
	EventTips = "tips"
	// EventRounding takes the receipts' cash rounding (öresavrundning).
	EventRounding = "rounding"
	// EventGiftCards is the gift-card liability, debited when the payment
	// method MethodGiftCard redeems a card and PaymentMethods does not
	// name that method.
	EventGiftCards = "gift_cards"
	// EventDiscounts is accepted for the wizard but never posted: receipt
	// lines carry amounts after discount, so there is no discount amount
	// to book.
	EventDiscounts = "discounts"
	// EventReceivables is the customer-receivables account debited for
	// MethodInvoice payments when PaymentMethods does not name that method.
	EventReceivables = "receivables"
)

// Payment methods with a meaning of their own.
const (
	// MethodInvoice marks the share of a receipt charged to the customer
	// on an invoice.
	MethodInvoice = "invoice"
	// MethodGiftCard marks a payment with a gift card.
	MethodGiftCard = "gift_card"
)

var eventKeys = []string{EventDiscounts, EventGiftCards, EventReceivables, EventRounding, EventTips}

// accountPattern is the shape of an account number in BAS, NS 4102 and the
// providers' charts: digits only. Four is the standard length; some
// charts use longer sub-accounts.
var accountPattern = regexp.MustCompile(`^[0-9]{4,10}$`)

// ValidAccount reports whether s has the shape of a ledger account number.
func ValidAccount(s string) bool { return accountPattern.MatchString(s) }

// Validate checks the mapping's structure and names every bad field by its
// JSON path ("payment_methods.card", "product_groups.food.takeaway",
// "vat_rates.25"). It does not check that accounts exist in a chart. It
// returns nil or a *core.Error with code invalid.
func (m Mapping) Validate() error {
	var errs []core.FieldError
	add := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	checkAccount := func(field, account string, required bool) {
		switch {
		case account == "" && !required:
		case account == "":
			add(field, "is required")
		case !ValidAccount(account):
			add(field, "must be an account number of 4 to 10 digits")
		}
	}
	for _, method := range sortedKeys(m.PaymentMethods) {
		if strings.TrimSpace(method) == "" {
			add("payment_methods", "a payment method name must not be empty")
			continue
		}
		if e := core.TextError("payment_methods", method, core.MaxMappingKeyLength, false); e != nil {
			add(e.Field, "a payment method name "+e.Message)
			continue
		}
		checkAccount("payment_methods."+method, m.PaymentMethods[method], true)
	}
	checkAccount("fallback_payment_account", m.FallbackPaymentAccount, true)
	checkRates := func(list string, accounts map[string]string) {
		seen := map[string]string{}
		for _, key := range sortedKeys(accounts) {
			field := list + "." + key
			rate, ok := parseRate(key)
			if !ok {
				add(field, "the key must be a VAT percentage from 0 to 100, such as \"25\"")
				continue
			}
			if other, dup := seen[rate.String()]; dup {
				add(field, "the same rate as "+list+"."+other)
				continue
			}
			seen[rate.String()] = key
			checkAccount(field, accounts[key], true)
		}
	}
	checkRates("vat_rates", m.VATRates)
	checkRates("vat_accounts", m.VATAccounts)
	for _, group := range sortedKeys(m.ProductGroups) {
		if strings.TrimSpace(group) == "" {
			add("product_groups", "a product group name must not be empty")
			continue
		}
		if e := core.TextError("product_groups", group, core.MaxMappingKeyLength, false); e != nil {
			add(e.Field, "a product group name "+e.Message)
			continue
		}
		g := m.ProductGroups[group]
		checkAccount("product_groups."+group+".eat_in", g.EatIn, false)
		checkAccount("product_groups."+group+".takeaway", g.Takeaway, false)
	}
	for _, event := range sortedKeys(m.Events) {
		if !isEventKey(event) {
			add("events."+event, "is not an event; use one of "+strings.Join(eventKeys, ", "))
			continue
		}
		checkAccount("events."+event, m.Events[event], true)
	}
	return core.Invalid("invalid account mapping", errs...)
}

// AccountRole says how an account of the mapping is posted.
type AccountRole string

// The roles of AccountUse.
const (
	// RolePayment accounts are debited with payments, without VAT code.
	RolePayment AccountRole = "payment"
	// RoleSales accounts (vat_rates) are credited with net sales at
	// VATRate; their postings carry VATRate as VAT code.
	RoleSales AccountRole = "sales"
	// RoleGroupSales accounts (product_groups) are credited with net sales
	// at whatever rate the register sold the group's lines; their postings
	// carry that rate as VAT code. VATRate is empty.
	RoleGroupSales AccountRole = "group_sales"
	// RoleOutputVAT accounts (vat_accounts) are credited with the output
	// VAT of VATRate, without VAT code: the VAT is already computed.
	RoleOutputVAT AccountRole = "output_vat"
	// RoleEvent accounts (events) are posted without VAT code.
	RoleEvent AccountRole = "event"
)

// AccountUse is one account of a mapping and how BuildVoucher posts it, so a
// wizard can check it against the provider's chart: that it exists, is
// active, and accepts (or is locked to) the VAT code it will carry.
type AccountUse struct {
	Path    string      `json:"path"`
	Account string      `json:"account"`
	Role    AccountRole `json:"role"`
	// VATRate is the rate the account is tied to: the rate of its sales
	// (RoleSales) or of the VAT it collects (RoleOutputVAT); empty for
	// the other roles.
	VATRate string `json:"vat_rate,omitempty"`
}

// Taxable reports whether postings to the account carry a VAT code.
func (u AccountUse) Taxable() bool { return u.Role == RoleSales || u.Role == RoleGroupSales }

// Accounts lists every account the mapping names, one entry per path, sorted
// by path. Rates are in canonical form ("25", "12.5"); unparseable rate keys
// are reported as written.
func (m Mapping) Accounts() []AccountUse {
	var out []AccountUse
	for method, acc := range m.PaymentMethods {
		out = append(out, AccountUse{Path: "payment_methods." + method, Account: acc, Role: RolePayment})
	}
	if m.FallbackPaymentAccount != "" {
		out = append(out, AccountUse{Path: "fallback_payment_account", Account: m.FallbackPaymentAccount, Role: RolePayment})
	}
	for key, acc := range m.VATRates {
		out = append(out, AccountUse{Path: "vat_rates." + key, Account: acc, Role: RoleSales, VATRate: canonicalRate(key)})
	}
	for key, acc := range m.VATAccounts {
		out = append(out, AccountUse{Path: "vat_accounts." + key, Account: acc, Role: RoleOutputVAT, VATRate: canonicalRate(key)})
	}
	for group, g := range m.ProductGroups {
		if g.EatIn != "" {
			out = append(out, AccountUse{Path: "product_groups." + group + ".eat_in", Account: g.EatIn, Role: RoleGroupSales})
		}
		if g.Takeaway != "" {
			out = append(out, AccountUse{Path: "product_groups." + group + ".takeaway", Account: g.Takeaway, Role: RoleGroupSales})
		}
	}
	for event, acc := range m.Events {
		out = append(out, AccountUse{Path: "events." + event, Account: acc, Role: RoleEvent})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Path < out[b].Path })
	return out
}

func isEventKey(k string) bool {
	for _, e := range eventKeys {
		if e == k {
			return true
		}
	}
	return false
}

// parseRate parses a VAT-rate key; a rate is a percentage in [0, 100).
func parseRate(s string) (decimal.Decimal, bool) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil || d.IsNegative() || d.GreaterThanOrEqual(decimal.NewFromInt(100)) {
		return decimal.Zero, false
	}
	return d, true
}

// canonicalRate is the rate's canonical string ("25.0" → "25"), or s itself
// when it is not a rate.
func canonicalRate(s string) string {
	if d, ok := parseRate(s); ok {
		return d.String()
	}
	return s
}

// byRate re-keys a rate → account map by canonical rate. Validate has
// rejected unparseable and duplicate keys.
func byRate(accounts map[string]string) map[string]string {
	out := make(map[string]string, len(accounts))
	for k, v := range accounts {
		out[canonicalRate(k)] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
