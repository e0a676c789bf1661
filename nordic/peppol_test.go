package nordic

import (
	"errors"
	"testing"
)

func TestParseParticipantID(t *testing.T) {
	tests := []struct {
		in            string
		scheme, value string
		wantErr       error
	}{
		{"0007:5560160680", "0007", "5560160680", nil}, // §6 vector
		{"0007:2021005489", "0007", "2021005489", nil}, // Peppol R049 test
		{" 0007 : 556016-0680 ", "0007", "5560160680", nil},
		{"iso6523-actorid-upis::0007:5560160680", "0007", "5560160680", nil},
		{"0007:2021005480", "", "", ErrCheckDigit}, // R049 test: fails Luhn
		{"0007:556016068", "", "", ErrLength},
		{"0007:55601606800", "", "", ErrLength},
		{"0007:SE556016068001", "", "", ErrCharacters},
		{"0192:991825827", "0192", "991825827", nil}, // R041 / NO-R-001 test
		{"0192:123456786", "", "", ErrCheckDigit},
		{"0192:12345678", "", "", ErrLength},
		{"0088:9429041098400", "0088", "9429041098400", nil}, // R040 test
		{"0088:9429041098401", "", "", ErrCheckDigit},
		{"0088:942904109840", "", "", ErrLength},
		{"0184:12345678", "0184", "12345678", nil}, // R042: 8 digits
		{"0184:dk12345678", "0184", "DK12345678", nil},
		{"0184:1234567", "", "", ErrLength},
		{"0037:003701120389", "0037", "003701120389", nil}, // Nokia Oyj, Y-tunnus 0112038-9
		{"0037:003701120389AB1", "0037", "003701120389AB1", nil},
		{"0037:003701120388", "", "", ErrCheckDigit},
		{"0037:01120389", "", "", ErrFormat},
		{"9999:123", "", "", ErrScheme},
		{"0208:0123456749", "", "", ErrScheme},
		{"5560160680", "", "", ErrFormat},
		{"0007:", "", "", ErrFormat},
		{"7:5560160680", "", "", ErrFormat},
		{"", "", "", ErrEmpty},
	}
	for _, tt := range tests {
		scheme, value, err := ParseParticipantID(tt.in)
		if !errors.Is(err, tt.wantErr) || scheme != tt.scheme || value != tt.value {
			t.Errorf("ParseParticipantID(%q) = %q, %q, %v; want %q, %q, %v", tt.in, scheme, value, err, tt.scheme, tt.value, tt.wantErr)
		}
	}
}
