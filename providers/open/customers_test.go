package open

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func fullCustomer() core.Customer {
	return core.Customer{
		ID: "ignored", Number: "999",
		Name: "Acme Aktiebolag", OrganizationNumber: "556016-0680",
		Email: "billing@acme.se", Phone: "+46 8 123 456",
		BillingAddress: core.Address{Line1: "Storgatan 1", Line2: "Box 12", PostalCode: "111 22", City: "Stockholm", Country: "SE"},
		Active:         true, InvoicingEnabled: true, DueDays: 30,
		PurchaseInstruction: "State your department",
		CollectiveInvoicing: core.CollectiveInvoicing{Enabled: true, DayOfMonth: 25, Threshold: 500000},
		VATNumber:           "SE556016068001", PeppolID: "0007:5560160680", BuyerReference: "Avd 12",
		InvoiceDelivery: core.DeliveryPeppol,
	}
}

func TestCreateAndGetCustomer(t *testing.T) {
	p, clock := newProvider(t)
	ctx := context.Background()
	in := fullCustomer()
	c := mustCustomer(t, p, connA, in)
	if c.ID == "ignored" || c.ID == "" || c.Number != "1" {
		t.Fatalf("id %q number %q: want a fresh id and number 1", c.ID, c.Number)
	}
	if !c.CreatedAt.Equal(clock.Now()) || !c.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("timestamps %v %v, want %v", c.CreatedAt, c.UpdatedAt, clock.Now())
	}
	got, err := p.GetCustomer(ctx, connA, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("stored customer differs:\n got %+v\nwant %+v", got, c)
	}
	want := in
	want.ID, want.Number, want.CreatedAt, want.UpdatedAt = c.ID, c.Number, c.CreatedAt, c.UpdatedAt
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields lost:\n got %+v\nwant %+v", got, want)
	}

	// Numbers run per merchant.
	for i, wantNum := range []string{"2", "3"} {
		c := mustCustomer(t, p, connA, invoiceable("Next "+strconv.Itoa(i)))
		if c.Number != wantNum {
			t.Fatalf("customer number %q, want %q", c.Number, wantNum)
		}
	}
	if b := mustCustomer(t, p, connB, invoiceable("Other merchant")); b.Number != "1" {
		t.Fatalf("merchant B's first customer number = %q, want 1", b.Number)
	}
}

func TestCreateCustomerValidation(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	other := mustCustomer(t, p, connB, invoiceable("B's customer"))
	tests := []struct {
		name  string
		conn  core.Connection
		edit  func(*core.Customer)
		field string
	}{
		{"no merchant", core.Connection{}, func(c *core.Customer) {}, "merchant_id"},
		{"blank name", connA, func(c *core.Customer) { c.Name = "  " }, "name"},
		{"bad email", connA, func(c *core.Customer) { c.Email = "not-an-email" }, "email"},
		{"negative due days", connA, func(c *core.Customer) { c.DueDays = -1 }, "due_days"},
		{"unknown parent", connA, func(c *core.Customer) { c.ParentCustomerID = "cus_nope" }, "parent_customer_id"},
		{"peppol delivery without Peppol id", connA, func(c *core.Customer) { c.InvoiceDelivery = core.DeliveryPeppol }, "invoice_delivery"},
		{"bad Peppol id", connA, func(c *core.Customer) { c.PeppolID = "0007:5560160681" }, "peppol_id"},
		{"bad VAT number", connA, func(c *core.Customer) { c.VATNumber = "DE1234" }, "vat_number"},
		{"other merchant's parent", connA, func(c *core.Customer) { c.ParentCustomerID = other.ID }, "parent_customer_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := invoiceable("Valid AB")
			tt.edit(&c)
			_, err := p.CreateCustomer(ctx, tt.conn, c)
			wantCode(t, err, core.CodeInvalid, tt.field)
		})
	}
	// Refused creates take no customer number.
	if c := mustCustomer(t, p, connA, invoiceable("First")); c.Number != "1" {
		t.Fatalf("number after refused creates = %q, want 1", c.Number)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdateCustomer(t *testing.T) {
	p, clock := newProvider(t)
	ctx := context.Background()
	c := mustCustomer(t, p, connA, fullCustomer())
	parent := mustCustomer(t, p, connA, invoiceable("Parent AB"))
	clock.Advance(time.Hour)

	addr := core.Address{Line1: "Nygatan 2", PostalCode: "222 33", City: "Lund", Country: "SE"}
	got, err := p.UpdateCustomer(ctx, connA, c.ID, core.CustomerPatch{
		Name: ptr("Acme Group AB"), BillingAddress: &addr, Active: ptr(false), ParentCustomerID: ptr(parent.ID),
		OrganizationNumber: ptr("2021005489"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.Name, want.BillingAddress, want.Active, want.ParentCustomerID = "Acme Group AB", addr, false, parent.ID
	want.OrganizationNumber = "2021005489"
	want.UpdatedAt = clock.Now()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("updated:\n got %+v\nwant %+v", got, want)
	}
	stored, _ := p.GetCustomer(ctx, connA, c.ID)
	if !reflect.DeepEqual(stored, want) {
		t.Fatalf("stored:\n got %+v\nwant %+v", stored, want)
	}
	// The search keys follow the update.
	page, _ := p.SearchCustomers(ctx, connA, core.CustomerQuery{Q: "202100-5489"})
	if len(page.Customers) != 1 || page.Customers[0].ID != c.ID {
		t.Fatalf("search by new org number: %+v", page.Customers)
	}

	errs := []struct {
		name  string
		conn  core.Connection
		id    string
		patch core.CustomerPatch
		code  core.ErrorCode
		field string
	}{
		{"self parent", connA, c.ID, core.CustomerPatch{ParentCustomerID: ptr(c.ID)}, core.CodeInvalid, "parent_customer_id"},
		{"unknown parent", connA, c.ID, core.CustomerPatch{ParentCustomerID: ptr("cus_nope")}, core.CodeInvalid, "parent_customer_id"},
		{"cycle", connA, parent.ID, core.CustomerPatch{ParentCustomerID: ptr(c.ID)}, core.CodeInvalid, "parent_customer_id"},
		{"blank name", connA, c.ID, core.CustomerPatch{Name: ptr("")}, core.CodeInvalid, "name"},
		{"unknown customer", connA, "cus_nope", core.CustomerPatch{Name: ptr("X")}, core.CodeNotFound, ""},
		{"other merchant", connB, c.ID, core.CustomerPatch{Name: ptr("X")}, core.CodeNotFound, ""},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.UpdateCustomer(ctx, tt.conn, tt.id, tt.patch)
			wantCode(t, err, tt.code, tt.field)
		})
	}
	// Clearing the parent is allowed.
	got, err = p.UpdateCustomer(ctx, connA, c.ID, core.CustomerPatch{ParentCustomerID: ptr("")})
	if err != nil || got.ParentCustomerID != "" {
		t.Fatalf("clear parent: %+v, %v", got.ParentCustomerID, err)
	}
}

func TestSearchCustomers(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	mk := func(name, org string) core.Customer {
		c := invoiceable(name)
		c.OrganizationNumber = org
		return mustCustomer(t, p, connA, c)
	}
	acme := mk("Acme Aktiebolag", "556016-0680")        // number 1
	beta := mk("Beta Bygg", "2021005489")               // number 2
	nordic := mk("acme Nordic", "")                     // number 3
	akesson := mk("Åkesson Café", "802001-1234")        // number 4
	zeta := mk("Zeta 12 Handel", "559999-0000")         // number 5
	kvarn := mk("Kvarn 6 AB", "")                       // number 6
	mustCustomer(t, p, connB, invoiceable("Acme in B")) // another merchant's

	ids := func(cs ...core.Customer) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"", ids(acme, nordic, beta, kvarn, zeta, akesson)}, // by lower-case name: a, a, b, k, z, å
		{"acme", ids(acme, nordic)},
		{"ACME", ids(acme, nordic)},
		{"cme n", ids(nordic)},
		{"aktie", ids(acme)},
		{"åkesson", ids(akesson)},
		{"ÅKESSON", ids(akesson)},
		{"café", ids(akesson)},
		{"556016-0680", ids(acme)},
		{"5560160680", ids(acme)},
		{"556016 0680", ids(acme)},
		{"202100-5489", ids(beta)},
		{"55601", nil}, // org numbers match whole
		{"3", ids(nordic)},
		{"12", ids(zeta)},      // name substring; no customer number 12
		{"5", ids(zeta)},       // customer number 5
		{"6", ids(kvarn)},      // name and customer number: listed once
		{"1", ids(acme, zeta)}, // customer number 1 merged with name "zeta 12 ..."
		{"03", nil},            // customer numbers match exactly
		{"nothing like it", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			page, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Q: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(page.Customers...)
			if tt.want == nil {
				tt.want = []string{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("q=%q: got %v, want %v", tt.q, names(page.Customers), tt.want)
			}
			if page.NextCursor != "" {
				t.Fatalf("q=%q: unexpected next cursor", tt.q)
			}
		})
	}
}

func names(cs []core.Customer) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+"#"+c.Number)
	}
	return out
}

func TestSearchCustomersPaging(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	// Equal names force the id tie-break across page boundaries.
	for _, n := range []string{"Delta", "alpha", "Charlie", "Bravo", "Same", "same", "Same", "Echo"} {
		mustCustomer(t, p, connA, invoiceable(n))
	}
	all, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Customers) != 8 {
		t.Fatalf("got %d customers", len(all.Customers))
	}
	for i := 1; i < len(all.Customers); i++ {
		a, b := all.Customers[i-1], all.Customers[i]
		ka, kb := normalizeName(a.Name), normalizeName(b.Name)
		if ka > kb || (ka == kb && a.ID >= b.ID) {
			t.Fatalf("not ordered by name then id: %v", names(all.Customers))
		}
	}
	var paged []core.Customer
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Customers) > 3 {
			t.Fatalf("page of %d", len(page.Customers))
		}
		paged = append(paged, page.Customers...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if !reflect.DeepEqual(paged, all.Customers) {
		t.Fatalf("pages %v\n  all %v", names(paged), names(all.Customers))
	}

	for _, bad := range []string{"!!!", "e30", "bm90IGpzb24"} {
		_, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Cursor: bad})
		wantCode(t, err, core.CodeInvalid, "cursor")
	}
	_, err = p.SearchCustomers(ctx, connA, core.CustomerQuery{Limit: -1})
	wantCode(t, err, core.CodeInvalid, "limit")
	_, err = p.SearchCustomers(ctx, core.Connection{}, core.CustomerQuery{})
	wantCode(t, err, core.CodeInvalid, "merchant_id")

	b, err := p.SearchCustomers(ctx, connB, core.CustomerQuery{})
	if err != nil || len(b.Customers) != 0 {
		t.Fatalf("merchant B sees %v, %v", names(b.Customers), err)
	}
}
