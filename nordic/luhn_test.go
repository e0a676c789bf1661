package nordic

import (
	"errors"
	"strconv"
	"testing"
)

func TestLuhn(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"2021005489", true}, // SE orgnr, Peppol R049/SE-R-013 test
		{"2021005480", false},
		{"5560160680", true}, // organisationsnummer/meta
		{"5560160681", false},
		{"5561034249", true},
		{"5561034250", false},
		{"1230", true}, // OCR 123 → 1230
		{"12351", true},
		{"1231", false},
		{"54029681", true}, // Bankgiro 5402-9681
		{"54029682", false},
		{"0", true},
		{"00", true},
		{"", false},
		{"5560-160680", false}, // separators are not digits
		{"556016068O", false},  // letter O
		{"٥", false},           // non-ASCII digit
	}
	for _, tt := range tests {
		if got := Luhn(tt.in); got != tt.want {
			t.Errorf("Luhn(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLuhnCheckDigit(t *testing.T) {
	tests := []struct {
		body    string
		want    int
		wantErr error
	}{
		{"202100548", 9, nil},
		{"556016068", 0, nil},
		{"556103424", 9, nil},
		{"123", 0, nil},
		{"1235", 1, nil},
		{"5402968", 1, nil},
		{"0", 0, nil},
		{"9", 1, nil},
		{"", 0, ErrEmpty},
		{"12a", 0, ErrCharacters},
		{"12 3", 0, ErrCharacters},
	}
	for _, tt := range tests {
		got, err := LuhnCheckDigit(tt.body)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("LuhnCheckDigit(%q) error = %v, want %v", tt.body, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("LuhnCheckDigit(%q) = %d, want %d", tt.body, got, tt.want)
		}
	}
}

func TestNormalizeDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"556016-0680", "5560160680"},
		{"090527+1474", "0905271474"},
		{" 410 54 68-5 ", "41054685"},
		{"991\u00a0825\t827", "991825827"},
		{"556016\u202f0680", "5560160680"},
		{"NO991825827MVA", "NO991825827MVA"}, // letters are kept for the check to report
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeDigits(tt.in); got != tt.want {
			t.Errorf("NormalizeDigits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzLuhn checks that a body with its computed check digit always passes
// Luhn and that any other last digit fails. The seed corpus runs under go
// test.
func FuzzLuhn(f *testing.F) {
	for _, s := range []string{"0", "123", "202100548", "556016068", "5402968", "12345678901234567890123", "x1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c, err := LuhnCheckDigit(body)
		if err != nil {
			if allDigits(body) {
				t.Fatalf("LuhnCheckDigit(%q) failed on digits: %v", body, err)
			}
			return
		}
		if !Luhn(body + strconv.Itoa(c)) {
			t.Fatalf("Luhn(%q + %d) = false", body, c)
		}
		for other := 0; other < 10; other++ {
			if other != c && Luhn(body+strconv.Itoa(other)) {
				t.Fatalf("Luhn(%q + %d) = true, but the check digit is %d", body, other, c)
			}
		}
	})
}

func TestDigits(t *testing.T) {
	for in, want := range map[string]string{"556016-0680": "5560160680", " 991 825 827 MVA": "991825827", "SE556016068001": "556016068001", "": "", "abc": ""} {
		if got := Digits(in); got != want {
			t.Errorf("Digits(%q) = %q, want %q", in, got, want)
		}
	}
}
