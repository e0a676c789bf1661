package invoicepdf

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// lawDoc returns the Swedish or Norwegian test document, as an invoice or
// as a credit invoice of it that still carries what only an invoice may
// show (a payment reference, a due date) and the comment credit invoices
// were issued with before it was translated, so the tests prove the PDF
// leaves them out. Organization numbers are stored without separators.
func lawDoc(country core.Country, kind core.InvoiceKind) Document {
	d := swedishDoc()
	if country == core.Norway {
		d = norwegianDoc()
		d.Seller.Company.OrganizationNumber = "923609016"
		d.Seller.Company.VATNumber = "NO923609016MVA"
	} else {
		d.Seller.Company.OrganizationNumber = "5560160680"
		d.Buyer.OrganizationNumber = "2021005489"
	}
	if kind == core.KindCredit {
		orig := d.Invoice
		d.Invoice = credit(orig, orig.Number+1)
		d.Invoice.OCR = strconv.FormatInt(orig.Number+1, 10) + "9"
		d.Invoice.DueDate = "2026-04-12"
		d.Invoice.Comment = "Credit of invoice " + strconv.FormatInt(orig.Number, 10)
	}
	return d
}

// Mervärdesskattelagen 17 kap. 24 § and bokføringsforskriften 5-1-1 ff.
// for both countries and both kinds of invoice.
func TestRenderLaw(t *testing.T) {
	type want struct {
		header  string   // the lines table's header
		lines   []string // rows of the lines table
		present []string // fragments that must be printed
		absent  []string // fragments that must not be
	}
	tests := []struct {
		name    string
		country core.Country
		kind    core.InvoiceKind
		want    want
	}{
		{"SE invoice", core.Sweden, core.KindInvoice, want{
			header: cells("Beskrivning", "Antal", "À-pris exkl. moms", "Moms", "Netto", "Summa inkl. moms"),
			lines: []string{
				// Shelf prices 149,00 (12 %), 45,00 (6 %), 12 345,00 (25 %).
				cells("Räksmörgås", "2", "133,04", "12 %", "266,07", "298,00"),
				cells("Kaffe och kanelbulle, avhämtning", "1,5", "42,45", "6 %", "63,68", "67,50"),
				cells("Konferenslokal heldag", "1", "9 876,00", "25 %", "9 876,00", "12 345,00"),
			},
			present: []string{
				cells("Momssats", "Underlag", "Moms", "Summa inkl. moms"),
				"Org.nr 556016-0680", cells("Org.nr 202100-5489"),
				cells("Förfallodatum", "2026-05-10"), cells("OCR-nummer"), cells("Att betala SEK", "12 710,50"),
			},
			absent: []string{"149,00", "| 45,00", "12 345,00 | 25 %", "Org.nr 5560160680", "2021005489", "Krediteras"},
		}},
		{"SE credit", core.Sweden, core.KindCredit, want{
			header: cells("Beskrivning", "Antal", "À-pris exkl. moms", "Moms", "Netto", "Summa inkl. moms"),
			lines: []string{
				cells("Räksmörgås", "-2", "133,04", "12 %", "-266,07", "-298,00"),
				cells("Kaffe och kanelbulle, avhämtning", "-1,5", "42,45", "6 %", "-63,68", "-67,50"),
				cells("Konferenslokal heldag", "-1", "9 876,00", "25 %", "-9 876,00", "-12 345,00"),
			},
			present: []string{
				cells("Kreditfaktura"), cells("Avser faktura nr 1001"),
				cells("Kreditering"), cells("Krediteras mot faktura 1001"), cells("Krediteringen avser raderna ovan."),
				cells("Kreditbelopp SEK", "-12 710,50"),
				"Org.nr 556016-0680", cells("Org.nr 202100-5489"),
			},
			absent: []string{
				"Att betala", "Betalningsinformation", "OCR-nummer", "10029", "Förfallodatum",
				"Dröjsmålsränta", "referensränta", "Ange OCR-numret", "Credit of invoice", "Org.nr 5560160680", "2021005489",
			},
		}},
		{"NO invoice", core.Norway, core.KindInvoice, want{
			header: cells("Beskrivelse", "Antall", "Enhetspris eks. mva", "MVA", "Netto", "Sum inkl. mva"),
			lines: []string{
				// Shelf prices 129,00 (15 %) and 45,00 (25 %).
				cells("Smørbrød med røkelaks", "3", "112,17", "15 %", "336,52", "387,00"),
				cells("Kaffe servert i kafeen", "2", "36,00", "25 %", "72,00", "90,00"),
			},
			present: []string{
				cells("MVA-sats", "Grunnlag", "MVA", "Sum inkl. mva"),
				// bokføringsforskriften prints the number as registered;
				// the research notes ask for no grouping.
				"Org.nr. 923609016 MVA Foretaksregisteret", cells("Org.nr. 991825827"),
				cells("Forfallsdato", "2026-05-10"), cells("KID"), cells("Å betale NOK", "477,00"),
			},
			absent: []string{"129,00", "| 45,00", "Krediteres"},
		}},
		{"NO credit", core.Norway, core.KindCredit, want{
			header: cells("Beskrivelse", "Antall", "Enhetspris eks. mva", "MVA", "Netto", "Sum inkl. mva"),
			lines: []string{
				cells("Smørbrød med røkelaks", "-3", "112,17", "15 %", "-336,52", "-387,00"),
				cells("Kaffe servert i kafeen", "-2", "36,00", "25 %", "-72,00", "-90,00"),
			},
			present: []string{
				cells("Kreditnota"), cells("Gjelder faktura nr 5001"),
				cells("Kreditering"), cells("Krediteres mot faktura 5001"), cells("Krediteringen gjelder linjene ovenfor."),
				cells("Kreditbeløp NOK", "-477,00"),
				"Org.nr. 923609016 MVA Foretaksregisteret",
			},
			absent: []string{
				"Å betale", "Betalingsinformasjon", "KID", "50029", "Forfallsdato",
				"Forsinkelsesrente", "Bruk KID", "Credit of invoice", "Kommentar",
				// Swedish texts in a Norwegian document.
				"Krediteras", "Kreditbelopp",
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := lawDoc(tt.country, tt.kind)
			got, _ := renderText(t, d)
			requireText(t, got, append(append([]string{tt.want.header}, tt.want.lines...), tt.want.present...), tt.want.absent)
			reconcile(t, got, d.Invoice.Lines)
		})
	}
}

// reconcile checks that every line's printed net unit price times its
// quantity is its printed net amount within half an öre per unit: the rule
// NetUnitPrice documents.
func reconcile(t *testing.T, got string, lines []core.InvoiceLine) {
	t.Helper()
	for _, ln := range lines {
		re := regexp.MustCompile(`\| ` + regexp.QuoteMeta(ln.Description) + ` \| ([^|]+) \| ([^|]+) \| [^|]+ \| ([^|]+) \|`)
		m := re.FindStringSubmatch(got)
		if m == nil {
			t.Errorf("line %q not found", ln.Description)
			continue
		}
		qty := decimal.RequireFromString(strings.Replace(strings.TrimSpace(m[1]), ",", ".", 1))
		unit, net := parseAmount(t, m[2]), parseAmount(t, m[3])
		if net != ln.Net {
			t.Errorf("%q: printed net %d, engine's %d", ln.Description, net, ln.Net)
		}
		diff := qty.Mul(decimal.NewFromInt(unit)).Sub(decimal.NewFromInt(net)).Abs()
		if diff.GreaterThan(qty.Abs().Div(decimal.NewFromInt(2))) {
			t.Errorf("%q: %s × %d = %s, net %d: off by %s öre", ln.Description, qty, unit, qty.Mul(decimal.NewFromInt(unit)), net, diff)
		}
	}
}

func parseAmount(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.NewReplacer(" ", "", ",", "").Replace(strings.TrimSpace(s))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return n
}

// An invoice priced excluding VAT already holds net unit prices: they are
// printed as they are, and a zero VAT rate leaves the price unchanged.
func TestNetUnitPrice(t *testing.T) {
	gross := priced(
		core.LineInput{Description: "a", Quantity: dec("1"), UnitPrice: 3500, VATRate: dec("6")},
		core.LineInput{Description: "b", Quantity: dec("3"), UnitPrice: 1000, VATRate: dec("25")},
		core.LineInput{Description: "c", Quantity: dec("0.25"), UnitPrice: 4501, VATRate: dec("12")},
		core.LineInput{Description: "d", Quantity: dec("2"), UnitPrice: 5000, VATRate: dec("0")},
	)
	net := core.PriceLines([]core.LineInput{
		{Description: "e", Quantity: dec("1.5"), UnitPrice: 4501, VATRate: dec("25")},
		{Description: "f", Quantity: dec("0.25"), UnitPrice: 4501, VATRate: dec("12")},
		{Description: "g", Quantity: dec("7"), UnitPrice: 3302, VATRate: dec("6")},
	}, false)
	tests := []struct {
		line core.InvoiceLine
		want int64
	}{
		{gross.Lines[0], 3302}, // the example: 35,00 incl. 6 % → 33,02
		{gross.Lines[1], 800},
		// 0,25 × 45,01 = 11,25 incl. VAT, net 10,04: the line's net ÷ 0,25
		// (40,16, not 45,01 ÷ 1,12 = 40,19) so that the line reconciles.
		{gross.Lines[2], 4016},
		{gross.Lines[3], 5000},
		{net.Lines[0], 4501},
		{net.Lines[1], 4501},
		{net.Lines[2], 3302},
		{core.InvoiceLine{Quantity: dec("0"), UnitPrice: 999}, 999},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := tt.line.NetUnitPrice(); got != tt.want {
				t.Errorf("NetUnitPrice(%+v) = %d, want %d", tt.line, got, tt.want)
			}
		})
	}
}

func TestCreditComment(t *testing.T) {
	if got := CreditComment(core.Sweden, 1001); got != "Kreditering av faktura 1001" {
		t.Errorf("SE: %q", got)
	}
	if got := CreditComment(core.Norway, 5001); got != "Kreditering av faktura 5001" {
		t.Errorf("NO: %q", got)
	}
}

func TestOrgNumber(t *testing.T) {
	tests := []struct {
		in      string
		country core.Country
		want    string
	}{
		{"5560160680", core.Sweden, "556016-0680"},
		{"556016-0680", core.Sweden, "556016-0680"},
		{"165560160680", core.Sweden, "556016-0680"},
		{" 2021005489 ", core.Sweden, "202100-5489"},
		{"5560160681", core.Sweden, "5560160681"}, // not valid: as written
		{"923609016", core.Norway, "923609016"},
		{"923 609 016", core.Norway, "923 609 016"},
		{"923609016", core.Sweden, "923609016"},
	}
	for _, tt := range tests {
		if got := orgNumber(tt.in, tt.country); got != tt.want {
			t.Errorf("orgNumber(%q, %s) = %q, want %q", tt.in, tt.country, got, tt.want)
		}
	}
}

// A Norwegian seller's org.nr is
// followed by "MVA" only when it has a VAT number and by
// "Foretaksregisteret" only when it says it is registered there; a seller
// without a VAT number prints no VAT at all on an invoice without VAT; the
// kontonummer, IBAN and BIC are printed in the payment box, in both
// countries.
func TestRenderSellerRegistrations(t *testing.T) {
	noVAT := func(d Document) Document {
		// A seller outside Merverdiavgiftsregisteret sells without VAT.
		p := priced(
			core.LineInput{Description: "Strikkekurs", Quantity: dec("2"), UnitPrice: 45000, VATRate: dec("0")},
			core.LineInput{Description: "Garn", Quantity: dec("3"), UnitPrice: 12950, VATRate: dec("0")},
		)
		inv := invoiceOf(d.Invoice.Number, p)
		inv.Currency, inv.OCR, inv.CustomerName = d.Invoice.Currency, d.Invoice.OCR, d.Invoice.CustomerName
		d.Invoice = inv
		d.Seller.Company.VATNumber = ""
		return d
	}
	tests := []struct {
		name            string
		doc             func() Document
		present, absent []string
	}{
		{"NO registered in Foretaksregisteret and MVA", func() Document { return lawDoc(core.Norway, core.KindInvoice) },
			[]string{"Org.nr. 923609016 MVA Foretaksregisteret", cells("MVA-nr. NO923609016MVA"), cells("MVA", "68,48"),
				cells("Kontonummer", "IBAN", "BIC", "KID", "Forfallsdato", "Å betale NOK"),
				cells("1234.56.78903", "NO93 8601 1117 947", "DNBANOKK", "50013", "2026-05-10", "477,00")},
			nil},
		{"NO not in Foretaksregisteret", func() Document {
			d := lawDoc(core.Norway, core.KindInvoice)
			d.Seller.RegisteredInForetaksregisteret = false
			return d
		}, []string{"| Org.nr. 923609016 MVA |", cells("MVA", "68,48")}, []string{"Foretaksregisteret"}},
		{"NO without VAT number, in Foretaksregisteret", func() Document { return noVAT(lawDoc(core.Norway, core.KindInvoice)) },
			[]string{"| Org.nr. 923609016 Foretaksregisteret |",
				cells("Beskrivelse", "Antall", "Enhetspris", "Beløp"),
				cells("Strikkekurs", "2", "450,00", "900,00"), cells("Garn", "3", "129,50", "388,50"),
				cells("Å betale NOK", "1 288,50")},
			[]string{"MVA", "mva", "Netto", "0 %", "Grunnlag"}},
		{"NO without VAT number or Foretaksregisteret", func() Document {
			d := noVAT(lawDoc(core.Norway, core.KindInvoice))
			d.Seller.RegisteredInForetaksregisteret = false
			return d
		}, []string{"| Org.nr. 923609016 |", cells("Å betale NOK", "1 288,50")}, []string{"MVA", "mva", "Foretaksregisteret"}},
		{"SE without VAT number", func() Document { return noVAT(lawDoc(core.Sweden, core.KindInvoice)) },
			[]string{cells("Beskrivning", "Antal", "À-pris", "Belopp"), cells("Att betala SEK", "1 288,50")},
			[]string{"moms", "Moms", "Netto", "0 %"}},
		{"SE with IBAN and BIC", func() Document {
			d := lawDoc(core.Sweden, core.KindInvoice)
			d.Seller.IBAN, d.Seller.BIC = "SE4550000000058398257466", "ESSESESS"
			return d
		}, []string{cells("IBAN", "BIC"), cells("SE45 5000 0000 0583 9825 7466", "ESSESESS"), cells("Moms", "2 504,75")},
			[]string{"Kontonummer", "Foretaksregisteret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := renderText(t, tt.doc())
			requireText(t, got, tt.present, tt.absent)
		})
	}
	// An invoice that carries VAT prints it even when the settings lack a
	// VAT number: the printed amounts must be the invoice's.
	d := lawDoc(core.Norway, core.KindInvoice)
	d.Seller.Company.VATNumber = ""
	got, _ := renderText(t, d)
	requireText(t, got, []string{cells("MVA", "68,48"), "| Org.nr. 923609016 Foretaksregisteret |"}, []string{"923609016 MVA"})
}

// An invoice without VAT by its treatment (core.CheckVATTreatment) prints
// its 0 % lines and breakdown, the buyer's VAT number and the legal text in
// the invoice's language (ML 17 kap. 24 § 4, 13, 14; mval. § 11-1, § 6-21);
// a credit invoice prints its original's; a domestic invoice prints none.
func TestRenderVATTreatments(t *testing.T) {
	zeroRated := func(country core.Country, tr core.VATTreatment, vat string, buyerCountry string) Document {
		d := lawDoc(country, core.KindInvoice)
		p := core.PriceLines([]core.LineInput{
			{Description: "Konsulttjänst", Quantity: dec("2"), UnitPrice: 95000, VATRate: dec("0")},
			{Description: "Resa", Quantity: dec("1"), UnitPrice: 12000, VATRate: dec("0")},
		}, false)
		inv := invoiceOf(d.Invoice.Number, p)
		inv.Currency, inv.OCR, inv.VATTreatment = d.Invoice.Currency, d.Invoice.OCR, tr
		d.Invoice = inv
		d.Buyer.VATNumber = vat
		d.Buyer.BillingAddress.Country = buyerCountry
		return d
	}
	const (
		seRC  = "Omvänd betalningsskyldighet"
		seIC  = "Unionsintern leverans, undantagen från skatteplikt enligt artikel 138 i mervärdesskattedirektivet 2006/112/EG"
		seEx  = "Export, undantaget från skatteplikt enligt 10 kap. ML"
		noRC  = "Omvendt avgiftsplikt"
		noEx  = "Utførsel, fritatt for merverdiavgift (mval. § 6-21)"
		seRow = "| Konsulttjänst | 2 | 950,00 | 0 % | 1 900,00 | 1 900,00 |"
	)
	tests := []struct {
		name            string
		doc             func() Document
		present, absent []string
	}{
		{"SE reverse charge", func() Document { return zeroRated(core.Sweden, core.TreatmentReverseCharge, "DE123456789", "DE") },
			[]string{cells(seRC), cells("Momsreg.nr DE123456789"), seRow, cells("0 %", "2 020,00", "0,00", "2 020,00"), cells("Att betala SEK", "2 020,00")},
			[]string{seIC, seEx}},
		{"SE reverse charge credit", func() Document {
			d := zeroRated(core.Sweden, core.TreatmentReverseCharge, "DE123456789", "DE")
			d.Invoice = credit(d.Invoice, d.Invoice.Number+1)
			return d
		}, []string{cells(seRC), cells("Momsreg.nr DE123456789"), cells("Kreditfaktura")}, nil},
		{"SE intra-community supply", func() Document {
			return zeroRated(core.Sweden, core.TreatmentIntraCommunitySupply, "DK12345678", "DK")
		}, []string{cells(seIC), cells("Momsreg.nr DK12345678")}, []string{seRC}},
		{"SE export", func() Document { return zeroRated(core.Sweden, core.TreatmentExport, "", "NO") },
			[]string{cells(seEx), seRow}, []string{seRC, "Momsreg.nr DE"}},
		{"SE domestic with a buyer VAT number", func() Document {
			d := lawDoc(core.Sweden, core.KindInvoice)
			d.Buyer.VATNumber = "SE202100548901"
			return d
		}, []string{cells("Momsreg.nr SE202100548901")}, []string{seRC, seIC, seEx}},
		{"NO reverse charge", func() Document { return zeroRated(core.Norway, core.TreatmentReverseCharge, "NO991825827MVA", "NO") },
			[]string{cells(noRC), cells("MVA-nr. NO991825827MVA"), cells("0 %", "2 020,00", "0,00", "2 020,00")}, []string{noEx}},
		{"NO export", func() Document { return zeroRated(core.Norway, core.TreatmentExport, "", "SE") },
			[]string{cells(noEx)}, []string{noRC}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := renderText(t, tt.doc())
			requireText(t, got, tt.present, tt.absent)
		})
	}

	refused := []struct {
		name, field string
		doc         Document
	}{
		{"reverse charge without buyer VAT number", "buyer.vat_number", zeroRated(core.Sweden, core.TreatmentReverseCharge, "", "DE")},
		{"intra-community supply without buyer VAT number", "buyer.vat_number", zeroRated(core.Sweden, core.TreatmentIntraCommunitySupply, "", "DK")},
		{"Norwegian intra-community supply", "invoice.vat_treatment", zeroRated(core.Norway, core.TreatmentIntraCommunitySupply, "SE556016068001", "SE")},
		{"unknown treatment", "invoice.vat_treatment", zeroRated(core.Sweden, "zero", "", "DE")},
	}
	for _, tt := range refused {
		_, err := Render(tt.doc)
		if e := core.AsError(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
			t.Errorf("%s: %v, want invalid %s", tt.name, err, tt.field)
		}
	}
}

// Every item the law requires of an invoice of its form
// (core.FormOf) is printed: a Swedish full invoice (ML 17 kap. 24 §), a
// simplified one (date, seller, kind of goods, VAT amount; research notes
// §1.2) from a seller with a name only to a customer without address, a
// Swedish credit invoice (also the invoice it changes and what it
// changes), and Norwegian invoices and credit notes, always full
// (bokføringsforskriften § 5-1-1).
func TestRenderPrintsWhatItsFormRequires(t *testing.T) {
	simplified := swedishDoc()
	small := priced(core.LineInput{Description: "Räksmörgås", Quantity: dec("2"), UnitPrice: 14900, VATRate: dec("12")})
	simplified.Invoice = invoiceOf(1002, small)
	simplified.Seller = core.InvoiceSettings{Company: core.Company{Name: "Kafé Åkerö AB", VATNumber: "SE556016068001"}}
	simplified.Buyer = core.Customer{Name: "Anna Kund"}
	seFull := []string{
		cells("Fakturadatum", "2026-04-10"), cells("Fakturanummer", "1001"), "Momsreg.nr SE556016068001",
		"| Kafé Åkerö AB |", "| Storgatan 1 |", "| 111 22 Stockholm |", "| Örjans Bygg & Måleri AB |", "| Box 42 |", "| 752 20 Uppsala |",
		cells("Räksmörgås", "2"), cells("Leveransdatum", "2026-04-10"), cells("12 %", "266,07", "31,93", "298,00"),
		cells("Moms", "2 504,75"),
	}
	noFull := []string{
		"Fakturadato | 2026-04-", "Fakturanummer | 500", "| Fjordkafé AS |", "Org.nr. 923609016 MVA", "| Bryggen 3 |", "| 5003 Bergen |",
		"| Bærum Åpen Barnehage SA |", "| Postboks 9 |", "| 1300 Sandvika |", "Leveringsdato | 2026-04-", "Smørbrød med røkelaks",
		cells("MVA-sats", "Grunnlag", "MVA", "Sum inkl. mva"),
	}
	tests := []struct {
		name    string
		doc     Document
		form    core.InvoiceForm
		present []string
	}{
		{"SE full", lawDoc(core.Sweden, core.KindInvoice), core.FormFull, seFull},
		{"SE simplified", simplified, core.FormSimplified, []string{
			cells("Fakturadatum", "2026-04-10"), "| Kafé Åkerö AB |", cells("Räksmörgås", "2"), cells("Moms", "31,93"),
			cells("12 %", "266,07", "31,93", "298,00")}},
		{"SE credit", lawDoc(core.Sweden, core.KindCredit), core.FormSimplified, []string{
			cells("Fakturadatum", "2026-04-12"), "| Kafé Åkerö AB |", "Avser faktura nr 1001", cells("Räksmörgås", "-2"),
			cells("Moms", "-2 504,75"), "Krediteringen avser raderna ovan."}},
		{"NO full", lawDoc(core.Norway, core.KindInvoice), core.FormFull, append([]string{"Forfallsdato"}, noFull...)},
		{"NO credit", lawDoc(core.Norway, core.KindCredit), core.FormFull, append([]string{"Gjelder faktura nr 5001"}, noFull...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := core.FormOf(tt.doc.Country, tt.doc.Invoice); got != tt.form {
				t.Fatalf("form %s, want %s", got, tt.form)
			}
			got, _ := renderText(t, tt.doc)
			requireText(t, got, tt.present, nil)
		})
	}
}
