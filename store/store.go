// Package store is the gateway's own persistence on SQLite: merchants, their
// API keys (hashes only) and idempotency records. It implements core.Store.
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
	stmts     statements
}

// statements are the hot path's statements, prepared once at Open: the
// idempotency writes on the writer connection (bound to each transaction
// with StmtxContext), the API key lookup on the reader pool.
type statements struct {
	beginIdempotent, getIdempotent, completeIdempotent *sqlx.Stmt
	apiKeyByHash                                       *sqlx.Stmt
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
		{&st.apiKeyByHash, false, apiKeyByHashSQL},
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
	s := &Store{db: db, merchants: merchantCache{m: map[string]core.Merchant{}}}
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
