package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mail"
	outboxpkg "github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
	"github.com/ledgerbridge/ledgerbridge/store"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// testMerchant is a merchant with its three keys.
type testMerchant struct {
	id   string
	keys map[core.Role]string
}

func (m testMerchant) key(r core.Role) string { return m.keys[r] }

// testStack is the real API over a real store, the real open and SIE
// providers, the real integrations and exports services and the real mail
// outbox, each in its own database file under t.TempDir(). Only the SMTP
// server is fake (sent records what the outbox delivers), and the
// bookkeeping and OAuth2 providers.
type testStack struct {
	t            *testing.T
	handler      http.Handler
	opts         Options // the handler's
	engine       *core.Engine
	engineOpts   core.EngineOptions
	registry     core.ProviderRegistry
	store        *store.Store
	integrations *integrations.Service
	exports      *exports.Service
	sie          *sie.Provider
	books        *fakeBooks // the fake bookkeeping provider
	oauthMock    *spiristest.Server
	clock        *coretest.Clock
	outbox       *mail.Outbox
	sent         *fakeSender
	webhooks     *webhooks.Service // delivered with Drain (webhooks_test.go)
	a, b         testMerchant
}

// stackOptions choose the optional parts of a test stack.
type stackOptions struct {
	// oauth installs the fake OAuth2 provider oauthName, whose
	// authorization server is a Spiris identity mock (oauthMock), and
	// configures the operator's OAuth2 client for it.
	oauth bool
	// noMailer leaves the engine without an e-mail outbox.
	noMailer bool
}

// fakeSender is the outbox's SMTP side: it records every message.
type fakeSender struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (f *fakeSender) Send(_ context.Context, m mail.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, m)
	return nil
}

func (f *fakeSender) messages() []mail.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mail.Message(nil), f.msgs...)
}

// basAccounts is a Swedish BAS chart for invoices' journal entries.
func basAccounts(core.Country) core.JournalAccounts {
	return core.JournalAccounts{
		Receivables: "1510",
		Sales:       map[string]string{"25": "3001", "12": "3002", "6": "3003", "0": "3004"},
		OutputVAT:   map[string]string{"25": "2611", "12": "2621", "6": "2631"},
		Rounding:    "3740",
	}
}

// newStack is a stack without the optional parts.
func newStack(t *testing.T) *testStack {
	t.Helper()
	return newStackWith(t, stackOptions{})
}

func newStackWith(t *testing.T, so stackOptions) *testStack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := &coretest.Clock{}
	clock.OnDate(t, "2026-03-02")
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	prov, err := open.Open(ctx, dir, clock.Now)
	if err != nil {
		t.Fatalf("open.Open: %v", err)
	}
	t.Cleanup(func() { prov.Close() })
	mailStore, err := mail.OpenSQLiteStore(ctx, dir)
	if err != nil {
		t.Fatalf("mail.OpenSQLiteStore: %v", err)
	}
	t.Cleanup(func() { mailStore.Close() })
	sent := &fakeSender{}
	outbox := mail.NewOutbox(mailStore, sent, mail.OutboxConfig{Now: clock.Now})
	sieProv, err := sie.Open(ctx, dir)
	if err != nil {
		t.Fatalf("sie.Open: %v", err)
	}
	t.Cleanup(func() { sieProv.Close() })
	books := newFakeBooks()
	// The fake bookkeeping provider (integrations_test.go) is booksName and,
	// when set, the fake OAuth2 provider (oauth_test.go) oauthName.
	registry := coretest.Registry{open.Name: prov, sie.Name: sieProv, booksName: books}
	var mock *spiristest.Server
	if so.oauth {
		mock = spiristest.Start(t, spiristest.Options{Now: clock.Now})
		registry[oauthName] = &fakeOAuth{mock: mock}
	}
	sealer, err := integrations.NewSealer(bytes.Repeat([]byte{7}, integrations.KeySize))
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	svc := integrations.NewService(st, registry, sealer, clock.Now)
	if so.oauth {
		if err := svc.SetOAuthConfig(integrations.OAuthConfig{RedirectURL: oauthRedirectURL,
			Clients: map[string]integrations.ClientCredentials{
				oauthName: {ClientID: mock.ClientID(), ClientSecret: mock.ClientSecret()}}}); err != nil {
			t.Fatalf("SetOAuthConfig: %v", err)
		}
	}
	hookStore, err := webhooks.OpenSQLiteStore(ctx, dir)
	if err != nil {
		t.Fatalf("webhooks.OpenSQLiteStore: %v", err)
	}
	t.Cleanup(func() { hookStore.Close() })
	hooks := webhooks.New(hookStore, sealer, webhooks.Config{Outbox: outboxpkg.Config{Now: clock.Now}, AllowPrivateNetworks: true})
	svc.SetEventPublisher(hooks, nil)
	engineOpts := core.EngineOptions{Clock: clock.Now, Mailer: mail.InvoiceMailer{Outbox: outbox}, Journal: basAccounts, Events: hooks}
	if so.noMailer {
		engineOpts.Mailer = nil
	}
	engine := core.NewEngine(st, registry, engineOpts)
	ex := exports.New(st, st, svc, registry, exports.Options{Clock: clock.Now, Events: hooks})
	opts := Options{Integrations: svc, Exports: ex, Webhooks: hooks}
	s := &testStack{t: t, engine: engine, engineOpts: engineOpts, registry: registry, store: st, integrations: svc, exports: ex, sie: sieProv, books: books,
		oauthMock: mock, clock: clock, outbox: outbox, sent: sent, webhooks: hooks, opts: opts, handler: New(engine, opts)}
	s.a = s.merchant("Kafé Alfa AB")
	s.b = s.merchant("Bageri Beta AB")
	return s
}

func (s *testStack) merchant(name string) testMerchant {
	s.t.Helper()
	ctx := context.Background()
	cm, err := s.engine.CreateMerchant(ctx, core.NewMerchant{Name: name, Country: core.Sweden, InvoiceStartNumber: 1001})
	if err != nil {
		s.t.Fatalf("CreateMerchant: %v", err)
	}
	// The seller data a full invoice needs, so its invoices may be posted.
	admin, err := s.engine.Authenticate(ctx, cm.APIKeys[core.RoleAdmin])
	if err == nil {
		err = coretest.CompleteSeller(ctx, s.engine, admin, core.Sweden)
	}
	if err != nil {
		s.t.Fatalf("complete the seller: %v", err)
	}
	return testMerchant{id: cm.Merchant.ID, keys: cm.APIKeys}
}

// response is a recorded answer.
type response struct {
	status int
	header http.Header
	body   string
}

// decode unmarshals the body into v or fails the test.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// do sends one request; key "" sends no Authorization header.
func (s *testStack) do(method, path, key, body string, headers map[string]string) response {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, req)
	return response{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// scenario is one API request and what the answer must hold, in the style
// of PocketBase's ApiScenario.
type scenario struct {
	name        string
	method      string
	path        string
	key         string // the API key secret; "" sends none
	body        string
	headers     map[string]string
	wantStatus  int
	wantBody    []string          // fragments the body must contain
	notBody     []string          // fragments it must not contain
	wantHeaders map[string]string // headers and their exact values
}

func (s *testStack) run(t *testing.T, sc scenario) response {
	t.Helper()
	r := s.do(sc.method, sc.path, sc.key, sc.body, sc.headers)
	if r.status != sc.wantStatus {
		t.Errorf("%s %s: status %d, want %d; body %s", sc.method, sc.path, r.status, sc.wantStatus, r.body)
	}
	for _, f := range sc.wantBody {
		if !strings.Contains(r.body, f) {
			t.Errorf("%s %s: body lacks %s; body %s", sc.method, sc.path, f, r.body)
		}
	}
	for _, f := range sc.notBody {
		if strings.Contains(r.body, f) {
			t.Errorf("%s %s: body contains %s; body %s", sc.method, sc.path, f, r.body)
		}
	}
	for k, v := range sc.wantHeaders {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s %s: header %s = %q, want %q", sc.method, sc.path, k, got, v)
		}
	}
	wantType := "application/json"
	switch {
	case r.status == http.StatusOK && strings.HasSuffix(sc.path, "/pdf"):
		wantType = "application/pdf"
	case r.status == http.StatusOK && strings.HasPrefix(sc.path, "/v1/exports/sie"):
		wantType = exports.SIEContentType
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
		t.Errorf("%s %s: Content-Type %q, want %s", sc.method, sc.path, ct, wantType)
	}
	return r
}

func runScenarios(t *testing.T, s *testStack, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
	}
}

// createCustomer creates a customer through the API as m's admin.
func (s *testStack) createCustomer(m testMerchant, body string) core.Customer {
	s.t.Helper()
	r := s.do("POST", "/v1/customers", m.key(core.RoleAdmin), body, nil)
	if r.status != http.StatusCreated {
		s.t.Fatalf("create customer: %d %s", r.status, r.body)
	}
	var c core.Customer
	r.decode(s.t, &c)
	return c
}

// charge charges customerID through the API as m's cashier and returns the
// invoice.
func (s *testStack) charge(m testMerchant, idemKey, body string) core.ChargeResult {
	s.t.Helper()
	r := s.do("POST", "/v1/charges", m.key(core.RoleCashier), body, map[string]string{"Idempotency-Key": idemKey})
	if r.status != http.StatusCreated {
		s.t.Fatalf("charge: %d %s", r.status, r.body)
	}
	var res core.ChargeResult
	r.decode(s.t, &res)
	if res.Invoice == nil {
		s.t.Fatalf("charge without invoice: %s", r.body)
	}
	return res
}

// chargeBody is a valid one-line charge of unitPrice öre at 25 % VAT.
func chargeBody(customerID string, unitPrice int64, receipt string) string {
	b, _ := json.Marshal(map[string]any{
		"customer_id": customerID, "location_id": "loc-1", "receipt_id": receipt,
		"lines": []map[string]any{{"description": "Smörgåstårta", "product_group": "food", "quantity": "1", "unit_price": unitPrice, "vat_rate": "25"}},
	})
	return string(b)
}

// deliverMail runs the outbox until the fake SMTP server holds want
// messages in all, and returns them.
func (s *testStack) deliverMail(t *testing.T, want int) []mail.Message {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.outbox.Run(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.sent.messages()) < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	msgs := s.sent.messages()
	if len(msgs) != want {
		t.Fatalf("outbox delivered %d e-mails, want %d", len(msgs), want)
	}
	return msgs
}

// validSettings are complete invoice settings for merchant a ("Kafé Alfa
// AB", series from 1001).
const validSettings = `{"start_number":1001,"bankgiro":"54029681","plusgiro":"",
	"late_interest_text":"Dröjsmålsränta enligt räntelagen","payment_reference_text":"Ange OCR",
	"f_tax_approved":true,"auto_send":false,"reminder_days_after_due":0,
	"company":{"name":"Kafé Alfa AB","organization_number":"5560160680","vat_number":"SE556016068001",
	  "address":{"line1":"Storgatan 1","postal_code":"111 22","city":"Stockholm","country":"SE"},
	  "email":"faktura@alfa.example","phone":"08-123 45 67"},
	"accountant_copy":{"enabled":false,"emails":[]}}`

// configureInvoicing saves body as m's invoice settings through the API.
func (s *testStack) configureInvoicing(m testMerchant, body string) core.InvoiceSettings {
	s.t.Helper()
	r := s.do("PUT", "/v1/invoice-settings", m.key(core.RoleAdmin), body, nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("put invoice settings: %d %s", r.status, r.body)
	}
	var out core.InvoiceSettings
	r.decode(s.t, &out)
	return out
}

// createDraft creates a draft invoice through the API as m's accountant.
func (s *testStack) createDraft(m testMerchant, body string) core.Invoice {
	s.t.Helper()
	r := s.do("POST", "/v1/invoices", m.key(core.RoleAccountant), body, nil)
	if r.status != http.StatusCreated {
		s.t.Fatalf("create draft: %d %s", r.status, r.body)
	}
	var inv core.Invoice
	r.decode(s.t, &inv)
	return inv
}

// draftBody is a valid one-line draft: two hours at unitPrice öre net, 25 %
// VAT.
func draftBody(customerID string, unitPrice int64) string {
	b, _ := json.Marshal(map[string]any{
		"customer_id": customerID, "reference": "Beställning 17", "comment": "Tack för beställningen",
		"lines": []map[string]any{{"description": "Konsulttimme", "product_group": "service", "quantity": "2", "unit_price": unitPrice, "vat_rate": "25"}},
	})
	return string(b)
}

// chargeRaw sends a charge as m's cashier and returns its result, whatever
// it holds; the answer must be 201.
func (s *testStack) chargeRaw(m testMerchant, idemKey, body string) (core.ChargeResult, response) {
	s.t.Helper()
	r := s.do("POST", "/v1/charges", m.key(core.RoleCashier), body, map[string]string{"Idempotency-Key": idemKey})
	if r.status != http.StatusCreated {
		s.t.Fatalf("charge: %d %s", r.status, r.body)
	}
	var res core.ChargeResult
	r.decode(s.t, &res)
	return res, r
}

// reconfigure rebuilds the engine with its options edited, and the handler
// over it; what is stored stays.
func (s *testStack) reconfigure(edit func(*core.EngineOptions)) {
	edit(&s.engineOpts)
	s.engine = core.NewEngine(s.store, s.registry, s.engineOpts)
	s.handler = New(s.engine, s.opts)
}
