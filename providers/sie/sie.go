// Package sie is the built-in "SIE file" bookkeeping provider, for merchants
// whose accounting program ledgerbridge does not integrate: it books each
// day voucher, once per merchant and reference, into its own SQLite
// database (<dataDir>/sie.db) and numbers it in the merchant's series. The
// SIE 4 file that any Swedish accounting program imports
// (GET /v1/exports/sie) is not read from here: package exports writes it
// from the gateway's record of booked export jobs (package store), as it
// does for every bookkeeping provider.
//
// Its chart of accounts is the country's standard chart as far as the
// mapping package's suggestions use it (BAS for Sweden, NS 4102 for Norway)
// and its VAT codes are the country's rates, so the setup wizard can map
// and validate against them. It is a bookkeeping provider only: customers,
// invoices, orders and payment types are CodeUnsupported (it embeds
// core.UnsupportedInvoicing).
package sie

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Name is the provider's registry name.
const Name = "sie"

// Version is the provider's version as reported by Describe.
const Version = "0.1.0"

// DisplayName is the provider's name as shown to people.
const DisplayName = "SIE file (any Swedish accounting program)"

// FileName is the database file Open uses inside its data directory.
const FileName = "sie.db"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Provider books day vouchers into sie.db. It is safe for concurrent use.
type Provider struct {
	// The SIE file only books sales: every invoicing call is
	// CodeUnsupported.
	core.UnsupportedInvoicing

	db                 *sqlite.DB
	find, next, insert *sqlx.Stmt // on the writer
	listByDate         *sqlx.Stmt // on the readers
}

var _ core.Provider = (*Provider)(nil)

// Open opens (creating and migrating if needed) <dataDir>/sie.db. The
// error is a plain error: it happens at start-up.
func Open(ctx context.Context, dataDir string) (*Provider, error) {
	if strings.TrimSpace(dataDir) == "" {
		return nil, errors.New("sie provider: a data directory is required")
	}
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sie provider: migrations: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, FileName), migrations)
	if err != nil {
		return nil, fmt.Errorf("sie provider: %w", err)
	}
	p := &Provider{db: db}
	for _, s := range []struct {
		dst   **sqlx.Stmt
		write bool
		sql   string
	}{
		{&p.find, true, `SELECT number FROM vouchers WHERE merchant_id = ? AND external_ref = ?`},
		{&p.next, true, `SELECT COALESCE(MAX(number), 0) + 1 FROM vouchers WHERE merchant_id = ?`},
		{&p.insert, true, `INSERT INTO vouchers (merchant_id, external_ref, number, date, voucher, created_at) VALUES (?, ?, ?, ?, ?, ?)`},
		{&p.listByDate, false, `SELECT voucher FROM vouchers WHERE merchant_id = ? AND date >= ? AND date <= ? ORDER BY date, number`},
	} {
		prepare := db.PrepareRead
		if s.write {
			prepare = db.PrepareWrite
		}
		if *s.dst, err = prepare(ctx, s.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("sie provider: %w", err)
		}
	}
	return p, nil
}

// Close closes the database.
func (p *Provider) Close() error { return p.db.Close() }

// Describe returns the provider's descriptor. It never fails.
func (p *Provider) Describe(ctx context.Context) (core.Descriptor, error) {
	return core.Descriptor{
		Name: Name, DisplayName: DisplayName, Version: Version,
		Auth:         core.AuthScheme{Type: core.AuthNone},
		Capabilities: core.Capabilities{SalesExport: true, LedgerAccounts: true},
	}, nil
}

// VerifyConnection accepts a connection with a merchant and a served
// country. Errors: CodeInvalid naming merchant_id or country.
func (p *Provider) VerifyConnection(ctx context.Context, conn core.Connection) error {
	return checkConn(conn)
}

func checkConn(conn core.Connection) error {
	var errs []core.FieldError
	if strings.TrimSpace(conn.MerchantID) == "" {
		errs = append(errs, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if !conn.Country.Valid() {
		errs = append(errs, core.FieldError{Field: "country", Message: "must be SE or NO"})
	}
	return core.Invalid("invalid connection", errs...)
}

// CreateLedgerAccount returns CodeUnsupported: the SIE file carries the
// country's standard chart (see Chart), whose account names the file
// states; the accounting program that imports it owns the chart, where
// the merchant adds accounts.
func (p *Provider) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	return core.LedgerAccount{}, core.Errorf(core.CodeUnsupported,
		"the SIE file uses the standard chart; add account %s in the accounting program that imports it", a.Number)
}

// ListLedgerAccounts returns the country's standard chart (see Chart), all
// active and accepting any VAT code. Errors: CodeInvalid naming country.
func (p *Provider) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	return Chart(conn.Country), nil
}

// ListVATCodes returns one code per legal VAT rate of the country, the
// code being the rate itself ("25"), which is what mapping.BuildVoucher
// puts on sales postings. Errors: CodeInvalid naming country.
func (p *Provider) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	word := "Utgående moms"
	if conn.Country == core.Norway {
		word = "Utgående merverdiavgift"
	}
	var out []core.VATCode
	for _, r := range core.VATRates(conn.Country) {
		name := fmt.Sprintf("%s %s %%", word, r.String())
		if r.IsZero() {
			name = "Momsfri"
			if conn.Country == core.Norway {
				name = "Fritatt for merverdiavgift"
			}
		}
		out = append(out, core.VATCode{Code: r.String(), Name: name, Rate: decimal.RequireFromString(r.String())})
	}
	return out, nil
}

// ExportSales books v under its ExternalRef, exactly once per merchant and
// reference: a voucher already booked under v.ExternalRef is returned
// (AlreadyExisted, its number as ProviderRef) and v is not booked. The
// provider reference is the voucher's number in the merchant's series (1,
// 2, ...). Accounts are not checked against Chart: the SIE file is imported
// into a program whose chart this provider does not know. Errors:
// CodeInvalid naming merchant_id or country, the voucher's fields (from
// core.Voucher.Validate) or currency when it is not the connection's;
// CodeUnavailable when the database is busy.
func (p *Provider) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	if err := checkConn(conn); err != nil {
		return core.ExportResult{}, err
	}
	if err := v.Validate(); err != nil {
		return core.ExportResult{}, err
	}
	if conn.Currency != "" && v.Currency != conn.Currency {
		return core.ExportResult{}, core.Invalid("invalid voucher",
			core.FieldError{Field: "currency", Message: fmt.Sprintf("is %s, the merchant books in %s", v.Currency, conn.Currency)})
	}
	body, err := json.Marshal(v)
	if err != nil {
		return core.ExportResult{}, core.Errorf(core.CodeInternal, "sie provider: encode voucher: %v", err)
	}
	now := sqlite.FormatTime(time.Now())
	var (
		number  int64
		existed bool
	)
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx) // a statement interrupted would roll back the shared group
		existed = false
		err := tx.StmtxContext(ctx, p.find).GetContext(ctx, &number, conn.MerchantID, v.ExternalRef)
		if err == nil {
			existed = true
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.StmtxContext(ctx, p.next).GetContext(ctx, &number, conn.MerchantID); err != nil {
			return err
		}
		_, err = tx.StmtxContext(ctx, p.insert).ExecContext(ctx, conn.MerchantID, v.ExternalRef, number, v.Date, string(body), now)
		return err
	})
	if err != nil {
		return core.ExportResult{}, sqlite.Error("sie provider", "book voucher", err)
	}
	return core.ExportResult{ProviderRef: strconv.FormatInt(number, 10), AlreadyExisted: existed}, nil
}

// Vouchers returns the merchant's booked vouchers dated from to to, by date
// then number. It is not part of core.Provider: tests and in-process
// callers use it. Errors: CodeUnavailable, CodeInternal.
func (p *Provider) Vouchers(ctx context.Context, merchantID string, from, to core.Date) ([]core.Voucher, error) {
	var bodies []string
	if err := p.listByDate.SelectContext(ctx, &bodies, merchantID, from, to); err != nil {
		return nil, sqlite.Error("sie provider", "list vouchers", err)
	}
	out := make([]core.Voucher, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal([]byte(b), &out[i]); err != nil {
			return nil, core.Errorf(core.CodeInternal, "sie provider: stored voucher: %v", err)
		}
	}
	return out, nil
}

// ListPaymentTypes returns CodeUnsupported.
func (p *Provider) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	return nil, core.Errorf(core.CodeUnsupported, "the SIE file provider has no payment types")
}
