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
