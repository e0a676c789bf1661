package nordic

import (
	"errors"
	"strings"
	"testing"
)

func TestNewKID(t *testing.T) {
	tests := []struct {
		base    string
		mod11   bool
		want    string
		wantErr error
	}{
		// §6 / §3.3 vectors.
		{"234567", false, "2345676", nil},
		{"60224", false, "602243", nil},
		{"1234", false, "12344", nil},
		{"0", false, "00", nil},
		{"1234567890", true, "12345678903", nil},
		{"1234", true, "12343", nil},
		{"31", true, "310", nil},
		{"40", true, "40-", nil},
		// Limits.
		{strings.Repeat("1", 24), false, "", nil},
		{strings.Repeat("1", 24), true, "", nil},
		{strings.Repeat("1", 25), false, "", ErrLength},
		{strings.Repeat("1", 25), true, "", ErrLength},
		{"", false, "", ErrEmpty},
		{"", true, "", ErrEmpty},
		{"12 34", false, "", ErrCharacters},
		{"12a", true, "", ErrCharacters},
	}
	for _, tt := range tests {
		newKID, validate := NewKIDMod10, ValidateKIDMod10
		if tt.mod11 {
			newKID, validate = NewKIDMod11, ValidateKIDMod11
		}
		got, err := newKID(tt.base)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("NewKID(mod11=%v, %q) error = %v, want %v", tt.mod11, tt.base, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("NewKID(mod11=%v, %q) = %q, want %q", tt.mod11, tt.base, got, tt.want)
		}
		if err := validate(got); err != nil {
			t.Errorf("validate(NewKID(mod11=%v, %q) = %q) = %v", tt.mod11, tt.base, got, err)
		}
		if err := ValidateKID(got); err != nil {
			t.Errorf("ValidateKID(%q) = %v", got, err)
		}
	}
}

func TestValidateKID(t *testing.T) {
	tests := []struct {
		in                   string
		mod10, mod11, either error
	}{
		{"2345676", nil, nil, nil}, // valid under both
		{"602243", nil, ErrCheckDigit, nil},
		{"2345674", ErrCheckDigit, ErrCheckDigit, ErrCheckDigit}, // §6: MOD10 ✘ (and MOD11 ✘)
		{"12345678903", nil, nil, nil},                           // §6 MOD11 vector, Luhn-valid too
		{"12343", ErrCheckDigit, nil, nil},
		{"310", ErrCheckDigit, nil, nil},
		{"40-", ErrCharacters, nil, nil},
		{"41-", ErrCharacters, ErrCheckDigit, ErrCheckDigit},
		{"00", nil, nil, nil},
		{"0", ErrLength, ErrLength, ErrLength},
		{"-", ErrCharacters, ErrLength, ErrLength},
		{"", ErrEmpty, ErrEmpty, ErrEmpty},
		{"4-0", ErrCharacters, ErrCharacters, ErrCharacters},
		{"1234 4", ErrCharacters, ErrCharacters, ErrCharacters},
		{"1234a", ErrCharacters, ErrCharacters, ErrCharacters},
		{strings.Repeat("0", 25), nil, nil, nil},
		{strings.Repeat("0", 26), ErrLength, ErrLength, ErrLength},
	}
	for _, tt := range tests {
		if err := ValidateKIDMod10(tt.in); !errors.Is(err, tt.mod10) {
			t.Errorf("ValidateKIDMod10(%q) = %v, want %v", tt.in, err, tt.mod10)
		}
		if err := ValidateKIDMod11(tt.in); !errors.Is(err, tt.mod11) {
			t.Errorf("ValidateKIDMod11(%q) = %v, want %v", tt.in, err, tt.mod11)
		}
		if err := ValidateKID(tt.in); !errors.Is(err, tt.either) {
			t.Errorf("ValidateKID(%q) = %v, want %v", tt.in, err, tt.either)
		}
	}
}

// FuzzKID checks that both generators' output validates under its own
// algorithm and under ValidateKID.
func FuzzKID(f *testing.F) {
	for _, s := range []string{"234567", "40", "0", "1234567890", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, base string) {
		if k, err := NewKIDMod10(base); err == nil {
			if ValidateKIDMod10(k) != nil || ValidateKID(k) != nil {
				t.Fatalf("MOD10 KID %q from %q does not validate", k, base)
			}
		}
		if k, err := NewKIDMod11(base); err == nil {
			if ValidateKIDMod11(k) != nil || ValidateKID(k) != nil {
				t.Fatalf("MOD11 KID %q from %q does not validate", k, base)
			}
		}
	})
}
