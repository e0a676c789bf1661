package mapping

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/shopspring/decimal"
)

const day core.Date = "2026-04-01"

func seMapping() Mapping {
	return Mapping{
		PaymentMethods:         map[string]string{"cash": "1910", "card": "1580", "swish": "1930"},
		FallbackPaymentAccount: "1689",
		VATRates:               map[string]string{"25": "3001", "12": "3002", "6": "3003", "0": "3004"},
		ProductGroups: map[string]GroupAccounts{
			"food":   {EatIn: "3010", Takeaway: "3011"},
			"drinks": {EatIn: "3020"},
		},
		Events: map[string]string{
			EventTips: "2890", EventRounding: "3740", EventReceivables: "1510", EventGiftCards: "2421",
		},
		VATAccounts: map[string]string{"25": "2611", "12": "2621", "6": "2631"},
	}
}

func noMapping() Mapping {
	return Mapping{
		PaymentMethods:         map[string]string{"cash": "1900", "card": "1920", "vipps": "1920"},
		FallbackPaymentAccount: "1920",
		VATRates:               map[string]string{"25": "3000", "15": "3030", "0": "3100"},
		Events:                 map[string]string{EventTips: "2910", EventRounding: "7740", EventReceivables: "1500"},
		VATAccounts:            map[string]string{"25": "2700", "15": "2701", "12": "2703"},
	}
}

type tips int64
type rounding int64

func line(group, rate string, takeaway bool, amount int64) core.SalesLine {
	return core.SalesLine{ProductGroup: group, VATRate: decimal.RequireFromString(rate), Takeaway: takeaway, Amount: amount}
}

func pay(method string, amount int64) core.SalesPayment {
	return core.SalesPayment{Method: method, Amount: amount}
}

// receipt builds a SEK receipt of loc_1 on day from lines, payments, tips
// and rounding.
func receipt(id string, parts ...any) core.SalesReceipt {
	r := core.SalesReceipt{ReceiptID: id, LocationID: "loc_1", BusinessDate: day, Currency: "SEK"}
	for _, p := range parts {
		switch p := p.(type) {
		case core.SalesLine:
			r.Lines = append(r.Lines, p)
		case core.SalesPayment:
			r.Payments = append(r.Payments, p)
		case tips:
			r.Tips = int64(p)
		case rounding:
			r.Rounding = int64(p)
		default:
			panic(fmt.Sprintf("receipt part %T", p))
		}
	}
	return r
}

func nok(r core.SalesReceipt) core.SalesReceipt { r.Currency = "NOK"; return r }

func assertPostings(t *testing.T, got, want []core.Posting) {
	t.Helper()
	strip := func(ps []core.Posting) []core.Posting {
		out := make([]core.Posting, len(ps))
		for i, p := range ps {
			p.Description = ""
			out[i] = p
		}
		return out
	}
	if g := strip(got); !reflect.DeepEqual(g, want) {
		var b strings.Builder
		for _, p := range got {
			fmt.Fprintf(&b, "  %s %d %q %q\n", p.Account, p.Amount, p.VATCode, p.Description)
		}
		t.Fatalf("postings:\n%swant:\n  %v", b.String(), want)
	}
}

func TestBuildVoucher(t *testing.T) {
	tests := []struct {
		name     string
		country  core.Country
		currency core.Currency
		m        Mapping
		opts     BuildOptions
		receipts []core.SalesReceipt
		want     []core.Posting
	}{
		{
			name: "SE mixed VAT, eat-in and takeaway, unmapped group by rate, cash rounding",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("food", "12", false, 11200), pay("card", 11200)),
				receipt("r2", line("food", "6", true, 10600), line("beer", "25", false, 6250), pay("cash", 16900), rounding(50)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 11200},
				{Account: "1910", Amount: 16900},
				{Account: "2611", Amount: -1250},
				{Account: "2621", Amount: -1200},
				{Account: "2631", Amount: -600},
				{Account: "3001", Amount: -5000, VATCode: "25"},
				{Account: "3010", Amount: -10000, VATCode: "12"},
				{Account: "3011", Amount: -10000, VATCode: "6"},
				{Account: "3740", Amount: -50},
			},
		},
		{
			name: "rounding down is a debit",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("beer", "25", false, 6230), pay("cash", 6200), rounding(-30)),
			},
			want: []core.Posting{
				{Account: "1910", Amount: 6200},
				{Account: "2611", Amount: -1246},
				{Account: "3001", Amount: -4984, VATCode: "25"},
				{Account: "3740", Amount: 30},
			},
		},
		{
			name: "tips are a liability without VAT",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("food", "12", false, 11200), pay("card", 12200), tips(1000)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 12200},
				{Account: "2621", Amount: -1200},
				{Account: "2890", Amount: -1000},
				{Account: "3010", Amount: -10000, VATCode: "12"},
			},
		},
		{
			name: "a refund reduces the day",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("food", "12", false, 11200), pay("card", 11200)),
				receipt("r2", line("food", "12", false, -5600), pay("card", -5600)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 5600},
				{Account: "2621", Amount: -600},
				{Account: "3010", Amount: -5000, VATCode: "12"},
			},
		},
		{
			name: "a day of refunds only flips every sign",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("food", "12", false, -11200), pay("swish", -11200)),
			},
			want: []core.Posting{
				{Account: "1930", Amount: -11200},
				{Account: "2621", Amount: 1200},
				{Account: "3010", Amount: 10000, VATCode: "12"},
			},
		},
		{
			name: "unmapped payment method goes to the fallback account",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("beer", "25", false, 12500), pay("klarna", 12500)),
			},
			want: []core.Posting{
				{Account: "1689", Amount: 12500},
				{Account: "2611", Amount: -2500},
				{Account: "3001", Amount: -10000, VATCode: "25"},
			},
		},
		{
			name: "an empty group side falls back to the VAT-rate account",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("drinks", "12", false, 1120), line("drinks", "6", true, 1060), pay("card", 2180)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 2180},
				{Account: "2621", Amount: -120},
				{Account: "2631", Amount: -60},
				{Account: "3003", Amount: -1000, VATCode: "6"},
				{Account: "3020", Amount: -1000, VATCode: "12"},
			},
		},
		{
			name: "invoice sales included debit receivables",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("beer", "25", false, 12500), pay("invoice", 12500)),
				receipt("r2", line("beer", "25", false, 2500), pay("card", 2500)),
			},
			want: []core.Posting{
				{Account: "1510", Amount: 12500},
				{Account: "1580", Amount: 2500},
				{Account: "2611", Amount: -3000},
				{Account: "3001", Amount: -12000, VATCode: "25"},
			},
		},
		{
			name: "invoice sales excluded",
			m:    seMapping(),
			opts: BuildOptions{ExcludeInvoiceSales: true},
			receipts: []core.SalesReceipt{
				receipt("r1", line("beer", "25", false, 12500), pay("invoice", 12500), tips(0)),
				receipt("r2", line("beer", "25", false, 2500), pay("card", 2500)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 2500},
				{Account: "2611", Amount: -500},
				{Account: "3001", Amount: -2000, VATCode: "25"},
			},
		},
		{
			name: "an explicit invoice method mapping wins over receivables",
			m: func() Mapping {
				m := seMapping()
				m.PaymentMethods["invoice"] = "1511"
				return m
			}(),
			receipts: []core.SalesReceipt{receipt("r1", line("beer", "25", false, 1250), pay("invoice", 1250))},
			want: []core.Posting{
				{Account: "1511", Amount: 1250},
				{Account: "2611", Amount: -250},
				{Account: "3001", Amount: -1000, VATCode: "25"},
			},
		},
		{
			name: "gift card redemption debits the gift-card liability",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("beer", "25", false, 1250), pay("gift_card", 1000), pay("card", 250)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 250},
				{Account: "2421", Amount: 1000},
				{Account: "2611", Amount: -250},
				{Account: "3001", Amount: -1000, VATCode: "25"},
			},
		},
		{
			name: "zero-rated sales need no VAT account",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("", "0", false, 5000), pay("card", 5000)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 5000},
				{Account: "3004", Amount: -5000, VATCode: "0"},
			},
		},
		{
			// 3 × 1 öre at 25 %: VAT on the day's 3 öre is 0,6 → 1 öre,
			// which goes to the first of three equal remainders.
			name: "VAT split over accounts by largest remainder",
			m: func() Mapping {
				m := seMapping()
				m.ProductGroups["a"] = GroupAccounts{EatIn: "3051"}
				m.ProductGroups["b"] = GroupAccounts{EatIn: "3052"}
				m.ProductGroups["c"] = GroupAccounts{EatIn: "3053"}
				return m
			}(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("c", "25", false, 1), line("a", "25", false, 1), line("b", "25", false, 1), pay("card", 3)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 3},
				{Account: "2611", Amount: -1},
				{Account: "3052", Amount: -1, VATCode: "25"},
				{Account: "3053", Amount: -1, VATCode: "25"},
			},
		},
		{
			// 2 × 1,01 kr at 12 %: exact VAT 21,64 öre → 22 on the day,
			// 10,82 on each account → 11 and 11.
			name: "VAT once per rate, not per account",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("food", "12", false, 101), line("drinks", "12", false, 101), pay("card", 202)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 202},
				{Account: "2621", Amount: -22},
				{Account: "3010", Amount: -90, VATCode: "12"},
				{Account: "3020", Amount: -90, VATCode: "12"},
			},
		},
		{
			// An exact half öre rounds away from zero: 2 × 10,01 kr at
			// 12 % = 214,50 öre VAT → 215; the refund mirrors it.
			name: "half öre VAT rounds away from zero",
			m:    seMapping(),
			receipts: []core.SalesReceipt{
				receipt("r1", line("beer", "12", false, 2002), pay("card", 2002)),
			},
			want: []core.Posting{
				{Account: "1580", Amount: 2002},
				{Account: "2621", Amount: -215},
				{Account: "3002", Amount: -1787, VATCode: "12"},
			},
		},
		{
			name:     "NO eat-in 25 %, takeaway 15 %, Vipps and card on one bank account",
			country:  core.Norway,
			currency: "NOK",
			m:        noMapping(),
			receipts: []core.SalesReceipt{
				nok(receipt("r1", line("burger", "25", false, 12500), pay("vipps", 12500))),
				nok(receipt("r2", line("burger", "15", true, 11500), pay("card", 11600), tips(100))),
				nok(receipt("r3", line("burger", "15", true, 2300), pay("cash", 2300))),
			},
			want: []core.Posting{
				{Account: "1900", Amount: 2300},
				{Account: "1920", Amount: 24100},
				{Account: "2700", Amount: -2500},
				{Account: "2701", Amount: -1800},
				{Account: "2910", Amount: -100},
				{Account: "3000", Amount: -10000, VATCode: "25"},
				{Account: "3030", Amount: -12000, VATCode: "15"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			country, currency := tt.country, tt.currency
			if country == "" {
				country, currency = core.Sweden, "SEK"
			}
			v, err := BuildVoucher(country, day, "loc_1", currency, tt.receipts, tt.m, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Validate(); err != nil {
				t.Fatal(err)
			}
			if v.ExternalRef != "ledgerbridge:loc_1:2026-04-01" || v.Date != day || v.Currency != currency {
				t.Errorf("voucher header %q %q %q", v.ExternalRef, v.Date, v.Currency)
			}
			assertPostings(t, v.Postings, tt.want)
		})
	}
}

func TestBuildVoucherDescriptions(t *testing.T) {
	receipts := []core.SalesReceipt{
		receipt("r1", line("food", "12", false, 11200), line("beer", "25", false, 1250), pay("card", 12450)),
		receipt("r2", line("food", "6", true, 1060), pay("klarna", 1060)),
	}
	v, err := BuildVoucher(core.Sweden, day, "loc_1", "SEK", receipts, seMapping(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"1580": "Kort", "1689": "Betalning klarna", "2611": "Utgående moms 25 %",
		"3001": "Försäljning 25 %", "3010": "Försäljning food äta här 12 %", "3011": "Försäljning food avhämtning 6 %",
	}
	for _, p := range v.Postings {
		if w, ok := want[p.Account]; ok && p.Description != w {
			t.Errorf("%s: description %q, want %q", p.Account, p.Description, w)
		}
	}
	if v.Description != "Försäljning loc_1 2026-04-01" {
		t.Errorf("description %q", v.Description)
	}
}

// TestBuildVoucherPaymentTexts: a payment row names the method as a
// Swedish bookkeeper writes it; a method without a name keeps its key.
func TestBuildVoucherPaymentTexts(t *testing.T) {
	for _, tc := range []struct{ method, account, want string }{
		{"cash", "1910", "Kontant"},
		{"card", "1580", "Kort"},
		{"swish", "1930", "Swish"},
		{MethodGiftCard, "2421", "Presentkort"},
		{MethodInvoice, "1510", "Faktura"},
		{"klarna", "1689", "Betalning klarna"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			v, err := BuildVoucher(core.Sweden, day, "loc_1", "SEK",
				[]core.SalesReceipt{receipt("r1", line("", "25", false, 12500), pay(tc.method, 12500))}, seMapping(), BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range v.Postings {
				if p.Account == tc.account {
					found = true
					if p.Description != tc.want {
						t.Errorf("%s: %q, want %q", p.Account, p.Description, tc.want)
					}
				}
			}
			if !found {
				t.Errorf("no row on %s: %+v", tc.account, v.Postings)
			}
		})
	}
}

// TestBuildVoucherDescriptionsNorwegian: a Norwegian merchant's voucher
// texts are Norwegian.
func TestBuildVoucherDescriptionsNorwegian(t *testing.T) {
	receipts := []core.SalesReceipt{
		nok(receipt("r1", line("burger", "25", false, 12500), pay("vipps", 12500))),
		nok(receipt("r2", line("burger", "15", true, 11500), pay("card", 11600), tips(100))),
	}
	v, err := BuildVoucher(core.Norway, day, "loc_1", "NOK", receipts, noMapping(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range v.Postings {
		got = append(got, p.Description)
	}
	all := strings.Join(got, " | ")
	for _, w := range []string{"Kort", "Vipps", "Utgående mva 25 %", "Utgående mva 15 %",
		"Salg 25 %", "Salg 15 %", "Tips"} {
		if !strings.Contains(all, w) {
			t.Errorf("postings %q lack %q", got, w)
		}
	}
	for _, w := range []string{"payment", "sales", "output VAT", "card"} {
		if strings.Contains(all, w) {
			t.Errorf("postings %q are in English (%q)", got, w)
		}
	}
	if v.Description != "Salg loc_1 2026-04-01" {
		t.Errorf("description %q", v.Description)
	}
}

func TestBuildVoucherErrors(t *testing.T) {
	good := receipt("r1", line("food", "12", false, 11200), pay("card", 11200))
	tests := []struct {
		name     string
		country  core.Country
		day      core.Date
		location string
		currency core.Currency
		m        func(*Mapping)
		opts     BuildOptions
		receipts []core.SalesReceipt
		want     []string
	}{
		{name: "bad arguments", country: "DK", day: "2026-02-30", location: " ", currency: "kr",
			want: []string{"country", "currency", "day", "location"}},
		{name: "bad mapping", m: func(m *Mapping) { m.FallbackPaymentAccount = "" }, receipts: []core.SalesReceipt{good},
			want: []string{"fallback_payment_account"}},
		{name: "unbalanced receipt", receipts: []core.SalesReceipt{good,
			receipt("r2", line("food", "12", false, 11200), pay("card", 11000), tips(100))},
			want: []string{"receipts[1]"}},
		{name: "wrong day, location and currency", receipts: []core.SalesReceipt{func() core.SalesReceipt {
			r := good
			r.BusinessDate, r.LocationID, r.Currency = "2026-03-31", "loc_2", "NOK"
			return r
		}()}, want: []string{"receipts[0].business_date", "receipts[0].currency", "receipts[0].location_id"}},
		{name: "duplicate receipt and missing id", receipts: []core.SalesReceipt{good, good, func() core.SalesReceipt {
			r := good
			r.ReceiptID = ""
			return r
		}()}, want: []string{"receipts[1].receipt_id", "receipts[2].receipt_id"}},
		{name: "rate not legal in the country", receipts: []core.SalesReceipt{
			receipt("r1", line("food", "15", false, 11500), pay("card", 11500))},
			want: []string{"receipts[0].lines[0].vat_rate"}},
		{name: "amount out of bounds", receipts: []core.SalesReceipt{
			receipt("r1", line("food", "12", false, core.MaxLineAmount+1), pay("", core.MaxLineAmount+1))},
			want: []string{"receipts[0].lines[0].amount", "receipts[0].payments[0].amount", "receipts[0].payments[0].method"}},
		{name: "mixed invoice receipt when excluding", opts: BuildOptions{ExcludeInvoiceSales: true}, receipts: []core.SalesReceipt{
			receipt("r1", line("food", "12", false, 11200), pay("invoice", 10000), pay("card", 1200))},
			want: []string{"receipts[0].payments"}},
		{name: "missing accounts the day needs", m: func(m *Mapping) {
			delete(m.Events, EventTips)
			delete(m.Events, EventRounding)
			delete(m.Events, EventReceivables)
			delete(m.VATAccounts, "25")
			delete(m.VATRates, "6")
		}, receipts: []core.SalesReceipt{
			receipt("r1", line("beer", "25", false, 1250), line("misc", "6", true, 106), pay("invoice", 1500), tips(100), rounding(44)),
		}, want: []string{"events.receivables", "events.rounding", "events.tips", "vat_accounts.25", "vat_rates.6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			country, dd, loc, cur := core.Sweden, day, "loc_1", core.Currency("SEK")
			if tt.country != "" {
				country, dd, loc, cur = tt.country, tt.day, tt.location, tt.currency
			}
			m := seMapping()
			if tt.m != nil {
				tt.m(&m)
			}
			_, err := BuildVoucher(country, dd, loc, cur, tt.receipts, m, tt.opts)
			if got := fields(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fields = %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

func TestBuildVoucherNothingToBook(t *testing.T) {
	m := seMapping()
	tests := []struct {
		name     string
		opts     BuildOptions
		receipts []core.SalesReceipt
	}{
		{"no receipts", BuildOptions{}, nil},
		{"only excluded invoice sales", BuildOptions{ExcludeInvoiceSales: true}, []core.SalesReceipt{
			receipt("r1", line("food", "12", false, 11200), pay("invoice", 11200))}},
		{"a sale and its refund", BuildOptions{}, []core.SalesReceipt{
			receipt("r1", line("food", "12", false, 11200), pay("card", 11200)),
			receipt("r2", line("food", "12", false, -11200), pay("card", -11200))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildVoucher(core.Sweden, day, "loc_1", "SEK", tt.receipts, m, tt.opts)
			if !errors.Is(err, ErrNothingToBook) {
				t.Fatalf("err = %v, want ErrNothingToBook", err)
			}
		})
	}
}

// ParseExternalRef undoes ExternalRef, also for a location holding ':',
// and refuses references that are not a day voucher's.
func TestParseExternalRef(t *testing.T) {
	for _, loc := range []string{"loc_1", "a:b"} {
		l, d, ok := ParseExternalRef(ExternalRef(loc, "2026-04-01"))
		if !ok || l != loc || d != "2026-04-01" {
			t.Errorf("%q: got %q %q %v", loc, l, d, ok)
		}
	}
	for _, ref := range []string{"manual-1", "ledgerbridge:2026-04-01", "other:loc:2026-04-01"} {
		if l, d, ok := ParseExternalRef(ref); ok {
			t.Errorf("%q: parsed as %q %q", ref, l, d)
		}
	}
}
