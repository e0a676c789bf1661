package nordic

import (
	"errors"
	"strings"
	"testing"
)

func TestNewOCR(t *testing.T) {
	tests := []struct {
		base        string
		lengthDigit bool
		want        string
		wantErr     error
	}{
		{"123", false, "1230", nil},                     // §6
		{"123", true, "12351", nil},                     // §6
		{"1234567890", true, "123456789023", nil},       // §6: 12 digits, length digit 2
		{"12345678900", true, "1234567890037", nil},     // §2.3: padded with 0
		{"1", false, "18", nil},                         // shortest: 2 digits
		{"1", true, "133", nil},                         //
		{strings.Repeat("1", 24), false, "", nil},       // 25 digits: allowed
		{strings.Repeat("1", 23), true, "", nil},        // 25 digits with length digit
		{strings.Repeat("1", 25), false, "", ErrLength}, // 26 digits
		{strings.Repeat("1", 24), true, "", ErrLength},  // 26 digits
		{"", false, "", ErrEmpty},                       //
		{"12 3", false, "", ErrCharacters},              //
		{"12-3", true, "", ErrCharacters},               //
		{"abc", true, "", ErrCharacters},                //
	}
	for _, tt := range tests {
		got, err := NewOCR(tt.base, tt.lengthDigit)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("NewOCR(%q, %v) error = %v, want %v", tt.base, tt.lengthDigit, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("NewOCR(%q, %v) = %q, want %q", tt.base, tt.lengthDigit, got, tt.want)
		}
		if err := ValidateOCR(got, tt.lengthDigit); err != nil {
			t.Errorf("ValidateOCR(NewOCR(%q, %v) = %q) = %v", tt.base, tt.lengthDigit, got, err)
		}
	}
}

func TestValidateOCR(t *testing.T) {
	tests := []struct {
		in          string
		lengthDigit bool
		wantErr     error
	}{
		{"1230", false, nil},
		{"12351", true, nil},
		{"12351", false, nil}, // a length-digit OCR is Luhn-valid as a whole
		{"123456789023", true, nil},
		{"1234567890037", true, nil},
		{"1231", false, ErrCheckDigit},  // §2.3 "1231 bad"
		{"12369", true, ErrLengthDigit}, // §6: Luhn fits, length digit 6 ≠ 5
		{"12369", false, nil},           // without the length control it passes
		{"12352", true, ErrCheckDigit},  // length fits, check digit does not
		{"1230", true, ErrLengthDigit},  // 4 digits, length digit would be 4
		{"18", false, nil},              // 2 digits: shortest
		{"8", false, ErrLength},         //
		{strings.Repeat("0", 25), false, nil},
		{strings.Repeat("0", 26), false, ErrLength},
		{"", false, ErrEmpty},
		{"1230 ", false, ErrCharacters},
		{"12-30", false, ErrCharacters},
		{"123O", false, ErrCharacters},
	}
	for _, tt := range tests {
		if err := ValidateOCR(tt.in, tt.lengthDigit); !errors.Is(err, tt.wantErr) {
			t.Errorf("ValidateOCR(%q, %v) = %v, want %v", tt.in, tt.lengthDigit, err, tt.wantErr)
		}
	}
}

// FuzzOCR checks the round trip: whatever NewOCR builds passes ValidateOCR
// with the same length-digit setting, and changing its last digit makes it
// fail. The seed corpus runs under go test.
func FuzzOCR(f *testing.F) {
	f.Add("123", false)
	f.Add("123", true)
	f.Add("1234567890", true)
	f.Add("0", true)
	f.Add("99999999999999999999999", true)
	f.Add("", false)
	f.Add("12a", true)
	f.Fuzz(func(t *testing.T, base string, lengthDigit bool) {
		ocr, err := NewOCR(base, lengthDigit)
		if err != nil {
			if allDigits(base) && len(base) <= 22 {
				t.Fatalf("NewOCR(%q, %v) failed: %v", base, lengthDigit, err)
			}
			return
		}
		if !strings.HasPrefix(ocr, base) {
			t.Fatalf("NewOCR(%q, %v) = %q does not start with the base", base, lengthDigit, ocr)
		}
		if err := ValidateOCR(ocr, lengthDigit); err != nil {
			t.Fatalf("ValidateOCR(%q, %v) = %v", ocr, lengthDigit, err)
		}
		if err := ValidateOCR(ocr, false); err != nil {
			t.Fatalf("ValidateOCR(%q, false) = %v", ocr, err)
		}
		last := ocr[len(ocr)-1]
		bad := ocr[:len(ocr)-1] + string('0'+(last-'0'+1)%10)
		if err := ValidateOCR(bad, lengthDigit); !errors.Is(err, ErrCheckDigit) {
			t.Fatalf("ValidateOCR(%q, %v) = %v, want ErrCheckDigit", bad, lengthDigit, err)
		}
	})
}
