package core

import (
	"context"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// E-invoice document types: the root element of the UBL 2.1 document
// (PEPPOL BIS Billing 3.0 allows a credit invoice either as a CreditNote
// or as an Invoice with negative amounts; the type says which it is).
const (
	EInvoiceInvoice    = "invoice"     // <Invoice>
	EInvoiceCreditNote = "credit_note" // <CreditNote>
)

// E-invoice delivery statuses as shown on an invoice. They are the e-mail
// statuses: both go through an outbox with the same life cycle (package
// outbox). A queued e-invoice with a LastError failed temporarily and is
// retried; a failed one was refused for good (the access point rejected
// the document or the receiver) and is not retried until queued again.
const (
	EInvoiceQueued  = EmailQueued
	EInvoiceSending = EmailSending
	EInvoiceSent    = EmailSent
	EInvoiceFailed  = EmailFailed
)

// OutgoingEInvoice is an invoice or credit invoice to deliver as an
// e-invoice through the PEPPOL network.
type OutgoingEInvoice struct {
	MerchantID string
	InvoiceID  string
	// Sender and Receiver are PEPPOL participant identifiers, "scheme:value"
	// with the ISO 6523 ICD scheme, e.g. "0007:5560160680" (a Swedish
	// organisation number) or "0192:991825827" (a Norwegian one): the
	// seller's from the invoice settings, the customer's from the
	// customer. They must equal the document's seller and buyer
	// cbc:EndpointID (schemeID and value).
	Sender   string
	Receiver string
	// DocumentType is EInvoiceInvoice or EInvoiceCreditNote, matching the
	// document's root element.
	DocumentType string
	// Document is the UBL 2.1 XML (Provider.InvoiceUBL's Data).
	Document []byte
}

// EInvoiceStatus is the delivery state of an invoice's latest e-invoice.
type EInvoiceStatus struct {
	Status    string `json:"status"`
	LastError string `json:"last_error,omitempty"`
	// Receiver is the participant it was (or is to be) delivered to.
	Receiver string `json:"receiver,omitempty"`
}

// EInvoiceQueue durably queues e-invoices and reports their delivery;
// package einvoice implements it over a PEPPOL access point with retries.
type EInvoiceQueue interface {
	// Enqueue stores the e-invoice for delivery and returns once it is
	// durable; an unreachable access point never loses it. It is
	// idempotent per (MerchantID, InvoiceID, Receiver): an e-invoice
	// already queued, being sent or sent is left as it is and is not
	// delivered again; one that failed for good is queued again with this
	// Document. Errors: CodeInvalid naming the bad field (merchant_id,
	// invoice_id, sender, receiver, document_type, document),
	// CodeUnavailable.
	Enqueue(ctx context.Context, e OutgoingEInvoice) error
	// InvoiceEInvoiceStatus is the latest e-invoice's status for an
	// invoice; the zero value when none was queued. Errors:
	// CodeUnavailable, CodeInternal.
	InvoiceEInvoiceStatus(ctx context.Context, merchantID, invoiceID string) (EInvoiceStatus, error)
}

// ParticipantID is a party's PEPPOL electronic address ("scheme:value",
// EN 16931 BT-34/BT-49): peppolID when set, else one derived from the
// party's organization number where Peppol has a scheme for it: 0007 for
// a Swedish (Luhn-valid) number, 0192 for a Norwegian (MOD11-valid) one;
// country is the party's ISO 3166 country. It is "" when neither gives
// one. The seller's and buyer's e-invoice endpoints and the delivery's
// sender and receiver all come from here, so they always agree.
func ParticipantID(peppolID, country, orgNumber string) string {
	if id := strings.TrimSpace(peppolID); id != "" {
		return id
	}
	if strings.TrimSpace(orgNumber) == "" {
		return ""
	}
	n, err := nordic.ValidateOrganizationNumber(country, orgNumber)
	if err != nil {
		return ""
	}
	switch strings.ToUpper(strings.TrimSpace(country)) {
	case "SE":
		return "0007:" + n
	case "NO":
		return "0192:" + n
	}
	return ""
}

// CountryCode is an address's ISO 3166-1 alpha-2 country as an e-invoice
// states it: home when empty, a two-letter code upper-cased, and the
// Nordic countries' names as merchants write them ("Sverige", "Norge").
// ok is false for anything else.
func CountryCode(s, home string) (code string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return home, true
	}
	if len(s) == 2 && isASCIILetters(s) {
		return strings.ToUpper(s), true
	}
	switch strings.ToLower(s) {
	case "sverige", "sweden":
		return "SE", true
	case "norge", "noreg", "norway":
		return "NO", true
	case "danmark", "denmark":
		return "DK", true
	case "suomi", "finland":
		return "FI", true
	}
	return "", false
}

func isASCIILetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// BuyerParticipantID is the customer's Peppol electronic address as its
// e-invoice states it (ParticipantID by its billing country, the seller's
// home country when it has none); "" when it has none.
func BuyerParticipantID(c Customer, home Country) string {
	country, ok := CountryCode(c.BillingAddress.Country, string(home))
	if !ok {
		country = ""
	}
	return ParticipantID(c.PeppolID, country, c.OrganizationNumber)
}

// SellerParticipantID is the merchant's Peppol electronic address as its
// e-invoices state it; "" when it has none.
func SellerParticipantID(s InvoiceSettings, home Country) string {
	return ParticipantID(s.PeppolID, string(home), s.Company.OrganizationNumber)
}
