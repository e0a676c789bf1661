package core

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// memStore is a map-backed Store for engine tests.
type memStore struct {
	mu        sync.Mutex
	merchants map[string]Merchant
	inUse     []string // providers of active integrations
	keys      map[string]APIKey
	idem      map[string]IdempotencyRecord
	settings  map[string]InvoiceSettings
	methods   map[string][]PaymentMethod
	touches   int // TouchAPIKeys calls
}

func newMemStore() *memStore {
	return &memStore{merchants: map[string]Merchant{}, keys: map[string]APIKey{}, idem: map[string]IdempotencyRecord{}, settings: map[string]InvoiceSettings{}}
}

func (s *memStore) CreateMerchant(_ context.Context, m Merchant, keys []APIKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.merchants[m.ID] = m
	for _, k := range keys {
		s.keys[k.Hash] = k
	}
	return nil
}
func (s *memStore) GetMerchant(_ context.Context, id string) (Merchant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.merchants[id]
	if !ok {
		return Merchant{}, ErrNotFound("merchant", id)
	}
	return m, nil
}
func (s *memStore) ListMerchants(context.Context) ([]Merchant, error) { return nil, nil }
func (s *memStore) CreateAPIKey(_ context.Context, k APIKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[k.Hash] = k
	return nil
}
func (s *memStore) APIKeyByHash(_ context.Context, h string) (APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[h]
	if !ok {
		return APIKey{}, ErrNotFound("api key", "")
	}
	return k, nil
}
func (s *memStore) ListAPIKeys(_ context.Context, m string) ([]APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []APIKey{}
	for _, k := range s.keys {
		if k.MerchantID == m {
			k.Hash = ""
			out = append(out, k)
		}
	}
	return out, nil
}
func (s *memStore) RevokeAPIKey(_ context.Context, m, id string, at time.Time) (APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, k := range s.keys {
		if k.MerchantID == m && k.ID == id {
			if k.RevokedAt == nil {
				k.RevokedAt = &at
				s.keys[h] = k
			}
			k.Hash = ""
			return k, nil
		}
	}
	return APIKey{}, ErrNotFound("API key", id)
}
func (s *memStore) TouchAPIKeys(_ context.Context, used map[string]time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touches++
	for h, k := range s.keys {
		if t, ok := used[k.ID]; ok && (k.LastUsedAt == nil || k.LastUsedAt.Before(t)) {
			k.LastUsedAt = &t
			s.keys[h] = k
		}
	}
	return nil
}
func idemKey(m, scope, key string) string { return m + "|" + scope + "|" + key }
func (s *memStore) BeginIdempotent(_ context.Context, rec IdempotencyRecord) (IdempotencyRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey(rec.MerchantID, rec.Scope, rec.Key)
	if old, ok := s.idem[k]; ok {
		return old, false, nil
	}
	s.idem[k] = rec
	return rec, true, nil
}
func (s *memStore) CompleteIdempotent(_ context.Context, m, scope, key string, resp []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.idem[idemKey(m, scope, key)]
	r.Status, r.Response = IdempotencyCompleted, resp
	s.idem[idemKey(m, scope, key)] = r
	return nil
}
func (s *memStore) AbandonIdempotent(_ context.Context, m, scope, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.idem, idemKey(m, scope, key))
	return nil
}
func (s *memStore) Ping(context.Context) error { return nil }
func (s *memStore) ProvidersInUse(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, m := range s.merchants {
		seen[m.InvoicingProvider] = true
	}
	for _, n := range s.inUse {
		seen[n] = true
	}
	return slices.Sorted(maps.Keys(seen)), nil
}
func (s *memStore) GetInvoiceSettings(_ context.Context, m string) (InvoiceSettings, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.settings[m]
	return st, ok, nil
}
func (s *memStore) PaymentMethods(_ context.Context, m string) ([]PaymentMethod, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PaymentMethod(nil), s.methods[m]...), nil
}

func (s *memStore) PutPaymentMethods(_ context.Context, m string, methods []PaymentMethod, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.methods == nil {
		s.methods = map[string][]PaymentMethod{}
	}
	s.methods[m] = append([]PaymentMethod(nil), methods...)
	return nil
}

func (s *memStore) PutInvoiceSettings(_ context.Context, m string, st InvoiceSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[m] = st
	return nil
}

// fakeProvider records invoice requests and can fail on demand.
type fakeProvider struct {
	Provider  // unimplemented methods panic
	mu        sync.Mutex
	byRef     map[string]Invoice
	calls     int
	fail      error // returned (once) instead of creating
	failAfter error // returned (once) after creating: a lost response
}

func (p *fakeProvider) Describe(context.Context) (Descriptor, error) {
	return Descriptor{Name: "fake", DisplayName: "Fake", Capabilities: Capabilities{Invoices: true}}, nil
}

func (p *fakeProvider) GetCustomer(_ context.Context, _ Connection, id string) (Customer, error) {
	switch id {
	case "cus_1", "cus_2":
		return Customer{ID: id, Name: "Kund " + id, Number: id[4:], Active: true, InvoicingEnabled: true, DueDays: 30}, nil
	case "cus_inactive":
		return Customer{ID: id, Name: "Vilande AB", Active: false, InvoicingEnabled: true}, nil
	}
	return Customer{}, ErrNotFound("customer", id)
}

func (p *fakeProvider) CreateInvoice(_ context.Context, conn Connection, req InvoiceRequest) (Invoice, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if err := p.fail; err != nil {
		p.fail = nil
		return Invoice{}, err
	}
	inv, ok := p.byRef[req.ExternalRef]
	if !ok {
		inv = Invoice{ID: fmt.Sprintf("inv_%d", len(p.byRef)+1), Number: int64(len(p.byRef) + 1), Status: StatusPosted,
			Kind: KindInvoice, Total: req.Total, ExternalRef: req.ExternalRef, CustomerID: req.CustomerID}
		p.byRef[req.ExternalRef] = inv
	}
	if err := p.failAfter; err != nil {
		p.failAfter = nil
		return Invoice{}, err
	}
	return inv, nil
}

// oneRegistry serves p as "open". It is not coretest.Registry because
// package core's own tests cannot import coretest, which imports core.
type oneRegistry struct{ p Provider }

func (r oneRegistry) Provider(_ context.Context, name string) (Provider, error) {
	if name != "open" {
		return nil, ErrNotFound("provider", name)
	}
	return r.p, nil
}
func (r oneRegistry) Names() []string { return []string{"open"} }

func newTestEngine(t *testing.T) (*Engine, *fakeProvider, map[Role]Principal) {
	t.Helper()
	prov := &fakeProvider{byRef: map[string]Invoice{}}
	e := NewEngine(newMemStore(), oneRegistry{prov}, EngineOptions{Clock: func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }})
	cm, err := e.CreateMerchant(context.Background(), NewMerchant{Name: "Kafé Test", Country: Sweden})
	if err != nil {
		t.Fatal(err)
	}
	principals := map[Role]Principal{}
	for role, secret := range cm.APIKeys {
		p, err := e.Authenticate(context.Background(), secret)
		if err != nil || p.Role != role || p.MerchantID != cm.Merchant.ID {
			t.Fatalf("authenticate %s: %+v, %v", role, p, err)
		}
		principals[role] = p
	}
	return e, prov, principals
}

func validCharge() ChargeRequest {
	return ChargeRequest{CustomerID: "cus_1", LocationID: "loc_1", ReceiptID: "r1",
		Lines: []LineInput{{Description: "Kaffe", Quantity: decimal.NewFromInt(2), UnitPrice: 3500, VATRate: decimal.NewFromInt(12)}}}
}

func TestChargeIsIdempotent(t *testing.T) {
	e, prov, ps := newTestEngine(t)
	ctx := context.Background()
	first, replayed, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge())
	if err != nil || replayed {
		t.Fatalf("first charge: %v, replayed=%v", err, replayed)
	}
	if first.Invoice.Total != 7000 || first.Status != ChargeInvoiced {
		t.Fatalf("charge = %+v", first)
	}
	again, replayed, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge())
	if err != nil || !replayed || again.Invoice.ID != first.Invoice.ID || again.ID != first.ID {
		t.Fatalf("replay = %+v, replayed=%v, err=%v", again, replayed, err)
	}
	if prov.calls != 1 {
		t.Fatalf("provider called %d times, want 1", prov.calls)
	}
	other := validCharge()
	other.Lines[0].Quantity = decimal.NewFromInt(3)
	if _, _, err := e.Charge(ctx, ps[RoleCashier], "k1", other); Code(err) != CodeConflict {
		t.Fatalf("same key, other body: %v, want conflict", err)
	}
}

func TestChargeAfterLostResponseFindsTheSameInvoice(t *testing.T) {
	e, prov, ps := newTestEngine(t)
	ctx := context.Background()
	prov.failAfter = Errorf(CodeUnavailable, "plugin died")
	if _, _, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge()); Code(err) != CodeUnavailable {
		t.Fatalf("first attempt: %v, want unavailable", err)
	}
	res, replayed, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge())
	if err != nil || replayed {
		t.Fatalf("retry: %v replayed=%v", err, replayed)
	}
	if len(prov.byRef) != 1 || res.Invoice.Number != 1 {
		t.Fatalf("invoices created: %d, number %d; want exactly one", len(prov.byRef), res.Invoice.Number)
	}
}

func TestChargeRejectedByProviderFreesTheKey(t *testing.T) {
	e, prov, ps := newTestEngine(t)
	ctx := context.Background()
	prov.fail = Invalid("customer", FieldError{Field: "customer_id", Message: "customer is not active"})
	if _, _, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge()); Code(err) != CodeInvalid {
		t.Fatalf("want invalid, got %v", err)
	}
	fixed := validCharge()
	fixed.CustomerID = "cus_2"
	if _, _, err := e.Charge(ctx, ps[RoleCashier], "k1", fixed); err != nil {
		t.Fatalf("corrected request with the same key: %v", err)
	}
}

func TestChargeValidationNamesEveryField(t *testing.T) {
	e, _, ps := newTestEngine(t)
	bad := ChargeRequest{Lines: []LineInput{
		{Description: "", Quantity: decimal.NewFromInt(0), UnitPrice: -1, VATRate: decimal.NewFromInt(15)},
	}}
	_, _, err := e.Charge(context.Background(), ps[RoleCashier], "k", bad)
	want := []string{"customer_id", "location_id", "receipt_id", "lines[0].description", "lines[0].quantity", "lines[0].unit_price", "lines[0].vat_rate"}
	got := map[string]bool{}
	for _, f := range AsError(err).Fields {
		got[f.Field] = true
	}
	for _, f := range want {
		if !got[f] {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
	if ce := AsError(err); ce.Code != CodeInvalid || ce.Syntax {
		t.Errorf("%v: want invalid, not a syntax error (422)", err)
	}
	if _, _, err := e.Charge(context.Background(), ps[RoleCashier], "", validCharge()); Code(err) != CodeInvalid || !AsError(err).Syntax {
		t.Errorf("missing Idempotency-Key: %v, want an invalid syntax error (400)", err)
	}
}

func TestChargeRoles(t *testing.T) {
	e, _, ps := newTestEngine(t)
	for role, want := range map[Role]ErrorCode{RoleAdmin: "", RoleCashier: "", RoleAccountant: CodeForbidden} {
		_, _, err := e.Charge(context.Background(), ps[role], "k-"+string(role), validCharge())
		if Code(err) != want {
			t.Errorf("%s: %v, want %q", role, err, want)
		}
	}
}

func TestConcurrentChargesWithOneKeyCreateOneInvoice(t *testing.T) {
	e, prov, ps := newTestEngine(t)
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _, err := e.Charge(context.Background(), ps[RoleCashier], "same", validCharge())
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = res.Invoice.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("different invoices for one key: %v", ids)
		}
	}
	if prov.calls != 1 {
		t.Fatalf("provider called %d times, want 1", prov.calls)
	}
}

func TestAuthenticate(t *testing.T) {
	e, _, _ := newTestEngine(t)
	for _, secret := range []string{"", "lb_admin_nope"} {
		if _, err := e.Authenticate(context.Background(), secret); Code(err) != CodeUnauthorized {
			t.Errorf("%q: %v, want unauthorized", secret, err)
		}
	}
}

// TestCreateCustomerInAProvidersRegister: when the provider owns the
// customer register (Visma Spiris, Tripletex), POST /v1/customers answers
// conflict naming the provider, from the engine: the provider is not asked
// (its own answer, unsupported, is the plugin contract's).
func TestCreateCustomerInAProvidersRegister(t *testing.T) {
	prov := accountingProvider{fakeProvider: &fakeProvider{byRef: map[string]Invoice{}}, name: "Visma Spiris"} // CreateCustomer panics
	e := NewEngine(newMemStore(), oneRegistry{prov}, EngineOptions{})
	cm, err := e.CreateMerchant(context.Background(), NewMerchant{Name: "Kafé Test", Country: Sweden})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := e.Authenticate(context.Background(), cm.APIKeys[RoleAdmin])
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.CreateCustomer(context.Background(), admin, Customer{Name: "Ny Kund AB", Active: true, InvoicingEnabled: true, DueDays: 30})
	if Code(err) != CodeConflict || AsError(err).Message != "customers are managed in Visma Spiris; create the customer there" {
		t.Fatalf("CreateCustomer: %v, want conflict naming Visma Spiris", err)
	}
}
