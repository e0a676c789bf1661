package nordic

import (
	"errors"
	"testing"
)

func TestSwedishVATNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"5560160680", "SE556016068001", nil}, // §6 vector
		{"556016-0680", "SE556016068001", nil},
		{"165560160680", "SE556016068001", nil},
		{"2021005489", "SE202100548901", nil},
		{"19090527+1474", "SE090527147401", nil}, // enskild firma
		{"5560160681", "", ErrCheckDigit},
		{"", "", ErrEmpty},
	}
	for _, tt := range tests {
		got, err := SwedishVATNumber(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("SwedishVATNumber(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNorwegianVATNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"991825827", "NO991825827MVA", nil},
		{"991 825 827", "NO991825827MVA", nil},
		{"123456786", "", ErrCheckDigit},
		{"NO991825827MVA", "", ErrCharacters},
	}
	for _, tt := range tests {
		got, err := NorwegianVATNumber(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("NorwegianVATNumber(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestValidateVATNumber(t *testing.T) {
	tests := []struct {
		in      string
		wantErr error
	}{
		{"NO991825827MVA", nil},           // Peppol NO-R-001 test
		{"NO991 825 827MVA", ErrFormat},   // Peppol NO-R-001 test: spaces not allowed
		{"NO123456786MVA", ErrCheckDigit}, // mod11 fails
		{"NO991825827", ErrFormat},        // MVA missing
		{"NO991825827mva", ErrFormat},     // lower-case suffix
		{"NO99182582MVA", ErrFormat},      // 8 digits
		{"SE556016068001", nil},           // §6 vector
		{"SE202100548901", nil},           //
		{"SE090527147401", nil},           // personnummer inside
		{"SE556016068101", ErrCheckDigit}, // orgnr Luhn fails
		{"SE556016068002", ErrFormat},     // suffix must be 01
		{"SE5560160680", ErrFormat},       // 12 characters (SE-R-001)
		{"SE55601606800101", ErrFormat},   // 16 characters
		{"SE556016-068001", ErrFormat},    // separator
		{"SE 556016068001", ErrFormat},    // space
		{"SE150916000601", ErrFormat},     // serial 000
		{"se556016068001", ErrCountry},    // prefix must be upper case
		{"DK12345678", ErrCountry},        // other countries
		{"", ErrEmpty},                    //
	}
	for _, tt := range tests {
		if err := ValidateVATNumber(tt.in); !errors.Is(err, tt.wantErr) {
			t.Errorf("ValidateVATNumber(%q) = %v, want %v", tt.in, err, tt.wantErr)
		}
	}
}

func TestMatchVATNumber(t *testing.T) {
	tests := []struct {
		country, orgnr, vat string
		wantErr             error
	}{
		{"SE", "5560160680", "SE556016068001", nil},
		{"se", "556016-0680", "SE556016068001", nil},
		{"SE", "", "SE556016068001", nil},
		{"SE", "2021005489", "SE556016068001", ErrMismatch},
		{"SE", "5560160680", "NO991825827MVA", ErrOtherCountry},
		{"SE", "5560160680", "SE556016068101", ErrCheckDigit}, // not a VAT number at all
		{"NO", "991825827", "NO991825827MVA", nil},
		{"NO", "991 825 827", "NO991825827MVA", nil},
		{"NO", "", "NO991825827MVA", nil},
		{"NO", "123456785", "NO991825827MVA", ErrMismatch},
		{"NO", "991825827", "SE556016068001", ErrOtherCountry},
		{"NO", "123456786", "NO991825827MVA", ErrCheckDigit}, // the orgnr itself is wrong
		{"DK", "", "SE556016068001", ErrCountry},
	}
	for _, tt := range tests {
		err := MatchVATNumber(tt.country, tt.orgnr, tt.vat)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("MatchVATNumber(%q, %q, %q) = %v, want %v", tt.country, tt.orgnr, tt.vat, err, tt.wantErr)
		}
	}
}
