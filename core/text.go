package core

import (
	"unicode"
	"unicode/utf8"
)

// Maximum lengths of the text fields of every request, in characters
// (Unicode code points, as JSON Schema's maxLength counts them). They are
// what a Nordic accounting user expects (Fortnox, Visma and Tripletex allow
// about the same) and keep every stored row small, so a page of a list
// fits one plugin message. httpapi/openapi.json documents the same
// numbers as maxLength; a test there checks they agree.
const (
	MaxNameLength                = 200  // customer and company names
	MaxAPIKeyNameLength          = 100  // an API key's name ("Register 2")
	MaxOrganizationNumberLength  = 20   // organisationsnummer, personnummer, organisasjonsnummer
	MaxVATNumberLength           = 20   // SE556016068001, NO123456789MVA, CHE123456789MWST
	MaxPeppolIDLength            = 80   // "0007:5560160680", typed with "iso6523-actorid-upis::" at most
	MaxBuyerReferenceLength      = 200  // BT-10, a public buyer's reference
	MaxEmailLength               = 254  // RFC 5321's path limit
	MaxPhoneLength               = 50   // a phone number with extension
	MaxAddressLineLength         = 200  // billing_address.line1, line2
	MaxPostalCodeLength          = 20   // "211 19", "0150"
	MaxCityLength                = 100  // billing_address.city
	MaxCountryLength             = 2    // ISO 3166-1 alpha-2
	MaxIDLength                  = 100  // identifiers: customer_id, invoice_id, location_id ...
	MaxReceiptIDLength           = 255  // a register's receipt_id (charges and sales)
	MaxPaymentMethodLength       = 50   // a sales receipt's payment method
	MaxReferenceLength           = 100  // "your reference" on an invoice
	MaxCommentLength             = 1000 // an invoice's comment (multi-line)
	MaxPurchaseInstructionLen    = 1000 // a customer's purchase instruction (multi-line)
	MaxLineDescriptionLength     = 500  // an invoice line's description
	MaxProductGroupLength        = 100  // an invoice line's product group
	MaxInvoiceTextLength         = 500  // late_interest_text, payment_reference_text (multi-line)
	MaxGiroLength                = 20   // bankgiro, plusgiro as typed
	MaxBankAccountLength         = 20   // a Norwegian kontonummer as typed: "1234.56.78903"
	MaxIBANLength                = 42   // 34 characters in groups of four: "SE45 5000 0000 0583 9825 7466"
	MaxBICLength                 = 11   // "NDEASESSXXX"
	MaxSearchLength              = 200  // the q of a customer search
	MaxCredentialLength          = 4096 // one credential value (a token or key)
	MaxMappingKeyLength          = 100  // a payment method or product group in a mapping
	MaxAccountLength             = 20   // an account number in a mapping
	MaxLedgerAccountNameLength   = 100  // a new ledger account's name (Visma Spiris's limit)
	MaxLedgerAccountNumberLength = 4    // a new ledger account's number (BAS, NS 4102)
)

// TextError checks a text field of a request: at most max characters and
// no control characters (NUL, escapes, DEL, C1 ...) except, when multiline,
// tab, newline and carriage return. It returns the field error naming
// field, or nil. Invalid UTF-8 is refused too: a provider's gRPC message
// cannot carry it.
func TextError(field, s string, max int, multiline bool) *FieldError {
	if msg := textProblem(s, max, multiline); msg != "" {
		return &FieldError{Field: field, Message: msg}
	}
	return nil
}

// textProblem is TextError's check without the field: the message, or ""
// for a good text. It reads s once, and allocates nothing for a good
// text, so a caller on the charge path can name the field (lines[i]...)
// only when there is something to say. Invalid UTF-8 is reported before
// length, and length before control characters.
func textProblem(s string, max int, multiline bool) string {
	n, control := 0, false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return "must be valid UTF-8"
			}
		}
		n++
		if control || multiline && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		control = unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}
	switch {
	case n > max:
		return "must be at most " + itoa(max) + " characters"
	case control && multiline:
		return "must not contain control characters other than tab and newline"
	case control:
		return "must not contain control characters"
	}
	return ""
}

// text adds TextError's answer, if any, to errs.
func (f *fieldErrors) text(field, s string, max int, multiline bool) {
	if e := TextError(field, s, max, multiline); e != nil {
		*f = append(*f, *e)
	}
}

// CheckText is TextError for callers outside core that collect
// FieldErrors: it appends to errs and returns it.
func CheckText(errs []FieldError, field, s string, max int, multiline bool) []FieldError {
	if e := TextError(field, s, max, multiline); e != nil {
		errs = append(errs, *e)
	}
	return errs
}
