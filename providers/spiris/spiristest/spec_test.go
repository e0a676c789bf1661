package spiristest

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpecIsFound(t *testing.T) {
	p, err := FindSpec()
	if err != nil {
		t.Fatalf("%v", err)
	}
	if p != EmbeddedSpec {
		if !strings.HasSuffix(filepath.ToSlash(p), SpecRelPath) {
			t.Fatalf("found %s", p)
		}
		if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, embeddedSpec) {
			t.Fatalf("the embedded copy differs from %s (%v): refresh spec/visma_external_api.yaml", p, err)
		}
	}
	t.Setenv(SpecEnv, filepath.Join(t.TempDir(), "missing.yaml"))
	if _, err := FindSpec(); err == nil {
		t.Fatal("a missing override was accepted")
	}
	if _, err := NewServer(Options{}); err == nil || !strings.Contains(err.Error(), SpecEnv) {
		t.Fatalf("NewServer without a document: %v", err)
	}
}

func TestSpecOutsideACheckoutIsTheEmbeddedCopy(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(SpecEnv, "")
	if p, err := FindSpec(); err != nil || p != EmbeddedSpec {
		t.Fatalf("FindSpec = %q, %v; want the embedded copy", p, err)
	}
	if _, err := NewServer(Options{}); err != nil {
		t.Fatalf("NewServer from the embedded copy: %v", err)
	}
}

// TestSpecValidation sends requests the real API would reject and checks
// that each fails and is recorded.
func TestSpecValidation(t *testing.T) {
	srv := Start(t, Options{AllowSpecViolations: true})
	api := newAPI(t, srv)
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		status  int
		problem string
	}{
		{"misspelt field", "POST", "/customers", customerBody("Kund AB", map[string]any{"CustomerNo": "7"}), 400, `"CustomerNo" is unsupported`},
		{"camelCase body", "POST", "/customers", map[string]any{"name": "Kund AB", "invoicePostalCode": "1", "invoiceCity": "x",
			"termsOfPaymentId": seedID("terms/30"), "isPrivatePerson": false, "isActive": true}, 400, "unsupported"},
		{"missing required", "POST", "/customers", map[string]any{"Name": "Kund AB", "IsActive": true}, 400, "property \"InvoiceCity\" is missing"},
		{"name too long", "POST", "/customers", customerBody(strings.Repeat("x", 51), nil), 400, "maximum string length"},
		{"negative voucher amount", "POST", "/vouchers", voucherBody(today(), dr(1930, -5), cr(3001, -5)), 400, "at least 0"},
		{"transaction text over 60", "POST", "/vouchers", voucherBody(today(), map[string]any{"AccountNumber": 1930, "DebitAmount": 1, "TransactionText": strings.Repeat("x", 61)}, cr(3001, 1)), 400, "maximum string length"},
		{"account number as string", "POST", "/vouchers", voucherBody(today(), map[string]any{"AccountNumber": "1930", "DebitAmount": 1}, cr(3001, 1)), 400, "integer"},
		{"discount as percent", "POST", "/customerinvoicedrafts", map[string]any{"CustomerId": seedID("x"), "EuThirdParty": false, "RotReducedInvoicingType": 0,
			"Rows": []any{map[string]any{"IsTextRow": false, "ReversedConstructionServicesVatFree": false, "DiscountPercentage": 10}}}, 400, "at most 1"},
		{"draft row without required flags", "POST", "/customerinvoicedrafts", map[string]any{"CustomerId": seedID("x"), "EuThirdParty": false, "RotReducedInvoicingType": 0,
			"Rows": []any{map[string]any{"ArticleId": seedID("a"), "Quantity": 1}}}, 400, "IsTextRow"},
		{"bad date", "POST", "/vouchers", voucherBody("2026-13-40", dr(1930, 1), cr(3001, 1)), 400, "not a date"},
		{"bad boolean query", "POST", "/vouchers?useDefaultVatCodes=maybe", voucherBody(today(), dr(1930, 1), cr(3001, 1)), 400, "useDefaultVatCodes"},
		{"id not a uuid", "GET", "/customers/12345", nil, 400, "not a uuid"},
		{"no such operation", "GET", "/customerinvoices/" + seedID("x") + "/creditinvoices", nil, 404, "no such operation"},
		{"method not allowed", "DELETE", "/vouchers", nil, 405, "no such operation"},
		// readOnly in the document: the server sets these, a request may not.
		{"read-only voucher id", "POST", "/vouchers", map[string]any{"VoucherDate": today(), "VoucherText": "x", "Id": seedID("ro"),
			"Rows": []any{dr(1930, 1), cr(3001, 1)}}, 400, `readOnly property "Id"`},
		{"read-only customer fields", "POST", "/customers", customerBody("Kund AB", map[string]any{"ChangedUtc": "2026-01-01T00:00:00"}), 400, `readOnly property "ChangedUtc"`},
		{"read-only nested terms id", "POST", "/customers", customerBody("Kund AB", map[string]any{"TermsOfPayment": map[string]any{"Id": seedID("terms/30")}}), 400, `readOnly property "Id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetSpecViolations()
			status, body := api.do(tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			v := srv.SpecViolations()
			if len(v) == 0 {
				t.Fatal("violation not recorded")
			}
			var all []string
			for _, x := range v {
				all = append(all, x.Problem)
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.problem) {
				t.Fatalf("problems %q do not mention %q", all, tt.problem)
			}
		})
	}
	srv.ResetSpecViolations()

	// What the real API accepts is not a violation: date-only dates,
	// case-insensitive paths, $-query options.
	api.call("GET", "/CUSTOMERS?$filter=Name%20eq%20'x'&$page=1&$pagesize=10", nil, 200, nil)
	api.call("GET", "/accountTypes", nil, http.StatusNotImplemented, nil)
	api.call("POST", "/vouchers", map[string]any{"VoucherDate": today() + "T00:00:00", "VoucherText": "x",
		"Rows": []any{dr(1930, 1), cr(3001, 1)}}, 201, nil)
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Fatalf("valid requests recorded as violations: %v", v)
	}
}

// TestResponseValidationCatchesMockBugs guards the self-check Start relies on.
func TestResponseValidationCatchesMockBugs(t *testing.T) {
	srv := Start(t, Options{})
	req, _ := http.NewRequest("GET", "http://x/v2/companysettings", nil)
	r2, route, params, err := srv.spec.route(req, "/companysettings")
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	if p := validateResponse(r2, route, params, 200, hdr, []byte(`{"Name":"x","Address1":"a","City":"c","CountryCode":"SE","PostalCode":"1","Bogus":1}`)); len(p) == 0 {
		t.Fatal("an unknown response field passed")
	}
	if p := validateResponse(r2, route, params, 200, hdr, []byte(`{"Name":"x","Address1":"a","City":"c","CountryCode":"SE","PostalCode":"1"}`)); len(p) != 0 {
		t.Fatalf("a valid response failed: %v", p)
	}
}

// cleanupRecorder runs Start's cleanup itself and records its complaints.
type cleanupRecorder struct {
	*testing.T
	cleanups []func()
	errors   []string
}

func (r *cleanupRecorder) Cleanup(f func())                  { r.cleanups = append(r.cleanups, f) }
func (r *cleanupRecorder) Errorf(format string, args ...any) { r.errors = append(r.errors, format) }

func TestStartFailsTheTestOnViolations(t *testing.T) {
	for _, allow := range []bool{false, true} {
		rec := &cleanupRecorder{T: t}
		srv := Start(rec, Options{AllowSpecViolations: allow})
		api := newAPI(t, srv)
		api.do("POST", "/customers", map[string]any{"Bogus": true})
		for _, f := range rec.cleanups {
			f()
		}
		if got := len(rec.errors) == 1; got == allow {
			t.Fatalf("allow=%v: cleanup errors %v", allow, rec.errors)
		}
	}
}
