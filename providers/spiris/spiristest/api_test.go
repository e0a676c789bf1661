package spiristest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPaging(t *testing.T) {
	srv := Start(t, Options{})
	for i := 1; i <= 120; i++ {
		srv.AddCustomer(Customer{Name: fmt.Sprintf("Kund %03d", i), InvoicePostalCode: "11122", InvoiceCity: "Stockholm", IsActive: true})
	}
	api := newAPI(t, srv)
	tests := []struct {
		query             string
		page, size, pages int
		n                 int
		first             string
	}{
		{"", 1, 50, 3, 50, "Kund 001"},
		{"?$page=2", 2, 50, 3, 50, "Kund 051"},
		{"?$page=3", 3, 50, 3, 20, "Kund 101"},
		{"?$page=4", 4, 50, 3, 0, ""},
		{"?$pagesize=1000", 1, 1000, 1, 120, "Kund 001"},
		{"?$pagesize=7&$page=2", 2, 7, 18, 7, "Kund 008"},
		{"?$top=10&$skip=20", 3, 10, 12, 10, "Kund 021"},
		{"?$orderby=Name%20desc&$pagesize=5", 1, 5, 24, 5, "Kund 120"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var p page[Customer]
			api.call("GET", "/customers"+tt.query, nil, 200, &p)
			m := p.Meta
			if m.CurrentPage != tt.page || m.PageSize != tt.size || m.TotalNumberOfPages != tt.pages || m.TotalNumberOfResults != 120 {
				t.Fatalf("meta %+v", m)
			}
			if _, err := time.Parse(time.RFC3339, m.ServerTimeUtc); err != nil {
				t.Fatalf("ServerTimeUtc %q", m.ServerTimeUtc)
			}
			if len(p.Data) != tt.n || (tt.n > 0 && p.Data[0].Name != tt.first) {
				t.Fatalf("got %d rows, first %+v", len(p.Data), p.Data)
			}
		})
	}
	for _, q := range []string{"?$pagesize=0", "?$pagesize=1001", "?$page=0", "?$page=x"} {
		api.fail("GET", "/customers"+q, nil, 400, CodeValidation)
	}
}

func TestFilters(t *testing.T) {
	srv := Start(t, Options{})
	api := newAPI(t, srv)
	add := func(num, name, org, email string) {
		srv.AddCustomer(Customer{CustomerNumber: ptr(num), Name: name, CorporateIdentityNumber: ptr(org), EmailAddress: ptr(email),
			InvoicePostalCode: "11122", InvoiceCity: "Stockholm", IsActive: true})
	}
	add("1001", "Kund AB", "5561234567", "faktura@kund.se")
	add("1002", "Bageriet i Byn HB", "9696123456", "info@bageriet.se")
	add("1003", "O'Brien Konsult", "5569998887", "ob@konsult.se")
	tests := []struct {
		filter string
		want   []string
	}{
		{"CustomerNumber eq '1002'", []string{"1002"}},
		{"CorporateIdentityNumber eq '5561234567'", []string{"1001"}},
		{"Name eq 'kund ab'", []string{"1001"}},
		{"Name eq 'O''Brien Konsult'", []string{"1003"}},
		{"EmailAddress eq 'info@bageriet.se'", []string{"1002"}},
		{"contains(Name,'konsult') or startswith(Name,'Bag')", []string{"1002", "1003"}},
		{"CustomerNumber ne '1001' and not (Name eq 'Bageriet i Byn HB')", []string{"1003"}},
		{"CustomerNumber ge '1002'", []string{"1002", "1003"}},
		{"IsActive eq true and UnpaidInvoicesAmount eq 0", []string{"1001", "1002", "1003"}},
		{"TermsOfPayment/NumberOfDays eq 30 and VatNumber eq null", []string{"1001", "1002", "1003"}},
		{"Name eq 'Nobody'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			var p page[Customer]
			api.call("GET", "/customers?$filter="+url.QueryEscape(tt.filter), nil, 200, &p)
			var got []string
			for _, c := range p.Data {
				got = append(got, *c.CustomerNumber)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || p.Meta.TotalNumberOfResults != len(tt.want) {
				t.Fatalf("got %v (meta %+v), want %v", got, p.Meta, tt.want)
			}
		})
	}
	for _, bad := range []string{"Nmae eq 'x'", "Name eq 'unterminated", "Name eq", "frobnicate(Name)"} {
		api.fail("GET", "/customers?$filter="+url.QueryEscape(bad), nil, 400, CodeValidation)
	}
	// Unknown fields are refused even when there is nothing to filter.
	api.fail("GET", "/vouchers?$filter="+url.QueryEscape("Bogus eq 1"), nil, 400, CodeValidation)
}

func TestScopes(t *testing.T) {
	srv := Start(t, Options{})
	tests := []struct {
		name   string
		scopes []string
		method string
		path   string
		body   any
		status int
	}{
		{"sales reads customers", []string{"ea:api", "ea:sales"}, "GET", "/customers", nil, 200},
		{"sales cannot read vouchers", []string{"ea:api", "ea:sales"}, "GET", "/vouchers", nil, 403},
		{"sales cannot read accounts", []string{"ea:api", "ea:sales"}, "GET", "/accounts", nil, 403},
		{"accounting reads vat codes", []string{"ea:api", "ea:accounting"}, "GET", "/vatcodes", nil, 200},
		{"accounting cannot read customers", []string{"ea:api", "ea:accounting"}, "GET", "/customers", nil, 403},
		{"fiscal years: sales or accounting", []string{"ea:api", "ea:sales_readonly"}, "GET", "/fiscalyears", nil, 200},
		{"terms: purchase also", []string{"ea:api", "ea:purchase_readonly"}, "GET", "/termsofpayments", nil, 200},
		{"readonly cannot write", []string{"ea:api", "ea:sales_readonly"}, "POST", "/customers", customerBody("X", nil), 403},
		{"readonly cannot create invoices", []string{"ea:api", "ea:sales_readonly"}, "POST", "/customerinvoices",
			map[string]any{"CustomerId": seedID("nobody"), "EuThirdParty": false, "RotReducedInvoicingType": 0, "Rows": []any{}}, 403},
		{"ea:api is required", []string{"ea:sales", "ea:accounting"}, "GET", "/customers", nil, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newAPI(t, srv, tt.scopes...)
			if tt.status == 403 {
				api.fail(tt.method, tt.path, tt.body, 403, CodeNoAccessToScopes)
				return
			}
			api.call(tt.method, tt.path, tt.body, tt.status, nil)
		})
	}
}

func TestCustomers(t *testing.T) {
	srv := Start(t, Options{AllowSpecViolations: true})
	api := newAPI(t, srv)
	var c Customer
	api.call("POST", "/customers", customerBody("Kund AB", map[string]any{"CorporateIdentityNumber": "5561234567", "EmailAddress": "faktura@kund.se"}), 201, &c)
	if c.Id == "" || c.CustomerNumber == nil || *c.CustomerNumber != "1" || c.TermsOfPayment == nil || *c.TermsOfPayment.Name != "30 dagar" ||
		*c.CurrencyCode != "SEK" || c.ChangedUtc == nil {
		t.Fatalf("created %+v", c)
	}
	var c2 Customer
	api.call("POST", "/customers", customerBody("Andra AB", map[string]any{"CustomerNumber": "2"}), 201, &c2)
	var c3 Customer
	api.call("POST", "/customers", customerBody("Tredje AB", nil), 201, &c3)
	if *c3.CustomerNumber != "3" {
		t.Fatalf("auto number skipped a taken number badly: %s", *c3.CustomerNumber)
	}
	api.fail("POST", "/customers", customerBody("Dubblett AB", map[string]any{"CustomerNumber": "1"}), 409, CodeConflict)
	api.fail("POST", "/customers", customerBody("X", map[string]any{"TermsOfPaymentId": seedID("nope")}), 400, CodeNotFound)

	// GET-modify-PUT: sending back the read-only fields is refused, naming
	// each; without them the PUT succeeds.
	var got map[string]any
	api.call("GET", "/customers/"+c.Id, nil, 200, &got)
	got["InvoiceAddress1"] = "Nya gatan 2"
	eb := api.fail("PUT", "/customers/"+c.Id, got, 400, CodeValidation)
	for _, f := range []string{"Id", "ChangedUtc", "IsFutureInvoiceDateAllowed", "UnpaidInvoicesAmount", "TermsOfPayment/Id"} {
		if !strings.Contains(eb.DeveloperErrorMessage, "/"+f+": readOnly") {
			t.Fatalf("read-only %s not refused: %s", f, eb.DeveloperErrorMessage)
		}
	}
	if len(srv.SpecViolations()) != 5 {
		t.Fatalf("violations %v", srv.SpecViolations())
	}
	srv.ResetSpecViolations()
	for _, f := range []string{"Id", "ChangedUtc", "IsFutureInvoiceDateAllowed", "UnpaidInvoicesAmount", "LastInvoiceDate", "TermsOfPayment"} {
		delete(got, f)
	}
	var put Customer
	api.call("PUT", "/customers/"+strings.ToUpper(c.Id), got, 200, &put)
	if *put.InvoiceAddress1 != "Nya gatan 2" || *put.CustomerNumber != "1" || *put.EmailAddress != "faktura@kund.se" {
		t.Fatalf("put %+v", put)
	}
	// PUT replaces: omitted fields are cleared.
	api.call("PUT", "/customers/"+c.Id, customerBody("Kund AB", nil), 200, &put)
	if put.EmailAddress != nil || put.CorporateIdentityNumber != nil || *put.CustomerNumber != "1" {
		t.Fatalf("put did not replace: %+v", put)
	}
	if cs := srv.Customers(); len(cs) != 3 || *cs[0].InvoiceAddress1 != "Storgatan 1" {
		t.Fatalf("state %+v", cs)
	}
	api.fail("GET", "/customers/"+seedID("missing"), nil, 404, CodeNotFound)
	api.call("DELETE", "/customers/"+c2.Id, nil, 200, nil)
	if len(srv.Customers()) != 2 {
		t.Fatal("delete did not remove")
	}
	var cs CompanySettings
	api.call("GET", "/CompanySettings", nil, 200, &cs)
	if cs.NextCustomerNumber != 4 {
		t.Fatalf("NextCustomerNumber %d", cs.NextCustomerNumber)
	}
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Fatalf("violations after the refused PUT: %v", v)
	}
}

func TestReferenceData(t *testing.T) {
	srv := Start(t, Options{})
	api := newAPI(t, srv)
	var fys page[FiscalYear]
	api.call("GET", "/fiscalyears", nil, 200, &fys)
	year := time.Now().Year()
	if len(fys.Data) != 2 || fys.Data[1].StartDate != fmt.Sprintf("%d-01-01T00:00:00", year) {
		t.Fatalf("fiscal years %+v", fys.Data)
	}
	cur := fys.Data[1].Id
	var accs page[Account]
	api.call("GET", "/accounts/"+cur+"?$pagesize=1000", nil, 200, &accs)
	byNum := map[string]Account{}
	for _, a := range accs.Data {
		byNum[a.Number] = a
	}
	for _, n := range []string{"1510", "1580", "1930", "2611", "2621", "2631", "3001", "3002", "3003", "3004", "3740", "6570"} {
		if _, ok := byNum[n]; !ok {
			t.Errorf("account %s missing", n)
		}
	}
	var vcs page[VatCode]
	api.call("GET", "/vatcodes", nil, 200, &vcs)
	rateOf := map[string]string{}
	for _, v := range vcs.Data {
		rateOf[v.Id] = v.VatRate.String()
	}
	if rateOf[*byNum["3001"].VatCodeId] != "25" || rateOf[*byNum["3002"].VatCodeId] != "12" || rateOf[*byNum["2631"].VatCodeId] != "6" {
		t.Fatalf("account VAT coding wrong: %v", rateOf)
	}
	var one Account
	api.call("GET", "/accounts/"+cur+"/1930", nil, 200, &one)
	if one.Name == "" || one.FiscalYearId != cur {
		t.Fatalf("account %+v", one)
	}
	api.fail("GET", "/accounts/"+cur+"/9999", nil, 404, CodeNotFound)
	var codings page[ArticleAccountCoding]
	api.call("GET", "/articleaccountcodings?$filter="+url.QueryEscape("VatRatePercent eq 0.12 and Type eq 'Goods'"), nil, 200, &codings)
	if len(codings.Data) != 1 || *codings.Data[0].DomesticSalesSubjectToVatAccountNumber != 3002 {
		t.Fatalf("codings %+v", codings.Data)
	}
	var terms page[TermsOfPayment]
	api.call("GET", "/termsofpayments", nil, 200, &terms)
	var units page[Unit]
	api.call("GET", "/units", nil, 200, &units)
	if len(terms.Data) < 3 || len(units.Data) < 2 {
		t.Fatalf("terms %d units %d", len(terms.Data), len(units.Data))
	}
}
