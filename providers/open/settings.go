package open

import (
	"encoding/json"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// invoiceSettings reads the merchant's invoice settings from the connection
// (core.SettingInvoiceSettings, JSON of core.InvoiceSettings). Absent
// settings are the zero settings. Errors: CodeInvalid naming
// invoice_settings when the JSON is malformed.
func invoiceSettings(conn core.Connection) (core.InvoiceSettings, error) {
	var s core.InvoiceSettings
	raw := strings.TrimSpace(conn.Settings[core.SettingInvoiceSettings])
	if raw == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return core.InvoiceSettings{}, core.Invalid("invalid invoice settings", core.FieldError{
			Field: core.SettingInvoiceSettings, Message: "is not invoice settings JSON: " + err.Error()})
	}
	return s, nil
}

// postingRules are what the connection decides about every posted invoice:
// where its series starts, the country of its payment reference and of the
// law it must follow, the seller it names and whether its amount to pay is
// rounded to whole kronor.
type postingRules struct {
	start   int64
	country core.Country
	seller  core.InvoiceSettings
	round   bool
}

// lawful refuses to post inv to buyer (the invoiced customer) when it
// lacks an item the law requires of it or charges VAT from a seller
// without a VAT number (core.CheckInvoiceContent). Every path that numbers
// an invoice calls it inside its write, after the customer is resolved and
// before the number is taken, so a refusal stores nothing and consumes no
// number. Errors: CodeInvalid naming each missing item.
func (r postingRules) lawful(buyer core.Customer, inv core.Invoice) error {
	return core.CheckInvoiceContent(r.country, r.seller, buyer, inv)
}

// rulesOf reads the posting rules from the connection. Errors: CodeInvalid
// naming invoice_start_number or invoice_settings.
func rulesOf(conn core.Connection) (postingRules, error) {
	start, err := startNumber(conn)
	if err != nil {
		return postingRules{}, err
	}
	s, err := invoiceSettings(conn)
	if err != nil {
		return postingRules{}, err
	}
	return postingRules{start: start, country: conn.Country, seller: s, round: s.RoundToWholeKronor}, nil
}

// rounding is the öresavrundning of total in currency: when round is set and
// the currency is SEK, the amount that makes total+rounding whole kronor
// (1–49 öre round down, 50–99 up; a negative total is rounded as the mirror
// image of its positive, so a credit rounds to the exact negative of its
// invoice). Otherwise 0. VAT is never rounded.
func rounding(total int64, currency core.Currency, round bool) int64 {
	if !round || currency != core.Sweden.Currency() {
		return 0
	}
	abs := total
	if abs < 0 {
		abs = -abs
	}
	adj := -(abs % 100)
	if abs%100 >= 50 {
		adj = 100 - abs%100
	}
	if total < 0 {
		return -adj
	}
	return adj
}

// ocrOf is the payment reference of invoice number n of a merchant in
// country: a Swedish OCR number with length and check digit, or a Norwegian
// KID (MOD10); see nordic.InvoiceReference. It is "" for a country without
// a reference scheme or an unnumbered invoice.
func ocrOf(country core.Country, n int64) string {
	if n <= 0 {
		return ""
	}
	ref, err := nordic.InvoiceReference(string(country), n)
	if err != nil {
		return ""
	}
	return ref
}
