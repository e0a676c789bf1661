package einvoice

import (
	"context"
	"embed"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// FileName is the database file OpenSQLiteStore uses inside its data
// directory.
const FileName = "einvoice.db"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// SQLiteStore is the outbox's Store in its own SQLite file. It is safe for
// concurrent use, also by several processes sharing the file.
type SQLiteStore struct {
	db         *sqlite.DB
	deliveries outbox.Table
}

var _ Store = (*SQLiteStore)(nil)

// OpenSQLiteStore opens (creating if needed) <dataDir>/einvoice.db and
// applies the embedded migrations. Errors: CodeInvalid for an empty
// dataDir, CodeInternal when the file cannot be opened or migrated.
func OpenSQLiteStore(ctx context.Context, dataDir string) (*SQLiteStore, error) {
	t, err := outbox.OpenTable(ctx, dataDir, FileName, migrationFiles,
		outbox.Table{Name: "einvoices", Noun: "e-invoice", Component: "einvoice"})
	if err != nil {
		return nil, err
	}
	return &SQLiteStore{db: t.DB, deliveries: t}, nil
}

// Close closes the database. The store must not be used afterwards.
func (s *SQLiteStore) Close() error { return s.deliveries.Close() }

// Depth counts the e-invoices not yet sent by status (queued, sending, failed),
// for metrics; see outbox.Table.Depth.
func (s *SQLiteStore) Depth(ctx context.Context) (map[string]int, error) {
	return s.deliveries.Depth(ctx)
}

func dbError(op string, err error) error { return sqlite.Error("einvoice", op, err) }

// row is an einvoices row; Document is nil when not selected.
type row struct {
	ID             string `db:"id"`
	MerchantID     string `db:"merchant_id"`
	InvoiceID      string `db:"invoice_id"`
	Sender         string `db:"sender"`
	Receiver       string `db:"receiver"`
	DocumentType   string `db:"document_type"`
	Document       []byte `db:"document"`
	Revision       int    `db:"revision"`
	Status         string `db:"status"`
	Attempts       int    `db:"attempts"`
	LastError      string `db:"last_error"`
	TransmissionID string `db:"transmission_id"`
	NextAttemptAt  string `db:"next_attempt_at"`
	CreatedAt      string `db:"created_at"`
	QueuedAt       string `db:"queued_at"`
	SentAt         string `db:"sent_at"`
}

// columns lists every column but document, which selectDeliveries adds
// when asked.
const columns = `id, merchant_id, invoice_id, sender, receiver, document_type, revision, status, attempts,
	last_error, transmission_id, next_attempt_at, created_at, queued_at, sent_at`

func (r row) delivery() (Delivery, error) {
	d := Delivery{
		ID: r.ID, MerchantID: r.MerchantID, InvoiceID: r.InvoiceID, Sender: r.Sender, Receiver: r.Receiver,
		DocumentType: r.DocumentType, Document: r.Document, Revision: r.Revision, Status: r.Status,
		Attempts: r.Attempts, LastError: r.LastError, TransmissionID: r.TransmissionID,
	}
	for _, t := range []struct {
		dst *time.Time
		src string
	}{{&d.NextAttemptAt, r.NextAttemptAt}, {&d.CreatedAt, r.CreatedAt}, {&d.QueuedAt, r.QueuedAt}, {&d.SentAt, r.SentAt}} {
		var err error
		if *t.dst, err = outbox.ParseTime(t.src); err != nil {
			return Delivery{}, err
		}
	}
	return d, nil
}

// queryer is a transaction or the reader pool.
type queryer interface {
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// selectDeliveries reads the deliveries matching where (a WHERE clause,
// possibly with ORDER BY), with their documents only when withDocument.
func selectDeliveries(ctx context.Context, q queryer, withDocument bool, where string, args ...any) ([]Delivery, error) {
	cols := columns
	if withDocument {
		cols += ", document"
	}
	var rows []row
	if err := q.SelectContext(ctx, &rows, `SELECT `+cols+` FROM einvoices `+where, args...); err != nil {
		return nil, err
	}
	ds := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		d, err := r.delivery()
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// Enqueue implements Store.Enqueue.
func (s *SQLiteStore) Enqueue(ctx context.Context, d Delivery, now time.Time) (Delivery, bool, error) {
	at := sqlite.FormatTime(now)
	var stored Delivery
	var queued bool
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO einvoices (`+columns+`, document)
			VALUES (?, ?, ?, ?, ?, ?, 0, 'queued', 0, '', '', ?, ?, ?, '', ?)
			ON CONFLICT (merchant_id, invoice_id, receiver) DO NOTHING`,
			d.ID, d.MerchantID, d.InvoiceID, d.Sender, d.Receiver, d.DocumentType, at, at, at, d.Document)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		queued = n == 1
		if !queued {
			// Only a failed delivery is queued again: a queued, sending or
			// sent one is the delivery asked for.
			res, err := tx.ExecContext(ctx, `UPDATE einvoices
				SET sender = ?, document_type = ?, document = ?, revision = revision + 1,
				    status = 'queued', attempts = 0, last_error = '', transmission_id = '',
				    next_attempt_at = ?, queued_at = ?
				WHERE merchant_id = ? AND invoice_id = ? AND receiver = ? AND status = 'failed'`,
				d.Sender, d.DocumentType, d.Document, at, at, d.MerchantID, d.InvoiceID, d.Receiver)
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil {
				return err
			}
			queued = n == 1
		}
		got, err := selectDeliveries(ctx, tx, false, `WHERE merchant_id = ? AND invoice_id = ? AND receiver = ?`,
			d.MerchantID, d.InvoiceID, d.Receiver)
		if err != nil {
			return err
		}
		if len(got) != 1 {
			return core.Errorf(core.CodeInternal, "einvoice: delivery of %s to %s cannot be read back", d.InvoiceID, d.Receiver)
		}
		stored = got[0]
		return nil
	})
	if err != nil {
		return Delivery{}, false, dbError("enqueue", err)
	}
	return stored, queued, nil
}

// Claim implements outbox.Store.Claim.
func (s *SQLiteStore) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Delivery, error) {
	return outbox.Claim(ctx, s.deliveries, now, limit, lease,
		func(ctx context.Context, tx *sqlx.Tx, where string, args ...any) ([]Delivery, error) {
			return selectDeliveries(ctx, tx, true, where+` ORDER BY queued_at, id`, args...)
		})
}

// MarkSent implements outbox.Store.MarkSent; receipt is the access point's
// transmission id. The first transmission's id stays, as its sent_at does.
func (s *SQLiteStore) MarkSent(ctx context.Context, id string, at time.Time, receipt string) error {
	return s.deliveries.MarkSent(ctx, id, at, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE einvoices SET transmission_id = ? WHERE id = ? AND transmission_id = ''`, receipt, id)
		return err
	})
}

// MarkFailed implements outbox.Store.MarkFailed.
func (s *SQLiteStore) MarkFailed(ctx context.Context, id string, attempt int, nextAttempt time.Time, lastErr string, permanent bool) error {
	return s.deliveries.MarkFailed(ctx, id, attempt, nextAttempt, lastErr, permanent)
}

// ByInvoice implements Store.ByInvoice.
func (s *SQLiteStore) ByInvoice(ctx context.Context, merchantID, invoiceID string) ([]Delivery, error) {
	ds, err := selectDeliveries(ctx, s.db.Reader(), false,
		`WHERE merchant_id = ? AND invoice_id = ? ORDER BY queued_at DESC, id DESC`, merchantID, invoiceID)
	if err != nil {
		return nil, dbError("list e-invoices", err)
	}
	return ds, nil
}
