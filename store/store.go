// Package store is the gateway's own persistence on SQLite: merchants, their
// API keys (hashes only), idempotency records and invoice settings. It implements core.Store.
// Provider data (customers, invoices, ...) lives with each provider.
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
	"sync/atomic"
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
// the gateway runs (one that must has to go through a running gateway, or
// this cache has to go). Unknown merchants are never cached.
//
// Reads are linearizable: a Get returns what the database holds at some
// instant during the call, so it never returns settings older than those of
// a Put that returned before it, nor older than those an earlier Get
// returned. Three rules make that so:
//   - While a Put for a merchant is in flight (writing), Gets for it bypass
//     the cache and read the database, which is always current.
//   - A Get that missed fills the cache only if no Put ended (gen) since it
//     began reading, so what it read is current unless a Put is in flight,
//     and that Put replaces or drops the entry when it ends. A fill never
//     replaces an entry.
//   - A Put updates the cache after its commit. Each Put takes a sequence
//     number inside its write transaction, where writes run one at a time,
//     so sequence order is commit order; an update never replaces an entry
//     with a higher one, so overlapping Puts leave the last committed.
//     Filled entries have sequence 0.
type settingsCache struct {
	mu      sync.RWMutex
	m       map[string]settingsEntry
	writing map[string]int // Puts in flight per merchant
	gen     uint64         // bumped whenever a Put ends
	seq     atomic.Uint64
}

type settingsEntry struct {
	settings core.InvoiceSettings // never handed out: callers get clones
	found    bool
	seq      uint64
}

// maxCachedSettings bounds the cache's memory; past it, settings of
// merchants not yet cached are read from the database each time.
const maxCachedSettings = 10_000

func newSettingsCache() settingsCache {
	return settingsCache{m: map[string]settingsEntry{}, writing: map[string]int{}}
}

// get returns the cached settings (a clone) and hit=true, or on a miss the
// generation to pass to fill.
func (c *settingsCache) get(merchantID string) (s core.InvoiceSettings, found bool, gen uint64, hit bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[merchantID]
	if !ok || c.writing[merchantID] > 0 {
		return core.InvoiceSettings{}, false, c.gen, false
	}
	return cloneSettings(e.settings), e.found, 0, true
}

// fill caches what a read begun at generation gen found, unless a Put has
// ended since or the merchant is cached already.
func (c *settingsCache) fill(merchantID string, gen uint64, s core.InvoiceSettings, found bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[merchantID]; ok || c.gen != gen || len(c.m) >= maxCachedSettings {
		return
	}
	c.m[merchantID] = settingsEntry{settings: cloneSettings(s), found: found}
}

// begin marks a Put for the merchant in flight; end must follow.
func (c *settingsCache) begin(merchantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writing[merchantID]++
}

// next returns the sequence number of a Put's transaction.
func (c *settingsCache) next() uint64 { return c.seq.Add(1) }

// end ends a Put begun with begin. If it committed, as transaction seq, its
// settings are cached unless a later transaction's are; if it failed (it
// might still have committed), the merchant's entry is dropped.
func (c *settingsCache) end(merchantID string, committed bool, seq uint64, s core.InvoiceSettings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writing[merchantID]--; c.writing[merchantID] <= 0 {
		delete(c.writing, merchantID)
	}
	c.gen++
	e, ok := c.m[merchantID]
	switch {
	case !committed:
		delete(c.m, merchantID)
	case ok && e.seq > seq, !ok && len(c.m) >= maxCachedSettings:
	default:
		c.m[merchantID] = settingsEntry{settings: cloneSettings(s), found: true, seq: seq}
	}
}
