package spiris

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/pagetest"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

// TestCustomerPagesAreBoundedInBytes: customers whose texts are all at
// Spiris's own limits, in 4-byte characters, make a page of the largest row
// count pass core.MaxPageBytes; the page has fewer rows and a next cursor
// instead, and the pages still list every customer once.
func TestCustomerPagesAreBoundedInBytes(t *testing.T) {
	e := setup(t)
	const n = core.MaxListLimit + 20
	long := func(k int) *string { s := strings.Repeat("𝔸", k); return &s }
	for i := range n {
		e.srv.AddCustomer(spiristest.Customer{Name: fmt.Sprintf("%03d", i) + *long(47), InvoicePostalCode: *long(10),
			InvoiceCity: *long(50), IsActive: true, InvoiceAddress1: long(50), InvoiceAddress2: long(50),
			Telephone: long(50), EmailAddress: long(255)})
	}
	pagetest.Walk(t, n, false, pagetest.CustomerID, func(cursor string) ([]core.Customer, string, error) {
		page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Limit: core.MaxListLimit, Cursor: cursor})
		return page.Customers, page.NextCursor, err
	})
}
