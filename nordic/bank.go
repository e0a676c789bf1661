package nordic

import (
	"fmt"
	"strings"
	"unicode"
)

// ValidateNorwegianAccountNumber checks a Norwegian bank account number
// (kontonummer): 11 digits, written 1234.56.78903, whose last is a MOD11
// check digit over the first ten with the weights 5,4,3,2,7,6,5,4,3,2
// (2–7 repeating from the right, the same weights as the organization
// number, research notes §3.1/§3.3). A remainder of 1 would need check
// digit 10: no account number is issued with such a base.
//
// White space and the dots of the printed form are dropped anywhere; the
// returned number is the 11 digits. Errors wrap ErrEmpty, ErrCharacters,
// ErrLength or ErrCheckDigit.
func ValidateNorwegianAccountNumber(s string) (string, error) {
	d := strings.Map(func(r rune) rune {
		if r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if err := requireDigits(d); err != nil {
		return "", err
	}
	if len(d) != 11 {
		return "", fmt.Errorf("%w: %d, a Norwegian account number has 11", ErrLength, len(d))
	}
	if c := mod11Check(d[:10]); c == 10 || c != int(d[10]-'0') {
		return "", ErrCheckDigit
	}
	return d, nil
}

// FormatNorwegianAccountNumber validates s with
// ValidateNorwegianAccountNumber and writes it the way Norwegian banks
// print it: 4, 2 and 5 digits separated by dots ("1234.56.78903").
// Errors are ValidateNorwegianAccountNumber's.
func FormatNorwegianAccountNumber(s string) (string, error) {
	d, err := ValidateNorwegianAccountNumber(s)
	if err != nil {
		return "", err
	}
	return d[:4] + "." + d[4:6] + "." + d[6:], nil
}

// ibanLengths are the IBAN lengths of the countries ledgerbridge's
// merchants and their neighbours bank in (ISO 13616 / SWIFT IBAN
// registry). An IBAN of a country not listed is checked for the general
// form (15–34 characters) and the mod-97 check only.
var ibanLengths = map[string]int{
	"SE": 24, "NO": 15, "DK": 18, "FI": 18, "IS": 26, "DE": 22, "GB": 22,
	"NL": 18, "FR": 27, "EE": 20, "LV": 21, "LT": 20, "PL": 28,
}

// ValidateIBAN checks an IBAN (ISO 13616): two letters of the country,
// two check digits and the national account (BBAN, letters and digits),
// the length of the country's IBAN (SE 24, NO 15, …; 15–34 for a country
// not known here), and the mod-97 check: with the first four characters
// moved to the end and each letter read as 10–35, the number mod 97 is 1.
// A Norwegian IBAN's account number must also pass the kontonummer check
// (ValidateNorwegianAccountNumber).
//
// Spaces are dropped and letters upper-cased; the returned IBAN is the
// electronic form ("SE4550000000058398257466"). Errors wrap ErrEmpty,
// ErrCharacters, ErrFormat (no country code or check digits), ErrLength or
// ErrCheckDigit.
func ValidateIBAN(s string) (string, error) {
	d, err := alphanumeric(s)
	if err != nil {
		return "", err
	}
	if len(d) < 4 || !isUpper(d[0]) || !isUpper(d[1]) || !allDigits(d[2:4]) {
		return "", fmt.Errorf("%w: an IBAN starts with the country code and two check digits (SE45…, NO93…)", ErrFormat)
	}
	if want, ok := ibanLengths[d[:2]]; ok && len(d) != want {
		return "", fmt.Errorf("%w: %d characters, an IBAN from %s has %d", ErrLength, len(d), d[:2], want)
	} else if !ok && (len(d) < 15 || len(d) > 34) {
		return "", fmt.Errorf("%w: %d characters, an IBAN has 15 to 34", ErrLength, len(d))
	}
	rem := 0
	for _, r := range d[4:] + d[:4] {
		if r >= 'A' {
			rem = (rem*100 + int(r-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(r-'0')) % 97
		}
	}
	if rem != 1 {
		return "", ErrCheckDigit
	}
	if d[:2] == "NO" {
		if _, err := ValidateNorwegianAccountNumber(d[4:]); err != nil {
			return "", fmt.Errorf("%w (the account number in a Norwegian IBAN)", err)
		}
	}
	return d, nil
}

// FormatIBAN validates s with ValidateIBAN and writes it in its printed
// form, groups of four separated by spaces ("SE45 5000 0000 0583 9825
// 7466"). Errors are ValidateIBAN's.
func FormatIBAN(s string) (string, error) {
	d, err := ValidateIBAN(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 0; i < len(d); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d[i:min(i+4, len(d))])
	}
	return b.String(), nil
}

// ValidateBIC checks the form of a BIC (SWIFT code, ISO 9362): four
// letters of the bank, two letters of its country, two letters or digits
// of its location and optionally three of the branch, so 8 or 11
// characters ("DNBANOKK", "NDEASESSXXX"). A BIC has no check digit. Spaces
// are dropped and letters upper-cased; the returned BIC is the 8 or 11
// characters. Errors wrap ErrEmpty, ErrCharacters, ErrLength or ErrFormat.
func ValidateBIC(s string) (string, error) {
	d, err := alphanumeric(s)
	if err != nil {
		return "", err
	}
	if len(d) != 8 && len(d) != 11 {
		return "", fmt.Errorf("%w: %d characters, a BIC has 8 or 11", ErrLength, len(d))
	}
	for i := 0; i < 6; i++ {
		if !isUpper(d[i]) {
			return "", fmt.Errorf("%w: a BIC starts with four letters of the bank and two of the country (DNBANOKK)", ErrFormat)
		}
	}
	return d, nil
}

// alphanumeric drops white space from s and upper-cases it: the
// electronic form of an IBAN or BIC. Errors wrap ErrEmpty, or ErrCharacters
// for anything but ASCII letters and digits.
func alphanumeric(s string) (string, error) {
	d := strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
	if d == "" {
		return "", ErrEmpty
	}
	for _, r := range d {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return "", fmt.Errorf("%w: %q (only letters and digits are allowed)", ErrCharacters, r)
		}
	}
	return d, nil
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
