package core

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"
)

// vatRatesByCountry lists the VAT rates (percent) a merchant may charge.
// Which goods take which rate changes over time (Swedish food is 6 % from
// 2026-04-01 to 2027-12-31, eat-in restaurant service stays 12 %); the set of
// legal rates has not changed in the period ledgerbridge serves, so a charge
// is validated against this set. The mapping package owns the date-effective
// product-group rules.
var vatRatesByCountry = map[Country][]string{
	Sweden: {"0", "6", "12", "25"},
	Norway: {"0", "12", "15", "25"},
}

// ValidVATRate reports whether rate is a legal VAT percentage in country.
func ValidVATRate(country Country, rate decimal.Decimal) bool {
	for _, r := range vatRatesByCountry[country] {
		if decimal.RequireFromString(r).Equal(rate) {
			return true
		}
	}
	return false
}

// VATRates returns the legal VAT percentages of country, ascending.
func VATRates(country Country) []decimal.Decimal {
	out := make([]decimal.Decimal, 0, len(vatRatesByCountry[country]))
	for _, r := range vatRatesByCountry[country] {
		out = append(out, decimal.RequireFromString(r))
	}
	return out
}

// VATAmount is the net and VAT of all lines at one rate.
type VATAmount struct {
	VATRate decimal.Decimal `json:"vat_rate"`
	Net     int64           `json:"net"`
	VAT     int64           `json:"vat"`
}

// PricedLines is the result of PriceLines: every line with its net, VAT and
// total, and the per-rate breakdown whose sums equal the lines' sums.
type PricedLines struct {
	Lines     []InvoiceLine
	Breakdown []VATAmount
	Net       int64
	VAT       int64
	Total     int64
}

// PriceLines computes net, VAT and total of each line and of the invoice.
//
// The rounding rule: each line's amount is quantity × unit price rounded half
// away from zero to whole minor units. VAT is computed once per rate on the
// sum of that rate's line amounts (so an invoice's VAT per rate is exactly
// what Skatteverket's rule gives for the taxable amount) and then spread over
// the rate's lines by largest remainder, so the lines add up to the
// breakdown and the breakdown to the totals, to the öre.
//
// With pricesIncludeVAT the unit prices are gross (the register's shelf
// prices) and VAT = gross × r/(100+r); otherwise they are net and
// VAT = net × r/100. Lines must already be valid (see ChargeRequest.Validate).
func PriceLines(lines []LineInput, pricesIncludeVAT bool) PricedLines {
	out := PricedLines{Lines: make([]InvoiceLine, len(lines))}
	amounts := make([]int64, len(lines))
	byRate := map[string][]int{}
	var rateKeys []string
	for i, l := range lines {
		amounts[i] = RoundHalfAwayFromZero(l.Quantity.Mul(decimal.NewFromInt(l.UnitPrice)))
		key := l.VATRate.String()
		if _, ok := byRate[key]; !ok {
			rateKeys = append(rateKeys, key)
		}
		byRate[key] = append(byRate[key], i)
	}
	sort.Slice(rateKeys, func(a, b int) bool {
		return decimal.RequireFromString(rateKeys[a]).LessThan(decimal.RequireFromString(rateKeys[b]))
	})
	hundred := decimal.NewFromInt(100)
	for _, key := range rateKeys {
		idx := byRate[key]
		rate := lines[idx[0]].VATRate
		var sum int64
		for _, i := range idx {
			sum += amounts[i]
		}
		// VAT is amount × rate / base. Multiply before dividing: a share
		// like 12/112 has no exact decimal form, and rounding it first
		// turns an exact half öre (2 × 10,01 kr at 12 % = 214,50) into
		// 214,4999… and rounds the wrong way.
		base := hundred
		if pricesIncludeVAT {
			base = hundred.Add(rate)
		}
		rateVAT := RoundHalfAwayFromZero(vatOf(sum, rate, base))
		lineVAT := spread(rateVAT, amounts, idx, rate, base)
		var rateNet int64
		for k, i := range idx {
			l := lines[i]
			il := InvoiceLine{
				Description:  l.Description,
				ProductGroup: l.ProductGroup,
				Quantity:     l.Quantity,
				UnitPrice:    l.UnitPrice,
				VATRate:      l.VATRate,
				Takeaway:     l.Takeaway,
				VAT:          lineVAT[k],
			}
			if pricesIncludeVAT {
				il.Total = amounts[i]
				il.Net = amounts[i] - lineVAT[k]
			} else {
				il.Net = amounts[i]
				il.Total = amounts[i] + lineVAT[k]
			}
			rateNet += il.Net
			out.Lines[i] = il
		}
		out.Breakdown = append(out.Breakdown, VATAmount{VATRate: rate, Net: rateNet, VAT: rateVAT})
		out.Net += rateNet
		out.VAT += rateVAT
	}
	out.Total = out.Net + out.VAT
	return out
}

// vatOf is amount × rate / base, exact to 16 decimal places (so exactly
// representable results, including every half öre, are exact).
func vatOf(amount int64, rate, base decimal.Decimal) decimal.Decimal {
	return decimal.NewFromInt(amount).Mul(rate).Div(base)
}

// spread divides total over the lines idx in proportion to their amounts
// (each line's exact VAT is amount × rate / base), giving the öre left over
// by truncation to the lines with the largest remainders. The result sums
// to total exactly.
func spread(total int64, amounts []int64, idx []int, rate, base decimal.Decimal) []int64 {
	out := make([]int64, len(idx))
	type rem struct {
		k int
		r decimal.Decimal
	}
	rems := make([]rem, len(idx))
	var assigned int64
	for k, i := range idx {
		exact := vatOf(amounts[i], rate, base)
		whole := exact.Truncate(0)
		out[k] = whole.IntPart()
		assigned += out[k]
		rems[k] = rem{k, exact.Sub(whole).Abs()}
	}
	left := total - assigned
	step := int64(1)
	if left < 0 {
		step, left = -1, -left
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r.GreaterThan(rems[b].r) })
	for n := int64(0); n < left; n++ {
		out[rems[int(n)%len(rems)].k] += step
	}
	return out
}

// FormatVATRate renders a rate as the contract's decimal string ("25", "12.5").
func FormatVATRate(rate decimal.Decimal) string { return rate.String() }

// ParseVATRate parses a contract VAT rate string; it names field on error.
func ParseVATRate(field, s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, Invalid("invalid VAT rate", FieldError{Field: field, Message: fmt.Sprintf("%q is not a decimal percentage", s)})
	}
	return d, nil
}
