package spiris

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestDescribe(t *testing.T) {
	e := setup(t)
	d, err := e.p.Describe(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "spiris" || d.DisplayName != "Visma Spiris" || d.Auth.Type != core.AuthOAuth2 || d.Auth.OAuth2 == nil {
		t.Fatalf("descriptor %+v", d)
	}
	o := d.Auth.OAuth2
	if o.AuthorizeURL != e.srv.AuthorizeURL() || o.TokenURL != e.srv.TokenURL() || !slices.Equal(o.Scopes, DefaultScopes) {
		t.Fatalf("oauth2 %+v", o)
	}
	want := core.Capabilities{OwnsCustomers: true, AdjustableCustomerFields: []string{"billing_address"}, Invoices: true,
		CreditInvoices: true, PDF: true, SalesExport: true, LedgerAccounts: true}
	if !slices.Equal(d.Capabilities.AdjustableCustomerFields, want.AdjustableCustomerFields) {
		t.Fatalf("adjustable %v", d.Capabilities.AdjustableCustomerFields)
	}
	d.Capabilities.AdjustableCustomerFields = want.AdjustableCustomerFields
	if d.Capabilities.OwnsCustomers != want.OwnsCustomers || d.Capabilities.Drafts || d.Capabilities.CollectiveInvoices ||
		!d.Capabilities.Invoices || !d.Capabilities.CreditInvoices || !d.Capabilities.PDF || !d.Capabilities.SalesExport || !d.Capabilities.LedgerAccounts {
		t.Fatalf("capabilities %+v", d.Capabilities)
	}
}

func TestOptionsFromEnv(t *testing.T) {
	t.Setenv(EnvAPIURL, "")
	t.Setenv(EnvAuthorizeURL, "")
	t.Setenv(EnvTokenURL, "")
	o := OptionsFromEnv("/data")
	if o.APIBaseURL != DefaultAPIBaseURL || o.AuthorizeURL != DefaultAuthorizeURL || o.TokenURL != DefaultTokenURL || o.DataDir != "/data" || !slices.Equal(o.Scopes, DefaultScopes) {
		t.Fatalf("defaults %+v", o)
	}
	t.Setenv(EnvAPIURL, "http://127.0.0.1:1/v2")
	t.Setenv(EnvAuthorizeURL, "http://127.0.0.1:1/connect/authorize")
	t.Setenv(EnvTokenURL, "http://127.0.0.1:1/connect/token")
	o = OptionsFromEnv("/data")
	if o.APIBaseURL != "http://127.0.0.1:1/v2" || o.AuthorizeURL != "http://127.0.0.1:1/connect/authorize" || o.TokenURL != "http://127.0.0.1:1/connect/token" {
		t.Fatalf("from env %+v", o)
	}
	if _, err := New(ctx(), Options{}); err == nil {
		t.Fatal("New without a data directory succeeded")
	}
}

func TestVerifyConnection(t *testing.T) {
	e := setup(t)
	if err := e.p.VerifyConnection(ctx(), e.conn); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		creds map[string]string
		code  core.ErrorCode
	}{
		{"no token", nil, core.CodeUnauthorized},
		{"unknown token", map[string]string{CredentialAccessToken: "nope"}, core.CodeUnauthorized},
		{"missing scope", map[string]string{CredentialAccessToken: e.srv.IssueToken("ea:api", "ea:accounting").AccessToken}, core.CodeUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.conn
			c.Credentials = tt.creds
			err := e.p.VerifyConnection(ctx(), c)
			ce := wantCode(t, err, tt.code)
			if tt.creds != nil && !strings.Contains(ce.Message, "re-authorised") {
				t.Fatalf("message %q does not say to re-authorise", ce.Message)
			}
		})
	}
	c := e.conn
	c.MerchantID = ""
	wantCode(t, e.p.VerifyConnection(ctx(), c), core.CodeInvalid)

	// An expired token is refused like an unknown one.
	e.srv.ExpireAccessTokens()
	wantCode(t, e.p.VerifyConnection(ctx(), e.conn), core.CodeUnauthorized)
}

func TestListLedgerAccountsPages(t *testing.T) {
	e := setup(t)
	e.p.pageSize = 7 // the seeded chart has 27 accounts: 4 pages
	accounts, err := e.p.ListLedgerAccounts(ctx(), e.conn)
	if err != nil {
		t.Fatal(err)
	}
	byNumber := map[string]core.LedgerAccount{}
	for _, a := range accounts {
		byNumber[a.Number] = a
	}
	if len(accounts) != 27 || len(byNumber) != 27 {
		t.Fatalf("%d accounts (%d distinct), want 27", len(accounts), len(byNumber))
	}
	if a := byNumber["3001"]; a.LockedVATCode != "MP1" || !a.Active || a.Name == "" {
		t.Fatalf("3001: %+v", a)
	}
	if a := byNumber["1930"]; a.LockedVATCode != "" || !a.Active {
		t.Fatalf("1930: %+v", a)
	}
	fy := e.srv.FiscalYears()[1]
	if got := requests(e.srv, "GET", "/v2/accounts/"+fy.Id); got != 4 {
		t.Fatalf("%d account page requests, want 4", got)
	}

	e.srv.SetAccountBlocked(1930, true)
	accounts, _ = e.p.ListLedgerAccounts(ctx(), e.conn)
	for _, a := range accounts {
		if a.Number == "1930" && a.Active {
			t.Fatal("an account blocked for manual booking is listed active")
		}
	}
}

func TestListLedgerAccountsWithoutFiscalYear(t *testing.T) {
	e := setup(t)
	e.clk.Advance(3 * 365 * 24 * time.Hour) // the mock has this year and last
	_, err := e.p.ListLedgerAccounts(ctx(), e.conn)
	ce := wantCode(t, err, core.CodeInvalid)
	if !strings.Contains(ce.Message, "there is no fiscal year in Visma Spiris for") {
		t.Fatalf("message %q", ce.Message)
	}
}

func TestListVATCodesAndPaymentTypes(t *testing.T) {
	e := setup(t)
	codes, err := e.p.ListVATCodes(ctx(), e.conn)
	if err != nil {
		t.Fatal(err)
	}
	rates := map[string]string{}
	for _, c := range codes {
		rates[c.Code] = c.Rate.String()
	}
	if len(codes) != 5 || rates["MP1"] != "25" || rates["MP2"] != "12" || rates["MP3"] != "6" || rates["MF"] != "0" {
		t.Fatalf("VAT codes %+v", codes)
	}
	// Each output VAT code names its VAT account (RelatedAccounts), so
	// the wizard can map 2611/2621/2631 locked to MP1/MP2/MP3.
	accounts := map[string]string{}
	for _, c := range codes {
		accounts[c.Code] = c.Account
	}
	if accounts["MP1"] != "2611" || accounts["MP2"] != "2621" || accounts["MP3"] != "2631" || accounts["MF"] != "" {
		t.Fatalf("VAT code accounts %v, want MP1 2611, MP2 2621, MP3 2631, MF none", accounts)
	}
	if !strings.Contains(e.srv.Requests()[len(e.srv.Requests())-1].Query, "vatRateDate=") {
		t.Fatal("VAT codes not asked for a date")
	}
	types, err := e.p.ListPaymentTypes(ctx(), e.conn)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pt := range types {
		names = append(names, pt.Name)
		if pt.ID == "" {
			t.Fatalf("payment type without id %+v", pt)
		}
	}
	if !slices.Equal(names, []string{"30 dagar", "10 dagar", "20 dagar", "Kontant", "Kortbetalning"}) {
		t.Fatalf("payment types %v", names)
	}
}

func TestRetriesIdempotentCalls(t *testing.T) {
	e := setup(t)
	e.srv.FailNext(2)
	if _, err := e.p.ListVATCodes(ctx(), e.conn); err != nil {
		t.Fatalf("two 500s then success: %v", err)
	}
	e.srv.FailNext(3)
	wantCode(t, func() error { _, err := e.p.ListVATCodes(ctx(), e.conn); return err }(), core.CodeUnavailable)
	if got := requests(e.srv, "GET", "/v2/vatcodes"); got != 6 {
		t.Fatalf("%d VAT code requests, want 6 (3 + 3 attempts)", got)
	}
}

func TestRateLimited(t *testing.T) {
	e := setup(t)
	e.srv.ForceRateLimit(1, 42)
	_, err := e.p.ListVATCodes(ctx(), e.conn)
	ce := wantCode(t, err, core.CodeRateLimited)
	if ce.RetryAfter != 42*time.Second {
		t.Fatalf("RetryAfter %v, want 42s", ce.RetryAfter)
	}
	if got := requests(e.srv, "GET", "/v2/vatcodes"); got != 1 {
		t.Fatalf("429 retried: %d requests", got)
	}
}

func TestAPIErrorMapping(t *testing.T) {
	body := func(s string) []byte { return []byte(s) }
	tests := []struct {
		name   string
		status int
		header http.Header
		body   []byte
		req    request
		code   core.ErrorCode
		field  string
		retry  time.Duration
		msg    string
	}{
		{"validation with fields", 400, nil, body(`{"ErrorCode":2000,"DeveloperErrorMessage":"bad","ErrorId":"x","Errors":[{"Field":"Rows[1].ArticleId","Message":"gone"}]}`),
			request{fields: invoiceFields(2)}, core.CodeInvalid, "lines[1]", 0, "bad"},
		{"locked period", 400, nil, body(`{"ErrorCode":4026,"DeveloperErrorMessage":"locked"}`), request{date: "2024-03-31", dateField: "date"},
			core.CodeInvalid, "date", 0, "the accounting period for 2024-03-31 is locked in Visma Spiris; unlock it or choose a later start date"},
		{"no fiscal year", 400, nil, body(`{"ErrorCode":3001,"DeveloperErrorMessage":"none"}`), request{date: "2019-01-01", dateField: "date"},
			core.CodeInvalid, "date", 0, "there is no fiscal year in Visma Spiris for 2019-01-01"},
		{"rate limit message", 429, nil, body(`{"ErrorCode":4010,"DeveloperErrorMessage":"API calls quota exceeded! maximum admitted 600 per Minute. Try again in 55 seconds."}`),
			request{}, core.CodeRateLimited, "", 55 * time.Second, "quota"},
		{"rate limit header", 429, http.Header{"Retry-After": {"9"}}, body(`{}`), request{}, core.CodeRateLimited, "", 9 * time.Second, ""},
		{"unauthorized", 401, nil, body(`{"ErrorCode":4005,"DeveloperErrorMessage":"AuthorizationException"}`), request{}, core.CodeUnauthorized, "", 0, "re-authorised"},
		{"scope", 403, nil, body(`{"ErrorCode":4006,"DeveloperErrorMessage":"NoAccessToScopes"}`), request{}, core.CodeUnauthorized, "", 0, "re-authorised"},
		{"not found", 404, nil, body(`{"ErrorCode":3000,"DeveloperErrorMessage":"x"}`), request{notFound: "invoice", id: "i1"}, core.CodeNotFound, "", 0, "i1"},
		{"conflict", 409, nil, body(`{"ErrorCode":4000,"DeveloperErrorMessage":"dup"}`), request{}, core.CodeConflict, "", 0, "dup"},
		{"server error", 502, nil, body(`<html>bad gateway</html>`), request{}, core.CodeUnavailable, "", 0, "bad gateway"},
		{"startup guide", 403, nil, body(`{"ErrorCode":4003,"DeveloperErrorMessage":"guide"}`), request{}, core.CodeProviderError, "", 0, "startup guide"},
		{"other", 405, nil, body(`{"ErrorCode":1234,"DeveloperErrorMessage":"odd","ErrorId":"e-1"}`), request{}, core.CodeProviderError, "", 0, "ErrorId e-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			e := apiError(tt.status, h, tt.body, tt.req)
			if e.Code != tt.code {
				t.Fatalf("code %s, want %s (%v)", e.Code, tt.code, e)
			}
			if tt.field != "" && !hasField(e, tt.field) {
				t.Fatalf("fields %+v lack %s", e.Fields, tt.field)
			}
			if e.RetryAfter != tt.retry {
				t.Fatalf("RetryAfter %v, want %v", e.RetryAfter, tt.retry)
			}
			if !strings.Contains(e.Error(), tt.msg) {
				t.Fatalf("error %q lacks %q", e.Error(), tt.msg)
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	e := setup(t)
	p, c := e.p, e.conn
	for name, err := range map[string]error{
		"UpdateDraft":     func() error { _, err := p.UpdateDraft(ctx(), c, "x", core.InvoiceRequest{}); return err }(),
		"PostInvoice":     func() error { _, err := p.PostInvoice(ctx(), c, "x", ""); return err }(),
		"CreateOrder":     func() error { _, err := p.CreateOrder(ctx(), c, core.InvoiceRequest{}); return err }(),
		"ListOrders":      func() error { _, err := p.ListOrders(ctx(), c, core.OrderQuery{}); return err }(),
		"InvoiceOrders":   func() error { _, err := p.InvoiceOrders(ctx(), c, core.CollectiveRequest{}); return err }(),
		"MarkInvoicePaid": func() error { _, err := p.MarkInvoicePaid(ctx(), c, core.PaymentRequest{InvoiceID: "x"}); return err }(),
		"draft invoice":   func() error { _, err := p.CreateInvoice(ctx(), c, core.InvoiceRequest{Draft: true}); return err }(),
	} {
		if core.Code(err) != core.CodeUnsupported {
			t.Errorf("%s: %v, want unsupported", name, err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Fatalf("unsupported calls sent %d requests", n)
	}
}
