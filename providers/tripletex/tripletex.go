// Package tripletex is the Tripletex provider (https://tripletex.no, REST
// API v2): Norwegian invoicing and bookkeeping, served as its own plugin
// process (`ledgerbridge plugin tripletex`).
//
// # Connecting
//
// The auth scheme is api_token with one field, employee_token, which the
// merchant creates in Tripletex (employee → API access → new token for the
// application). The consumer token identifies ledgerbridge as the
// application and is the operator's (Options.ConsumerToken, from
// LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN). Per connection the plugin
// exchanges both for a session token (PUT /token/session/:create), caches
// it until an hour before it expires (sessions expire at Oslo midnight of
// their expiration date), creates at most one at a time per connection and,
// when Tripletex answers 401, renews it once and retries the request once.
//
// # What lives where
//
// Tripletex owns the customer register; the plugin keeps a synchronised
// copy per merchant in its own SQLite database (<DataDir>/tripletex.db) so
// the register's customer search answers from local data even when
// Tripletex is slow, and writes back only the billing address. Invoices are
// Tripletex orders invoiced at once (or, for collective invoicing, orders
// collected and invoiced together later); credit notes, payments and PDFs
// are Tripletex's. The database also records which external reference made
// which order, invoice and credit note, so every write is idempotent.
// Sales export posts one manual voucher per location and day, found again
// by its externalVoucherNumber. Reference data (accounts, VAT types,
// payment types) is cached per company for ten minutes.
//
// # Errors
//
// Tripletex's error envelope becomes a *core.Error: 422 is CodeInvalid with
// Tripletex's field names and messages, 404 CodeNotFound, 409
// CodeConflict, 5xx and transport failures CodeUnavailable, 429 is waited
// out inside the plugin (X-Rate-Limit-Reset, else Retry-After, else
// exponential backoff) a bounded number of times and then CodeRateLimited
// with RetryAfter. Reads and idempotent writes are retried after 5xx and
// timeouts; other writes are not retried blindly but looked up first.
package tripletex

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Name is the provider's registry name.
const Name = "tripletex"

// Version is the provider's version as reported by Describe.
const Version = "0.1.0"

// DisplayName is the provider's name as shown to people.
const DisplayName = "Tripletex"

// FieldEmployeeToken is the credential the merchant enters.
const FieldEmployeeToken = "employee_token"

// Base URLs of the Tripletex environments.
const (
	ProductionBaseURL = "https://tripletex.no/v2"
	TestBaseURL       = "https://api-test.tripletex.tech/v2"
)

// Environment variables read by OptionsFromEnv.
const (
	EnvBaseURL       = "LEDGERBRIDGE_TRIPLETEX_BASE_URL"
	EnvConsumerToken = "LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN"
)

// FileName is the plugin's database inside its data directory.
const FileName = "tripletex.db"

// SettingCollectiveInvoicingEnabled is the integration setting (the
// wizard's "Enable collective invoice" box) that turns on collective
// invoicing for customers marked for it in Tripletex.
const SettingCollectiveInvoicingEnabled = "collective_invoicing_enabled"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options configure a Provider.
type Options struct {
	// BaseURL is the API root, e.g. ProductionBaseURL, TestBaseURL or a
	// mock's ".../v2" (default ProductionBaseURL).
	BaseURL string
	// ConsumerToken is the operator's application token issued by Tripletex.
	ConsumerToken string
	// DataDir holds tripletex.db; required.
	DataDir string
	// HTTPClient sends the requests (default: a client with a 60 s timeout).
	HTTPClient *http.Client
	// Clock tells the time (default time.Now).
	Clock core.Clock
}

// OptionsFromEnv returns the options for dataDir with the base URL from
// LEDGERBRIDGE_TRIPLETEX_BASE_URL (default ProductionBaseURL) and the
// consumer token from LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN.
func OptionsFromEnv(dataDir string) Options {
	base := strings.TrimSpace(os.Getenv(EnvBaseURL))
	if base == "" {
		base = ProductionBaseURL
	}
	return Options{BaseURL: base, ConsumerToken: strings.TrimSpace(os.Getenv(EnvConsumerToken)), DataDir: dataDir}
}

// Provider is the Tripletex provider. It is safe for concurrent use by many
// merchants at once.
type Provider struct {
	base          string
	consumerToken string
	http          *http.Client
	now           core.Clock
	db            *sqlite.DB

	sessions sessions
	refData  refCache
	locks    keyedMutex

	syncFlight singleflight.Group
	refreshing sync.Map // connKey → struct{}: a background customer refresh runs
	bgCtx      context.Context
	bgCancel   context.CancelFunc
	bg         sync.WaitGroup

	// Tunables; tests shorten them.
	sleep                func(ctx context.Context, d time.Duration) error
	pageSize             int
	maxRateLimitWaits    int           // 429s waited out before CodeRateLimited
	maxRateLimitWait     time.Duration // longest single wait inside the plugin
	maxTransientRetries  int           // retries of idempotent calls after 5xx/transport errors
	customerSyncInterval time.Duration // age after which the customer copy is refreshed
	refTTL               time.Duration // reference data cache lifetime
}

var _ core.Provider = (*Provider)(nil)

// New opens (creating and migrating if needed) <DataDir>/tripletex.db and
// returns the provider. It does not contact Tripletex. The error is a plain
// error: it happens at start-up.
func New(ctx context.Context, opts Options) (*Provider, error) {
	if strings.TrimSpace(opts.DataDir) == "" {
		return nil, errors.New("tripletex provider: a data directory is required")
	}
	base := strings.TrimRight(strings.TrimSpace(opts.BaseURL), "/")
	if base == "" {
		base = ProductionBaseURL
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("tripletex provider: base URL %q must start with http:// or https://", base)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("tripletex provider: migrations: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(opts.DataDir, FileName), migrations)
	if err != nil {
		return nil, fmt.Errorf("tripletex provider: %w", err)
	}
	bgCtx, cancel := context.WithCancel(context.Background())
	return &Provider{
		base: base, consumerToken: strings.TrimSpace(opts.ConsumerToken), http: hc, now: clock, db: db,
		bgCtx: bgCtx, bgCancel: cancel,
		sleep:                sleepCtx,
		pageSize:             1000,
		maxRateLimitWaits:    4,
		maxRateLimitWait:     time.Minute,
		maxTransientRetries:  2,
		customerSyncInterval: 5 * time.Minute,
		refTTL:               10 * time.Minute,
	}, nil
}

// Close stops background customer synchronisation and closes the database.
func (p *Provider) Close() error {
	p.bgCancel()
	p.bg.Wait()
	return p.db.Close()
}

// Describe returns the provider's descriptor. It never fails.
func (p *Provider) Describe(ctx context.Context) (core.Descriptor, error) {
	return core.Descriptor{
		Name:        Name,
		DisplayName: DisplayName,
		Version:     Version,
		Auth: core.AuthScheme{Type: core.AuthAPIToken, Fields: []core.AuthField{
			{Name: FieldEmployeeToken, Label: "Tripletex employee token", Secret: true},
		}},
		Capabilities: core.Capabilities{
			OwnsCustomers:            true,
			AdjustableCustomerFields: []string{core.FieldBillingAddress},
			Invoices:                 true,
			Drafts:                   false,
			CreditInvoices:           true,
			CollectiveInvoices:       true,
			PDF:                      true,
			SalesExport:              true,
			LedgerAccounts:           true,
		},
	}, nil
}

// VerifyConnection checks the employee token by creating a session and
// asking Tripletex who it belongs to, and checks that the company can
// invoice: ledger account 1920 must carry the company's bank account
// number. Errors: CodeInvalid naming employee_token with Tripletex's own
// message for a wrong token, CodeInvalid naming bank_account_number when
// the number is missing, CodeProviderError (consumer token refused or not
// configured), CodeUnavailable, CodeRateLimited.
func (p *Provider) VerifyConnection(ctx context.Context, conn core.Connection) error {
	if err := checkConn(conn); err != nil {
		return err
	}
	// A fresh session proves the token works now, not when it was cached.
	p.sessions.forget(conn)
	var who struct {
		CompanyID int64 `json:"companyId"`
	}
	if err := p.getValue(ctx, conn, "/token/session/>whoAmI", nil, &who); err != nil {
		return err
	}
	p.refData.forget(conn)
	co, err := p.company(ctx, conn)
	if err != nil {
		return err
	}
	bank := co.byNumber[1920]
	if bank == nil || strings.TrimSpace(bank.BankAccountNumber) == "" {
		return core.Invalid("Tripletex cannot create invoices yet",
			core.FieldError{Field: "bank_account_number", Message: "the company has no bank account number in Tripletex, " +
				"so invoices can't be created until it is set: enter the bank account number on ledger account 1920 " +
				"(Bankinnskudd) in Tripletex, then verify again"})
	}
	return nil
}

// CreateCustomer always returns CodeUnsupported, as the Provider contract
// says for a provider that owns the customer register: customers are
// created in Tripletex.
func (p *Provider) CreateCustomer(ctx context.Context, conn core.Connection, c core.Customer) (core.Customer, error) {
	return core.Customer{}, core.Errorf(core.CodeUnsupported, "customers are managed in Tripletex; create the customer there")
}

// UpdateDraft always returns CodeUnsupported: Tripletex invoices are made
// from orders and are posted when created.
func (p *Provider) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	return core.Invoice{}, core.Errorf(core.CodeUnsupported, "Tripletex has no invoice drafts: invoices are posted when created")
}

// PostInvoice always returns CodeUnsupported: there are no drafts to post.
func (p *Provider) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	return core.Invoice{}, core.Errorf(core.CodeUnsupported, "Tripletex has no invoice drafts: invoices are posted when created")
}

// checkConn requires the merchant and the employee token.
func checkConn(conn core.Connection) error {
	var errs []core.FieldError
	if strings.TrimSpace(conn.MerchantID) == "" {
		errs = append(errs, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if strings.TrimSpace(conn.Credentials[FieldEmployeeToken]) == "" {
		errs = append(errs, core.FieldError{Field: FieldEmployeeToken, Message: "Tripletex employee token is required"})
	}
	return core.Invalid("incomplete Tripletex connection", errs...)
}

// oslo is Tripletex's time zone: sessions expire at its midnight and the
// merchants are Norwegian.
var oslo = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Oslo"); err == nil {
		return l
	}
	return time.UTC
}()

// today is the current date in Oslo.
func (p *Provider) today() core.Date { return core.DateOf(p.now().In(oslo)) }

func dbError(op string, err error) error { return sqlite.Error("tripletex provider", op, err) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// keyedMutex serialises work per key (a merchant's external reference, a
// customer's collective invoice) inside this process.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns its unlock function.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
