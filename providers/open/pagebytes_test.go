package open

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/pagetest"
)

// maximalCustomer has every text at its longest, in 4-byte characters.
func maximalCustomer(i int) core.Customer {
	long := func(n int) string { return strings.Repeat("𝔸", n) }
	c := invoiceable(fmt.Sprintf("%04d", i) + long(core.MaxNameLength-4))
	c.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", core.MaxEmailLength-68) + ".se"
	c.Phone = long(core.MaxPhoneLength)
	c.BillingAddress = core.Address{Line1: long(core.MaxAddressLineLength), Line2: long(core.MaxAddressLineLength),
		PostalCode: long(core.MaxPostalCodeLength), City: long(core.MaxCityLength), Country: long(core.MaxCountryLength)}
	c.PurchaseInstruction = long(core.MaxPurchaseInstructionLen)
	return c
}

// TestCustomerPagesAreBoundedInBytes: with customers whose texts are all
// at their limits, a page of the largest row count would pass
// core.MaxPageBytes (and with longer, older rows the plugin message limit:
// GET /v1/customers answered 500). The page has fewer rows and a next
// cursor instead, and the pages still list every customer once.
func TestCustomerPagesAreBoundedInBytes(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	n := core.MaxPageBytes/maximalCustomer(0).Size() + 20
	for i := range n {
		mustCustomer(t, p, connA, maximalCustomer(i))
	}
	for _, q := range []string{"", "𝔸𝔸𝔸"} {
		t.Run("q="+q, func(t *testing.T) {
			pagetest.Walk(t, n, false, pagetest.CustomerID, func(cursor string) ([]core.Customer, string, error) {
				page, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Q: q, Limit: core.MaxListLimit, Cursor: cursor})
				return page.Customers, page.NextCursor, err
			})
		})
	}
}

// TestOrderPagesAreBoundedInBytes: orders carry their lines, so a few
// orders of 500 maximal lines pass core.MaxPageBytes; a page of them has
// fewer orders and a next cursor, and the pages list every order once.
func TestOrderPagesAreBoundedInBytes(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	c := mustCustomer(t, p, connA, collective("Samlad AB"))
	desc := strings.Repeat("𝔸", core.MaxLineDescriptionLength)
	lines := make([]core.LineInput, core.MaxChargeLines)
	for i := range lines {
		lines[i] = lineIn(desc, "1", 100, "25")
	}
	const n = 4
	for i := range n {
		if _, err := p.CreateOrder(ctx, connA, request(fmt.Sprintf("ch_%d", i), c.ID, "2026-01-20", lines...)); err != nil {
			t.Fatal(err)
		}
	}
	pagetest.Walk(t, n, true, func(o core.Order) string { return o.ID }, func(cursor string) ([]core.Order, string, error) {
		page, err := p.ListOrders(ctx, connA, core.OrderQuery{Limit: core.MaxListLimit, Cursor: cursor})
		return page.Orders, page.NextCursor, err
	})
}

// TestPatchOfACustomerStoredBeforeTheLimits: a customer stored before the
// text limits (a megabyte phone) can still be changed; the patch's own
// fields are checked.
func TestPatchOfACustomerStoredBeforeTheLimits(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	c := mustCustomer(t, p, connA, invoiceable("Gammal AB"))
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE customers SET phone = ? WHERE id = ?`, strings.Repeat("0", 1<<20), c.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	name := "Gammal och Ny AB"
	got, err := p.UpdateCustomer(ctx, connA, c.ID, core.CustomerPatch{Name: &name})
	if err != nil || got.Name != name {
		t.Fatalf("patch name = %q, %v", got.Name, err)
	}
	long := strings.Repeat("x", core.MaxPurchaseInstructionLen+1)
	_, err = p.UpdateCustomer(ctx, connA, c.ID, core.CustomerPatch{PurchaseInstruction: &long})
	wantCode(t, err, core.CodeInvalid, "purchase_instruction")
	phone := "08-1"
	if got, err = p.UpdateCustomer(ctx, connA, c.ID, core.CustomerPatch{Phone: &phone}); err != nil || got.Phone != phone {
		t.Fatalf("patch phone = %q, %v", got.Phone, err)
	}
}
