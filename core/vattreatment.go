package core

import (
	"strings"

	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// VATTreatment says how VAT applies to an invoice: charged by the seller
// (domestic), or not charged because the buyer accounts for it or the
// supply is exempt. Every treatment but domestic invoices its lines at VAT
// rate 0 and prints a legal statement (Statement) in place of the VAT;
// CheckVATTreatment holds the rules of when each may be used. A credit
// invoice has the treatment of the invoice it credits.
type VATTreatment string

// VAT treatments. The UNCL 5305 VAT category of each is Category's.
const (
	// TreatmentDomestic: the seller charges its country's VAT on each line
	// at the line's rate. The default; "" means domestic too.
	TreatmentDomestic VATTreatment = "domestic"
	// TreatmentReverseCharge: the buyer pays the VAT (category AE). For a
	// Swedish seller, EU B2B services (omvänd betalningsskyldighet,
	// mervärdesskattedirektivet art. 196); for a Norwegian seller,
	// Norwegian domestic omvendt avgiftsplikt (mval. § 11-1).
	TreatmentReverseCharge VATTreatment = "reverse_charge"
	// TreatmentIntraCommunitySupply: an exempt supply of goods to a
	// business in another EU member state (category K,
	// mervärdesskattedirektivet art. 138). Swedish sellers only.
	TreatmentIntraCommunitySupply VATTreatment = "intra_community_supply"
	// TreatmentExport: an exempt export out of the seller's VAT area
	// (category G): out of the EU for a Swedish seller (10 kap. ML), out
	// of Norway for a Norwegian one (mval. § 6-21).
	TreatmentExport VATTreatment = "export"
)

// VATTreatments lists the treatments in the order BackOffice offers them.
var VATTreatments = []VATTreatment{TreatmentDomestic, TreatmentReverseCharge, TreatmentIntraCommunitySupply, TreatmentExport}

// Valid reports whether t is one of the treatments or empty (domestic).
func (t VATTreatment) Valid() bool {
	switch t {
	case "", TreatmentDomestic, TreatmentReverseCharge, TreatmentIntraCommunitySupply, TreatmentExport:
		return true
	}
	return false
}

// OrDefault is t, or TreatmentDomestic when t is empty (an invoice stored
// before treatments existed, or from a provider that keeps none).
func (t VATTreatment) OrDefault() VATTreatment {
	if t == "" {
		return TreatmentDomestic
	}
	return t
}

// Category is the UNCL 5305 VAT category code (EN 16931 BT-118/BT-151) of
// the lines of a non-domestic invoice: AE (VAT reverse charge), K
// (intra-community supply, VAT exempt for EEA) or G (free export item, VAT
// not charged). Domestic invoices have no single category (S for a
// standard-rated line, Z/E/O by the reason for a 0 rate), so it is "".
func (t VATTreatment) Category() string {
	switch t {
	case TreatmentReverseCharge:
		return "AE"
	case TreatmentIntraCommunitySupply:
		return "K"
	case TreatmentExport:
		return "G"
	}
	return ""
}

// ExemptionReasonCode is the CEF VATEX code of a non-domestic treatment
// (EN 16931 BT-121): VATEX-EU-AE, VATEX-EU-IC or VATEX-EU-G; "" for
// domestic.
func (t VATTreatment) ExemptionReasonCode() string {
	switch t {
	case TreatmentReverseCharge:
		return "VATEX-EU-AE"
	case TreatmentIntraCommunitySupply:
		return "VATEX-EU-IC"
	case TreatmentExport:
		return "VATEX-EU-G"
	}
	return ""
}

// vatStatements are the legal statements of the non-domestic treatments by
// seller country, treatment and language.
var vatStatements = map[Country]map[VATTreatment]map[Language]string{
	Sweden: {
		// ML 17 kap. 24 § 14: "omvänd betalningsskyldighet".
		TreatmentReverseCharge: {
			LanguageSwedish: "Omvänd betalningsskyldighet",
			LanguageEnglish: "Reverse charge",
		},
		// ML 17 kap. 24 § 13: a reference to the exemption's provision.
		TreatmentIntraCommunitySupply: {
			LanguageSwedish: "Unionsintern leverans, undantagen från skatteplikt enligt artikel 138 i mervärdesskattedirektivet 2006/112/EG",
			LanguageEnglish: "Intra-Community supply, exempt from VAT under Article 138 of Council Directive 2006/112/EC",
		},
		TreatmentExport: {
			LanguageSwedish: "Export, undantaget från skatteplikt enligt 10 kap. ML",
			LanguageEnglish: "Export, exempt from VAT under chapter 10 of the Swedish VAT Act (ML)",
		},
	},
	Norway: {
		TreatmentReverseCharge: {
			LanguageNorwegian: "Omvendt avgiftsplikt",
			LanguageEnglish:   "Reverse charge, the buyer accounts for the VAT (Norwegian VAT Act section 11-1)",
		},
		TreatmentExport: {
			LanguageNorwegian: "Utførsel, fritatt for merverdiavgift (mval. § 6-21)",
			LanguageEnglish:   "Export, exempt from VAT (Norwegian VAT Act section 6-21)",
		},
	},
}

// Statement is the legal text an invoice of a seller in country with
// treatment t must print (and an e-invoice carries as its VAT exemption
// reason, BT-120), in lang: the seller country's language or English; any
// other language gets the English text. It is "" for domestic, and for a
// treatment the country does not allow (see CheckVATTreatment).
//
//   - SE reverse charge: "Omvänd betalningsskyldighet".
//   - SE intra-community supply: "Unionsintern leverans, undantagen från
//     skatteplikt enligt artikel 138 i mervärdesskattedirektivet
//     2006/112/EG".
//   - SE export: "Export, undantaget från skatteplikt enligt 10 kap. ML".
//   - NO reverse charge: "Omvendt avgiftsplikt".
//   - NO export: "Utførsel, fritatt for merverdiavgift (mval. § 6-21)".
func (t VATTreatment) Statement(country Country, lang Language) string {
	texts := vatStatements[country][t]
	if s, ok := texts[lang]; ok {
		return s
	}
	return texts[LanguageEnglish]
}

// CheckVATTreatment decides whether an invoice of a seller in country,
// with the invoice settings seller, may have treatment t for buyer (the
// invoiced customer: the parent company when the invoice goes to it) with
// these lines. It is the one statement of the rules; each refusal is
// CodeInvalid naming the field:
//
//   - vat_treatment: t is not one of the four treatments; or
//     intra_community_supply for a Norwegian seller (Norway is outside the
//     EU).
//   - lines[i].vat_rate: any treatment but domestic with a line whose rate
//     is not 0 (the buyer pays the VAT, or the supply is exempt).
//   - company.vat_number (of the invoice settings): reverse_charge or
//     intra_community_supply without the seller's VAT number, which these
//     invoices must carry beside the buyer's.
//   - customer.vat_number: reverse_charge or intra_community_supply of a
//     Swedish seller when the buyer has no VAT number, or one that is not
//     of another EU member state than Sweden; reverse_charge of a
//     Norwegian seller (domestic omvendt avgiftsplikt, mval. § 11-1) when
//     the buyer has no Norwegian VAT number (NO…MVA).
//   - customer.billing_address.country: reverse_charge or
//     intra_community_supply of a Swedish seller when the buyer's billing
//     address is not in another EU member state (an empty country is the
//     seller's own); reverse_charge of a Norwegian seller when it is not
//     in Norway (or empty); export when the buyer is inside the seller's
//     VAT area: an EU member state (Sweden included, or empty) for a
//     Swedish seller, Norway (or empty) for a Norwegian one. Norway,
//     Iceland and Liechtenstein are outside the EU's VAT area, so a
//     Swedish sale to them is an export.
//
// Domestic invoices are not checked here.
func CheckVATTreatment(country Country, seller InvoiceSettings, t VATTreatment, buyer Customer, lines []LineInput) error {
	var errs fieldErrors
	if !t.Valid() {
		errs.add("vat_treatment", "must be one of domestic, reverse_charge, intra_community_supply, export")
		return Invalid("invalid VAT treatment", errs...)
	}
	t = t.OrDefault()
	if t == TreatmentDomestic {
		return nil
	}
	if t == TreatmentIntraCommunitySupply && country != Sweden {
		errs.add("vat_treatment", "intra_community_supply is a supply between EU member states: a Norwegian seller exports (export) instead")
		return Invalid("invalid VAT treatment", errs...)
	}
	for i, l := range lines {
		if !l.VATRate.IsZero() {
			errs.add(indexed("lines", i, "vat_rate"), "must be 0 under %s: %s", t, treatmentWhy(t))
		}
	}
	if (t == TreatmentReverseCharge || t == TreatmentIntraCommunitySupply) && strings.TrimSpace(seller.Company.VATNumber) == "" {
		errs.add("company.vat_number", "is required on a %s invoice: fill in the company's VAT number in the invoice settings", t)
	}
	buyerCountry := strings.ToUpper(strings.TrimSpace(buyer.BillingAddress.Country))
	if buyerCountry == "" {
		buyerCountry = string(country)
	}
	_, vatCountry, vatErr := nordic.ValidateBuyerVATNumber(buyer.VATNumber)
	switch {
	case country == Sweden && (t == TreatmentReverseCharge || t == TreatmentIntraCommunitySupply):
		switch {
		case strings.TrimSpace(buyer.VATNumber) == "":
			errs.add("customer.vat_number", "customer %s has no VAT number: %s needs the buyer's VAT number in another EU member state", buyer.Name, t)
		case vatErr != nil:
			errs.add("customer.vat_number", "customer %s's VAT number %v", buyer.Name, vatErr)
		case !nordic.IsEUMember(vatCountry) || vatCountry == string(Sweden):
			errs.add("customer.vat_number", "%s is not a VAT number of another EU member state than Sweden, which %s needs", buyer.VATNumber, t)
		}
		if !nordic.IsEUMember(buyerCountry) || buyerCountry == string(Sweden) {
			errs.add("customer.billing_address.country", "%s needs a buyer in another EU member state; customer %s's billing address is in %s", t, buyer.Name, buyerCountry)
		}
	case country == Norway && t == TreatmentReverseCharge:
		switch {
		case strings.TrimSpace(buyer.VATNumber) == "":
			errs.add("customer.vat_number", "customer %s has no VAT number: omvendt avgiftsplikt (mval. § 11-1) needs the buyer's Norwegian VAT number", buyer.Name)
		case vatErr != nil:
			errs.add("customer.vat_number", "customer %s's VAT number %v", buyer.Name, vatErr)
		case vatCountry != string(Norway):
			errs.add("customer.vat_number", "%s is not a Norwegian VAT number (NO…MVA), which omvendt avgiftsplikt (mval. § 11-1) needs", buyer.VATNumber)
		}
		if buyerCountry != string(Norway) {
			errs.add("customer.billing_address.country", "omvendt avgiftsplikt (mval. § 11-1) is Norwegian domestic; customer %s's billing address is in %s", buyer.Name, buyerCountry)
		}
	case t == TreatmentExport:
		inside := buyerCountry == string(country)
		if country == Sweden {
			inside = nordic.IsEUMember(buyerCountry)
		}
		if inside {
			area := "Norway"
			if country == Sweden {
				area = "the EU"
			}
			errs.add("customer.billing_address.country", "export needs a buyer outside %s; customer %s's billing address is in %s", area, buyer.Name, buyerCountry)
		}
	}
	return Invalid("invalid VAT treatment", errs...)
}

func treatmentWhy(t VATTreatment) string {
	switch t {
	case TreatmentReverseCharge:
		return "the buyer accounts for the VAT"
	case TreatmentIntraCommunitySupply:
		return "an intra-community supply is exempt"
	}
	return "an export is exempt"
}
