package core

import (
	"regexp"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 code such as "SEK" or "NOK".
type Currency string

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Valid reports whether c has the shape of an ISO 4217 code.
func (c Currency) Valid() bool { return currencyPattern.MatchString(string(c)) }

// Money is an amount in minor units (öre/øre) with its currency. Amounts
// are exact integers; arithmetic never goes through float.
type Money struct {
	Amount   int64    `json:"amount"`
	Currency Currency `json:"currency"`
}

// RoundHalfAwayFromZero rounds an exact decimal to whole minor units: a half
// unit rounds away from zero (Skatteverket: third decimal 0–4 down, 5–9 up;
// for negative amounts the same rule mirrored, so a credit is the exact
// negative of its invoice).
func RoundHalfAwayFromZero(d decimal.Decimal) int64 {
	return d.Round(0).IntPart()
}

// FormatAmount renders minor units with a decimal comma and a space as the
// thousands separator, as Swedish and Norwegian documents print money:
// 123450 → "1 234,50", -5 → "-0,05". It never goes through float.
func FormatAmount(minor int64) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-(minor + 1)) + 1 // -MinInt64 overflows int64
	}
	whole, frac := u/100, u%100
	digits := []byte(uitoa(whole))
	var b []byte
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ' ')
		}
		b = append(b, d)
	}
	s := string(b) + "," + string([]byte{byte('0' + frac/10), byte('0' + frac%10)})
	if neg {
		s = "-" + s
	}
	return s
}

func uitoa(u uint64) string {
	if u == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[i:])
}
