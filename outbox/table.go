package outbox

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Table is a queue's SQLite table: the statements that move its rows
// through the delivery statuses, each in a write transaction of DB. The
// table has at least these columns (see the mail and einvoice migrations):
//
//	id              TEXT PRIMARY KEY
//	status          TEXT    CHECK (status IN ('queued', 'sending', 'sent', 'failed'))
//	attempts        INTEGER -- claims so far, including one in progress
//	last_error      TEXT
//	next_attempt_at TEXT    -- sqlite.TimeLayout: when a queued row is due, when a sending row's lease ends
//	sent_at         TEXT    -- '' until sent
//
// and should index next_attempt_at WHERE status IN ('queued', 'sending').
// Every error is a *core.Error (sqlite.Error under Component).
type Table struct {
	DB *sqlite.DB
	// Name is the table's name: a constant of the queue's package, never
	// input.
	Name string
	// Noun names a row in errors: "e-mail", "e-invoice".
	Noun string
	// Component starts database errors: "mail", "einvoice".
	Component string
}

// OpenTable opens (creating if needed) the queue database
// <dataDir>/<file>, applies the migrations in the migrations directory of
// fsys (an embed.FS of migrations/*.sql), and returns t on it. Errors:
// CodeInvalid for an empty dataDir, CodeInternal when the file cannot be
// opened or migrated.
func OpenTable(ctx context.Context, dataDir, file string, fsys fs.FS, t Table) (Table, error) {
	if strings.TrimSpace(dataDir) == "" {
		return Table{}, core.Invalid("invalid "+t.Component+" store location", core.FieldError{Field: "data_dir", Message: "is required"})
	}
	migrations, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return Table{}, core.Errorf(core.CodeInternal, "%s: embedded migrations: %v", t.Component, err)
	}
	if t.DB, err = sqlite.Open(ctx, filepath.Join(dataDir, file), migrations); err != nil {
		return Table{}, core.Errorf(core.CodeInternal, "%s: %v", t.Component, err)
	}
	return t, nil
}

// Close closes the database. The table must not be used afterwards.
// Errors: CodeInternal.
func (t Table) Close() error {
	if err := t.DB.Close(); err != nil {
		return core.Errorf(core.CodeInternal, "%s: close: %v", t.Component, err)
	}
	return nil
}

// Load reads the rows where selects (a WHERE clause, to which the caller
// may add an ORDER BY) inside the claiming transaction.
type Load[T any] func(ctx context.Context, tx *sqlx.Tx, where string, args ...any) ([]T, error)

// Claim implements Store.Claim over t: in one write transaction it takes
// up to limit rows due at now — queued with next_attempt_at <= now, or
// sending with an expired lease — oldest due first, marks them sending,
// increments their attempts, leases them until now+lease, and reads them
// with load.
func Claim[T any](ctx context.Context, t Table, now time.Time, limit int, lease time.Duration, load Load[T]) ([]T, error) {
	if limit <= 0 {
		return nil, nil
	}
	var claimed []T
	err := t.DB.Write(ctx, func(tx *sqlx.Tx) error {
		claimed = nil // Write may run this function more than once
		var ids []string
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM `+t.Name+`
			WHERE status IN ('queued', 'sending') AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`, sqlite.FormatTime(now), limit); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		q, args, err := sqlx.In(`UPDATE `+t.Name+`
			SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?
			WHERE id IN (?)`, sqlite.FormatTime(now.Add(lease)), ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		where, args, err := sqlx.In(`WHERE id IN (?)`, ids)
		if err != nil {
			return err
		}
		claimed, err = load(ctx, tx, where, args...)
		return err
	})
	if err != nil {
		return nil, sqlite.Error(t.Component, "claim", err)
	}
	return claimed, nil
}

// MarkSent implements Store.MarkSent's rule: status sent, no last error,
// the first sent_at kept. also, when not nil, adds the queue's own changes
// (the receipt) to the same transaction. Errors: CodeNotFound, the
// database's.
func (t Table) MarkSent(ctx context.Context, id string, at time.Time, also func(tx *sqlx.Tx) error) error {
	err := t.DB.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+t.Name+`
			SET status = 'sent', last_error = '',
			    sent_at = CASE WHEN sent_at = '' THEN ? ELSE sent_at END
			WHERE id = ?`, sqlite.FormatTime(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return core.ErrNotFound(t.Noun, id)
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	return sqlite.Error(t.Component, "mark sent", err)
}

// MarkFailed implements Store.MarkFailed. Errors: CodeNotFound;
// CodeConflict when the row is no longer sending under that attempt; the
// database's.
func (t Table) MarkFailed(ctx context.Context, id string, attempt int, nextAttempt time.Time, lastErr string, permanent bool) error {
	status := StatusQueued
	if permanent {
		status = StatusFailed
	}
	err := t.DB.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+t.Name+`
			SET status = ?, last_error = ?, next_attempt_at = ?
			WHERE id = ? AND status = 'sending' AND attempts = ?`,
			status, lastErr, sqlite.FormatTime(nextAttempt), id, attempt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var cur struct {
			Status   string `db:"status"`
			Attempts int    `db:"attempts"`
		}
		if err := tx.GetContext(ctx, &cur, `SELECT status, attempts FROM `+t.Name+` WHERE id = ?`, id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return core.ErrNotFound(t.Noun, id)
			}
			return err
		}
		return core.Errorf(core.CodeConflict, "%s %s is %s at attempt %d, not sending at attempt %d",
			t.Noun, id, cur.Status, cur.Attempts, attempt)
	})
	return sqlite.Error(t.Component, "mark failed", err)
}

// FormatTime is the stored form of an optional instant: "" for the zero
// time (never), else sqlite.FormatTime.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return sqlite.FormatTime(t)
}

// ParseTime reads FormatTime's form back. Errors: CodeInternal naming a
// malformed value.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return sqlite.ParseTime(s)
}

// Depth counts the rows not yet sent, by status: queued (waiting, or
// waiting to be retried), sending (claimed by a worker) and failed (given
// up); all three are always present. It scans the unsent rows: meant for a
// metrics scrape. Errors: the database's.
func (t Table) Depth(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		Count  int    `db:"n"`
	}
	if err := t.DB.Reader().SelectContext(ctx, &rows, `SELECT status, COUNT(*) AS n FROM `+t.Name+`
		WHERE status <> 'sent' GROUP BY status`); err != nil {
		return nil, sqlite.Error(t.Component, "count unsent", err)
	}
	depth := map[string]int{"queued": 0, "sending": 0, "failed": 0}
	for _, r := range rows {
		depth[r.Status] = r.Count
	}
	return depth, nil
}
