package open

import (
	"context"
	"slices"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// postPath is one way the provider numbers an invoice: it posts one line
// of shelf price (incl. VAT) at rate for customer, under ref.
type postPath struct {
	name string
	post func(t *testing.T, p *Provider, conn core.Connection, customer, ref string, price int64, rate string) (core.Invoice, error)
}

var postPaths = []postPath{
	{"invoice", func(t *testing.T, p *Provider, conn core.Connection, customer, ref string, price int64, rate string) (core.Invoice, error) {
		return p.CreateInvoice(context.Background(), conn, request(ref, customer, "2026-01-20", lineIn("Catering", "1", price, rate)))
	}},
	{"register charge", func(t *testing.T, p *Provider, conn core.Connection, customer, ref string, price int64, rate string) (core.Invoice, error) {
		req := request(ref, customer, "2026-01-20", lineIn("Catering", "1", price, rate))
		req.Route = true
		return p.CreateInvoice(context.Background(), conn, req)
	}},
	{"draft posted", func(t *testing.T, p *Provider, conn core.Connection, customer, ref string, price int64, rate string) (core.Invoice, error) {
		d, err := p.CreateInvoice(context.Background(), conn, draftRequest(ref, customer, "2026-01-20", lineIn("Catering", "1", price, rate)))
		if err != nil {
			t.Fatal(err)
		}
		inv, err := p.PostInvoice(context.Background(), conn, d.ID, "")
		if err != nil {
			if got, _ := p.GetInvoice(context.Background(), conn, d.ID); got.Status != core.StatusDraft || got.Number != 0 {
				t.Errorf("refused post changed the draft: %+v", got)
			}
		}
		return inv, err
	}},
	{"collective invoice", func(t *testing.T, p *Provider, conn core.Connection, customer, ref string, price int64, rate string) (core.Invoice, error) {
		ctx := context.Background()
		if _, err := p.CreateOrder(ctx, conn, request("ord-"+ref, customer, "2026-01-20", lineIn("Catering", "1", price, rate))); err != nil {
			t.Fatal(err)
		}
		inv, err := p.InvoiceOrders(ctx, conn, core.CollectiveRequest{ExternalRef: ref, CustomerID: customer, InvoiceDate: "2026-01-25"})
		if err != nil {
			page, lerr := p.ListOrders(ctx, conn, core.OrderQuery{CustomerID: customer, Status: core.OrderOpen})
			if lerr != nil || len(page.Orders) != 1 {
				t.Errorf("refused collective invoice: open orders %d, %v; want the one left open", len(page.Orders), lerr)
			}
		}
		return inv, err
	}},
}

func fieldsOf(err error) []string {
	var out []string
	if e := core.AsError(err); e != nil {
		for _, f := range e.Fields {
			out = append(out, f.Field)
		}
	}
	return out
}

// Every path that numbers an invoice refuses one
// that lacks an item the law requires of its form, with 422 naming each;
// the refusal stores nothing and takes no number, so the next invoice
// posted once the data is complete gets the series' first number.
func TestPostingRefusesMissingItems(t *testing.T) {
	noAddress := func(s *core.InvoiceSettings) { s.Company.Address = core.Address{} }
	tests := []struct {
		name    string
		country core.Country
		seller  func(*core.InvoiceSettings)
		buyer   func(*core.Customer)
		price   int64
		rate    string
		want    []string // nil: posted
	}{
		{"SE full: seller address", core.Sweden, noAddress, nil, 9000_00, "25", []string{"invoice_settings.company.address"}},
		{"SE full: seller VAT number", core.Sweden, func(s *core.InvoiceSettings) { s.Company.VATNumber = "" }, nil, 9000_00, "25",
			[]string{"invoice_settings.company.vat_number"}},
		{"SE full: buyer address", core.Sweden, nil, func(c *core.Customer) { c.BillingAddress.City = "" }, 9000_00, "25",
			[]string{"customer.billing_address"}},
		{"SE full: only a company name (the issue's 9 000 kr invoice)", core.Sweden,
			func(s *core.InvoiceSettings) { s.Company = core.Company{Name: "Kafé"} }, nil, 9000_00, "25",
			[]string{"invoice_settings.company.vat_number", "invoice_settings.company.address"}},
		{"SE 4 000,01 kr is full", core.Sweden, noAddress, func(c *core.Customer) { c.BillingAddress = core.Address{} }, 4000_01, "25",
			[]string{"invoice_settings.company.address", "customer.billing_address"}},
		{"SE 4 000,00 kr may be simplified", core.Sweden, noAddress, func(c *core.Customer) { c.BillingAddress = core.Address{} }, 4000_00, "25", nil},
		{"SE simplified still needs the VAT number for VAT", core.Sweden, func(s *core.InvoiceSettings) { s.Company.VATNumber = "" }, nil, 35_00, "12",
			[]string{"invoice_settings.company.vat_number"}},
		{"SE without VAT number at 0 %", core.Sweden, func(s *core.InvoiceSettings) { s.Company.VATNumber = "" }, nil, 9000_00, "0", nil},
		{"NO: organization number", core.Norway, func(s *core.InvoiceSettings) { s.Company.OrganizationNumber = "" }, nil, 35_00, "15",
			[]string{"invoice_settings.company.organization_number"}},
		{"NO: seller address, however small", core.Norway, noAddress, nil, 35_00, "15", []string{"invoice_settings.company.address"}},
		{"NO: VAT number", core.Norway, func(s *core.InvoiceSettings) { s.Company.VATNumber = "" }, nil, 35_00, "15",
			[]string{"invoice_settings.company.vat_number"}},
		{"NO: buyer address", core.Norway, nil, func(c *core.Customer) { c.BillingAddress = core.Address{} }, 35_00, "15",
			[]string{"customer.billing_address"}},
		{"NO without VAT number at 0 %", core.Norway, func(s *core.InvoiceSettings) { s.Company.VATNumber = "" }, nil, 35_00, "0", nil},
	}
	for _, path := range postPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				p, _ := newProvider(t)
				complete := connA
				if tt.country == core.Norway {
					complete = connNO
				}
				conn := complete
				if tt.seller != nil {
					conn = withSettings(complete, seller(tt.country, tt.seller))
				}
				c := invoiceable("Kunden AB")
				if path.name == "collective invoice" {
					c = collective("Kunden AB")
				}
				if tt.buyer != nil {
					tt.buyer(&c)
				}
				cust := mustCustomer(t, p, conn, c)
				inv, err := path.post(t, p, conn, cust.ID, "ref-1", tt.price, tt.rate)
				if tt.want == nil {
					if err != nil || inv.Number != 1 {
						t.Fatalf("posted %d, %v; want number 1", inv.Number, err)
					}
					return
				}
				wantCode(t, err, core.CodeInvalid, "")
				if got := fieldsOf(err); !slices.Equal(got, tt.want) {
					t.Fatalf("fields %v, want %v (%v)", got, tt.want, err)
				}
				page, err := p.ListInvoices(context.Background(), conn, core.InvoiceQuery{Status: core.StatusPosted})
				if err != nil || len(page.Invoices) != 0 {
					t.Fatalf("after the refusal: %d posted, %v", len(page.Invoices), err)
				}
				// Completed, the next invoice takes the first number.
				fixed := mustCustomer(t, p, complete, invoiceable("Kunden AB"))
				next, err := p.CreateInvoice(context.Background(), complete, request("ref-2", fixed.ID, "2026-01-26", lineIn("Catering", "1", tt.price, tt.rate)))
				if err != nil || next.Number != 1 {
					t.Fatalf("next invoice %d, %v; want number 1: the refusal took none", next.Number, err)
				}
			})
		}
	}
}

// A register charge for a subsidiary is invoiced to its parent company, so
// it is the parent's address a full invoice needs.
func TestRoutedChargeNeedsTheParentsAddress(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	parent := invoiceable("Koncernen AB")
	parent.BillingAddress = core.Address{}
	par := mustCustomer(t, p, connA, parent)
	child := invoiceable("Dotterbolaget AB")
	child.ParentCustomerID = par.ID
	ch := mustCustomer(t, p, connA, child)
	req := request("r1", ch.ID, "2026-01-20", lineIn("Catering", "1", 9000_00, "25"))
	req.Route = true
	_, err := p.CreateInvoice(ctx, connA, req)
	wantCode(t, err, core.CodeInvalid, "customer.billing_address")
	req.Lines, req.VATBreakdown, req.NetTotal, req.VATTotal, req.Total = request("r1", ch.ID, "2026-01-20", lineIn("Lunch", "1", 129_00, "12")).Lines,
		request("r1", ch.ID, "2026-01-20", lineIn("Lunch", "1", 129_00, "12")).VATBreakdown, 11518, 1382, 129_00
	if inv, err := p.CreateInvoice(ctx, connA, req); err != nil || inv.Number != 1 || inv.CustomerID != par.ID {
		t.Fatalf("simplified charge to the parent: %+v, %v", inv, err)
	}
}

// Credit invoices: a Swedish one is an ändringsfaktura, which may always
// be simplified, and may give back VAT whatever the settings now say; a
// Norwegian one is full, and its refusal takes no number.
func TestCreditInvoicesFollowTheirForm(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t)
	c := mustCustomer(t, p, connA, invoiceable("Kunden AB"))
	inv, err := p.CreateInvoice(ctx, connA, request("i1", c.ID, "2026-01-20", lineIn("Catering", "1", 9000_00, "25")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateCustomer(ctx, connA, c.ID, core.CustomerPatch{BillingAddress: &core.Address{}}); err != nil {
		t.Fatal(err)
	}
	nameOnly := withSettings(connA, core.InvoiceSettings{Company: core.Company{Name: "Kafé"}})
	credit, err := p.CreditInvoice(ctx, nameOnly, core.CreditRequest{InvoiceID: inv.ID, ExternalRef: "c1"})
	if err != nil || credit.Number != 2 || credit.VATTotal >= 0 {
		t.Fatalf("Swedish credit with name only: %+v, %v", credit, err)
	}
	_, err = p.CreditInvoice(ctx, bare(connA), core.CreditRequest{InvoiceID: inv.ID, ExternalRef: "c2"})
	wantCode(t, err, core.CodeConflict, "") // already fully credited: checked first

	p, _ = newProvider(t)
	c = mustCustomer(t, p, connNO, invoiceable("Kunde AS"))
	inv, err = p.CreateInvoice(ctx, connNO, request("i1", c.ID, "2026-01-20", lineIn("Catering", "1", 35_00, "15")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateCustomer(ctx, connNO, c.ID, core.CustomerPatch{BillingAddress: &core.Address{}}); err != nil {
		t.Fatal(err)
	}
	_, err = p.CreditInvoice(ctx, withSettings(connNO, seller(core.Norway, func(s *core.InvoiceSettings) { s.Company.OrganizationNumber = "" })),
		core.CreditRequest{InvoiceID: inv.ID, ExternalRef: "c1"})
	if got := fieldsOf(err); core.Code(err) != core.CodeInvalid ||
		!slices.Equal(got, []string{"invoice_settings.company.organization_number", "customer.billing_address"}) {
		t.Fatalf("Norwegian credit without org number and address: %v", err)
	}
	if got, _ := p.GetInvoice(ctx, connNO, inv.ID); got.Status != core.StatusPosted || len(got.CreditInvoiceIDs) != 0 {
		t.Fatalf("refused credit changed the invoice: %+v", got)
	}
	addr := invoiceable("").BillingAddress
	if _, err := p.UpdateCustomer(ctx, connNO, c.ID, core.CustomerPatch{BillingAddress: &addr}); err != nil {
		t.Fatal(err)
	}
	credit, err = p.CreditInvoice(ctx, withSettings(connNO, seller(core.Norway, func(s *core.InvoiceSettings) { s.Company.VATNumber = "" })),
		core.CreditRequest{InvoiceID: inv.ID, ExternalRef: "c1"})
	if err != nil || credit.Number != 2 {
		t.Fatalf("Norwegian credit once complete: number %d, %v; want 2, the refusal took none", credit.Number, err)
	}
}
