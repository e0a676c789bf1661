package tripletextest

import (
	"strings"
	"testing"
)

// TestCheckResponse shows what the answer check lets through (the observed
// deviations) and what it reports, on hand-made answers.
func TestCheckResponse(t *testing.T) {
	srv := startMock(t, Options{})
	op := func(method, path string) string { return method + " " + path }
	tests := []struct {
		name   string
		route  string
		body   string
		report string // "" when the answer is fine
	}{
		{"documented whoAmI", op("GET", "/token/session/>whoAmI"),
			`{"value":{"employeeId":1,"actualEmployeeId":1,"employee":{"id":1,"url":"x"},"companyId":2,"company":{"id":2,"url":"y"},"language":"NO","loggedInWithConnect":false,"employeeIsProxy":false}}`, ""},
		{"undocumented actualEmployee", op("GET", "/token/session/>whoAmI"),
			`{"value":{"employeeId":1,"actualEmployee":{"id":1,"url":"x"}}}`, "value.actualEmployee: not in the document"},
		{"unset reference is null", op("GET", "/customer/1"), `{"value":{"id":1,"accountManager":null,"deliveryAddress":null}}`, ""},
		{"unset string is null", op("GET", "/customer/1"), `{"value":{"id":1,"invoiceEmail":null}}`, `value.invoiceEmail: null where the real API sends ""`},
		{"unset number is null", op("GET", "/customer/1"), `{"value":{"id":1,"globalLocationNumber":null}}`, "value.globalLocationNumber: null"},
		{"null list item", op("GET", "/ledger/account"),
			`{"fullResultSize":1,"from":0,"count":1,"versionDigest":null,"values":[{"id":1,"legalVatTypes":[null,{"id":3,"url":"z"}]}]}`, "values[0].legalVatTypes[0]: null item"},
		{"wrong type", op("GET", "/ledger/account"), `{"values":[{"id":"1"}]}`, "values[0].id: string where the document has an integer"},
		{"postings count on the voucher search", op("GET", "/ledger/voucher"), `{"count":0,"values":[],"totalNumberOfPostings":0}`, ""},
		{"postings count elsewhere", op("GET", "/ledger/voucher/>externalVoucherNumber"), `{"count":0,"values":[],"totalNumberOfPostings":0}`, "totalNumberOfPostings: not in the document"},
		{"unset enum", op("GET", "/ledger/posting/1"), `{"value":{"id":1,"type":null}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path, _ := strings.Cut(tt.route, " ")
			route, _, err := srv.spec.find(method, path)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(checkResponse(route.Operation, []byte(tt.body)), "\n")
			if tt.report == "" && got != "" || !strings.Contains(got, tt.report) {
				t.Fatalf("reported %q, want %q", got, tt.report)
			}
		})
	}
}

// TestAnswersLookLikeTheRealAPI calls the operations whose answers departed
// from the real API and checks them; Start fails any test whose mock answer
// breaks the document beyond ObservedDeviations.
func TestAnswersLookLikeTheRealAPI(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	who := c.mustDo(200, "GET", "/token/session/>whoAmI", nil)
	if _, ok := who["actualEmployee"]; ok || who["actualEmployeeId"] == nil {
		t.Errorf("whoAmI %v", who)
	}
	accounts := c.mustDo(200, "GET", "/ledger/account", nil)["values"].([]any)
	zero := false
	for _, a := range accounts {
		for _, vt := range a.(map[string]any)["legalVatTypes"].([]any) {
			if vt == nil {
				t.Fatalf("null legal VAT type on %v", a)
			}
			zero = zero || num(vt.(map[string]any)["id"]) == "0"
		}
	}
	if !zero {
		t.Error("no account lists VAT type 0, so the null case was not exercised")
	}
	bank := accountID(t, srv, 1920)
	c.mustDo(201, "POST", "/ledger/voucher", map[string]any{"date": "2026-03-20", "description": "Kasse", "externalVoucherNumber": "pos/1",
		"postings": []any{
			map[string]any{"row": 1, "account": ref(bank), "amountGross": 10, "amountGrossCurrency": 10},
			map[string]any{"row": 2, "account": ref(bank), "amountGross": -10, "amountGrossCurrency": -10}}})
	byNumber := c.mustDo(200, "GET", "/ledger/voucher/>externalVoucherNumber?externalVoucherNumber=pos/1", nil)
	if _, ok := byNumber["totalNumberOfPostings"]; ok || num(byNumber["count"]) != "1" {
		t.Errorf(">externalVoucherNumber %v", byNumber)
	}
	search := c.mustDo(200, "GET", "/ledger/voucher?dateFrom=2026-03-01&dateTo=2026-04-01", nil)
	if num(search["totalNumberOfPostings"]) != "2" {
		t.Errorf("search totalNumberOfPostings %v", search["totalNumberOfPostings"])
	}
	if e := srv.MockErrors(); len(e) != 0 {
		t.Fatalf("answers break the document: %v", e)
	}
	if len(ObservedDeviations) == 0 {
		t.Fatal("no deviations listed")
	}
}
