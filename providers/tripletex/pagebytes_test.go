package tripletex

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/pagetest"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

// TestCustomerPagesAreBoundedInBytes: Tripletex's customers are not bound
// by the gateway's text limits; a page of them with long texts has fewer
// rows and a next cursor rather than passing core.MaxPageBytes (and, at
// the old row count, the plugin message limit).
func TestCustomerPagesAreBoundedInBytes(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	const n = 40
	long := strings.Repeat("x", core.MaxPageBytes/30)
	for i := range n {
		e.srv.AddCustomer(tripletextest.Customer{Name: fmt.Sprintf("Kund %03d ", i) + long, Email: "post@example.no",
			PostalAddress: tripletextest.Address{AddressLine1: long[:len(long)/2], PostalCode: "0153", City: "Oslo"}})
	}
	pagetest.Walk(t, n, false, pagetest.CustomerID, func(cursor string) ([]core.Customer, string, error) {
		page, err := e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Limit: core.MaxListLimit, Cursor: cursor})
		return page.Customers, page.NextCursor, err
	})
}
