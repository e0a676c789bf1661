package core

import "strings"

// InvoiceForm is what the law asks an invoice to carry: everything of a
// full invoice, or the few items of a simplified one.
type InvoiceForm string

// Invoice forms.
const (
	// FormFull is the full invoice: Sweden mervärdesskattelagen 17 kap.
	// 24 §, Norway bokføringsforskriften § 5-1-1 (research notes §1.1,
	// §3.2). Among what it needs of the merchant and the customer: the
	// seller's name and address (and, in Norway, organization number),
	// the seller's VAT number when VAT is charged, and the buyer's name
	// and address.
	FormFull InvoiceForm = "full"
	// FormSimplified is the Swedish förenklad faktura (research notes
	// §1.2): date of issue, identification of the seller, the kind of
	// goods or services and the VAT amount; an ändringsfaktura also names
	// the invoice it changes and what it changes.
	FormSimplified InvoiceForm = "simplified"
)

// SimplifiedInvoiceLimit is the largest total, including VAT, of a Swedish
// simplified invoice: 4 000 kr, in öre.
const SimplifiedInvoiceLimit int64 = 4000_00

// FormOf is the one place that decides which form a posted invoice of a
// seller in country must take:
//
//   - Sweden: simplified for a credit invoice (an ändringsfaktura) and for
//     an invoice in SEK whose total including VAT (Total: every line
//     counts, taxable or not; before öre rounding) is at most
//     SimplifiedInvoiceLimit; full otherwise, so also for any amount in
//     another currency, whose limit in kronor cannot be told here.
//   - Norway, and any other country: full. Norwegian law has no
//     simplified invoice, for credit notes either.
//
// A reverse-charge or intra-EU supply (and so its credit invoice) is
// always full: the simplified invoice may not be used for cross-border
// intra-EU transactions (research notes §1.2).
func FormOf(country Country, inv Invoice) InvoiceForm {
	if country != Sweden {
		return FormFull
	}
	switch inv.VATTreatment.OrDefault() {
	case TreatmentReverseCharge, TreatmentIntraCommunitySupply:
		return FormFull
	}
	if inv.Kind == KindCredit {
		return FormSimplified
	}
	if inv.Currency == Sweden.Currency() && inv.Total <= SimplifiedInvoiceLimit {
		return FormSimplified
	}
	return FormFull
}

// ChargesVAT reports whether the invoice puts any VAT on the customer: a
// VAT amount, or a line or breakdown row at a rate above zero (a 25 % line
// of 0,00 kr still says VAT is charged).
func (inv Invoice) ChargesVAT() bool {
	if inv.VATTotal != 0 {
		return true
	}
	for _, ln := range inv.Lines {
		if ln.VAT != 0 || !ln.VATRate.IsZero() {
			return true
		}
	}
	for _, v := range inv.VATBreakdown {
		if v.VAT != 0 || !v.VATRate.IsZero() {
			return true
		}
	}
	return false
}

// Complete reports whether the address can be printed as a postal address:
// a street line, a postal code and a city (the country defaults to the
// merchant's).
func (a Address) Complete() bool { return len(a.missing()) == 0 }

// missing names the parts of a postal address a lacks.
func (a Address) missing() []string {
	var out []string
	for _, p := range []struct{ name, v string }{{"line1", a.Line1}, {"postal_code", a.PostalCode}, {"city", a.City}} {
		if strings.TrimSpace(p.v) == "" {
			out = append(out, p.name)
		}
	}
	return out
}

// CheckInvoiceContent reports whether inv, about to be posted (given its
// number) by a seller in country with the invoice settings seller, to the
// invoiced customer buyer (the parent company when the invoice goes to
// it), carries every item the law requires of its form (FormOf), and that
// it charges VAT only from a seller with a VAT number.
//
// Every invoice needs the seller's name. An invoice (not a credit invoice)
// that charges VAT (ChargesVAT) needs the seller's VAT number: a seller
// without one is not VAT registered and may not charge VAT. A credit
// invoice may always give back VAT charged before. A full invoice also
// needs the seller's address and the buyer's name and billing address,
// and in Norway the seller's organization number.
//
// It returns nil, or CodeInvalid with a FieldError for every missing item,
// named where the merchant fixes it: invoice_settings.company.name,
// invoice_settings.company.vat_number,
// invoice_settings.company.organization_number,
// invoice_settings.company.address, customer.name and
// customer.billing_address. Items the invoice itself carries (date,
// number, lines) are the provider's to check.
func CheckInvoiceContent(country Country, seller InvoiceSettings, buyer Customer, inv Invoice) error {
	var errs fieldErrors
	co := seller.Company
	form := FormOf(country, inv)
	if strings.TrimSpace(co.Name) == "" {
		errs.add("invoice_settings.company.name", "is required: every invoice names the seller")
	}
	if inv.Kind == KindInvoice && inv.ChargesVAT() && strings.TrimSpace(co.VATNumber) == "" {
		errs.add("invoice_settings.company.vat_number",
			"is required to charge VAT: a seller without a VAT number may not put VAT on an invoice (give the VAT number in the invoice settings, or invoice at VAT rate 0)")
	}
	if form == FormFull {
		if country == Norway && strings.TrimSpace(co.OrganizationNumber) == "" {
			errs.add("invoice_settings.company.organization_number", "is required on a Norwegian invoice (bokføringsforskriften § 5-1-1)")
		}
		if m := co.Address.missing(); len(m) > 0 {
			errs.add("invoice_settings.company.address", "is incomplete (%s missing): a full invoice carries the seller's address", strings.Join(m, ", "))
		}
		if strings.TrimSpace(buyer.Name) == "" {
			errs.add("customer.name", "is required: a full invoice carries the buyer's name")
		}
		if m := buyer.BillingAddress.missing(); len(m) > 0 {
			errs.add("customer.billing_address", "is incomplete (%s missing): a full invoice carries the buyer's address", strings.Join(m, ", "))
		}
	}
	return Invalid(missingItemsMessage(form), errs...)
}

// missingItemsMessage is the message of CheckInvoiceContent's refusal.
func missingItemsMessage(form InvoiceForm) string {
	if form == FormFull {
		return "the invoice lacks what the law requires of a full invoice; nothing was posted"
	}
	return "the invoice lacks what the law requires of it; nothing was posted"
}
