package nordic

import (
	"fmt"
	"strconv"
	"strings"
)

// InvoiceReference returns the payment reference printed on an invoice with
// the given invoice number, for a seller in country "SE" or "NO" (case and
// surrounding space ignored):
//
//   - SE: a Bankgirot OCR reference with length digit and check digit built
//     from the invoice number (NewOCR(number, true); research notes §2.3).
//     The length digit is included because such a reference passes both
//     agreement levels a payee commonly has with Bankgirot: "check digit
//     only" (the whole reference is Luhn-valid) and "check digit + length
//     digit, variable length". It also lets the bank catch a dropped or
//     doubled digit that the Luhn check alone can miss. A payee with a
//     fixed-length OCR agreement needs its own padding.
//   - NO: a KID with MOD10 check digit (NewKIDMod10(number); research notes
//     §3.3). MOD10 is chosen because it always ends in a digit, whereas
//     MOD11 ends in '-' for about one base in eleven, which numeric payment
//     forms and some agreements reject. A payee whose bank agreement is
//     MOD11 should call NewKIDMod11 instead.
//
// Errors wrap ErrFormat when invoiceNumber is not positive, ErrCountry for
// other countries, or ErrLength if the reference would exceed 25 digits
// (which int64 cannot reach).
func InvoiceReference(country string, invoiceNumber int64) (string, error) {
	if invoiceNumber <= 0 {
		return "", fmt.Errorf("%w: invoice number %d is not positive", ErrFormat, invoiceNumber)
	}
	base := strconv.FormatInt(invoiceNumber, 10)
	switch strings.ToUpper(strings.TrimSpace(country)) {
	case "SE":
		return NewOCR(base, true)
	case "NO":
		return NewKIDMod10(base)
	default:
		return "", fmt.Errorf("%w: %q (want SE or NO)", ErrCountry, country)
	}
}
