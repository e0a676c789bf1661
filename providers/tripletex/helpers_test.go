package tripletex

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

// fixedNow is noon in Oslo; the mock and the provider share it.
var fixedNow = time.Date(2026, 3, 20, 12, 0, 0, 0, oslo)

// env is a provider connected to a fresh mock.
type env struct {
	t    *testing.T
	ctx  context.Context
	srv  *tripletextest.Server
	p    *Provider
	conn core.Connection

	mu    sync.Mutex
	waits []time.Duration // what the provider slept
}

func newEnv(t *testing.T, opts tripletextest.Options) *env {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	srv := tripletextest.Start(t, opts)
	p, err := New(context.Background(), Options{BaseURL: srv.BaseURL(), ConsumerToken: srv.ConsumerToken(),
		DataDir: t.TempDir(), Clock: opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	e := &env{t: t, ctx: context.Background(), srv: srv, p: p, conn: core.Connection{
		MerchantID: "m1", Country: core.Norway, Currency: "NOK",
		Settings:    map[string]string{SettingCollectiveInvoicingEnabled: "true"},
		Credentials: map[string]string{FieldEmployeeToken: srv.EmployeeToken()},
	}}
	p.sleep = func(ctx context.Context, d time.Duration) error {
		e.mu.Lock()
		e.waits = append(e.waits, d)
		e.mu.Unlock()
		return ctx.Err()
	}
	return e
}

func (e *env) slept() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.waits...)
}

// customer adds a customer to the mock company.
func (e *env) customer(name, org string) string {
	c := e.srv.AddCustomer(tripletextest.Customer{Name: name, OrganizationNumber: org, Email: "post@example.no",
		PostalAddress: tripletextest.Address{AddressLine1: "Kirkegata 1", PostalCode: "0153", City: "Oslo"}})
	return idString(c.ID)
}

// request is an invoice request priced from gross shelf prices, as the
// register sends it.
func (e *env) request(ref, customer string, lines ...core.LineInput) core.InvoiceRequest {
	priced := core.PriceLines(lines, true)
	return core.InvoiceRequest{ExternalRef: ref, CustomerID: customer, InvoiceDate: "2026-03-20",
		Reference: "Ola", Comment: "Table 4", Currency: "NOK", Lines: priced.Lines, VATBreakdown: priced.Breakdown,
		NetTotal: priced.Net, VATTotal: priced.VAT, Total: priced.Total}
}

func line(desc string, qty string, unit int64, rate int64) core.LineInput {
	return core.LineInput{Description: desc, Quantity: decimal.RequireFromString(qty), UnitPrice: unit, VATRate: decimal.NewFromInt(rate)}
}

func wantCode(t *testing.T, err error, code core.ErrorCode) *core.Error {
	t.Helper()
	if core.Code(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	return core.AsError(err)
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
