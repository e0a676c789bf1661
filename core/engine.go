package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// Engine is the invoicing engine: it authorizes callers, validates input,
// prices invoices and routes every operation to the merchant's provider.
// A provider call that the provider refuses with CodeUnauthorized (the
// integration's credentials were revoked or expired on its side) is
// reported to the ConnectionSource and run once more with the renewed
// credentials, or fails with CodeUnavailable saying to reconnect the
// integration in BackOffice (see call). It is safe for concurrent use.
type Engine struct {
	store     Store
	providers ProviderRegistry
	now       Clock
	idem      *Idempotency
	mailer    Mailer
	einvoices EInvoiceQueue
	events    EventPublisher
	conns     ConnectionSource
	journal   func(Country) JournalAccounts
	log       *slog.Logger
	usage     keyUsage

	descMu      sync.Mutex
	descriptors map[string]Descriptor
	metrics     Metrics
}

// NewEngine returns an engine over store and providers. A nil clock means
// time.Now.
func NewEngine(store Store, providers ProviderRegistry, clock Clock) *Engine {
	if clock == nil {
		clock = time.Now
	}
	return &Engine{store: store, providers: providers, now: clock, idem: NewIdempotency(store, clock), descriptors: map[string]Descriptor{},
		log: slog.New(slog.DiscardHandler), metrics: noMetrics{}, journal: func(Country) JournalAccounts { return JournalAccounts{} }}
}

// SetMailer gives the engine its e-mail outbox; without one, e-mailing an
// invoice is CodeUnsupported. Call before serving.
func (e *Engine) SetMailer(m Mailer) { e.mailer = m }

// SetEInvoiceQueue makes the engine send invoices of customers who receive
// e-invoices (Customer.Delivery) through q. Call before serving.
func (e *Engine) SetEInvoiceQueue(q EInvoiceQueue) { e.einvoices = q }

// SetEventPublisher makes the engine publish invoice events (posted,
// paid, overdue) to the merchants' webhook endpoints through p. Call
// before serving.
func (e *Engine) SetEventPublisher(p EventPublisher) { e.events = p }

// SetConnectionSource makes the engine invoice through each merchant's
// active invoicing integration (with its credentials) instead of the
// merchant's built-in provider. Call before serving.
func (e *Engine) SetConnectionSource(c ConnectionSource) { e.conns = c }

// SetJournalAccounts sets the chart used for invoices' journal entries
// (e.g. BAS for Sweden). Call before serving.
func (e *Engine) SetJournalAccounts(f func(Country) JournalAccounts) { e.journal = f }

// SetLogger sets where the engine reports work it does on its own
// (scheduled collective invoices, queued e-mails). Call before serving.
func (e *Engine) SetLogger(l *slog.Logger) { e.log = l }

// List limits of the HTTP contract.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// NormalizeLimit applies the default and checks the maximum. Errors:
// CodeInvalid naming "limit".
func NormalizeLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultListLimit, nil
	case limit < 0 || limit > MaxListLimit:
		return 0, Invalid("invalid limit", FieldError{Field: "limit", Message: "must be between 1 and " + strconv.Itoa(MaxListLimit)})
	}
	return limit, nil
}

// Authenticate resolves an API key secret to its principal, reading the key
// from the store on every call (no cache), so a revocation by any process
// takes effect on the next request. The use is noted in memory for
// FlushKeyUsage. Errors: CodeUnauthorized for a missing, unknown or revoked
// key.
func (e *Engine) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if secret == "" {
		return Principal{}, Errorf(CodeUnauthorized, "missing API key: send Authorization: Bearer <key>")
	}
	k, err := e.store.APIKeyByHash(ctx, HashAPIKey(secret))
	if Code(err) == CodeNotFound {
		return Principal{}, Errorf(CodeUnauthorized, "unknown API key")
	} else if err != nil {
		return Principal{}, err
	}
	if k.RevokedAt != nil {
		return Principal{}, Errorf(CodeUnauthorized, "API key revoked")
	}
	e.usage.note(k.ID, e.now().UTC())
	return Principal{MerchantID: k.MerchantID, Role: k.Role, KeyID: k.ID}, nil
}

// NewMerchant describes a merchant to create.
type NewMerchant struct {
	Name               string
	Country            Country
	InvoicingProvider  string // default "open"
	InvoiceStartNumber int64  // default 1
}

// CreatedMerchant is a new merchant with one key secret per role; the
// secrets are shown once and never stored.
type CreatedMerchant struct {
	Merchant Merchant        `json:"merchant"`
	APIKeys  map[Role]string `json:"api_keys"`
}

// CreateMerchant creates a merchant with an admin, an accountant and a
// cashier key. Errors: CodeInvalid naming name, country or provider.
func (e *Engine) CreateMerchant(ctx context.Context, nm NewMerchant) (CreatedMerchant, error) {
	var errs fieldErrors
	if strings.TrimSpace(nm.Name) == "" {
		errs.add("name", "is required")
	}
	if !nm.Country.Valid() {
		errs.add("country", "must be SE or NO")
	}
	if nm.InvoicingProvider == "" {
		nm.InvoicingProvider = "open"
	}
	if !contains(e.providers.Names(), nm.InvoicingProvider) {
		errs.add("invoicing_provider", "no provider %q is installed", nm.InvoicingProvider)
	}
	if nm.InvoiceStartNumber == 0 {
		nm.InvoiceStartNumber = 1
	}
	if nm.InvoiceStartNumber < 1 || nm.InvoiceStartNumber > MaxInvoiceStartNumber {
		errs.add("invoice_start_number", "must be between 1 and %d", int64(MaxInvoiceStartNumber))
	}
	if err := Invalid("invalid merchant", errs...); err != nil {
		return CreatedMerchant{}, err
	}
	now := e.now().UTC()
	m := Merchant{
		ID: NewID("mer"), Name: strings.TrimSpace(nm.Name), Country: nm.Country, Currency: nm.Country.Currency(),
		InvoicingProvider: nm.InvoicingProvider, InvoiceStartNumber: nm.InvoiceStartNumber, CreatedAt: now,
	}
	out := CreatedMerchant{Merchant: m, APIKeys: map[Role]string{}}
	var keys []APIKey
	for _, r := range Roles {
		secret, hash := NewAPIKeySecret(r)
		keys = append(keys, APIKey{ID: NewID("key"), MerchantID: m.ID, Name: "initial " + string(r), Role: r, Hash: hash, CreatedAt: now})
		out.APIKeys[r] = secret
	}
	if err := e.store.CreateMerchant(ctx, m, keys); err != nil {
		return CreatedMerchant{}, err
	}
	return out, nil
}

// CreateAPIKey creates a key for the caller's merchant and returns it with
// its secret, which is shown once. Errors: CodeForbidden, CodeInvalid.
func (e *Engine) CreateAPIKey(ctx context.Context, p Principal, name string, role Role) (APIKey, string, error) {
	if err := p.Authorize(ActionManageAPIKeys); err != nil {
		return APIKey{}, "", err
	}
	var errs fieldErrors
	if strings.TrimSpace(name) == "" {
		errs.add("name", "is required")
	} else {
		errs.text("name", name, MaxAPIKeyNameLength, false)
	}
	if !role.Valid() {
		errs.add("role", "must be admin, accountant or cashier")
	}
	if err := Invalid("invalid API key", errs...); err != nil {
		return APIKey{}, "", err
	}
	secret, hash := NewAPIKeySecret(role)
	k := APIKey{ID: NewID("key"), MerchantID: p.MerchantID, Name: strings.TrimSpace(name), Role: role, Hash: hash, CreatedAt: e.now().UTC()}
	if err := e.store.CreateAPIKey(ctx, k); err != nil {
		return APIKey{}, "", err
	}
	return k, secret, nil
}

// Providers describes every installed provider. A provider that cannot be
// started or does not answer is listed with status unavailable and the
// reason, so one broken plugin does not hide the others. Errors:
// CodeForbidden.
func (e *Engine) Providers(ctx context.Context, p Principal) ([]ProviderInfo, error) {
	if err := p.Authorize(ActionListProviders); err != nil {
		return nil, err
	}
	var out []ProviderInfo
	for _, name := range e.providers.Names() {
		d, err := e.describe(ctx, name)
		if err != nil {
			out = append(out, ProviderInfo{Descriptor: Descriptor{Name: name}, Status: ProviderUnavailable, Error: AsError(err).Message})
			continue
		}
		out = append(out, ProviderInfo{Descriptor: d, Status: ProviderAvailable})
	}
	return out, nil
}

// Readiness is the gateway's state as Ready sees it.
type Readiness struct {
	// Providers is every installed provider, sorted by name.
	Providers []ProviderHealth `json:"providers"`
}

// ProviderHealth is one provider's state for Ready.
type ProviderHealth struct {
	Name string `json:"name"`
	// Status is ProviderAvailable or ProviderUnavailable.
	Status string `json:"status"`
	// InUse says an active (or needs_reauth) integration or a merchant's
	// built-in invoicing uses the provider: while it is unavailable the
	// gateway is not ready.
	InUse bool `json:"in_use"`
	// Error says why an unavailable provider is down.
	Error string `json:"error,omitempty"`
}

// Ready reports whether the gateway can serve: the database answers and
// every provider in use (Store.ProvidersInUse) answers Describe. A provider
// nobody uses (an optional plugin installed but not chosen, or broken) is
// reported in Readiness and does not make the gateway unready. The
// Readiness is filled in whatever the error, except when the database is
// down. Errors: CodeUnavailable naming the database, or each provider in
// use that is down and why.
func (e *Engine) Ready(ctx context.Context) (Readiness, error) {
	if err := e.store.Ping(ctx); err != nil {
		return Readiness{}, Errorf(CodeUnavailable, "database: %v", err)
	}
	used, err := e.store.ProvidersInUse(ctx)
	if err != nil {
		return Readiness{}, Errorf(CodeUnavailable, "database: %v", AsError(err).Message)
	}
	inUse := map[string]bool{}
	for _, n := range used {
		inUse[n] = true
	}
	names := e.providers.Names()
	out := Readiness{Providers: make([]ProviderHealth, len(names))}
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := ProviderHealth{Name: name, Status: ProviderAvailable, InUse: inUse[name]}
			prov, err := e.providers.Provider(ctx, name)
			if err == nil {
				_, err = prov.Describe(ctx)
			}
			if err != nil {
				h.Status, h.Error = ProviderUnavailable, AsError(err).Message
			}
			out.Providers[i] = h
		}()
	}
	wg.Wait()
	var down []string
	for _, h := range out.Providers {
		if h.InUse && h.Status != ProviderAvailable {
			down = append(down, fmt.Sprintf("provider %s: %s", h.Name, h.Error))
		}
	}
	if len(down) > 0 {
		return out, Errorf(CodeUnavailable, "%s", strings.Join(down, "; "))
	}
	return out, nil
}

func (e *Engine) describe(ctx context.Context, name string) (Descriptor, error) {
	e.descMu.Lock()
	d, ok := e.descriptors[name]
	e.descMu.Unlock()
	if ok {
		return d, nil
	}
	prov, err := e.providers.Provider(ctx, name)
	if err != nil {
		return Descriptor{}, err
	}
	d, err = prov.Describe(ctx)
	if err != nil {
		return Descriptor{}, err
	}
	e.descMu.Lock()
	e.descriptors[name] = d
	e.descMu.Unlock()
	return d, nil
}

// session is one merchant's resolved invoicing provider.
type session struct {
	merchant Merchant
	settings InvoiceSettings
	provider Provider
	// providerName is the registry's name of provider; set also on the
	// session invoicing returns with an error once the name is known.
	providerName string
	desc         Descriptor
	// integrationID is the invoicing integration the session goes
	// through; "" for the merchant's built-in provider.
	integrationID string
	conn          *liveConnection
}

// liveConnection is a session's connection, shared by the session's copies
// so that credentials renewed during one provider call serve the calls
// after it.
type liveConnection struct {
	mu sync.Mutex
	c  Connection
}

// connection is the session's current connection.
func (s session) connection() Connection {
	s.conn.mu.Lock()
	defer s.conn.mu.Unlock()
	return s.conn.c
}

// invoicing opens a session with the merchant's invoicing provider for a
// principal allowed a. On error the returned session is empty but for
// providerName when that was known.
func (e *Engine) invoicing(ctx context.Context, p Principal, a Action) (session, error) {
	if err := p.Authorize(a); err != nil {
		return session{}, err
	}
	m, err := e.store.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return session{}, err
	}
	providerName := m.InvoicingProvider
	var ac ActiveConnection
	if e.conns != nil {
		var found bool
		if ac, found, err = e.conns.ActiveConnection(ctx, m.ID, ModeInvoicing); err != nil {
			return session{}, err
		}
		if found && ac.Status == IntegrationNeedsReauth {
			return session{providerName: ac.Provider}, needsReauth(ac)
		} else if found {
			providerName = ac.Provider
		}
	}
	// From here on a failed session still names its provider, for metrics.
	failed := session{providerName: providerName}
	prov, err := e.providers.Provider(ctx, providerName)
	if err != nil {
		return failed, err
	}
	d, err := e.describe(ctx, providerName)
	if err != nil {
		return failed, err
	}
	settings, err := e.invoiceSettings(ctx, m)
	if err != nil {
		return failed, err
	}
	settingsJSON, err := json.Marshal(settings)
	if err != nil {
		return failed, Errorf(CodeInternal, "encode invoice settings: %v", err)
	}
	conn := Connection{
		MerchantID: m.ID, Country: m.Country, Currency: m.Currency,
		Settings: map[string]string{
			SettingInvoiceStartNumber: strconv.FormatInt(settings.StartNumber, 10),
			SettingInvoiceSettings:    string(settingsJSON),
		},
	}
	return session{merchant: m, settings: settings, provider: prov, providerName: providerName, desc: d, integrationID: ac.IntegrationID,
		conn: &liveConnection{c: withIntegration(conn, ac)}}, nil
}

// withIntegration is conn with the integration's credentials and its
// settings added to conn's (conn's maps are not changed).
func withIntegration(conn Connection, ac ActiveConnection) Connection {
	settings := make(map[string]string, len(conn.Settings)+len(ac.Settings))
	maps.Copy(settings, conn.Settings)
	maps.Copy(settings, ac.Settings)
	conn.Settings, conn.Credentials = settings, ac.Credentials
	return conn
}

// needsReauth is the error for work through an integration whose
// authorisation the provider revoked: CodeUnavailable, retry after an
// administrator has reconnected it.
func needsReauth(ac ActiveConnection) error {
	return Errorf(CodeUnavailable, "the %s connection needs to be re-authorised in BackOffice before invoicing can continue", ac.Provider)
}

// call runs f, one provider call, with the session's connection. When the
// provider rejects the credentials of the session's integration
// (CodeUnauthorized: consent revoked, or an access token that expired on
// the provider's side), call reports it (reconnect) and runs f once more
// with the renewed connection. f must be safe to run twice: a read, or a
// write idempotent on its external reference.
//
// Errors: f's; CodeUnavailable saying to reconnect in BackOffice when the
// integration needs re-authorisation; reconnect's.
func call[T any](ctx context.Context, e *Engine, s session, f func(conn Connection) (T, error)) (T, error) {
	out, err := f(s.connection())
	if Code(err) != CodeUnauthorized {
		return out, err
	}
	if s.integrationID != "" && e.conns != nil {
		if err := e.reconnect(ctx, s); err != nil {
			var zero T
			return zero, err
		}
		out, err = f(s.connection())
	}
	if Code(err) == CodeUnauthorized {
		// The provider refused the merchant's connection, not the caller's
		// API key: never answer 401, which a register reads as its own key.
		return out, &Error{Code: CodeProviderError, Message: s.desc.DisplayName + " refused the connection's credentials: " + AsError(err).Message}
	}
	return out, err
}

// reconnect tells the connection source that the provider rejected the
// session's integration credentials (it refreshes the OAuth2 token, or
// marks the integration needs_reauth) and gives the session the
// integration's connection as resolved afterwards. Errors: CodeUnavailable
// when the integration now needs re-authorisation (saying to reconnect it
// in BackOffice) or was replaced meanwhile (try again); the connection
// source's errors.
func (e *Engine) reconnect(ctx context.Context, s session) error {
	if err := e.conns.ReportUnauthorized(ctx, s.integrationID); err != nil {
		return err
	}
	ac, found, err := e.conns.ActiveConnection(ctx, s.merchant.ID, ModeInvoicing)
	switch {
	case err != nil:
		return err
	case !found || ac.IntegrationID != s.integrationID:
		return Errorf(CodeUnavailable, "the merchant's invoicing integration changed during the request; try again")
	case ac.Status == IntegrationNeedsReauth:
		return needsReauth(ac)
	}
	s.conn.mu.Lock()
	defer s.conn.mu.Unlock()
	s.conn.c = withIntegration(s.conn.c, ac)
	return nil
}

func (s session) today(now time.Time) Date { return DateOf(now.In(s.merchant.Country.Location())) }

// SearchCustomers searches the merchant's customers. Errors: CodeForbidden,
// CodeInvalid (limit, cursor), provider errors.
func (e *Engine) SearchCustomers(ctx context.Context, p Principal, q CustomerQuery) (CustomerPage, error) {
	s, err := e.invoicing(ctx, p, ActionSearchCustomers)
	if err != nil {
		return CustomerPage{}, err
	}
	if q.Limit, err = NormalizeLimit(q.Limit); err != nil {
		return CustomerPage{}, err
	}
	q.Q = strings.TrimSpace(q.Q)
	// A bounded q keeps the provider's search (trigrams, SQL variables)
	// bounded too.
	if fe := TextError("q", q.Q, MaxSearchLength, false); fe != nil {
		return CustomerPage{}, Invalid("invalid search", *fe)
	}
	page, err := call(ctx, e, s, func(conn Connection) (CustomerPage, error) {
		return s.provider.SearchCustomers(ctx, conn, q)
	})
	for i := range page.Customers {
		page.Customers[i].InvoiceDelivery = page.Customers[i].Delivery()
	}
	return page, err
}

// CustomerSyncResult answers POST /v1/customers/sync: the invoicing
// provider and, when it keeps a copy of the customers of the merchant's
// accounting system (Copied), what the refresh found.
type CustomerSyncResult struct {
	Provider string `json:"provider"`
	Copied   bool   `json:"copied"`
	CustomerSync
}

// SyncCustomers refreshes, now, the copy of the merchant's customers that
// its invoicing provider keeps (Tripletex and Spiris refresh theirs every
// few minutes on their own). A provider that keeps none (the built-in
// open, whose customers are the gateway's) answers Copied false. Errors:
// CodeForbidden, provider errors.
func (e *Engine) SyncCustomers(ctx context.Context, p Principal) (CustomerSyncResult, error) {
	s, err := e.invoicing(ctx, p, ActionSyncCustomers)
	if err != nil {
		return CustomerSyncResult{}, err
	}
	page, err := call(ctx, e, s, func(conn Connection) (CustomerPage, error) {
		return s.provider.SearchCustomers(ctx, conn, CustomerQuery{Limit: 1, Refresh: true})
	})
	if err != nil {
		return CustomerSyncResult{}, err
	}
	out := CustomerSyncResult{Provider: s.desc.Name}
	if page.Sync != nil {
		out.Copied, out.CustomerSync = true, *page.Sync
	}
	return out, nil
}

// GetCustomer returns one of the merchant's customers. Errors:
// CodeForbidden, CodeNotFound.
func (e *Engine) GetCustomer(ctx context.Context, p Principal, id string) (Customer, error) {
	s, err := e.invoicing(ctx, p, ActionReadCustomer)
	if err != nil {
		return Customer{}, err
	}
	c, err := call(ctx, e, s, func(conn Connection) (Customer, error) { return s.provider.GetCustomer(ctx, conn, id) })
	c.InvoiceDelivery = c.Delivery()
	return c, err
}

// CreateCustomer creates a customer in the merchant's provider. Errors:
// CodeForbidden, CodeInvalid naming each bad field, CodeConflict when the
// provider owns the customer register; CodeUnavailable when the provider
// refused the integration's credentials (they are renewed, or the
// integration needs re-authorisation: the message says which; creating is
// not retried on its own).
func (e *Engine) CreateCustomer(ctx context.Context, p Principal, c Customer) (Customer, error) {
	s, err := e.invoicing(ctx, p, ActionCreateCustomer)
	if err != nil {
		return Customer{}, err
	}
	var billing []string
	if c.ParentCustomerID != "" {
		billing = append(billing, FieldParentCustomerID)
	}
	if c.CollectiveInvoicing != (CollectiveInvoicing{}) {
		billing = append(billing, FieldCollectiveInvoicing)
	}
	if err := authorizeBilling(p, billing); err != nil {
		return Customer{}, err
	}
	if s.desc.Capabilities.OwnsCustomers {
		return Customer{}, Errorf(CodeConflict, "customers are managed in %s; create the customer there", s.desc.DisplayName)
	}
	if c, err = validCustomer(s.merchant.Country, c, nil); err != nil {
		return Customer{}, err
	}
	created, err := s.provider.CreateCustomer(ctx, s.connection(), c)
	if Code(err) == CodeUnauthorized && s.integrationID != "" && e.conns != nil {
		// Not retried here (creating is not idempotent): the credentials
		// are renewed for the caller's next attempt.
		if err := e.reconnect(ctx, s); err != nil {
			return Customer{}, err
		}
		return Customer{}, Errorf(CodeUnavailable, "%s refused the connection's access token, which has now been renewed; create the customer again", s.desc.DisplayName)
	}
	created.InvoiceDelivery = created.Delivery()
	return created, err
}

// validCustomer checks a customer and normalises its organization number
// to digits, its VAT number and Peppol id to their canonical forms and an
// empty invoice delivery to e-mail (Customer.NormalizeEInvoiceFields).
// Swedish customers may be companies (organisationsnummer) or people
// (personnummer, samordningsnummer); Norwegian ones have a 9-digit
// organisasjonsnummer. Which country's rule applies is the billing
// address's country when it is SE or NO, else the merchant's country when
// the address names none; the organization number of a customer abroad
// (any other country) is free text. Errors: CodeInvalid naming each bad
// field.
func validCustomer(country Country, c Customer, only []string) (Customer, error) {
	c = c.NormalizeEInvoiceFields()
	var fields []FieldError
	if err := c.validate(only); err != nil {
		if Code(err) != CodeInvalid {
			return Customer{}, err
		}
		fields = AsError(err).Fields
	}
	orgCountry := Country(strings.ToUpper(strings.TrimSpace(c.BillingAddress.Country)))
	if orgCountry == "" {
		orgCountry = country
	}
	if c.OrganizationNumber != "" && orgCountry.Valid() && !fieldErrors(fields).has(FieldOrganizationNumber) {
		if n, nerr := nordic.ValidateOrganizationNumber(string(orgCountry), c.OrganizationNumber); nerr != nil {
			fields = append(fields, FieldError{Field: FieldOrganizationNumber, Message: nerr.Error()})
		} else {
			c.OrganizationNumber = n
		}
	}
	if err := Invalid("invalid customer", fields...); err != nil {
		return Customer{}, err
	}
	return c, nil
}

// authorizeBilling refuses, with CodeForbidden naming each field, a caller
// whose role may not set the billing fields (parent company, collective
// invoicing) it tried to set.
func authorizeBilling(p Principal, fields []string) error {
	if p.Role.Allows(ActionSetCustomerBilling) {
		return nil
	}
	var errs []FieldError
	for _, f := range fields {
		if f == FieldParentCustomerID || f == FieldCollectiveInvoicing {
			errs = append(errs, FieldError{Field: f, Message: "is set in BackOffice by an admin or accountant"})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &Error{Code: CodeForbidden, Message: "role " + string(p.Role) + " may not set a customer's parent company or collective invoicing", Fields: errs}
}

// UpdateCustomer patches a customer. When the provider owns customers only
// its adjustable fields may change; a cashier may not change the billing
// fields (parent company, collective invoicing). Errors: CodeForbidden
// (naming the billing fields), CodeNotFound, CodeInvalid, CodeConflict
// naming the fields that may not change.
func (e *Engine) UpdateCustomer(ctx context.Context, p Principal, id string, patch CustomerPatch) (Customer, error) {
	s, err := e.invoicing(ctx, p, ActionUpdateCustomer)
	if err != nil {
		return Customer{}, err
	}
	if err := authorizeBilling(p, patch.Fields()); err != nil {
		return Customer{}, err
	}
	reg := customerRegister(s.desc)
	var locked []FieldError
	for _, f := range patch.Fields() {
		if !reg.Writable(f) {
			locked = append(locked, FieldError{Field: f, Message: "is managed in " + s.desc.DisplayName})
		}
	}
	if len(locked) > 0 {
		return Customer{}, &Error{Code: CodeConflict, Message: "customers are managed in " + s.desc.DisplayName, Fields: locked}
	}
	current, err := call(ctx, e, s, func(conn Connection) (Customer, error) {
		return s.provider.GetCustomer(ctx, conn, id)
	})
	if err != nil {
		return Customer{}, err
	}
	// Only the patched fields' texts are checked: a customer stored before
	// the limits (or owned by a provider with other limits) can still be
	// changed.
	patched, err := validCustomer(s.merchant.Country, patch.Apply(current), patch.Fields())
	if err != nil {
		return Customer{}, err
	}
	if patch.OrganizationNumber != nil {
		patch.OrganizationNumber = &patched.OrganizationNumber
	}
	if patch.VATNumber != nil {
		patch.VATNumber = &patched.VATNumber
	}
	if patch.PeppolID != nil {
		patch.PeppolID = &patched.PeppolID
	}
	if patch.BuyerReference != nil {
		patch.BuyerReference = &patched.BuyerReference
	}
	if patch.InvoiceDelivery != nil {
		patch.InvoiceDelivery = &patched.InvoiceDelivery
	}
	updated, err := call(ctx, e, s, func(conn Connection) (Customer, error) {
		return s.provider.UpdateCustomer(ctx, conn, id, patch)
	})
	updated.InvoiceDelivery = updated.Delivery()
	return updated, err
}

// ListInvoices lists the merchant's invoices. Errors: CodeForbidden,
// CodeInvalid naming sort, order, status, from, to, limit or cursor.
func (e *Engine) ListInvoices(ctx context.Context, p Principal, q InvoiceQuery) (InvoicePage, error) {
	s, err := e.invoicing(ctx, p, ActionReadInvoices)
	if err != nil {
		return InvoicePage{}, err
	}
	var errs fieldErrors
	if q.Sort == "" {
		q.Sort = SortNumber
	} else if !contains(InvoiceSortColumns, q.Sort) {
		errs.add("sort", "must be one of %s", strings.Join(InvoiceSortColumns, ", "))
	}
	if q.Status != "" && !q.Status.Valid() {
		errs.add("status", "must be one of draft, posted, paid, overdue, credited, void")
	}
	if q.From != "" && q.To != "" && q.To < q.From {
		errs.add("to", "must not be before from")
	}
	if q.Limit, err = NormalizeLimit(q.Limit); err != nil {
		errs = append(errs, AsError(err).Fields...)
	}
	if err := Invalid("invalid invoice query", errs...); err != nil {
		return InvoicePage{}, err
	}
	q.Today = s.today(e.now())
	page, err := call(ctx, e, s, func(conn Connection) (InvoicePage, error) {
		return s.provider.ListInvoices(ctx, conn, q)
	})
	if err != nil {
		return InvoicePage{}, err
	}
	for i := range page.Invoices {
		page.Invoices[i] = page.Invoices[i].WithDerivedStatus(q.Today)
	}
	return page, nil
}

// GetInvoice returns one invoice with its lines and e-mail delivery status.
// Errors: CodeForbidden, CodeNotFound.
func (e *Engine) GetInvoice(ctx context.Context, p Principal, id string) (Invoice, error) {
	s, err := e.invoicing(ctx, p, ActionReadInvoices)
	if err != nil {
		return Invoice{}, err
	}
	inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) { return s.provider.GetInvoice(ctx, conn, id) })
	if err != nil {
		return Invoice{}, err
	}
	if e.mailer != nil {
		st, err := e.mailer.InvoiceEmailStatus(ctx, s.merchant.ID, inv.ID)
		if err != nil {
			return Invoice{}, err
		}
		inv.EmailStatus, inv.EmailError = st.Status, st.LastError
	}
	if e.einvoices != nil {
		st, err := e.einvoices.InvoiceEInvoiceStatus(ctx, s.merchant.ID, inv.ID)
		if err != nil {
			return Invoice{}, err
		}
		inv.EInvoiceStatus, inv.EInvoiceError = st.Status, st.LastError
	}
	return inv.WithDerivedStatus(s.today(e.now())), nil
}

const chargeScope = "charges"

// Charge invoices a customer for a register sale through the merchant's
// invoicing provider, exactly once per idempotency key: the same key with the
// same request returns the first result (replayed=true) and creates nothing;
// with a different request it is CodeConflict. A charge interrupted by a
// crash or a lost response is completed by the next request with its key,
// because the provider finds the invoice by the external reference the key
// was given on first use.
//
// Errors: CodeForbidden; CodeInvalid naming each bad field (including the
// Idempotency-Key header); CodeConflict; CodeNotFound for the customer; the
// provider's errors (CodeUnavailable when its process is down: safe to retry
// with the same key).
func (e *Engine) Charge(ctx context.Context, p Principal, idempotencyKey string, req ChargeRequest) (res ChargeResult, replayed bool, err error) {
	var s session
	defer func() { e.metrics.Charged(s.providerName, Outcome(replayed, err)) }()
	if err := p.Authorize(ActionCharge); err != nil {
		return ChargeResult{}, false, err
	}
	if err := validateIdempotencyKey(idempotencyKey); err != nil {
		return ChargeResult{}, false, err
	}
	s, err = e.invoicing(ctx, p, ActionCharge)
	if err != nil {
		return ChargeResult{}, false, err
	}
	if err := req.Validate(s.merchant.Country); err != nil {
		return ChargeResult{}, false, err
	}
	// One receipt, one charge: the receipt is claimed at its location in
	// the same write as the key, so another key is refused even when both
	// arrive at once, and a refused charge frees the receipt with its key.
	claim, err := json.Marshal([]string{req.LocationID, req.ReceiptID})
	if err != nil {
		return ChargeResult{}, false, Errorf(CodeInternal, "encode receipt claim: %v", err)
	}
	replayed, err = e.idem.DoClaimed(ctx, s.merchant.ID, chargeScope, "ch", idempotencyKey, string(claim), req, &res,
		func(ref string) (any, error) {
			if err := e.checkInvoiceMethodAt(ctx, s.merchant.ID, req.LocationID); err != nil {
				return nil, err
			}
			return e.chargeOnce(ctx, s, ref, req)
		})
	if err != nil && errors.Is(err, ErrClaimed) {
		return ChargeResult{}, false, &Error{Code: CodeConflict,
			Message: "receipt " + req.ReceiptID + " was already charged at location " + req.LocationID + " under another Idempotency-Key",
			Fields:  []FieldError{{Field: "receipt_id", Message: "already charged at this location"}}}
	}
	return res, replayed, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
