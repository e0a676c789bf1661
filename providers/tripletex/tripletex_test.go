package tripletex

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

func TestDescribe(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	d := must[core.Descriptor](t)(e.p.Describe(e.ctx))
	if d.Name != Name || d.Auth.Type != core.AuthAPIToken || len(d.Auth.Fields) != 1 ||
		d.Auth.Fields[0].Name != FieldEmployeeToken || !d.Auth.Fields[0].Secret {
		t.Fatalf("descriptor = %+v", d)
	}
	c := d.Capabilities
	if !c.OwnsCustomers || !c.Invoices || !c.CreditInvoices || !c.CollectiveInvoices || !c.PDF || !c.SalesExport ||
		!c.LedgerAccounts || c.Drafts || len(c.AdjustableCustomerFields) != 1 || c.AdjustableCustomerFields[0] != core.FieldBillingAddress {
		t.Fatalf("capabilities = %+v", c)
	}
}

func TestOptionsFromEnv(t *testing.T) {
	t.Setenv(EnvBaseURL, "")
	t.Setenv(EnvConsumerToken, " ct ")
	o := OptionsFromEnv("/data")
	if o.BaseURL != ProductionBaseURL || o.ConsumerToken != "ct" || o.DataDir != "/data" {
		t.Fatalf("options = %+v", o)
	}
	t.Setenv(EnvBaseURL, TestBaseURL)
	if o := OptionsFromEnv("/data"); o.BaseURL != TestBaseURL {
		t.Fatalf("base = %s", o.BaseURL)
	}
}

func TestVerifyConnection(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		e := newEnv(t, tripletextest.Options{})
		if err := e.p.VerifyConnection(e.ctx, e.conn); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong employee token", func(t *testing.T) {
		e := newEnv(t, tripletextest.Options{})
		e.conn.Credentials = map[string]string{FieldEmployeeToken: "wrong"}
		ce := wantCode(t, e.p.VerifyConnection(e.ctx, e.conn), core.CodeInvalid)
		if len(ce.Fields) != 1 || ce.Fields[0].Field != FieldEmployeeToken ||
			ce.Fields[0].Message != "The employee token is invalid or does not exist." {
			t.Fatalf("error = %+v", ce)
		}
	})
	t.Run("missing employee token", func(t *testing.T) {
		e := newEnv(t, tripletextest.Options{})
		e.conn.Credentials = nil
		ce := wantCode(t, e.p.VerifyConnection(e.ctx, e.conn), core.CodeInvalid)
		if ce.Fields[0].Field != FieldEmployeeToken {
			t.Fatalf("error = %+v", ce)
		}
		if n := len(e.srv.Requests()); n != 0 {
			t.Fatalf("%d requests for a connection without token", n)
		}
	})
	t.Run("wrong consumer token", func(t *testing.T) {
		e := newEnv(t, tripletextest.Options{})
		e.p.consumerToken = "not-ours"
		ce := wantCode(t, e.p.VerifyConnection(e.ctx, e.conn), core.CodeProviderError)
		if !strings.Contains(ce.Message, "consumer token") {
			t.Fatalf("error = %+v", ce)
		}
	})
	t.Run("no bank account number", func(t *testing.T) {
		e := newEnv(t, tripletextest.Options{NoBankAccount: true})
		ce := wantCode(t, e.p.VerifyConnection(e.ctx, e.conn), core.CodeInvalid)
		if len(ce.Fields) != 1 || ce.Fields[0].Field != "bank_account_number" ||
			!strings.Contains(ce.Fields[0].Message, "invoices can't be created until it is set") {
			t.Fatalf("error = %+v", ce)
		}
		e.srv.SetBankAccountNumber(tripletextest.DefaultBankAccountNumber)
		if err := e.p.VerifyConnection(e.ctx, e.conn); err != nil {
			t.Fatalf("after setting the number: %v", err)
		}
	})
}

func TestReferenceData(t *testing.T) {
	e := newEnv(t, tripletextest.Options{InexactFullResultSize: true})
	e.p.pageSize = 3 // page through every list; fullResultSize says 0
	accounts := must[[]core.LedgerAccount](t)(e.p.ListLedgerAccounts(e.ctx, e.conn))
	if len(accounts) != len(e.srv.Accounts()) {
		t.Fatalf("%d accounts, mock has %d", len(accounts), len(e.srv.Accounts()))
	}
	byNumber := map[string]core.LedgerAccount{}
	for _, a := range accounts {
		byNumber[a.Number] = a
	}
	if a := byNumber["3000"]; a.LockedVATCode != "3" || !a.Active || a.Name != "Salgsinntekt, avgiftspliktig" {
		t.Errorf("3000 = %+v", a)
	}
	if a := byNumber["3033"]; a.LockedVATCode != "" || strings.Join(a.AllowedVATCodes, ",") != "33,0" {
		t.Errorf("3033 = %+v (code 33 is id 32)", a)
	}
	codes := must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn))
	rates := map[string]string{}
	for _, c := range codes {
		rates[c.Code] = c.Rate.String()
	}
	if rates["33"] != "12" || rates["3"] != "25" || rates["31"] != "15" || rates["13"] != "12" {
		t.Errorf("codes = %v", rates)
	}
	if _, ok := rates["32"]; ok {
		t.Errorf("code 32 listed: ids leaked as codes: %v", rates)
	}
	pts := must[[]core.PaymentType](t)(e.p.ListPaymentTypes(e.ctx, e.conn))
	got := map[string]string{}
	for _, pt := range pts {
		got[pt.Name] = pt.AccountNumber
	}
	if got["Betalt til bank"] != "1920" || got["Kontant"] != "1900" {
		t.Errorf("payment types = %+v", pts)
	}
	// Cached per company: a second read asks Tripletex nothing.
	before := len(e.srv.Requests())
	must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn))
	if after := len(e.srv.Requests()); after != before {
		t.Errorf("%d requests for cached reference data", after-before)
	}
}

// The wizard reads the chart live: an account the merchant has just added
// in Tripletex is listed at once, not after the reference data expires.
func TestListLedgerAccountsSeesANewAccountAtOnce(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	must[[]core.LedgerAccount](t)(e.p.ListLedgerAccounts(e.ctx, e.conn))
	e.srv.AddAccount(tripletextest.Account{Number: 2910, Name: "Gjeld til ansatte"})
	accounts := must[[]core.LedgerAccount](t)(e.p.ListLedgerAccounts(e.ctx, e.conn))
	if !slices.ContainsFunc(accounts, func(a core.LedgerAccount) bool { return a.Number == "2910" && a.Active }) {
		t.Fatalf("the added account 2910 is not listed: %+v", accounts)
	}
}

func TestSessionsAreSharedAndRenewedOnce(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.p.ListVATCodes(e.ctx, e.conn); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := e.srv.SessionsCreated(); n != 1 {
		t.Fatalf("%d sessions for concurrent calls, want 1", n)
	}
	// Expired mid-run: renewed once, the call retried once.
	e.srv.ExpireSessionBefore("GET", "/customer")
	must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{}))
	if n := e.srv.SessionsCreated(); n != 2 {
		t.Fatalf("%d sessions after expiry, want 2", n)
	}
	// A session refused twice is an error, not a loop.
	e.srv.Inject(tripletextest.Fault{Kind: tripletextest.FaultExpireSession, Path: "/ledger/account", Times: 2})
	e.p.refData.forget(e.conn)
	_, err := e.p.ListLedgerAccounts(e.ctx, e.conn)
	wantCode(t, err, core.CodeProviderError)
	if n := e.srv.SessionsCreated(); n != 3 {
		t.Fatalf("%d sessions, want 3 (one renewal per call)", n)
	}
}

func TestSessionRenewedBeforeExpiry(t *testing.T) {
	now := fixedNow
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, tripletextest.Options{Now: clock})
	must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn))
	e.p.refData.forget(e.conn)
	mu.Lock()
	now = fixedNow.Add(35 * time.Hour) // 23:00 the day before expiry: inside the margin
	mu.Unlock()
	must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn))
	if n := e.srv.SessionsCreated(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	for _, r := range e.srv.Requests() {
		if r.Status == http.StatusUnauthorized {
			t.Fatalf("a request was refused: %+v", r)
		}
	}
}

func TestRateLimits(t *testing.T) {
	tests := []struct {
		name              string
		n, reset, after   int
		want              []time.Duration
		wantCode          core.ErrorCode
		wantRetryAfterMin time.Duration
	}{
		{"reset header", 3, 7, 0, []time.Duration{7 * time.Second, 7 * time.Second, 7 * time.Second}, "", 0},
		{"retry-after only", 2, 0, 3, []time.Duration{3 * time.Second, 3 * time.Second}, "", 0},
		{"no header: exponential", 3, 0, 0, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, "", 0},
		{"storm", 50, 0, 0, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}, core.CodeRateLimited, 16 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tripletextest.Options{})
			must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn)) // session and cache first
			e.p.refData.forget(e.conn)
			e.srv.RateLimitNext(tc.n, tc.reset, tc.after)
			_, err := e.p.ListVATCodes(e.ctx, e.conn)
			if tc.wantCode == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantCode != "" {
				ce := wantCode(t, err, tc.wantCode)
				if ce.RetryAfter < tc.wantRetryAfterMin {
					t.Fatalf("RetryAfter = %v", ce.RetryAfter)
				}
			}
			if got := e.slept(); !equalDurations(got, tc.want) {
				t.Fatalf("waits = %v, want %v", got, tc.want)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRateLimitWaitIsBoundedByDeadline(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn))
	e.p.refData.forget(e.conn)
	e.srv.RateLimitNext(1, 30, 0)
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	_, err := e.p.ListVATCodes(ctx, e.conn)
	if ce := wantCode(t, err, core.CodeRateLimited); ce.RetryAfter != 30*time.Second {
		t.Fatalf("RetryAfter = %v", ce.RetryAfter)
	}
	if len(e.slept()) != 0 {
		t.Fatalf("waited %v past the deadline", e.slept())
	}
}

func TestServerErrorsRetriedOnlyWhenIdempotent(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn))
	e.p.refData.forget(e.conn)
	e.srv.FailNext("GET", "/ledger/vatType", 2)
	must[[]core.VATCode](t)(e.p.ListVATCodes(e.ctx, e.conn))
	e.p.refData.forget(e.conn)
	e.srv.FailNext("GET", "/ledger/account", 3)
	_, err := e.p.ListVATCodes(e.ctx, e.conn)
	ce := wantCode(t, err, core.CodeUnavailable)
	if !strings.Contains(ce.Message, "[request ") {
		t.Fatalf("message lacks the request id: %s", ce.Message)
	}
}

func TestErrorEnvelope(t *testing.T) {
	resp := &response{status: 422, header: http.Header{}, body: []byte(`{"status":422,"code":18000,"message":"Validering feilet.",
		"link":"https://tripletex.no/v2-docs/","developerMessage":"VALIDATION_ERROR","validationMessages":[
		{"field":"postings.row","message":"Posteringene på rad 0 er systemgenererte.","path":null,"rootId":null},
		{"field":null,"message":"Summen av posteringene for 2026-03-20 er ikke lik 0.","path":null,"rootId":null}],
		"requestId":"abc-123"}`)}
	e := decodeError(resp)
	if e.Code != core.CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "postings.row" ||
		e.Message != "Tripletex: Summen av posteringene for 2026-03-20 er ikke lik 0. [request abc-123]" {
		t.Fatalf("error = %#v", e)
	}
	for status, code := range map[int]core.ErrorCode{404: core.CodeNotFound, 409: core.CodeConflict, 429: core.CodeRateLimited,
		500: core.CodeUnavailable, 400: core.CodeProviderError, 403: core.CodeProviderError} {
		if got := decodeError(&response{status: status, header: http.Header{}, body: []byte(`{}`)}).Code; got != code {
			t.Errorf("status %d → %s, want %s", status, got, code)
		}
	}
}

func TestTransportFailureIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	}))
	defer srv.Close()
	p, err := New(context.Background(), Options{BaseURL: srv.URL + "/v2", ConsumerToken: "c", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.sleep = func(ctx context.Context, d time.Duration) error { return nil }
	conn := core.Connection{MerchantID: "m1", Credentials: map[string]string{FieldEmployeeToken: "e"}}
	wantCode(t, p.VerifyConnection(context.Background(), conn), core.CodeUnavailable)
}

func TestNewRequiresDataDir(t *testing.T) {
	if _, err := New(context.Background(), Options{}); err == nil {
		t.Fatal("New without a data directory succeeded")
	}
	if _, err := New(context.Background(), Options{DataDir: t.TempDir(), BaseURL: "ftp://x"}); err == nil {
		t.Fatal("New with an ftp base URL succeeded")
	}
}

func TestDraftsUnsupported(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	_, err := e.p.UpdateDraft(e.ctx, e.conn, "1", core.InvoiceRequest{})
	wantCode(t, err, core.CodeUnsupported)
	_, err = e.p.PostInvoice(e.ctx, e.conn, "1", "2026-03-20")
	wantCode(t, err, core.CodeUnsupported)
	_, err = e.p.CreateInvoice(e.ctx, e.conn, core.InvoiceRequest{Draft: true})
	wantCode(t, err, core.CodeUnsupported)
}

// "Add a new account from the list": POST /ledger/account, validated by
// the mock against Tripletex's document; the account is listed at once; a
// number in use is a conflict naming number.
func TestCreateLedgerAccount(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	got, err := e.p.CreateLedgerAccount(e.ctx, e.conn, core.NewLedgerAccount{Number: "2910", Name: "Gjeld til ansatte"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != "2910" || got.Name != "Gjeld til ansatte" || !got.Active || got.LockedVATCode != "" {
		t.Errorf("created %+v", got)
	}
	accounts := must[[]core.LedgerAccount](t)(e.p.ListLedgerAccounts(e.ctx, e.conn))
	if !slices.ContainsFunc(accounts, func(a core.LedgerAccount) bool { return a.Number == "2910" }) {
		t.Error("the new account is not listed")
	}
	tests := []struct {
		name  string
		in    core.NewLedgerAccount
		code  core.ErrorCode
		field string
	}{
		{"number in use", core.NewLedgerAccount{Number: "1920", Name: "Bank"}, core.CodeConflict, "number"},
		{"just created", core.NewLedgerAccount{Number: "2910", Name: "Again"}, core.CodeConflict, "number"},
		{"not a number", core.NewLedgerAccount{Number: "29x0", Name: "X"}, core.CodeInvalid, "number"},
		{"no name", core.NewLedgerAccount{Number: "2990", Name: ""}, core.CodeInvalid, "name"},
	}
	for _, tt := range tests {
		_, err := e.p.CreateLedgerAccount(e.ctx, e.conn, tt.in)
		ce, ok := err.(*core.Error)
		if !ok || ce.Code != tt.code || !slices.ContainsFunc(ce.Fields, func(f core.FieldError) bool { return f.Field == tt.field }) {
			t.Errorf("%s: %v, want %s naming %s", tt.name, err, tt.code, tt.field)
		}
	}
}
