package nordic

import (
	"errors"
	"testing"
)

func TestValidateNorwegianAccountNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"12345678903", "12345678903", nil}, // MOD11 of 1234567890 is 3 (research notes §3.3)
		{"86011117947", "86011117947", nil}, // the account in NO93 8601 1117 947
		{"1234.56.78903", "12345678903", nil},
		{"1234 56 78903", "12345678903", nil},
		{" 8601.11.17947 ", "86011117947", nil},
		{"12345678904", "", ErrCheckDigit},
		{"86011117948", "", ErrCheckDigit},
		{"10000000090", "", ErrCheckDigit}, // base 1000000009 has remainder 1: no check digit fits
		{"", "", ErrEmpty},
		{"1234567890", "", ErrLength},
		{"123456789031", "", ErrLength},
		{"1234-56-78903", "", ErrCharacters},
		{"1234567890A", "", ErrCharacters},
	}
	for _, tt := range tests {
		got, err := ValidateNorwegianAccountNumber(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ValidateNorwegianAccountNumber(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if got, err := FormatNorwegianAccountNumber("12345678903"); got != "1234.56.78903" || err != nil {
		t.Errorf("FormatNorwegianAccountNumber = %q, %v; want 1234.56.78903", got, err)
	}
	if _, err := FormatNorwegianAccountNumber("12345678904"); !errors.Is(err, ErrCheckDigit) {
		t.Errorf("FormatNorwegianAccountNumber(bad) error = %v, want ErrCheckDigit", err)
	}
}

func TestValidateIBAN(t *testing.T) {
	tests := []struct {
		in      string
		want    string // the printed form
		wantErr error
	}{
		{"SE4550000000058398257466", "SE45 5000 0000 0583 9825 7466", nil}, // SWIFT IBAN registry example
		{"se45 5000 0000 0583 9825 7466", "SE45 5000 0000 0583 9825 7466", nil},
		{"NO9386011117947", "NO93 8601 1117 947", nil}, // SWIFT IBAN registry example
		{"GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", nil},
		{"DE89370400440532013000", "DE89 3704 0044 0532 0130 00", nil},
		{"SE4650000000058398257466", "", ErrCheckDigit},
		{"NO9486011117947", "", ErrCheckDigit},
		{"NO4412345678904", "", ErrCheckDigit}, // mod 97 right, kontonummer check digit wrong
		{"SE45500000000583982574", "", ErrLength},
		{"NO938601111794", "", ErrLength},
		{"XX12", "", ErrLength},
		{"", "", ErrEmpty},
		{"SE45-5000-0000-0583-9825-7466", "", ErrCharacters},
		{"5E4550000000058398257466", "", ErrFormat},
		{"SEAB50000000058398257466", "", ErrFormat},
	}
	for _, tt := range tests {
		got, err := FormatIBAN(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("FormatIBAN(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if got, err := ValidateIBAN("SE45 5000 0000 0583 9825 7466"); got != "SE4550000000058398257466" || err != nil {
		t.Errorf("ValidateIBAN = %q, %v; want the electronic form", got, err)
	}
}

func TestValidateBIC(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"DNBANOKK", "DNBANOKK", nil},
		{"ndeasess", "NDEASESS", nil},
		{"NDEASESSXXX", "NDEASESSXXX", nil},
		{"ESSE SE SS", "ESSESESS", nil},
		{"DNBANOK", "", ErrLength},
		{"DNBANOKKX", "", ErrLength},
		{"DNB1NOKK", "", ErrFormat},
		{"DNBAN0KK", "", ErrFormat},
		{"DNBA-NOKK", "", ErrCharacters},
		{"", "", ErrEmpty},
	}
	for _, tt := range tests {
		got, err := ValidateBIC(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ValidateBIC(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
