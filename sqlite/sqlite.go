// Package sqlite opens ledgerbridge's SQLite databases the one right way:
// busy_timeout first, WAL, synchronous=NORMAL, foreign keys on, a single
// writer connection and a pool of readers, embedded ordered migrations
// (goose), and one place that writes: Write, which group-commits concurrent
// writes and retries a transaction on SQLITE_BUSY. Hot statements are
// prepared once (PrepareWrite, PrepareRead) instead of in every transaction.
//
// The gateway (package store) and the built-in open provider each own a
// database file and its migrations; both open it through here.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
)

// DB is a SQLite database with separate write and read pools. All writes go
// through Write, which serialises them on one connection, so SQLite never
// sees two writers and a transaction's reads see its own writes.
type DB struct {
	write *sqlx.DB
	read  *sqlx.DB
	path  string

	queue                          writeQueue
	transactions                   atomic.Int64 // write transactions begun, for tests
	savepoint, release, rollbackTo *sql.Stmt

	mu       sync.Mutex
	prepared []*sqlx.Stmt // by PrepareWrite and PrepareRead, closed by Close
}

// busyTimeout is how long SQLite itself waits for a lock before SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Open opens (creating if needed) the database file at path and applies the
// migrations in fsys (files NNNNN_name.sql with goose annotations), each in
// its own transaction, in order. An in-memory database is not supported:
// readers and the writer must share one file.
func Open(ctx context.Context, path string, migrations fs.FS) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create directory for %s: %w", path, err)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	params := url.Values{}
	// go-sqlite3 sets busy_timeout before journal_mode, so switching to WAL
	// waits for other openers instead of failing.
	params.Add("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	params.Add("_journal_mode", "WAL")
	params.Add("_synchronous", "NORMAL")
	params.Add("_foreign_keys", "on")
	params.Add("_txlock", "immediate")
	dsn := "file:" + path + "?" + params.Encode()

	write, err := sqlx.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)

	readParams := url.Values{}
	readParams.Add("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	readParams.Add("_foreign_keys", "on")
	readParams.Add("mode", "ro")
	read, err := sqlx.Open("sqlite3", "file:"+path+"?"+readParams.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	db := &DB{write: write, read: read, path: path}
	if err := write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if migrations != nil {
		if err := migrate(ctx, write.DB, migrations); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
		}
	}
	for _, s := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&db.savepoint, "SAVEPOINT " + savepointName},
		{&db.release, "RELEASE " + savepointName},
		{&db.rollbackTo, "ROLLBACK TO " + savepointName},
	} {
		if *s.dst, err = write.PrepareContext(ctx, s.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: open %s: prepare %q: %w", path, s.sql, err)
		}
	}
	return db, nil
}

// createPrivate creates path as an empty file readable by the owner only,
// unless it exists. SQLite takes an empty file for a new database, and gives
// the -wal and -shm files it creates the main file's permissions, so all
// three end up 0600 whatever the umask; left to itself SQLite would create
// them 0644. An existing file keeps its mode: the gateway warns about loose
// ones at start-up instead of changing them.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	} else if err != nil {
		return err
	}
	// A umask cannot widen 0600, but one may narrow it (0400 would make the
	// file unwritable): set exactly 0600.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func migrate(ctx context.Context, db *sql.DB, migrations fs.FS) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close closes the prepared statements and both pools.
func (db *DB) Close() error {
	var errs []error
	db.mu.Lock()
	for _, st := range db.prepared {
		errs = append(errs, st.Close())
	}
	db.prepared = nil
	db.mu.Unlock()
	for _, st := range []*sql.Stmt{db.savepoint, db.release, db.rollbackTo} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	errs = append(errs, db.read.Close(), db.write.Close())
	return errors.Join(errs...)
}

// PrepareWrite prepares query once on the writer connection, so write
// transactions can run it without preparing it again: inside Write, bind it
// with tx.StmtxContext(ctx, stmt) (the bound statement closes with the
// transaction; the prepared one stays). Close closes it.
//
// Call it outside Write, typically right after Open: the writer pool has
// exactly one connection, so preparing from inside a Write function waits
// for that connection forever.
func (db *DB) PrepareWrite(ctx context.Context, query string) (*sqlx.Stmt, error) {
	return db.prepare(ctx, db.write, query)
}

// PrepareRead prepares query for the reader pool: each reader connection
// compiles it once, on first use, and keeps it. Close closes it. The
// statement is safe for concurrent use.
func (db *DB) PrepareRead(ctx context.Context, query string) (*sqlx.Stmt, error) {
	return db.prepare(ctx, db.read, query)
}

func (db *DB) prepare(ctx context.Context, pool *sqlx.DB, query string) (*sqlx.Stmt, error) {
	st, err := pool.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	db.mu.Lock()
	db.prepared = append(db.prepared, st)
	db.mu.Unlock()
	return st, nil
}

// Reader is the read-only pool, for queries outside a write transaction.
func (db *DB) Reader() *sqlx.DB { return db.read }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Write runs fn in a write transaction (BEGIN IMMEDIATE) and returns nil
// only once fn's work is committed. If fn returns an error (or panics) its
// work is rolled back, Write returns that error (or panics with it, wrapped
// with fn's stack) and nothing fn did is kept.
//
// Concurrent Write calls are group-committed: up to 64 of them share one
// transaction and one COMMIT, each function inside its own SAVEPOINT, in
// the order the calls arrived, so a function sees the committed database
// plus the work of the functions before it in its group. One function
// failing rolls back only its own savepoint. If the COMMIT fails, every
// call whose function had succeeded gets that error.
//
// Write retries fn when SQLite reports the database busy or locked, and
// when another function in its group lost the shared transaction (an error
// that rolls back a whole transaction, such as an interrupted statement),
// so fn must have no effect outside the transaction and must not rely on
// running once. fn must not call Write or PrepareWrite, and must not use
// the savepoint name "ledgerbridge_write". A call whose ctx has ended before
// its function starts returns the context's error without running it.
func (db *DB) Write(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	delay := 20 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := db.groupWrite(ctx, fn)
		if err == nil || !IsBusy(err) || attempt == 8 {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

// IsBusy reports whether err is SQLite's "database is busy/locked".
func IsBusy(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return false
}

// IsUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY conflict.
func IsUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	return false
}
