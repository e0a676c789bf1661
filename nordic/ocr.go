package nordic

import (
	"fmt"
	"strconv"
)

// Length limits of OCR references and KID numbers, check digit and (for
// OCR) length digit included (research notes §2.3, §3.3).
const (
	MinReferenceLength = 2
	MaxReferenceLength = 25
)

// NewOCR builds a Bankgirot OCR reference from base (research notes §2.3,
// Bankgirot "OCR-referenskontroll"). With lengthDigit it first appends the
// length digit: the total length of the reference, length and check digit
// included, mod 10. It then appends the Luhn check digit computed over
// everything before it, length digit included.
//
// Examples: "123" → "1230"; "123" with length digit → "12351";
// "1234567890" with length digit → "123456789023".
//
// base must be ASCII digits only (ErrEmpty, ErrCharacters otherwise) and
// the result 2–25 digits long (ErrLength). The result always passes
// ValidateOCR with the same lengthDigit, and also without the length digit
// check, since it is Luhn-valid as a whole.
func NewOCR(base string, lengthDigit bool) (string, error) {
	if err := requireDigits(base); err != nil {
		return "", err
	}
	total := len(base) + 1
	if lengthDigit {
		total++
	}
	if total > MaxReferenceLength {
		return "", fmt.Errorf("%w: the reference would have %d digits, at most %d are allowed", ErrLength, total, MaxReferenceLength)
	}
	body := base
	if lengthDigit {
		body += strconv.Itoa(total % 10)
	}
	c, err := LuhnCheckDigit(body)
	if err != nil {
		return "", err
	}
	return body + strconv.Itoa(c), nil
}

// ValidateOCR checks a Bankgirot OCR reference (research notes §2.3): 2–25
// ASCII digits, the last a Luhn check digit over the whole; with lengthDigit
// the second-to-last digit must equal the total length mod 10. Which of the
// two controls applies is fixed by the payee's agreement with Bankgirot.
//
// s must be digits only; strip separators first with NormalizeDigits if it
// was typed by a person. Errors wrap ErrEmpty, ErrCharacters, ErrLength,
// ErrLengthDigit or ErrCheckDigit.
func ValidateOCR(s string, lengthDigit bool) error {
	if err := checkReferenceDigits(s); err != nil {
		return err
	}
	if lengthDigit && int(s[len(s)-2]-'0') != len(s)%10 {
		return fmt.Errorf("%w: the reference has %d digits, so its second-to-last digit must be %d", ErrLengthDigit, len(s), len(s)%10)
	}
	if !Luhn(s) {
		return ErrCheckDigit
	}
	return nil
}

// checkReferenceDigits checks that s is 2–25 ASCII digits.
func checkReferenceDigits(s string) error {
	if err := requireDigits(s); err != nil {
		return err
	}
	return checkReferenceLength(s)
}

func checkReferenceLength(s string) error {
	if len(s) < MinReferenceLength || len(s) > MaxReferenceLength {
		return fmt.Errorf("%w: %d, want %d to %d", ErrLength, len(s), MinReferenceLength, MaxReferenceLength)
	}
	return nil
}
