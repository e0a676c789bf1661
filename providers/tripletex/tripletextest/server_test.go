package tripletextest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestFindSpec(t *testing.T) {
	t.Setenv(SpecEnv, "/nonexistent/openapi.json")
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), SpecEnv) {
		t.Fatalf("New with a missing document: %v", err)
	}
	t.Setenv(SpecEnv, "")
	os.Unsetenv(SpecEnv)
	wd, _ := os.Getwd()
	t.Chdir(t.TempDir())
	if p, err := FindSpec(); err != nil || p != EmbeddedSpec {
		t.Fatalf("FindSpec outside a checkout: %q %v, want the embedded copy", p, err)
	}
	if _, err := New(Options{}); err != nil {
		t.Fatalf("New from the embedded copy: %v", err)
	}
	t.Chdir(wd)
	p, err := FindSpec()
	if err != nil {
		t.Fatal(err)
	}
	if p == EmbeddedSpec {
		t.Skip("no shared/ checkout beside the repository: only the embedded copy to compare")
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, embeddedSpec) {
		t.Fatalf("the embedded copy differs from %s (%v): refresh spec/openapi.json", p, err)
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	srv := startMock(t, Options{AllowSpecViolations: true})
	c := newClient(t, srv)
	for _, p := range []struct{ method, path string }{
		{"GET", "/ledger/account"}, // 200
		{"GET", "/customer/123"},   // 404
		{"GET", "/no/such/path"},   // 404, unknown path
		{"POST", "/customer"},      // 422, no body
		{"PUT", "/token/session/:create?consumerToken=x&employeeToken=y&expirationDate=2030-01-01"}, // 422
	} {
		resp, body := c.raw(p.method, p.path, nil, true)
		rid := resp.Header.Get("x-tlx-request-id")
		if len(rid) != 36 {
			t.Errorf("%s %s: x-tlx-request-id %q", p.method, p.path, rid)
		}
		if resp.StatusCode >= 400 && !strings.Contains(string(body), `"requestId":"`+rid+`"`) {
			t.Errorf("%s %s: body does not repeat the request id: %s", p.method, p.path, body)
		}
		if resp.Header.Get("X-Rate-Limit-Limit") == "" && p.path != "/no/such/path" {
			t.Errorf("%s %s: no rate limit headers", p.method, p.path)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	srv := startMock(t, Options{RateLimit: 3})
	c := newClient(t, srv) // request 1
	for i, want := range []int{200, 200, 429, 429} {
		resp, _ := c.raw("GET", "/token/session/>whoAmI", nil, true)
		if resp.StatusCode != want {
			t.Fatalf("request %d: %d, want %d", i+2, resp.StatusCode, want)
		}
		if rem := resp.Header.Get("X-Rate-Limit-Remaining"); want == 200 && rem != fmt.Sprint(1-i) {
			t.Errorf("remaining %s", rem)
		}
		if resp.Header.Get("X-Rate-Limit-Reset") == "" {
			t.Errorf("no reset header")
		}
	}
}

func TestPagingUntilExhausted(t *testing.T) {
	for _, inexact := range []bool{false, true} {
		srv := startMock(t, Options{InexactFullResultSize: inexact})
		c := newClient(t, srv)
		var numbers []int
		from, count := 0, 6
		for {
			env := c.mustDo(200, "GET", fmt.Sprintf("/ledger/account?from=%d&count=%d", from, count), nil)
			vals := env["values"].([]any)
			if num(env["from"]) != fmt.Sprint(from) || num(env["count"]) != fmt.Sprint(len(vals)) {
				t.Fatalf("envelope from/count: %v", env)
			}
			if env["versionDigest"] != "'If-None-Match' header not specified" {
				t.Errorf("versionDigest %v", env["versionDigest"])
			}
			wantFull := fmt.Sprint(len(srv.Accounts()))
			if inexact {
				wantFull = "0"
			}
			if num(env["fullResultSize"]) != wantFull {
				t.Errorf("fullResultSize %v, want %s", env["fullResultSize"], wantFull)
			}
			for _, v := range vals {
				n, _ := v.(map[string]any)["number"].(json.Number).Int64()
				numbers = append(numbers, int(n))
			}
			if len(vals) < count {
				break
			}
			from += count
		}
		var want []int
		for _, a := range srv.Accounts() {
			want = append(want, a.Number)
		}
		if !slices.Equal(numbers, want) {
			t.Errorf("paged accounts %v, want %v", numbers, want)
		}
	}
}

func TestFieldsFilter(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	cu := c.mustDo(201, "POST", "/customer", map[string]any{"name": "Colline SARL",
		"postalAddress": map[string]any{"addressLine1": "Kirkegata 77", "postalCode": "4611", "city": "Kristiansand"}})
	path := fmt.Sprintf("/customer/%d", id(cu))

	// Default view: nested objects are {"id","url"} stubs.
	v := c.mustDo(200, "GET", path, nil)
	if pa := v["postalAddress"].(map[string]any); len(pa) != 2 || pa["url"] == nil {
		t.Errorf("default postalAddress %v, want a stub", pa)
	}
	tests := []struct {
		fields   string
		wantKeys []string
		check    func(map[string]any) error
	}{
		{"id,name", []string{"id", "name"}, nil},
		{"name,postalAddress(city,postalCode)", []string{"name", "postalAddress"}, func(m map[string]any) error {
			pa := m["postalAddress"].(map[string]any)
			if pa["city"] != "Kristiansand" || len(pa) != 2 {
				return fmt.Errorf("postalAddress %v", pa)
			}
			return nil
		}},
		{"*,postalAddress(*)", nil, func(m map[string]any) error {
			if m["postalAddress"].(map[string]any)["addressLine1"] != "Kirkegata 77" || m["customerNumber"] == nil {
				return fmt.Errorf("expanded %v", m)
			}
			return nil
		}},
		{"customerNumber,ledgerAccount(number)", []string{"customerNumber", "ledgerAccount"}, func(m map[string]any) error {
			if num(m["ledgerAccount"].(map[string]any)["number"]) != "1500" {
				return fmt.Errorf("ledgerAccount %v", m["ledgerAccount"])
			}
			return nil
		}},
	}
	for _, tt := range tests {
		v := c.mustDo(200, "GET", path+"?fields="+urlQuery(tt.fields), nil)
		if tt.wantKeys != nil {
			var keys []string
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("fields=%s: keys %v, want %v", tt.fields, keys, tt.wantKeys)
			}
		}
		if tt.check != nil {
			if err := tt.check(v); err != nil {
				t.Errorf("fields=%s: %v", tt.fields, err)
			}
		}
	}
	// Lists apply the filter to each value.
	env := c.mustDo(200, "GET", "/ledger/vatType?fields=id,number&typeOfVat=OUTGOING", nil)
	for _, x := range env["values"].([]any) {
		if len(x.(map[string]any)) != 2 {
			t.Errorf("list value %v", x)
		}
	}
	code, e := c.do("GET", "/invoice/1?fields=id,bogus", nil)
	if code != 400 || num(e["code"]) != "11000" || e["message"] != "Illegal field in fields filter: bogus. bogus does not match a field in the model: InvoiceDTO" {
		t.Errorf("unknown field: %d %v", code, e)
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer("*", "%2A", "(", "%28", ")", "%29", ",", "%2C").Replace(s)
}

func TestStrictJSON(t *testing.T) {
	srv := startMock(t, Options{AllowSpecViolations: true})
	c := newClient(t, srv)
	acct := accountID(t, srv, 1920)
	tests := []struct {
		name       string
		path       string
		body       string
		status     int
		code       string
		want       string // "field: message"
		violations int
	}{
		{"unknown property", "/customer", `{"name":"A","isDayTrip":true}`, 422, "16000", "isDayTrip: Feltet eksisterer ikke i objektet.", 1},
		{"unknown nested property", "/ledger/voucher", fmt.Sprintf(`{"date":"2026-03-20","description":"x","postings":[{"row":1,"account":{"id":%d},"debit":5}]}`, acct), 422, "16000", "debit: Feltet eksisterer ikke i objektet.", 1},
		{"wrong type", "/customer", `{"name":"A","invoicesDueIn":"fourteen"}`, 422, "18000", "invoicesDueIn: Verdien er ikke av korrekt type for dette feltet.", 1},
		{"wrong type nested", "/order", `{"customer":{"id":{"x":1}},"orderDate":"2026-03-20","deliveryDate":"2026-03-20"}`, 422, "18000", "customer.id: Verdien er ikke av korrekt type for dette feltet.", 1},
		{"enum value", "/customer", `{"name":"A","language":"SV"}`, 422, "18000", "language: Verdien er ikke av korrekt type for dette feltet.", 1},
		{"id on POST", "/customer", `{"id":5,"name":"A"}`, 422, "18000", "id: ID kan ikke settes når man oppretter et objekt.", 0},
		{"invalid JSON", "/customer", `{"name":`, 422, "22000", "", 1},
		{"numeric string tolerated", "/customer", `{"name":"A","invoicesDueIn":"30"}`, 201, "", "", 1},
		{"valid", "/customer", `{"name":"B","invoicesDueIn":30}`, 201, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			srv.TakeSpecViolations()
			code, m := c.do("POST", tt.path, tt.body)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %v", code, tt.status, m)
			}
			if tt.code != "" && num(m["code"]) != tt.code {
				t.Errorf("code %v, want %s", m["code"], tt.code)
			}
			if tt.want != "" && !slices.Contains(messages(m), tt.want) {
				t.Errorf("messages %v, want %q", messages(m), tt.want)
			}
			if v := srv.TakeSpecViolations(); len(v) != tt.violations {
				t.Errorf("violations %v, want %d", v, tt.violations)
			}
		})
	}
}

// TestOpenAPIValidation sends requests the published document does not
// allow; each is refused as the real API would and recorded.
func TestOpenAPIValidation(t *testing.T) {
	srv := startMock(t, Options{AllowSpecViolations: true})
	c := newClient(t, srv)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		reason string // fragment of the recorded violation
	}{
		{"unknown path", "GET", "/ledger/vouchers", nil, 404, "no such path"},
		{"undeclared method", "PATCH", "/customer/1", nil, 405, "method not declared"},
		{"missing required query parameter", "GET", "/invoice?invoiceDateFrom=2026-01-01", nil, 422, `"invoiceDateTo"`},
		{"wrong query type", "GET", "/ledger/account?from=abc", nil, 422, `"from"`},
		{"wrong enum in query", "PUT", "/order/1/:invoice?invoiceDate=2026-03-20&sendType=FAX", nil, 422, `"sendType"`},
		{"wrong path parameter type", "GET", "/customer/abc", nil, 400, `"id"`},
		{"undeclared filter silently ignored by Tripletex", "GET", "/ledger/voucher?dateFrom=2026-01-01&dateTo=2027-01-01&externalVoucherNumber=x", nil, 200, `"externalVoucherNumber" is not declared`},
		{"action parameters in the body", "PUT", "/invoice/1/:send?sendType=EMAIL", map[string]any{"sendToCustomer": false}, 422, "declares no request body"},
		{"read-only field written", "POST", "/customer", map[string]any{"name": "X", "isCustomer": true}, 201, "readOnly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			srv.TakeSpecViolations()
			code, m := c.do(tt.method, tt.path, tt.body)
			if code != tt.status {
				t.Errorf("status %d, want %d: %v", code, tt.status, m)
			}
			v := srv.TakeSpecViolations()
			found := false
			for _, x := range v {
				found = found || strings.Contains(x.Reason, tt.reason)
			}
			if !found {
				t.Errorf("violations %v lack %q", v, tt.reason)
			}
		})
	}
	// A well-formed request records nothing; ">" may be sent encoded.
	c.t = t
	c.mustDo(200, "GET", "/token/session/%3EwhoAmI", nil)
	c.mustDo(200, "GET", "/ledger/voucher/%3EexternalVoucherNumber?externalVoucherNumber=x", nil)
	code, _ := c.do("POST", "/customer", `{"name":"Plain JSON"}`)
	if code != 201 {
		t.Errorf("POST /customer: %d", code)
	}
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Errorf("valid requests recorded violations: %v", v)
	}
}
