package nordic

import (
	"fmt"
	"strings"
	"unicode"
)

// ValidateBankgiro checks a Bankgiro number (research notes §2.4; Peppol
// SE-R-008/009 ask for 7–8 digits): 7 or 8 digits, Luhn over all of them.
// It returns the digits alone, the form Peppol wants in the account ID.
//
// People write it NNN-NNNN or NNNN-NNNN. Spaces anywhere are dropped; a '-'
// is accepted only before the last four digits, so a Plusgiro number written
// as such ("28 65 43-4", dash before the check digit) is refused rather than
// mistaken for a Bankgiro number. Errors wrap ErrEmpty, ErrCharacters,
// ErrFormat (dash misplaced), ErrLength or ErrCheckDigit.
func ValidateBankgiro(s string) (string, error) {
	d, err := giroDigits(s, 4, "a Bankgiro number has its dash before the last four digits")
	if err != nil {
		return "", err
	}
	if len(d) < 7 || len(d) > 8 {
		return "", fmt.Errorf("%w: %d, a Bankgiro number has 7 or 8 digits", ErrLength, len(d))
	}
	if !Luhn(d) {
		return "", ErrCheckDigit
	}
	return d, nil
}

// FormatBankgiro validates s with ValidateBankgiro and writes it the way
// Bankgirot does: NNN-NNNN for 7 digits, NNNN-NNNN for 8 (research notes
// §2.4). Errors are ValidateBankgiro's.
func FormatBankgiro(s string) (string, error) {
	d, err := ValidateBankgiro(s)
	if err != nil {
		return "", err
	}
	return d[:len(d)-4] + "-" + d[len(d)-4:], nil
}

// ValidatePlusgiro checks a Plusgiro number (research notes §2.4; Peppol
// SE-R-007/010 ask for 2–8 digits): 2 to 8 digits, Luhn over all of them.
// It returns the digits alone.
//
// Spaces anywhere are dropped; a '-' is accepted only before the last digit
// (the check digit), as in "410 54 68-5" or "4-2". Errors wrap ErrEmpty,
// ErrCharacters, ErrFormat (dash misplaced), ErrLength or ErrCheckDigit.
func ValidatePlusgiro(s string) (string, error) {
	d, err := giroDigits(s, 1, "a Plusgiro number has its dash before the last digit")
	if err != nil {
		return "", err
	}
	if len(d) < 2 || len(d) > 8 {
		return "", fmt.Errorf("%w: %d, a Plusgiro number has 2 to 8 digits", ErrLength, len(d))
	}
	if !Luhn(d) {
		return "", ErrCheckDigit
	}
	return d, nil
}

// FormatPlusgiro validates s with ValidatePlusgiro and writes it the way
// Plusgirot does (research notes §2.4): the check digit after a '-', the
// digits before it in pairs from the right, an odd leading digit joining
// the first pair. So 7 digits give NN NN NN-N ("28 65 43-4"), 8 give
// NNN NN NN-N ("410 54 68-5"), and 2 give N-N ("4-2"). Errors are
// ValidatePlusgiro's.
func FormatPlusgiro(s string) (string, error) {
	d, err := ValidatePlusgiro(s)
	if err != nil {
		return "", err
	}
	body := d[:len(d)-1]
	var b strings.Builder
	first := len(body) % 2
	if first == 1 && len(body) >= 3 {
		first = 3
	} else if first == 0 {
		first = 2
	}
	if first > len(body) {
		first = len(body)
	}
	b.WriteString(body[:first])
	for i := first; i < len(body); i += 2 {
		b.WriteByte(' ')
		b.WriteString(body[i : i+2])
	}
	b.WriteByte('-')
	b.WriteByte(d[len(d)-1])
	return b.String(), nil
}

// giroDigits drops white space from s and returns its digits. At most one
// '-' is allowed and only with exactly dashBefore digits after it; misplaced
// explains a misplaced dash.
func giroDigits(s string, dashBefore int, misplaced string) (string, error) {
	var digits []byte
	dashAt := -1
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case unicode.IsSpace(r):
		case r == '-':
			if dashAt >= 0 {
				return "", fmt.Errorf("%w: more than one '-'", ErrFormat)
			}
			dashAt = len(digits)
		default:
			return "", fmt.Errorf("%w: %q (only digits, spaces and one '-' are allowed)", ErrCharacters, r)
		}
	}
	if len(digits) == 0 {
		if dashAt >= 0 {
			return "", fmt.Errorf("%w: no digits", ErrLength)
		}
		return "", ErrEmpty
	}
	if dashAt >= 0 && len(digits)-dashAt != dashBefore {
		return "", fmt.Errorf("%w: %s", ErrFormat, misplaced)
	}
	return string(digits), nil
}
