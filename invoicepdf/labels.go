package invoicepdf

import "github.com/ledgerbridge/ledgerbridge/core"

// labels are the fixed texts of an invoice in one language.
type labels struct {
	lang            string        // BCP 47 tag of the document
	language        core.Language // the language of core's texts (VATTreatment.Statement)
	invoice         string        // title of an invoice
	credit          string        // title of a credit invoice
	invoiceNumber   string
	invoiceDate     string
	deliveryDate    string
	dueDate         string
	customerNumber  string
	yourReference   string
	comment         string
	creditsInvoice  string // followed by the credited invoice's number
	orderedBy       string // the customer who bought when the invoice goes to its parent
	billingAddress  string
	orgNumber       string
	vatNumber       string
	fTax            string // F-skatt approval (Sweden)
	vatRegistered   string // printed after the org number when VAT registered (Norway)
	companyRegister string // Foretaksregisteret (Norway)
	colDescription  string
	colQuantity     string
	colUnitPrice    string // the net unit price: says it excludes VAT
	colVATRate      string
	colNet          string
	colTotal        string // the line amount including VAT: says so
	vatSpec         string
	colVATRateSpec  string
	colVATBase      string
	colVAT          string
	colGross        string // taxable amount + VAT: says it includes VAT
	netTotal        string
	vatTotal        string
	grossTotal      string
	rounding        string
	amountDue       string
	payment         string
	bankgiro        string
	plusgiro        string
	bankAccount     string // a Norwegian kontonummer
	iban            string
	bic             string
	colPlainPrice   string // unit price column of a seller without VAT number
	colAmount       string // line amount column of a seller without VAT number
	total           string // totals row before öre rounding, without VAT
	paymentRef      string // label of Invoice.OCR
	lateInterest    string
	creditAmount    string // last totals row of a credit invoice
	settlement      string // title of a credit invoice's settlement box
	creditedAgainst string // "… %d": how a credit invoice is settled
	creditedLines   string // what a credit invoice credits
	creditComment   string // "… %d": the comment a credit invoice is issued with
	email           string
	phone           string
	page            string // "Sida %d av %d"
	continued       string
}

var swedish = labels{
	lang:            "sv-SE",
	language:        core.LanguageSwedish,
	invoice:         "Faktura",
	credit:          "Kreditfaktura",
	invoiceNumber:   "Fakturanummer",
	invoiceDate:     "Fakturadatum",
	deliveryDate:    "Leveransdatum",
	dueDate:         "Förfallodatum",
	customerNumber:  "Kundnummer",
	yourReference:   "Er referens",
	comment:         "Kommentar",
	creditsInvoice:  "Avser faktura nr",
	orderedBy:       "Beställare",
	billingAddress:  "Fakturaadress",
	orgNumber:       "Org.nr",
	vatNumber:       "Momsreg.nr",
	fTax:            "Godkänd för F-skatt",
	colDescription:  "Beskrivning",
	colQuantity:     "Antal",
	colUnitPrice:    "À-pris exkl. moms",
	colVATRate:      "Moms",
	colNet:          "Netto",
	colTotal:        "Summa inkl. moms",
	vatSpec:         "Momsspecifikation",
	colVATRateSpec:  "Momssats",
	colVATBase:      "Underlag",
	colVAT:          "Moms",
	colGross:        "Summa inkl. moms",
	netTotal:        "Summa exkl. moms",
	vatTotal:        "Moms",
	grossTotal:      "Summa inkl. moms",
	rounding:        "Öresavrundning",
	amountDue:       "Att betala",
	payment:         "Betalningsinformation",
	bankgiro:        "Bankgiro",
	plusgiro:        "Plusgiro",
	bankAccount:     "Kontonummer",
	iban:            "IBAN",
	bic:             "BIC",
	colPlainPrice:   "À-pris",
	colAmount:       "Belopp",
	total:           "Summa",
	paymentRef:      "OCR-nummer",
	lateInterest:    "Dröjsmålsränta",
	creditAmount:    "Kreditbelopp",
	settlement:      "Kreditering",
	creditedAgainst: "Krediteras mot faktura %d",
	creditedLines:   "Krediteringen avser raderna ovan.",
	creditComment:   "Kreditering av faktura %d",
	email:           "E-post",
	phone:           "Telefon",
	page:            "Sida %d av %d",
	continued:       "forts.",
}

var norwegian = labels{
	lang:            "nb-NO",
	language:        core.LanguageNorwegian,
	invoice:         "Faktura",
	credit:          "Kreditnota",
	invoiceNumber:   "Fakturanummer",
	invoiceDate:     "Fakturadato",
	deliveryDate:    "Leveringsdato",
	dueDate:         "Forfallsdato",
	customerNumber:  "Kundenummer",
	yourReference:   "Deres referanse",
	comment:         "Kommentar",
	creditsInvoice:  "Gjelder faktura nr",
	orderedBy:       "Bestiller",
	billingAddress:  "Fakturaadresse",
	orgNumber:       "Org.nr.",
	vatNumber:       "MVA-nr.",
	vatRegistered:   "MVA",
	companyRegister: "Foretaksregisteret",
	colDescription:  "Beskrivelse",
	colQuantity:     "Antall",
	colUnitPrice:    "Enhetspris eks. mva",
	colVATRate:      "MVA",
	colNet:          "Netto",
	colTotal:        "Sum inkl. mva",
	vatSpec:         "MVA-spesifikasjon",
	colVATRateSpec:  "MVA-sats",
	colVATBase:      "Grunnlag",
	colVAT:          "MVA",
	colGross:        "Sum inkl. mva",
	netTotal:        "Sum eks. mva",
	vatTotal:        "MVA",
	grossTotal:      "Sum inkl. mva",
	rounding:        "Øreavrunding",
	amountDue:       "Å betale",
	payment:         "Betalingsinformasjon",
	bankgiro:        "Bankgiro",
	plusgiro:        "Plusgiro",
	bankAccount:     "Kontonummer",
	iban:            "IBAN",
	bic:             "BIC",
	colPlainPrice:   "Enhetspris",
	colAmount:       "Beløp",
	total:           "Sum",
	paymentRef:      "KID",
	lateInterest:    "Forsinkelsesrente",
	creditAmount:    "Kreditbeløp",
	settlement:      "Kreditering",
	creditedAgainst: "Krediteres mot faktura %d",
	creditedLines:   "Krediteringen gjelder linjene ovenfor.",
	creditComment:   "Kreditering av faktura %d",
	email:           "E-post",
	phone:           "Telefon",
	page:            "Side %d av %d",
	continued:       "forts.",
}

// labelsFor returns the labels of country's language: Norwegian bokmål for
// Norway, Swedish otherwise.
func labelsFor(c core.Country) labels {
	if c == core.Norway {
		return norwegian
	}
	return swedish
}
