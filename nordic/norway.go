package nordic

import (
	"fmt"
	"strings"
	"unicode"
)

// ValidateNorwegianOrgNumber checks a Norwegian organisasjonsnummer
// (research notes §3.1, brreg.no; the same check as Peppol
// PEPPOL-COMMON-R041 for scheme 0192 and NO-R-001): 9 digits whose last is
// the MOD11 check digit over the first eight with weights 3,2,7,6,5,4,3,2.
// A remainder of 1 would need check digit 10, so no organization number
// exists with such a base.
//
// White space between digit groups ("991 825 827") is accepted and dropped;
// the returned number is the 9 digits. Errors wrap ErrEmpty, ErrCharacters
// (letters, dashes; also a whole VAT number "NO…MVA"), ErrLength or
// ErrCheckDigit.
func ValidateNorwegianOrgNumber(s string) (string, error) {
	d := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if err := requireDigits(d); err != nil {
		if strings.HasPrefix(strings.ToUpper(d), "NO") {
			return "", fmt.Errorf("%w: give the 9-digit organization number without NO and MVA", ErrCharacters)
		}
		return "", err
	}
	if len(d) != 9 {
		return "", fmt.Errorf("%w: %d digits, want 9", ErrLength, len(d))
	}
	if c := mod11Check(d[:8]); c == 10 || c != int(d[8]-'0') {
		return "", ErrCheckDigit
	}
	return d, nil
}

// NorwegianOrgNumberCheckDigit returns the MOD11 check digit for the first
// eight digits of a Norwegian organization number (research notes §3.1).
// Brreg's example: 12345678 → 5, giving 123456785. It fails with ErrLength
// unless body is 8 digits, ErrCharacters for non-digits, and ErrCheckDigit
// when the remainder is 1: no organization number has such a base
// (for example 10000013).
func NorwegianOrgNumberCheckDigit(body string) (int, error) {
	if err := requireDigits(body); err != nil {
		return 0, err
	}
	if len(body) != 8 {
		return 0, fmt.Errorf("%w: %d digits, want 8", ErrLength, len(body))
	}
	c := mod11Check(body)
	if c == 10 {
		return 0, fmt.Errorf("%w: no check digit fits this base (MOD11 remainder 1)", ErrCheckDigit)
	}
	return c, nil
}
