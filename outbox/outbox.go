// Package outbox is the delivery loop shared by ledgerbridge's durable
// queues: the e-mail outbox (package mail) and the e-invoice outbox
// (package einvoice). Each queue keeps its items in a SQLite table of its
// own; this package claims due items with a lease, hands each to the
// queue's send function, and records the outcome: sent, failed for good
// (an error for which IsPermanent is true), or queued again after an
// exponential backoff. The table's delivery columns and the statements on
// them (Table) live here too, so the rules of claiming, fencing and
// retrying have one home.
//
// Delivery is at least once: an item whose worker dies between the
// receiver accepting it and MarkSent is claimed again when its lease runs
// out. A queue whose receiver can deduplicate (an e-mail's Message-ID, an
// access point's Idempotency-Key) passes it a stable key per item.
package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Statuses of a queued item. They are the delivery statuses an invoice
// shows for its e-mail (core.Email*) and its e-invoice (core.EInvoice*),
// so the three cannot drift apart.
const (
	StatusQueued  = core.EmailQueued
	StatusSending = core.EmailSending
	StatusSent    = core.EmailSent
	StatusFailed  = core.EmailFailed // permanently: it will not be retried
)

// Store is a queue's durable side, as the Worker uses it. Every error is a
// *core.Error. A claim is one atomic step, so two workers never claim the
// same item, and the lease it takes is what brings back an item whose
// worker died mid-send. Table implements the statements.
type Store[T any] interface {
	// Claim atomically takes up to limit items that are due at now —
	// queued with NextAttemptAt <= now, or sending with an expired lease —
	// oldest due first, marks them sending, increments their attempts and
	// leases them until now+lease. It returns them ready to send.
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]T, error)
	// MarkSent records delivery at at, with the receiver's reference for
	// it (receipt, possibly ""). It succeeds whatever the item's attempt (a
	// send that outlived its lease still delivered) and keeps the first
	// delivery time if called again. Errors: CodeNotFound.
	MarkSent(ctx context.Context, id string, at time.Time, receipt string) error
	// MarkFailed records the failure of claim number attempt: permanent
	// marks the item failed for good, otherwise it is queued again for
	// nextAttempt. Errors: CodeNotFound; CodeConflict, changing nothing,
	// when the item is no longer sending under that attempt (it was
	// delivered or claimed again after the lease ran out).
	MarkFailed(ctx context.Context, id string, attempt int, nextAttempt time.Time, lastErr string, permanent bool) error
}

// Key is what the Worker reads of a claimed item.
type Key struct {
	ID string
	// Attempt is the claim's number: the item's attempts after Claim.
	Attempt int
	// LogAttrs are extra key-value pairs for the item's log lines, e.g.
	// "invoice_id", "inv_1".
	LogAttrs []any
}

// Queue is one kind of item for a Worker: where the items are kept and how
// one is sent.
type Queue[T any] struct {
	// Name starts the Worker's log messages ("mail", "einvoice").
	Name  string
	Store Store[T]
	Key   func(T) Key
	// Send delivers one claimed item and returns the receiver's reference
	// for it, which MarkSent stores. Its errors are *core.Errors; those
	// for which IsPermanent is true stop the retries.
	Send func(ctx context.Context, item T) (receipt string, err error)
}

// Config tunes a Worker. Zero fields take the defaults.
type Config struct {
	// Now is the clock (time.Now by default); tests move it forward
	// instead of sleeping.
	Now func() time.Time
	// PollInterval is how often the worker looks for due items when
	// nothing wakes it (default 15s).
	PollInterval time.Duration
	// BatchSize is how many items one claim takes (default 10).
	BatchSize int
	// Lease is how long a claimed item belongs to its worker (default 15
	// min). After it, the item is sent again: it must exceed the longest
	// send, which the sender's own timeouts bound.
	Lease time.Duration
	// MinBackoff and MaxBackoff bound the delay before retrying a
	// temporary failure: MinBackoff after the first attempt, doubling each
	// attempt up to MaxBackoff (defaults 1 min and 1 h).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Logger receives send failures and store errors (default: discarded).
	Logger *slog.Logger
	// Redact cleans a failed send's error before it is stored as the
	// item's last error (and shown on the invoice): a server's answer may
	// echo what it was sent, a password or token included. Nil stores it
	// as it is. The gateway passes core.Redactor.String.
	Redact func(string) string
}

// WithDefaults fills the zero fields of c with the defaults.
func (c Config) WithDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 15 * time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 10
	}
	if c.Lease <= 0 {
		c.Lease = 15 * time.Minute
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Minute
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Worker delivers a queue's due items with retries. Several workers, in
// one process or in several sharing the database, never claim the same
// item at once. Temporary failures are retried without limit, backing off
// from MinBackoff to MaxBackoff; a permanent failure marks the item failed
// and it is not retried.
type Worker[T any] struct {
	q    Queue[T]
	cfg  Config
	wake chan struct{}
}

// NewWorker returns a worker for q. Start it with Run.
func NewWorker[T any](q Queue[T], cfg Config) *Worker[T] {
	return &Worker[T]{q: q, cfg: cfg.WithDefaults(), wake: make(chan struct{}, 1)}
}

// Config is the worker's configuration with the defaults filled in.
func (w *Worker[T]) Config() Config { return w.cfg }

// Wake makes a waiting worker look for due items now instead of at its
// next poll. It never blocks.
func (w *Worker[T]) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers due items until ctx ends: it drains what is due, then waits
// for Wake or the poll interval, and repeats. Several Run calls may work
// the same store at once. Run returns when ctx is done; an item it was
// sending then is queued again for immediate retry.
func (w *Worker[T]) Run(ctx context.Context) {
	timer := time.NewTimer(w.cfg.PollInterval)
	defer timer.Stop()
	for {
		w.Drain(ctx)
		// Since Go 1.23 Reset discards a tick not yet received.
		timer.Reset(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// Drain sends claimed batches until a claim comes back short, and returns
// how many items it tried to send. Run calls it; a test (or a one-off
// flush) may call it directly to deliver what is due now.
func (w *Worker[T]) Drain(ctx context.Context) int {
	n := 0
	for ctx.Err() == nil {
		batch, err := w.q.Store.Claim(ctx, w.cfg.Now(), w.cfg.BatchSize, w.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				w.cfg.Logger.Error(w.q.Name+": claiming due items failed", "error", err)
			}
			return n
		}
		for _, item := range batch {
			w.deliver(ctx, item)
		}
		n += len(batch)
		if len(batch) < w.cfg.BatchSize {
			return n
		}
	}
	return n
}

// deliver sends one claimed item and records the outcome. Its store writes
// ignore ctx's cancellation: the outcome of a send that happened must be
// recorded even while shutting down.
func (w *Worker[T]) deliver(ctx context.Context, item T) {
	k := w.q.Key(item)
	sendErr := ctx.Err()
	var receipt string
	if sendErr == nil {
		receipt, sendErr = w.q.Send(ctx, item)
	}
	record, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	now := w.cfg.Now()
	attrs := append([]any{"id", k.ID}, k.LogAttrs...)
	if sendErr == nil {
		if err := w.q.Store.MarkSent(record, k.ID, now, receipt); err != nil {
			// The lease will run out and the item be sent again.
			w.cfg.Logger.Error(w.q.Name+": sent but not marked sent", append(attrs, "error", err)...)
		}
		return
	}
	permanent := IsPermanent(sendErr)
	next := now.Add(w.Backoff(k.Attempt))
	if ctx.Err() != nil && !permanent {
		next = now // stopped, not failed: the next worker may send at once
	}
	w.cfg.Logger.Warn(w.q.Name+": sending failed",
		append(attrs, "attempt", k.Attempt, "permanent", permanent, "error", sendErr)...)
	lastErr := sendErr.Error()
	if w.cfg.Redact != nil {
		lastErr = w.cfg.Redact(lastErr)
	}
	if err := w.q.Store.MarkFailed(record, k.ID, k.Attempt, next, lastErr, permanent); err != nil {
		if core.Code(err) != core.CodeConflict {
			w.cfg.Logger.Error(w.q.Name+": recording a failed send failed", append(attrs, "error", err)...)
		}
	}
}

// Backoff is the delay after the attempt-th failed attempt (1-based):
// MinBackoff doubled attempt-1 times, at most MaxBackoff.
func (w *Worker[T]) Backoff(attempt int) time.Duration {
	return core.Backoff(attempt, w.cfg.MinBackoff, w.cfg.MaxBackoff)
}

// IsPermanent reports whether a send error means the item can never be
// delivered as it is (CodeInvalid: it is malformed; CodeProviderError: the
// receiver rejected it), so retrying is pointless. Every other error —
// unreachable, timed out, refused credentials, a server error — is
// temporary; nil is not permanent.
func IsPermanent(err error) bool {
	switch core.Code(err) {
	case core.CodeInvalid, core.CodeProviderError:
		return true
	}
	return false
}
