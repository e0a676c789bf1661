package invoicepdf

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// seller is a Swedish merchant with every invoice setting filled in.
func seller() core.InvoiceSettings {
	return core.InvoiceSettings{
		StartNumber:          1000,
		LateInterestText:     "8 % + referensränta",
		PaymentReferenceText: "Ange OCR-numret som meddelande när du betalar.",
		Bankgiro:             "5050-1055",
		Plusgiro:             "4711-2",
		FTaxApproved:         true,
		Company: core.Company{
			Name:               "Kafé Åkerö AB",
			OrganizationNumber: "556016-0680",
			VATNumber:          "SE556016068001",
			Address:            core.Address{Line1: "Storgatan 1", Line2: "Gården", PostalCode: "111 22", City: "Stockholm", Country: "SE"},
			Email:              "faktura@akero.se",
			Phone:              "08-123 456 78",
		},
	}
}

func buyer() core.Customer {
	return core.Customer{
		ID:                 "cus_1",
		Number:             "K-17",
		Name:               "Örjans Bygg & Måleri AB",
		OrganizationNumber: "202100-5489",
		Email:              "ekonomi@orjans.se",
		BillingAddress:     core.Address{Line1: "Box 42", PostalCode: "752 20", City: "Uppsala", Country: "SE"},
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// priced prices lines like the engine does (gross register prices).
func priced(lines ...core.LineInput) core.PricedLines { return core.PriceLines(lines, true) }

func invoiceOf(number int64, p core.PricedLines) core.Invoice {
	return core.Invoice{
		ID:           fmt.Sprintf("inv_%d", number),
		Number:       number,
		Kind:         core.KindInvoice,
		Status:       core.StatusPosted,
		InvoiceDate:  "2026-04-10",
		DueDate:      "2026-05-10",
		CustomerID:   "cus_1",
		CustomerName: "Örjans Bygg & Måleri AB",
		Currency:     "SEK",
		NetTotal:     p.Net,
		VATTotal:     p.VAT,
		Total:        p.Total,
		VATBreakdown: p.Breakdown,
		Lines:        p.Lines,
		CreatedAt:    time.Date(2026, 4, 10, 12, 30, 0, 0, time.UTC),
	}
}

// swedishDoc has every field the invoice can show.
func swedishDoc() Document {
	p := priced(
		core.LineInput{Description: "Räksmörgås", Quantity: dec("2"), UnitPrice: 14900, VATRate: dec("12")},
		core.LineInput{Description: "Kaffe och kanelbulle, avhämtning", Quantity: dec("1.5"), UnitPrice: 4500, VATRate: dec("6"), Takeaway: true},
		core.LineInput{Description: "Konferenslokal heldag", Quantity: dec("1"), UnitPrice: 1234500, VATRate: dec("25")},
	)
	inv := invoiceOf(1001, p)
	inv.Reference = "Anna Öberg"
	inv.Comment = "Lunch för projektgruppen, vecka 15."
	inv.OCR = "10017"
	return Document{Invoice: inv, Seller: seller(), Buyer: buyer(), Country: core.Sweden}
}

// page is the text of one PDF page: each line holds the text runs (one per
// cell) at one height, left to right, written "| run | run |".
type page struct {
	lines []string
	runs  []run
}

// run is one text run with its position in points from the bottom left.
type run struct {
	x, y float64
	s    string
}

// pdfPages extracts the text of every page of a PDF. The extractor does
// not know the glyph widths of fpdf's Type0 fonts, so every glyph of one
// Tj is reported at the run's start; glyphs at the same spot make one run.
func pdfPages(t testing.TB, data []byte) []page {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("read pdf: %v", err)
	}
	var pages []page
	for i := 1; i <= r.NumPage(); i++ {
		var p page
		for _, g := range r.Page(i).Content().Text {
			if n := len(p.runs); n > 0 && p.runs[n-1].x == g.X && p.runs[n-1].y == g.Y {
				p.runs[n-1].s += g.S
				continue
			}
			p.runs = append(p.runs, run{g.X, g.Y, g.S})
		}
		sorted := append([]run(nil), p.runs...)
		sort.SliceStable(sorted, func(a, b int) bool {
			if ya, yb := math.Round(sorted[a].y), math.Round(sorted[b].y); ya != yb {
				return ya > yb
			}
			return sorted[a].x < sorted[b].x
		})
		var cur []string
		lastY := math.NaN()
		for _, rn := range sorted {
			if y := math.Round(rn.y); y != lastY && len(cur) > 0 {
				p.lines = append(p.lines, "| "+strings.Join(cur, " | ")+" |")
				cur = nil
			}
			lastY = math.Round(rn.y)
			cur = append(cur, rn.s)
		}
		if len(cur) > 0 {
			p.lines = append(p.lines, "| "+strings.Join(cur, " | ")+" |")
		}
		pages = append(pages, p)
	}
	return pages
}

// text is all lines of all pages, one per line.
func text(pages []page) string {
	var b strings.Builder
	for _, p := range pages {
		for _, l := range p.lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// cells returns the fragment that matches consecutive runs of one line.
func cells(runs ...string) string { return "| " + strings.Join(runs, " | ") + " |" }

// requireText fails for every fragment (see cells) missing from the PDF's
// text and every forbidden one present.
func requireText(t *testing.T, got string, want, forbid []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
	for _, f := range forbid {
		if strings.Contains(got, f) {
			t.Errorf("PDF text has %q, which does not belong", f)
		}
	}
	if t.Failed() {
		t.Logf("PDF text:\n%s", got)
	}
}

func renderText(t *testing.T, d Document) (string, []page) {
	t.Helper()
	out, err := Render(d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("output is not a PDF: %q", out[:min(len(out), 16)])
	}
	if dir := os.Getenv("INVOICEPDF_OUT"); dir != "" {
		// Manual inspection: INVOICEPDF_OUT=/tmp/x go test ./invoicepdf
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".pdf"
		if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages := pdfPages(t, out)
	return text(pages), pages
}

func TestRenderSwedishInvoice(t *testing.T) {
	got, pages := renderText(t, swedishDoc())
	if len(pages) != 1 {
		t.Errorf("pages = %d, want 1", len(pages))
	}
	requireText(t, got, []string{
		// Seller: name, address, org nr, VAT nr, F-skatt, contact.
		cells("Kafé Åkerö AB"), cells("Storgatan 1"), cells("Gården"), cells("111 22 Stockholm"),
		"Org.nr 556016-0680", cells("Momsreg.nr SE556016068001"), cells("Godkänd för F-skatt"),
		"E-post faktura@akero.se", "Telefon 08-123 456 78",
		// Title and invoice facts.
		cells("Faktura"),
		cells("Fakturanummer", "1001"),
		cells("Fakturadatum", "2026-04-10"),
		cells("Leveransdatum", "2026-04-10"),
		cells("Förfallodatum", "2026-05-10"),
		cells("Kundnummer", "K-17"),
		cells("Er referens", "Anna Öberg"),
		// Buyer.
		cells("Fakturaadress"), cells("Örjans Bygg & Måleri AB"), cells("Box 42"), cells("752 20 Uppsala"),
		cells("Org.nr 202100-5489"),
		// Comment.
		cells("Kommentar"), cells("Lunch för projektgruppen, vecka 15."),
		// Lines: description, quantity, net unit price, VAT rate, net,
		// total including VAT.
		cells("Beskrivning", "Antal", "À-pris exkl. moms", "Moms", "Netto", "Summa inkl. moms"),
		cells("Räksmörgås", "2", "133,04", "12 %", "266,07", "298,00"),
		cells("Kaffe och kanelbulle, avhämtning", "1,5", "42,45", "6 %", "63,68", "67,50"),
		cells("Konferenslokal heldag", "1", "9 876,00", "25 %", "9 876,00", "12 345,00"),
		// Taxable amount, VAT and gross per rate.
		cells("Momsspecifikation (SEK)"),
		cells("Momssats", "Underlag", "Moms", "Summa inkl. moms"),
		cells("6 %", "63,68", "3,82", "67,50"),
		cells("12 %", "266,07", "31,93", "298,00"),
		cells("25 %", "9 876,00", "2 469,00", "12 345,00"),
		// Totals.
		cells("Summa exkl. moms", "10 205,75"),
		cells("Moms", "2 504,75"),
		cells("Att betala SEK", "12 710,50"),
		// Payment.
		cells("Betalningsinformation"),
		cells("Bankgiro", "Plusgiro", "OCR-nummer", "Förfallodatum", "Att betala SEK"),
		cells("5050-1055", "4711-2", "10017", "2026-05-10", "12 710,50"),
		cells("Ange OCR-numret som meddelande när du betalar."),
		cells("Dröjsmålsränta: 8 % + referensränta"),
		"Bankgiro 5050-1055", "Plusgiro 4711-2",
		cells("Sida 1 av 1"),
	}, []string{"Kreditfaktura", "Avser faktura", "Öresavrundning", cells("Summa inkl. moms", "12 710,50"), "Beställare", "?"})
}

// credit returns the credit invoice number of everything on inv.
func credit(inv core.Invoice, number int64) core.Invoice {
	c := inv
	c.ID, c.Number, c.Kind = fmt.Sprintf("inv_%d", number), number, core.KindCredit
	c.InvoiceDate, c.DueDate = "2026-04-12", "2026-04-12"
	c.CreditsInvoiceID, c.CreditsInvoiceNumber = inv.ID, inv.Number
	c.NetTotal, c.VATTotal, c.Total, c.Rounding = -inv.NetTotal, -inv.VATTotal, -inv.Total, -inv.Rounding
	c.OCR = ""
	c.Lines = nil
	for _, l := range inv.Lines {
		l.Quantity = l.Quantity.Neg()
		l.Net, l.VAT, l.Total = -l.Net, -l.VAT, -l.Total
		c.Lines = append(c.Lines, l)
	}
	c.VATBreakdown = nil
	for _, v := range inv.VATBreakdown {
		c.VATBreakdown = append(c.VATBreakdown, core.VATAmount{VATRate: v.VATRate, Net: -v.Net, VAT: -v.VAT})
	}
	return c
}

func TestRenderSwedishCredit(t *testing.T) {
	d := swedishDoc()
	d.Invoice = credit(d.Invoice, 1002)
	d.Invoice.Comment = "Kreditering av faktura 1001"
	got, _ := renderText(t, d)
	requireText(t, got, []string{
		cells("Kreditfaktura"),
		cells("Avser faktura nr 1001"),
		cells("Fakturanummer", "1002"),
		cells("Fakturadatum", "2026-04-12"),
		cells("Räksmörgås", "-2", "133,04", "12 %", "-266,07", "-298,00"),
		cells("Kaffe och kanelbulle, avhämtning", "-1,5", "42,45", "6 %", "-63,68", "-67,50"),
		cells("25 %", "-9 876,00", "-2 469,00", "-12 345,00"),
		cells("Summa exkl. moms", "-10 205,75"),
		cells("Moms", "-2 504,75"),
		cells("Kreditbelopp SEK", "-12 710,50"),
		cells("Godkänd för F-skatt"), "Org.nr 556016-0680", cells("Momsreg.nr SE556016068001"),
		cells("Örjans Bygg & Måleri AB"), cells("Org.nr 202100-5489"),
	}, []string{cells("Faktura"), "OCR-nummer"})
	if got := Filename(d.Invoice); got != "kreditfaktura-1002.pdf" {
		t.Errorf("Filename = %q", got)
	}
}

func norwegianDoc() Document {
	p := priced(
		core.LineInput{Description: "Smørbrød med røkelaks", Quantity: dec("3"), UnitPrice: 12900, VATRate: dec("15"), Takeaway: true},
		core.LineInput{Description: "Kaffe servert i kafeen", Quantity: dec("2"), UnitPrice: 4500, VATRate: dec("25")},
	)
	inv := invoiceOf(5001, p)
	inv.Currency = "NOK"
	inv.Reference = "Æsa Ødegård"
	inv.OCR = "50013"
	s := core.InvoiceSettings{
		LateInterestText:     "Forsinkelsesrente etter forsinkelsesrenteloven",
		PaymentReferenceText: "Bruk KID ved betaling.",
		BankAccount:          "12345678903",
		IBAN:                 "NO9386011117947",
		BIC:                  "DNBANOKK",
		FTaxApproved:         true, // a Swedish notion: must not print in Norway
		// An AS is in Foretaksregisteret.
		RegisteredInForetaksregisteret: true,
		Company: core.Company{
			Name:               "Fjordkafé AS",
			OrganizationNumber: "123456785",
			VATNumber:          "NO123456785MVA",
			Address:            core.Address{Line1: "Bryggen 3", PostalCode: "5003", City: "Bergen", Country: "NO"},
			Email:              "post@fjordkafe.no",
			Phone:              "+47 55 00 00 00",
		},
	}
	b := core.Customer{
		Name:               "Bærum Åpen Barnehage SA",
		Number:             "77",
		OrganizationNumber: "991825827",
		BillingAddress:     core.Address{Line1: "Postboks 9", PostalCode: "1300", City: "Sandvika", Country: "NO"},
	}
	inv.CustomerName = b.Name
	return Document{Invoice: inv, Seller: s, Buyer: b, Country: core.Norway}
}

func TestRenderNorwegianInvoice(t *testing.T) {
	d := norwegianDoc()
	got, _ := renderText(t, d)
	requireText(t, got, []string{
		cells("Fjordkafé AS"), cells("Bryggen 3"), cells("5003 Bergen"),
		"Org.nr. 123456785 MVA Foretaksregisteret", cells("MVA-nr. NO123456785MVA"),
		"E-post post@fjordkafe.no", "Telefon +47 55 00 00 00",
		cells("Faktura"),
		cells("Fakturanummer", "5001"),
		cells("Fakturadato", "2026-04-10"),
		cells("Leveringsdato", "2026-04-10"),
		cells("Forfallsdato", "2026-05-10"),
		cells("Kundenummer", "77"),
		cells("Deres referanse", "Æsa Ødegård"),
		cells("Fakturaadresse"), cells("Bærum Åpen Barnehage SA"), cells("Postboks 9"), cells("1300 Sandvika"),
		cells("Org.nr. 991825827"),
		cells("Beskrivelse", "Antall", "Enhetspris eks. mva", "MVA", "Netto", "Sum inkl. mva"),
		cells("Smørbrød med røkelaks", "3", "112,17", "15 %", "336,52", "387,00"),
		cells("Kaffe servert i kafeen", "2", "36,00", "25 %", "72,00", "90,00"),
		cells("MVA-spesifikasjon (NOK)"),
		cells("MVA-sats", "Grunnlag", "MVA", "Sum inkl. mva"),
		cells("15 %", "336,52", "50,48", "387,00"),
		cells("Sum eks. mva", "408,52"),
		cells("MVA", "68,48"),
		cells("Å betale NOK", "477,00"),
		cells("Betalingsinformasjon"),
		cells("Kontonummer", "IBAN", "BIC", "KID", "Forfallsdato", "Å betale NOK"),
		cells("1234.56.78903", "NO93 8601 1117 947", "DNBANOKK", "50013", "2026-05-10", "477,00"),
		cells("Bruk KID ved betaling."),
		cells("Forsinkelsesrente: Forsinkelsesrente etter forsinkelsesrenteloven"),
		cells("Side 1 av 1"),
	}, []string{"F-skatt", "Momsreg", "Sida", "Förfallodatum", "Plusgiro", "Bankgiro"})
	if got := Filename(d.Invoice); got != "faktura-5001.pdf" {
		t.Errorf("Filename = %q", got)
	}
	d.Invoice = credit(d.Invoice, 5002)
	got, _ = renderText(t, d)
	requireText(t, got, []string{cells("Kreditnota"), cells("Gjelder faktura nr 5001"), cells("Kreditbeløp NOK", "-477,00")}, []string{"Å betale"})
	if got := Filename(d.Invoice); got != "kreditnota-5002.pdf" {
		t.Errorf("Filename = %q", got)
	}
}

func TestRenderRounding(t *testing.T) {
	d := swedishDoc() // total 12 710,50
	d.Invoice.Rounding = 50
	got, _ := renderText(t, d)
	requireText(t, got, []string{
		cells("Summa exkl. moms", "10 205,75"),
		cells("Moms", "2 504,75"), // VAT is never rounded
		cells("Summa inkl. moms", "12 710,50"),
		cells("Öresavrundning", "0,50"),
		cells("Att betala SEK", "12 711,00"),
		cells("5050-1055", "4711-2", "10017", "2026-05-10", "12 711,00"),
	}, []string{"12 710,50 |\n| Betalningsinformation"})

	d.Invoice.Rounding = -25
	got, _ = renderText(t, d)
	requireText(t, got, []string{cells("Öresavrundning", "-0,25"), cells("Att betala SEK", "12 710,25")}, nil)
}

func TestRenderManyLines(t *testing.T) {
	var in []core.LineInput
	for i := 1; i <= 120; i++ {
		in = append(in, core.LineInput{Description: fmt.Sprintf("Artikel %03d", i), Quantity: dec("1"), UnitPrice: int64(i) * 100, VATRate: dec("25")})
	}
	d := swedishDoc()
	p := priced(in...)
	inv := invoiceOf(1001, p)
	inv.OCR = "10017"
	d.Invoice = inv
	got, pages := renderText(t, d)
	if len(pages) < 3 {
		t.Fatalf("120 lines on %d pages, want at least 3", len(pages))
	}
	// Every line appears once, in order.
	last := -1
	for i := 1; i <= 120; i++ {
		frag := cells(fmt.Sprintf("Artikel %03d", i), "1", formatAmount(p.Lines[i-1].Net), "25 %", formatAmount(p.Lines[i-1].Net))
		at := strings.Index(got, frag)
		if at < 0 || strings.Count(got, frag) != 1 {
			t.Errorf("line %d appears %d times, want once", i, strings.Count(got, frag))
			continue
		}
		if at < last {
			t.Errorf("line %d is out of order", i)
		}
		last = at
	}
	header := cells("Beskrivning", "Antal", "À-pris exkl. moms", "Moms", "Netto", "Summa inkl. moms")
	// The footer starts 31 mm above the bottom edge; text below that
	// height in points belongs to the footer only.
	footerPt := 31.0 / 25.4 * 72
	for n, pg := range pages {
		pt := text([]page{pg})
		hasLines := strings.Contains(pt, "| Artikel ")
		if hasLines && !strings.Contains(pt, header) {
			t.Errorf("page %d has lines but no table header", n+1)
		}
		if hasLines && strings.Index(pt, header) > strings.Index(pt, "| Artikel ") {
			t.Errorf("page %d: a line comes before the table header", n+1)
		}
		if want := cells(fmt.Sprintf("Sida %d av %d", n+1, len(pages))); !strings.Contains(pt, want) {
			t.Errorf("page %d lacks %q", n+1, want)
		}
		if !strings.Contains(pt, cells("Godkänd för F-skatt")) || !strings.Contains(pt, "Org.nr 556016-0680") {
			t.Errorf("page %d lacks the seller footer", n+1)
		}
		if n > 0 && !strings.Contains(pt, "| Faktura 1001 (forts.) |") {
			t.Errorf("page %d lacks the running head", n+1)
		}
		for _, r := range pg.runs {
			if strings.HasPrefix(r.s, "Artikel") && r.y < footerPt {
				t.Errorf("page %d: %q at %.1f pt overlaps the footer", n+1, r.s, r.y)
			}
		}
	}
	// Sum of 1..120 × 1 kr = 7 260 kr gross.
	requireText(t, got, []string{cells("Att betala SEK", "7 260,00"), cells("25 %", "5 808,00", "1 452,00", "7 260,00")}, nil)
	if c := strings.Count(got, cells("Betalningsinformation")); c != 1 {
		t.Errorf("payment box printed %d times", c)
	}
	if !strings.Contains(text(pages[len(pages)-1:]), cells("Betalningsinformation")) {
		t.Error("payment box is not on the last page")
	}
}

func TestRenderDetails(t *testing.T) {
	t.Run("parent company invoiced", func(t *testing.T) {
		d := swedishDoc()
		d.Buyer.Name = "Bygg Koncernen AB"
		got, _ := renderText(t, d)
		requireText(t, got, []string{cells("Bygg Koncernen AB"), cells("Beställare: Örjans Bygg & Måleri AB")}, nil)
	})
	t.Run("breakdown summed from lines", func(t *testing.T) {
		d := swedishDoc()
		d.Invoice.VATBreakdown = nil
		got, _ := renderText(t, d)
		requireText(t, got, []string{cells("12 %", "266,07", "31,93", "298,00"), cells("25 %", "9 876,00", "2 469,00", "12 345,00")}, nil)
	})
	t.Run("long texts wrap", func(t *testing.T) {
		d := swedishDoc()
		long := strings.Repeat("Specialbeställd smörgåstårta ", 8) + "slut"
		d.Invoice.Lines[0].Description = long
		d.Invoice.Comment = strings.Repeat("Mycket lång kommentar. ", 20) + "\nAndra stycket."
		got, pages := renderText(t, d)
		var desc []string
		for _, r := range pages[0].runs {
			if strings.Contains(r.s, "smörgåstårta") || r.s == "slut" {
				desc = append(desc, r.s)
			}
		}
		if len(desc) < 2 || strings.Join(desc, " ") != strings.TrimSpace(long) {
			t.Errorf("wrapped description = %q, want the whole text over several lines", desc)
		}
		requireText(t, got, []string{cells("Andra stycket."), "133,04 | 12 % | 266,07 | 298,00"}, nil)
	})
	t.Run("missing optional fields", func(t *testing.T) {
		d := swedishDoc()
		d.Seller.Plusgiro, d.Seller.FTaxApproved, d.Seller.LateInterestText = "", false, ""
		d.Invoice.OCR, d.Invoice.Reference, d.Invoice.Comment = "", "", ""
		got, _ := renderText(t, d)
		requireText(t, got, []string{cells("Bankgiro", "Förfallodatum", "Att betala SEK")},
			[]string{"F-skatt", "Plusgiro", "| OCR-nummer", "Er referens", "Kommentar", "Dröjsmålsränta"})
	})
	t.Run("unprintable characters", func(t *testing.T) {
		d := swedishDoc()
		d.Invoice.Lines[0].Description = "Tårta 🎂\tmed\x00 ljus"
		got, _ := renderText(t, d)
		requireText(t, got, []string{cells("Tårta ? med ljus", "2")}, nil)
	})
}

func TestRenderDeterministic(t *testing.T) {
	a, err := Render(swedishDoc())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(swedishDoc())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same document rendered to different bytes")
	}
}

func TestRenderInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Document)
		fields []string
	}{
		{"no country", func(d *Document) { d.Country = "DK" }, []string{"country"}},
		{"no number", func(d *Document) { d.Invoice.Number = 0 }, []string{"invoice.number"}},
		{"bad kind", func(d *Document) { d.Invoice.Kind = "receipt" }, []string{"invoice.kind"}},
		{"bad dates", func(d *Document) { d.Invoice.InvoiceDate, d.Invoice.DueDate = "", "2026-13-01" },
			[]string{"invoice.invoice_date", "invoice.due_date"}},
		{"bad currency", func(d *Document) { d.Invoice.Currency = "kr" }, []string{"invoice.currency"}},
		{"credit without original", func(d *Document) { d.Invoice.Kind = core.KindCredit }, []string{"invoice.credits_invoice_number"}},
		{"no names", func(d *Document) {
			d.Seller.Company.Name, d.Buyer.Name, d.Invoice.CustomerName = " ", "", ""
		}, []string{"seller.company.name", "buyer.name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := swedishDoc()
			tt.change(&d)
			out, err := Render(d)
			if out != nil {
				t.Error("Render returned a PDF for an invalid document")
			}
			e := core.AsError(err)
			if e == nil || e.Code != core.CodeInvalid {
				t.Fatalf("err = %v, want code invalid", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
	t.Run("buyer name from invoice", func(t *testing.T) {
		d := swedishDoc()
		d.Buyer.Name = ""
		got, _ := renderText(t, d)
		requireText(t, got, []string{cells("Örjans Bygg & Måleri AB")}, []string{"Beställare"})
	})
}

func TestFilename(t *testing.T) {
	tests := []struct {
		inv  core.Invoice
		want string
	}{
		{core.Invoice{Number: 1001, Kind: core.KindInvoice, Currency: "SEK"}, "faktura-1001.pdf"},
		{core.Invoice{Number: 1002, Kind: core.KindCredit, Currency: "SEK"}, "kreditfaktura-1002.pdf"},
		{core.Invoice{Number: 7, Kind: core.KindInvoice, Currency: "NOK"}, "faktura-7.pdf"},
		{core.Invoice{Number: 8, Kind: core.KindCredit, Currency: "NOK"}, "kreditnota-8.pdf"},
		{core.Invoice{ID: "inv_01/../x", Kind: core.KindInvoice}, "faktura-inv_01x.pdf"},
		{core.Invoice{Kind: core.KindCredit}, "kreditfaktura.pdf"},
	}
	for _, tt := range tests {
		if got := Filename(tt.inv); got != tt.want {
			t.Errorf("Filename(%+v) = %q, want %q", tt.inv, got, tt.want)
		}
	}
}

func TestFile(t *testing.T) {
	d := norwegianDoc()
	d.Invoice = credit(d.Invoice, 5002)
	d.Invoice.Currency = "" // the language follows the country, not the currency
	f, err := File(d)
	if err != nil {
		t.Fatal(err)
	}
	if f.ContentType != "application/pdf" || f.Filename != "kreditnota-5002.pdf" || !bytes.HasPrefix(f.Data, []byte("%PDF-")) {
		t.Errorf("File = %q %q %q…", f.ContentType, f.Filename, f.Data[:min(8, len(f.Data))])
	}
	requireText(t, text(pdfPages(t, f.Data)), []string{cells("Kreditbeløp NOK", "-477,00")}, nil)
	d.Invoice.Number = 0
	if _, err := File(d); core.Code(err) != core.CodeInvalid {
		t.Errorf("File without number: err = %v, want invalid", err)
	}
}

func BenchmarkRender(b *testing.B) {
	var in []core.LineInput
	for i := 1; i <= 10; i++ {
		in = append(in, core.LineInput{Description: fmt.Sprintf("Artikel nr %d, smörgås", i), Quantity: dec("1.5"), UnitPrice: int64(i) * 1250, VATRate: dec("12")})
	}
	d := swedishDoc()
	p := priced(in...)
	d.Invoice.Lines, d.Invoice.VATBreakdown = p.Lines, p.Breakdown
	d.Invoice.NetTotal, d.Invoice.VATTotal, d.Invoice.Total = p.Net, p.VAT, p.Total
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(d); err != nil {
			b.Fatal(err)
		}
	}
}

// Render is called from concurrent HTTP handlers.
func TestRenderConcurrent(t *testing.T) {
	want, err := Render(swedishDoc())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			got, err := Render(swedishDoc())
			if err == nil && !bytes.Equal(got, want) {
				err = fmt.Errorf("concurrent render differs")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
