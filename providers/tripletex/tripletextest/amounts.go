package tripletextest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is an amount in øre (NOK minor units). Tripletex speaks decimal
// kroner on the wire; the mock keeps integers so sums balance exactly.
type Amount int64

// MarshalJSON writes kroner with two decimals, e.g. -12500.00.
func (m Amount) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// String formats kroner with two decimals.
func (m Amount) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Float returns the amount in kroner, for tests and state inspection.
func (m Amount) Float() float64 { return float64(m) / 100 }

// asDecimal accepts a JSON number or a string holding one (Tripletex
// tolerates "amountGross":"2000").
func asDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case json.Number:
		d, err := decimal.NewFromString(x.String())
		return d, err == nil
	case string:
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		return d, err == nil
	}
	return decimal.Zero, false
}

// toMoney rounds kroner to øre, half away from zero.
func toMoney(d decimal.Decimal) Amount {
	return Amount(d.Shift(2).Round(0).IntPart())
}

func (m Amount) decimal() decimal.Decimal { return decimal.New(int64(m), -2) }

// netOfGross splits a gross amount into net and VAT for a rate given in
// percent: net = gross / (1 + rate/100) rounded half away from zero to øre,
// VAT = gross − net, so net + VAT always equals the gross amount.
func netOfGross(gross Amount, rate decimal.Decimal) (net, vat Amount) {
	if rate.IsZero() {
		return gross, 0
	}
	f := decimal.NewFromInt(1).Add(rate.Div(decimal.NewFromInt(100)))
	net = toMoney(gross.decimal().DivRound(f, 8))
	return net, gross - net
}

// decJSON writes a decimal as a JSON number.
func decJSON(d decimal.Decimal) json.Number { return json.Number(d.String()) }
