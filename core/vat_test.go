package core

import (
	"math/big"
	"math/rand"
	"testing"

	"github.com/shopspring/decimal"
)

func line(qty string, unit int64, rate string) LineInput {
	return LineInput{Description: "x", Quantity: decimal.RequireFromString(qty), UnitPrice: unit, VATRate: decimal.RequireFromString(rate)}
}

func TestPriceLines(t *testing.T) {
	tests := []struct {
		name       string
		lines      []LineInput
		inclVAT    bool
		wantNet    int64
		wantVAT    int64
		wantTotal  int64
		wantLineV  []int64
		wantByRate map[string][2]int64 // rate → net, vat
	}{
		{
			name:    "gross 125 kr at 25 %",
			lines:   []LineInput{line("1", 12500, "25")},
			inclVAT: true, wantNet: 10000, wantVAT: 2500, wantTotal: 12500,
			wantLineV:  []int64{2500},
			wantByRate: map[string][2]int64{"25": {10000, 2500}},
		},
		{
			name:    "net price adds VAT",
			lines:   []LineInput{line("2", 10000, "25")},
			inclVAT: false, wantNet: 20000, wantVAT: 5000, wantTotal: 25000,
			wantLineV: []int64{5000},
		},
		{
			// Skatteverket's example: 25 % of 4 467,75 = 1 116,9375 → 1 116,94.
			name:    "VAT rounds half away from zero to the öre",
			lines:   []LineInput{line("1", 446775, "25")},
			inclVAT: false, wantNet: 446775, wantVAT: 111694, wantTotal: 558469,
		},
		{
			// Three lines of 1 kr at 6 %: per line 0.0566 öre each; VAT per rate
			// on 3 kr is 16.98 → 17 öre, spread 6+6+5.
			name:    "VAT computed per rate, spread over lines",
			lines:   []LineInput{line("1", 100, "6"), line("1", 100, "6"), line("1", 100, "6")},
			inclVAT: true, wantNet: 283, wantVAT: 17, wantTotal: 300,
			wantLineV: []int64{6, 6, 5},
		},
		{
			name:    "mixed rates and fractional quantity",
			lines:   []LineInput{line("1.5", 3990, "12"), line("3", 2500, "25"), line("1", 4900, "6")},
			inclVAT: true,
			// 1.5 × 39.90 = 59.85 → VAT 12/112 = 6.4125 → 6.41; 75.00 → 15.00; 49.00 × 6/106 = 2.7735 → 2.77
			wantNet: 5985 - 641 + 7500 - 1500 + 4900 - 277, wantVAT: 641 + 1500 + 277, wantTotal: 5985 + 7500 + 4900,
			wantByRate: map[string][2]int64{"6": {4623, 277}, "12": {5344, 641}, "25": {6000, 1500}},
		},
		{
			// 2 × 10,01 kr at 12 % incl.: 20,02 × 12/112 = 2,145 exactly → 2,15.
			name:    "an exact half öre of VAT rounds up",
			lines:   []LineInput{line("2", 1001, "12")},
			inclVAT: true, wantNet: 2002 - 215, wantVAT: 215, wantTotal: 2002,
		},
		{
			name:    "zero rate",
			lines:   []LineInput{line("4", 2500, "0")},
			inclVAT: true, wantNet: 10000, wantVAT: 0, wantTotal: 10000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PriceLines(tt.lines, tt.inclVAT)
			if got.Net != tt.wantNet || got.VAT != tt.wantVAT || got.Total != tt.wantTotal {
				t.Fatalf("net/vat/total = %d/%d/%d, want %d/%d/%d", got.Net, got.VAT, got.Total, tt.wantNet, tt.wantVAT, tt.wantTotal)
			}
			for i, v := range tt.wantLineV {
				if got.Lines[i].VAT != v {
					t.Errorf("line %d VAT = %d, want %d", i, got.Lines[i].VAT, v)
				}
			}
			for _, b := range got.Breakdown {
				if want, ok := tt.wantByRate[b.VATRate.String()]; ok && (b.Net != want[0] || b.VAT != want[1]) {
					t.Errorf("rate %s: net/vat = %d/%d, want %d/%d", b.VATRate, b.Net, b.VAT, want[0], want[1])
				}
			}
			assertConsistent(t, got)
		})
	}
}

// assertConsistent checks the invariants every priced invoice must hold.
func assertConsistent(t *testing.T, p PricedLines) {
	t.Helper()
	var net, vat, total int64
	perRate := map[string][2]int64{}
	for i, l := range p.Lines {
		if l.Net+l.VAT != l.Total {
			t.Fatalf("line %d: net %d + vat %d != total %d", i, l.Net, l.VAT, l.Total)
		}
		net, vat, total = net+l.Net, vat+l.VAT, total+l.Total
		r := perRate[l.VATRate.String()]
		perRate[l.VATRate.String()] = [2]int64{r[0] + l.Net, r[1] + l.VAT}
	}
	if net != p.Net || vat != p.VAT || total != p.Total {
		t.Fatalf("lines sum to %d/%d/%d, totals say %d/%d/%d", net, vat, total, p.Net, p.VAT, p.Total)
	}
	for _, b := range p.Breakdown {
		if perRate[b.VATRate.String()] != [2]int64{b.Net, b.VAT} {
			t.Fatalf("rate %s: lines give %v, breakdown %d/%d", b.VATRate, perRate[b.VATRate.String()], b.Net, b.VAT)
		}
	}
	if len(p.Breakdown) != len(perRate) {
		t.Fatalf("breakdown has %d rates, lines %d", len(p.Breakdown), len(perRate))
	}
}

func TestPriceLinesRandomInvoicesStayConsistent(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	rates := []string{"0", "6", "12", "25", "15"}
	for n := 0; n < 2000; n++ {
		var lines []LineInput
		for i := 0; i < 1+rng.Intn(12); i++ {
			qty := decimal.New(int64(1+rng.Intn(5000)), -int32(rng.Intn(4)))
			lines = append(lines, LineInput{Description: "x", Quantity: qty, UnitPrice: int64(rng.Intn(200000)), VATRate: decimal.RequireFromString(rates[rng.Intn(len(rates))])})
		}
		incl := rng.Intn(2) == 0
		p := PriceLines(lines, incl)
		assertConsistent(t, p)
		// VAT per rate is the rate applied once to the rate's sum.
		for _, b := range p.Breakdown {
			var sum int64
			for _, l := range p.Lines {
				if l.VATRate.Equal(b.VATRate) {
					if incl {
						sum += l.Total
					} else {
						sum += l.Net
					}
				}
			}
			if want := exactVAT(sum, b.VATRate, incl); want != b.VAT {
				t.Fatalf("rate %s on %d: VAT %d, want %d", b.VATRate, sum, b.VAT, want)
			}
		}
	}
}

// exactVAT is the reference computation in exact rational arithmetic:
// amount × rate / (100 [+ rate]), rounded half away from zero.
func exactVAT(amount int64, rate decimal.Decimal, inclVAT bool) int64 {
	r := rate.Rat()
	base := new(big.Rat).SetInt64(100)
	if inclVAT {
		base.Add(base, r)
	}
	v := new(big.Rat).Mul(new(big.Rat).SetInt64(amount), r)
	v.Quo(v, base)
	neg := v.Sign() < 0
	v.Abs(v)
	v.Add(v, big.NewRat(1, 2))
	q := new(big.Int).Quo(v.Num(), v.Denom())
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

func TestRoundHalfAwayFromZero(t *testing.T) {
	for in, want := range map[string]int64{"0.5": 1, "1.49": 1, "1.5": 2, "-0.5": -1, "-1.5": -2, "-1.49": -1, "2.4999": 2} {
		if got := RoundHalfAwayFromZero(decimal.RequireFromString(in)); got != want {
			t.Errorf("round(%s) = %d, want %d", in, got, want)
		}
	}
}

func TestValidVATRate(t *testing.T) {
	tests := []struct {
		country Country
		rate    string
		want    bool
	}{
		{Sweden, "25", true}, {Sweden, "12", true}, {Sweden, "6", true}, {Sweden, "0", true},
		{Sweden, "15", false}, {Sweden, "25.0", true}, {Norway, "15", true}, {Norway, "6", false},
	}
	for _, tt := range tests {
		if got := ValidVATRate(tt.country, decimal.RequireFromString(tt.rate)); got != tt.want {
			t.Errorf("ValidVATRate(%s, %s) = %v", tt.country, tt.rate, got)
		}
	}
}
