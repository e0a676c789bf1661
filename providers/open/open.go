// Package open is the built-in "OPEN Invoice & Customers" provider: invoice
// customers and invoices kept in ledgerbridge's own SQLite database
// (<dataDir>/open.db), numbered from one continuous series per merchant.
//
// It has no ledger: the chart of accounts, VAT codes, payment types and the
// sales export belong to a bookkeeping integration and return
// CodeUnsupported here.
//
// Invoices are drafts (editable, unnumbered) or posted (numbered at posting,
// with an OCR/KID payment reference, immutable), then paid or credited.
// Customers with collective invoicing collect orders that one collective
// invoice lists later. PDFs are rendered by package invoicepdf from the
// merchant's invoice settings, which arrive with every call in
// conn.Settings[core.SettingInvoiceSettings].
package open

import (
	"context"
	"embed"
	"fmt"
	"github.com/jmoiron/sqlx"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Name is the provider's registry name.
const Name = "open"

// Version is the provider's version as reported by Describe.
const Version = "0.2.0"

// DisplayName is the provider's name as shown to people.
const DisplayName = "OPEN Invoice & Customers"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Provider is the open provider over its SQLite database. It is safe for
// concurrent use; writes are serialised by the database's single writer.
type Provider struct {
	db         *sqlite.DB
	now        core.Clock
	stmts      *invoiceStmts // prepared on the writer; bind with stmts.in
	orderStmts *orderStmts   // likewise
	nameStmts  *nameIndexStmts
	// getCustomer is the register's per-charge customer lookup, on the
	// reader pool.
	getCustomer *sqlx.Stmt
	searchKeys  sync.Map // merchant id → its key in the trigram index (search.go)
}

var _ core.Provider = (*Provider)(nil)

// Open opens (creating and migrating if needed) <dataDir>/open.db. A nil
// clock means time.Now. The error is a plain error: it happens at start-up,
// before any merchant call.
func Open(ctx context.Context, dataDir string, clock core.Clock) (*Provider, error) {
	if clock == nil {
		clock = time.Now
	}
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("open provider: migrations: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "open.db"), migrations)
	if err != nil {
		return nil, fmt.Errorf("open provider: %w", err)
	}
	stmts, err := prepareInvoiceStmts(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open provider: %w", err)
	}
	ostmts, err := prepareOrderStmts(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open provider: %w", err)
	}
	nstmts, err := prepareNameIndexStmts(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open provider: %w", err)
	}
	getCustomer, err := db.PrepareRead(ctx, getCustomerSQL)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open provider: %w", err)
	}
	return &Provider{db: db, now: clock, stmts: stmts, orderStmts: ostmts, nameStmts: nstmts, getCustomer: getCustomer}, nil
}

// Close closes the database.
func (p *Provider) Close() error { return p.db.Close() }

// Describe returns the provider's descriptor. It never fails.
func (p *Provider) Describe(ctx context.Context) (core.Descriptor, error) {
	return core.Descriptor{
		Name:        Name,
		DisplayName: DisplayName,
		Version:     Version,
		Auth:        core.AuthScheme{Type: core.AuthNone},
		Capabilities: core.Capabilities{
			// ledgerbridge itself is the customer register.
			OwnsCustomers:      false,
			Invoices:           true,
			Drafts:             true,
			RoutesCharges:      true,
			CreditInvoices:     true,
			CollectiveInvoices: true,
			PDF:                true,
			UBL:                true,
		},
	}, nil
}

// VerifyConnection accepts any connection with a merchant id and a valid
// invoice start number setting. Errors: CodeInvalid naming merchant_id or
// invoice_start_number.
func (p *Provider) VerifyConnection(ctx context.Context, conn core.Connection) error {
	if err := checkConn(conn); err != nil {
		return err
	}
	_, err := startNumber(conn)
	return err
}

const noLedger = "the open provider has no ledger; connect a bookkeeping integration"

// CreateLedgerAccount always returns CodeUnsupported: the open provider has
// no ledger.
func (p *Provider) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	return core.LedgerAccount{}, core.Errorf(core.CodeUnsupported, noLedger)
}

// ListLedgerAccounts always returns CodeUnsupported: the open provider has no
// ledger.
func (p *Provider) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	return nil, core.Errorf(core.CodeUnsupported, noLedger)
}

// ListVATCodes always returns CodeUnsupported: the open provider has no
// ledger.
func (p *Provider) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	return nil, core.Errorf(core.CodeUnsupported, noLedger)
}

// ListPaymentTypes always returns CodeUnsupported: the open provider has no
// ledger.
func (p *Provider) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	return nil, core.Errorf(core.CodeUnsupported, noLedger)
}

// ExportSales always returns CodeUnsupported: the open provider has no
// ledger.
func (p *Provider) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	return core.ExportResult{}, core.Errorf(core.CodeUnsupported, noLedger)
}

// checkConn requires the merchant every call is scoped to.
func checkConn(conn core.Connection) error {
	if strings.TrimSpace(conn.MerchantID) == "" {
		return core.Invalid("missing merchant", core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	return nil
}

// startNumber is the first number of the merchant's invoice series from the
// connection settings (default 1). Errors: CodeInvalid naming the setting.
func startNumber(conn core.Connection) (int64, error) {
	s := strings.TrimSpace(conn.Settings[core.SettingInvoiceStartNumber])
	if s == "" {
		return 1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, core.Invalid("invalid invoice settings", core.FieldError{
			Field: core.SettingInvoiceStartNumber, Message: "must be a whole number of at least 1"})
	}
	return n, nil
}

// dbError turns a database failure into a *core.Error: *core.Error values
// pass through, a busy database or a cancelled call is CodeUnavailable
// (safe to retry), anything else CodeInternal.
func dbError(op string, err error) error { return sqlite.Error("open provider", op, err) }

func formatTime(t time.Time) string { return sqlite.FormatTime(t) }

// parseTime reads a stored timestamp; the schema only stores FormatTime
// output, so a malformed one reads as the zero time.
func parseTime(s string) time.Time {
	t, _ := sqlite.ParseTime(s)
	return t
}

// nowUTC is the clock's time in UTC without a monotonic reading, so a value
// returned from a write equals the same value read back.
func (p *Provider) nowUTC() time.Time { return p.now().UTC() }

// today is the merchant's current calendar date in its country's time zone.
func (p *Provider) today(conn core.Connection) core.Date {
	return core.DateOf(p.now().In(conn.Country.Location()))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
