package core

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// fakeConns is a ConnectionSource with one invoicing integration whose
// reaction to ReportUnauthorized the test chooses.
type fakeConns struct {
	mu       sync.Mutex
	ac       ActiveConnection
	reports  int
	onReport func(ac *ActiveConnection) // nil: nothing changes
}

func (c *fakeConns) ActiveConnection(_ context.Context, _ string, mode IntegrationMode) (ActiveConnection, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ac, mode == ModeInvoicing, nil
}

func (c *fakeConns) ReportUnauthorized(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != c.ac.IntegrationID {
		return ErrNotFound("integration", id)
	}
	c.reports++
	if c.onReport != nil {
		c.onReport(&c.ac)
	}
	return nil
}

func (c *fakeConns) set(f func(ac *ActiveConnection)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.ac)
}

func (c *fakeConns) reportCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reports
}

// tokenProvider is fakeProvider behind an API that accepts one access
// token and refuses any other with CodeUnauthorized.
type tokenProvider struct {
	*fakeProvider
	mu       sync.Mutex
	valid    string
	refused  int
	created  int      // customers created
	accepted []string // the token of every accepted call
}

func (p *tokenProvider) check(conn Connection) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if tok := conn.Credentials["access_token"]; tok != p.valid {
		p.refused++
		return Errorf(CodeUnauthorized, "the provider refused the access token %q", tok)
	}
	p.accepted = append(p.accepted, conn.Credentials["access_token"])
	return nil
}

func (p *tokenProvider) GetCustomer(ctx context.Context, conn Connection, id string) (Customer, error) {
	if err := p.check(conn); err != nil {
		return Customer{}, err
	}
	return p.fakeProvider.GetCustomer(ctx, conn, id)
}

func (p *tokenProvider) CreateInvoice(ctx context.Context, conn Connection, req InvoiceRequest) (Invoice, error) {
	if err := p.check(conn); err != nil {
		return Invoice{}, err
	}
	return p.fakeProvider.CreateInvoice(ctx, conn, req)
}

func (p *tokenProvider) CreateCustomer(_ context.Context, conn Connection, c Customer) (Customer, error) {
	if err := p.check(conn); err != nil {
		return Customer{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.created++
	c.ID = "cus_new"
	return c, nil
}

func (p *tokenProvider) counts() (refused int, accepted []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused, append([]string(nil), p.accepted...)
}

// newReauthEngine is the test engine invoicing through an integration
// whose access token "old" the provider no longer accepts: it wants "new".
func newReauthEngine(t *testing.T) (*Engine, *tokenProvider, *fakeConns, map[Role]Principal) {
	t.Helper()
	e, fake, ps := newTestEngine(t)
	prov := &tokenProvider{fakeProvider: fake, valid: "new"}
	e.providers = oneRegistry{prov}
	conns := &fakeConns{ac: ActiveConnection{IntegrationID: "int_1", Provider: "open", Status: IntegrationActive,
		Credentials: map[string]string{"access_token": "old"}}}
	e.conns = conns
	return e, prov, conns, ps
}

func renewToken(ac *ActiveConnection) { ac.Credentials = map[string]string{"access_token": "new"} }

func revokeGrant(ac *ActiveConnection) { ac.Status = IntegrationNeedsReauth }

func TestChargeRenewsARefusedTokenAndRetriesOnce(t *testing.T) {
	e, prov, conns, ps := newReauthEngine(t)
	conns.onReport = renewToken
	res, replayed, err := e.Charge(context.Background(), ps[RoleCashier], "k1", validCharge())
	if err != nil || replayed || res.Status != ChargeInvoiced {
		t.Fatalf("charge: %+v %v %v", res, replayed, err)
	}
	if n := conns.reportCount(); n != 1 {
		t.Errorf("%d reports, want 1", n)
	}
	// One refusal (the first call); every later call of the request went
	// out with the renewed token.
	refused, accepted := prov.counts()
	if refused != 1 || len(accepted) != 2 || accepted[0] != "new" || accepted[1] != "new" {
		t.Errorf("refused %d, accepted %v; want 1 and the customer read and the invoice with the new token", refused, accepted)
	}
	if len(prov.byRef) != 1 {
		t.Errorf("%d invoices, want 1", len(prov.byRef))
	}
}

func TestStillRefusedAfterRenewalIsReturnedAfterOneRetry(t *testing.T) {
	e, prov, conns, ps := newReauthEngine(t)
	_, err := e.GetCustomer(context.Background(), ps[RoleAdmin], "cus_1")
	if Code(err) != CodeProviderError {
		t.Fatalf("error %v, want provider_error (never 401: that is the register's own key)", err)
	}
	if refused, _ := prov.counts(); refused != 2 || conns.reportCount() != 1 {
		t.Fatalf("%d calls refused and %d reports, want 2 and 1", refused, conns.reportCount())
	}
}

func TestRevokedGrantPausesInvoicingUntilReconnected(t *testing.T) {
	e, prov, conns, ps := newReauthEngine(t)
	conns.onReport = revokeGrant
	ctx := context.Background()
	_, _, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge())
	if Code(err) != CodeUnavailable || !strings.Contains(err.Error(), "re-authorised in BackOffice") {
		t.Fatalf("charge: %v, want unavailable saying to reconnect in BackOffice", err)
	}
	if refused, _ := prov.counts(); refused != 1 || conns.reportCount() != 1 {
		t.Fatalf("%d refused and %d reports, want 1 and 1", refused, conns.reportCount())
	}
	// Paused: the provider is not called at all while it needs_reauth.
	_, _, err = e.Charge(ctx, ps[RoleCashier], "k1", validCharge())
	if Code(err) != CodeUnavailable {
		t.Fatalf("charge again: %v", err)
	}
	if refused, accepted := prov.counts(); refused != 1 || len(accepted) != 0 {
		t.Fatalf("the provider was called while paused: %d, %v", refused, accepted)
	}

	// Reconnected: the same key goes through, once.
	conns.set(func(ac *ActiveConnection) { ac.Status = IntegrationActive; renewToken(ac) })
	res, replayed, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge())
	if err != nil || replayed || res.Invoice == nil {
		t.Fatalf("after reconnecting: %+v %v %v", res, replayed, err)
	}
	if _, replayed, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge()); err != nil || !replayed {
		t.Fatalf("replay: %v %v", replayed, err)
	}
	if len(prov.byRef) != 1 {
		t.Errorf("%d invoices, want 1", len(prov.byRef))
	}
}

func TestCreateCustomerIsNotRetriedAfterARefusedToken(t *testing.T) {
	e, prov, conns, ps := newReauthEngine(t)
	conns.onReport = renewToken
	ctx := context.Background()
	c := Customer{Name: "Nya Kunden AB", Active: true, InvoicingEnabled: true, DueDays: 30}
	_, err := e.CreateCustomer(ctx, ps[RoleAdmin], c)
	if Code(err) != CodeUnavailable || !Retryable(err) {
		t.Fatalf("create: %v, want retryable unavailable", err)
	}
	if prov.created != 0 || conns.reportCount() != 1 {
		t.Fatalf("created %d, reports %d; want 0 and 1", prov.created, conns.reportCount())
	}
	if got, err := e.CreateCustomer(ctx, ps[RoleAdmin], c); err != nil || got.ID != "cus_new" {
		t.Fatalf("create again: %+v %v", got, err)
	}
	if prov.created != 1 {
		t.Fatalf("created %d, want 1", prov.created)
	}
}

func TestBuiltInProviderRefusalIsNotReported(t *testing.T) {
	e, prov, _, ps := newReauthEngine(t)
	conns := &fakeConns{} // no integration: the merchant's built-in provider
	e.conns = noInvoicing{conns}
	_, err := e.GetCustomer(context.Background(), ps[RoleAdmin], "cus_1")
	if Code(err) != CodeProviderError {
		t.Fatalf("error %v, want provider_error (never 401: that is the register's own key)", err)
	}
	if refused, _ := prov.counts(); refused != 1 || conns.reportCount() != 0 {
		t.Fatalf("%d refused, %d reports; want 1 and 0", refused, conns.reportCount())
	}
}

// noInvoicing finds no integration.
type noInvoicing struct{ *fakeConns }

func (noInvoicing) ActiveConnection(context.Context, string, IntegrationMode) (ActiveConnection, bool, error) {
	return ActiveConnection{}, false, nil
}
