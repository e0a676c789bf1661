// Package ubl writes the built-in invoicing's invoices and credit invoices
// as UBL 2.1 e-invoices conforming to PEPPOL BIS Billing 3.0, and so to
// EN 16931: the format public buyers in Sweden and Norway require (in
// Norway it is called EHF Billing 3.0, which adds no rules of its own; the
// Norwegian rules live in the Peppol rule set).
//
// Amounts are the invoice's own, never recomputed: the line net amounts,
// the VAT per rate, the totals and the öresavrundning are the figures the
// PDF prints, so the two reconcile to the öre. Tests validate every
// document against the UBL 2.1 XSD and the CEN and Peppol schematron rules
// (package ubltest).
package ubl

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// ContentType is the media type of a UBL document.
const ContentType = "application/xml"

// Document is what an e-invoice is written from: the posted invoice or
// credit invoice and the parties as they stand. The invoice's
// VATTreatment decides the VAT categories; the parties' PeppolID (or
// organization number, see core.ParticipantID) their electronic
// addresses; the buyer's VATNumber and BuyerReference are carried as
// BT-48 and BT-10.
type Document struct {
	Invoice core.Invoice
	// OriginalDate is the issue date of the invoice a credit invoice
	// credits (BT-26); optional.
	OriginalDate core.Date
	Seller       core.InvoiceSettings
	Buyer        core.Customer
	// Country is the seller's country: it picks the national rules,
	// identifier schemes and the language of the texts.
	Country core.Country
}

// FileName is the name a document of inv is served under, e.g.
// "faktura-1001.xml" or "kreditfaktura-1002.xml" in Sweden (the PDF's
// name with .xml).
func FileName(inv core.Invoice, country core.Country) string {
	return core.InvoiceFileName(inv, country, ".xml")
}

// Build writes d as a UBL 2.1 Invoice (type code 380) or, for a credit
// invoice, a CreditNote (381) whose amounts are the credit's, positive.
//
// It guarantees a document the XSD accepts; whether the Peppol rules do
// depends on the data, which Build checks where a rule would otherwise
// fail for a reason the merchant can fix.
//
// Errors: CodeConflict for a draft or void invoice (no number, or never
// issued); CodeInvalid naming the missing or malformed item:
// invoice_settings.company.name, invoice_settings.peppol_id (no
// electronic address and no organization number to derive it from),
// customer.peppol_id likewise for the buyer, customer.billing_address.country
// when it is not an ISO 3166 code.
func Build(d Document) ([]byte, error) {
	inv := d.Invoice
	if inv.Status == core.StatusDraft || inv.Number == 0 {
		return nil, core.Errorf(core.CodeConflict, "a draft has no invoice number yet; post it before it can be sent as an e-invoice")
	}
	if inv.Status == core.StatusVoid {
		return nil, core.Errorf(core.CodeConflict, "a void invoice was never issued, so it has no e-invoice")
	}
	w := writer{d: d, l: textsFor(d.Country), cur: string(inv.Currency), t: inv.VATTreatment.OrDefault()}
	if w.cur == "" {
		w.cur = string(d.Country.Currency())
	}
	credit := inv.Kind == core.KindCredit
	// A credit invoice stores its amounts negative; a CreditNote states
	// them positive.
	w.sign = 1
	if credit {
		w.sign = -1
	}
	doc := document{
		NS:              nsInvoice,
		NSCAC:           nsCAC,
		NSCBC:           nsCBC,
		CustomizationID: CustomizationID,
		ProfileID:       ProfileID,
		ID:              strconv.FormatInt(inv.Number, 10),
		IssueDate:       string(inv.InvoiceDate),
		Currency:        w.cur,
		Note:            oneLine(inv.Comment),
	}
	if credit {
		doc.XMLName = xml.Name{Local: "CreditNote"}
		doc.NS = nsCreditNote
		doc.CreditNoteTypeCode = "381"
		if inv.CreditsInvoiceNumber != 0 {
			doc.BillingReference = &billingReference{ID: strconv.FormatInt(inv.CreditsInvoiceNumber, 10), IssueDate: string(d.OriginalDate)}
		}
	} else {
		doc.XMLName = xml.Name{Local: "Invoice"}
		doc.InvoiceTypeCode = "380"
		doc.DueDate = string(inv.DueDate)
	}
	// BT-10: the buyer's own reference, else the invoice's, else the
	// customer number, since Peppol requires one (PEPPOL-EN16931-R003).
	doc.BuyerReference = firstNonEmpty(d.Buyer.BuyerReference, inv.Reference, d.Buyer.Number, d.Buyer.ID)
	if len(doc.BuyerReference) > 200 {
		doc.BuyerReference = doc.BuyerReference[:200]
	}
	var err error
	if doc.Supplier, err = w.seller(); err != nil {
		return nil, err
	}
	if doc.Customer, err = w.buyer(); err != nil {
		return nil, err
	}
	doc.Delivery = &delivery{Date: string(inv.InvoiceDate)}
	if w.t == core.TreatmentIntraCommunitySupply {
		// BR-IC-12: the deliver-to country is required; the goods go to
		// the buyer's address.
		a := doc.Customer.Address
		doc.Delivery.Location = &a
	}
	if !credit && inv.AmountDue() > 0 {
		doc.PaymentMeans = w.paymentMeans()
		doc.PaymentTerms = w.paymentTerms()
	}
	doc.TaxTotal = w.taxTotal()
	doc.Totals = monetaryTotal{
		LineExtension: w.amount(inv.NetTotal),
		TaxExclusive:  w.amount(inv.NetTotal),
		TaxInclusive:  w.amount(inv.NetTotal + inv.VATTotal),
		Payable:       w.amount(inv.AmountDue()),
	}
	if inv.Rounding != 0 {
		r := w.amount(inv.Rounding)
		doc.Totals.Rounding = &r
	}
	lines := w.lines()
	if credit {
		doc.CreditNoteLines = lines
	} else {
		doc.InvoiceLines = lines
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, core.Errorf(core.CodeInternal, "writing the e-invoice: %v", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// writer holds what every part of one document needs.
type writer struct {
	d    Document
	l    texts
	t    core.VATTreatment
	cur  string
	sign int64
}

func (w writer) amount(minor int64) amount {
	return amount{Currency: w.cur, Value: formatMinor(minor * w.sign)}
}

// formatMinor writes minor units as a decimal with two places: -115700 →
// "-1157.00".
func formatMinor(minor int64) string {
	return decimal.New(minor, -2).StringFixed(2)
}

// seller is the AccountingSupplierParty (BG-4).
func (w writer) seller() (party, error) {
	s := w.d.Seller
	c := s.Company
	if strings.TrimSpace(c.Name) == "" {
		return party{}, core.Invalid("the invoice settings are incomplete", core.FieldError{Field: "invoice_settings.company.name",
			Message: "is required on every invoice: fill in the company details in the invoice settings"})
	}
	org := legalNumber(string(w.d.Country), c.OrganizationNumber)
	endpoint, err := electronicAddress(core.SellerParticipantID(s, w.d.Country), "invoice_settings.peppol_id",
		"the seller's electronic address is needed: set it (peppol_id) or the organization number in the invoice settings")
	if err != nil {
		return party{}, err
	}
	p := party{
		Endpoint:    endpoint,
		Name:        strings.TrimSpace(c.Name),
		Address:     postalAddress(c.Address, string(w.d.Country)),
		LegalEntity: legalEntity{Name: strings.TrimSpace(c.Name)},
	}
	if org != "" {
		p.LegalEntity.CompanyID = &identifier{Value: org}
	}
	if vat := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(c.VATNumber), " ", "")); vat != "" {
		p.TaxSchemes = append(p.TaxSchemes, partyTax{CompanyID: vat, Scheme: "VAT"})
	}
	switch {
	case w.d.Country == core.Sweden && s.FTaxApproved:
		// SE-R-005: the F-skatt approval is stated with exactly this text.
		p.TaxSchemes = append(p.TaxSchemes, partyTax{CompanyID: "Godkänd för F-skatt", Scheme: "TAX"})
	case w.d.Country == core.Norway && s.RegisteredInForetaksregisteret:
		// NO-R-002: "Foretaksregisteret" for sellers registered there.
		p.TaxSchemes = append(p.TaxSchemes, partyTax{CompanyID: "Foretaksregisteret", Scheme: "TAX"})
	}
	if ct := (contact{Telephone: strings.TrimSpace(c.Phone), Email: strings.TrimSpace(c.Email)}); ct != (contact{}) {
		p.Contact = &ct
	}
	return p, nil
}

// buyer is the AccountingCustomerParty (BG-7).
func (w writer) buyer() (party, error) {
	b := w.d.Buyer
	country, err := countryCode(b.BillingAddress.Country, string(w.d.Country))
	if err != nil {
		return party{}, err
	}
	org := legalNumber(country, b.OrganizationNumber)
	endpoint, err := electronicAddress(core.BuyerParticipantID(b, w.d.Country), "customer.peppol_id",
		"the customer's electronic address (Peppol participant id) is needed to send an e-invoice")
	if err != nil {
		return party{}, err
	}
	name := strings.TrimSpace(b.Name)
	if name == "" {
		name = strings.TrimSpace(w.d.Invoice.CustomerName)
	}
	p := party{
		Endpoint:    endpoint,
		Name:        name,
		Address:     postalAddress(b.BillingAddress, country),
		LegalEntity: legalEntity{Name: name},
	}
	if org != "" {
		p.LegalEntity.CompanyID = &identifier{Value: org}
	}
	// BR-O-02: a sale outside the scope of VAT names no buyer VAT number.
	if vat := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(b.VATNumber), " ", "")); vat != "" && w.category(decimal.Zero).ID != "O" {
		p.TaxSchemes = append(p.TaxSchemes, partyTax{CompanyID: vat, Scheme: "VAT"})
	}
	ct := contact{Name: oneLine(w.d.Invoice.Reference), Telephone: strings.TrimSpace(b.Phone), Email: strings.TrimSpace(b.Email)}
	if ct != (contact{}) {
		p.Contact = &ct
	}
	return p, nil
}

// paymentMeans lists each account the seller is paid to (BG-16), with the
// invoice's OCR or KID as the payment reference: Bankgiro and Plusgiro
// as Swedish credit transfers (code 30 with SE:BANKGIRO / SE:PLUSGIRO,
// SE-R-007 to SE-R-012), a Norwegian account number, then IBAN and BIC.
func (w writer) paymentMeans() []paymentMeans {
	s := w.d.Seller
	ref := w.d.Invoice.OCR
	var out []paymentMeans
	add := func(id, branchID string) {
		acct := &payeeAccount{ID: id, Name: strings.TrimSpace(s.Company.Name)}
		if branchID != "" {
			acct.Branch = &branch{ID: branchID}
		}
		out = append(out, paymentMeans{Code: "30", ID: ref, Account: acct})
	}
	if bg := nordic.Digits(s.Bankgiro); bg != "" {
		add(bg, "SE:BANKGIRO")
	}
	if pg := nordic.Digits(s.Plusgiro); pg != "" {
		add(pg, "SE:PLUSGIRO")
	}
	if acct := nordic.Digits(s.BankAccount); acct != "" {
		add(acct, "")
	}
	if iban := strings.ToUpper(strings.ReplaceAll(s.IBAN, " ", "")); iban != "" {
		add(iban, strings.ToUpper(strings.TrimSpace(s.BIC)))
	}
	return out
}

// paymentTerms is the due date and the late-interest text (BT-20).
func (w writer) paymentTerms() *note {
	parts := []string{}
	if w.d.Invoice.DueDate != "" {
		parts = append(parts, fmt.Sprintf(w.l.dueDate, w.d.Invoice.DueDate))
	}
	if t := oneLine(w.d.Seller.LateInterestText); t != "" {
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return nil
	}
	return &note{Note: strings.Join(parts, ". ")}
}

// taxTotal is the VAT total and its breakdown per category and rate
// (BG-23), the invoice's own figures.
func (w writer) taxTotal() taxTotal {
	inv := w.d.Invoice
	t := taxTotal{Amount: w.amount(inv.VATTotal)}
	type key struct{ cat, rate string }
	index := map[key]int{}
	for _, v := range breakdown(inv) {
		cat := w.category(v.VATRate)
		k := key{cat.ID, cat.Percent}
		i, ok := index[k]
		if !ok {
			i = len(t.Subtotals)
			index[k] = i
			t.Subtotals = append(t.Subtotals, taxSubtotal{Category: w.withReason(cat)})
		}
		t.Subtotals[i].Taxable.Value = addMinor(t.Subtotals[i].Taxable.Value, v.Net*w.sign)
		t.Subtotals[i].Amount.Value = addMinor(t.Subtotals[i].Amount.Value, v.VAT*w.sign)
		t.Subtotals[i].Taxable.Currency, t.Subtotals[i].Amount.Currency = w.cur, w.cur
	}
	return t
}

// breakdown is the invoice's VAT per rate, or one computed from its lines
// when an older invoice has none stored.
func breakdown(inv core.Invoice) []core.VATAmount {
	if len(inv.VATBreakdown) > 0 {
		return inv.VATBreakdown
	}
	var out []core.VATAmount
	for _, ln := range inv.Lines {
		found := false
		for i := range out {
			if out[i].VATRate.Equal(ln.VATRate) {
				out[i].Net += ln.Net
				out[i].VAT += ln.VAT
				found = true
			}
		}
		if !found {
			out = append(out, core.VATAmount{VATRate: ln.VATRate, Net: ln.Net, VAT: ln.VAT})
		}
	}
	return out
}

// addMinor adds minor units to a two-place decimal string ("" is 0).
func addMinor(s string, minor int64) string {
	sum := decimal.New(minor, -2)
	if s != "" {
		sum = sum.Add(decimal.RequireFromString(s))
	}
	return sum.StringFixed(2)
}

// category is the VAT category (UNCL 5305) of a line at rate, by the
// invoice's treatment: O when the seller has no VAT number (is not
// registered, so charges none), AE/K/G for the zero-VAT treatments, S for
// a domestic rate, Z for a domestic 0 %.
func (w writer) category(rate decimal.Decimal) taxCategory {
	c := taxCategory{Scheme: "VAT"}
	switch {
	case strings.TrimSpace(w.d.Seller.Company.VATNumber) == "" && w.d.Invoice.VATTotal == 0:
		c.ID = "O" // BR-O-05: no rate
		return c
	case w.t.Category() != "":
		c.ID = w.t.Category() // AE, K or G
	case rate.IsZero():
		c.ID = "Z"
	default:
		c.ID = "S"
	}
	c.Percent = core.FormatVATRate(rate) // "25", "6", "12.5"
	return c
}

// withReason adds the exemption reason the breakdown of a zero-VAT
// category must give (BR-AE-10, BR-IC-10, BR-G-10, BR-O-10), in the
// invoice's language, with its VATEX code.
func (w writer) withReason(c taxCategory) taxCategory {
	switch {
	case c.ID == "O":
		c.ExemptionReasonCode, c.ExemptionReason = "VATEX-EU-O", w.l.notSubject
	case c.ID == w.t.Category():
		// The statement the PDF prints too.
		c.ExemptionReasonCode = w.t.ExemptionReasonCode()
		c.ExemptionReason = w.t.Statement(w.d.Country, w.d.Country.Language())
	}
	return c
}

// lines are the invoice lines (BG-25): quantity, net amount, the net
// price per unit (BT-146, never negative: BR-27) and the VAT category.
// The price is the line's net amount divided by its quantity to six
// places, so quantity × price reproduces the net amount within the
// 0.02 Peppol allows (PEPPOL-EN16931-R120).
func (w writer) lines() []line {
	out := make([]line, 0, len(w.d.Invoice.Lines))
	for i, ln := range w.d.Invoice.Lines {
		qty := ln.Quantity.Mul(decimal.NewFromInt(w.sign))
		net := ln.Net * w.sign
		price := decimal.Zero
		if !qty.IsZero() {
			price = decimal.New(net, -2).DivRound(qty, 6)
		}
		if price.IsNegative() {
			// A negative line (a discount, a returned item) keeps a
			// positive price with a negative quantity.
			qty, price = qty.Neg(), price.Neg()
		}
		name := oneLine(ln.Description)
		if name == "" {
			name = oneLine(ln.ProductGroup)
		}
		l := line{
			ID:    strconv.Itoa(i + 1),
			Net:   amount{Currency: w.cur, Value: formatMinor(net)},
			Item:  item{Name: name, TaxCategory: w.category(ln.VATRate)},
			Price: amount{Currency: w.cur, Value: trimPrice(price)},
		}
		q := &quantity{Unit: "EA", Value: qty.String()}
		if w.sign < 0 {
			l.CreditedQuantity = q
		} else {
			l.InvoicedQuantity = q
		}
		out = append(out, l)
	}
	return out
}

// trimPrice writes a price with at least two and at most six decimals.
func trimPrice(d decimal.Decimal) string {
	s := d.StringFixed(6)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// electronicAddress is a party's EndpointID from its participant id
// (core.ParticipantID). Errors: CodeInvalid naming field, with missing as
// the message, when there is none; saying it is malformed when it has no
// "scheme:value" shape.
func electronicAddress(id, field, missing string) (identifier, error) {
	if id == "" {
		return identifier{}, core.Invalid("an e-invoice cannot be addressed", core.FieldError{Field: field, Message: missing})
	}
	scheme, value, ok := strings.Cut(id, ":")
	if !ok || scheme == "" || value == "" {
		return identifier{}, core.Invalid("the electronic address is malformed", core.FieldError{Field: field,
			Message: "must be a Peppol participant id scheme:value, like 0007:5560160680"})
	}
	return identifier{Scheme: scheme, Value: value}, nil
}

// legalNumber is a Swedish or Norwegian organization number as Peppol
// wants it (digits only: SE-R-003, PEPPOL-COMMON-R049/R041), or the text
// as written for other countries; "" when empty.
func legalNumber(country, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if n, err := nordic.ValidateOrganizationNumber(country, s); err == nil {
		return n
	}
	return s
}

// postalAddress is a party's address; the country is an ISO code (the
// caller checked it) defaulting to home.
func postalAddress(a core.Address, home string) address {
	country, err := countryCode(a.Country, home)
	if err != nil {
		country = home
	}
	return address{
		Street:     oneLine(a.Line1),
		Additional: oneLine(a.Line2),
		City:       oneLine(a.City),
		PostalZone: oneLine(a.PostalCode),
		Country:    country,
	}
}

// countryCode is an address's ISO 3166-1 alpha-2 country (core.CountryCode).
//
// Errors: CodeInvalid naming customer.billing_address.country when it is
// neither empty, a code nor a Nordic name.
func countryCode(s, home string) (string, error) {
	if c, ok := core.CountryCode(s, home); ok {
		return c, nil
	}
	return "", core.Invalid("the customer's country is not a country code", core.FieldError{Field: "customer.billing_address.country",
		Message: "must be a two-letter ISO 3166 code, like SE or NO, for an e-invoice"})
}

// oneLine is s with its white space runs (line breaks too) made single
// spaces: UBL texts here are single fields.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = oneLine(s); s != "" {
			return s
		}
	}
	return ""
}
