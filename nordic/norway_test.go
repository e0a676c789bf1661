package nordic

import (
	"errors"
	"strconv"
	"testing"
)

func TestValidateNorwegianOrgNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"123456785", "123456785", nil}, // brreg worked example
		{"991825827", "991825827", nil}, // Peppol NO-R-001 test
		{"701730496", "701730496", nil},
		{"991 825 827", "991825827", nil},
		{" 991825827 ", "991825827", nil},
		{"123456786", "", ErrCheckDigit},
		{"991825828", "", ErrCheckDigit},
		{"", "", ErrEmpty},
		{"  ", "", ErrEmpty},
		{"99182582", "", ErrLength},
		{"9918258270", "", ErrLength},
		{"991-825-827", "", ErrCharacters},
		{"99182582A", "", ErrCharacters},
		{"NO991825827MVA", "", ErrCharacters},
	}
	for _, tt := range tests {
		got, err := ValidateNorwegianOrgNumber(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ValidateNorwegianOrgNumber(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNorwegianOrgNumberCheckDigit(t *testing.T) {
	tests := []struct {
		body    string
		want    int
		wantErr error
	}{
		{"12345678", 5, nil}, // brreg: sum 138, remainder 6
		{"99182582", 7, nil},
		{"70173049", 6, nil},
		{"10000013", 0, ErrCheckDigit}, // remainder 1: no valid check digit
		{"1234567", 0, ErrLength},
		{"1234567a", 0, ErrCharacters},
		{"", 0, ErrEmpty},
	}
	for _, tt := range tests {
		got, err := NorwegianOrgNumberCheckDigit(tt.body)
		if !errors.Is(err, tt.wantErr) || (err == nil && got != tt.want) {
			t.Errorf("NorwegianOrgNumberCheckDigit(%q) = %d, %v; want %d, %v", tt.body, got, err, tt.want, tt.wantErr)
		}
	}
	// No digit completes the base 10000013.
	for d := 0; d <= 9; d++ {
		if _, err := ValidateNorwegianOrgNumber("10000013" + strconv.Itoa(d)); !errors.Is(err, ErrCheckDigit) {
			t.Errorf("ValidateNorwegianOrgNumber(10000013%d) error = %v, want ErrCheckDigit", d, err)
		}
	}
}

func TestValidateOrganizationNumber(t *testing.T) {
	tests := []struct {
		country, in string
		want        string
		wantErr     error
	}{
		{"SE", "556016-0680", "5560160680", nil},
		{"se", "5561034249", "5561034249", nil},
		{"SE", "19090527+1474", "0905271474", nil}, // sole trader's personnummer
		{"SE", "19730288-9931", "7302889931", nil}, // samordningsnummer
		{"SE", "5560160681", "", ErrCheckDigit},
		{"SE", "991825827", "", ErrLength},
		{"NO", "991 825 827", "991825827", nil},
		{" no ", "123456785", "123456785", nil},
		{"NO", "5560160680", "", ErrLength},
		{"NO", "123456786", "", ErrCheckDigit},
		{"DK", "12345678", "", ErrCountry},
		{"", "5560160680", "", ErrCountry},
	}
	for _, tt := range tests {
		got, err := ValidateOrganizationNumber(tt.country, tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ValidateOrganizationNumber(%q, %q) = %q, %v; want %q, %v", tt.country, tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
