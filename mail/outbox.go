package mail

import (
	"context"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/outbox"
)

// E-mail statuses. A queued e-mail with Attempts > 0 failed temporarily and
// waits for NextAttemptAt; LastError says why.
// They are the statuses an invoice shows (core.Email*), so the two cannot
// drift apart.
const (
	StatusQueued  = outbox.StatusQueued
	StatusSending = outbox.StatusSending
	StatusSent    = outbox.StatusSent
	StatusFailed  = outbox.StatusFailed // permanently: it will not be retried
	// StatusNoAddress: never sent, for want of a recipient address (see
	// Outbox.RecordNotSent); not in the outbox.
	StatusNoAddress = core.EmailNoAddress
)

// Email is one message in the outbox, with its delivery state.
type Email struct {
	ID         string  `json:"id"`
	MerchantID string  `json:"merchant_id"`
	InvoiceID  string  `json:"invoice_id,omitempty"`
	Message    Message `json:"message"`
	// Attempts counts the sends started, including one in progress.
	Attempts      int       `json:"attempts"`
	Status        string    `json:"status"`
	LastError     string    `json:"last_error,omitempty"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
}

// Store is the outbox's durable queue. It is declared here, by its
// consumer; SQLiteStore implements it. Every error is a *core.Error.
//
// Claiming replaces a plain "due" query plus a separate "mark sending": a
// claim is one atomic step, so two workers never claim the same e-mail, and
// the lease it takes is what brings back an e-mail whose worker died
// mid-send.
type Store interface {
	// Enqueue stores e as queued, due at e.NextAttemptAt, with its message
	// and attachment bytes. It is idempotent on e.ID: if an e-mail with
	// that ID exists, it returns the stored one and created=false and
	// changes nothing. Errors: CodeInvalid for an empty ID or MerchantID.
	Enqueue(ctx context.Context, e Email) (stored Email, created bool, err error)
	// Claim atomically takes up to limit e-mails that are due at now —
	// queued with NextAttemptAt <= now, or sending with an expired lease —
	// oldest due first, marks them sending, increments their Attempts and
	// leases them until now+lease (stored as NextAttemptAt). It returns
	// them with their attachments.
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Email, error)
	// MarkSent records delivery at at. It succeeds whatever the e-mail's
	// attempt (a send that outlived its lease still delivered the mail) and
	// keeps the first SentAt if called again. Errors: CodeNotFound.
	MarkSent(ctx context.Context, id string, at time.Time) error
	// MarkFailed records the failure of claim number attempt: permanent
	// marks the e-mail failed for good, otherwise it is queued again for
	// nextAttempt. Errors: CodeNotFound; CodeConflict, changing nothing,
	// when the e-mail is no longer sending under that attempt (it was
	// delivered or claimed again after the lease ran out).
	MarkFailed(ctx context.Context, id string, attempt int, nextAttempt time.Time, lastErr string, permanent bool) error
	// ByInvoice returns a merchant's e-mails for an invoice, newest first,
	// without attachment bytes (Filename and ContentType only).
	// ByInvoice returns a merchant's e-mails for an invoice, with those
	// recorded as not sent, newest first.
	ByInvoice(ctx context.Context, merchantID, invoiceID string) ([]Email, error)
	// RecordNotSent stores e (ID, MerchantID, InvoiceID, Status
	// StatusNoAddress, LastError the reason, CreatedAt) as an e-mail that
	// was never sent, idempotent on e.ID: created is false when it was
	// recorded before. Errors: CodeInvalid.
	RecordNotSent(ctx context.Context, e Email) (created bool, err error)
}

// Mailer sends one message; *Sender is the real one. Errors for which
// IsPermanent is true stop the retries.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// OutboxConfig tunes an Outbox; see outbox.Config. Lease must exceed the
// longest send, which SMTPConfig.Timeout bounds per command.
type OutboxConfig = outbox.Config

// Outbox queues e-mails durably and delivers them with retries.
//
// Delivery is at least once. Before sending, a worker claims the e-mail
// (status sending, with a lease); if the process dies between the SMTP
// server accepting the message and MarkSent, the lease runs out and the
// e-mail is sent again. The Message-ID stays the same (the e-mail's ID), so
// a duplicate is recognisable. Several workers, in one process or in
// several sharing the database, never claim the same e-mail at once.
//
// Temporary failures are retried without limit, backing off from
// MinBackoff to MaxBackoff; a permanent failure (IsPermanent) marks the
// e-mail failed and it is not retried.
type Outbox struct {
	store  Store
	cfg    OutboxConfig // with the defaults filled in
	worker *outbox.Worker[Email]
}

// NewOutbox returns an outbox over store that sends with mailer. Start
// delivery with Run.
func NewOutbox(store Store, mailer Mailer, cfg OutboxConfig) *Outbox {
	w := outbox.NewWorker(outbox.Queue[Email]{
		Name:  "mail",
		Store: sentWithoutReceipt{store},
		Key: func(e Email) outbox.Key {
			return outbox.Key{ID: e.ID, Attempt: e.Attempts, LogAttrs: []any{"invoice_id", e.InvoiceID}}
		},
		Send: func(ctx context.Context, e Email) (string, error) {
			m := e.Message
			if m.ID == "" {
				m.ID = e.ID
			}
			return "", mailer.Send(ctx, m)
		},
	}, cfg)
	return &Outbox{store: store, cfg: w.Config(), worker: w}
}

// sentWithoutReceipt is the e-mail Store as the shared worker's: an SMTP
// server's acceptance carries no reference worth keeping.
type sentWithoutReceipt struct{ Store }

func (s sentWithoutReceipt) MarkSent(ctx context.Context, id string, at time.Time, _ string) error {
	return s.Store.MarkSent(ctx, id, at)
}

// Enqueue stores e for delivery as soon as possible and wakes a worker. An
// empty e.ID gets a random one; a caller that must not queue the same
// e-mail twice (the automatic send after a purchase) passes a stable ID,
// and Enqueue then returns the stored e-mail, whatever its status, with
// created=false. Once Enqueue returns nil the e-mail survives a crash.
// Errors: CodeInvalid naming merchant_id or message fields, and the
// store's errors.
func (o *Outbox) Enqueue(ctx context.Context, e Email) (stored Email, created bool, err error) {
	var fields []core.FieldError
	if strings.TrimSpace(e.MerchantID) == "" {
		fields = append(fields, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if verr := e.Message.Validate("message."); verr != nil {
		fields = append(fields, core.AsError(verr).Fields...)
	}
	if err := core.Invalid("invalid e-mail", fields...); err != nil {
		return Email{}, false, err
	}
	if e.ID == "" {
		e.ID = core.NewID("em")
	}
	now := o.cfg.Now().UTC()
	e.Status = StatusQueued
	e.Attempts = 0
	e.LastError = ""
	e.SentAt = time.Time{}
	e.CreatedAt = now
	e.NextAttemptAt = now
	stored, created, err = o.store.Enqueue(ctx, e)
	if err != nil {
		return Email{}, false, err
	}
	if created {
		o.Wake()
	}
	return stored, created, nil
}

// RecordNotSent records that the e-mail id about an invoice was not sent
// and why (status StatusNoAddress; reason in plain words), so Status shows
// it as the invoice's latest e-mail until another is sent. Idempotent on
// id. Errors: CodeInvalid, the store's.
func (o *Outbox) RecordNotSent(ctx context.Context, id, merchantID, invoiceID, status, reason string) error {
	_, err := o.store.RecordNotSent(ctx, Email{ID: id, MerchantID: merchantID, InvoiceID: invoiceID,
		Status: status, LastError: reason, CreatedAt: o.cfg.Now().UTC()})
	return err
}

// Wake makes a waiting worker look for due e-mails now instead of at its
// next poll. It never blocks.
func (o *Outbox) Wake() { o.worker.Wake() }

// Status returns a merchant's e-mails for an invoice, newest first, with
// status, attempts and last error, without attachment bytes.
// Errors: the store's (CodeUnavailable, CodeInternal).
func (o *Outbox) Status(ctx context.Context, merchantID, invoiceID string) ([]Email, error) {
	return o.store.ByInvoice(ctx, merchantID, invoiceID)
}

// InvoiceEmailStatus is the e-mail status to show on an invoice: the
// status of its newest e-mail, or "" when it was never e-mailed. emails
// must be newest first, as Status returns them.
func InvoiceEmailStatus(emails []Email) string {
	if len(emails) == 0 {
		return ""
	}
	return emails[0].Status
}

// Run delivers due e-mails until ctx ends: it claims a batch, sends each
// e-mail, marks it sent or schedules its retry, and repeats while work is
// due, then waits for Enqueue (or Wake) or the poll interval. Several Run
// calls may work the same store at once. Run returns when ctx is done; an
// e-mail it was sending then is queued again for immediate retry.
func (o *Outbox) Run(ctx context.Context) { o.worker.Run(ctx) }

// Backoff is the delay after the attempt-th failed attempt (1-based):
// MinBackoff doubled attempt-1 times, at most MaxBackoff.
func (o *Outbox) Backoff(attempt int) time.Duration { return o.worker.Backoff(attempt) }
