// Package nordic checks Swedish and Norwegian identifiers and payment
// references: organization numbers, personnummer and samordningsnummer, VAT
// numbers, Bankgirot OCR references, Norwegian KID, Bankgiro and Plusgiro
// numbers, Norwegian bank account numbers (kontonummer), IBAN and BIC, the
// GS1 GLN used in Peppol addresses, Peppol participant identifiers
// (ParseParticipantID), and the EU: its member states (IsEUMember,
// IsEEAMember) and the shape of their VAT numbers (ValidateBuyerVATNumber).
//
// The rules come from the project's research notes
// (shared/research/nordic-rules.md §2, §3.1–3.3) and, where Peppol BIS
// Billing 3.0 states them, from its national rules (SE-R-001…013, NO-R-001,
// PEPPOL-COMMON-R041/R049). Each function's doc comment names the rule it
// implements.
//
// Errors are plain error values, not *core.Error: this package knows nothing
// of request fields. Every error wraps one of the Err* sentinels below, so a
// caller can branch with errors.Is, and its text is a short phrase meant to be
// used as a core.FieldError message ("check digit does not match",
// "not a date: there is no 1900-02-29", ...). Callers wrap it into a field
// error with code invalid.
//
// The package uses only the standard library.
package nordic

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them.
var (
	// ErrEmpty: the input is empty or only white space.
	ErrEmpty = errors.New("is empty")
	// ErrCharacters: the input holds a character the format does not allow.
	ErrCharacters = errors.New("contains a character that is not allowed")
	// ErrLength: the input has too few or too many digits.
	ErrLength = errors.New("has the wrong number of digits")
	// ErrFormat: the digits are there but arranged wrongly (separator in the
	// wrong place, wrong prefix or suffix, a number range never issued).
	ErrFormat = errors.New("is not in the expected format")
	// ErrDate: a personnummer or samordningsnummer does not hold a real
	// calendar date, or the date lies in the future.
	ErrDate = errors.New("not a date")
	// ErrCheckDigit: the check digit does not match the other digits.
	ErrCheckDigit = errors.New("check digit does not match")
	// ErrLengthDigit: the length digit of an OCR reference does not match
	// the reference's length.
	ErrLengthDigit = errors.New("length digit does not match the length")
	// ErrCountry: the country is not one the function supports (SE and NO
	// for identity numbers; the EU member states, NO, GB and CH for a
	// buyer's VAT number).
	ErrCountry = errors.New("country not supported")
	// ErrScheme: a Peppol participant identifier names an identifier
	// scheme (ICD) ParseParticipantID does not check.
	ErrScheme = errors.New("identifier scheme not supported")
	// ErrOtherCountry: a valid number of another country than the one
	// asked for (a Norwegian VAT number of a Swedish company).
	ErrOtherCountry = errors.New("belongs to another country")
	// ErrMismatch: a valid number that is not derived from the number it
	// must go with (a VAT number that is not the organization number's).
	ErrMismatch = errors.New("does not match the organization number")
)
