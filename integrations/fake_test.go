package integrations_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// fakeProvider is an in-process provider with a small chart of accounts
// (Tripletex-like: 3000 is locked to VAT code 3) that accepts one token.
// Methods the service must not call panic through the nil embedded
// interface.
type fakeProvider struct {
	core.Provider
	desc  core.Descriptor
	token string

	mu       sync.Mutex
	accounts []core.LedgerAccount
	codes    []core.VATCode
	verified []map[string]string // credentials of every VerifyConnection call
}

func (f *fakeProvider) Describe(context.Context) (core.Descriptor, error) { return f.desc, nil }

func (f *fakeProvider) authorized(conn core.Connection) error {
	if f.desc.Auth.Type != core.AuthAPIToken {
		return nil
	}
	if conn.Credentials["employee_token"] != f.token {
		return &core.Error{Code: core.CodeInvalid, Message: "401 Unauthorized: the employee token was not accepted"}
	}
	return nil
}

func (f *fakeProvider) VerifyConnection(_ context.Context, conn core.Connection) error {
	f.mu.Lock()
	f.verified = append(f.verified, conn.Credentials)
	f.mu.Unlock()
	return f.authorized(conn)
}

func (f *fakeProvider) ListLedgerAccounts(_ context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := f.authorized(conn); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]core.LedgerAccount(nil), f.accounts...), nil
}

func (f *fakeProvider) CreateLedgerAccount(_ context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	if err := f.authorized(conn); err != nil {
		return core.LedgerAccount{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	la := core.LedgerAccount{Number: a.Number, Name: a.Name, Active: true}
	f.accounts = append(f.accounts, la)
	return la, nil
}

func (f *fakeProvider) ListVATCodes(_ context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := f.authorized(conn); err != nil {
		return nil, err
	}
	return f.codes, nil
}

func (f *fakeProvider) ListPaymentTypes(_ context.Context, conn core.Connection) ([]core.PaymentType, error) {
	if err := f.authorized(conn); err != nil {
		return nil, err
	}
	return []core.PaymentType{{ID: "1", Name: "Kontant", AccountNumber: "1900"}}, nil
}

// setActive changes an account's Active flag in the live chart.
func (f *fakeProvider) setActive(number string, active bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.accounts {
		if f.accounts[i].Number == number {
			f.accounts[i].Active = active
		}
	}
}

func (f *fakeProvider) verifyCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.verified)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// norwegianChart is NS 4102 as in a Tripletex default company, without a
// 15 % sales account of its own except 3030.
func norwegianChart() []core.LedgerAccount {
	return []core.LedgerAccount{
		{Number: "1500", Name: "Kundefordringer", Active: true, LockedVATCode: "0"},
		{Number: "1900", Name: "Kontanter", Active: true},
		{Number: "1920", Name: "Bankinnskudd", Active: true, LockedVATCode: "0"},
		{Number: "2700", Name: "Utgående mva, høy sats", Active: true},
		{Number: "2701", Name: "Utgående mva, middels sats", Active: true},
		{Number: "2703", Name: "Utgående mva, lav sats", Active: true},
		{Number: "2900", Name: "Forskudd fra kunder", Active: true},
		{Number: "2910", Name: "Gjeld til ansatte", Active: true},
		{Number: "3000", Name: "Salgsinntekt, avgiftspliktig", Active: true, LockedVATCode: "3"},
		{Number: "3030", Name: "Salgsinntekt, middels sats", Active: true, AllowedVATCodes: []string{"31"}},
		{Number: "3100", Name: "Salgsinntekt, avgiftsfri", Active: true, LockedVATCode: "5"},
		{Number: "3400", Name: "Spesielt offentlig tilskudd", Active: false},
		{Number: "7740", Name: "Øreavrunding", Active: true},
	}
}

func norwegianCodes() []core.VATCode {
	return []core.VATCode{
		{Code: "0", Name: "Ingen avgiftsbehandling", Rate: dec("0")},
		{Code: "3", Name: "Utgående avgift, høy sats", Rate: dec("25")},
		{Code: "31", Name: "Utgående avgift, middels sats", Rate: dec("15")},
		{Code: "33", Name: "Utgående avgift, lav sats", Rate: dec("12")},
		{Code: "5", Name: "Ingen utgående avgift", Rate: dec("0")},
	}
}

const goodToken = "tok-9f3c2e71-SECRET-employee"

// newLedger is an api_token provider that invoices, collects orders and
// exports sales.
func newLedger(name string) *fakeProvider {
	return &fakeProvider{
		desc: core.Descriptor{Name: name, DisplayName: "Ledger " + name, Version: "1",
			Auth: core.AuthScheme{Type: core.AuthAPIToken, Fields: []core.AuthField{
				{Name: "employee_token", Label: "Employee token", Secret: true}}},
			Capabilities: core.Capabilities{Invoices: true, CollectiveInvoices: true, SalesExport: true, LedgerAccounts: true}},
		token: goodToken, accounts: norwegianChart(), codes: norwegianCodes(),
	}
}

// fixture is a service over a real store file with two Norwegian merchants.
type fixture struct {
	svc    *integrations.Service
	store  *store.Store
	dir    string
	ledger *fakeProvider // "ledger": api token, everything
	other  *fakeProvider // "other": a second bookkeeping program
	admin  core.Principal
	acct   core.Principal
	cash   core.Principal
	admin2 core.Principal // another merchant
	now    time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{store: st, dir: dir, ledger: newLedger("ledger"), other: newLedger("other"),
		now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	reg := coretest.Registry{
		"ledger": f.ledger,
		"other":  f.other,
		"oauthy": &fakeProvider{desc: core.Descriptor{Name: "oauthy", DisplayName: "OAuthy",
			Auth:         core.AuthScheme{Type: core.AuthOAuth2, OAuth2: &core.OAuth2Endpoints{AuthorizeURL: "https://example.test/auth"}},
			Capabilities: core.Capabilities{SalesExport: true, LedgerAccounts: true}}},
		"invoiceonly": &fakeProvider{desc: core.Descriptor{Name: "invoiceonly", DisplayName: "Invoice only",
			Auth:         core.AuthScheme{Type: core.AuthNone},
			Capabilities: core.Capabilities{Invoices: true}}},
	}
	sealer, err := integrations.NewSealerFromBase64(integrations.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = integrations.NewService(st, reg, sealer, func() time.Time { return f.now })
	for _, id := range []string{"m1", "m2"} {
		m := core.Merchant{ID: id, Name: "Kafé " + id, Country: core.Norway, Currency: "NOK",
			InvoicingProvider: "open", InvoiceStartNumber: 1, CreatedAt: f.now}
		if err := st.CreateMerchant(context.Background(), m, nil); err != nil {
			t.Fatal(err)
		}
	}
	f.admin = core.Principal{MerchantID: "m1", Role: core.RoleAdmin}
	f.acct = core.Principal{MerchantID: "m1", Role: core.RoleAccountant}
	f.cash = core.Principal{MerchantID: "m1", Role: core.RoleCashier}
	f.admin2 = core.Principal{MerchantID: "m2", Role: core.RoleAdmin}
	return f
}

func wantCode(t *testing.T, err error, code core.ErrorCode) *core.Error {
	t.Helper()
	if got := core.Code(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	e, ok := err.(*core.Error)
	if code != "" && !ok {
		t.Fatalf("error %T is not a *core.Error", err)
	}
	return e
}

func fieldNames(e *core.Error) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func fieldMessage(e *core.Error, field string) string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}
