// Package invoicepdf renders an invoice or credit invoice as an A4 PDF that
// carries everything a Swedish full invoice must show (mervärdesskattelagen
// 17 kap. 24 §, a credit invoice's reference to the invoice it changes under
// 17 kap. 22 §, "Godkänd för F-skatt", öresavrundning) and the Norwegian
// seller texts (org.nr followed by MVA when VAT registered,
// Foretaksregisteret when registered there), no VAT at all from a seller
// without a VAT number, the buyer's VAT number and the legal text of a
// reverse-charge, intra-community or export invoice (core.VATTreatment),
// plus the merchant's invoice settings:
// Bankgiro/Plusgiro, Norwegian account number, IBAN/BIC, payment reference
// text, late-interest text and contact details.
//
// Text is set in the Go fonts (embedded, UTF-8), so å ä ö æ ø and every
// other character the fonts cover print as written; characters they lack
// print as "?".
package invoicepdf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// Document is what one invoice PDF shows.
type Document struct {
	// Invoice is the invoice with its Lines and VATBreakdown; Kind credit
	// makes a credit invoice, which must name CreditsInvoiceNumber. When
	// VATBreakdown is empty it is summed from the lines.
	Invoice core.Invoice
	// Seller holds the company printed as seller, the giro numbers, the
	// F-tax approval and the payment-reference and late-interest texts.
	Seller core.InvoiceSettings
	// Buyer is the invoiced customer: the parent company when invoices go
	// to the parent. When its name differs from Invoice.CustomerName the
	// latter is printed as the ordering customer.
	Buyer core.Customer
	// Country picks the language of the labels: Swedish for SE, Norwegian
	// bokmål for NO.
	Country core.Country
}

// ContentType is the media type of what Render returns.
const ContentType = "application/pdf"

// Render returns the PDF of d. The output is deterministic: the same
// document renders to the same bytes (the PDF's creation date is the
// invoice's CreatedAt, or its invoice date when CreatedAt is zero).
//
// Errors: CodeInvalid naming each missing or malformed field (country,
// invoice.kind, invoice.number, invoice.invoice_date, invoice.due_date,
// invoice.currency, invoice.credits_invoice_number for a credit invoice,
// seller.company.name, buyer.name, invoice.vat_treatment when unknown or not
// the seller country's, buyer.vat_number under reverse charge or on an
// intra-community supply); CodeInternal when the PDF library fails.
func Render(d Document) (out []byte, err error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	defer func() {
		// fpdf reports most failures through Error(), but a few paths
		// panic; neither may take the caller down.
		if rec := recover(); rec != nil {
			out, err = nil, core.Errorf(core.CodeInternal, "render invoice %d: %v", d.Invoice.Number, rec)
		}
	}()
	r := newRenderer(d)
	r.body()
	r.footers()
	var buf bytes.Buffer
	if err := r.pdf.Output(&buf); err != nil {
		return nil, core.Errorf(core.CodeInternal, "render invoice %d: %v", d.Invoice.Number, err)
	}
	return buf.Bytes(), nil
}

// File renders d like Render and wraps it as a core.Document to serve or
// attach: ContentType application/pdf and the file name in d.Country's
// language (see Filename). Errors are Render's.
func File(d Document) (core.Document, error) {
	data, err := Render(d)
	if err != nil {
		return core.Document{}, err
	}
	return core.Document{ContentType: ContentType, Filename: core.InvoiceFileName(d.Invoice, d.Country, ".pdf"), Data: data}, nil
}

// Filename returns the download name of inv's PDF: "faktura-1001.pdf" or
// "kreditfaktura-1002.pdf", and for an invoice in NOK (a Norwegian
// merchant's) "faktura-1001.pdf" or "kreditnota-1002.pdf". An invoice
// without a number is named by its ID, reduced to letters, digits, '-' and
// '_'.
func Filename(inv core.Invoice) string {
	country := core.Sweden
	if inv.Currency == core.Norway.Currency() {
		country = core.Norway
	}
	return core.InvoiceFileName(inv, country, ".pdf")
}

// validate returns an invalid error naming every field Render cannot do
// without.
func (d Document) validate() error {
	var errs []core.FieldError
	add := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	inv := d.Invoice
	if !d.Country.Valid() {
		add("country", "must be SE or NO")
	}
	if inv.Kind != core.KindInvoice && inv.Kind != core.KindCredit {
		add("invoice.kind", "must be invoice or credit")
	}
	if inv.Number <= 0 {
		add("invoice.number", "is required: an invoice is printed with its sequential number")
	}
	if !inv.InvoiceDate.Valid() {
		add("invoice.invoice_date", "must be a date YYYY-MM-DD")
	}
	if inv.DueDate != "" && !inv.DueDate.Valid() {
		add("invoice.due_date", "must be a date YYYY-MM-DD")
	}
	if inv.Currency != "" && !inv.Currency.Valid() {
		add("invoice.currency", "must be an ISO 4217 code")
	}
	if inv.Kind == core.KindCredit && inv.CreditsInvoiceNumber <= 0 {
		add("invoice.credits_invoice_number", "is required: a credit invoice must name the invoice it credits")
	}
	if strings.TrimSpace(d.Seller.Company.Name) == "" {
		add("seller.company.name", "is required")
	}
	if strings.TrimSpace(d.Buyer.Name) == "" && strings.TrimSpace(inv.CustomerName) == "" {
		add("buyer.name", "is required")
	}
	switch t := inv.VATTreatment; {
	case !t.Valid():
		add("invoice.vat_treatment", "must be domestic, reverse_charge, intra_community_supply or export")
	case (t == core.TreatmentReverseCharge || t == core.TreatmentIntraCommunitySupply) && strings.TrimSpace(d.Buyer.VATNumber) == "":
		add("buyer.vat_number", "is required: an invoice under "+string(t)+" must show the buyer's VAT number")
	case t.OrDefault() != core.TreatmentDomestic && t.Statement(d.Country, core.LanguageEnglish) == "":
		add("invoice.vat_treatment", string(t)+" is not a VAT treatment of a seller in "+string(d.Country))
	}
	return core.Invalid("invoice cannot be rendered", errs...)
}

// Page geometry in millimetres (A4 portrait).
const (
	pageW      = 210.0
	pageH      = 297.0
	marginL    = 15.0
	marginT    = 15.0
	contentW   = pageW - 2*marginL
	footerTop  = pageH - 31
	bodyBottom = footerTop - 4
	lineH      = 4.5
	fontFamily = "go"
)

// renderer lays out one document on an fpdf instance. Page breaks are
// placed by hand (auto page break is off) so the lines table can repeat its
// header and no block is split over the footer.
type renderer struct {
	pdf      *fpdf.Fpdf
	d        Document
	l        labels
	inv      core.Invoice
	currency string
	title    string
	// plain: the invoice is printed without VAT (see withoutVAT).
	plain bool
}

func newRenderer(d Document) *renderer {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontFamily, "", regularTTF)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", boldTTF)
	pdf.SetMargins(marginL, marginT, marginL)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(1)

	r := &renderer{pdf: pdf, d: d, l: labelsFor(d.Country), inv: d.Invoice, plain: withoutVAT(d)}
	r.currency = string(d.Invoice.Currency)
	if r.currency == "" {
		r.currency = string(d.Country.Currency())
	}
	r.title = r.l.invoice
	if r.inv.Kind == core.KindCredit {
		r.title = r.l.credit
	}
	created := r.inv.CreatedAt
	if created.IsZero() {
		created = r.inv.InvoiceDate.Time()
	}
	created = created.UTC().Truncate(time.Second)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(fmt.Sprintf("%s %d", r.title, r.inv.Number), true)
	pdf.SetAuthor(clean(d.Seller.Company.Name), true)
	pdf.SetCreator("ledgerbridge", true)
	pdf.SetLang(r.l.lang)
	return r
}

// font sets the font: bold or regular at size points.
func (r *renderer) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	r.pdf.SetFont(fontFamily, style, size)
}

func (r *renderer) grey()  { r.pdf.SetTextColor(100, 100, 100) }
func (r *renderer) black() { r.pdf.SetTextColor(0, 0, 0) }

// cell writes s in a box of width w at (x, y), aligned "L", "R" or "C".
func (r *renderer) cell(x, y, w, h float64, s, align string) {
	r.pdf.SetXY(x, y)
	r.pdf.CellFormat(w, h, clean(s), "", 0, align, false, 0, "")
}

// wrap splits s into lines no wider than w in the current font, keeping
// the author's line breaks. It always returns at least one line.
func (r *renderer) wrap(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		para = clean(para)
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		out = append(out, r.pdf.SplitText(para, w)...)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// para writes s wrapped to width w from (x, y), h per line, and returns
// the y below it.
func (r *renderer) para(x, y, w, h float64, s string) float64 {
	for _, line := range r.wrap(s, w) {
		r.cell(x, y, w, h, line, "L")
		y += h
	}
	return y
}

// ensure starts a new page when h millimetres do not fit above the footer,
// reporting whether it did.
func (r *renderer) ensure(h float64) bool {
	if r.pdf.GetY()+h <= bodyBottom {
		return false
	}
	r.newPage()
	return true
}

// newPage adds a page; pages after the first start with a slim running
// head naming the invoice.
func (r *renderer) newPage() {
	r.pdf.AddPage()
	if r.pdf.PageNo() == 1 {
		return
	}
	r.font(true, 9)
	r.cell(marginL, marginT, contentW/2, lineH, fmt.Sprintf("%s %d (%s)", r.title, r.inv.Number, r.l.continued), "L")
	r.font(false, 9)
	r.cell(marginL+contentW/2, marginT, contentW/2, lineH, r.d.Seller.Company.Name, "R")
	r.pdf.SetDrawColor(180, 180, 180)
	r.pdf.Line(marginL, marginT+lineH+1, marginL+contentW, marginT+lineH+1)
	r.pdf.SetY(marginT + lineH + 5)
}

// body lays out everything but the footers.
func (r *renderer) body() {
	r.newPage()
	r.header()
	r.comment()
	r.linesTable()
	r.totals()
	r.vatStatement()
	if r.inv.Kind == core.KindCredit {
		r.settlementBox()
	} else {
		r.paymentBox()
	}
}

// header prints the seller, the title and invoice facts, and the buyer.
func (r *renderer) header() {
	pdf, l, inv := r.pdf, r.l, r.inv
	seller := r.d.Seller.Company

	// Seller, top left.
	r.font(true, 15)
	y := r.para(marginL, marginT, 98, 7, seller.Name) + 1
	r.font(false, 9)
	for _, s := range addressLines(seller.Address, r.d.Country) {
		y = r.para(marginL, y, 98, lineH, s)
	}
	leftY := y

	// Title and invoice facts, top right.
	const rx, rw = 115.0, 80.0
	r.font(true, 20)
	r.cell(rx, marginT-1, rw, 9, r.title, "R")
	y = marginT + 10
	if inv.Kind == core.KindCredit {
		r.font(true, 10)
		r.cell(rx, y, rw, 5, fmt.Sprintf("%s %d", l.creditsInvoice, inv.CreditsInvoiceNumber), "R")
		y += 7
	}
	facts := [][2]string{
		{l.invoiceNumber, strconv.FormatInt(inv.Number, 10)},
		{l.invoiceDate, string(inv.InvoiceDate)},
		// Register sales are delivered when they are invoiced.
		{l.deliveryDate, string(inv.InvoiceDate)},
	}
	if inv.DueDate != "" && inv.Kind != core.KindCredit {
		// A credit invoice is not paid by a date: it is settled
		// against the invoice it credits (see settlementBox).
		facts = append(facts, [2]string{l.dueDate, string(inv.DueDate)})
	}
	if r.d.Buyer.Number != "" {
		facts = append(facts, [2]string{l.customerNumber, r.d.Buyer.Number})
	}
	if inv.Reference != "" {
		facts = append(facts, [2]string{l.yourReference, inv.Reference})
	}
	for _, f := range facts {
		r.font(false, 9)
		r.grey()
		r.cell(rx+20, y, 30, lineH, f[0], "L")
		r.black()
		r.font(true, 9)
		// A long reference wraps within its column.
		lines := r.wrap(f[1], 30)
		for i, s := range lines {
			r.cell(rx+50, y+float64(i)*lineH, 30, lineH, s, "R")
		}
		y += float64(len(lines)) * lineH
	}
	rightY := y

	// Buyer, below the seller.
	y = max(leftY+8, marginT+35)
	buyer := r.d.Buyer
	name := buyer.Name
	if strings.TrimSpace(name) == "" {
		name = inv.CustomerName
	}
	r.font(false, 8)
	r.grey()
	r.cell(marginL, y, 90, lineH, l.billingAddress, "L")
	r.black()
	y += lineH
	r.font(true, 10.5)
	y = r.para(marginL, y, 90, 5, name)
	r.font(false, 9.5)
	for _, s := range addressLines(buyer.BillingAddress, r.d.Country) {
		y = r.para(marginL, y, 90, lineH, s)
	}
	if buyer.OrganizationNumber != "" {
		y = r.para(marginL, y, 90, lineH, l.orgNumber+" "+orgNumber(buyer.OrganizationNumber, buyerCountry(buyer, r.d.Country)))
	}
	if buyer.VATNumber != "" {
		// The buyer's VAT number: mandatory under reverse charge and on an
		// intra-community supply (ML 17 kap. 24 § 4; validate refuses
		// those invoices without it), printed whenever it is known.
		y = r.para(marginL, y, 90, lineH, l.vatNumber+" "+buyer.VATNumber)
	}
	if inv.CustomerName != "" && buyer.Name != "" && inv.CustomerName != buyer.Name {
		y = r.para(marginL, y, 90, lineH, l.orderedBy+": "+inv.CustomerName)
	}
	pdf.SetY(max(y, rightY) + 8)
}

// comment prints the invoice's comment under its label.
func (r *renderer) comment() {
	text := strings.TrimSpace(r.inv.Comment)
	if r.inv.Kind == core.KindCredit && text == legacyCreditComment(r.inv.CreditsInvoiceNumber) {
		// Credit invoices issued before the comment was written in the
		// merchant's language: the settlement box says it in the
		// invoice's language.
		text = ""
	}
	if text == "" {
		return
	}
	r.font(false, 9)
	lines := r.wrap(text, contentW)
	r.ensure(lineH * 2)
	r.font(true, 9)
	r.cell(marginL, r.pdf.GetY(), contentW, lineH, r.l.comment, "L")
	r.pdf.SetY(r.pdf.GetY() + lineH)
	r.font(false, 9)
	for _, s := range lines {
		r.ensure(lineH)
		r.cell(marginL, r.pdf.GetY(), contentW, lineH, s, "L")
		r.pdf.SetY(r.pdf.GetY() + lineH)
	}
	r.pdf.SetY(r.pdf.GetY() + 5)
}

// Lines table columns: width and alignment.
type column struct {
	w     float64
	align string
}

var lineCols = []column{{60, "L"}, {14, "R"}, {32, "R"}, {14, "R"}, {28, "R"}, {32, "R"}}

// plainCols are the columns of an invoice without VAT (see withoutVAT):
// description, quantity, unit price and amount.
var plainCols = []column{{100, "L"}, {16, "R"}, {32, "R"}, {32, "R"}}

// columns returns the lines table's columns and their heads.
func (r *renderer) columns() ([]column, []string) {
	l := r.l
	if r.plain {
		return plainCols, []string{l.colDescription, l.colQuantity, l.colPlainPrice, l.colAmount}
	}
	return lineCols, []string{l.colDescription, l.colQuantity, l.colUnitPrice, l.colVATRate, l.colNet, l.colTotal}
}

func (r *renderer) tableHeader() {
	lineCols, heads := r.columns()
	y := r.pdf.GetY()
	r.pdf.SetFillColor(232, 232, 232)
	r.pdf.Rect(marginL, y, contentW, 6.5, "F")
	r.font(true, 8)
	x := marginL
	for i, c := range lineCols {
		r.cell(x, y+0.75, c.w, 5, heads[i], c.align)
		x += c.w
	}
	r.pdf.SetY(y + 7.5)
}

// linesTable prints one row per line, starting a new page (with the table
// header repeated) when a row does not fit.
func (r *renderer) linesTable() {
	lineCols, _ := r.columns()
	r.ensure(6.5 + 1 + lineH + 1.5)
	r.tableHeader()
	r.pdf.SetDrawColor(215, 215, 215)
	for _, ln := range r.inv.Lines {
		r.font(false, 9)
		desc := r.wrap(ln.Description, lineCols[0].w)
		h := float64(len(desc))*lineH + 1.5
		if r.ensure(h) {
			r.tableHeader()
			r.pdf.SetDrawColor(215, 215, 215)
			r.font(false, 9)
		}
		y := r.pdf.GetY()
		for i, s := range desc {
			r.cell(marginL, y+float64(i)*lineH, lineCols[0].w, lineH, s, "L")
		}
		cells := []string{
			formatQuantity(ln.Quantity),
			formatAmount(ln.NetUnitPrice()),
			formatRate(ln.VATRate),
			formatAmount(ln.Net),
			formatAmount(ln.Total),
		}
		if r.plain {
			cells = []string{formatQuantity(ln.Quantity), formatAmount(ln.NetUnitPrice()), formatAmount(ln.Total)}
		}
		x := marginL + lineCols[0].w
		for i, s := range cells {
			c := lineCols[i+1]
			r.cell(x, y, c.w, lineH, s, c.align)
			x += c.w
		}
		r.pdf.Line(marginL, y+h-0.5, marginL+contentW, y+h-0.5)
		r.pdf.SetY(y + h)
	}
	r.pdf.SetY(r.pdf.GetY() + 5)
}

// breakdown returns the invoice's VAT breakdown, summed from its lines
// (in order of first appearance) when the invoice carries none.
func (r *renderer) breakdown() []core.VATAmount {
	if len(r.inv.VATBreakdown) > 0 || len(r.inv.Lines) == 0 {
		return r.inv.VATBreakdown
	}
	var out []core.VATAmount
	index := map[string]int{}
	for _, ln := range r.inv.Lines {
		k := ln.VATRate.String()
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, core.VATAmount{VATRate: ln.VATRate})
		}
		out[i].Net += ln.Net
		out[i].VAT += ln.VAT
	}
	return out
}

// totals prints the VAT specification (taxable amount, VAT and gross per
// rate) beside the invoice totals, öre rounding and amount to pay.
func (r *renderer) totals() {
	l, inv := r.l, r.inv
	bd := r.breakdown()
	type row struct {
		label, value string
		bold         bool
	}
	plain := r.plain
	rows := []row{
		{l.netTotal, formatAmount(inv.NetTotal), false},
		{l.vatTotal, formatAmount(inv.VATTotal), false},
	}
	if plain {
		// No VAT to specify: the amounts are neither net nor gross.
		bd, rows = nil, nil
	}
	if inv.Rounding != 0 {
		gross := l.grossTotal
		if plain {
			gross = l.total
		}
		rows = append(rows,
			row{gross, formatAmount(inv.Total), false},
			row{l.rounding, formatAmount(inv.Rounding), false})
	}
	last := l.amountDue
	if inv.Kind == core.KindCredit {
		// Nothing is to be paid on a credit invoice.
		last = l.creditAmount
	}
	rows = append(rows, row{fmt.Sprintf("%s %s", last, r.currency), formatAmount(inv.AmountDue()), true})

	specH := 6.5 + float64(len(bd))*lineH + 2
	if plain {
		specH = 0
	}
	totH := float64(len(rows))*5.5 + 2
	r.ensure(max(specH+lineH, totH))
	y0 := r.pdf.GetY()

	// VAT specification, left; none without VAT.
	specEnd := y0
	if !plain {
		spec := []struct {
			w     float64
			align string
		}{{20, "L"}, {26, "R"}, {24, "R"}, {30, "R"}}
		specW := 0.0
		for _, c := range spec {
			specW += c.w
		}
		r.font(true, 8.5)
		r.cell(marginL, y0, specW, lineH, fmt.Sprintf("%s (%s)", l.vatSpec, r.currency), "L")
		y := y0 + lineH + 0.5
		r.pdf.SetFillColor(232, 232, 232)
		r.pdf.Rect(marginL, y, specW, 5.5, "F")
		r.font(true, 8)
		x := marginL
		for i, h := range []string{l.colVATRateSpec, l.colVATBase, l.colVAT, l.colGross} {
			r.cell(x, y+0.5, spec[i].w, lineH, h, spec[i].align)
			x += spec[i].w
		}
		y += 6.5
		r.font(false, 9)
		for _, v := range bd {
			x = marginL
			for i, s := range []string{formatRate(v.VATRate), formatAmount(v.Net), formatAmount(v.VAT), formatAmount(v.Net + v.VAT)} {
				r.cell(x, y, spec[i].w, lineH, s, spec[i].align)
				x += spec[i].w
			}
			y += lineH
		}
		specEnd = y
	}

	// Totals, right.
	const tx, tl, tv = 120.0, 45.0, 30.0
	y := y0
	for i, rw := range rows {
		if rw.bold {
			r.pdf.SetDrawColor(0, 0, 0)
			r.pdf.Line(tx, y+0.3, tx+tl+tv, y+0.3)
			y += 1
		}
		r.font(rw.bold, map[bool]float64{false: 9, true: 11}[rw.bold])
		h := 5.5
		if i == len(rows)-1 {
			h = 6
		}
		r.cell(tx, y, tl, h, rw.label, "L")
		r.cell(tx+tl, y, tv, h, rw.value, "R")
		y += h
	}
	r.pdf.SetY(max(specEnd, y) + 7)
}

// vatStatement prints, under the totals, the legal text of an invoice
// without VAT because of its treatment (core.VATTreatment.Statement):
// "Omvänd betalningsskyldighet", the exemption of an intra-community
// supply or an export, "Omvendt avgiftsplikt", in the invoice's language.
// A domestic invoice prints nothing.
func (r *renderer) vatStatement() {
	text := r.inv.VATTreatment.Statement(r.d.Country, r.l.language)
	if text == "" {
		return
	}
	r.font(true, 9.5)
	lines := r.wrap(text, contentW)
	r.ensure(float64(len(lines))*5 + 2)
	y := r.pdf.GetY()
	for _, s := range lines {
		r.cell(marginL, y, contentW, 5, s, "L")
		y += 5
	}
	r.pdf.SetY(y + 4)
}

// paymentBox prints how to pay: giro numbers, the Norwegian account number
// (1234.56.78903), IBAN in groups of four and BIC, payment reference, due
// date and amount, the payment-reference text and the late-interest terms.
func (r *renderer) paymentBox() {
	l, inv, s := r.l, r.inv, r.d.Seller
	type field struct{ label, value string }
	var fields []field
	if s.Bankgiro != "" {
		fields = append(fields, field{l.bankgiro, s.Bankgiro})
	}
	if s.Plusgiro != "" {
		fields = append(fields, field{l.plusgiro, s.Plusgiro})
	}
	if s.BankAccount != "" {
		fields = append(fields, field{l.bankAccount, printedAccount(s.BankAccount)})
	}
	if s.IBAN != "" {
		fields = append(fields, field{l.iban, printedIBAN(s.IBAN)})
		if s.BIC != "" {
			fields = append(fields, field{l.bic, s.BIC})
		}
	}
	if inv.OCR != "" {
		fields = append(fields, field{l.paymentRef, inv.OCR})
	}
	if inv.DueDate != "" {
		fields = append(fields, field{l.dueDate, string(inv.DueDate)})
	}
	fields = append(fields, field{fmt.Sprintf("%s %s", l.amountDue, r.currency), formatAmount(inv.AmountDue())})

	const pad, labelH, valueH = 3.0, 4.0, 5.5
	innerW := contentW - 2*pad
	// Fields flow left to right in columns as wide as their widest text,
	// wrapping to a new row when the next does not fit; the space left in
	// a row is shared among its fields.
	type placed struct {
		field
		x, w float64
	}
	var rows [][]placed
	var used float64
	for _, f := range fields {
		r.font(false, 8)
		w := r.pdf.GetStringWidth(clean(f.label))
		r.font(true, 10)
		w = min(max(w, r.pdf.GetStringWidth(clean(f.value)))+8, innerW)
		if len(rows) == 0 || used+w > innerW {
			rows = append(rows, nil)
			used = 0
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], placed{f, used, w})
		used += w
	}
	for _, row := range rows {
		var sum float64
		for _, p := range row {
			sum += p.w
		}
		extra := (innerW - sum) / float64(len(row))
		for i := range row {
			row[i].x += float64(i) * extra
			row[i].w += extra
		}
	}

	r.font(false, 8.5)
	var texts []string
	if t := strings.TrimSpace(s.PaymentReferenceText); t != "" {
		texts = append(texts, r.wrap(t, innerW)...)
	}
	if t := strings.TrimSpace(s.LateInterestText); t != "" {
		texts = append(texts, r.wrap(l.lateInterest+": "+t, innerW)...)
	}
	h := pad + lineH + 1 + float64(len(rows))*(labelH+valueH+1) + float64(len(texts))*4 + pad
	if len(texts) > 0 {
		h += 1
	}
	y0, x, y := r.framedBox(h, pad, l.payment)
	for _, row := range rows {
		for _, f := range row {
			r.font(false, 8)
			r.grey()
			r.cell(x+f.x, y, f.w, labelH, f.label, "L")
			r.black()
			r.font(true, 10)
			r.cell(x+f.x, y+labelH, f.w, valueH, f.value, "L")
		}
		y += labelH + valueH + 1
	}
	if len(texts) > 0 {
		y++
	}
	r.font(false, 8.5)
	for _, t := range texts {
		r.cell(x, y, innerW, 4, t, "L")
		y += 4
	}
	r.pdf.SetY(y0 + h + 4)
}

// framedBox starts a full-width box of height h (on a new page if it does
// not fit) with a grey frame and a bold title, and returns its top and
// where its content starts, pad inside the frame under the title.
func (r *renderer) framedBox(h, pad float64, title string) (y0, x, y float64) {
	r.ensure(h)
	y0 = r.pdf.GetY()
	r.pdf.SetDrawColor(120, 120, 120)
	r.pdf.SetLineWidth(0.3)
	r.pdf.Rect(marginL, y0, contentW, h, "D")
	r.pdf.SetLineWidth(0.2)
	x, y = marginL+pad, y0+pad
	r.font(true, 9.5)
	r.cell(x, y, contentW-2*pad, lineH, title, "L")
	return y0, x, y + lineH + 1
}

// settlementBox prints, in place of the payment box of an invoice, how a
// credit invoice is settled: against the invoice it credits, for the lines
// it lists. It carries no payment reference, due date, amount to pay or
// late-interest text, whatever the invoice and the settings hold.
func (r *renderer) settlementBox() {
	l := r.l
	const pad = 3.0
	innerW := contentW - 2*pad
	r.font(false, 9)
	texts := append(r.wrap(fmt.Sprintf(l.creditedAgainst, r.inv.CreditsInvoiceNumber), innerW), r.wrap(l.creditedLines, innerW)...)
	h := pad + lineH + 1 + float64(len(texts))*lineH + pad
	y0, x, y := r.framedBox(h, pad, l.settlement)
	r.font(false, 9)
	for _, t := range texts {
		r.cell(x, y, innerW, lineH, t, "L")
		y += lineH
	}
	r.pdf.SetY(y0 + h + 4)
}

// footers prints the seller's identity, contact and payment details and the
// page number at the foot of every page.
func (r *renderer) footers() {
	l, s := r.l, r.d.Seller
	c := s.Company
	col1 := append([]string{c.Name}, addressLines(c.Address, r.d.Country)...)
	var col2 []string
	if c.OrganizationNumber != "" {
		org := l.orgNumber + " " + orgNumber(c.OrganizationNumber, r.d.Country)
		if r.d.Country == core.Norway {
			// Norwegian sales documents: org.nr + "MVA" only when
			// in Merverdiavgiftsregisteret (it has a VAT number),
			// and "Foretaksregisteret" only when the seller says it
			// is registered there (research notes §3.2).
			if c.VATNumber != "" {
				org += " " + l.vatRegistered
			}
			if s.RegisteredInForetaksregisteret {
				org += " " + l.companyRegister
			}
		}
		col2 = append(col2, org)
	}
	if c.VATNumber != "" {
		col2 = append(col2, l.vatNumber+" "+c.VATNumber)
	}
	if s.FTaxApproved && r.d.Country == core.Sweden {
		col2 = append(col2, l.fTax)
	}
	var col3 []string
	if c.Email != "" {
		col3 = append(col3, l.email+" "+c.Email)
	}
	if c.Phone != "" {
		col3 = append(col3, l.phone+" "+c.Phone)
	}
	if s.Bankgiro != "" {
		col3 = append(col3, l.bankgiro+" "+s.Bankgiro)
	}
	if s.Plusgiro != "" {
		col3 = append(col3, l.plusgiro+" "+s.Plusgiro)
	}

	n := r.pdf.PageCount()
	widths := []float64{60, 64, 56}
	for p := 1; p <= n; p++ {
		r.pdf.SetPage(p)
		r.pdf.SetDrawColor(150, 150, 150)
		r.pdf.Line(marginL, footerTop, marginL+contentW, footerTop)
		x := marginL
		for i, col := range [][]string{col1, col2, col3} {
			y := footerTop + 2
			for j, s := range col {
				r.font(i == 0 && j == 0, 8)
				for _, part := range r.wrap(s, widths[i]) {
					if y > pageH-10 {
						break
					}
					r.cell(x, y, widths[i], 3.8, part, "L")
					y += 3.8
				}
			}
			x += widths[i]
		}
		r.font(false, 8)
		r.grey()
		r.cell(marginL, pageH-9, contentW, 4, fmt.Sprintf(l.page, p, n), "R")
		r.black()
	}
}

// printedAccount writes a saved Norwegian account number as 1234.56.78903;
// one saved before it was checked is printed as it is.
func printedAccount(s string) string {
	if f, err := nordic.FormatNorwegianAccountNumber(s); err == nil {
		return f
	}
	return s
}

// printedIBAN writes a saved IBAN in groups of four; one saved before it
// was checked is printed as it is.
func printedIBAN(s string) string {
	if f, err := nordic.FormatIBAN(s); err == nil {
		return f
	}
	return s
}

// withoutVAT reports whether the invoice is printed without any VAT: the
// seller has no VAT number (is not VAT registered, so may not charge VAT:
// no "MVA" after a Norwegian org.nr, research notes §3.2) and the invoice
// carries none. Then it has no VAT column, specification or total, and its
// amounts say nothing of VAT. An invoice that does carry VAT is printed
// with it whatever the settings say, so the printed amounts always
// reconcile with the invoice's.
func withoutVAT(d Document) bool {
	return strings.TrimSpace(d.Seller.Company.VATNumber) == "" && !d.Invoice.ChargesVAT()
}

// addressLines returns the printed lines of a: street lines, postal code
// and city, and the country when it is not home's.
func addressLines(a core.Address, home core.Country) []string {
	var out []string
	for _, s := range []string{a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City)} {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if c := strings.TrimSpace(a.Country); c != "" && !strings.EqualFold(c, string(home)) {
		out = append(out, c)
	}
	return out
}

// CreditComment is the comment a credit invoice of invoice number is issued
// with, in the language invoices of country are printed in: "Kreditering av
// faktura 1001" for Sweden and Norway alike.
func CreditComment(country core.Country, number int64) string {
	return fmt.Sprintf(labelsFor(country).creditComment, number)
}

// legacyCreditComment is the English comment credit invoices were once
// issued with; it is not printed, as it is not in the invoice's language.
func legacyCreditComment(number int64) string {
	return "Credit of invoice " + strconv.FormatInt(number, 10)
}

// orgNumber returns an organization number of a party in country as it is
// printed: a valid Swedish number in its display form with the hyphen after
// the sixth digit (556016-0680, by nordic.ParseSwedishID, from 5560160680
// or 165560160680 too); anything else as written. Norwegian numbers keep
// the merchant's form.
func orgNumber(s string, country core.Country) string {
	if country != core.Sweden {
		return s
	}
	id, err := nordic.ParseSwedishID(s)
	if err != nil {
		return s
	}
	return id.Display
}

// buyerCountry is the country of the buyer's billing address when it names
// Sweden or Norway, else home.
func buyerCountry(b core.Customer, home core.Country) core.Country {
	if c := core.Country(strings.ToUpper(strings.TrimSpace(b.BillingAddress.Country))); c.Valid() {
		return c
	}
	return home
}
