package nordic

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// euMembers are the 27 EU member states (ISO 3166-1 alpha-2) with the
// prefix of their VAT identification numbers, which is the country code
// except for Greece (EL). The one list of the EU in the project.
var euMembers = map[string]string{
	"AT": "AT", "BE": "BE", "BG": "BG", "CY": "CY", "CZ": "CZ", "DE": "DE", "DK": "DK",
	"EE": "EE", "ES": "ES", "FI": "FI", "FR": "FR", "GR": "EL", "HR": "HR", "HU": "HU",
	"IE": "IE", "IT": "IT", "LT": "LT", "LU": "LU", "LV": "LV", "MT": "MT", "NL": "NL",
	"PL": "PL", "PT": "PT", "RO": "RO", "SE": "SE", "SI": "SI", "SK": "SK",
}

// eeaOnly are the EEA members outside the EU.
var eeaOnly = map[string]bool{"IS": true, "LI": true, "NO": true}

// IsEUMember reports whether country (ISO 3166-1 alpha-2, case and
// surrounding space ignored; "EL" counts as Greece) is an EU member state.
func IsEUMember(country string) bool {
	c := normalizeCountry(country)
	_, ok := euMembers[c]
	return ok
}

// IsEEAMember reports whether country is in the European Economic Area:
// the EU member states plus Iceland, Liechtenstein and Norway.
func IsEEAMember(country string) bool {
	return IsEUMember(country) || eeaOnly[normalizeCountry(country)]
}

// EUMemberStates returns the ISO 3166-1 alpha-2 codes of the EU member
// states, in alphabetical order.
func EUMemberStates() []string {
	out := make([]string, 0, len(euMembers))
	for c := range euMembers {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func normalizeCountry(country string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	if c == "EL" {
		return "GR"
	}
	return c
}

// vatFormats are the pragmatic shapes of the VAT numbers this package
// checks, after the prefix, by prefix: the EU member states' as the
// Commission's VIES service describes them (no national check digits, except
// that SE and NO go through ValidateVATNumber), plus the United Kingdom and
// Switzerland, common buyers of exports.
var vatFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^U[0-9]{8}$`),
	"BE": regexp.MustCompile(`^[01][0-9]{9}$`),
	"BG": regexp.MustCompile(`^[0-9]{9,10}$`),
	"CY": regexp.MustCompile(`^[0-9]{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^[0-9]{8,10}$`),
	"DE": regexp.MustCompile(`^[0-9]{9}$`),
	"DK": regexp.MustCompile(`^[0-9]{8}$`),
	"EE": regexp.MustCompile(`^[0-9]{9}$`),
	"EL": regexp.MustCompile(`^[0-9]{9}$`),
	"ES": regexp.MustCompile(`^[0-9A-Z][0-9]{7}[0-9A-Z]$`),
	"FI": regexp.MustCompile(`^[0-9]{8}$`),
	"FR": regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}[0-9]{9}$`),
	"HR": regexp.MustCompile(`^[0-9]{11}$`),
	"HU": regexp.MustCompile(`^[0-9]{8}$`),
	"IE": regexp.MustCompile(`^([0-9]{7}[A-W][A-IW]?|[0-9][A-Z+*][0-9]{5}[A-W])$`),
	"IT": regexp.MustCompile(`^[0-9]{11}$`),
	"LT": regexp.MustCompile(`^([0-9]{9}|[0-9]{12})$`),
	"LU": regexp.MustCompile(`^[0-9]{8}$`),
	"LV": regexp.MustCompile(`^[0-9]{11}$`),
	"MT": regexp.MustCompile(`^[0-9]{8}$`),
	"NL": regexp.MustCompile(`^[0-9]{9}B[0-9]{2}$`),
	"PL": regexp.MustCompile(`^[0-9]{10}$`),
	"PT": regexp.MustCompile(`^[0-9]{9}$`),
	"RO": regexp.MustCompile(`^[1-9][0-9]{1,9}$`),
	"SI": regexp.MustCompile(`^[0-9]{8}$`),
	"SK": regexp.MustCompile(`^[0-9]{10}$`),
	"GB": regexp.MustCompile(`^([0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})$`),
	"CH": regexp.MustCompile(`^E[0-9]{9}(MWST|TVA|IVA)?$`),
}

// vatExamples are one well-formed number per prefix, quoted in errors.
var vatExamples = map[string]string{
	"AT": "ATU12345678", "BE": "BE0123456789", "BG": "BG123456789", "CY": "CY12345678X",
	"CZ": "CZ12345678", "DE": "DE123456789", "DK": "DK12345678", "EE": "EE123456789",
	"EL": "EL123456789", "ES": "ESX1234567X", "FI": "FI12345678", "FR": "FRXX123456789",
	"HR": "HR12345678901", "HU": "HU12345678", "IE": "IE1234567WA", "IT": "IT12345678901",
	"LT": "LT123456789", "LU": "LU12345678", "LV": "LV12345678901", "MT": "MT12345678",
	"NL": "NL123456789B01", "PL": "PL1234567890", "PT": "PT123456789", "RO": "RO1234567890",
	"SI": "SI12345678", "SK": "SK1234567890", "GB": "GB123456789", "CH": "CHE123456789MWST",
}

// NormalizeVATNumber returns s in the canonical electronic form of a VAT
// number: upper case, without the white space, dots and hyphens people type
// ("se 5560-1606 8001" → "SE556016068001", "CHE-123.456.789 MWST" →
// "CHE123456789MWST"). It does not validate anything.
func NormalizeVATNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// ValidateBuyerVATNumber checks the VAT identification number of an
// invoice's buyer, which may be registered in any EU member state, in Norway,
// the United Kingdom or Switzerland, and returns its canonical form
// (NormalizeVATNumber) and the ISO 3166-1 country it belongs to ("GR" for an
// EL number).
//
//   - SE and NO numbers must pass ValidateVATNumber: SE + 10-digit
//     organisationsnummer (Luhn) + 01; NO + 9-digit organisasjonsnummer
//     (MOD11) + MVA.
//   - Other EU member states: the prefix (EL for Greece) and the state's
//     general shape as VIES describes it (DE + 9 digits, NL + 9 digits + B +
//     2 digits, ...); their check digits are not verified.
//   - GB: 9 or 12 digits, GD or HA + 3 digits; CH: CHE + 9 digits and an
//     optional MWST, TVA or IVA.
//
// Errors wrap ErrEmpty, ErrCountry (a prefix of no country above, or a
// two-letter country code where the prefix belongs: "GR…" instead of
// "EL…"), ErrFormat, or ValidateVATNumber's errors.
func ValidateBuyerVATNumber(s string) (canonical, country string, err error) {
	n := NormalizeVATNumber(s)
	if n == "" {
		return "", "", ErrEmpty
	}
	if len(n) < 3 {
		return "", "", fmt.Errorf("%w: a VAT number is a two-letter country prefix and the number", ErrFormat)
	}
	prefix := n[:2]
	switch prefix {
	case "SE", "NO":
		if err := ValidateVATNumber(n); err != nil {
			return "", "", err
		}
		return n, prefix, nil
	case "GR":
		return "", "", fmt.Errorf("%w: Greek VAT numbers start with EL, not GR", ErrCountry)
	}
	re, ok := vatFormats[prefix]
	if !ok {
		return "", "", fmt.Errorf("%w: %q is not the VAT prefix of an EU member state, Norway, the United Kingdom or Switzerland", ErrCountry, prefix)
	}
	if !re.MatchString(n[2:]) {
		return "", "", fmt.Errorf("%w: not a VAT number of %s (example %s)", ErrFormat, prefix, vatExamples[prefix])
	}
	return n, normalizeCountry(prefix), nil
}
