package tripletex

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
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
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Limit: core.MaxListLimit, Cursor: cursor}))
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
