package nordic

import (
	"fmt"
	"strings"
)

// ValidateOrganizationNumber checks the organization number of a party in
// country "SE" or "NO" (ISO 3166 alpha-2, case and surrounding space
// ignored) and returns its normalized digits.
//
//   - SE: anything ParseSwedishID accepts, so a personnummer or
//     samordningsnummer too: sole traders (enskild firma) invoice under the
//     owner's personnummer and private customers have no other number. The
//     result is the 10 digits without separator (SwedishID.Number); use
//     ParseSwedishID for the kind and the display form.
//   - NO: ValidateNorwegianOrgNumber; the result is the 9 digits.
//
// Errors wrap ErrCountry for any other country, or the errors of the
// country's check.
func ValidateOrganizationNumber(country string, s string) (string, error) {
	switch strings.ToUpper(strings.TrimSpace(country)) {
	case "SE":
		id, err := ParseSwedishID(s)
		if err != nil {
			return "", err
		}
		return id.Number, nil
	case "NO":
		return ValidateNorwegianOrgNumber(s)
	default:
		return "", fmt.Errorf("%w: %q (want SE or NO)", ErrCountry, country)
	}
}
