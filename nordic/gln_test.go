package nordic

import (
	"errors"
	"testing"
)

func TestValidateGLN(t *testing.T) {
	tests := []struct {
		in      string
		wantErr error
	}{
		{"9429041098400", nil}, // §6, Peppol R040 test
		{"9429041098401", ErrCheckDigit},
		{"5790000435968", nil},
		{"7300010000001", nil},
		{"7300010000002", ErrCheckDigit},
		{"942904109840", ErrLength},
		{"94290410984000", ErrLength},
		{"9429041O98400", ErrCharacters},
		{"942904 1098400", ErrCharacters},
		{"", ErrEmpty},
	}
	for _, tt := range tests {
		if err := ValidateGLN(tt.in); !errors.Is(err, tt.wantErr) {
			t.Errorf("ValidateGLN(%q) = %v, want %v", tt.in, err, tt.wantErr)
		}
	}
}
