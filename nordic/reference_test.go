package nordic

import (
	"errors"
	"math"
	"testing"
)

func TestInvoiceReference(t *testing.T) {
	tests := []struct {
		country string
		number  int64
		want    string
		wantErr error
	}{
		{"SE", 123, "12351", nil},               // OCR with length digit, §6
		{"SE", 1234567890, "123456789023", nil}, // §6
		{"se", 1, "133", nil},                   //
		{"NO", 234567, "2345676", nil},          // KID MOD10, §6
		{"NO", 60224, "602243", nil},            // §6
		{" no ", 1234, "12344", nil},            //
		{"SE", math.MaxInt64, "922337203685477580710", nil},
		{"NO", math.MaxInt64, "92233720368547758074", nil},
		{"SE", 0, "", ErrFormat},
		{"NO", -5, "", ErrFormat},
		{"DK", 123, "", ErrCountry},
		{"", 123, "", ErrCountry},
	}
	for _, tt := range tests {
		got, err := InvoiceReference(tt.country, tt.number)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("InvoiceReference(%q, %d) = %q, %v; want %q, %v", tt.country, tt.number, got, err, tt.want, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		switch tt.country {
		case "SE", "se":
			if err := ValidateOCR(got, true); err != nil {
				t.Errorf("ValidateOCR(%q, true) = %v", got, err)
			}
		default:
			if err := ValidateKIDMod10(got); err != nil {
				t.Errorf("ValidateKIDMod10(%q) = %v", got, err)
			}
		}
	}
}
