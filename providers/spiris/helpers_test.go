package spiris

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

type env struct {
	t    *testing.T
	srv  *spiristest.Server
	p    *Provider
	conn core.Connection
	clk  *coretest.Clock
	dir  string
}

// setup starts a mock and a provider connected to it with a token of the
// default scopes. modify may change the provider's options.
func setup(t *testing.T, modify ...func(*Options)) *env {
	t.Helper()
	srv := spiristest.Start(t, spiristest.Options{})
	e := &env{t: t, srv: srv, clk: coretest.NewClock(time.Now()), dir: t.TempDir()}
	tok := srv.IssueToken(DefaultScopes...)
	e.conn = core.Connection{MerchantID: "m1", Country: core.Sweden, Currency: "SEK",
		Credentials: map[string]string{CredentialAccessToken: tok.AccessToken}}
	e.p = e.newProvider(e.dir, modify...)
	return e
}

// newProvider opens another provider on dir against the same mock.
func (e *env) newProvider(dir string, modify ...func(*Options)) *Provider {
	e.t.Helper()
	opts := Options{
		APIBaseURL: e.srv.APIBaseURL(), AuthorizeURL: e.srv.AuthorizeURL(), TokenURL: e.srv.TokenURL(),
		DataDir: dir, Clock: e.clk.Now, HTTPClient: nil,
	}
	for _, m := range modify {
		m(&opts)
	}
	p, err := New(context.Background(), opts)
	if err != nil {
		e.t.Fatal(err)
	}
	p.backoff = time.Millisecond
	e.t.Cleanup(func() { p.Close() })
	return p
}

// customer adds a customer to the mock directly.
func (e *env) customer(name, org, terms string) spiristest.Customer {
	e.t.Helper()
	c := spiristest.Customer{Name: name, InvoicePostalCode: "11122", InvoiceCity: "Stockholm", IsActive: true,
		InvoiceAddress1: sp("Storgatan 1"), EmailAddress: sp(strings.ToLower(strings.Fields(name)[0]) + "@example.se")}
	if org != "" {
		c.CorporateIdentityNumber = sp(org)
	}
	if terms != "" {
		for _, tp := range e.srv.TermsOfPayments() {
			if tp.Name != nil && *tp.Name == terms {
				c.TermsOfPaymentId = tp.Id
			}
		}
	}
	return e.srv.AddCustomer(c)
}

func sp(s string) *string { return &s }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ctx() context.Context { return context.Background() }

// wantCode fails unless err is a *core.Error with code.
func wantCode(t *testing.T, err error, code core.ErrorCode) *core.Error {
	t.Helper()
	var e *core.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a *core.Error with code %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return e
}

// hasField reports whether e names field.
func hasField(e *core.Error, field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// requests counts the mock's requests with method whose path starts with prefix.
func requests(srv *spiristest.Server, method, prefix string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasPrefix(strings.ToLower(r.Path), strings.ToLower(prefix)) {
			n++
		}
	}
	return n
}

// hookTransport lets a test fail requests before they are sent.
type hookTransport struct {
	fn func(*http.Request) error
}

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := h.fn(r); err != nil {
		return nil, err
	}
	return http.DefaultTransport.RoundTrip(r)
}
