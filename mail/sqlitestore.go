package mail

import (
	"context"
	"embed"
	"encoding/json"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// FileName is the database file OpenSQLiteStore uses inside its data
// directory.
const FileName = "mail.db"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// SQLiteStore is the outbox's Store in its own SQLite file. It is safe for
// concurrent use, also by several processes sharing the file.
type SQLiteStore struct {
	db     *sqlite.DB
	emails outbox.Table
}

var _ Store = (*SQLiteStore)(nil)

// OpenSQLiteStore opens (creating if needed) <dataDir>/mail.db and applies
// the embedded migrations. Errors: CodeInvalid for an empty dataDir,
// CodeInternal when the file cannot be opened or migrated.
func OpenSQLiteStore(ctx context.Context, dataDir string) (*SQLiteStore, error) {
	t, err := outbox.OpenTable(ctx, dataDir, FileName, migrationFiles,
		outbox.Table{Name: "emails", Noun: "e-mail", Component: "mail"})
	if err != nil {
		return nil, err
	}
	return &SQLiteStore{db: t.DB, emails: t}, nil
}

// Close closes the database. The store must not be used afterwards.
func (s *SQLiteStore) Close() error { return s.emails.Close() }

// Path is the database file.
func (s *SQLiteStore) Path() string { return s.db.Path() }

// Depth counts the e-mails not yet sent by status (queued, sending, failed),
// for metrics; see outbox.Table.Depth.
func (s *SQLiteStore) Depth(ctx context.Context) (map[string]int, error) { return s.emails.Depth(ctx) }

// dbError turns a database error into a *core.Error; *core.Errors pass
// through unchanged.
func dbError(op string, err error) error { return sqlite.Error("mail", op, err) }

// row is an emails row.
type row struct {
	ID            string `db:"id"`
	MerchantID    string `db:"merchant_id"`
	InvoiceID     string `db:"invoice_id"`
	MessageID     string `db:"message_id"`
	To            string `db:"to_addrs"`
	Cc            string `db:"cc_addrs"`
	Bcc           string `db:"bcc_addrs"`
	ReplyTo       string `db:"reply_to"`
	Subject       string `db:"subject"`
	Body          string `db:"body"`
	Status        string `db:"status"`
	Attempts      int    `db:"attempts"`
	LastError     string `db:"last_error"`
	NextAttemptAt string `db:"next_attempt_at"`
	CreatedAt     string `db:"created_at"`
	SentAt        string `db:"sent_at"`
}

const emailColumns = `id, merchant_id, invoice_id, message_id, to_addrs, cc_addrs, bcc_addrs, reply_to,
	subject, body, status, attempts, last_error, next_attempt_at, created_at, sent_at`

type attachmentRow struct {
	EmailID     string `db:"email_id"`
	Position    int    `db:"position"`
	Filename    string `db:"filename"`
	ContentType string `db:"content_type"`
	Data        []byte `db:"data"`
}

func (r row) email() (Email, error) {
	e := Email{
		ID: r.ID, MerchantID: r.MerchantID, InvoiceID: r.InvoiceID,
		Message: Message{
			ID: r.MessageID, ReplyTo: r.ReplyTo, Subject: r.Subject, Text: r.Body,
		},
		Attempts: r.Attempts, Status: r.Status, LastError: r.LastError,
	}
	if err := json.Unmarshal([]byte(r.To), &e.Message.To); err != nil {
		return Email{}, core.Errorf(core.CodeInternal, "mail: malformed stored recipients of %s: %v", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Cc), &e.Message.Cc); err != nil {
		return Email{}, core.Errorf(core.CodeInternal, "mail: malformed stored recipients of %s: %v", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Bcc), &e.Message.Bcc); err != nil {
		return Email{}, core.Errorf(core.CodeInternal, "mail: malformed stored recipients of %s: %v", r.ID, err)
	}
	var err error
	if e.NextAttemptAt, err = outbox.ParseTime(r.NextAttemptAt); err != nil {
		return Email{}, err
	}
	if e.CreatedAt, err = outbox.ParseTime(r.CreatedAt); err != nil {
		return Email{}, err
	}
	if e.SentAt, err = outbox.ParseTime(r.SentAt); err != nil {
		return Email{}, err
	}
	return e, nil
}

func addrList(a []string) string {
	if a == nil {
		a = []string{}
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// Enqueue implements Store.Enqueue.
func (s *SQLiteStore) Enqueue(ctx context.Context, e Email) (Email, bool, error) {
	var fields []core.FieldError
	if e.ID == "" {
		fields = append(fields, core.FieldError{Field: "id", Message: "is required"})
	}
	if e.MerchantID == "" {
		fields = append(fields, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if err := core.Invalid("invalid e-mail", fields...); err != nil {
		return Email{}, false, err
	}
	if e.Status == "" {
		e.Status = StatusQueued
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	if e.NextAttemptAt.IsZero() {
		e.NextAttemptAt = e.CreatedAt
	}
	var stored Email
	var created bool
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO emails (`+emailColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`,
			e.ID, e.MerchantID, e.InvoiceID, e.Message.ID, addrList(e.Message.To), addrList(e.Message.Cc), addrList(e.Message.Bcc),
			e.Message.ReplyTo, e.Message.Subject, e.Message.Text, e.Status, e.Attempts, e.LastError,
			outbox.FormatTime(e.NextAttemptAt), outbox.FormatTime(e.CreatedAt), outbox.FormatTime(e.SentAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		if !created {
			got, err := loadEmails(ctx, tx, true, `WHERE id = ?`, e.ID)
			if err != nil {
				return err
			}
			if len(got) != 1 {
				return core.Errorf(core.CodeInternal, "mail: e-mail %s conflicts but cannot be read", e.ID)
			}
			stored = got[0]
			return nil
		}
		for i, a := range e.Message.Attachments {
			data := a.Data
			if data == nil {
				data = []byte{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO email_attachments
				(email_id, position, filename, content_type, data) VALUES (?, ?, ?, ?, ?)`,
				e.ID, i, a.Filename, a.ContentType, data); err != nil {
				return err
			}
		}
		stored = e
		return nil
	})
	if err != nil {
		return Email{}, false, dbError("enqueue", err)
	}
	if created {
		// Report times as they read back: UTC, as stored.
		stored.CreatedAt = stored.CreatedAt.UTC()
		stored.NextAttemptAt = stored.NextAttemptAt.UTC()
	}
	return stored, created, nil
}

// Claim implements Store.Claim.
func (s *SQLiteStore) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Email, error) {
	return outbox.Claim(ctx, s.emails, now, limit, lease,
		func(ctx context.Context, tx *sqlx.Tx, where string, args ...any) ([]Email, error) {
			return loadEmails(ctx, tx, true, where+` ORDER BY created_at, id`, args...)
		})
}

// MarkSent implements Store.MarkSent.
func (s *SQLiteStore) MarkSent(ctx context.Context, id string, at time.Time) error {
	return s.emails.MarkSent(ctx, id, at, nil)
}

// MarkFailed implements Store.MarkFailed.
func (s *SQLiteStore) MarkFailed(ctx context.Context, id string, attempt int, nextAttempt time.Time, lastErr string, permanent bool) error {
	return s.emails.MarkFailed(ctx, id, attempt, nextAttempt, lastErr, permanent)
}

// ByInvoice implements Store.ByInvoice.
func (s *SQLiteStore) ByInvoice(ctx context.Context, merchantID, invoiceID string) ([]Email, error) {
	got, err := loadEmails(ctx, s.db.Reader(), false,
		`WHERE merchant_id = ? AND invoice_id = ? ORDER BY created_at DESC, id DESC`, merchantID, invoiceID)
	if err != nil {
		return nil, dbError("list e-mails", err)
	}
	var notSent []struct {
		ID        string `db:"id"`
		Status    string `db:"status"`
		Reason    string `db:"reason"`
		CreatedAt string `db:"created_at"`
	}
	if err := s.db.Reader().SelectContext(ctx, &notSent, `SELECT id, status, reason, created_at FROM emails_not_sent
		WHERE merchant_id = ? AND invoice_id = ?`, merchantID, invoiceID); err != nil {
		return nil, dbError("list e-mails not sent", err)
	}
	for _, n := range notSent {
		created, err := outbox.ParseTime(n.CreatedAt)
		if err != nil {
			return nil, err
		}
		got = append(got, Email{ID: n.ID, MerchantID: merchantID, InvoiceID: invoiceID,
			Status: n.Status, LastError: n.Reason, CreatedAt: created})
	}
	sort.SliceStable(got, func(i, j int) bool {
		if !got[i].CreatedAt.Equal(got[j].CreatedAt) {
			return got[i].CreatedAt.After(got[j].CreatedAt)
		}
		return got[i].ID > got[j].ID
	})
	return got, nil
}

// RecordNotSent implements Store.RecordNotSent.
func (s *SQLiteStore) RecordNotSent(ctx context.Context, e Email) (bool, error) {
	var fields []core.FieldError
	if e.ID == "" {
		fields = append(fields, core.FieldError{Field: "id", Message: "is required"})
	}
	if e.MerchantID == "" {
		fields = append(fields, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if e.Status != StatusNoAddress {
		fields = append(fields, core.FieldError{Field: "status", Message: "must be " + StatusNoAddress})
	}
	if err := core.Invalid("invalid e-mail not sent", fields...); err != nil {
		return false, err
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	var created bool
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO emails_not_sent (id, merchant_id, invoice_id, status, reason, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.MerchantID, e.InvoiceID, e.Status, e.LastError, outbox.FormatTime(e.CreatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	if err != nil {
		return false, dbError("record e-mail not sent", err)
	}
	return created, nil
}

// queryer is a transaction or the reader pool.
type queryer interface {
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// loadEmails reads the e-mails matching where (a WHERE clause, possibly
// with ORDER BY) and their attachments, with the bytes only when withData.
func loadEmails(ctx context.Context, q queryer, withData bool, where string, args ...any) ([]Email, error) {
	var rows []row
	if err := q.SelectContext(ctx, &rows, `SELECT `+emailColumns+` FROM emails `+where, args...); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	emails := make([]Email, len(rows))
	byID := make(map[string]int, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		e, err := r.email()
		if err != nil {
			return nil, err
		}
		emails[i] = e
		byID[r.ID] = i
		ids[i] = r.ID
	}
	data := "data"
	if !withData {
		data = "NULL AS data"
	}
	query, qargs, err := sqlx.In(`SELECT email_id, position, filename, content_type, `+data+`
		FROM email_attachments WHERE email_id IN (?) ORDER BY email_id, position`, ids)
	if err != nil {
		return nil, err
	}
	var atts []attachmentRow
	if err := q.SelectContext(ctx, &atts, query, qargs...); err != nil {
		return nil, err
	}
	for _, a := range atts {
		i := byID[a.EmailID]
		emails[i].Message.Attachments = append(emails[i].Message.Attachments,
			Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data})
	}
	return emails, nil
}
