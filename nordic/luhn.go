package nordic

import (
	"fmt"
	"strings"
	"unicode"
)

// Luhn reports whether digits, check digit included, passes the Luhn
// ("10-modul") check of research notes §2.1: from the rightmost digit,
// multiply alternately by 1,2,1,2…, add the digit sums of the products, and
// the total must be divisible by 10.
//
// digits must be one or more ASCII digits and nothing else; anything else
// (empty, separators, letters) gives false. Strip separators first with
// NormalizeDigits when the input comes from people.
func Luhn(digits string) bool {
	if !allDigits(digits) {
		return false
	}
	return luhnSum(digits, false)%10 == 0
}

// LuhnCheckDigit returns the Luhn ("10-modul") check digit to append to body
// (research notes §2.1): from the rightmost digit of body, multiply
// alternately by 2,1,2,1…, add the digit sums, and the check digit is
// (10 − sum mod 10) mod 10. body+check then passes Luhn.
//
// It fails with ErrEmpty for an empty body and ErrCharacters for anything
// that is not an ASCII digit.
func LuhnCheckDigit(body string) (int, error) {
	if err := requireDigits(body); err != nil {
		return 0, err
	}
	return (10 - luhnSum(body, true)%10) % 10, nil
}

// luhnSum adds the Luhn digit sums of s. doubleFirst says whether the
// rightmost digit is doubled (true when s is a body without its check digit).
func luhnSum(s string, doubleFirst bool) int {
	sum := 0
	double := doubleFirst
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum
}

// mod11Check returns the MOD11 check value for body with the weights
// 2,3,4,5,6,7 repeating from the rightmost digit (research notes §3.1, §3.3):
// 0 when sum mod 11 is 0, 10 when it is 1 (no single digit fits), otherwise
// 11 − sum mod 11. body must be all digits.
func mod11Check(body string) int {
	sum := 0
	w := 2
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * w
		w++
		if w > 7 {
			w = 2
		}
	}
	r := sum % 11
	if r == 0 {
		return 0
	}
	return 11 - r
}

// NormalizeDigits removes the separators people type inside numbers: white
// space (unicode.IsSpace, so non-breaking spaces too), '-' and '+'. Every other character
// is kept, so a later check still reports letters as errors. It does not
// validate anything.
func NormalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '+' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// requireDigits returns ErrEmpty or ErrCharacters unless s is one or more
// ASCII digits.
func requireDigits(s string) error {
	if s == "" {
		return ErrEmpty
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return fmt.Errorf("%w: %q (only digits are allowed)", ErrCharacters, r)
		}
	}
	return nil
}

// Digits keeps only the ASCII digits of s: the search key of an
// organization or customer number, so "556016-0680", "556016 0680" and
// "5560160680" find the same customer.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
