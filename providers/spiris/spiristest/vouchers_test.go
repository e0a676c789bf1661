package spiristest

import (
	"fmt"
	"testing"
	"time"
)

func voucherBody(date string, rows ...map[string]any) map[string]any {
	rs := make([]any, len(rows))
	for i, r := range rows {
		rs[i] = r
	}
	return map[string]any{"VoucherDate": date, "VoucherText": "Dagskassa " + date, "Rows": rs}
}

func dr(account int, amount float64) map[string]any {
	return map[string]any{"AccountNumber": account, "DebitAmount": amount, "CreditAmount": 0, "TransactionText": "Kort"}
}

func cr(account int, amount float64) map[string]any {
	return map[string]any{"AccountNumber": account, "DebitAmount": 0, "CreditAmount": amount}
}

func TestVouchers(t *testing.T) {
	srv := Start(t, Options{})
	api := newAPI(t, srv)
	year := time.Now().Year()
	date := fmt.Sprintf("%d-03-15", year)

	var v Voucher
	api.call("POST", "/vouchers?useDefaultVatCodes=true&useAutomaticVatCalculation=false", voucherBody(date, dr(1580, 1250), cr(3001, 1000), cr(2611, 250)), 201, &v)
	if *v.NumberAndNumberSeries != "A1" || *v.NumberSeries != "A" || v.VoucherType != 2 || v.VoucherDate != date+"T00:00:00" || v.Id == "" {
		t.Fatalf("voucher %+v", v)
	}
	if v.Rows[1].VatCodeId == nil || *v.Rows[1].VatCodeAndPercent != "MP1 25%" || *v.Rows[0].AccountDescription == "" || v.Rows[0].VatCodeId != nil {
		t.Fatalf("rows %+v", v.Rows)
	}
	var v2 Voucher
	api.call("POST", "/vouchers", voucherBody(date, dr(1930, 10.5), cr(3740, 10.5)), 201, &v2)
	if *v2.NumberAndNumberSeries != "A2" {
		t.Fatalf("second voucher %s", *v2.NumberAndNumberSeries)
	}
	var v3 Voucher
	body := voucherBody(date, dr(1930, 1), cr(3740, 1))
	api.call("POST", "/vouchers?useDefaultVoucherSeries=false", map[string]any{"VoucherDate": date, "VoucherText": "x", "NumberSeries": "K", "Rows": body["Rows"]}, 201, &v3)
	if *v3.NumberAndNumberSeries != "K1" {
		t.Fatalf("own series %s", *v3.NumberAndNumberSeries)
	}

	srv.LockAccountingTo(time.Date(year, 1, 31, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   int
	}{
		{"unbalanced", voucherBody(date, dr(1580, 1250), cr(3001, 1000), cr(2611, 249.99)), 400, CodeValidation},
		{"three decimals", voucherBody(date, dr(1580, 10.001), cr(3001, 10.001)), 400, CodeValidation},
		{"debit and credit on one row", voucherBody(date, map[string]any{"AccountNumber": 1930, "DebitAmount": 5, "CreditAmount": 5}, cr(3001, 0.01)), 400, CodeValidation},
		{"empty row", voucherBody(date, dr(1930, 0), cr(3001, 0)), 400, CodeValidation},
		{"one row", voucherBody(date, dr(1930, 0)), 400, CodeValidation},
		{"unknown account", voucherBody(date, dr(1999, 10), cr(3001, 10)), 400, CodeAccountNotFound},
		{"locked period", voucherBody(fmt.Sprintf("%d-01-15", year), dr(1930, 10), cr(3001, 10)), 400, CodeLockedPeriod},
		{"lock date itself", voucherBody(fmt.Sprintf("%d-01-31", year), dr(1930, 10), cr(3001, 10)), 400, CodeLockedPeriod},
		{"no fiscal year", voucherBody(fmt.Sprintf("%d-01-05", year+1), dr(1930, 10), cr(3001, 10)), 400, CodeFiscalYearNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api.fail("POST", "/vouchers", tt.body, tt.status, tt.code)
		})
	}
	api.call("POST", "/vouchers", voucherBody(fmt.Sprintf("%d-02-01", year), dr(1930, 10), cr(3001, 10)), 201, nil)

	srv.SetFiscalYearLocked(time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC), true)
	api.fail("POST", "/vouchers", voucherBody(date, dr(1930, 10), cr(3001, 10)), 400, CodeLockedPeriod)
	srv.SetFiscalYearLocked(time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC), false)
	srv.SetAccountBlocked(1510, true)
	api.fail("POST", "/vouchers", voucherBody(date, dr(1510, 10), cr(3001, 10)), 400, CodeValidation)

	// A new fiscal year makes the date bookable.
	srv.AddFiscalYear(time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year+1, 12, 31, 0, 0, 0, 0, time.UTC))
	var next Voucher
	api.call("POST", "/vouchers", voucherBody(fmt.Sprintf("%d-01-05", year+1), dr(1930, 10), cr(3001, 10)), 201, &next)
	if *next.NumberAndNumberSeries != "A1" {
		t.Fatalf("numbering is per fiscal year: %s", *next.NumberAndNumberSeries)
	}

	var all page[Voucher]
	api.call("GET", "/vouchers?$filter="+"VoucherDate%20eq%20"+date, nil, 200, &all)
	if all.Meta.TotalNumberOfResults != 3 {
		t.Fatalf("vouchers on %s: %d", date, all.Meta.TotalNumberOfResults)
	}
	fy := srv.FiscalYears()[1].Id
	var one Voucher
	api.call("GET", "/vouchers/"+fy+"/"+v.Id, nil, 200, &one)
	if one.VoucherText != v.VoucherText {
		t.Fatalf("get voucher %+v", one)
	}
	api.fail("GET", "/vouchers/"+srv.FiscalYears()[0].Id+"/"+v.Id, nil, 404, CodeNotFound)
	if n := len(srv.Vouchers()); n != 5 {
		t.Fatalf("%d vouchers stored", n)
	}
}

func TestInvoiceInLockedPeriod(t *testing.T) {
	f := newInvoiceFixture(t)
	year := time.Now().Year()
	f.srv.LockAccountingTo(time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
	f.api.fail("POST", "/customerinvoices", map[string]any{"CustomerId": f.customer.Id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"Rows": []any{map[string]any{"ArticleId": f.a25.Id, "Quantity": 1, "UnitPrice": 100}}}, 400, CodeLockedPeriod)
	if len(f.srv.Invoices()) != 0 || f.srv.CompanySettings().NextCustomerInvoiceNumber != 1 {
		t.Fatal("a refused invoice used a number")
	}
}
