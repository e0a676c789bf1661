// Package sqlite opens ledgerbridge's SQLite databases the one right way:
// busy_timeout first, WAL, synchronous=NORMAL, foreign keys on, a single
// writer connection and a pool of readers, embedded ordered migrations
// (goose), and one place that retries a transaction on SQLITE_BUSY.
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
	return db, nil
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

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

// Reader is the read-only pool, for queries outside a write transaction.
func (db *DB) Reader() *sqlx.DB { return db.read }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Write runs fn in one write transaction (BEGIN IMMEDIATE) and commits it if
// fn returns nil. It retries the whole transaction when SQLite reports the
// database busy or locked, so fn must have no effect outside the transaction.
func (db *DB) Write(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	delay := 20 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := db.writeOnce(ctx, fn)
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

func (db *DB) writeOnce(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
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
