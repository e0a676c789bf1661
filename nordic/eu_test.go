package nordic

import (
	"errors"
	"testing"
)

func TestIsEUMember(t *testing.T) {
	tests := []struct {
		country string
		eu, eea bool
	}{
		{"SE", true, true}, {"se", true, true}, {" DE ", true, true}, {"GR", true, true}, {"EL", true, true},
		{"NO", false, true}, {"IS", false, true}, {"LI", false, true},
		{"GB", false, false}, {"CH", false, false}, {"US", false, false}, {"", false, false},
	}
	for _, tt := range tests {
		if got := IsEUMember(tt.country); got != tt.eu {
			t.Errorf("IsEUMember(%q) = %v, want %v", tt.country, got, tt.eu)
		}
		if got := IsEEAMember(tt.country); got != tt.eea {
			t.Errorf("IsEEAMember(%q) = %v, want %v", tt.country, got, tt.eea)
		}
	}
	if n := len(EUMemberStates()); n != 27 {
		t.Errorf("EUMemberStates has %d states, want 27", n)
	}
	for _, c := range EUMemberStates() {
		if _, ok := vatFormats[euMembers[c]]; !ok && c != "SE" {
			t.Errorf("no VAT number format for member state %s", c)
		}
	}
}

func TestValidateBuyerVATNumber(t *testing.T) {
	tests := []struct {
		in            string
		want, country string
		wantErr       error
	}{
		{"SE556016068001", "SE556016068001", "SE", nil}, // §6 vector
		{"se 5560 1606 8001", "SE556016068001", "SE", nil},
		{"SE556016068101", "", "", ErrCheckDigit}, // orgnr 5560160681 fails Luhn
		{"SE556016068002", "", "", ErrFormat},     // must end in 01
		{"NO991825827MVA", "NO991825827MVA", "NO", nil},
		{"NO 991 825 827 MVA", "NO991825827MVA", "NO", nil},
		{"NO123456786MVA", "", "", ErrCheckDigit},
		{"NO991825827", "", "", ErrFormat},
		{"DE123456789", "DE123456789", "DE", nil},
		{"DE12345678", "", "", ErrFormat},
		{"ATU12345678", "ATU12345678", "AT", nil},
		{"AT12345678", "", "", ErrFormat},
		{"DK12345678", "DK12345678", "DK", nil},
		{"FI12345678", "FI12345678", "FI", nil},
		{"NL123456789B01", "NL123456789B01", "NL", nil},
		{"NL123456789", "", "", ErrFormat},
		{"FRXX123456789", "FRXX123456789", "FR", nil},
		{"FR12345678901", "FR12345678901", "FR", nil},
		{"BE0123456789", "BE0123456789", "BE", nil},
		{"BE2123456789", "", "", ErrFormat},
		{"IE1234567WA", "IE1234567WA", "IE", nil},
		{"IE1A23456W", "IE1A23456W", "IE", nil},
		{"ESX1234567X", "ESX1234567X", "ES", nil},
		{"EL123456789", "EL123456789", "GR", nil},
		{"GR123456789", "", "", ErrCountry},
		{"PL1234567890", "PL1234567890", "PL", nil},
		{"CY12345678X", "CY12345678X", "CY", nil},
		{"GB123456789", "GB123456789", "GB", nil},
		{"CHE-123.456.789 MWST", "CHE123456789MWST", "CH", nil},
		{"US123456789", "", "", ErrCountry},
		{"", "", "", ErrEmpty},
		{"  ", "", "", ErrEmpty},
		{"DE", "", "", ErrFormat},
	}
	for _, tt := range tests {
		got, country, err := ValidateBuyerVATNumber(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want || country != tt.country {
			t.Errorf("ValidateBuyerVATNumber(%q) = %q, %q, %v; want %q, %q, %v", tt.in, got, country, err, tt.want, tt.country, tt.wantErr)
		}
	}
}
