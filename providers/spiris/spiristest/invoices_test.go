package spiristest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

type invoiceFixture struct {
	api                     *apiClient
	srv                     *Server
	customer                Customer
	a25, a12, a6, service25 Article
}

func newInvoiceFixture(t *testing.T) *invoiceFixture {
	srv := Start(t, Options{})
	f := &invoiceFixture{api: newAPI(t, srv), srv: srv}
	f.api.call("POST", "/customers", customerBody("Kund AB", map[string]any{"EmailAddress": "faktura@kund.se"}), 201, &f.customer)
	f.api.call("POST", "/articles", articleBody("V25", "Varor 25", "goods25", 100), 201, &f.a25)
	f.api.call("POST", "/articles", articleBody("V12", "Mat 12", "goods12", 50), 201, &f.a12)
	f.api.call("POST", "/articles", articleBody("V6", "Bok 6", "goods6", 0), 201, &f.a6)
	f.api.call("POST", "/articles", articleBody("T25", "Konsult", "services25", 900), 201, &f.service25)
	return f
}

func row(articleID string, qty, price float64) map[string]any {
	return map[string]any{"ArticleId": articleID, "Quantity": qty, "UnitPrice": price, "IsTextRow": false, "ReversedConstructionServicesVatFree": false}
}

func TestArticles(t *testing.T) {
	f := newInvoiceFixture(t)
	if f.a25.GrossPrice.String() != "125" || f.a25.CodingName == nil || *f.a25.CodingName != "Varor 25 %" || f.a25.IsServiceArticle {
		t.Fatalf("article %+v", f.a25)
	}
	if !f.service25.IsServiceArticle || *f.service25.UnitAbbreviation != "st" {
		t.Fatalf("service article %+v", f.service25)
	}
	f.api.fail("POST", "/articles", articleBody("V25", "Dubblett", "goods25", 1), 409, CodeConflict)
	f.api.fail("POST", "/articles", articleBody("X1", "Okänd kontering", "nope", 1), 400, CodeNotFound)
	body := articleBody("V25", "Varor 25 ny", "goods25", 200)
	var a Article
	f.api.call("PUT", "/articles/"+f.a25.Id, body, 200, &a)
	if a.Name != "Varor 25 ny" || a.NetPrice.String() != "200" || a.CreatedUtc != f.a25.CreatedUtc {
		t.Fatalf("put %+v", a)
	}
	var p page[Article]
	f.api.call("GET", "/articles?$filter=Number%20eq%20'T25'", nil, 200, &p)
	if len(p.Data) != 1 || p.Data[0].Id != f.service25.Id {
		t.Fatalf("filter by number: %+v", p.Data)
	}
}

func TestDraftConvertNumberingAndVAT(t *testing.T) {
	f := newInvoiceFixture(t)
	draft := map[string]any{
		"CustomerId": f.customer.Id, "InvoiceDate": today(), "YourReference": "Anna", "OurReference": "Kassa 1",
		"EuThirdParty": false, "RotReducedInvoicingType": 0, "IsCreditInvoice": false,
		"Rows": []any{
			row(f.a25.Id, 3, 99.99), // 299.97 net, 25 %
			row(f.a12.Id, 3, 10.55), // 31.65 net, 12 %
			map[string]any{"ArticleId": f.a6.Id, "Quantity": 1, "UnitPrice": 0, "IsTextRow": false, "ReversedConstructionServicesVatFree": false}, // 0
			map[string]any{"IsTextRow": true, "Text": "Avser kvitto 42", "ReversedConstructionServicesVatFree": false},
			row(f.service25.Id, 1.5, 900), // 1350.00 net, 25 %
		},
	}
	var d InvoiceDraft
	f.api.call("POST", "/customerinvoicedrafts", draft, 201, &d)
	// Net 299.97 + 31.65 + 1350.00 = 1681.62; VAT 25 % of 1649.97 = 412.49 (412.4925),
	// 12 % of 31.65 = 3.80 (3.798); gross 2097.91 → rounded 2098, rounding +0.09.
	if d.TotalVatAmount.String() != "416.29" || d.TotalAmount.String() != "2098" || d.TotalRoundings.String() != "0.09" {
		t.Fatalf("draft totals amount %s vat %s rounding %s", d.TotalAmount, d.TotalVatAmount, d.TotalRoundings)
	}
	if len(d.Rows) != 5 || *d.Rows[3].Text != "Avser kvitto 42" || !d.Rows[3].IsTextRow || *d.Rows[0].Text != "Varor 25" ||
		d.Rows[0].Amount.String() != "299.97" || d.Rows[1].VatRate.String() != "0.12" || *d.Rows[4].LineNumber != 5 {
		t.Fatalf("draft rows %+v", d.Rows)
	}
	if *d.DueDate == *d.InvoiceDate || *d.CustomerNumber != "1" {
		t.Fatalf("due date %s / customer %v", *d.DueDate, *d.CustomerNumber)
	}

	// Convert with totals that do not match → 2000 naming the field.
	eb := f.api.fail("POST", "/customerinvoicedrafts/"+d.Id+"/convert", map[string]any{"TotalAmountInvoiceCurrency": 2097.91}, 400, CodeValidation)
	if len(eb.Errors) != 1 || eb.Errors[0].Field != "TotalAmountInvoiceCurrency" {
		t.Fatalf("mismatch errors %+v", eb.Errors)
	}
	var inv Invoice
	f.api.call("POST", "/customerinvoicedrafts/"+d.Id+"/convert", map[string]any{
		"TotalAmountInvoiceCurrency": 2098, "TotalVatAmountInvoiceCurrency": 416.29, "TotalRoundingsInvoiceCurrency": 0.09,
		"Rows": []any{map[string]any{"LineNumber": 1, "TotalAmountNoVatInvoiceCurrency": 299.97, "TotalAmountIncVatInvoiceCurrency": 374.96}},
	}, 201, &inv)
	if inv.InvoiceNumber != 1 || inv.TotalAmount.String() != "2098" || inv.RemainingAmount.String() != "2098" || inv.PaymentStatus != 1 ||
		inv.CreatedFromDraftId == nil || *inv.CreatedFromDraftId != d.Id || *inv.YourReference != "Anna" {
		t.Fatalf("invoice %+v", inv)
	}
	if len(inv.VatSpecification) != 3 || inv.VatSpecification[0].VatPercent.String() != "25" || inv.VatSpecification[0].VatAmountInvoiceCurrency.String() != "412.49" {
		t.Fatalf("vat specification %+v", inv.VatSpecification)
	}
	if len(f.srv.Drafts()) != 0 {
		t.Fatal("converted draft still there")
	}
	f.api.fail("POST", "/customerinvoicedrafts/"+d.Id+"/convert", nil, 404, CodeNotFound)

	// The invoice was bookkept: Dr 1510 / Cr 3001, 3002, 3041, 2611, 2621, 3740.
	vs := f.srv.Vouchers()
	if len(vs) != 1 || vs[0].Id != inv.VoucherId || vs[0].VoucherType != 14 || *vs[0].NumberAndNumberSeries != "B1" {
		t.Fatalf("vouchers %+v", vs)
	}
	want := map[int64]string{1510: "D2098", 3001: "C299.97", 3002: "C31.65", 3041: "C1350", 2611: "C412.49", 2621: "C3.8", 3740: "C0.09"}
	got := map[int64]string{}
	for _, r := range vs[0].Rows {
		if r.DebitAmount.IsPositive() {
			got[r.AccountNumber] = "D" + r.DebitAmount.String()
		} else {
			got[r.AccountNumber] = "C" + r.CreditAmount.String()
		}
	}
	if len(got) != len(want) {
		t.Fatalf("voucher rows %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("voucher rows %v, want %v", got, want)
		}
	}

	// Direct POST takes the next number; a credit invoice the one after.
	var inv2 Invoice
	f.api.call("POST", "/customerinvoices", map[string]any{"CustomerId": f.customer.Id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"InvoiceDate": today(), "Rows": []any{map[string]any{"ArticleId": f.a25.Id, "Quantity": 2, "UnitPrice": 100}}}, 201, &inv2)
	var credit Invoice
	f.api.call("POST", "/customerinvoices", map[string]any{"CustomerId": f.customer.Id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"IsCreditInvoice": true, "InvoiceDate": today(), "YourReference": "Kredit av faktura 2",
		"Rows": []any{map[string]any{"ArticleId": f.a25.Id, "Quantity": -1, "UnitPrice": 100}}}, 201, &credit)
	if inv2.InvoiceNumber != 2 || inv2.TotalAmount.String() != "250" || credit.InvoiceNumber != 3 || credit.TotalAmount.String() != "-125" ||
		credit.TotalVatAmount.String() != "-25" || !credit.IsCreditInvoice {
		t.Fatalf("invoice 2 %+v\ncredit %+v", inv2, credit)
	}
	f.api.fail("POST", "/customerinvoices", map[string]any{"CustomerId": f.customer.Id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"IsCreditInvoice": true, "Rows": []any{map[string]any{"ArticleId": f.a25.Id, "Quantity": 1, "UnitPrice": 100}}}, 400, CodeValidation)
	f.api.fail("POST", "/customerinvoices", map[string]any{"CustomerId": f.customer.Id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"Rows": []any{map[string]any{"ArticleId": seedID("no-article"), "Quantity": 1, "UnitPrice": 100}}}, 400, CodeNotFound)
	vs = f.srv.Vouchers()
	last := vs[len(vs)-1]
	if last.VoucherType != 15 || last.Rows[0].AccountNumber != 1510 || last.Rows[0].CreditAmount.String() != "125" {
		t.Fatalf("credit voucher %+v", last)
	}
	var cust Customer
	f.api.call("GET", "/customers/"+f.customer.Id, nil, 200, &cust)
	if cust.UnpaidInvoicesAmount.String() != "2223" {
		t.Fatalf("unpaid %s", cust.UnpaidInvoicesAmount)
	}
	f.api.fail("DELETE", "/customers/"+f.customer.Id, nil, 400, CodeCannotDelete)
	if n := len(f.srv.Invoices()); n != 3 {
		t.Fatalf("%d invoices", n)
	}
}

func TestInvoiceVATByCustomer(t *testing.T) {
	f := newInvoiceFixture(t)
	tests := []struct {
		name    string
		extra   map[string]any
		vat     string
		account int64
	}{
		{"domestic", nil, "25", 3001},
		{"EU company", map[string]any{"InvoiceCountryCode": "DE", "VatNumber": "DE123456789"}, "0", 3108},
		{"EU private person", map[string]any{"InvoiceCountryCode": "DE", "IsPrivatePerson": true}, "25", 3106},
		{"outside EU", map[string]any{"InvoiceCountryCode": "NO"}, "0", 3105},
		{"construction reverse charge", map[string]any{"ReverseChargeOnConstructionServices": true}, "0", 3231},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Customer
			f.api.call("POST", "/customers", customerBody(tt.name, tt.extra), 201, &c)
			var inv Invoice
			f.api.call("POST", "/customerinvoices", map[string]any{"CustomerId": c.Id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
				"Rows": []any{map[string]any{"ArticleId": f.a25.Id, "Quantity": 1, "UnitPrice": 100}}}, 201, &inv)
			if inv.TotalVatAmount.String() != tt.vat {
				t.Fatalf("VAT %s, want %s", inv.TotalVatAmount, tt.vat)
			}
			vs := f.srv.Vouchers()
			found := false
			for _, r := range vs[len(vs)-1].Rows {
				found = found || (r.AccountNumber == tt.account && r.CreditAmount.String() == "100")
			}
			if !found {
				t.Fatalf("no credit of 100 on %d in %+v", tt.account, vs[len(vs)-1].Rows)
			}
		})
	}
}

func TestInvoicePDF(t *testing.T) {
	f := newInvoiceFixture(t)
	var inv Invoice
	f.api.call("POST", "/customerinvoices", map[string]any{"CustomerId": f.customer.Id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"Rows": []any{map[string]any{"ArticleId": f.a25.Id, "Quantity": 1, "UnitPrice": 100}}}, 201, &inv)
	var link struct{ Url string }
	f.api.call("GET", "/customerinvoices/"+inv.Id+"/pdf", nil, 200, &link)
	resp, err := http.Get(link.Url) // a document link needs no bearer token
	if err != nil {
		t.Fatal(err)
	}
	linked, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	status, printed := f.api.do("GET", "/customerinvoices/"+inv.Id+"/print", nil)
	if resp.StatusCode != 200 || status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf %d / print %d", resp.StatusCode, status)
	}
	for _, doc := range [][]byte{linked, printed} {
		r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
		if err != nil {
			t.Fatalf("not a valid PDF: %v", err)
		}
		text, err := r.Page(1).GetPlainText(nil)
		if err != nil || !strings.Contains(text, "Faktura 1") || !strings.Contains(text, "125.00") {
			t.Fatalf("PDF text %q (%v)", text, err)
		}
	}
	if resp, _ := http.Get(f.srv.URL() + "/documents/customerinvoices/forged.pdf"); resp.StatusCode != 404 {
		t.Fatalf("forged link: %d", resp.StatusCode)
	}
}
