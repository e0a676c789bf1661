package nordic

import (
	"fmt"
	"strings"
	"time"
)

// SwedishIDKind says what kind of Swedish identity number a SwedishID is.
type SwedishIDKind string

// The kinds of Swedish identity numbers.
const (
	// KindOrganization is an organisationsnummer (legal entity).
	KindOrganization SwedishIDKind = "organization"
	// KindPerson is a personnummer.
	KindPerson SwedishIDKind = "person"
	// KindCoordination is a samordningsnummer: a personnummer-shaped number
	// with 60 added to the day of birth.
	KindCoordination SwedishIDKind = "coordination"
)

// SwedishID is a checked Swedish organisationsnummer, personnummer or
// samordningsnummer.
type SwedishID struct {
	Kind SwedishIDKind
	// Number is the 10-digit form without separator, e.g. "5560160680" or
	// "0002292399". This is the form Peppol SE-R-003/004/013 and
	// PEPPOL-COMMON-R049 want and the form inside a VAT number.
	Number string
	// Display is the 10-digit form with its separator after the sixth digit:
	// "556016-0680", "000229-2399", or "090527+1474" for a person who turns
	// 100 or more this year.
	Display string
	// Long is the 12-digit form: "16" + Number for an organization, the
	// four-digit birth year + MMDDNNNC for a person.
	Long string
	// BirthDate is the date of birth of a person (for a samordningsnummer the
	// real day, 60 subtracted); zero for an organization.
	BirthDate time.Time
}

// VATNumber returns the Swedish VAT registration number of id: "SE" + Number
// + "01" (research notes §2.2).
func (id SwedishID) VATNumber() string { return "SE" + id.Number + "01" }

// ParseSwedishID checks a Swedish organisationsnummer, personnummer or
// samordningsnummer (research notes §2.1, §2.2) and says which one it is.
//
// Accepted forms, with white space around them ignored:
//   - organisationsnummer: NNNNNN-NNNC, NNNNNNNNNC, or the 12-digit form
//     "16" + the 10 digits (with or without '-'). The third digit is 2 or
//     more (digits 3–4 ≥ 20 can never be a month);
//   - personnummer: YYMMDD-NNNC, YYMMDD+NNNC ('+' from the year the person
//     turns 100), YYMMDDNNNC, YYYYMMDDNNNC, YYYYMMDD-NNNC;
//   - samordningsnummer: the same with 60 added to the day.
//
// A personnummer must hold a real calendar date that is not in the future,
// and serial 000 is never issued even when the check digit fits. In the
// 10-digit form the century comes from today's date and the separator; with
// no separator the person is taken to be under 100 unless that gives an
// impossible or future date. The check digit is the Luhn check over the
// 10-digit form (for a 12-digit input the century is left out).
//
// Errors wrap ErrEmpty, ErrCharacters, ErrLength, ErrFormat (separator in the
// wrong place, '+' on an organization or a person under 100, serial 000,
// 12-digit form with a prefix other than 16/18/19/20), ErrDate or
// ErrCheckDigit.
func ParseSwedishID(s string) (SwedishID, error) {
	return parseSwedishID(s, time.Now())
}

func parseSwedishID(s string, today time.Time) (SwedishID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return SwedishID{}, ErrEmpty
	}
	var (
		digits []byte
		sep    byte
		sepAt  = -1 // number of digits before the separator
	)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '-' || r == '+':
			if sep != 0 {
				return SwedishID{}, fmt.Errorf("%w: more than one separator", ErrFormat)
			}
			sep, sepAt = byte(r), len(digits)
		default:
			return SwedishID{}, fmt.Errorf("%w: %q (only digits and one '-' or '+' are allowed)", ErrCharacters, r)
		}
	}
	n := len(digits)
	if n != 10 && n != 12 {
		return SwedishID{}, fmt.Errorf("%w: %d digits, want 10 (or 12 with century or 16 prefix)", ErrLength, n)
	}
	if sep != 0 && sepAt != n-4 {
		return SwedishID{}, fmt.Errorf("%w: the separator must stand before the last four digits", ErrFormat)
	}
	d := string(digits)
	ten := d[n-10:]

	if n == 12 && d[:2] == "16" {
		if ten[2] < '2' {
			return SwedishID{}, fmt.Errorf("%w: the 16 prefix belongs to organization numbers, whose third digit is 2 or more", ErrFormat)
		}
	}
	if ten[2] >= '2' && (n == 10 || d[:2] == "16") {
		return swedishOrg(ten, sep)
	}
	if n == 12 && d[:2] != "18" && d[:2] != "19" && d[:2] != "20" {
		return SwedishID{}, fmt.Errorf("%w: a 12-digit number starts with 16 (organization) or a birth century 18, 19 or 20", ErrFormat)
	}

	// A personnummer or samordningsnummer.
	kind := KindPerson
	month := atoi2(ten[2:4])
	day := atoi2(ten[4:6])
	if day > 60 {
		kind = KindCoordination
		day -= 60
	}
	if month < 1 || month > 12 {
		return SwedishID{}, fmt.Errorf("%w: there is no month %02d", ErrDate, month)
	}
	year := birthYear(d, sep, month, day, today)
	if !validDate(year, month, day) {
		return SwedishID{}, fmt.Errorf("%w: there is no %04d-%02d-%02d", ErrDate, year, month, day)
	}
	if later(year, month, day, today) {
		return SwedishID{}, fmt.Errorf("%w: %04d-%02d-%02d lies in the future", ErrDate, year, month, day)
	}
	centenarian := today.Year()-year >= 100
	if sep == '+' && !centenarian {
		return SwedishID{}, fmt.Errorf("%w: '+' marks a person who turns 100 or more this year", ErrFormat)
	}
	if ten[6:9] == "000" {
		return SwedishID{}, fmt.Errorf("%w: serial number 000 is never issued", ErrFormat)
	}
	if !Luhn(ten) {
		return SwedishID{}, ErrCheckDigit
	}
	display := byte('-')
	if centenarian {
		display = '+'
	}
	return SwedishID{
		Kind:      kind,
		Number:    ten,
		Display:   ten[:6] + string(display) + ten[6:],
		Long:      fmt.Sprintf("%04d", year) + ten[2:],
		BirthDate: time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC),
	}, nil
}

// swedishOrg finishes an organisationsnummer whose third digit is ≥ 2.
func swedishOrg(ten string, sep byte) (SwedishID, error) {
	if sep == '+' {
		return SwedishID{}, fmt.Errorf("%w: '+' is only used in personnummer; an organization number takes '-'", ErrFormat)
	}
	if !Luhn(ten) {
		return SwedishID{}, ErrCheckDigit
	}
	return SwedishID{
		Kind:    KindOrganization,
		Number:  ten,
		Display: ten[:6] + "-" + ten[6:],
		Long:    "16" + ten,
	}, nil
}

// birthYear returns the four-digit birth year of a personnummer. d is the
// 10 or 12 digits. In the 10-digit form the year is the latest one ending in
// YY that is not after this year ('-') or the one a century before it ('+');
// without a separator the '-' reading is tried first and the '+' reading
// taken when the first gives an impossible or future date.
func birthYear(d string, sep byte, month, day int, today time.Time) int {
	if len(d) == 12 {
		return atoi2(d[:2])*100 + atoi2(d[2:4])
	}
	yy := atoi2(d[:2])
	year := today.Year() - today.Year()%100 + yy
	if year > today.Year() {
		year -= 100
	}
	switch sep {
	case '+':
		year -= 100
	case 0:
		if !validDate(year, month, day) || later(year, month, day, today) {
			if validDate(year-100, month, day) {
				year -= 100
			}
		}
	}
	return year
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// validDate reports whether year-month-day exists in the Gregorian calendar.
func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return t.Day() == day
}

// later reports whether year-month-day comes after today's calendar date.
func later(year, month, day int, today time.Time) bool {
	ty, tm, td := today.Date()
	if year != ty {
		return year > ty
	}
	if month != int(tm) {
		return month > int(tm)
	}
	return day > td
}
