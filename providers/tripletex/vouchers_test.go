package tripletex

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

// standardMapping books onto the mock company's NS 4102 chart.
var standardMapping = mapping.Mapping{
	PaymentMethods:         map[string]string{"card": "1920", "cash": "1900"},
	FallbackPaymentAccount: "1920",
	VATRates:               map[string]string{"25": "3000", "15": "3030", "12": "3033", "0": "3100"},
	VATAccounts:            map[string]string{"25": "2700", "15": "2701", "12": "2703"},
	Events:                 map[string]string{mapping.EventRounding: "7790"},
}

func receipt(id, day string, pay string, lines ...core.SalesLine) core.SalesReceipt {
	var total int64
	for _, l := range lines {
		total += l.Amount
	}
	return core.SalesReceipt{ReceiptID: id, LocationID: "loc_1", BusinessDate: core.Date(day), Currency: "NOK",
		Lines: lines, Payments: []core.SalesPayment{{Method: pay, Amount: total}}}
}

func sale(rate int64, amount int64) core.SalesLine {
	return core.SalesLine{ProductGroup: "food", VATRate: decimal.NewFromInt(rate), Amount: amount}
}

// dayVoucher is what the exports engine would send for the receipts.
func dayVoucher(t *testing.T, day string, receipts ...core.SalesReceipt) core.Voucher {
	t.Helper()
	v, err := mapping.BuildVoucher(core.Norway, core.Date(day), "loc_1", "NOK", receipts, standardMapping, mapping.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkBooked asserts that the mock's voucher for v balances, has rows
// numbered from 1 (row 0 only for Tripletex's VAT rows) and books exactly
// the output VAT per account that v computed.
func checkBooked(t *testing.T, srv *tripletextest.Server, v core.Voucher) tripletextest.Voucher {
	t.Helper()
	var got *tripletextest.Voucher
	for _, x := range srv.ManualVouchers() {
		if x.ExternalVoucherNumber == externalVoucherNumber(v.ExternalRef) {
			x := x
			got = &x
		}
	}
	if got == nil {
		t.Fatalf("no voucher %s in the mock", v.ExternalRef)
	}
	if got.Balance() != 0 || got.GrossBalance() != 0 || !got.Posted {
		t.Fatalf("voucher does not balance or is not posted: %+v", got)
	}
	wantVAT := map[int]int64{}
	for _, p := range v.Postings {
		if p.VATCode == "" && strings.HasPrefix(p.Account, "270") {
			var n int
			fmt.Sscan(p.Account, &n)
			wantVAT[n] += p.Amount
		}
	}
	gotVAT := map[int]int64{}
	row := 0
	for _, p := range got.Postings {
		if p.SystemGenerated {
			if p.Row != 0 {
				t.Fatalf("system row %d", p.Row)
			}
			gotVAT[p.AccountNumber] += int64(p.Amount)
			continue
		}
		row++
		if p.Row != row {
			t.Fatalf("row %d numbered %d", row, p.Row)
		}
	}
	if fmt.Sprint(gotVAT) != fmt.Sprint(wantVAT) {
		t.Fatalf("Tripletex booked VAT %v, ledgerbridge computed %v", gotVAT, wantVAT)
	}
	return *got
}

func TestExportSales(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	v := dayVoucher(t, "2026-03-20",
		receipt("r1", "2026-03-20", "card", sale(25, 12500_00), sale(15, 5750_00)),
		receipt("r2", "2026-03-20", "cash", sale(12, 333_33), sale(25, 1_01), sale(0, 50_00)),
		receipt("r3", "2026-03-20", "card", core.SalesLine{ProductGroup: "drinks", VATRate: decimal.NewFromInt(25), Amount: 3_33}),
	)
	res := must[core.ExportResult](t)(e.p.ExportSales(e.ctx, e.conn, v))
	if res.AlreadyExisted || res.ProviderRef == "" {
		t.Fatalf("result = %+v", res)
	}
	got := checkBooked(t, e.srv, v)
	types := map[int]int64{}
	for _, p := range got.Postings {
		if !p.SystemGenerated {
			types[p.AccountNumber] = p.VatTypeID
		}
	}
	if types[3000] != 3 || types[3030] != 31 || types[3033] != 32 || types[3100] != 5 || types[1920] != 0 || types[1900] != 0 {
		t.Fatalf("VAT types by account = %v (12 %% is code 33, id 32)", types)
	}
	again := must[core.ExportResult](t)(e.p.ExportSales(e.ctx, e.conn, v))
	if !again.AlreadyExisted || again.ProviderRef != res.ProviderRef || len(e.srv.ManualVouchers()) != 1 {
		t.Fatalf("second export = %+v, %d vouchers", again, len(e.srv.ManualVouchers()))
	}
}

// Refund days, odd amounts and several accounts per rate still book the
// VAT ledgerbridge computed.
func TestExportSalesVATMatches(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	m := standardMapping
	m.ProductGroups = map[string]mapping.GroupAccounts{"drinks": {EatIn: "3900", Takeaway: "3900"}}
	days := [][]core.SalesReceipt{
		{receipt("a", "2026-03-01", "card", sale(25, 1), sale(25, 2), sale(15, 3))},
		{receipt("b", "2026-03-02", "card", sale(25, 99_99), core.SalesLine{ProductGroup: "drinks", VATRate: decimal.NewFromInt(25), Amount: 10_01}),
			receipt("c", "2026-03-02", "card", sale(25, -7_77))},
		{receipt("d", "2026-03-03", "cash", sale(12, -500_00), sale(15, -1_11))},
	}
	for i, rs := range days {
		day := string(rs[0].BusinessDate)
		v, err := mapping.BuildVoucher(core.Norway, core.Date(day), "loc_1", "NOK", rs, m, mapping.BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.p.ExportSales(e.ctx, e.conn, v); err != nil {
			t.Fatalf("day %d: %v", i, err)
		}
		checkBooked(t, e.srv, v)
	}
}

func TestExportSalesLostResponse(t *testing.T) {
	for _, drop := range []bool{true, false} {
		t.Run(fmt.Sprintf("drop=%v", drop), func(t *testing.T) {
			e := newEnv(t, tripletextest.Options{})
			v := dayVoucher(t, "2026-03-20", receipt("r1", "2026-03-20", "card", sale(25, 1000_00)))
			e.srv.LoseResponse("POST", "/ledger/voucher", 1, drop)
			res := must[core.ExportResult](t)(e.p.ExportSales(e.ctx, e.conn, v))
			if !res.AlreadyExisted || res.ProviderRef == "" {
				t.Fatalf("result = %+v", res)
			}
			if n := len(e.srv.ManualVouchers()); n != 1 {
				t.Fatalf("%d vouchers after a lost answer, want 1", n)
			}
			checkBooked(t, e.srv, v)
		})
	}
}

func TestExportSalesRetriesAFailedPost(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	v := dayVoucher(t, "2026-03-20", receipt("r1", "2026-03-20", "card", sale(25, 1000_00)))
	e.srv.FailNext("POST", "/ledger/voucher", 1) // refused before booking
	res := must[core.ExportResult](t)(e.p.ExportSales(e.ctx, e.conn, v))
	if res.AlreadyExisted || len(e.srv.ManualVouchers()) != 1 {
		t.Fatalf("result = %+v, %d vouchers", res, len(e.srv.ManualVouchers()))
	}
}

func TestExportSalesSessionExpiresMidRun(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	for i, day := range []string{"2026-03-18", "2026-03-19", "2026-03-20"} {
		if i == 1 {
			e.srv.ExpireSessionBefore("POST", "/ledger/voucher")
		}
		v := dayVoucher(t, day, receipt("r"+day, day, "card", sale(25, 1000_00), sale(15, 115_00)))
		if _, err := e.p.ExportSales(e.ctx, e.conn, v); err != nil {
			t.Fatal(err)
		}
		checkBooked(t, e.srv, v)
	}
	if n := len(e.srv.ManualVouchers()); n != 3 {
		t.Fatalf("%d vouchers, want 3", n)
	}
	if n := e.srv.SessionsCreated(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
}

func TestExportSales429Storm(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	v := dayVoucher(t, "2026-03-20", receipt("r1", "2026-03-20", "card", sale(25, 1000_00)))
	e.srv.Inject(tripletextest.Fault{Kind: tripletextest.FaultRateLimit, Method: "POST", Path: "/ledger/voucher", Times: 3, Reset: 2})
	must[core.ExportResult](t)(e.p.ExportSales(e.ctx, e.conn, v))
	if n := len(e.srv.ManualVouchers()); n != 1 {
		t.Fatalf("%d vouchers", n)
	}
	e.srv.Inject(tripletextest.Fault{Kind: tripletextest.FaultRateLimit, Method: "POST", Path: "/ledger/voucher", Times: -1})
	v2 := dayVoucher(t, "2026-03-21", receipt("r2", "2026-03-21", "card", sale(25, 1000_00)))
	_, err := e.p.ExportSales(e.ctx, e.conn, v2)
	if ce := wantCode(t, err, core.CodeRateLimited); ce.RetryAfter <= 0 {
		t.Fatalf("RetryAfter = %v", ce.RetryAfter)
	}
	if n := len(e.srv.ManualVouchers()); n != 1 {
		t.Fatalf("%d vouchers", n)
	}
}

func TestExportSalesRefusals(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	base := dayVoucher(t, "2026-03-20", receipt("r1", "2026-03-20", "card", sale(25, 1000_00), sale(15, 115_00)))
	edit := func(f func(v *core.Voucher)) core.Voucher {
		v := base
		v.Postings = append([]core.Posting(nil), base.Postings...)
		f(&v)
		return v
	}
	tests := []struct {
		name  string
		v     core.Voucher
		field string
	}{
		{"unknown account", edit(func(v *core.Voucher) { v.Postings[0].Account = "1999"; v.ExternalRef = "x1" }), "postings[0].account"},
		{"15 % on 3000", edit(func(v *core.Voucher) {
			for i, p := range v.Postings {
				if p.Account == "3030" {
					v.Postings[i].Account = "3000"
				}
			}
		}), "vat_code"},
		{"VAT on another account", edit(func(v *core.Voucher) {
			for i, p := range v.Postings {
				if p.Account == "2701" {
					v.Postings[i].Account = "2740"
				}
			}
		}), "postings"},
		{"customer ledger without customer", edit(func(v *core.Voucher) {
			for i, p := range v.Postings {
				if p.Account == "1920" {
					v.Postings[i].Account = "1500"
				}
			}
		}), "customer_id"},
		{"unbalanced", edit(func(v *core.Voucher) { v.Postings[0].Amount++ }), "postings"},
		{"currency", edit(func(v *core.Voucher) { v.Currency = "SEK" }), "currency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.p.ExportSales(e.ctx, e.conn, tc.v)
			ce := wantCode(t, err, core.CodeInvalid)
			found := false
			for _, f := range ce.Fields {
				found = found || strings.Contains(f.Field, tc.field)
			}
			if !found {
				t.Fatalf("fields = %+v, want one naming %s", ce.Fields, tc.field)
			}
		})
	}
	if n := len(e.srv.ManualVouchers()); n != 0 {
		t.Fatalf("%d vouchers booked", n)
	}
}

func TestExternalVoucherNumber(t *testing.T) {
	short := mapping.ExternalRef("loc_1", "2026-03-20")
	if got := externalVoucherNumber(short); got != short {
		t.Fatalf("short ref changed: %s", got)
	}
	long := mapping.ExternalRef("3f2c9a4e-1b7d-4c8e-9a0f-5d6e7f8a9b0c", "2026-03-20")
	a, b := externalVoucherNumber(long), externalVoucherNumber(long+"x")
	if len(a) != maxExternalNumber || a == b || !strings.HasPrefix(a, "ledgerbridge:3f2c") || externalVoucherNumber(long) != a {
		t.Fatalf("long refs: %q %q", a, b)
	}
	if got := externalVoucherNumber("a b"); got == "a b" || len(got) > maxExternalNumber {
		t.Fatalf("unprintable ref kept: %q", got)
	}
}

func TestVATCandidatesAndGrossUp(t *testing.T) {
	rate := decimal.NewFromInt(25)
	for g := int64(-500); g <= 500; g++ {
		vat := vatOfGross(g, rate)
		found := false
		for _, c := range vatCandidates(g-vat, rate) {
			found = found || c == vat
		}
		if !found {
			t.Fatalf("gross %d: VAT %d not among the candidates of net %d", g, vat, g-vat)
		}
	}
	rows := []*salesRow{{net: 800}, {net: 1601}, {net: -3}}
	grossUp(rows, rate, 599)
	var sum int64
	for _, r := range rows {
		sum += r.gross
		if tripletexNet(r.gross, rate) != r.net {
			t.Fatalf("row net %d: Tripletex nets gross %d to %d", r.net, r.gross, tripletexNet(r.gross, rate))
		}
	}
	if sum != 800+1601-3+599 {
		t.Fatalf("gross sum %d", sum)
	}
	// Per-row rounding cannot give each row its net: Tripletex's VAT still
	// sums to the rate's VAT, an øre of net moving between rows.
	rows = []*salesRow{{net: 7377}, {net: 801}}
	grossUp(rows, rate, 2045)
	var vat int64
	sum = 0
	for _, r := range rows {
		sum += r.gross
		vat += r.gross - tripletexNet(r.gross, rate)
	}
	if sum != 7377+801+2045 || vat != 2045 {
		t.Fatalf("gross sum %d, Tripletex VAT %d", sum, vat)
	}
}

// Random days over several accounts per rate: Tripletex's VAT always
// equals the mapping's and the voucher balances.
func TestExportSalesVATMatchesRandomDays(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	m := standardMapping
	m.ProductGroups = map[string]mapping.GroupAccounts{
		"drinks": {EatIn: "3900", Takeaway: "3900"},
		"misc":   {EatIn: "3900", Takeaway: "3900"},
	}
	rng := rand.New(rand.NewPCG(7, 11))
	groups := []string{"food", "drinks", "misc"}
	rates := []int64{25, 15, 12, 25, 0}
	for d := 1; d <= 25; d++ {
		day := fmt.Sprintf("2026-02-%02d", d)
		var rs []core.SalesReceipt
		for r := 0; r < 1+rng.IntN(4); r++ {
			var lines []core.SalesLine
			for l := 0; l < 1+rng.IntN(4); l++ {
				amount := int64(rng.IntN(5000)) - 400
				if rng.IntN(3) == 0 {
					amount = int64(rng.IntN(9)) + 1
				}
				lines = append(lines, core.SalesLine{ProductGroup: groups[rng.IntN(3)], Takeaway: rng.IntN(2) == 0,
					VATRate: decimal.NewFromInt(rates[rng.IntN(len(rates))]), Amount: amount})
			}
			rs = append(rs, receipt(fmt.Sprintf("r%d-%d", d, r), day, "card", lines...))
		}
		v, err := mapping.BuildVoucher(core.Norway, core.Date(day), "loc_1", "NOK", rs, m, mapping.BuildOptions{})
		if err == mapping.ErrNothingToBook {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.p.ExportSales(e.ctx, e.conn, v); err != nil {
			t.Fatalf("%s: %v\n%+v", day, err, v.Postings)
		}
		checkBooked(t, e.srv, v)
	}
}
