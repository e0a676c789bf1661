package outbox

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Table is a queue's SQLite table: the statements that move its rows
// through the delivery statuses. Each takes the caller's transaction, so a
// store adds its own columns' changes to the same commit. The table has at
// least these columns (see the mail and einvoice migrations):
//
//	id              TEXT PRIMARY KEY
//	status          TEXT    CHECK (status IN ('queued', 'sending', 'sent', 'failed'))
//	attempts        INTEGER -- claims so far, including one in progress
//	last_error      TEXT
//	next_attempt_at TEXT    -- sqlite.TimeLayout: when a queued row is due, when a sending row's lease ends
//	sent_at         TEXT    -- '' until sent
//
// and should index next_attempt_at WHERE status IN ('queued', 'sending').
type Table struct {
	// Name is the table's name: a constant of the queue's package, never
	// input.
	Name string
	// Noun names a row in errors: "e-mail", "e-invoice".
	Noun string
}

// ClaimIDs claims up to limit rows due at now — queued with
// next_attempt_at <= now, or sending with an expired lease — oldest due
// first: it marks them sending, increments their attempts, leases them
// until now+lease and returns their ids, for the caller to read in the same
// transaction. Errors: the database's.
func (t Table) ClaimIDs(ctx context.Context, tx *sqlx.Tx, now time.Time, limit int, lease time.Duration) ([]string, error) {
	var ids []string
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM `+t.Name+`
		WHERE status IN ('queued', 'sending') AND next_attempt_at <= ?
		ORDER BY next_attempt_at, id LIMIT ?`, sqlite.FormatTime(now), limit); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := sqlx.In(`UPDATE `+t.Name+`
		SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?
		WHERE id IN (?)`, sqlite.FormatTime(now.Add(lease)), ids)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, err
	}
	return ids, nil
}

// MarkSent records the delivery of row id at at (Store.MarkSent): status
// sent, no last error, the first sent_at kept. Errors: CodeNotFound, the
// database's.
func (t Table) MarkSent(ctx context.Context, tx *sqlx.Tx, id string, at time.Time) error {
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
	return nil
}

// MarkFailed records the failure of claim number attempt of row id
// (Store.MarkFailed). Errors: CodeNotFound; CodeConflict when the row is
// no longer sending under that attempt; the database's.
func (t Table) MarkFailed(ctx context.Context, tx *sqlx.Tx, id string, attempt int, nextAttempt time.Time, lastErr string, permanent bool) error {
	status := StatusQueued
	if permanent {
		status = StatusFailed
	}
	res, err := tx.ExecContext(ctx, `UPDATE `+t.Name+`
		SET status = ?, last_error = ?, next_attempt_at = ?
		WHERE id = ? AND status = 'sending' AND attempts = ?`,
		status, lastErr, sqlite.FormatTime(nextAttempt), id, attempt)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
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
