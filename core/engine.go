package core

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"time"
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

	descriptors *Descriptors
	metrics     Metrics
}

// EngineOptions are the engine's collaborators besides its store and
// providers; every field is optional.
type EngineOptions struct {
	// Clock tells the time; nil means time.Now.
	Clock Clock
	// Mailer is the e-mail outbox; without one, e-mailing an invoice is
	// CodeUnsupported.
	Mailer Mailer
	// EInvoices sends invoices of customers who receive e-invoices
	// (Customer.Delivery); without it, sending one is CodeUnsupported.
	EInvoices EInvoiceQueue
	// Events receives invoice events (posted, paid, overdue) for the
	// merchants' webhook endpoints.
	Events EventPublisher
	// Connections makes the engine invoice through each merchant's active
	// invoicing integration (with its credentials) instead of the
	// merchant's built-in provider.
	Connections ConnectionSource
	// Journal is the chart used for invoices' journal entries (e.g. BAS for
	// Sweden); nil gives entries without accounts.
	Journal func(Country) JournalAccounts
	// Logger receives what the engine does on its own (scheduled
	// collective invoices, queued e-mails); nil discards it.
	Logger *slog.Logger
	// Metrics counts charges and refunds; nil counts nothing.
	Metrics Metrics
}

// NewEngine returns an engine over store and providers with opts.
func NewEngine(store Store, providers ProviderRegistry, opts EngineOptions) *Engine {
	e := &Engine{store: store, providers: providers, now: opts.Clock, mailer: opts.Mailer, einvoices: opts.EInvoices,
		events: opts.Events, conns: opts.Connections, journal: opts.Journal, log: opts.Logger, metrics: opts.Metrics,
		descriptors: NewDescriptors(providers)}
	if e.now == nil {
		e.now = time.Now
	}
	if e.journal == nil {
		e.journal = func(Country) JournalAccounts { return JournalAccounts{} }
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.metrics == nil {
		e.metrics = noMetrics{}
	}
	e.idem = NewIdempotency(store, e.now)
	return e
}

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

func (e *Engine) describe(ctx context.Context, name string) (Descriptor, error) {
	return e.descriptors.Get(ctx, name)
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
	var reconnect func(error) (Connection, error)
	if s.integrationID != "" && e.conns != nil {
		reconnect = func(error) (Connection, error) {
			if err := e.reconnect(ctx, s); err != nil {
				return Connection{}, err
			}
			return s.connection(), nil
		}
	}
	out, err := RetryReconnected(s.connection(), f, reconnect)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
