package backoffice

import (
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// The mapping steps' tables: a row per payment method, VAT rate, product
// group or event, each account an input over the provider's live chart
// (a datalist: type to search by number or name), pre-filled from the
// saved mapping completed by the service's suggestion.

// mappingView is one mapping step's table.
type mappingView struct {
	RowHead string   // catalogue key of the first column
	Columns []string // catalogue keys of the account columns
	Rows    []mapRow
	// Accounts are the provider's live chart, for the inputs' list.
	Accounts []core.LedgerAccount
	// NeedsConnection: no credentials yet, so no chart to choose from.
	NeedsConnection bool
	// Unavailable is why the chart or the suggestion could not be read.
	Unavailable string
	// CanAdd: the provider keeps a chart the merchant may add to here.
	CanAdd bool
}

// mapRow is one row; a nil cell is a column that does not apply.
type mapRow struct {
	Label string
	Cells []*mapCell
}

// mapCell is one account input, named by its mapping path.
type mapCell struct {
	Path, Value string
	// Row and Col name the input: its row ("Card") and column ("Account").
	Row, Col string
	// AccountName is the chosen account's name in the provider's chart.
	AccountName string
	// Suggested: the value is the service's proposal, not yet saved.
	Suggested bool
	// Hint explains a proposal that differs from the standard chart, or
	// why none fits.
	Hint  string
	Error string
}

// eventRows are the events the events step maps, in its order. Discounts
// are never posted (receipt lines carry amounts after discount), so they
// have no row.
var eventRows = []string{mapping.EventTips, mapping.EventRounding, mapping.EventGiftCards, mapping.EventReceivables}

// mappingOf builds step's table. Admins see the suggestion (saved items
// plus proposals); others the saved mapping. values, after a refused
// save, are shown instead of what is stored.
func (s *server) mappingOf(c *gin.Context, p *page, in integrations.Integration, desc core.Descriptor, step string, values map[string]string) *mappingView {
	ctx, pr := c.Request.Context(), principal(c)
	v := &mappingView{}
	var m mapping.Mapping
	suggested := map[string]bool{}
	hints := map[string]string{}
	var methods, groups []string
	manage := pr.Role.Allows(core.ActionManageIntegrations)
	readSaved := true
	if manage {
		sug, err := s.integrations.Suggestion(ctx, pr, in.ID)
		switch core.Code(err) {
		case "":
			readSaved = false
			m, methods, groups = sug.Mapping, sug.PaymentMethods, sug.ProductGroups
			for _, path := range sug.Suggested {
				suggested[path] = true
			}
			for _, n := range sug.Notes {
				hints[n.Field] = n.Message
			}
			for _, n := range sug.Unresolved {
				hints[n.Field] = n.Message
			}
		case core.CodeConflict:
			v.NeedsConnection = !in.Connected
			if !v.NeedsConnection {
				v.Unavailable = errorText(p.L, err)
			}
		default:
			v.Unavailable = errorText(p.L, err)
		}
	}
	if readSaved {
		saved, _, err := s.integrations.GetMapping(ctx, pr, in.ID)
		if err != nil && v.Unavailable == "" {
			v.Unavailable = errorText(p.L, err)
		}
		m = saved
	}
	if in.Connected {
		accounts, err := s.integrations.Accounts(ctx, pr, in.ID)
		switch {
		case err == nil:
			v.Accounts = accounts
			v.CanAdd = manage && desc.Capabilities.LedgerAccounts
		case v.Unavailable == "" && core.Code(err) != core.CodeUnsupported:
			v.Unavailable = errorText(p.L, err)
		}
	}
	methods = union(methods, mapKeys(m.PaymentMethods))
	groups = union(groups, mapKeys(m.ProductGroups))

	cell := func(path string) *mapCell {
		c := newCell(p.L, path, getPath(m, path))
		c.Suggested, c.Hint = suggested[path], hints[path]
		if val, ok := values[path]; ok {
			c.Value, c.Suggested = val, false
		}
		c.Error = p.FieldError(path)
		if c.Error == "" {
			c.AccountName = accountName(v.Accounts, c.Value)
		}
		return &c
	}
	switch step {
	case integrations.StepPaymentMethods:
		v.RowHead, v.Columns = "integrations.col.method", []string{"integrations.col.account"}
		for _, method := range methods {
			if method == mapping.MethodInvoice {
				continue // booked on events.receivables
			}
			v.Rows = append(v.Rows, mapRow{Label: methodLabel(p.L, method), Cells: []*mapCell{cell("payment_methods." + method)}})
		}
		v.Rows = append(v.Rows, mapRow{Label: p.L.T("integrations.row.fallback"), Cells: []*mapCell{cell("fallback_payment_account")}})
	case integrations.StepVATRates:
		v.RowHead, v.Columns = "integrations.col.rate", []string{"integrations.col.sales_account", "integrations.col.vat_account"}
		rates := core.VATRates(p.Merchant.Country)
		sort.SliceStable(rates, func(a, b int) bool { return rates[a].GreaterThan(rates[b]) })
		for _, r := range rates {
			row := mapRow{Label: p.L.T("integrations.rate", r.String()), Cells: []*mapCell{cell("vat_rates." + r.String()), nil}}
			if !r.IsZero() {
				row.Cells[1] = cell("vat_accounts." + r.String())
			}
			v.Rows = append(v.Rows, row)
		}
	case integrations.StepProductGroups:
		v.RowHead, v.Columns = "integrations.col.group", []string{"integrations.col.eat_in", "integrations.col.takeaway"}
		for _, g := range groups {
			v.Rows = append(v.Rows, mapRow{Label: g, Cells: []*mapCell{
				cell("product_groups." + g + ".eat_in"), cell("product_groups." + g + ".takeaway")}})
		}
	case integrations.StepEvents:
		v.RowHead, v.Columns = "integrations.col.event", []string{"integrations.col.account"}
		for _, e := range eventRows {
			v.Rows = append(v.Rows, mapRow{Label: p.L.T("integrations.event." + e), Cells: []*mapCell{cell("events." + e)}})
		}
	}
	return v
}

// newCell is the input for path with value, labelled for a person.
func newCell(l *localizer, path, value string) mapCell {
	row, col := pathParts(l, path)
	return mapCell{Path: path, Value: value, Row: row, Col: col}
}

// accountName is number's name in the chart, "" when it has none.
func accountName(accounts []core.LedgerAccount, number string) string {
	for _, a := range accounts {
		if a.Number == number {
			return a.Name
		}
	}
	return ""
}

func methodLabel(l *localizer, method string) string {
	if key := "integrations.method." + method; l.Has(key) {
		return l.T(key)
	}
	return method
}

// pathLabel names a mapping path (or another field of the wizard) as a
// person reads it: "Card – Account", "12 % – Sales account".
func pathLabel(l *localizer, path string) string {
	row, col := pathParts(l, path)
	if col == "" {
		return row
	}
	return l.T("integrations.cell", row, col)
}

// pathParts are the row and the column of a mapping path as a person
// reads them; col is "" for a field outside the mapping.
func pathParts(l *localizer, path string) (row, col string) {
	head, rest, _ := strings.Cut(path, ".")
	account := l.T("integrations.col.account")
	switch head {
	case "payment_methods":
		return methodLabel(l, rest), account
	case "fallback_payment_account":
		return l.T("integrations.row.fallback"), account
	case "vat_rates":
		return l.T("integrations.rate", rest), l.T("integrations.col.sales_account")
	case "vat_accounts":
		return l.T("integrations.rate", rest), l.T("integrations.col.vat_account")
	case "product_groups":
		i := strings.LastIndex(rest, ".")
		if i < 0 {
			return rest, ""
		}
		if rest[i+1:] == "takeaway" {
			return rest[:i], l.T("integrations.col.takeaway")
		}
		return rest[:i], l.T("integrations.col.eat_in")
	case "events":
		if key := "integrations.event." + rest; l.Has(key) {
			return l.T(key), account
		}
	}
	if key := "integrations.field." + path; l.Has(key) {
		return l.T(key), ""
	}
	return path, ""
}

// getPath is the account at a mapping path, "" when none.
func getPath(m mapping.Mapping, path string) string {
	head, rest, _ := strings.Cut(path, ".")
	switch head {
	case "payment_methods":
		return m.PaymentMethods[rest]
	case "fallback_payment_account":
		return m.FallbackPaymentAccount
	case "vat_rates":
		return m.VATRates[rest]
	case "vat_accounts":
		return m.VATAccounts[rest]
	case "events":
		return m.Events[rest]
	case "product_groups":
		if i := strings.LastIndex(rest, "."); i >= 0 {
			g := m.ProductGroups[rest[:i]]
			if rest[i+1:] == "takeaway" {
				return g.Takeaway
			}
			return g.EatIn
		}
	}
	return ""
}

// setPath sets the account at a mapping path; "" removes it.
func setPath(m *mapping.Mapping, path, account string) {
	set := func(mp *map[string]string, key string) {
		if *mp == nil {
			*mp = map[string]string{}
		}
		if account == "" {
			delete(*mp, key)
			return
		}
		(*mp)[key] = account
	}
	head, rest, _ := strings.Cut(path, ".")
	switch head {
	case "payment_methods":
		set(&m.PaymentMethods, rest)
	case "fallback_payment_account":
		m.FallbackPaymentAccount = account
	case "vat_rates":
		set(&m.VATRates, rest)
	case "vat_accounts":
		set(&m.VATAccounts, rest)
	case "events":
		set(&m.Events, rest)
	case "product_groups":
		i := strings.LastIndex(rest, ".")
		if i < 0 {
			return
		}
		if m.ProductGroups == nil {
			m.ProductGroups = map[string]mapping.GroupAccounts{}
		}
		name, side := rest[:i], rest[i+1:]
		g := m.ProductGroups[name]
		switch side {
		case "eat_in":
			g.EatIn = account
		case "takeaway":
			g.Takeaway = account
		default:
			return
		}
		m.ProductGroups[name] = g
	}
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// union is a followed by the items of b it lacks.
func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
