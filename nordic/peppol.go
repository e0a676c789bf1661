package nordic

import (
	"fmt"
	"strings"
)

// Peppol participant identifier schemes (ISO 6523 ICD codes) that
// ParseParticipantID knows.
const (
	// SchemeSEOrgNumber is a Swedish organisationsnummer, 10 digits, Luhn
	// (PEPPOL-COMMON-R049).
	SchemeSEOrgNumber = "0007"
	// SchemeFIOVT is a Finnish OVT code: 0037, the 8-digit Y-tunnus with
	// its check digit and up to 5 more characters.
	SchemeFIOVT = "0037"
	// SchemeGLN is a GS1 Global Location Number, 13 digits
	// (PEPPOL-COMMON-R040).
	SchemeGLN = "0088"
	// SchemeDKCVR is a Danish CVR number, 8 digits, optionally after "DK"
	// (PEPPOL-COMMON-R042).
	SchemeDKCVR = "0184"
	// SchemeNOOrgNumber is a Norwegian organisasjonsnummer, 9 digits,
	// MOD11 (PEPPOL-COMMON-R041).
	SchemeNOOrgNumber = "0192"
)

// participantPrefix is the identifier scheme written before a participant
// identifier in Peppol SMP lookups ("iso6523-actorid-upis::0007:…").
const participantPrefix = "iso6523-actorid-upis::"

// MaxParticipantIDLength bounds a participant identifier's value (Peppol
// Policy for use of Identifiers 4.2: at most 50 characters).
const MaxParticipantIDLength = 50

// ParseParticipantID checks a Peppol participant identifier (the electronic
// address of BT-34/BT-49) written "scheme:value", e.g. "0007:5560160680",
// "0192:991825827" or "0088:9429041098400", and returns its scheme (four
// digits) and value in canonical form. White space around the parts and a
// leading "iso6523-actorid-upis::" are ignored.
//
// Known schemes and what their values must be:
//
//   - 0007 Swedish organisationsnummer: 10 digits passing Luhn (the
//     PEPPOL-COMMON-R049 check); a '-' after the sixth digit is accepted and
//     dropped.
//   - 0192 Norwegian organisasjonsnummer: 9 digits, MOD11
//     (PEPPOL-COMMON-R041); spaces are dropped.
//   - 0088 GLN: 13 digits, GS1 check digit (PEPPOL-COMMON-R040).
//   - 0184 Danish CVR: 8 digits or "DK" + 8 digits (PEPPOL-COMMON-R042,
//     which checks the shape only).
//   - 0037 Finnish OVT: "0037", an 8-digit Y-tunnus whose check digit
//     (weights 7,9,10,5,8,4,2, MOD11) fits, and up to 5 letters or digits.
//
// Errors wrap ErrEmpty, ErrFormat (no "scheme:value" shape, a scheme that is
// not four digits, a value too long), ErrScheme (a scheme not listed above)
// or the value's check errors (ErrLength, ErrCharacters, ErrCheckDigit, ...).
func ParseParticipantID(s string) (scheme, value string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", ErrEmpty
	}
	if len(s) >= len(participantPrefix) && strings.EqualFold(s[:len(participantPrefix)], participantPrefix) {
		s = s[len(participantPrefix):]
	}
	scheme, value, ok := strings.Cut(s, ":")
	scheme, value = strings.TrimSpace(scheme), strings.TrimSpace(value)
	if !ok || value == "" {
		return "", "", fmt.Errorf("%w: a Peppol participant id is scheme:value, e.g. 0007:5560160680", ErrFormat)
	}
	if len(scheme) != 4 || !allDigits(scheme) {
		return "", "", fmt.Errorf("%w: the scheme %q is not a four-digit ICD code such as 0007 or 0192", ErrFormat, scheme)
	}
	if len(value) > MaxParticipantIDLength {
		return "", "", fmt.Errorf("%w: the value has more than %d characters", ErrFormat, MaxParticipantIDLength)
	}
	switch scheme {
	case SchemeSEOrgNumber:
		d := strings.Replace(value, "-", "", 1)
		if err := requireDigits(d); err != nil {
			return "", "", err
		}
		if len(d) != 10 {
			return "", "", fmt.Errorf("%w: %d, a Swedish organization number (0007) has 10 digits", ErrLength, len(d))
		}
		if !Luhn(d) {
			return "", "", ErrCheckDigit
		}
		return scheme, d, nil
	case SchemeNOOrgNumber:
		n, err := ValidateNorwegianOrgNumber(value)
		if err != nil {
			return "", "", err
		}
		return scheme, n, nil
	case SchemeGLN:
		if err := ValidateGLN(value); err != nil {
			return "", "", err
		}
		return scheme, value, nil
	case SchemeDKCVR:
		v := strings.ToUpper(value)
		d := strings.TrimPrefix(v, "DK")
		if err := requireDigits(d); err != nil {
			return "", "", err
		}
		if len(d) != 8 {
			return "", "", fmt.Errorf("%w: %d, a Danish CVR number (0184) has 8 digits", ErrLength, len(d))
		}
		return scheme, v, nil
	case SchemeFIOVT:
		v := strings.ToUpper(value)
		if err := validateOVT(v); err != nil {
			return "", "", err
		}
		return scheme, v, nil
	}
	return "", "", fmt.Errorf("%w: %s (known: 0007 SE, 0037 FI, 0088 GLN, 0184 DK, 0192 NO)", ErrScheme, scheme)
}

// FormatParticipantID is the "scheme:value" form of a participant
// identifier.
func FormatParticipantID(scheme, value string) string { return scheme + ":" + value }

// validateOVT checks a Finnish OVT code: "0037", the 8-digit Y-tunnus
// (business id) with its MOD11 check digit, then up to 5 letters or digits.
func validateOVT(v string) error {
	if !strings.HasPrefix(v, "0037") || len(v) < 12 || len(v) > 17 {
		return fmt.Errorf("%w: a Finnish OVT code is 0037, the 8-digit business id and up to 5 more characters", ErrFormat)
	}
	y := v[4:12]
	if err := requireDigits(y); err != nil {
		return err
	}
	for _, r := range v[12:] {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("%w: %q (only letters and digits follow the business id)", ErrCharacters, r)
		}
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(y[i]-'0') * w
	}
	check := 0
	switch r := sum % 11; r {
	case 0:
	case 1:
		return ErrCheckDigit // no business id is issued with remainder 1
	default:
		check = 11 - r
	}
	if check != int(y[7]-'0') {
		return ErrCheckDigit
	}
	return nil
}
