package nordic

import (
	"errors"
	"testing"
)

func TestBankgiro(t *testing.T) {
	tests := []struct {
		in        string
		digits    string
		formatted string
		wantErr   error
	}{
		{"5402-9681", "54029681", "5402-9681", nil}, // §6
		{"5402-9682", "", "", ErrCheckDigit},        // §6
		{"160-9908", "1609908", "160-9908", nil},    // §6, Bankgirot's own number
		{"297-3675", "2973675", "297-3675", nil},
		{"640-5070", "6405070", "640-5070", nil},
		{"54029681", "54029681", "5402-9681", nil},
		{"6405070", "6405070", "640-5070", nil},
		{" 5402 9681 ", "54029681", "5402-9681", nil},
		{"5402 - 9681", "54029681", "5402-9681", nil},
		{"54-029681", "", "", ErrFormat},  // dash in the wrong place
		{"28 65 43-4", "", "", ErrFormat}, // a Plusgiro number
		{"5402--9681", "", "", ErrFormat}, //
		{"5402-9681-", "", "", ErrFormat}, //
		{"54-0296", "", "", ErrLength},    // dash placed right, too few digits
		{"540296", "", "", ErrLength},     // 6 digits
		{"5402-96810", "", "", ErrFormat}, //
		{"540296810", "", "", ErrLength},  // 9 digits
		{"5402-9681X", "", "", ErrCharacters},
		{"5402+9681", "", "", ErrCharacters},
		{"", "", "", ErrEmpty},
		{"   ", "", "", ErrEmpty},
		{"-", "", "", ErrLength},
	}
	for _, tt := range tests {
		got, err := ValidateBankgiro(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.digits {
			t.Errorf("ValidateBankgiro(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.digits, tt.wantErr)
		}
		f, err := FormatBankgiro(tt.in)
		if !errors.Is(err, tt.wantErr) || f != tt.formatted {
			t.Errorf("FormatBankgiro(%q) = %q, %v; want %q, %v", tt.in, f, err, tt.formatted, tt.wantErr)
		}
	}
}

func TestPlusgiro(t *testing.T) {
	tests := []struct {
		in        string
		digits    string
		formatted string
		wantErr   error
	}{
		{"28 65 43-4", "2865434", "28 65 43-4", nil},    // §6, IKEA
		{"410 54 68-5", "41054685", "410 54 68-5", nil}, // §6, IKEA
		{"4-2", "42", "4-2", nil},                       // §6, Riksbanken
		{"410 54 68-6", "", "", ErrCheckDigit},          // §6
		{"2865434", "2865434", "28 65 43-4", nil},
		{"41054685", "41054685", "410 54 68-5", nil},
		{" 4 - 2", "42", "4-2", nil},
		{"42", "42", "4-2", nil},
		{"90 20 03-3", "9020033", "90 20 03-3", nil},
		{"1230", "1230", "123-0", nil}, // 4 digits: odd body of 3
		{"12344", "12344", "12 34-4", nil},
		{"286543-4", "2865434", "28 65 43-4", nil},
		{"286-5434", "", "", ErrFormat}, // written like a Bankgiro number
		{"28 65 4-34", "", "", ErrFormat},
		{"4--2", "", "", ErrFormat},
		{"4", "", "", ErrLength},
		{"410 54 68-51", "", "", ErrFormat},
		{"410546851", "", "", ErrLength},
		{"410 54 68-5X", "", "", ErrCharacters},
		{"", "", "", ErrEmpty},
	}
	for _, tt := range tests {
		got, err := ValidatePlusgiro(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.digits {
			t.Errorf("ValidatePlusgiro(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.digits, tt.wantErr)
		}
		f, err := FormatPlusgiro(tt.in)
		if !errors.Is(err, tt.wantErr) || f != tt.formatted {
			t.Errorf("FormatPlusgiro(%q) = %q, %v; want %q, %v", tt.in, f, err, tt.formatted, tt.wantErr)
		}
	}
}

// TestGiroFormatRoundTrip checks that every formatted number validates back
// to the same digits, for each length.
func TestGiroFormatRoundTrip(t *testing.T) {
	for n := 1; n <= 7; n++ {
		body := "12345678"[:n]
		c, err := LuhnCheckDigit(body)
		if err != nil {
			t.Fatal(err)
		}
		d := body + string(rune('0'+c))
		f, err := FormatPlusgiro(d)
		if err != nil {
			t.Fatalf("FormatPlusgiro(%q): %v", d, err)
		}
		if back, err := ValidatePlusgiro(f); err != nil || back != d {
			t.Errorf("ValidatePlusgiro(%q) = %q, %v; want %q", f, back, err, d)
		}
		if n >= 6 {
			f, err := FormatBankgiro(d)
			if err != nil {
				t.Fatalf("FormatBankgiro(%q): %v", d, err)
			}
			if back, err := ValidateBankgiro(f); err != nil || back != d {
				t.Errorf("ValidateBankgiro(%q) = %q, %v; want %q", f, back, err, d)
			}
		}
	}
}
