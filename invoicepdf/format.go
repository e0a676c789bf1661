package invoicepdf

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// formatAmount renders an amount in minor units (öre/øre) the Nordic way:
// a space between thousands, a decimal comma and always two decimals, with a
// leading minus for negative amounts: 123450 → "1 234,50", -5 → "-0,05".
// It works on integers only, so no amount is ever off by an öre.
func formatAmount(minor int64) string {
	neg := minor < 0
	// uint64 holds the magnitude of math.MinInt64 too.
	abs := uint64(minor)
	if neg {
		abs = -abs
	}
	whole := strconv.FormatUint(abs/100, 10)
	frac := abs % 100

	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	b.WriteByte(',')
	b.WriteByte(byte('0' + frac/10))
	b.WriteByte(byte('0' + frac%10))
	return b.String()
}

// formatQuantity renders a quantity as written, with a decimal comma and no
// added or dropped significant digits: 2 → "2", 1.5 → "1,5", -0.25 → "-0,25".
func formatQuantity(q decimal.Decimal) string {
	return strings.Replace(q.String(), ".", ",", 1)
}

// formatRate renders a VAT percentage: 25 → "25 %", 12.5 → "12,5 %".
func formatRate(r decimal.Decimal) string {
	return formatQuantity(r) + " %"
}
