package backoffice

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// What the invoice and order lists share: a customer filter searched by
// name, the choices an ambiguous name offers, and paging by cursor.

// customerFilter is a list filter's customer: the name typed and, once one
// was chosen, its id (query parameters customer and customer_id).
type customerFilter struct {
	Customer   string // the name searched for
	CustomerID string // the customer chosen
}

func customerFilterOf(c *gin.Context) customerFilter {
	return customerFilter{Customer: strings.TrimSpace(c.Query("customer")), CustomerID: strings.TrimSpace(c.Query("customer_id"))}
}

// customerChoice is one customer a name search found, as a link that
// filters by it.
type customerChoice struct {
	Name, Number, OrganizationNumber, Href string
}

// filteredList is what a filtered list page shows besides its rows.
type filteredList struct {
	// Choices are the customers a name matched when it matched several;
	// the list waits for one to be chosen.
	Choices   []customerChoice
	Listed    bool // the list was read (no invalid filter, no open choice)
	NextHref  string
	FirstHref string // set on every page after the first
}

// listed marks the list read and links its pages: href(cursor) is the
// list's address at a cursor, cursor the page shown and next the one after
// it ("" on the last page).
func (l *filteredList) listed(href func(cursor string) string, cursor, next string) {
	l.Listed = true
	if next != "" {
		l.NextHref = href(next)
	}
	if cursor != "" {
		l.FirstHref = href("")
	}
}

// listHref is the address of the list at path (below Prefix) with the
// query kv: name, value pairs, the empty values left out.
func listHref(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return Prefix + path
	}
	return Prefix + path + "?" + q.Encode()
}

// maxCustomerChoices bounds the customers offered for an ambiguous name.
const maxCustomerChoices = 20

// pickCustomer resolves a customer filter in place. The form carries the
// name typed and, once one was chosen, its id: the id stands while the name
// is still that customer's; otherwise the name is searched (name,
// organization number or customer number, as the customer search does).
// One match, or one whose name is exactly the name, is chosen; several are
// returned as choices linked by choose(that customer) and leave no id;
// none is an invalid "customer" field (cf unchanged). An empty name
// filters nothing.
func (s *server) pickCustomer(c *gin.Context, p *page, cf *customerFilter, choose func(customerFilter) string) ([]customerChoice, error) {
	ctx := c.Request.Context()
	pr := principal(c)
	name := cf.Customer
	if name == "" {
		cf.CustomerID = ""
		return nil, nil
	}
	if cf.CustomerID != "" {
		cust, err := s.engine.GetCustomer(ctx, pr, cf.CustomerID)
		if err != nil && core.Code(err) != core.CodeNotFound {
			return nil, err
		}
		if err == nil && strings.EqualFold(strings.TrimSpace(cust.Name), name) {
			*cf = customerFilter{Customer: cust.Name, CustomerID: cust.ID}
			return nil, nil
		}
	}
	page, err := s.engine.SearchCustomers(ctx, pr, core.CustomerQuery{Q: name, Limit: maxCustomerChoices})
	if err != nil {
		return nil, err
	}
	found := page.Customers
	if len(found) == 0 {
		return nil, core.Invalid("invalid filter", core.FieldError{Field: "customer", Message: p.L.T("invoices.error.no_customer")})
	}
	var exact []core.Customer
	for _, cu := range found {
		if strings.EqualFold(strings.TrimSpace(cu.Name), name) {
			exact = append(exact, cu)
		}
	}
	if len(exact) == 1 {
		found = exact
	}
	if len(found) == 1 {
		*cf = customerFilter{Customer: found[0].Name, CustomerID: found[0].ID}
		return nil, nil
	}
	cf.CustomerID = ""
	var choices []customerChoice
	for _, cu := range found {
		choices = append(choices, customerChoice{Name: cu.Name, Number: cu.Number,
			OrganizationNumber: cu.OrganizationNumber, Href: choose(customerFilter{Customer: cu.Name, CustomerID: cu.ID})})
	}
	return choices, nil
}
