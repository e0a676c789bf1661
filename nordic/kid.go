package nordic

import (
	"errors"
	"fmt"
	"strconv"
)

// A KID (kundeidentifikasjon) is the Norwegian payment reference: 2–25
// characters whose last is a MOD10 or MOD11 check digit (research notes
// §3.3). The payee's agreement with its bank fixes which algorithm applies,
// the length, and whether a KID is mandatory; use ValidateKIDMod10 or
// ValidateKIDMod11 when the agreement is known, and ValidateKID only when it
// is not.

// NewKIDMod10 returns base followed by its MOD10 (Luhn) check digit, the
// same algorithm as the Swedish OCR check digit (research notes §3.3).
// Examples: "234567" → "2345676", "60224" → "602243", "0" → "00".
//
// base must be 1–24 ASCII digits; errors wrap ErrEmpty, ErrCharacters or
// ErrLength.
func NewKIDMod10(base string) (string, error) {
	if err := checkKIDBase(base); err != nil {
		return "", err
	}
	c, err := LuhnCheckDigit(base)
	if err != nil {
		return "", err
	}
	return base + strconv.Itoa(c), nil
}

// NewKIDMod11 returns base followed by its MOD11 check digit: weights
// 2,3,4,5,6,7 repeating from the rightmost digit, check = 11 − sum mod 11,
// remainder 0 → 0, and remainder 1 → '-' (research notes §3.3; a KID may end
// in '-', an organization number may not). Examples: "1234567890" →
// "12345678903", "31" → "310", "40" → "40-".
//
// base must be 1–24 ASCII digits; errors wrap ErrEmpty, ErrCharacters or
// ErrLength.
func NewKIDMod11(base string) (string, error) {
	if err := checkKIDBase(base); err != nil {
		return "", err
	}
	return base + mod11KIDDigit(base), nil
}

// ValidateKIDMod10 checks a KID whose agreement uses MOD10: 2–25 ASCII
// digits passing the Luhn check (research notes §3.3). Errors wrap ErrEmpty,
// ErrCharacters, ErrLength or ErrCheckDigit.
func ValidateKIDMod10(s string) error {
	if err := checkReferenceDigits(s); err != nil {
		return err
	}
	if !Luhn(s) {
		return ErrCheckDigit
	}
	return nil
}

// ValidateKIDMod11 checks a KID whose agreement uses MOD11: 2–25
// characters, all ASCII digits except that the last may be '-' (check value
// 10), and the last matching the MOD11 check over the others (research
// notes §3.3). Errors wrap ErrEmpty, ErrCharacters, ErrLength or
// ErrCheckDigit.
func ValidateKIDMod11(s string) error {
	if s == "" {
		return ErrEmpty
	}
	body, last := s[:len(s)-1], s[len(s)-1:]
	if body != "" {
		if err := requireDigits(body); err != nil {
			return err
		}
	}
	if last != "-" {
		if err := requireDigits(last); err != nil {
			return err
		}
	}
	if err := checkReferenceLength(s); err != nil {
		return err
	}
	if mod11KIDDigit(body) != last {
		return ErrCheckDigit
	}
	return nil
}

// ValidateKID checks a KID when the bank agreement's algorithm is not known:
// it accepts s if it is valid under MOD10 or under MOD11 (a KID ending in
// '-' can only be MOD11). Prefer ValidateKIDMod10/ValidateKIDMod11: the
// bank agreement fixes one algorithm, and a KID valid only under the other
// is rejected by the bank. Errors are those of the MOD11 check for a KID
// ending in '-'; otherwise ErrEmpty, ErrCharacters or ErrLength, or
// ErrCheckDigit when neither algorithm matches.
func ValidateKID(s string) error {
	if s != "" && s[len(s)-1] == '-' {
		return ValidateKIDMod11(s)
	}
	err10 := ValidateKIDMod10(s)
	if err10 == nil || !errors.Is(err10, ErrCheckDigit) {
		return err10
	}
	if ValidateKIDMod11(s) == nil {
		return nil
	}
	return fmt.Errorf("%w under either MOD10 or MOD11", ErrCheckDigit)
}

// mod11KIDDigit returns the MOD11 check character for a KID body: a digit,
// or "-" for check value 10.
func mod11KIDDigit(body string) string {
	c := mod11Check(body)
	if c == 10 {
		return "-"
	}
	return strconv.Itoa(c)
}

func checkKIDBase(base string) error {
	if err := requireDigits(base); err != nil {
		return err
	}
	if len(base)+1 > MaxReferenceLength {
		return fmt.Errorf("%w: the KID would have %d characters, at most %d are allowed", ErrLength, len(base)+1, MaxReferenceLength)
	}
	return nil
}
