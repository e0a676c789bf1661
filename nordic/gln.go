package nordic

import "fmt"

// ValidateGLN checks a GS1 Global Location Number, the identifier behind
// Peppol electronic addresses and party IDs with scheme 0088: 13 ASCII
// digits whose last is the GS1 mod-10 check digit (weights 3,1,3,1… from the
// rightmost digit before it; check = (10 − sum mod 10) mod 10). This is
// Peppol PEPPOL-COMMON-R040's u:gln check plus the GS1 length of 13, which
// R040 itself does not test. Example: 9429041098400 is valid.
//
// Errors wrap ErrEmpty, ErrCharacters, ErrLength or ErrCheckDigit.
func ValidateGLN(s string) error {
	if err := requireDigits(s); err != nil {
		return err
	}
	if len(s) != 13 {
		return fmt.Errorf("%w: %d, a GLN has 13 digits", ErrLength, len(s))
	}
	sum := 0
	w := 3
	for i := len(s) - 2; i >= 0; i-- {
		sum += int(s[i]-'0') * w
		w = 4 - w
	}
	if (10-sum%10)%10 != int(s[len(s)-1]-'0') {
		return ErrCheckDigit
	}
	return nil
}
