package core

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DeliveryNote is the printable note the register hands the customer with a
// charge by invoice: what was bought, for whom, and how it will be billed.
// Text is laid out for a 42-column receipt printer.
//
// With the built-in invoicing it is a delivery note (seed 000). When the
// invoice is made by the merchant's accounting system (a provider that owns
// the customers: Visma Spiris, Tripletex) it is a pro forma, since the
// invoice itself comes from that system: a pro forma invoice in Sweden (seed
// 001), a pro forma receipt in Norway (seed 002), stating that it is not
// the invoice and who sends it. Its amounts are those of the invoice the
// provider made (which may round VAT otherwise than the register), so the
// VAT printed is the VAT invoiced.
type DeliveryNote struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

const noteWidth = 42

type noteLabels struct {
	title, customer, billTo, reference, comment, instruction, vat, total, invoice, due, collected string
	proForma, notInvoice, net, rounding                                                           string
}

var noteLabelsByCountry = map[Country]noteLabels{
	Sweden: {"FÖLJESEDEL", "Kund", "Faktureras", "Er referens", "Meddelande", "Köpinstruktion",
		"Varav moms", "Totalt", "Faktura nr", "Förfallodag", "Samlas på samlingsfaktura",
		"PROFORMAFAKTURA", "Detta är inte en faktura. Fakturan skickas från %s.", "Netto", "Öresavrundning"},
	Norway: {"FØLGESEDDEL", "Kunde", "Faktureres", "Deres referanse", "Melding", "Kjøpsinstruks",
		"Herav mva", "Totalt", "Faktura nr", "Forfallsdato", "Samles på samlefaktura",
		"PROFORMAKVITTERING", "Dette er ikke en faktura. Fakturaen sendes fra %s.", "Netto", "Øreavrunding"},
}

func deliveryNote(s session, buyer, billTo Customer, req ChargeRequest, priced PricedLines, res ChargeResult, today Date) *DeliveryNote {
	l, ok := noteLabelsByCountry[s.merchant.Country]
	if !ok {
		l = noteLabelsByCountry[Sweden]
	}
	var b strings.Builder
	line := func(left, right string) {
		pad := noteWidth - utf8.RuneCountInString(left) - utf8.RuneCountInString(right)
		if pad < 1 {
			pad = 1
		}
		b.WriteString(left + strings.Repeat(" ", pad) + right + "\n")
	}
	rule := strings.Repeat("-", noteWidth) + "\n"
	title := l.title
	proForma := s.desc.Capabilities.OwnsCustomers
	if proForma {
		title = l.proForma
	}
	// The amounts: the provider's invoice when one was made for this charge,
	// else (an order collected for a later invoice) the register's pricing.
	lines, breakdown, net, total, rounding := priced.Lines, priced.Breakdown, priced.Net, priced.Total, int64(0)
	if inv := res.Invoice; res.Status == ChargeInvoiced && inv != nil && len(inv.VATBreakdown) > 0 {
		breakdown, net, total, rounding = inv.VATBreakdown, inv.NetTotal, inv.Total, inv.Rounding
		if sameLines(inv.Lines, priced.Lines) {
			lines = make([]InvoiceLine, len(priced.Lines))
			for i, pl := range priced.Lines {
				lines[i] = pl
				lines[i].Total = inv.Lines[i].Total
			}
		}
	}
	company := s.settings.Company.Name
	if company == "" {
		company = s.merchant.Name
	}
	b.WriteString(center(title) + "\n" + center(company) + "\n")
	if s.settings.Company.OrganizationNumber != "" {
		b.WriteString(center(s.settings.Company.OrganizationNumber) + "\n")
	}
	b.WriteString(rule)
	line(string(today), "#"+req.ReceiptID)
	if buyer.Name != "" {
		name := buyer.Name
		if buyer.Number != "" {
			name += " (" + buyer.Number + ")"
		}
		line(l.customer+":", truncate(name, noteWidth-len(l.customer)-2))
	}
	if billTo.ID != buyer.ID {
		line(l.billTo+":", truncate(billTo.Name, noteWidth-len(l.billTo)-2))
	}
	if req.Reference != "" {
		line(l.reference+":", truncate(req.Reference, noteWidth-len(l.reference)-2))
	}
	if req.Comment != "" {
		line(l.comment+":", truncate(req.Comment, noteWidth-len(l.comment)-2))
	}
	if buyer.PurchaseInstruction != "" {
		b.WriteString(l.instruction + ": " + buyer.PurchaseInstruction + "\n")
	}
	b.WriteString(rule)
	for _, pl := range lines {
		b.WriteString(truncate(pl.Description, noteWidth) + "\n")
		line(fmt.Sprintf("  %s x %s", pl.Quantity.String(), FormatAmount(pl.UnitPrice)), FormatAmount(pl.Total))
	}
	b.WriteString(rule)
	if proForma {
		line(l.net, FormatAmount(net))
	}
	for _, v := range breakdown {
		line(fmt.Sprintf("%s %s %%", l.vat, v.VATRate.String()), FormatAmount(v.VAT))
	}
	if rounding != 0 {
		line(l.rounding, FormatAmount(rounding))
	}
	line(l.total+" "+string(s.merchant.Currency), FormatAmount(total+rounding))
	b.WriteString(rule)
	switch {
	case res.Status == ChargeCollected:
		b.WriteString(l.collected + "\n")
		if res.Invoice != nil {
			line(l.invoice, itoa(int(res.Invoice.Number)))
		}
	case res.Invoice != nil:
		line(l.invoice, itoa(int(res.Invoice.Number)))
		line(l.due, string(res.Invoice.DueDate))
	}
	if proForma {
		b.WriteString(rule)
		b.WriteString(wrap(fmt.Sprintf(l.notInvoice, s.desc.DisplayName), noteWidth))
	}
	return &DeliveryNote{Title: title, Text: b.String()}
}

// sameLines reports whether the provider's invoice lines are the charge's
// lines in order (same descriptions and quantities), so their totals can be
// printed against the register's lines.
func sameLines(inv, priced []InvoiceLine) bool {
	if len(inv) != len(priced) {
		return false
	}
	for i := range inv {
		if inv[i].Description != priced[i].Description || !inv[i].Quantity.Equal(priced[i].Quantity) {
			return false
		}
	}
	return true
}

// wrap breaks text into lines of at most width runes at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	cur := ""
	for _, w := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= width:
			cur += " " + w
		default:
			b.WriteString(truncate(cur, width) + "\n")
			cur = w
		}
	}
	if cur != "" {
		b.WriteString(truncate(cur, width) + "\n")
	}
	return b.String()
}

func center(s string) string {
	n := utf8.RuneCountInString(s)
	if n >= noteWidth {
		return truncate(s, noteWidth)
	}
	return strings.Repeat(" ", (noteWidth-n)/2) + s
}

func truncate(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
