package nordic

import (
	"fmt"
	"strings"
)

// SwedishVATNumber returns the Swedish VAT registration number
// (momsregistreringsnummer) for an organization number or, for a sole
// trader, a personnummer: "SE" + the 10 digits + "01", 14 characters
// (research notes §2.2; Peppol SE-R-001/002). The input may be in any form
// ParseSwedishID accepts, and its errors are ParseSwedishID's.
func SwedishVATNumber(orgOrPersonNumber string) (string, error) {
	id, err := ParseSwedishID(orgOrPersonNumber)
	if err != nil {
		return "", err
	}
	return id.VATNumber(), nil
}

// NorwegianVATNumber returns the Norwegian VAT identifier for an
// organisasjonsnummer: "NO" + the 9 digits + "MVA" (research notes §3.2;
// Peppol NO-R-001). Errors are ValidateNorwegianOrgNumber's.
func NorwegianVATNumber(orgnr string) (string, error) {
	n, err := ValidateNorwegianOrgNumber(orgnr)
	if err != nil {
		return "", err
	}
	return "NO" + n + "MVA", nil
}

// ValidateVATNumber checks a Swedish or Norwegian VAT number in its exact
// canonical form, as Peppol requires it on an invoice: upper-case prefix, no
// spaces or other separators.
//
//   - Swedish: "SE" + 12 digits ending in "01", 14 characters (SE-R-001,
//     SE-R-002); the 10 digits must also pass ParseSwedishID. Peppol itself
//     does not check them, but Skatteverket derives every VAT number from a
//     valid organisationsnummer or personnummer, so a failure here is a
//     typing error.
//   - Norwegian: "NO" + 9 digits + "MVA" with a valid MOD11 check digit
//     (NO-R-001). "NO991 825 827MVA" is therefore invalid.
//
// Errors wrap ErrEmpty, ErrCountry (another prefix), ErrFormat (wrong
// length, suffix or characters) or the errors of the organization number
// check.
func ValidateVATNumber(s string) error {
	switch {
	case s == "":
		return ErrEmpty
	case strings.HasPrefix(s, "SE"):
		tail := s[2:]
		if len(tail) != 12 || !allDigits(tail) {
			return fmt.Errorf("%w: a Swedish VAT number is SE followed by 12 digits, without spaces", ErrFormat)
		}
		if !strings.HasSuffix(tail, "01") {
			return fmt.Errorf("%w: a Swedish VAT number ends in 01", ErrFormat)
		}
		if _, err := ParseSwedishID(tail[:10]); err != nil {
			return err
		}
		return nil
	case strings.HasPrefix(s, "NO"):
		body, ok := strings.CutSuffix(s[2:], "MVA")
		if !ok || len(body) != 9 || !allDigits(body) {
			return fmt.Errorf("%w: a Norwegian VAT number is NO, 9 digits and MVA, without spaces", ErrFormat)
		}
		_, err := ValidateNorwegianOrgNumber(body)
		return err
	default:
		return fmt.Errorf("%w: a VAT number starts with SE or NO (upper case)", ErrCountry)
	}
}

// MatchVATNumber checks that vat is the VAT number of a party in country
// "SE" or "NO" (ISO 3166 alpha-2, case and surrounding space ignored)
// whose organization number is orgnr: valid by ValidateVATNumber, of that
// country, and, when orgnr is not "", equal to the VAT number derived from
// it (SwedishVATNumber: SE + the 10 digits + 01; NorwegianVATNumber: NO +
// the 9 digits + MVA). orgnr may be in any form
// ValidateOrganizationNumber accepts.
//
// Errors wrap ValidateVATNumber's; ErrOtherCountry for a VAT number of the
// other country; ErrMismatch (its message names the expected VAT number)
// when it is not orgnr's; ErrCountry for a country other than SE or NO;
// or the errors of ValidateOrganizationNumber for orgnr.
func MatchVATNumber(country, orgnr, vat string) error {
	c := strings.ToUpper(strings.TrimSpace(country))
	if c != "SE" && c != "NO" {
		return fmt.Errorf("%w: %q (want SE or NO)", ErrCountry, country)
	}
	if err := ValidateVATNumber(vat); err != nil {
		return err
	}
	if !strings.HasPrefix(vat, c) {
		return fmt.Errorf("%w: the VAT number of a party in %s starts with %s", ErrOtherCountry, c, c)
	}
	if orgnr == "" {
		return nil
	}
	n, err := ValidateOrganizationNumber(c, orgnr)
	if err != nil {
		return err
	}
	want := "NO" + n + "MVA"
	if c == "SE" {
		want = "SE" + n + "01"
	}
	if vat != want {
		return fmt.Errorf("%w: the VAT number of organization number %s is %s", ErrMismatch, n, want)
	}
	return nil
}
