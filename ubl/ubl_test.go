package ubl_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/ubl"
	"github.com/ledgerbridge/ledgerbridge/ubl/ubltest"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// priced builds a posted invoice from register lines the way the built-in
// provider does (core.PriceLines over VAT-inclusive prices).
func priced(country core.Country, number int64, lines ...core.LineInput) core.Invoice {
	p := core.PriceLines(lines, true)
	return core.Invoice{
		ID: "inv", Number: number, Kind: core.KindInvoice, Status: core.StatusPosted,
		InvoiceDate: "2026-12-01", DueDate: "2026-12-31", Currency: country.Currency(),
		CustomerName: "Kommunen", NetTotal: p.Net, VATTotal: p.VAT, Total: p.Total,
		VATBreakdown: p.Breakdown, Lines: p.Lines, OCR: "100133",
	}
}

// credited is the credit invoice of the whole of inv, as the provider
// stores it: every amount and quantity negative.
func credited(inv core.Invoice, number int64) core.Invoice {
	c := inv
	c.ID, c.Number, c.Kind, c.Status = "cred", number, core.KindCredit, core.StatusPosted
	c.InvoiceDate, c.DueDate, c.OCR = "2026-12-05", "", ""
	c.CreditsInvoiceNumber = inv.Number
	c.NetTotal, c.VATTotal, c.Total, c.Rounding = -inv.NetTotal, -inv.VATTotal, -inv.Total, -inv.Rounding
	c.Lines = nil
	for _, l := range inv.Lines {
		l.Quantity, l.Net, l.VAT, l.Total = l.Quantity.Neg(), -l.Net, -l.VAT, -l.Total
		c.Lines = append(c.Lines, l)
	}
	c.VATBreakdown = nil
	for _, v := range inv.VATBreakdown {
		c.VATBreakdown = append(c.VATBreakdown, core.VATAmount{VATRate: v.VATRate, Net: -v.Net, VAT: -v.VAT})
	}
	c.Comment = "Kreditering av faktura 1001"
	return c
}

var swedishSeller = core.InvoiceSettings{
	Bankgiro: "5402-9681", Plusgiro: "28 65 43-4", FTaxApproved: true,
	IBAN: "SE4550000000058398257466", BIC: "ESSESESS",
	LateInterestText: "Dröjsmålsränta enligt räntelagen debiteras efter förfallodagen.",
	Company: core.Company{Name: "Demokaféet AB", OrganizationNumber: "556016-0680", VATNumber: "SE556016068001",
		Address: core.Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "SE"},
		Email:   "faktura@demokafe.example", Phone: "08-123 45 67"},
}

var norwegianSeller = core.InvoiceSettings{
	BankAccount: "12345678903", RegisteredInForetaksregisteret: true,
	Company: core.Company{Name: "Bryggen Kafé AS", OrganizationNumber: "991 825 827", VATNumber: "NO991825827MVA",
		Address: core.Address{Line1: "Bryggen 1", PostalCode: "5003", City: "Bergen", Country: "NO"}},
}

var swedishBuyer = core.Customer{ID: "c1", Number: "1001", Name: "Solna kommun", OrganizationNumber: "2120000142",
	Email: "fakturor@solna.example", BillingAddress: core.Address{Line1: "Box 1", PostalCode: "171 86", City: "Solna", Country: "SE"}}

var norwegianBuyer = core.Customer{ID: "c2", Number: "2001", Name: "Bergen kommune", OrganizationNumber: "964338531",
	BillingAddress: core.Address{Line1: "Postboks 7700", PostalCode: "5020", City: "Bergen", Country: "Norge"}}

var danishBuyer = core.Customer{ID: "c3", Number: "3001", Name: "Kaffe ApS", OrganizationNumber: "12345674",
	BillingAddress: core.Address{Line1: "Nørregade 1", PostalCode: "1165", City: "København", Country: "DK"}}

var usBuyer = core.Customer{ID: "c4", Number: "4001", Name: "Coffee Inc.",
	BillingAddress: core.Address{Line1: "1 Main St", PostalCode: "10001", City: "New York", Country: "US"}}

// documents are the e-invoices every test validates: both countries,
// invoices and credit notes, several rates, öresavrundning, fractional
// quantities, a discount line, the zero-VAT treatments and a seller
// outside VAT.
func documents(t *testing.T) map[string]ubl.Document {
	t.Helper()
	se := priced(core.Sweden, 1001,
		core.LineInput{Description: "Lunch, äta här", Quantity: dec("12"), UnitPrice: 12900, VATRate: dec("12")},
		core.LineInput{Description: "Kaffe att ta med", Quantity: dec("7"), UnitPrice: 3500, VATRate: dec("6")},
		core.LineInput{Description: "Vin", Quantity: dec("2"), UnitPrice: 9900, VATRate: dec("25")},
		core.LineInput{Description: "Ost, lösvikt kg", Quantity: dec("0.345"), UnitPrice: 24900, VATRate: dec("6")},
		core.LineInput{Description: "Rabatt lunch", Quantity: dec("1"), UnitPrice: -5000, VATRate: dec("12")},
	)
	rounded := se
	rounded.Number = 1003
	rounded.Rounding = (rounded.Total+50)/100*100 - rounded.Total
	if rounded.Rounding == 0 {
		t.Fatal("the fixture must need öresavrundning")
	}
	no := priced(core.Norway, 5001,
		core.LineInput{Description: "Kaffe, servering", Quantity: dec("10"), UnitPrice: 4500, VATRate: dec("25")},
		core.LineInput{Description: "Smørbrød, take-away", Quantity: dec("3"), UnitPrice: 8900, VATRate: dec("15")},
	)
	no.OCR = "12345678903"
	net := func(country core.Country, number int64) core.Invoice {
		return priced(country, number, core.LineInput{Description: "Catering", Quantity: dec("40"), UnitPrice: 15000, VATRate: dec("0")})
	}
	unregistered := swedishSeller
	unregistered.Company.VATNumber = ""
	treated := func(inv core.Invoice, t core.VATTreatment) core.Invoice {
		inv.VATTreatment = t
		return inv
	}
	referenced := swedishBuyer
	referenced.BuyerReference = "Avd 12"
	bergen := norwegianBuyer
	bergen.PeppolID = "0192:964338531"
	bergen.VATNumber = "NO964338531MVA"
	danish := danishBuyer
	danish.VATNumber, danish.PeppolID = "DK12345674", "0184:12345674"
	us := usBuyer
	us.PeppolID = "0060:123456789"
	return map[string]ubl.Document{
		"se-invoice.xml":            {Invoice: se, Seller: swedishSeller, Buyer: referenced, Country: core.Sweden},
		"se-rounded.xml":            {Invoice: rounded, Seller: swedishSeller, Buyer: swedishBuyer, Country: core.Sweden},
		"se-credit.xml":             {Invoice: credited(se, 1002), OriginalDate: se.InvoiceDate, Seller: swedishSeller, Buyer: swedishBuyer, Country: core.Sweden},
		"se-credit-rounded.xml":     {Invoice: credited(rounded, 1004), Seller: swedishSeller, Buyer: swedishBuyer, Country: core.Sweden},
		"no-invoice.xml":            {Invoice: no, Seller: norwegianSeller, Buyer: bergen, Country: core.Norway},
		"no-credit.xml":             {Invoice: credited(no, 5002), OriginalDate: no.InvoiceDate, Seller: norwegianSeller, Buyer: norwegianBuyer, Country: core.Norway},
		"se-reverse-charge.xml":     {Invoice: treated(net(core.Sweden, 1005), core.TreatmentReverseCharge), Seller: swedishSeller, Buyer: danish, Country: core.Sweden},
		"se-intra-community.xml":    {Invoice: treated(net(core.Sweden, 1006), core.TreatmentIntraCommunitySupply), Seller: swedishSeller, Buyer: danish, Country: core.Sweden},
		"se-export.xml":             {Invoice: treated(net(core.Sweden, 1007), core.TreatmentExport), Seller: swedishSeller, Buyer: us, Country: core.Sweden},
		"no-reverse-charge.xml":     {Invoice: treated(net(core.Norway, 5003), core.TreatmentReverseCharge), Seller: norwegianSeller, Buyer: bergen, Country: core.Norway},
		"se-not-vat-registered.xml": {Invoice: net(core.Sweden, 1008), Seller: unregistered, Buyer: swedishBuyer, Country: core.Sweden},
	}
}

// TestDocumentsPassPeppol validates every generated document against the
// UBL 2.1 XSD and the CEN and Peppol rules: 0 fatal findings.
func TestDocumentsPassPeppol(t *testing.T) {
	docs := map[string][]byte{}
	for name, d := range documents(t) {
		b, err := ubl.Build(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs[name] = b
	}
	r := ubltest.Require(t, docs)
	if t.Failed() {
		for name, b := range docs {
			if len(r[name]) > 0 {
				t.Logf("%s:\n%s", name, b)
			}
		}
	}
}

// parsed is what the reconciliation reads back from a document.
type parsed struct {
	XMLName       xml.Name
	ID            string   `xml:"ID"`
	TypeCode      string   `xml:"InvoiceTypeCode"`
	CreditCode    string   `xml:"CreditNoteTypeCode"`
	Original      string   `xml:"BillingReference>InvoiceDocumentReference>ID"`
	TaxAmount     string   `xml:"TaxTotal>TaxAmount"`
	LineExtension string   `xml:"LegalMonetaryTotal>LineExtensionAmount"`
	TaxInclusive  string   `xml:"LegalMonetaryTotal>TaxInclusiveAmount"`
	Rounding      string   `xml:"LegalMonetaryTotal>PayableRoundingAmount"`
	Payable       string   `xml:"LegalMonetaryTotal>PayableAmount"`
	PaymentIDs    []string `xml:"PaymentMeans>PaymentID"`
	Accounts      []string `xml:"PaymentMeans>PayeeFinancialAccount>ID"`
	Subtotals     []struct {
		Taxable string `xml:"TaxableAmount"`
		Amount  string `xml:"TaxAmount"`
		ID      string `xml:"TaxCategory>ID"`
		Percent string `xml:"TaxCategory>Percent"`
		Reason  string `xml:"TaxCategory>TaxExemptionReason"`
	} `xml:"TaxTotal>TaxSubtotal"`
	SupplierTax []string `xml:"AccountingSupplierParty>Party>PartyTaxScheme>CompanyID"`
	CustomerTax []string `xml:"AccountingCustomerParty>Party>PartyTaxScheme>CompanyID"`
	Endpoints   []string `xml:"AccountingCustomerParty>Party>EndpointID"`
}

func minor(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	return dec(s).Shift(2).IntPart()
}

// built writes d and reads the document back.
func built(t *testing.T, d ubl.Document) parsed {
	t.Helper()
	b, err := ubl.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	var p parsed
	if err := xml.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAmountsReconcile reads every document back and checks its figures
// are the invoice's own to the öre (the PDF prints the same fields), with
// credit notes positive.
func TestAmountsReconcile(t *testing.T) {
	for name, d := range documents(t) {
		t.Run(name, func(t *testing.T) {
			p := built(t, d)
			inv := d.Invoice
			sign := int64(1)
			if inv.Kind == core.KindCredit {
				sign = -1
				if p.XMLName.Local != "CreditNote" || p.CreditCode != "381" || p.Original == "" {
					t.Errorf("credit: root %s code %q original %q", p.XMLName.Local, p.CreditCode, p.Original)
				}
				if len(p.PaymentIDs) != 0 {
					t.Errorf("a credit note carries no payment reference, got %v", p.PaymentIDs)
				}
			} else if p.XMLName.Local != "Invoice" || p.TypeCode != "380" {
				t.Errorf("invoice: root %s code %q", p.XMLName.Local, p.TypeCode)
			}
			checks := []struct {
				what string
				got  string
				want int64
			}{
				{"LineExtensionAmount", p.LineExtension, inv.NetTotal},
				{"TaxAmount", p.TaxAmount, inv.VATTotal},
				{"TaxInclusiveAmount", p.TaxInclusive, inv.Total},
				{"PayableRoundingAmount", p.Rounding, inv.Rounding},
				{"PayableAmount", p.Payable, inv.AmountDue()},
			}
			for _, c := range checks {
				if got := minor(t, c.got); got != sign*c.want {
					t.Errorf("%s = %s, want %s", c.what, c.got, core.FormatAmount(sign*c.want))
				}
			}
			var taxable, vat int64
			for _, s := range p.Subtotals {
				taxable += minor(t, s.Taxable)
				vat += minor(t, s.Amount)
			}
			if taxable != sign*inv.NetTotal || vat != sign*inv.VATTotal {
				t.Errorf("breakdown sums to %d + %d, want %d + %d", taxable, vat, sign*inv.NetTotal, sign*inv.VATTotal)
			}
		})
	}
}

// TestTreatmentsSayWhy checks the zero-VAT categories carry the legal text
// in the seller's language and the buyer's VAT number.
func TestTreatmentsSayWhy(t *testing.T) {
	docs := documents(t)
	for _, tc := range []struct {
		doc, category, reason, buyerVAT string
	}{
		{"se-reverse-charge.xml", "AE", "Omvänd betalningsskyldighet", "DK12345674"},
		{"se-intra-community.xml", "K", "Unionsintern leverans", "DK12345674"},
		{"se-export.xml", "G", "Export", ""},
		{"no-reverse-charge.xml", "AE", "Omvendt avgiftsplikt", "NO964338531MVA"},
		{"se-not-vat-registered.xml", "O", "inte registrerad för mervärdesskatt", ""},
		{"se-invoice.xml", "S", "", ""},
	} {
		p := built(t, docs[tc.doc])
		if len(p.Subtotals) == 0 || p.Subtotals[0].ID != tc.category || !strings.Contains(p.Subtotals[0].Reason, tc.reason) {
			t.Errorf("%s: subtotals %+v, want category %s with %q", tc.doc, p.Subtotals, tc.category, tc.reason)
		}
		if got := strings.Join(p.CustomerTax, ","); got != tc.buyerVAT {
			t.Errorf("%s: buyer VAT %q, want %q", tc.doc, got, tc.buyerVAT)
		}
	}
}

// TestPaymentMeans checks the Swedish giro accounts and the Norwegian
// account carry the OCR/KID.
func TestPaymentMeans(t *testing.T) {
	docs := documents(t)
	for _, tc := range []struct {
		doc      string
		accounts []string
		ref      string
	}{
		{"se-invoice.xml", []string{"54029681", "2865434", "SE4550000000058398257466"}, "100133"},
		{"no-invoice.xml", []string{"12345678903"}, "12345678903"},
	} {
		p := built(t, docs[tc.doc])
		if strings.Join(p.Accounts, ",") != strings.Join(tc.accounts, ",") {
			t.Errorf("%s: accounts %v, want %v", tc.doc, p.Accounts, tc.accounts)
		}
		for _, id := range p.PaymentIDs {
			if id != tc.ref {
				t.Errorf("%s: payment reference %q, want %q", tc.doc, id, tc.ref)
			}
		}
	}
}

// TestRefusals names the item an e-invoice cannot be written without.
func TestRefusals(t *testing.T) {
	base := documents(t)["se-invoice.xml"]
	for _, tc := range []struct {
		name  string
		edit  func(*ubl.Document)
		code  core.ErrorCode
		field string
	}{
		{"draft", func(d *ubl.Document) { d.Invoice.Status, d.Invoice.Number = core.StatusDraft, 0 }, core.CodeConflict, ""},
		{"void", func(d *ubl.Document) { d.Invoice.Status = core.StatusVoid }, core.CodeConflict, ""},
		{"no seller name", func(d *ubl.Document) { d.Seller.Company.Name = " " }, core.CodeInvalid, "invoice_settings.company.name"},
		{"no seller electronic address", func(d *ubl.Document) { d.Seller.Company.OrganizationNumber = "" }, core.CodeInvalid, "invoice_settings.peppol_id"},
		{"no buyer electronic address", func(d *ubl.Document) { d.Buyer.OrganizationNumber = "" }, core.CodeInvalid, "customer.peppol_id"},
		{"malformed buyer address", func(d *ubl.Document) { d.Buyer.PeppolID = "5560160680" }, core.CodeInvalid, "customer.peppol_id"},
		{"country name", func(d *ubl.Document) { d.Buyer.BillingAddress.Country = "Atlantis" }, core.CodeInvalid, "customer.billing_address.country"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := base
			tc.edit(&d)
			_, err := ubl.Build(d)
			if core.Code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if tc.field != "" && !strings.Contains(err.Error(), tc.field) {
				if e := core.AsError(err); e == nil || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
					t.Errorf("err = %v, want field %s", err, tc.field)
				}
			}
		})
	}
}

// TestPartiesCarryTheirRegistrations: the seller states its VAT number and
// its national registration (F-skatt, Foretaksregisteret), and a buyer
// without a Peppol id is addressed by its organization number.
func TestPartiesCarryTheirRegistrations(t *testing.T) {
	docs := documents(t)
	for _, tc := range []struct {
		doc, supplierTax, endpoint string
	}{
		{"se-rounded.xml", "SE556016068001,Godkänd för F-skatt", "2120000142"},
		{"no-credit.xml", "NO991825827MVA,Foretaksregisteret", "964338531"},
	} {
		p := built(t, docs[tc.doc])
		if got := strings.Join(p.SupplierTax, ","); got != tc.supplierTax {
			t.Errorf("%s: seller registrations %q, want %q", tc.doc, got, tc.supplierTax)
		}
		if got := strings.Join(p.Endpoints, ","); got != tc.endpoint {
			t.Errorf("%s: buyer endpoint %q, want %q", tc.doc, got, tc.endpoint)
		}
	}
}
