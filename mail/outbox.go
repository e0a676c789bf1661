package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// E-mail statuses. A queued e-mail with Attempts > 0 failed temporarily and
// waits for NextAttemptAt; LastError says why.
// They are the statuses an invoice shows (core.Email*), so the two cannot
// drift apart.
const (
	StatusQueued  = core.EmailQueued
	StatusSending = core.EmailSending
	StatusSent    = core.EmailSent
	StatusFailed  = core.EmailFailed // permanently: it will not be retried
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

// OutboxConfig tunes an Outbox. Zero fields take the defaults.
type OutboxConfig struct {
	// Now is the clock (time.Now by default); tests move it forward
	// instead of sleeping.
	Now func() time.Time
	// PollInterval is how often the worker looks for due e-mails when
	// nothing wakes it (default 15s). Enqueue wakes it at once.
	PollInterval time.Duration
	// BatchSize is how many e-mails one claim takes (default 10).
	BatchSize int
	// Lease is how long a claimed e-mail belongs to its worker (default 15
	// min). After it, the e-mail is sent again: it must exceed the longest
	// send, which SMTPConfig.Timeout bounds per command.
	Lease time.Duration
	// MinBackoff and MaxBackoff bound the delay before retrying a
	// temporary failure: MinBackoff after the first attempt, doubling each
	// attempt up to MaxBackoff (defaults 1 min and 1 h).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Logger receives send failures and store errors (default: discarded).
	Logger hclog.Logger
	// Redact cleans a failed send's error before it is stored as the
	// e-mail's LastError (and shown as the invoice's email_error): an SMTP
	// server's answer may echo what it was sent, the password included.
	// Nil stores it as it is. The gateway passes core.Redactor.String.
	Redact func(string) string
}

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
	mailer Mailer
	cfg    OutboxConfig
	wake   chan struct{}
}

// NewOutbox returns an outbox over store that sends with mailer. Start
// delivery with Run.
func NewOutbox(store Store, mailer Mailer, cfg OutboxConfig) *Outbox {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 15 * time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 10
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 15 * time.Minute
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Minute
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	return &Outbox{store: store, mailer: mailer, cfg: cfg, wake: make(chan struct{}, 1)}
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
		e.ID = newID()
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
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

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
func (o *Outbox) Run(ctx context.Context) {
	timer := time.NewTimer(o.cfg.PollInterval)
	defer timer.Stop()
	for {
		o.drain(ctx)
		// Since Go 1.23 Reset discards a tick not yet received.
		timer.Reset(o.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-timer.C:
		}
	}
}

// drain sends claimed batches until a claim comes back short.
func (o *Outbox) drain(ctx context.Context) {
	for ctx.Err() == nil {
		batch, err := o.store.Claim(ctx, o.cfg.Now(), o.cfg.BatchSize, o.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				o.cfg.Logger.Error("mail: claiming due e-mails failed", "error", err)
			}
			return
		}
		for _, e := range batch {
			o.deliver(ctx, e)
		}
		if len(batch) < o.cfg.BatchSize {
			return
		}
	}
}

// deliver sends one claimed e-mail and records the outcome. Its store
// writes ignore ctx's cancellation: the outcome of a send that happened
// must be recorded even while shutting down.
func (o *Outbox) deliver(ctx context.Context, e Email) {
	m := e.Message
	if m.ID == "" {
		m.ID = e.ID
	}
	sendErr := ctx.Err()
	if sendErr == nil {
		sendErr = o.mailer.Send(ctx, m)
	}
	record, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	now := o.cfg.Now()
	if sendErr == nil {
		if err := o.store.MarkSent(record, e.ID, now); err != nil {
			// The lease will run out and the e-mail be sent again.
			o.cfg.Logger.Error("mail: e-mail sent but not marked sent", "id", e.ID, "error", err)
		}
		return
	}
	permanent := IsPermanent(sendErr)
	next := now.Add(o.Backoff(e.Attempts))
	if ctx.Err() != nil && !permanent {
		next = now // stopped, not failed: the next worker may send at once
	}
	o.cfg.Logger.Warn("mail: sending e-mail failed", "id", e.ID, "invoice_id", e.InvoiceID,
		"attempt", e.Attempts, "permanent", permanent, "error", sendErr)
	lastErr := sendErr.Error()
	if o.cfg.Redact != nil {
		lastErr = o.cfg.Redact(lastErr)
	}
	if err := o.store.MarkFailed(record, e.ID, e.Attempts, next, lastErr, permanent); err != nil {
		if core.Code(err) != core.CodeConflict {
			o.cfg.Logger.Error("mail: recording a failed send failed", "id", e.ID, "error", err)
		}
	}
}

// Backoff is the delay after the attempt-th failed attempt (1-based):
// MinBackoff doubled attempt-1 times, at most MaxBackoff.
func (o *Outbox) Backoff(attempt int) time.Duration {
	d := o.cfg.MinBackoff
	for i := 1; i < attempt && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, o.cfg.MaxBackoff)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
