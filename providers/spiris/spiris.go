// Package spiris is the Visma Spiris provider (Visma eAccounting / eEkonomi,
// "Bokföring & Fakturering" by Spiris): invoicing, customers and the sales
// export against the Spiris REST API v2 over OAuth2. It runs as its own
// plugin process (`ledgerbridge plugin spiris`); the gateway does the OAuth2
// flow and token refresh and hands the plugin a current access token with
// every call in conn.Credentials["access_token"].
//
// What lives where:
//
//   - Customers are owned by Spiris. The plugin keeps a synchronised copy per
//     merchant in its own SQLite file (<DataDir>/spiris.db) for fast register
//     search; only the billing address is written back (customers.go).
//   - Invoices are created directly as booked customer invoices. Spiris takes
//     a row's VAT from its article's coding, so the plugin keeps one article
//     per VAT rate (articles.go). Idempotency: the plugin records
//     ExternalRef → Spiris invoice id, and writes ExternalRef into the
//     invoice's OurReference ("Vår referens"), which it searches with
//     $filter before creating and after a create whose response was lost
//     (invoices.go).
//   - The sales export books one manual voucher per ExternalRef; the
//     reference is written at the end of VoucherText as "[ref]" and searched
//     with $filter the same way (ledger.go).
//
// Not offered: drafts (the register posts at once; drafts made in
// BackOffice belong in Spiris's own UI), collective invoices (the API has no
// call that turns several orders into one invoice; IsCollectiveInvoice is
// read-only) and MarkInvoicePaid (a payment in Spiris books money on a bank
// account, it is not a visual status; payments are registered in Spiris).
package spiris

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Name is the provider's registry name.
const Name = "spiris"

// DisplayName is the provider's name as shown to people.
const DisplayName = "Visma Spiris"

// Version is the provider's version as reported by Describe.
const Version = "0.1.0"

// Production endpoints (research spiris.md §1).
const (
	DefaultAPIBaseURL   = "https://eaccountingapi.vismaonline.com/v2"
	DefaultAuthorizeURL = "https://identity.vismaonline.com/connect/authorize"
	DefaultTokenURL     = "https://identity.vismaonline.com/connect/token"
)

// Environment variables OptionsFromEnv reads.
const (
	EnvAPIURL       = "LEDGERBRIDGE_SPIRIS_API_URL"
	EnvAuthorizeURL = "LEDGERBRIDGE_SPIRIS_AUTHORIZE_URL"
	EnvTokenURL     = "LEDGERBRIDGE_SPIRIS_TOKEN_URL"
)

// DefaultScopes are the OAuth2 scopes the plugin's calls need: ea:api for
// the API, offline_access for a refresh token, ea:sales for customers,
// articles, invoices, terms of payment and company settings, ea:accounting
// for accounts, VAT codes, fiscal years and vouchers (research §2.1).
var DefaultScopes = []string{"ea:api", "offline_access", "ea:sales", "ea:accounting"}

// CredentialAccessToken is the connection credential holding the current
// OAuth2 access token.
const CredentialAccessToken = "access_token"

// Defaults for the customer copy.
const (
	DefaultCustomerSyncInterval = 5 * time.Minute
	DefaultSyncWait             = 2 * time.Second
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options configure a Provider. Empty URLs and scopes take the production
// defaults; tests point the URLs at spiristest.
type Options struct {
	APIBaseURL   string
	AuthorizeURL string
	TokenURL     string
	Scopes       []string
	// DataDir holds spiris.db. Required.
	DataDir string
	// HTTPClient sends the API requests (default: 30 s timeout).
	HTTPClient *http.Client
	// Clock tells the time (default time.Now).
	Clock core.Clock
	// CustomerSyncInterval is how old a merchant's customer copy may be
	// before a call that reads it refreshes it from Spiris (default 5 min).
	CustomerSyncInterval time.Duration
	// SyncWait is how long a search waits for a refresh of a stale copy
	// before answering from the copy; the refresh goes on in the background
	// (default 2 s).
	SyncWait time.Duration
}

// OptionsFromEnv returns production Options with the endpoints overridden by
// LEDGERBRIDGE_SPIRIS_API_URL, LEDGERBRIDGE_SPIRIS_AUTHORIZE_URL and
// LEDGERBRIDGE_SPIRIS_TOKEN_URL when they are set.
func OptionsFromEnv(dataDir string) Options {
	env := func(name, def string) string {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return v
		}
		return def
	}
	return Options{
		APIBaseURL:   env(EnvAPIURL, DefaultAPIBaseURL),
		AuthorizeURL: env(EnvAuthorizeURL, DefaultAuthorizeURL),
		TokenURL:     env(EnvTokenURL, DefaultTokenURL),
		Scopes:       append([]string(nil), DefaultScopes...),
		DataDir:      dataDir,
	}
}

// Provider is the Spiris provider. It is safe for concurrent use and serves
// every merchant; each merchant's connection is one Spiris company.
type Provider struct {
	opts     Options
	db       *sqlite.DB
	http     *http.Client
	base     string
	now      core.Clock
	pageSize int           // $pagesize of list calls (1000; tests lower it)
	backoff  time.Duration // first pause before retrying an idempotent call

	syncs    inflight
	bg       context.Context // background customer syncs; cancelled by Close
	stopBg   context.CancelFunc
	bgGroup  sync.WaitGroup
	articleM sync.Mutex // serialises find-or-create of articles
}

var _ core.Provider = (*Provider)(nil)

// New opens (creating and migrating if needed) <DataDir>/spiris.db and
// returns the provider. The error is a plain error: it happens at start-up,
// before any merchant call.
func New(ctx context.Context, opts Options) (*Provider, error) {
	if strings.TrimSpace(opts.DataDir) == "" {
		return nil, fmt.Errorf("spiris provider: a data directory is required")
	}
	if opts.APIBaseURL == "" {
		opts.APIBaseURL = DefaultAPIBaseURL
	}
	if opts.AuthorizeURL == "" {
		opts.AuthorizeURL = DefaultAuthorizeURL
	}
	if opts.TokenURL == "" {
		opts.TokenURL = DefaultTokenURL
	}
	if len(opts.Scopes) == 0 {
		opts.Scopes = append([]string(nil), DefaultScopes...)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.CustomerSyncInterval <= 0 {
		opts.CustomerSyncInterval = DefaultCustomerSyncInterval
	}
	if opts.SyncWait <= 0 {
		opts.SyncWait = DefaultSyncWait
	}
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("spiris provider: migrations: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(opts.DataDir, "spiris.db"), migrations)
	if err != nil {
		return nil, fmt.Errorf("spiris provider: %w", err)
	}
	bg, stop := context.WithCancel(context.Background())
	return &Provider{
		opts:     opts,
		db:       db,
		http:     opts.HTTPClient,
		base:     strings.TrimRight(opts.APIBaseURL, "/"),
		now:      opts.Clock,
		pageSize: 1000,
		backoff:  200 * time.Millisecond,
		syncs:    inflight{calls: map[string]*flight{}},
		bg:       bg,
		stopBg:   stop,
	}, nil
}

// Close stops background customer syncs, waits for them and closes the
// database.
func (p *Provider) Close() error {
	p.stopBg()
	p.bgGroup.Wait()
	return p.db.Close()
}

// Describe returns the provider's descriptor. It never fails.
func (p *Provider) Describe(ctx context.Context) (core.Descriptor, error) {
	return core.Descriptor{
		Name:        Name,
		DisplayName: DisplayName,
		Version:     Version,
		Auth: core.AuthScheme{
			Type: core.AuthOAuth2,
			OAuth2: &core.OAuth2Endpoints{
				AuthorizeURL: p.opts.AuthorizeURL,
				TokenURL:     p.opts.TokenURL,
				Scopes:       append([]string(nil), p.opts.Scopes...),
			},
		},
		Capabilities: core.Capabilities{
			OwnsCustomers:            true,
			AdjustableCustomerFields: []string{core.FieldBillingAddress},
			Invoices:                 true,
			// Drafts: the register posts at once; see the package comment.
			Drafts:         false,
			CreditInvoices: true,
			// Collective invoices: the API cannot merge orders into one
			// invoice; see the package comment.
			CollectiveInvoices: false,
			PDF:                true,
			SalesExport:        true,
			LedgerAccounts:     true,
		},
	}, nil
}

// VerifyConnection reads the company settings with the connection's access
// token. Errors: CodeInvalid naming merchant_id; CodeUnauthorized when the
// token is missing or refused (the connection must be re-authorised);
// CodeProviderError when Spiris refuses the company (inactive, startup guide
// not completed, no access); CodeUnavailable, CodeRateLimited.
func (p *Provider) VerifyConnection(ctx context.Context, conn core.Connection) error {
	if err := checkConn(conn); err != nil {
		return err
	}
	var cs apiCompanySettings
	if err := p.get(ctx, conn, "/companysettings", nil, &cs); err != nil {
		return err
	}
	if cs.CompanyStatus != nil && *cs.CompanyStatus != 1 {
		return core.Errorf(core.CodeProviderError, "the company %q is not active in Visma Spiris", cs.Name)
	}
	return nil
}

const (
	msgNoDrafts     = "Visma Spiris invoices are posted at once; drafts are made in Visma Spiris"
	msgNoCollective = "Visma Spiris cannot collect orders into one invoice through its API"
)

// UpdateDraft always returns CodeUnsupported: the provider has no drafts.
func (p *Provider) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	return core.Invoice{}, core.Errorf(core.CodeUnsupported, msgNoDrafts)
}

// PostInvoice always returns CodeUnsupported: the provider has no drafts.
func (p *Provider) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	return core.Invoice{}, core.Errorf(core.CodeUnsupported, msgNoDrafts)
}

// CreateOrder always returns CodeUnsupported: no collective invoicing.
func (p *Provider) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	return core.Order{}, core.Errorf(core.CodeUnsupported, msgNoCollective)
}

// ListOrders always returns CodeUnsupported: no collective invoicing.
func (p *Provider) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	return core.OrderPage{}, core.Errorf(core.CodeUnsupported, msgNoCollective)
}

// RefundOrder always returns CodeUnsupported: no collective invoicing, so
// no orders.
func (p *Provider) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	return core.Order{}, core.Errorf(core.CodeUnsupported, msgNoCollective)
}

// InvoiceOrders always returns CodeUnsupported: no collective invoicing.
func (p *Provider) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	return core.Invoice{}, core.Errorf(core.CodeUnsupported, msgNoCollective)
}

// checkConn requires the merchant every call is scoped to.
func checkConn(conn core.Connection) error {
	if strings.TrimSpace(conn.MerchantID) == "" {
		return core.Invalid("missing merchant", core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	return nil
}

// today is the merchant's current date in its country's time zone.
func (p *Provider) today(conn core.Connection) core.Date {
	return core.DateOf(p.now().In(conn.Country.Location()))
}

func dbError(op string, err error) error { return sqlite.Error("spiris provider", op, err) }

// inflight runs at most one function per key at a time; later callers for
// the key share the running call's result (a minimal singleflight).
type inflight struct {
	mu    sync.Mutex
	calls map[string]*flight
}

type flight struct {
	done chan struct{}
	err  error
}

// start returns the flight for key, starting fn in a goroutine tracked by
// wg when none is running.
func (f *inflight) start(key string, wg *sync.WaitGroup, fn func() error) *flight {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[key]; ok {
		return c
	}
	c := &flight{done: make(chan struct{})}
	f.calls[key] = c
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.err = fn()
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
	}()
	return c
}
