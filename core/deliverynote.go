package core

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DeliveryNote is the printable note the register hands the customer with a
// charge by invoice: what was bought, for whom, and how it will be billed.
// Text is laid out for a 42-column receipt printer.
type DeliveryNote struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

const noteWidth = 42

type noteLabels struct {
	title, customer, billTo, reference, comment, instruction, vat, total, invoice, due, collected string
}

var noteLabelsByCountry = map[Country]noteLabels{
	Sweden: {"FÖLJESEDEL", "Kund", "Faktureras", "Er referens", "Meddelande", "Köpinstruktion",
		"Varav moms", "Totalt", "Faktura nr", "Förfallodag", "Samlas på samlingsfaktura"},
	Norway: {"FØLGESEDDEL", "Kunde", "Faktureres", "Deres referanse", "Melding", "Kjøpsinstruks",
		"Herav mva", "Totalt", "Faktura nr", "Forfallsdato", "Samles på samlefaktura"},
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
	company := s.settings.Company.Name
	if company == "" {
		company = s.merchant.Name
	}
	b.WriteString(center(l.title) + "\n" + center(company) + "\n")
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
	for _, pl := range priced.Lines {
		b.WriteString(truncate(pl.Description, noteWidth) + "\n")
		line(fmt.Sprintf("  %s x %s", pl.Quantity.String(), FormatAmount(pl.UnitPrice)), FormatAmount(pl.Total))
	}
	b.WriteString(rule)
	for _, v := range priced.Breakdown {
		line(fmt.Sprintf("%s %s %%", l.vat, v.VATRate.String()), FormatAmount(v.VAT))
	}
	line(l.total+" "+string(s.merchant.Currency), FormatAmount(priced.Total))
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
	return &DeliveryNote{Title: l.title, Text: b.String()}
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
