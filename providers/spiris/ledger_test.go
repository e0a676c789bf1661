package spiris

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

// dayVoucher is a day of sales as package mapping builds it: card and cash
// payments, 25 % and 12 % sales with their VAT, tips and rounding.
func dayVoucher(date core.Date) core.Voucher {
	return core.Voucher{
		ExternalRef: "ledgerbridge:loc_1:" + string(date),
		Date:        date,
		Description: "Dagskassa Kaféet " + string(date),
		Currency:    "SEK",
		Postings: []core.Posting{
			{Account: "1580", Amount: 150050, Description: "Kort"},
			{Account: "1910", Amount: 11200, Description: "Kontant"},
			{Account: "3001", Amount: -100000, Description: "Försäljning 25 %"},
			{Account: "2611", Amount: -25000, Description: "Utgående moms 25 %"},
			{Account: "3002", Amount: -30000, Description: "Försäljning 12 %"},
			{Account: "2621", Amount: -3600, Description: "Utgående moms 12 %"},
			{Account: "2890", Amount: -2600, Description: strings.Repeat("Dricks till personalen ", 5)},
			{Account: "3740", Amount: -50, Description: "Öresavrundning"},
			{Account: "3730", Amount: 0, Description: "Rabatter"},
		},
	}
}

// manualVouchers are the vouchers the export booked (type 2), not those
// invoices booked.
func manualVouchers(srv *spiristest.Server) []spiristest.Voucher {
	var out []spiristest.Voucher
	for _, v := range srv.Vouchers() {
		if v.VoucherType == 2 {
			out = append(out, v)
		}
	}
	return out
}

func TestExportSales(t *testing.T) {
	e := setup(t)
	date := core.Date(fmt.Sprintf("%d-03-15", time.Now().Year()))
	v := dayVoucher(date)
	res, err := e.p.ExportSales(ctx(), e.conn, v)
	if err != nil {
		t.Fatal(err)
	}
	vs := manualVouchers(e.srv)
	if len(vs) != 1 || res.AlreadyExisted || res.ProviderRef != vs[0].Id {
		t.Fatalf("result %+v, vouchers %+v", res, vs)
	}
	sv := vs[0]
	if sv.VoucherText != "Dagskassa Kaféet "+string(date)+" [ledgerbridge:loc_1:"+string(date)+"]" || sv.VoucherDate != string(date)+"T00:00:00" {
		t.Fatalf("voucher %q %s", sv.VoucherText, sv.VoucherDate)
	}
	if len(sv.Rows) != 8 {
		t.Fatalf("%d rows, want 8 (the zero posting left out)", len(sv.Rows))
	}
	r0, r2, r6 := sv.Rows[0], sv.Rows[2], sv.Rows[6]
	if r0.AccountNumber != 1580 || r0.DebitAmount.String() != "1500.5" || !r0.CreditAmount.IsZero() || str(r0.TransactionText) != "Kort" {
		t.Fatalf("row 0 %+v", r0)
	}
	if r2.AccountNumber != 3001 || !r2.DebitAmount.IsZero() || r2.CreditAmount.String() != "1000" || r2.VatCodeId == nil {
		t.Fatalf("row 2 %+v (the account's VAT code should tag it)", r2)
	}
	// Output VAT rows carry the VAT code Spiris links to their account
	// (2611 to MP1), as its own invoice vouchers do.
	if r3 := sv.Rows[3]; r3.AccountNumber != 2611 || str(r3.VatCodeAndPercent) != "MP1 25%" {
		t.Fatalf("row 3 %+v, want 2611 tagged MP1 25%%", r3)
	}
	if len([]rune(str(r6.TransactionText))) != 60 {
		t.Fatalf("transaction text not cut to 60: %q", str(r6.TransactionText))
	}

	// Again: found in the plugin's record, nothing booked.
	res2, err := e.p.ExportSales(ctx(), e.conn, v)
	if err != nil || !res2.AlreadyExisted || res2.ProviderRef != res.ProviderRef || len(manualVouchers(e.srv)) != 1 {
		t.Fatalf("again %+v %v", res2, err)
	}
	// A plugin without the record finds it in Spiris.
	p2 := e.newProvider(t.TempDir())
	res3, err := p2.ExportSales(ctx(), e.conn, v)
	if err != nil || !res3.AlreadyExisted || res3.ProviderRef != res.ProviderRef || len(manualVouchers(e.srv)) != 1 {
		t.Fatalf("fresh plugin %+v %v", res3, err)
	}
	if requests(e.srv, "POST", "/v2/vouchers") != 1 {
		t.Fatal("posted more than once")
	}
}

func TestExportSalesLostResponse(t *testing.T) {
	e := setup(t)
	date := core.Date(fmt.Sprintf("%d-03-16", time.Now().Year()))
	v := dayVoucher(date)
	e.srv.LoseNextResponse("POST", "/v2/vouchers")
	res, err := e.p.ExportSales(ctx(), e.conn, v)
	if err != nil {
		t.Fatalf("after a lost response: %v", err)
	}
	vs := manualVouchers(e.srv)
	if len(vs) != 1 || res.ProviderRef != vs[0].Id {
		t.Fatalf("result %+v, %d vouchers", res, len(vs))
	}
	res2, err := e.p.ExportSales(ctx(), e.conn, v)
	if err != nil || !res2.AlreadyExisted || len(manualVouchers(e.srv)) != 1 {
		t.Fatalf("retry %+v %v, %d vouchers", res2, err, len(manualVouchers(e.srv)))
	}

	// A failed post (500 before booking) is reported unavailable, not
	// retried blindly, and a later retry books once.
	v2 := dayVoucher(date.AddDays(1))
	e.srv.InjectFault(spiristest.Fault{Method: "POST", Path: "/v2/vouchers", Status: 500})
	_, err = e.p.ExportSales(ctx(), e.conn, v2)
	wantCode(t, err, core.CodeUnavailable)
	if len(manualVouchers(e.srv)) != 1 {
		t.Fatal("the failed post booked")
	}
	if _, err := e.p.ExportSales(ctx(), e.conn, v2); err != nil || len(manualVouchers(e.srv)) != 2 {
		t.Fatalf("retry after 500: %v, %d vouchers", err, len(manualVouchers(e.srv)))
	}
}

func TestExportSalesRefusals(t *testing.T) {
	e := setup(t)
	year := time.Now().Year()
	date := core.Date(fmt.Sprintf("%d-03-31", year))

	e.srv.LockAccountingTo(time.Date(year, 3, 31, 0, 0, 0, 0, time.UTC))
	_, err := e.p.ExportSales(ctx(), e.conn, dayVoucher(date))
	ce := wantCode(t, err, core.CodeInvalid)
	want := fmt.Sprintf("the accounting period for %s is locked in Visma Spiris; unlock it or choose a later start date", date)
	if ce.Message != want || !hasField(ce, "date") {
		t.Fatalf("locked: %v\nwant message %q", ce, want)
	}

	e.srv.SetFiscalYearLocked(time.Date(year-1, 6, 1, 0, 0, 0, 0, time.UTC), true)
	lastYear := core.Date(fmt.Sprintf("%d-06-01", year-1))
	_, err = e.p.ExportSales(ctx(), e.conn, dayVoucher(lastYear))
	if ce := wantCode(t, err, core.CodeInvalid); ce.Message != fmt.Sprintf("the accounting period for %s is locked in Visma Spiris; unlock it or choose a later start date", lastYear) {
		t.Fatalf("locked year: %v", ce)
	}

	noYear := core.Date(fmt.Sprintf("%d-06-01", year-5))
	_, err = e.p.ExportSales(ctx(), e.conn, dayVoucher(noYear))
	if ce := wantCode(t, err, core.CodeInvalid); !strings.Contains(ce.Message, "there is no fiscal year in Visma Spiris for "+string(noYear)) {
		t.Fatalf("no fiscal year: %v", ce)
	}

	open := core.Date(fmt.Sprintf("%d-04-02", year))
	tests := []struct {
		name  string
		mod   func(*core.Voucher)
		field string
	}{
		{"unbalanced", func(v *core.Voucher) { v.Postings[0].Amount++ }, "postings"},
		{"no reference", func(v *core.Voucher) { v.ExternalRef = "" }, "external_ref"},
		{"not a number", func(v *core.Voucher) { v.Postings[1].Account = "Kassa" }, "postings[1].account"},
		{"other currency", func(v *core.Voucher) { v.Currency = "NOK" }, "currency"},
		{"unknown account", func(v *core.Voucher) { v.Postings[7].Account = "3999" }, "postings[7].account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := dayVoucher(open)
			tt.mod(&v)
			_, err := e.p.ExportSales(ctx(), e.conn, v)
			if ce := wantCode(t, err, core.CodeInvalid); !hasField(ce, tt.field) {
				t.Fatalf("%v does not name %s", ce, tt.field)
			}
		})
	}

	e.srv.ForceRateLimit(1, 55)
	_, err = e.p.ExportSales(ctx(), e.conn, dayVoucher(open))
	if ce := wantCode(t, err, core.CodeRateLimited); ce.RetryAfter != 55*time.Second {
		t.Fatalf("RetryAfter %v", ce.RetryAfter)
	}
	if len(manualVouchers(e.srv)) != 0 {
		t.Fatal("a refused voucher was booked")
	}
	if _, err := e.p.ExportSales(ctx(), e.conn, dayVoucher(open)); err != nil {
		t.Fatal(err)
	}
}

// "Add a new account from the list": POST /accounts in the current fiscal
// year, checked by the mock against Spiris's document; the account is
// listed at once; a number in use is a conflict naming number.
func TestCreateLedgerAccount(t *testing.T) {
	e := setup(t)
	got, err := e.p.CreateLedgerAccount(ctx(), e.conn, core.NewLedgerAccount{Number: "2421", Name: "Ej inlösta presentkort"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != "2421" || got.Name != "Ej inlösta presentkort" || !got.Active || got.LockedVATCode != "" {
		t.Errorf("created %+v", got)
	}
	accounts, err := e.p.ListLedgerAccounts(ctx(), e.conn)
	if err != nil || !slices.ContainsFunc(accounts, func(a core.LedgerAccount) bool { return a.Number == "2421" && a.Active }) {
		t.Fatalf("the new account is not listed: %v", err)
	}
	tests := []struct {
		name  string
		in    core.NewLedgerAccount
		code  core.ErrorCode
		field string
	}{
		{"number in use", core.NewLedgerAccount{Number: "1930", Name: "Bank"}, core.CodeConflict, "number"},
		{"just created", core.NewLedgerAccount{Number: "2421", Name: "Again"}, core.CodeConflict, "number"},
		{"five digits", core.NewLedgerAccount{Number: "24210", Name: "X"}, core.CodeInvalid, "number"},
	}
	for _, tt := range tests {
		_, err := e.p.CreateLedgerAccount(ctx(), e.conn, tt.in)
		ce, ok := err.(*core.Error)
		if !ok || ce.Code != tt.code || !slices.ContainsFunc(ce.Fields, func(f core.FieldError) bool { return f.Field == tt.field }) {
			t.Errorf("%s: %v, want %s naming %s", tt.name, err, tt.code, tt.field)
		}
	}
}
