package spiristest

import (
	"bytes"
	"fmt"

	"github.com/shopspring/decimal"
)

// Amount is a decimal number that marshals as a JSON number, the way the
// API sends money, quantities and rates.
type Amount struct{ decimal.Decimal }

// Dec wraps a decimal as an Amount.
func Dec(d decimal.Decimal) Amount { return Amount{d} }

// Cents returns the amount in minor units (öre), rounded half away from zero.
func (a Amount) Cents() int64 { return a.Shift(2).Round(0).IntPart() }

// MarshalJSON writes the amount as a plain JSON number.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.Decimal.String()), nil }

// UnmarshalJSON reads a JSON number (null reads as zero).
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		a.Decimal = decimal.Zero
		return nil
	}
	d, err := decimal.NewFromString(string(b))
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	a.Decimal = d
	return nil
}

// maxPlaces reports whether d has at most n decimal places.
func maxPlaces(d decimal.Decimal, n int32) bool { return d.Equal(d.Round(n)) }

func cents(c int64) Amount { return Amount{decimal.New(c, -2)} }

func round2(d decimal.Decimal) decimal.Decimal { return d.Round(2) }
