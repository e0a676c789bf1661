package sie

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	"github.com/shopspring/decimal"
)

func dayVoucher(t *testing.T, day core.Date, location string) core.Voucher {
	t.Helper()
	l := func(group, rate string, takeaway bool, amount int64) core.SalesLine {
		return core.SalesLine{ProductGroup: group, VATRate: decimal.RequireFromString(rate), Takeaway: takeaway, Amount: amount}
	}
	receipts := []core.SalesReceipt{
		{ReceiptID: "r1", LocationID: location, BusinessDate: day, Currency: "SEK",
			Lines:    []core.SalesLine{l("food", "12", false, 11200), l("food", "6", true, 5300), l("beer", "25", false, 8990)},
			Payments: []core.SalesPayment{{Method: "card", Amount: 26490}}, Tips: 1000},
		{ReceiptID: "r2", LocationID: location, BusinessDate: day, Currency: "SEK",
			Lines:    []core.SalesLine{l("food", "12", false, 4480)},
			Payments: []core.SalesPayment{{Method: "cash", Amount: 4500}}, Rounding: 20},
		{ReceiptID: "r3", LocationID: location, BusinessDate: day, Currency: "SEK",
			Lines:    []core.SalesLine{l("beer", "25", false, -8990)},
			Payments: []core.SalesPayment{{Method: "swish", Amount: -8990}}},
	}
	m := mapping.StandardSuggestion(core.Sweden, []string{"card", "cash", "swish"}, []string{"food", "beer"})
	v, err := mapping.BuildVoucher(core.Sweden, day, location, "SEK", receipts, m, mapping.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Vouchers exported as SIE read back with the same amount on every account.
func TestFromVouchersRoundTrip(t *testing.T) {
	vouchers := []core.Voucher{
		dayVoucher(t, "2026-04-01", "loc_1"),
		dayVoucher(t, "2026-04-02", "loc_1"),
		{ExternalRef: "manual-1", Date: "2026-04-02", Currency: "SEK", Postings: []core.Posting{
			{Account: "1930", Amount: 99}, {Account: "3740", Amount: -99, VATCode: "x", CustomerID: "c"},
		}},
	}
	base := File{Program: "ledgerbridge", ProgramVersion: "test", Generated: "2026-04-03",
		CompanyName: "Kafé Exempel AB", OrgNumber: "556016-0680", ChartType: "EUBAS97",
		Accounts: []Account{{"3740", "Öres- och kronutjämning"}}}
	names := map[string]string{"1580": "Fordringar för kontokort och kuponger", "3740": "ignored: base names it"}
	f, err := FromVouchers(base, "L", vouchers, names)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Currency != "SEK" || back.CompanyName != "Kafé Exempel AB" || len(back.Vouchers) != len(vouchers) {
		t.Fatalf("read back %+v", back)
	}
	declared := map[string]string{}
	var order []string
	for _, a := range back.Accounts {
		declared[a.Number] = a.Name
		order = append(order, a.Number)
	}
	for i, v := range vouchers {
		got := back.Vouchers[i]
		if got.Series != "L" || got.Number != "" || got.Date != v.Date {
			t.Errorf("voucher %d header %+v", i, got)
		}
		want := map[string]int64{}
		for _, p := range v.Postings {
			want[p.Account] += p.Amount
			if _, ok := declared[p.Account]; !ok {
				t.Errorf("account %s has no #KONTO", p.Account)
			}
		}
		have := map[string]int64{}
		for _, tr := range got.Transactions {
			have[tr.Account] += tr.Amount
		}
		if !reflect.DeepEqual(have, want) {
			t.Errorf("voucher %d: accounts %v, want %v", i, have, want)
		}
		if len(got.Transactions) != len(v.Postings) {
			t.Errorf("voucher %d: %d rows, want %d", i, len(got.Transactions), len(v.Postings))
		}
	}
	if got := back.Vouchers[0].Text; got != "Försäljning loc_1 2026-04-01" {
		t.Errorf("voucher text %q", got)
	}
	// Row texts are Swedish, as the voucher builder wrote them.
	rows := map[string]string{}
	for _, tr := range back.Vouchers[0].Transactions {
		rows[tr.Account] = tr.Text
	}
	for account, want := range map[string]string{"1580": "Kort", "1910": "Kontant", "1930": "Swish", "2621": "Utgående moms 12 %",
		"2890": "Dricks", "3002": "Försäljning 12 %", "3740": "Öresavrundning"} {
		if rows[account] != want {
			t.Errorf("#TRANS %s text %q, want %q", account, rows[account], want)
		}
	}
	if got := back.Vouchers[2].Text; got != "manual-1" {
		t.Errorf("voucher text %q", got)
	}
	if declared["1580"] != "Fordringar för kontokort och kuponger" || declared["3740"] != "Öres- och kronutjämning" || declared["1930"] != "" {
		t.Errorf("account names %v", declared)
	}
	for i := 1; i < len(order); i++ {
		if order[i-1] >= order[i] {
			t.Errorf("accounts not sorted: %v", order)
		}
	}
	if len(base.Accounts) != 1 || base.Vouchers != nil {
		t.Error("FromVouchers changed its base")
	}
}

func TestFromVouchersErrors(t *testing.T) {
	good := core.Voucher{ExternalRef: "a", Date: "2026-04-01", Currency: "SEK", Postings: []core.Posting{{Account: "1930", Amount: 1}, {Account: "3001", Amount: -1}}}
	nok := good
	nok.Currency = "NOK"
	unbalanced := good
	unbalanced.Postings = []core.Posting{{Account: "1930", Amount: 1}, {Account: "3001", Amount: -2}}
	_, err := FromVouchers(File{}, "A", []core.Voucher{good, nok, unbalanced}, nil)
	got := fieldNames(t, err)
	if want := []string{"vouchers[1].currency", "vouchers[2].postings"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	_, err = FromVouchers(File{Currency: "NOK"}, "A", []core.Voucher{good}, nil)
	if got := fieldNames(t, err); !reflect.DeepEqual(got, []string{"vouchers[0].currency"}) {
		t.Fatalf("fields %v", got)
	}
}
