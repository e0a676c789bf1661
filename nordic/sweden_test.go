package nordic

import (
	"errors"
	"testing"
	"time"
)

// today is the fixed date the Swedish ID tests run at, so century inference
// and "future" checks do not drift.
var today = time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)

func TestParseSwedishID(t *testing.T) {
	type want struct {
		kind    SwedishIDKind
		number  string
		display string
		long    string
		birth   string // YYYY-MM-DD, "" for organizations
	}
	tests := []struct {
		name    string
		in      string
		want    want
		wantErr error
	}{
		// §6 vectors: organization numbers.
		{"orgnr R049", "2021005489", want{KindOrganization, "2021005489", "202100-5489", "162021005489", ""}, nil},
		{"orgnr R049 bad check", "2021005480", want{}, ErrCheckDigit},
		{"orgnr meta", "556016-0680", want{KindOrganization, "5560160680", "556016-0680", "165560160680", ""}, nil},
		{"orgnr meta bad check", "5560160681", want{}, ErrCheckDigit},
		{"orgnr meta 2", "5561034249", want{KindOrganization, "5561034249", "556103-4249", "165561034249", ""}, nil},
		{"orgnr meta 2 bad check", "556103-4250", want{}, ErrCheckDigit},
		{"orgnr 12-digit", "165560160680", want{KindOrganization, "5560160680", "556016-0680", "165560160680", ""}, nil},
		{"orgnr 12-digit dash", "16556016-0680", want{KindOrganization, "5560160680", "556016-0680", "165560160680", ""}, nil},
		{"orgnr surrounding space", "  556016-0680\n", want{KindOrganization, "5560160680", "556016-0680", "165560160680", ""}, nil},

		// §6 vectors: personnummer and samordningsnummer.
		{"centenarian 12-digit plus", "19090527+1474", want{KindPerson, "0905271474", "090527+1474", "190905271474", "1909-05-27"}, nil},
		{"centenarian 10-digit plus", "090527+1474", want{KindPerson, "0905271474", "090527+1474", "190905271474", "1909-05-27"}, nil},
		{"leap day", "20000229-2399", want{KindPerson, "0002292399", "000229-2399", "200002292399", "2000-02-29"}, nil},
		{"leap day 10-digit", "000229-2399", want{KindPerson, "0002292399", "000229-2399", "200002292399", "2000-02-29"}, nil},
		{"leap day 12 digits no separator", "200002292399", want{KindPerson, "0002292399", "000229-2399", "200002292399", "2000-02-29"}, nil},
		{"serial 000", "20150916-0006", want{}, ErrFormat},
		{"bad check", "19700428-9895", want{}, ErrCheckDigit},
		{"samordningsnummer", "19730288-9931", want{KindCoordination, "7302889931", "730288-9931", "197302889931", "1973-02-28"}, nil},
		{"samordningsnummer 10-digit", "7302889931", want{KindCoordination, "7302889931", "730288-9931", "197302889931", "1973-02-28"}, nil},
		{"classic test number", "121212-1212", want{KindPerson, "1212121212", "121212-1212", "201212121212", "2012-12-12"}, nil},

		// Century inference at today = 2026-07-15.
		{"no separator reads under 100", "0905271474", want{KindPerson, "0905271474", "090527-1474", "200905271474", "2009-05-27"}, nil},
		{"dash with date later this year", "260801-1231", want{}, ErrDate},
		{"no separator falls back a century", "2608011231", want{KindPerson, "2608011231", "260801+1231", "192608011231", "1926-08-01"}, nil},
		{"plus 1900 is no leap year", "000229+2399", want{}, ErrDate},
		{"plus on person under 100", "20000229+2399", want{}, ErrFormat},
		{"future 12-digit", "20260801-1231", want{}, ErrDate},

		// Bad dates and serials.
		{"month 13", "991301-1236", want{}, ErrDate},
		{"month 00", "990001-1236", want{}, ErrDate},
		{"day 00", "990100-1236", want{}, ErrDate},
		{"1900-02-29", "19000229-2399", want{}, ErrDate},
		{"coordination day 92", "730292-9935", want{}, ErrDate},
		{"serial 000 10-digit", "121212-0008", want{}, ErrFormat},

		// Syntax.
		{"empty", "", want{}, ErrEmpty},
		{"blank", "   ", want{}, ErrEmpty},
		{"letters", "556016-068O", want{}, ErrCharacters},
		{"space inside", "556016 0680", want{}, ErrCharacters},
		{"too short", "556016-068", want{}, ErrLength},
		{"too long", "55601606801", want{}, ErrLength},
		{"13 digits", "1655601606801", want{}, ErrLength},
		{"separator misplaced", "5560-160680", want{}, ErrFormat},
		{"separator misplaced 12-digit", "200002-292399", want{}, ErrFormat},
		{"two separators", "556016--0680", want{}, ErrFormat},
		{"plus on organization", "556016+0680", want{}, ErrFormat},
		{"16 prefix on a person", "161212121212", want{}, ErrFormat},
		{"12-digit century 17", "171212121212", want{}, ErrFormat},
		{"19 prefix on an orgnr", "195560160680", want{}, ErrDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSwedishID(tt.in, today)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("parseSwedishID(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			birth := ""
			if !got.BirthDate.IsZero() {
				birth = got.BirthDate.Format(time.DateOnly)
			}
			g := want{got.Kind, got.Number, got.Display, got.Long, birth}
			if g != tt.want {
				t.Errorf("parseSwedishID(%q) = %+v, want %+v", tt.in, g, tt.want)
			}
		})
	}
}

// TestParseSwedishIDNow runs the exported function on numbers whose reading
// does not depend on today's date.
func TestParseSwedishIDNow(t *testing.T) {
	id, err := ParseSwedishID("19090527+1474")
	if err != nil || id.Kind != KindPerson || id.Display != "090527+1474" {
		t.Errorf("ParseSwedishID(19090527+1474) = %+v, %v", id, err)
	}
	id, err = ParseSwedishID("556016-0680")
	if err != nil || id.Kind != KindOrganization || id.VATNumber() != "SE556016068001" {
		t.Errorf("ParseSwedishID(556016-0680) = %+v, %v", id, err)
	}
	if _, err := ParseSwedishID("20150916-0006"); !errors.Is(err, ErrFormat) {
		t.Errorf("ParseSwedishID(20150916-0006) error = %v, want ErrFormat", err)
	}
}

// TestSwedishIDErrorText pins the wording callers put into field errors.
func TestSwedishIDErrorText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5560160681", "check digit does not match"},
		{"19000229-2399", "not a date: there is no 1900-02-29"},
		{"20150916-0006", "is not in the expected format: serial number 000 is never issued"},
		{"556016-068", "has the wrong number of digits: 9 digits, want 10 (or 12 with century or 16 prefix)"},
	}
	for _, tt := range tests {
		_, err := parseSwedishID(tt.in, today)
		if err == nil || err.Error() != tt.want {
			t.Errorf("parseSwedishID(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// FuzzParseSwedishID checks that whatever ParseSwedishID accepts reparses
// from its display and long forms to the same identity.
func FuzzParseSwedishID(f *testing.F) {
	for _, s := range []string{"5560160680", "19090527+1474", "20000229-2399", "19730288-9931", "2608011231", "165560160680", "000229+2399", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseSwedishID(s, today)
		if err != nil {
			return
		}
		if len(id.Number) != 10 || !Luhn(id.Number) {
			t.Fatalf("parseSwedishID(%q).Number = %q", s, id.Number)
		}
		for _, form := range []string{id.Display, id.Long, id.Number} {
			if form == id.Number && id.Display[6] == '+' {
				// A centenarian's bare 10 digits read as born a century
				// later; only the display form carries the '+'.
				continue
			}
			again, err := parseSwedishID(form, today)
			if err != nil {
				t.Fatalf("reparse %q (from %q): %v", form, s, err)
			}
			if again != id {
				t.Fatalf("reparse %q = %+v, want %+v", form, again, id)
			}
		}
	})
}
