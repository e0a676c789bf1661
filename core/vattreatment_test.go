package core

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestCheckVATTreatment(t *testing.T) {
	seSeller := InvoiceSettings{Company: Company{Name: "Kafé Linnea AB", VATNumber: "SE556016068001"}}
	noSeller := InvoiceSettings{Company: Company{Name: "Kafé Fjord AS", VATNumber: "NO991825827MVA"}}
	buyer := func(country, vat string) Customer {
		return Customer{Name: "Buyer", VATNumber: vat, BillingAddress: Address{Country: country}}
	}
	zero := []LineInput{{VATRate: decimal.Zero}, {VATRate: decimal.Zero}}
	standard := []LineInput{{VATRate: decimal.Zero}, {VATRate: decimal.NewFromInt(25)}}
	tests := []struct {
		name    string
		country Country
		seller  InvoiceSettings
		t       VATTreatment
		buyer   Customer
		lines   []LineInput
		want    []string // fields refused; none when empty
	}{
		{"domestic is not checked", Sweden, seSeller, TreatmentDomestic, buyer("", ""), standard, nil},
		{"empty is domestic", Sweden, InvoiceSettings{}, "", buyer("DE", ""), standard, nil},
		{"unknown treatment", Sweden, seSeller, "zero_rated", buyer("DE", "DE123456789"), zero, []string{"vat_treatment"}},

		{"SE reverse charge to a German business", Sweden, seSeller, TreatmentReverseCharge, buyer("DE", "DE123456789"), zero, nil},
		{"SE reverse charge, lower-case country", Sweden, seSeller, TreatmentReverseCharge, buyer("fi", "FI12345678"), zero, nil},
		{"SE reverse charge with VAT on a line", Sweden, seSeller, TreatmentReverseCharge, buyer("DE", "DE123456789"), standard, []string{"lines[1].vat_rate"}},
		{"SE reverse charge without buyer VAT number", Sweden, seSeller, TreatmentReverseCharge, buyer("DE", ""), zero, []string{"customer.vat_number"}},
		{"SE reverse charge with a Swedish buyer VAT number", Sweden, seSeller, TreatmentReverseCharge, buyer("DE", "SE556016068001"), zero, []string{"customer.vat_number"}},
		{"SE reverse charge with a Norwegian buyer", Sweden, seSeller, TreatmentReverseCharge, buyer("NO", "NO991825827MVA"), zero, []string{"customer.vat_number", "customer.billing_address.country"}},
		{"SE reverse charge to a buyer in Sweden", Sweden, seSeller, TreatmentReverseCharge, buyer("SE", "DE123456789"), zero, []string{"customer.billing_address.country"}},
		{"SE reverse charge, no buyer country is Sweden", Sweden, seSeller, TreatmentReverseCharge, buyer("", "DE123456789"), zero, []string{"customer.billing_address.country"}},
		{"SE reverse charge with a malformed buyer VAT number", Sweden, seSeller, TreatmentReverseCharge, buyer("DE", "DE12"), zero, []string{"customer.vat_number"}},
		{"SE reverse charge without seller VAT number", Sweden, InvoiceSettings{}, TreatmentReverseCharge, buyer("DE", "DE123456789"), zero, []string{"company.vat_number"}},

		{"SE intra-community supply to Denmark", Sweden, seSeller, TreatmentIntraCommunitySupply, buyer("DK", "DK12345678"), zero, nil},
		{"SE intra-community supply to Greece (EL)", Sweden, seSeller, TreatmentIntraCommunitySupply, buyer("GR", "EL123456789"), zero, nil},
		{"SE intra-community supply without VAT number", Sweden, seSeller, TreatmentIntraCommunitySupply, buyer("DK", ""), standard, []string{"lines[1].vat_rate", "customer.vat_number"}},
		{"SE intra-community supply to the UK", Sweden, seSeller, TreatmentIntraCommunitySupply, buyer("GB", "GB123456789"), zero, []string{"customer.vat_number", "customer.billing_address.country"}},

		{"SE export to Norway", Sweden, seSeller, TreatmentExport, buyer("NO", ""), zero, nil},
		{"SE export to the US", Sweden, seSeller, TreatmentExport, buyer("US", ""), zero, nil},
		{"SE export without seller VAT number", Sweden, InvoiceSettings{}, TreatmentExport, buyer("CH", ""), zero, nil},
		{"SE export to Germany", Sweden, seSeller, TreatmentExport, buyer("DE", "DE123456789"), zero, []string{"customer.billing_address.country"}},
		{"SE export to Sweden", Sweden, seSeller, TreatmentExport, buyer("", ""), zero, []string{"customer.billing_address.country"}},
		{"SE export with VAT", Sweden, seSeller, TreatmentExport, buyer("US", ""), standard, []string{"lines[1].vat_rate"}},

		{"NO reverse charge, domestic", Norway, noSeller, TreatmentReverseCharge, buyer("NO", "NO991825827MVA"), zero, nil},
		{"NO reverse charge, no country is Norway", Norway, noSeller, TreatmentReverseCharge, buyer("", "NO991825827MVA"), zero, nil},
		{"NO reverse charge without buyer VAT number", Norway, noSeller, TreatmentReverseCharge, buyer("NO", ""), zero, []string{"customer.vat_number"}},
		{"NO reverse charge with a Swedish buyer", Norway, noSeller, TreatmentReverseCharge, buyer("SE", "SE556016068001"), zero, []string{"customer.vat_number", "customer.billing_address.country"}},
		{"NO reverse charge without seller VAT number", Norway, InvoiceSettings{}, TreatmentReverseCharge, buyer("NO", "NO991825827MVA"), zero, []string{"company.vat_number"}},
		{"NO intra-community supply", Norway, noSeller, TreatmentIntraCommunitySupply, buyer("SE", "SE556016068001"), zero, []string{"vat_treatment"}},
		{"NO export to Sweden", Norway, noSeller, TreatmentExport, buyer("SE", "SE556016068001"), zero, nil},
		{"NO export to Norway", Norway, noSeller, TreatmentExport, buyer("NO", ""), zero, []string{"customer.billing_address.country"}},
		{"NO export, no country is Norway", Norway, noSeller, TreatmentExport, buyer("", ""), zero, []string{"customer.billing_address.country"}},
		{"NO export with VAT", Norway, noSeller, TreatmentExport, buyer("DK", ""), []LineInput{{VATRate: decimal.NewFromInt(15)}}, []string{"lines[0].vat_rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckVATTreatment(tt.country, tt.seller, tt.t, tt.buyer, tt.lines)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if Code(err) != CodeInvalid {
				t.Fatalf("err = %v, want invalid %v", err, tt.want)
			}
			var got []string
			for _, f := range AsError(err).Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func TestVATTreatmentCodesAndStatements(t *testing.T) {
	tests := []struct {
		t                VATTreatment
		category, reason string
		country          Country
		lang             Language
		statement        string
	}{
		{TreatmentDomestic, "", "", Sweden, LanguageSwedish, ""},
		{"", "", "", Norway, LanguageNorwegian, ""},
		{TreatmentReverseCharge, "AE", "VATEX-EU-AE", Sweden, LanguageSwedish, "Omvänd betalningsskyldighet"},
		{TreatmentReverseCharge, "AE", "VATEX-EU-AE", Sweden, LanguageEnglish, "Reverse charge"},
		{TreatmentReverseCharge, "AE", "VATEX-EU-AE", Norway, LanguageNorwegian, "Omvendt avgiftsplikt"},
		{TreatmentIntraCommunitySupply, "K", "VATEX-EU-IC", Sweden, LanguageSwedish, "Unionsintern leverans, undantagen från skatteplikt enligt artikel 138 i mervärdesskattedirektivet 2006/112/EG"},
		{TreatmentIntraCommunitySupply, "K", "VATEX-EU-IC", Sweden, LanguageNorwegian, "Intra-Community supply, exempt from VAT under Article 138 of Council Directive 2006/112/EC"},
		{TreatmentIntraCommunitySupply, "K", "VATEX-EU-IC", Norway, LanguageNorwegian, ""},
		{TreatmentExport, "G", "VATEX-EU-G", Sweden, LanguageSwedish, "Export, undantaget från skatteplikt enligt 10 kap. ML"},
		{TreatmentExport, "G", "VATEX-EU-G", Norway, LanguageNorwegian, "Utførsel, fritatt for merverdiavgift (mval. § 6-21)"},
		{TreatmentExport, "G", "VATEX-EU-G", Norway, LanguageEnglish, "Export, exempt from VAT (Norwegian VAT Act section 6-21)"},
	}
	for _, tt := range tests {
		if got := tt.t.Category(); got != tt.category {
			t.Errorf("%q.Category() = %q, want %q", tt.t, got, tt.category)
		}
		if got := tt.t.ExemptionReasonCode(); got != tt.reason {
			t.Errorf("%q.ExemptionReasonCode() = %q, want %q", tt.t, got, tt.reason)
		}
		if got := tt.t.Statement(tt.country, tt.lang); got != tt.statement {
			t.Errorf("%q.Statement(%s, %s) = %q, want %q", tt.t, tt.country, tt.lang, got, tt.statement)
		}
	}
	if TreatmentDomestic.OrDefault() != TreatmentDomestic || VATTreatment("").OrDefault() != TreatmentDomestic || !VATTreatment("").Valid() || VATTreatment("Export").Valid() {
		t.Error("OrDefault/Valid")
	}
}

func TestCustomerEInvoiceFields(t *testing.T) {
	tests := []struct {
		name   string
		in     Customer
		want   Customer // after validCustomer, when valid
		fields []string
	}{
		{"canonical forms", Customer{Name: "A", VATNumber: "de 123 456 789", PeppolID: " 0007:556016-0680 ", BuyerReference: " Avd 12 "},
			Customer{Name: "A", VATNumber: "DE123456789", PeppolID: "0007:5560160680", BuyerReference: "Avd 12", InvoiceDelivery: DeliveryEmail}, nil},
		{"peppol delivery", Customer{Name: "A", PeppolID: "0192:991825827", InvoiceDelivery: DeliveryPeppol},
			Customer{Name: "A", PeppolID: "0192:991825827", InvoiceDelivery: DeliveryPeppol}, nil},
		{"peppol delivery without id", Customer{Name: "A", InvoiceDelivery: DeliveryPeppol}, Customer{}, []string{"invoice_delivery"}},
		{"unknown delivery", Customer{Name: "A", InvoiceDelivery: "fax"}, Customer{}, []string{"invoice_delivery"}},
		{"bad VAT number", Customer{Name: "A", VATNumber: "SE556016068101"}, Customer{}, []string{"vat_number"}},
		{"VAT number of no known country", Customer{Name: "A", VATNumber: "US12345"}, Customer{}, []string{"vat_number"}},
		{"bad Peppol check digit", Customer{Name: "A", PeppolID: "0192:123456786"}, Customer{}, []string{"peppol_id"}},
		{"unknown Peppol scheme", Customer{Name: "A", PeppolID: "9999:1"}, Customer{}, []string{"peppol_id"}},
		{"long buyer reference", Customer{Name: "A", BuyerReference: strings.Repeat("r", MaxBuyerReferenceLength+1)}, Customer{}, []string{"buyer_reference"}},
		{"a German org number is free text", Customer{Name: "A", OrganizationNumber: "HRB 12345", BillingAddress: Address{Country: "DE"}},
			Customer{Name: "A", OrganizationNumber: "HRB 12345", BillingAddress: Address{Country: "DE"}, InvoiceDelivery: DeliveryEmail}, nil},
		{"a Norwegian customer of a Swedish seller", Customer{Name: "A", OrganizationNumber: "991 825 827", BillingAddress: Address{Country: "NO"}},
			Customer{Name: "A", OrganizationNumber: "991825827", BillingAddress: Address{Country: "NO"}, InvoiceDelivery: DeliveryEmail}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validCustomer(Sweden, tt.in, nil)
			var fields []string
			if e := AsError(err); e != nil {
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
			}
			if !slices.Equal(fields, tt.fields) {
				t.Fatalf("fields = %v (%v), want %v", fields, err, tt.fields)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	// A patch that clears the Peppol id of a customer receiving Peppol
	// e-invoices names peppol_id; one that touches neither is not refused.
	cur := Customer{Name: "A", PeppolID: "0192:991825827", InvoiceDelivery: DeliveryPeppol}
	empty := ""
	p := CustomerPatch{PeppolID: &empty}
	_, err := validCustomer(Norway, p.Apply(cur), p.Fields())
	if e := AsError(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != FieldPeppolID {
		t.Errorf("clearing the Peppol id: %v, want invalid peppol_id", err)
	}
	name := "B"
	p = CustomerPatch{Name: &name}
	if _, err := validCustomer(Norway, p.Apply(cur), p.Fields()); err != nil {
		t.Errorf("renaming: %v", err)
	}
}

func TestCheckInvoiceSettingsPeppolID(t *testing.T) {
	base := InvoiceSettings{StartNumber: 1, Company: Company{Name: "Kafé Linnea AB"}}
	for _, tt := range []struct{ in, want, field string }{
		{"", "", ""},
		{"0007:556016-0680", "0007:5560160680", ""},
		{"iso6523-actorid-upis::0088:9429041098400", "0088:9429041098400", ""},
		{"0007:5560160681", "", "peppol_id"},
		{"5560160680", "", "peppol_id"},
	} {
		s := base
		s.PeppolID = tt.in
		out, err := CheckInvoiceSettings(Sweden, s)
		if tt.field == "" {
			if err != nil || out.PeppolID != tt.want {
				t.Errorf("%q: %q, %v; want %q", tt.in, out.PeppolID, err, tt.want)
			}
			continue
		}
		if e := AsError(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
			t.Errorf("%q: %v, want invalid %s", tt.in, err, tt.field)
		}
	}
}
