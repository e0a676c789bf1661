// Package exports takes in the registers' sales receipts, closes business
// days and books every closed day in the merchant's bookkeeping: one
// balanced voucher per location and business day (mapping.BuildVoucher),
// posted through the merchant's active bookkeeping integration with
// Provider.ExportSales, or written out as a SIE 4 file.
//
// A day's export is a job: pending → processing → succeeded | failed. Jobs
// live in the gateway's database (package store implements Store), are
// claimed with a lease in one write transaction, so two engines never work
// on the same job and a job left processing by a crash is taken up again
// when its lease ends; retryable failures are retried with exponential
// backoff. Every voucher carries mapping.ExternalRef(location, day), on
// which ExportSales is idempotent, so a retried or resumed job finds the
// earlier post instead of booking the day twice.
package exports

import (
	"context"
	"log/slog"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// Job statuses, as the contract names them.
const (
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusSucceeded  = "succeeded"
	StatusFailed     = "failed"
)

// Day statuses for days that have no export job. They are additions to the
// contract's four job statuses so that List shows every day.
const (
	// StatusOpen is a day with receipts that is not closed yet.
	StatusOpen = "open"
	// StatusNotScheduled is a closed day without an export job: it lies
	// before the export start date, or the merchant has no active
	// bookkeeping integration (the next RunOnce schedules it once there is
	// one and the date is not before its start date).
	StatusNotScheduled = "not_scheduled"
)

// BookkeepingTarget is where a merchant's days are booked: the active
// bookkeeping integration's connection, its account mapping, the first
// business day it exports, and whether the same system also does the
// merchant's invoicing (then sales paid by invoice are not booked again).
type BookkeepingTarget struct {
	Connection      core.ActiveConnection
	Mapping         mapping.Mapping
	ExportStartDate core.Date // empty: every closed day
	// SameAsInvoicing is true when the merchant's active invoicing
	// integration is this one, or one of the same provider with the same
	// credentials: its invoices already booked the sales charged by
	// invoice, so the daily voucher leaves them out
	// (mapping.BuildOptions.ExcludeInvoiceSales).
	SameAsInvoicing bool
}

// Bookkeeping resolves a merchant's bookkeeping integration
// (*integrations.Service implements it).
type Bookkeeping interface {
	// ActiveBookkeeping is the merchant's active bookkeeping integration;
	// found is false when there is none. A needs_reauth integration is
	// returned with that status (exports pause until it is active again).
	// Errors: CodeUnavailable.
	ActiveBookkeeping(ctx context.Context, merchantID string) (t BookkeepingTarget, found bool, err error)
	// ReportUnauthorized says the provider refused the integration's
	// credentials (see core.ConnectionSource.ReportUnauthorized): an
	// OAuth2 token is refreshed now, or the integration becomes
	// needs_reauth. Errors: CodeNotFound, CodeUnavailable.
	ReportUnauthorized(ctx context.Context, integrationID string) error
}

// Merchants reads merchants and their invoice settings (core.Store, i.e.
// package store, implements it).
type Merchants interface {
	// GetMerchant returns a merchant. Errors: CodeNotFound.
	GetMerchant(ctx context.Context, id string) (core.Merchant, error)
	// GetInvoiceSettings returns the merchant's invoice settings, whose
	// Company names the seller in SIE files. Errors: CodeNotFound.
	GetInvoiceSettings(ctx context.Context, merchantID string) (core.InvoiceSettings, bool, error)
}

// DayKey names one location's business day of one merchant.
type DayKey struct {
	LocationID   string    `json:"location_id" db:"location_id"`
	BusinessDate core.Date `json:"business_date" db:"business_date"`
}

// StoredReceipt is a receipt as stored: the normalized receipt, the
// fingerprint of the request that created it and when it was recorded.
type StoredReceipt struct {
	MerchantID  string
	Receipt     core.SalesReceipt
	RequestHash string
	Total       int64 // the sum of the payments
	RecordedAt  time.Time
}

// Sale is the answer to RecordSale: the stored receipt with its total.
type Sale struct {
	core.SalesReceipt
	Total      int64     `json:"total"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Day is one location's business day as the exports list shows it: the
// day's sales and its export job. ExternalRef is the voucher's reference
// at the provider (mapping.ExternalRef), set on every row.
type Day struct {
	LocationID   string    `json:"location_id"`
	BusinessDate core.Date `json:"business_date"`
	// Status is the job's pending, processing, succeeded or failed; or
	// StatusOpen or StatusNotScheduled for a day without a job.
	Status string `json:"status"`
	// Message is the provider's or the engine's last word on the job:
	// where the voucher was booked, why it failed, why it waits.
	Message     string         `json:"message"`
	ErrorCode   core.ErrorCode `json:"error_code,omitempty"`
	ExternalRef string         `json:"external_ref"`
	// Provider and IntegrationID are the bookkeeping integration the job
	// last ran against; ProviderRef is the voucher's id there.
	Provider      string `json:"provider,omitempty"`
	IntegrationID string `json:"integration_id,omitempty"`
	ProviderRef   string `json:"provider_ref,omitempty"`
	// Attempts counts the job's runs since it was (re)queued.
	Attempts int `json:"attempts"`
	// NextAttemptAt is when a pending job runs next.
	NextAttemptAt *time.Time    `json:"next_attempt_at,omitempty"`
	Receipts      int           `json:"receipts"`
	Total         int64         `json:"total"`
	Currency      core.Currency `json:"currency"`
	Closed        bool          `json:"closed"`
	ClosedAt      *time.Time    `json:"closed_at,omitempty"`
	UpdatedAt     *time.Time    `json:"updated_at,omitempty"`
}

// Job is a claimed export job.
type Job struct {
	MerchantID   string
	LocationID   string
	BusinessDate core.Date
	ExternalRef  string
	Attempts     int // including the current one
	LeaseToken   string
	ProviderRef  string
	// Voucher is the voucher already sent to the provider, which may be
	// booked there (after a lost response or a crash, or for a re-run of a
	// booked day): it is sent again unchanged. Nil means build it.
	Voucher *core.Voucher
}

// JobUpdate ends a claimed job's run. It applies only while the job is
// still processing under LeaseToken.
type JobUpdate struct {
	MerchantID    string
	LocationID    string
	BusinessDate  core.Date
	LeaseToken    string
	Status        string // pending (retry later), succeeded or failed
	Message       string
	ErrorCode     core.ErrorCode
	Provider      string
	IntegrationID string
	// ProviderRef replaces the stored reference when not empty.
	ProviderRef string
	// Voucher replaces the stored voucher (nil clears it).
	Voucher *core.Voucher
	// DueAt is when a pending job runs next.
	DueAt time.Time
	Now   time.Time
}

// DayQuery selects days for List.
type DayQuery struct {
	From, To   core.Date
	LocationID string // empty: every location
	// After continues a listing after this day (date, then location order).
	After *DayKey
	Limit int
}

// Requeue describes Run's re-queueing (see Service.Run for the semantics).
type Requeue struct {
	From, To core.Date
	// Days, when not empty, are exactly the days to run.
	Days []DayKey
	// LocationID, when Days is empty and it is not, limits the run to
	// that location.
	LocationID string
	// StartDate bounds the closed days without a job that are scheduled
	// when Days is empty.
	StartDate core.Date
	Now       time.Time
}

// Store is the persistence the service needs; package store implements it
// on the gateway's SQLite database. Every method returns *core.Error values:
// CodeUnavailable when the database is busy or the context ended,
// CodeInternal otherwise, plus the codes named below.
type Store interface {
	// The Idempotency-Key records of POST /v1/sales (core.Idempotency).
	core.IdempotencyStore

	// SaveSalesReceipt stores r and counts it in its day, unless the
	// merchant already has a receipt with r's ReceiptID: then it returns
	// that one and created=false, whatever r holds. Errors: CodeConflict
	// naming business_date when r is new and its day is closed;
	// CodeNotFound for an unknown merchant.
	SaveSalesReceipt(ctx context.Context, r StoredReceipt) (stored StoredReceipt, created bool, err error)
	// CloseSalesDay marks the day closed at closedAt (a closed day keeps its
	// first closing time) and, when queue is true, gives it a pending
	// export job due at closedAt unless it has one. It returns the day.
	// Errors: CodeNotFound for an unknown merchant.
	CloseSalesDay(ctx context.Context, merchantID string, day DayKey, closedAt time.Time, queue bool) (Day, error)
	// SalesDayReceipts returns the day's receipts in the order recorded.
	SalesDayReceipts(ctx context.Context, merchantID string, day DayKey) ([]core.SalesReceipt, error)

	// MerchantsWithUnqueuedDays lists merchants having closed days without
	// an export job.
	MerchantsWithUnqueuedDays(ctx context.Context) ([]string, error)
	// QueueClosedDays gives every closed day of the merchant on or after
	// from that has no export job a pending job due at now, and returns
	// how many it created.
	QueueClosedDays(ctx context.Context, merchantID string, from core.Date, now time.Time) (int, error)
	// DueExportMerchants lists merchants having a pending job due at now or
	// a processing job whose lease ended by now.
	DueExportMerchants(ctx context.Context, now time.Time) ([]string, error)
	// ClaimExportJob takes the merchant's oldest due job (by business date,
	// then location), marks it processing under token until leaseUntil and
	// counts the attempt, in one write transaction: of concurrent claims
	// each gets a different job. found is false when none is due.
	ClaimExportJob(ctx context.Context, merchantID string, now, leaseUntil time.Time, token string) (job Job, found bool, err error)
	// PauseExportJobs puts the merchant's due jobs (pending, or processing
	// with an ended lease) back to pending with message, due at now, and
	// returns how many changed.
	PauseExportJobs(ctx context.Context, merchantID string, now time.Time, message string) (int, error)
	// FinishExportJob applies u if the job is still processing under
	// u.LeaseToken; applied is false when the lease was lost.
	FinishExportJob(ctx context.Context, u JobUpdate) (applied bool, err error)
	// ExportDays lists the merchant's days in [q.From, q.To] that have
	// receipts, are closed or have a job, by business date then location,
	// at most q.Limit. Rows without a job have status open or
	// not_scheduled and an empty ExternalRef and Currency.
	ExportDays(ctx context.Context, merchantID string, q DayQuery) ([]Day, error)
	// RequeueExportJobs re-queues days for Run and returns them. Errors:
	// CodeConflict naming days[i] for a chosen day that is not closed.
	RequeueExportJobs(ctx context.Context, merchantID string, r Requeue) ([]DayKey, error)
	// ExportedVouchers returns the vouchers booked at a provider for
	// business days in [from, to], by date then location.
	ExportedVouchers(ctx context.Context, merchantID string, from, to core.Date) ([]core.Voucher, error)
}

// Options tune the engine. Zero values take the defaults.
type Options struct {
	// Clock tells the time; nil means time.Now.
	Clock core.Clock
	// Lease is how long a claimed job belongs to its engine; a job still
	// processing after that is taken up again. Default 5 minutes; it must
	// exceed CallTimeout.
	Lease time.Duration
	// CallTimeout bounds one ExportSales call. Default 2 minutes.
	CallTimeout time.Duration
	// RetryBase is the wait after the first retryable failure; it doubles
	// with each attempt up to RetryMax. Defaults 30 seconds and 1 hour.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many runs a job gets before it fails. Default 8.
	MaxAttempts int
	// Workers is how many jobs RunOnce runs at once. Default 4.
	Workers int
	// Logger reports what the engine does on its own; nil discards.
	Logger *slog.Logger
	// Events, when set, is told of every job that succeeded or failed
	// (export.succeeded, export.failed) for the merchants' webhooks.
	Events core.EventPublisher
}

// Defaults of Options.
const (
	DefaultLease       = 5 * time.Minute
	DefaultCallTimeout = 2 * time.Minute
	DefaultRetryBase   = 30 * time.Second
	DefaultRetryMax    = time.Hour
	DefaultMaxAttempts = 8
	DefaultWorkers     = 4
)

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Lease <= o.CallTimeout {
		o.Lease = 2 * o.CallTimeout
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.RetryMax < o.RetryBase {
		o.RetryMax = o.RetryBase
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Service ingests sales, closes days and exports them. It is safe for
// concurrent use, and several Services (in several processes) may share one
// database.
type Service struct {
	store     Store
	merchants Merchants
	books     Bookkeeping
	providers core.ProviderRegistry
	opts      Options
	wake      chan struct{}
	// idem runs POST /v1/sales at most once per Idempotency-Key.
	idem *core.Idempotency
}

// New returns a service over its store, the merchants, the bookkeeping
// integrations and the provider registry.
func New(store Store, merchants Merchants, books Bookkeeping, providers core.ProviderRegistry, opts Options) *Service {
	opts = opts.withDefaults()
	return &Service{store: store, merchants: merchants, books: books, providers: providers,
		opts: opts, wake: make(chan struct{}, 1), idem: core.NewIdempotency(store, opts.Clock)}
}

// Wake delivers a value when new export work was queued (a day closed with
// a job, a Run), so a scheduler loop can run at once instead of waiting for
// its next tick.
func (s *Service) Wake() <-chan struct{} { return s.wake }

func (s *Service) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Loop calls RunOnce now, every interval, and whenever Wake fires, until ctx
// ends. Errors are logged, never fatal.
func (s *Service) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := s.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.opts.Logger.Error("export run failed", "error", err)
		} else if res.Claimed > 0 || res.Queued > 0 {
			s.opts.Logger.Info("export run", "queued", res.Queued, "claimed", res.Claimed,
				"succeeded", res.Succeeded, "retrying", res.Retrying, "failed", res.Failed, "paused", res.Paused)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

func (s *Service) now() time.Time { return s.opts.Clock().UTC() }

// today is the merchant's calendar date now.
func (s *Service) today(m core.Merchant) core.Date {
	return core.DateOf(s.opts.Clock().In(m.Country.Location()))
}
