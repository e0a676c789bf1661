package spiris

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
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
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Limit: core.MaxListLimit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if b, _ := json.Marshal(page.Customers); len(b) > core.MaxPageBytes {
			t.Fatalf("page %d: %d rows, %d bytes, over %d", pages, len(page.Customers), len(b), core.MaxPageBytes)
		}
		for _, c := range page.Customers {
			if seen[c.ID] {
				t.Fatalf("customer %s on two pages", c.ID)
			}
			seen[c.ID] = true
		}
		if page.NextCursor == "" || pages > n {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != n || pages < 2 {
		t.Fatalf("%d pages listed %d customers, want %d on at least 2 pages", pages, len(seen), n)
	}
}
