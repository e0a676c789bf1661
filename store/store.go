// Package store is the gateway's own persistence on SQLite
// (<dataDir>/ledgerbridge.db): merchants, their API keys (hashes only),
// idempotency records, invoice settings and payment methods (core.Store);
// BackOffice users and sessions (core.UserStore); integrations with their
// sealed credentials and pending OAuth2 authorizations (integrations.Store);
// and sales receipts, export jobs and the vouchers they booked
// (exports.Store). Provider data (customers, invoices, ...) lives with each
// provider; e-mail, e-invoice and webhook queues in their own files.
//
// Every error it returns is a *core.Error: CodeInvalid for arguments that can
// never be stored, CodeNotFound, CodeConflict, CodeUnavailable when the
// database stayed busy or the context ended, CodeInternal otherwise.
package store

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// FileName is the database file Open uses inside its data directory.
const FileName = "ledgerbridge.db"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the gateway's database. It is safe for concurrent use.
type Store struct {
	db        *sqlite.DB
	merchants merchantCache
	settings  settingsCache
	stmts     statements
}

// statements are the hot path's statements, prepared once at Open: the
// idempotency and invoice settings writes on the writer connection (bound to
// each transaction with StmtxContext), the API key and invoice settings
// lookups on the reader pool.
type statements struct {
	beginIdempotent, getIdempotent, completeIdempotent *sqlx.Stmt
	putInvoiceSettings                                 *sqlx.Stmt
	apiKeyByHash, getInvoiceSettings                   *sqlx.Stmt
	// integrations.go: the active lookups run on every invoicing request.
	getIntegration, activeInvoicing, activeBookkeeping *sqlx.Stmt
	// sales.go and exports.go: receipts, day close and export job claims.
	getReceipt, dayClosed, insertReceipt, countReceipt *sqlx.Stmt
	addSalesName                                       *sqlx.Stmt
	claimJob, finishJob                                *sqlx.Stmt
	dayReceipts                                        *sqlx.Stmt // reader
}

func (st *statements) prepare(ctx context.Context, db *sqlite.DB) error {
	for _, s := range []struct {
		dst   **sqlx.Stmt
		write bool
		sql   string
	}{
		{&st.beginIdempotent, true, beginIdempotentSQL},
		{&st.getIdempotent, true, getIdempotentSQL},
		{&st.completeIdempotent, true, completeIdempotentSQL},
		{&st.putInvoiceSettings, true, putInvoiceSettingsSQL},
		{&st.apiKeyByHash, false, apiKeyByHashSQL},
		{&st.getInvoiceSettings, false, getInvoiceSettingsSQL},
		{&st.getIntegration, false, getIntegrationSQL},
		{&st.activeInvoicing, false, activeInvoicingSQL},
		{&st.activeBookkeeping, false, activeBookkeepingSQL},
		{&st.getReceipt, true, getReceiptSQL},
		{&st.dayClosed, true, dayClosedSQL},
		{&st.insertReceipt, true, insertReceiptSQL},
		{&st.countReceipt, true, countReceiptSQL},
		{&st.addSalesName, true, addSalesNameSQL},
		{&st.claimJob, true, claimJobSQL},
		{&st.finishJob, true, finishJobSQL},
		{&st.dayReceipts, false, dayReceiptsSQL},
	} {
		prepare := db.PrepareRead
		if s.write {
			prepare = db.PrepareWrite
		}
		stmt, err := prepare(ctx, s.sql)
		if err != nil {
			return err
		}
		*s.dst = stmt
	}
	return nil
}

var _ core.Store = (*Store)(nil)

// Open opens (creating if needed) <dataDir>/ledgerbridge.db and applies the
// embedded migrations. Errors: CodeInvalid for an empty dataDir,
// CodeInternal when the file cannot be opened or migrated.
func Open(ctx context.Context, dataDir string) (*Store, error) {
	if strings.TrimSpace(dataDir) == "" {
		return nil, core.Invalid("invalid store location", core.FieldError{Field: "data_dir", Message: "is required"})
	}
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "store: embedded migrations: %v", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, FileName), migrations)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "store: %v", err)
	}
	s := &Store{db: db, merchants: merchantCache{m: map[string]core.Merchant{}},
		settings: newSettingsCache()}
	if err := s.stmts.prepare(ctx, db); err != nil {
		db.Close()
		return nil, core.Errorf(core.CodeInternal, "store: %v", err)
	}
	return s, nil
}

// Close closes the database. The Store must not be used afterwards.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return core.Errorf(core.CodeInternal, "store: close: %v", err)
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.db.Path() }

// Ping checks that the database answers. Errors: CodeUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return core.Errorf(core.CodeUnavailable, "store: ping: %v", err)
	}
	return nil
}

// formatTime is the stored form of t; a zero t means now.
func formatTime(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return sqlite.FormatTime(t)
}

func parseTime(s string) (time.Time, error) { return sqlite.ParseTime(s) }

// dbError turns a database error into a *core.Error. *core.Errors raised
// inside a transaction pass through unchanged.
func dbError(op string, err error) error { return sqlite.Error("store", op, err) }

func isForeignKeyViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}

// merchantCache keeps merchants already read or written, so GetMerchant on
// every request costs no query. It stays correct because a stored merchant
// never changes and is never deleted: nothing in core.Store updates one, and
// other processes sharing the file (the "merchants create" command) only
// insert. Only hits are cached, never absence. A method that ever updates or
// deletes merchants must drop the entry here, and the cache must go entirely
// if another process gains that power.
type merchantCache struct {
	mu sync.RWMutex
	m  map[string]core.Merchant
}

// maxCachedMerchants bounds the cache's memory; past it, merchants are read
// from the database each time.
const maxCachedMerchants = 10_000

func (c *merchantCache) get(id string) (core.Merchant, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m, ok := c.m[id]
	return m, ok
}

func (c *merchantCache) put(m core.Merchant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) < maxCachedMerchants {
		c.m[m.ID] = m
	}
}

// settingsCache keeps each merchant's invoice settings (or their absence)
// once read or written, because the engine reads them on every charge to
// build the provider connection. Unlike merchants, settings change, so the
// cache is correct only because this process is the only writer of
// invoice_settings: no command or other process may write that table while
// the gateway runs. Unknown merchants are never cached.
//
// Hits take only the read lock. A Put, and a Get that misses, hold load for
// the whole database round trip and the cache update, so a miss never
// caches what a concurrent Put is replacing and a Put that returned is what
// every later Get sees. Both are rare next to hits.
type settingsCache struct {
	mu   sync.RWMutex // guards m
	load sync.Mutex   // serialises Puts and misses with their cache updates
	m    map[string]settingsEntry
}

type settingsEntry struct {
	settings core.InvoiceSettings // never handed out: callers get clones
	found    bool
}

// maxCachedSettings bounds the cache's memory; past it, settings of
// merchants not yet cached are read from the database each time.
const maxCachedSettings = 10_000

func newSettingsCache() settingsCache {
	return settingsCache{m: map[string]settingsEntry{}}
}

// get returns the cached settings (a clone) and hit=true.
func (c *settingsCache) get(merchantID string) (s core.InvoiceSettings, found, hit bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[merchantID]
	return cloneSettings(e.settings), e.found, ok
}

// set caches settings (ok) or forgets the merchant (!ok); the caller holds
// load.
func (c *settingsCache) set(merchantID string, s core.InvoiceSettings, found, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, cached := c.m[merchantID]
	switch {
	case !ok:
		delete(c.m, merchantID)
	case cached || len(c.m) < maxCachedSettings:
		c.m[merchantID] = settingsEntry{settings: cloneSettings(s), found: found}
	}
}
