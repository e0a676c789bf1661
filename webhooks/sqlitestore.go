package webhooks

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// FileName is the database file OpenSQLiteStore uses inside its data
// directory.
const FileName = "webhooks.db"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// SQLiteStore keeps endpoints, events and the delivery outbox in their own
// SQLite file. It is safe for concurrent use, also by several processes
// sharing the file.
type SQLiteStore struct {
	db         *sqlite.DB
	deliveries outbox.Table
}

var _ outbox.Store[job] = (*SQLiteStore)(nil)

// OpenSQLiteStore opens (creating if needed) <dataDir>/webhooks.db and
// applies the embedded migrations. Errors: CodeInvalid for an empty
// dataDir, CodeInternal when the file cannot be opened or migrated.
func OpenSQLiteStore(ctx context.Context, dataDir string) (*SQLiteStore, error) {
	t, err := outbox.OpenTable(ctx, dataDir, FileName, migrationFiles,
		outbox.Table{Name: "deliveries", Noun: "webhook delivery", Component: "webhooks"})
	if err != nil {
		return nil, err
	}
	return &SQLiteStore{db: t.DB, deliveries: t}, nil
}

// Close closes the database. The store must not be used afterwards.
func (s *SQLiteStore) Close() error { return s.deliveries.Close() }

// Depth counts the deliveries not yet made by status (queued, sending,
// failed), for metrics; see outbox.Table.Depth.
func (s *SQLiteStore) Depth(ctx context.Context) (map[string]int, error) {
	return s.deliveries.Depth(ctx)
}

func dbError(op string, err error) error { return sqlite.Error("webhooks", op, err) }

// storedEndpoint is an endpoint with its sealed secret.
type storedEndpoint struct {
	Endpoint
	MerchantID string
	Secret     []byte
}

type endpointRow struct {
	ID         string `db:"id"`
	MerchantID string `db:"merchant_id"`
	URL        string `db:"url"`
	Events     string `db:"events"`
	Secret     []byte `db:"secret"`
	CreatedAt  string `db:"created_at"`
}

func (r endpointRow) endpoint() (storedEndpoint, error) {
	e := storedEndpoint{Endpoint: Endpoint{ID: r.ID, URL: r.URL}, MerchantID: r.MerchantID, Secret: r.Secret}
	if err := json.Unmarshal([]byte(r.Events), &e.Events); err != nil {
		return storedEndpoint{}, core.Errorf(core.CodeInternal, "webhooks: endpoint %s: malformed events: %v", r.ID, err)
	}
	var err error
	e.CreatedAt, err = sqlite.ParseTime(r.CreatedAt)
	return e, err
}

// createEndpoint stores e.
func (s *SQLiteStore) createEndpoint(ctx context.Context, e storedEndpoint) error {
	events, err := json.Marshal(e.Events)
	if err != nil {
		return core.Errorf(core.CodeInternal, "webhooks: %v", err)
	}
	err = s.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO endpoints (id, merchant_id, url, events, secret, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, e.ID, e.MerchantID, e.URL, string(events), e.Secret, sqlite.FormatTime(e.CreatedAt))
		return err
	})
	return dbError("create endpoint", err)
}

// endpoints returns a merchant's endpoints, oldest first.
func (s *SQLiteStore) endpoints(ctx context.Context, merchantID string) ([]storedEndpoint, error) {
	var rows []endpointRow
	if err := s.db.Reader().SelectContext(ctx, &rows, `SELECT id, merchant_id, url, events, secret, created_at
		FROM endpoints WHERE merchant_id = ? ORDER BY created_at, id`, merchantID); err != nil {
		return nil, dbError("list endpoints", err)
	}
	out := make([]storedEndpoint, 0, len(rows))
	for _, r := range rows {
		e, err := r.endpoint()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// endpoint returns a merchant's endpoint. Errors: CodeNotFound, also for
// another merchant's.
func (s *SQLiteStore) endpoint(ctx context.Context, merchantID, id string) (storedEndpoint, error) {
	var r endpointRow
	err := s.db.Reader().GetContext(ctx, &r, `SELECT id, merchant_id, url, events, secret, created_at
		FROM endpoints WHERE id = ? AND merchant_id = ?`, id, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return storedEndpoint{}, core.ErrNotFound("webhook endpoint", id)
	} else if err != nil {
		return storedEndpoint{}, dbError("get endpoint", err)
	}
	return r.endpoint()
}

// deleteEndpoint deletes a merchant's endpoint and its deliveries (ON
// DELETE CASCADE); a delivery being sent at the time ends with its send.
// Errors: CodeNotFound, also for another merchant's.
func (s *SQLiteStore) deleteEndpoint(ctx context.Context, merchantID, id string) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM endpoints WHERE id = ? AND merchant_id = ?`, id, merchantID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return core.ErrNotFound("webhook endpoint", id)
		}
		return nil
	})
	return dbError("delete endpoint", err)
}

// publish stores an event and queues a delivery to each of the merchant's
// endpoints subscribed to its type, in one transaction, unless the
// merchant's event with that key exists or no endpoint subscribes (then
// nothing is stored). payload builds the body from the new event's id.
// It returns how many deliveries it queued.
func (s *SQLiteStore) publish(ctx context.Context, merchantID, typ, key, eventID string, payload []byte, now time.Time) (int, error) {
	at := sqlite.FormatTime(now)
	var queued int
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		queued = 0
		var rows []endpointRow
		if err := tx.SelectContext(ctx, &rows, `SELECT id, merchant_id, url, events, secret, created_at
			FROM endpoints WHERE merchant_id = ? ORDER BY created_at, id`, merchantID); err != nil {
			return err
		}
		var targets []string
		for _, r := range rows {
			e, err := r.endpoint()
			if err != nil {
				return err
			}
			if slices.Contains(e.Events, typ) {
				targets = append(targets, e.ID)
			}
		}
		if len(targets) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO events (id, merchant_id, key, type, payload, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, key) DO NOTHING`,
			eventID, merchantID, key, typ, payload, at)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // published before
		}
		for _, endpointID := range targets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, merchant_id, endpoint_id, event_id, event_type,
				status, attempts, last_error, response_status, next_attempt_at, created_at, sent_at)
				VALUES (?, ?, ?, ?, ?, 'queued', 0, '', 0, ?, ?, '')`,
				core.NewID("whd"), merchantID, endpointID, eventID, typ, at, at); err != nil {
				return err
			}
			queued++
		}
		return nil
	})
	if err != nil {
		return 0, dbError("publish", err)
	}
	return queued, nil
}

// subscribed reports whether any of the merchant's endpoints subscribes
// to typ.
func (s *SQLiteStore) subscribed(ctx context.Context, merchantID, typ string) (bool, error) {
	es, err := s.endpoints(ctx, merchantID)
	if err != nil {
		return false, err
	}
	for _, e := range es {
		if slices.Contains(e.Events, typ) {
			return true, nil
		}
	}
	return false, nil
}

// job is a claimed delivery with what sending it needs.
type job struct {
	ID         string `db:"id"`
	MerchantID string `db:"merchant_id"`
	EndpointID string `db:"endpoint_id"`
	EventID    string `db:"event_id"`
	EventType  string `db:"event_type"`
	Attempts   int    `db:"attempts"`
	URL        string `db:"url"`
	Secret     []byte `db:"secret"`
	Payload    []byte `db:"payload"`
	CreatedAt  string `db:"created_at"`
	Seq        int64  `db:"seq"` // the row's rowid: publishing order
}

// Claim implements outbox.Store.Claim.
func (s *SQLiteStore) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]job, error) {
	return outbox.Claim(ctx, s.deliveries, now, limit, lease,
		func(ctx context.Context, tx *sqlx.Tx, where string, args ...any) ([]job, error) {
			var jobs []job
			err := tx.SelectContext(ctx, &jobs, `SELECT * FROM (
				SELECT d.id, d.merchant_id, d.endpoint_id, d.event_id, d.event_type, d.attempts, d.created_at,
				       d.rowid AS seq, p.url, p.secret, e.payload
				FROM deliveries d JOIN endpoints p ON p.id = d.endpoint_id JOIN events e ON e.id = d.event_id
			) `+where+` ORDER BY created_at, seq`, args...)
			return jobs, err
		})
}

// MarkSent implements outbox.Store.MarkSent; receipt is the receiver's
// HTTP status code.
func (s *SQLiteStore) MarkSent(ctx context.Context, id string, at time.Time, receipt string) error {
	return s.deliveries.MarkSent(ctx, id, at, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET response_status = CAST(? AS INTEGER) WHERE id = ?`, receipt, id)
		return err
	})
}

// MarkFailed implements outbox.Store.MarkFailed.
func (s *SQLiteStore) MarkFailed(ctx context.Context, id string, attempt int, nextAttempt time.Time, lastErr string, permanent bool) error {
	return s.deliveries.MarkFailed(ctx, id, attempt, nextAttempt, lastErr, permanent)
}

type deliveryRow struct {
	Seq            int64  `db:"seq"`
	ID             string `db:"id"`
	EndpointID     string `db:"endpoint_id"`
	EventID        string `db:"event_id"`
	EventType      string `db:"event_type"`
	Status         string `db:"status"`
	Attempts       int    `db:"attempts"`
	LastError      string `db:"last_error"`
	ResponseStatus int    `db:"response_status"`
	NextAttemptAt  string `db:"next_attempt_at"`
	CreatedAt      string `db:"created_at"`
	SentAt         string `db:"sent_at"`
}

// deliveryCursor is the position after a page's last delivery.
type deliveryCursor struct {
	CreatedAt string `json:"c"`
	Seq       int64  `json:"s"`
}

// listDeliveries returns up to limit of an endpoint's deliveries, newest
// (last published) first, after the cursor's, and the cursor after the last ("" at the end).
func (s *SQLiteStore) listDeliveries(ctx context.Context, endpointID string, after *deliveryCursor, limit int) ([]Delivery, string, error) {
	q := `SELECT rowid AS seq, id, endpoint_id, event_id, event_type, status, attempts, last_error, response_status,
		next_attempt_at, created_at, sent_at FROM deliveries WHERE endpoint_id = ?`
	args := []any{endpointID}
	if after != nil {
		q += ` AND (created_at < ? OR (created_at = ? AND rowid < ?))`
		args = append(args, after.CreatedAt, after.CreatedAt, after.Seq)
	}
	q += ` ORDER BY created_at DESC, rowid DESC LIMIT ?`
	args = append(args, limit+1)
	var rows []deliveryRow
	if err := s.db.Reader().SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, "", dbError("list deliveries", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next = core.EncodeCursor(deliveryCursor{CreatedAt: last.CreatedAt, Seq: last.Seq})
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		d := Delivery{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, EventType: r.EventType, Status: r.Status,
			Attempts: r.Attempts, LastError: r.LastError, ResponseStatus: r.ResponseStatus}
		var err error
		if d.CreatedAt, err = sqlite.ParseTime(r.CreatedAt); err != nil {
			return nil, "", err
		}
		if r.Status == outbox.StatusQueued || r.Status == outbox.StatusSending {
			t, err := sqlite.ParseTime(r.NextAttemptAt)
			if err != nil {
				return nil, "", err
			}
			d.NextAttemptAt = &t
		}
		if r.SentAt != "" {
			t, err := sqlite.ParseTime(r.SentAt)
			if err != nil {
				return nil, "", err
			}
			d.SentAt = &t
		}
		out = append(out, d)
	}
	return out, next, nil
}
