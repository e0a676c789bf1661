package core

import (
	"context"
	"reflect"
	"slices"
	"testing"
)

// lawInvoice is a posted invoice of total (incl. VAT) at rate in currency.
func lawInvoice(kind InvoiceKind, currency Currency, total int64, rate string) Invoice {
	priced := PriceLines([]LineInput{line("1", total, rate)}, true)
	return Invoice{Kind: kind, Currency: currency, Lines: priced.Lines, VATBreakdown: priced.Breakdown,
		NetTotal: priced.Net, VATTotal: priced.VAT, Total: priced.Total}
}

// Which invoices may be simplified.
func TestFormOf(t *testing.T) {
	tests := []struct {
		name    string
		country Country
		inv     Invoice
		want    InvoiceForm
	}{
		{"SE 4 000,00 incl. VAT", Sweden, lawInvoice(KindInvoice, "SEK", 4000_00, "25"), FormSimplified},
		{"SE 4 000,01 incl. VAT", Sweden, lawInvoice(KindInvoice, "SEK", 4000_01, "25"), FormFull},
		{"SE 4 000,00 without VAT", Sweden, lawInvoice(KindInvoice, "SEK", 4000_00, "0"), FormSimplified},
		{"SE small", Sweden, lawInvoice(KindInvoice, "SEK", 35_00, "12"), FormSimplified},
		{"SE credit of 9 000", Sweden, lawInvoice(KindCredit, "SEK", -9000_00, "25"), FormSimplified},
		{"SE 100 EUR", Sweden, lawInvoice(KindInvoice, "EUR", 100_00, "25"), FormFull},
		{"SE small reverse charge", Sweden, treated(lawInvoice(KindInvoice, "SEK", 35_00, "0"), TreatmentReverseCharge), FormFull},
		{"SE credit of intra-EU supply", Sweden, treated(lawInvoice(KindCredit, "SEK", -35_00, "0"), TreatmentIntraCommunitySupply), FormFull},
		{"SE small export", Sweden, treated(lawInvoice(KindInvoice, "SEK", 35_00, "0"), TreatmentExport), FormSimplified},
		{"NO small", Norway, lawInvoice(KindInvoice, "NOK", 35_00, "15"), FormFull},
		{"NO credit", Norway, lawInvoice(KindCredit, "NOK", -35_00, "15"), FormFull},
	}
	for _, tt := range tests {
		if got := FormOf(tt.country, tt.inv); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func treated(inv Invoice, t VATTreatment) Invoice {
	inv.VATTreatment = t
	return inv
}

func TestChargesVAT(t *testing.T) {
	zero := lawInvoice(KindInvoice, "SEK", 100_00, "0")
	free := lawInvoice(KindInvoice, "SEK", 0, "25") // 25 % of nothing still charges VAT
	if zero.ChargesVAT() || !free.ChargesVAT() || !lawInvoice(KindInvoice, "SEK", 100_00, "6").ChargesVAT() {
		t.Errorf("ChargesVAT: 0 %% %v, 25 %% of 0 %v", zero.ChargesVAT(), free.ChargesVAT())
	}
}

// sellerOf is complete invoice settings of a merchant in country.
func sellerOf(country Country) InvoiceSettings {
	s := InvoiceSettings{StartNumber: 1, Company: Company{Name: "Kafé Linnea AB", OrganizationNumber: "5560160680",
		VATNumber: "SE556016068001", Address: Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm"}}}
	if country == Norway {
		s.Company = Company{Name: "Kafé Fjord AS", OrganizationNumber: "991825827", VATNumber: "NO991825827MVA",
			Address: Address{Line1: "Bryggen 1", PostalCode: "5003", City: "Bergen"}}
	}
	return s
}

var lawBuyer = Customer{Name: "Kunden AB", BillingAddress: Address{Line1: "Hamngatan 5", PostalCode: "411 14", City: "Göteborg"}}

// Every mandatory item of the seller and the
// buyer, per country and form, is named when it is missing.
func TestCheckInvoiceContent(t *testing.T) {
	big := func(c Country) Invoice {
		return lawInvoice(KindInvoice, c.Currency(), 9000_00, "25")
	}
	small := lawInvoice(KindInvoice, "SEK", 4000_00, "25")
	tests := []struct {
		name    string
		country Country
		inv     Invoice
		seller  func(*InvoiceSettings)
		buyer   func(*Customer)
		want    []string
	}{
		{"SE full complete", Sweden, big(Sweden), nil, nil, nil},
		{"SE full: seller name", Sweden, big(Sweden), func(s *InvoiceSettings) { s.Company.Name = " " }, nil,
			[]string{"invoice_settings.company.name"}},
		{"SE full: seller address", Sweden, big(Sweden), func(s *InvoiceSettings) { s.Company.Address.City = "" }, nil,
			[]string{"invoice_settings.company.address"}},
		{"SE full: seller VAT number", Sweden, big(Sweden), func(s *InvoiceSettings) { s.Company.VATNumber = "" }, nil,
			[]string{"invoice_settings.company.vat_number"}},
		{"SE full: no organization number needed", Sweden, big(Sweden), func(s *InvoiceSettings) { s.Company.OrganizationNumber = "" }, nil, nil},
		{"SE full: buyer name", Sweden, big(Sweden), nil, func(c *Customer) { c.Name = "" }, []string{"customer.name"}},
		{"SE full: buyer address", Sweden, big(Sweden), nil, func(c *Customer) { c.BillingAddress.PostalCode = "" },
			[]string{"customer.billing_address"}},
		{"SE full: only a company name", Sweden, big(Sweden), func(s *InvoiceSettings) { s.Company = Company{Name: "Kafé"} },
			func(c *Customer) { c.BillingAddress = Address{} },
			[]string{"invoice_settings.company.vat_number", "invoice_settings.company.address", "customer.billing_address"}},
		{"SE full without VAT, no VAT number", Sweden, lawInvoice(KindInvoice, "SEK", 9000_00, "0"),
			func(s *InvoiceSettings) { s.Company.VATNumber = "" }, nil, nil},
		{"SE simplified: no addresses needed", Sweden, small, func(s *InvoiceSettings) { s.Company.Address = Address{} },
			func(c *Customer) { c.Name, c.BillingAddress = "", Address{} }, nil},
		{"SE simplified: seller name", Sweden, small, func(s *InvoiceSettings) { s.Company.Name = "" }, nil,
			[]string{"invoice_settings.company.name"}},
		{"SE simplified: VAT needs the VAT number", Sweden, small, func(s *InvoiceSettings) { s.Company.VATNumber = "" }, nil,
			[]string{"invoice_settings.company.vat_number"}},
		{"SE credit: simplified, may give VAT back", Sweden, lawInvoice(KindCredit, "SEK", -9000_00, "25"),
			func(s *InvoiceSettings) { s.Company = Company{Name: "Kafé"} }, func(c *Customer) { c.BillingAddress = Address{} }, nil},
		{"SE credit: seller name", Sweden, lawInvoice(KindCredit, "SEK", -9000_00, "25"),
			func(s *InvoiceSettings) { s.Company.Name = "" }, nil, []string{"invoice_settings.company.name"}},
		{"NO full complete", Norway, lawInvoice(KindInvoice, "NOK", 35_00, "15"), nil, nil, nil},
		{"NO full: organization number", Norway, lawInvoice(KindInvoice, "NOK", 35_00, "15"),
			func(s *InvoiceSettings) { s.Company.OrganizationNumber = "" }, nil, []string{"invoice_settings.company.organization_number"}},
		{"NO full: seller address", Norway, lawInvoice(KindInvoice, "NOK", 35_00, "15"),
			func(s *InvoiceSettings) { s.Company.Address.Line1 = "" }, nil, []string{"invoice_settings.company.address"}},
		{"NO full: VAT number", Norway, lawInvoice(KindInvoice, "NOK", 35_00, "15"),
			func(s *InvoiceSettings) { s.Company.VATNumber = "" }, nil, []string{"invoice_settings.company.vat_number"}},
		{"NO full without VAT, not VAT registered", Norway, lawInvoice(KindInvoice, "NOK", 35_00, "0"),
			func(s *InvoiceSettings) { s.Company.VATNumber = "" }, nil, nil},
		{"NO full: buyer", Norway, lawInvoice(KindInvoice, "NOK", 35_00, "15"), nil,
			func(c *Customer) { c.Name, c.BillingAddress = "", Address{} }, []string{"customer.name", "customer.billing_address"}},
		{"NO credit: full", Norway, lawInvoice(KindCredit, "NOK", -35_00, "15"),
			func(s *InvoiceSettings) { s.Company.OrganizationNumber, s.Company.VATNumber = "", "" },
			func(c *Customer) { c.BillingAddress.City = "" },
			[]string{"invoice_settings.company.organization_number", "customer.billing_address"}},
	}
	for _, tt := range tests {
		s, b := sellerOf(tt.country), lawBuyer
		if tt.seller != nil {
			tt.seller(&s)
		}
		if tt.buyer != nil {
			tt.buyer(&b)
		}
		err := CheckInvoiceContent(tt.country, s, b, tt.inv)
		var got []string
		if err != nil {
			if Code(err) != CodeInvalid {
				t.Errorf("%s: %v, want invalid", tt.name, err)
			}
			for _, f := range AsError(err).Fields {
				got = append(got, f.Field)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: fields %v, want %v (%v)", tt.name, got, tt.want, err)
		}
	}
}

// The VAT number must be the merchant's country's and
// the organization number's; a refused update leaves the saved settings.
func TestInvoiceSettingsRefuseAMismatchedVATNumber(t *testing.T) {
	tests := []struct {
		name    string
		country Country
		org     string
		vat     string
		ok      bool
	}{
		{"SE matches", Sweden, "556016-0680", "SE556016068001", true},
		{"SE without organization number", Sweden, "", "SE556016068001", true},
		{"SE another company's", Sweden, "2021005489", "SE556016068001", false},
		{"SE with a Norwegian VAT number", Sweden, "5560160680", "NO991825827MVA", false},
		{"NO matches", Norway, "991825827", "NO991825827MVA", true},
		{"NO another company's", Norway, "923609016", "NO991825827MVA", false},
		{"NO with a Swedish VAT number", Norway, "", "SE556016068001", false},
	}
	for _, tt := range tests {
		s := sellerOf(tt.country)
		s.Company.OrganizationNumber, s.Company.VATNumber = tt.org, tt.vat
		_, err := CheckInvoiceSettings(tt.country, s)
		if tt.ok && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !tt.ok && (Code(err) != CodeInvalid || len(AsError(err).Fields) != 1 || AsError(err).Fields[0].Field != "company.vat_number") {
			t.Errorf("%s: %v, want invalid naming company.vat_number only", tt.name, err)
		}
	}

	e, _, ps := newTestEngine(t)
	ctx := context.Background()
	saved, err := e.UpdateInvoiceSettings(ctx, ps[RoleAdmin], sellerOf(Sweden))
	if err != nil {
		t.Fatal(err)
	}
	bad := saved
	bad.Company.VATNumber = "SE202100548901"
	if _, err := e.UpdateInvoiceSettings(ctx, ps[RoleAdmin], bad); Code(err) != CodeInvalid {
		t.Fatalf("mismatched VAT number saved: %v", err)
	}
	if got, err := e.InvoiceSettings(ctx, ps[RoleAdmin]); err != nil || !reflect.DeepEqual(got, saved) {
		t.Errorf("after the refusal: %+v, %v; want %+v", got, err, saved)
	}
}
