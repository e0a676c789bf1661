package mapping

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"reflect"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/shopspring/decimal"
)

// exactVAT is round_half_away(gross × rate / (100 + rate)) in exact rational
// arithmetic, independent of the decimal package BuildVoucher uses.
func exactVAT(gross int64, rate string) int64 {
	r, ok := new(big.Rat).SetString(rate)
	if !ok {
		panic(rate)
	}
	q := new(big.Rat).Mul(new(big.Rat).SetInt64(gross), r)
	q.Quo(q, new(big.Rat).Add(new(big.Rat).SetInt64(100), r))
	neg := q.Sign() < 0
	q.Abs(q)
	// floor(|q| + 1/2) = (2·num + den) div (2·den)
	num := new(big.Int).Add(new(big.Int).Mul(q.Num(), big.NewInt(2)), q.Denom())
	n := new(big.Int).Quo(num, new(big.Int).Mul(q.Denom(), big.NewInt(2))).Int64()
	if neg {
		n = -n
	}
	return n
}

func TestExactVAT(t *testing.T) {
	for _, c := range []struct {
		gross int64
		rate  string
		want  int64
	}{{2002, "12", 215}, {-2002, "12", -215}, {12500, "25", 2500}, {3, "25", 1}, {2, "25", 0}, {558875, "25", 111775}, {1, "6", 0}, {9, "6", 1}} {
		if got := exactVAT(c.gross, c.rate); got != c.want {
			t.Errorf("exactVAT(%d, %s) = %d, want %d", c.gross, c.rate, got, c.want)
		}
	}
}

// randomDay is a day of receipts that each balance, with refunds, tips,
// rounding, mixed rates, eat-in and takeaway, and every payment kind.
func randomDay(rng *rand.Rand, country core.Country, exclude bool) []core.SalesReceipt {
	rates := core.VATRates(country)
	groups := []string{"food", "drinks", "beer", "misc", ""}
	methods := []string{"cash", "card", "swish", "klarna", "gift_card", "invoice"}
	n := rng.Intn(9)
	out := make([]core.SalesReceipt, 0, n)
	for i := 0; i < n; i++ {
		r := core.SalesReceipt{ReceiptID: fmt.Sprintf("r%d", i), LocationID: "loc_1", BusinessDate: day, Currency: country.Currency()}
		sign := int64(1)
		if rng.Intn(5) == 0 {
			sign = -1 // a refund receipt
		}
		var total int64
		for j, nl := 0, 1+rng.Intn(4); j < nl; j++ {
			amount := sign * (1 + rng.Int63n(50000))
			if rng.Intn(10) == 0 {
				amount = -amount // a returned item on a sale
			}
			if rng.Intn(10) == 0 {
				amount = sign * rng.Int63n(10) // tiny amounts stress the öre split
			}
			r.Lines = append(r.Lines, core.SalesLine{
				ProductGroup: groups[rng.Intn(len(groups))], VATRate: rates[rng.Intn(len(rates))],
				Takeaway: rng.Intn(2) == 0, Amount: amount,
			})
			total += amount
		}
		if rng.Intn(4) == 0 {
			r.Tips = sign * rng.Int63n(3000)
		}
		if rng.Intn(3) == 0 {
			r.Rounding = rng.Int63n(99) - 49
		}
		total += r.Tips + r.Rounding
		invoiceOnly := exclude && rng.Intn(4) == 0
		for k, np := 0, 1+rng.Intn(3); k < np; k++ {
			method := methods[rng.Intn(len(methods))]
			if exclude {
				method = methods[rng.Intn(len(methods)-1)] // never invoice in a mixed receipt
			}
			if invoiceOnly {
				method = MethodInvoice
			}
			amount := total
			if k < np-1 {
				amount = total / 2
			}
			total -= amount
			r.Payments = append(r.Payments, core.SalesPayment{Method: method, Amount: amount})
		}
		out = append(out, r)
	}
	return out
}

func propertyMapping(country core.Country) Mapping {
	if country == core.Norway {
		m := noMapping()
		m.PaymentMethods = map[string]string{"cash": "1900", "card": "1910", "swish": "1930"}
		m.FallbackPaymentAccount = "1689"
		m.VATRates["12"] = "3033"
		m.Events[EventGiftCards] = "2900"
		m.ProductGroups = map[string]GroupAccounts{"food": {EatIn: "3010", Takeaway: "3011"}, "drinks": {EatIn: "3020"}}
		return m
	}
	return seMapping()
}

// Over 10,000 random days BuildVoucher balances, computes each rate's VAT
// exactly once on the day's gross, debits exactly the payments, and gives
// the same voucher whatever the receipts' order.
func TestBuildVoucherProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(20260401))
	empty := 0
	for iter := 0; iter < 10000; iter++ {
		country := core.Sweden
		if iter%2 == 1 {
			country = core.Norway
		}
		exclude := rng.Intn(3) == 0
		receipts := randomDay(rng, country, exclude)
		m := propertyMapping(country)
		opts := BuildOptions{ExcludeInvoiceSales: exclude}
		v, err := BuildVoucher(country, day, "loc_1", country.Currency(), receipts, m, opts)

		// What the voucher must say, computed independently.
		paymentAccounts := map[string]bool{m.FallbackPaymentAccount: true, m.Events[EventReceivables]: true, m.Events[EventGiftCards]: true}
		for _, a := range m.PaymentMethods {
			paymentAccounts[a] = true
		}
		var paid int64
		gross := map[string]int64{}
		for _, r := range receipts {
			if exclude && paidByInvoice(r) {
				continue
			}
			for _, p := range r.Payments {
				paid += p.Amount
			}
			for _, l := range r.Lines {
				gross[l.VATRate.String()] += l.Amount
			}
		}

		if errors.Is(err, ErrNothingToBook) {
			empty++
			if paid != 0 {
				t.Fatalf("day %d: nothing to book but payments sum to %d", iter, paid)
			}
			for rate, g := range gross {
				if g != 0 {
					t.Fatalf("day %d: nothing to book but gross at %s%% is %d", iter, rate, g)
				}
			}
			continue
		}
		if err != nil {
			t.Fatalf("day %d: %v\nreceipts: %+v", iter, err, receipts)
		}
		if err := v.Validate(); err != nil {
			t.Fatalf("day %d: %v", iter, err)
		}

		var debited int64
		vatBooked := map[string]int64{}
		netBooked := map[string]int64{}
		vatAccountRate := map[string]string{}
		for rate, acc := range m.VATAccounts {
			vatAccountRate[acc] = rate
		}
		seen := map[[2]string]bool{}
		for _, p := range v.Postings {
			key := [2]string{p.Account, p.VATCode}
			if seen[key] {
				t.Fatalf("day %d: two rows for %v", iter, key)
			}
			seen[key] = true
			if p.Amount == 0 {
				t.Fatalf("day %d: zero row %+v", iter, p)
			}
			switch {
			case paymentAccounts[p.Account]:
				debited += p.Amount
			case vatAccountRate[p.Account] != "":
				vatBooked[vatAccountRate[p.Account]] -= p.Amount
			case p.VATCode != "":
				netBooked[p.VATCode] -= p.Amount
			}
		}
		if debited != paid {
			t.Fatalf("day %d: payment accounts debited %d, payments sum to %d", iter, debited, paid)
		}
		for rate, g := range gross {
			want := exactVAT(g, rate)
			if vatBooked[rate] != want {
				t.Fatalf("day %d: VAT at %s%% on gross %d booked %d, exact %d", iter, rate, g, vatBooked[rate], want)
			}
			if netBooked[rate] != g-want {
				t.Fatalf("day %d: net at %s%% booked %d, want %d", iter, rate, netBooked[rate], g-want)
			}
		}

		shuffled := append([]core.SalesReceipt(nil), receipts...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again, err := BuildVoucher(country, day, "loc_1", country.Currency(), shuffled, m, opts)
		if err != nil || !reflect.DeepEqual(again, v) {
			t.Fatalf("day %d: not deterministic (%v):\n%+v\n%+v", iter, err, v, again)
		}
	}
	if empty > 2000 {
		t.Errorf("%d of 10000 days had nothing to book; the generator is too weak", empty)
	}
}

// The rate key in the mapping may be written in any decimal form.
func TestBuildVoucherNonCanonicalRateKeys(t *testing.T) {
	m := seMapping()
	delete(m.VATRates, "25")
	delete(m.VATAccounts, "25")
	m.VATRates["25.00"] = "3001"
	m.VATAccounts["25.0"] = "2611"
	r := receipt("r1", core.SalesLine{ProductGroup: "beer", VATRate: decimal.RequireFromString("25.0"), Amount: 1250}, pay("card", 1250))
	v, err := BuildVoucher(core.Sweden, day, "loc_1", "SEK", []core.SalesReceipt{r}, m, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertPostings(t, v.Postings, []core.Posting{
		{Account: "1580", Amount: 1250},
		{Account: "2611", Amount: -250},
		{Account: "3001", Amount: -1000, VATCode: "25"},
	})
}
