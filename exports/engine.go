package exports

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// Result counts what one RunOnce did.
type Result struct {
	// Queued is how many closed days were given an export job.
	Queued int `json:"queued"`
	// Claimed is how many jobs were run.
	Claimed   int `json:"claimed"`
	Succeeded int `json:"succeeded"`
	// Retrying is how many jobs went back to pending after a retryable
	// failure (or an interrupted run).
	Retrying int `json:"retrying"`
	Failed   int `json:"failed"`
	// Paused is how many due jobs were held pending because the
	// integration needs re-authorisation or there is none.
	Paused int `json:"paused"`
	// Lost is how many results were dropped because the job's lease had
	// ended and another engine had taken it.
	Lost int `json:"lost"`
}

// RunOnce does one round of export work, for the scheduler:
//
//  1. Every merchant with closed days that have no job is looked up; if it
//     has an active (or needs_reauth) bookkeeping integration, each such
//     day on or after the integration's export start date gets a pending
//     job.
//  2. For every merchant with due jobs (pending and due, or processing with
//     an ended lease): when its integration needs re-authorisation, or it
//     has none, the jobs stay pending with a message saying so (paused)
//     and run once it is active again. Otherwise Options.Workers workers
//     claim the merchant's due jobs one by one, oldest day first, each
//     with a lease, and run them. Before each claim the integration is
//     looked up again: one disabled, replaced or needing re-authorisation
//     meanwhile stops the merchant's jobs in this run (they stay pending,
//     paused as above, and resume once one is active).
//
// Running a job builds the day's voucher with mapping.BuildVoucher (or
// reuses the voucher already sent, which may be booked) and books it with
// the provider's ExportSales under the day's external reference. When the
// provider refuses the integration's credentials, the refusal is reported
// (Bookkeeping.ReportUnauthorized) and the voucher sent once more with the
// renewed credentials, or, when the integration now needs
// re-authorisation, the job goes back to pending (paused, with a message,
// keeping its voucher) and the merchant's other jobs wait with it until it
// is reconnected. Success
// (including "already booked" and "nothing to book") ends the job
// succeeded with the provider's reference and the voucher; a retryable
// failure (core.Retryable) puts it back to pending after
// RetryBase·2^(attempt-1), capped at RetryMax and at least the error's
// RetryAfter, until MaxAttempts runs failed; any other failure, or the last
// attempt, ends it failed with the message.
//
// It returns when no job is due, or when ctx ends (a job being booked then
// is handed back as pending). Concurrent RunOnce calls, in this process or
// others sharing the database, never run the same job at once. Errors: the
// first CodeUnavailable or CodeInternal from the database or the
// bookkeeping lookup; other merchants' work goes on regardless.
func (s *Service) RunOnce(ctx context.Context) (Result, error) {
	r := &runner{s: s, targets: map[string]resolved{}}
	r.schedule(ctx)
	r.runDue(ctx)
	return r.res, r.err
}

type resolved struct {
	target BookkeepingTarget
	found  bool
	err    error
}

// runner is one RunOnce.
type runner struct {
	s       *Service
	targets map[string]resolved // by merchant, looked up once per run

	mu  sync.Mutex
	res Result
	err error
}

func (r *runner) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = core.AsError(err)
	}
}

func (r *runner) count(f func(*Result)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.res)
}

func (r *runner) target(ctx context.Context, merchantID string) resolved {
	if t, ok := r.targets[merchantID]; ok {
		return t
	}
	t, found, err := r.s.books.ActiveBookkeeping(ctx, merchantID)
	res := resolved{target: t, found: found, err: err}
	r.targets[merchantID] = res
	return res
}

func (r *runner) schedule(ctx context.Context) {
	ids, err := r.s.store.MerchantsWithUnqueuedDays(ctx)
	if err != nil {
		r.fail(err)
		return
	}
	for _, id := range ids {
		t := r.target(ctx, id)
		if t.err != nil {
			r.fail(t.err)
			continue
		}
		if !t.found {
			continue
		}
		n, err := r.s.store.QueueClosedDays(ctx, id, t.target.ExportStartDate, r.s.now())
		if err != nil {
			r.fail(err)
			continue
		}
		r.res.Queued += n
	}
}

// merchantWork is a merchant whose due jobs this run claims.
type merchantWork struct {
	merchant core.Merchant
	target   BookkeepingTarget
	provider core.Provider
	provErr  error

	mu     sync.Mutex
	conn   core.Connection // renewed when the provider refused its credentials
	paused bool            // the integration needs re-authorisation: claim no more jobs
}

func (w *merchantWork) connection() core.Connection {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conn
}

func (w *merchantWork) isPaused() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.paused
}

func (r *runner) runDue(ctx context.Context) {
	ids, err := r.s.store.DueExportMerchants(ctx, r.s.now())
	if err != nil {
		r.fail(err)
		return
	}
	var work []*merchantWork
	for _, id := range ids {
		t := r.target(ctx, id)
		if t.err != nil {
			r.fail(t.err)
			continue
		}
		if pause := pauseReason(t); pause != "" {
			n, err := r.s.store.PauseExportJobs(ctx, id, r.s.now(), pause)
			if err != nil {
				r.fail(err)
			}
			r.res.Paused += n
			continue
		}
		m, err := r.s.merchants.GetMerchant(ctx, id)
		if err != nil {
			r.fail(err)
			continue
		}
		ac := t.target.Connection
		w := &merchantWork{merchant: m, target: t.target, conn: connectionOf(m, ac)}
		w.provider, w.provErr = r.s.providers.Provider(ctx, ac.Provider)
		work = append(work, w)
	}
	if len(work) == 0 {
		return
	}
	q := &workQueue{work: work}
	var wg sync.WaitGroup
	for range r.s.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx, q)
		}()
	}
	wg.Wait()
}

// connectionOf is the provider connection of the merchant's integration.
func connectionOf(m core.Merchant, ac core.ActiveConnection) core.Connection {
	return core.Connection{MerchantID: m.ID, Country: m.Country, Currency: m.Currency,
		Settings: ac.Settings, Credentials: ac.Credentials}
}

// pauseReason says why a merchant's jobs must wait, or "" when they may run.
func pauseReason(t resolved) string {
	c := t.target.Connection
	switch {
	case !t.found:
		return "waiting: the merchant has no active bookkeeping integration"
	case c.Status == core.IntegrationNeedsReauth:
		return fmt.Sprintf("paused: the %s connection needs to be re-authorised in BackOffice; exports resume once it is", c.Provider)
	case c.Status != core.IntegrationActive:
		return fmt.Sprintf("paused: the %s integration is %s", c.Provider, c.Status)
	}
	return ""
}

// workQueue hands out merchants round-robin, so workers spread over
// merchants and still all help with a single busy one.
type workQueue struct {
	mu   sync.Mutex
	work []*merchantWork
	next int
}

func (q *workQueue) pick() *merchantWork {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.work) == 0 {
		return nil
	}
	q.next %= len(q.work)
	w := q.work[q.next]
	q.next++
	return w
}

func (q *workQueue) drop(w *merchantWork) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.work {
		if x == w {
			q.work = append(q.work[:i], q.work[i+1:]...)
			return
		}
	}
}

func (r *runner) work(ctx context.Context, q *workQueue) {
	for ctx.Err() == nil {
		w := q.pick()
		if w == nil {
			return
		}
		if w.isPaused() || !r.current(ctx, w) {
			q.drop(w)
			continue
		}
		now := r.s.now()
		job, found, err := r.s.store.ClaimExportJob(ctx, w.merchant.ID, now, now.Add(r.s.opts.Lease), core.NewID("lease"))
		if err != nil {
			if ctx.Err() == nil {
				r.fail(err)
			}
			return
		}
		if !found {
			q.drop(w)
			continue
		}
		r.count(func(res *Result) { res.Claimed++ })
		u, paused := r.s.runJob(ctx, w, job)
		// The outcome is recorded even when ctx has ended: the provider may
		// have booked the day.
		applied, err := r.s.store.FinishExportJob(context.WithoutCancel(ctx), u)
		if err != nil {
			r.fail(err)
			return
		}
		if applied && !paused {
			r.s.published(ctx, u)
		}
		r.count(func(res *Result) {
			switch {
			case !applied:
				res.Lost++
			case paused:
				res.Paused++
			case u.Status == StatusSucceeded:
				res.Succeeded++
			case u.Status == StatusFailed:
				res.Failed++
			default:
				res.Retrying++
			}
		})
	}
}

// Event is the data of an export.succeeded or export.failed webhook
// event: the day's job as it ended.
type Event struct {
	LocationID    string         `json:"location_id"`
	BusinessDate  core.Date      `json:"business_date"`
	Status        string         `json:"status"`
	Message       string         `json:"message"`
	ErrorCode     core.ErrorCode `json:"error_code,omitempty"`
	Provider      string         `json:"provider,omitempty"`
	IntegrationID string         `json:"integration_id,omitempty"`
	ProviderRef   string         `json:"provider_ref,omitempty"`
	FinishedAt    time.Time      `json:"finished_at"`
}

// published tells the event publisher, if any, of a job that ended
// (succeeded or failed; a retry later is no event). The event's key is the
// job's lease token, which FinishExportJob applies once, so a day run again
// (POST /v1/exports/run) is a new event. A failure to publish is logged.
func (s *Service) published(ctx context.Context, u JobUpdate) {
	typ := map[string]string{StatusSucceeded: core.EventExportSucceeded, StatusFailed: core.EventExportFailed}[u.Status]
	if s.opts.Events == nil || typ == "" {
		return
	}
	ev := core.Event{MerchantID: u.MerchantID, Type: typ, Key: typ + ":" + u.LeaseToken, OccurredAt: u.Now,
		Data: Event{LocationID: u.LocationID, BusinessDate: u.BusinessDate, Status: u.Status, Message: u.Message,
			ErrorCode: u.ErrorCode, Provider: u.Provider, IntegrationID: u.IntegrationID, ProviderRef: u.ProviderRef,
			FinishedAt: u.Now}}
	if err := s.opts.Events.Publish(context.WithoutCancel(ctx), ev); err != nil {
		s.opts.Logger.Warn("export event not published", "merchant", u.MerchantID, "location", u.LocationID,
			"business_date", u.BusinessDate, "status", u.Status, "error", err)
	}
}

// current reports whether w's integration is still the merchant's active
// bookkeeping integration, looked up again before each of its jobs: one
// disabled, replaced or needing re-authorisation during the run stops the
// merchant's work in this run (the job in flight, if any, ends as it
// would). Its due jobs stay pending, with the reason when no integration
// is active; they run with the next run that finds one active, so a day is
// neither lost nor booked twice. The same integration's connection is
// renewed (its OAuth2 access token may have been refreshed).
func (r *runner) current(ctx context.Context, w *merchantWork) bool {
	t, found, err := r.s.books.ActiveBookkeeping(ctx, w.merchant.ID)
	if err != nil {
		if ctx.Err() == nil {
			r.fail(err)
		}
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.paused {
		return false
	}
	ac := t.Connection
	if found && ac.IntegrationID == w.target.Connection.IntegrationID && ac.Status == core.IntegrationActive {
		w.conn = connectionOf(w.merchant, ac)
		return true
	}
	w.paused = true
	pause := pauseReason(resolved{target: t, found: found})
	if pause == "" {
		// Another integration became active: the next run books with it.
		r.s.notify()
		return false
	}
	n, err := r.s.store.PauseExportJobs(ctx, w.merchant.ID, r.s.now(), pause)
	if err != nil {
		r.fail(err)
	}
	r.count(func(res *Result) { res.Paused += n })
	return false
}

// runJob runs one claimed job and returns how it ended; paused is true
// when the job went back to pending because the provider refused the
// integration's credentials and it needs re-authorisation.
func (s *Service) runJob(ctx context.Context, w *merchantWork, job Job) (u JobUpdate, paused bool) {
	u = JobUpdate{
		MerchantID: job.MerchantID, LocationID: job.LocationID, BusinessDate: job.BusinessDate,
		LeaseToken: job.LeaseToken, Provider: w.target.Connection.Provider,
		IntegrationID: w.target.Connection.IntegrationID, Voucher: job.Voucher, Now: s.now(),
	}
	v := job.Voucher
	if v == nil {
		receipts, err := s.store.SalesDayReceipts(ctx, job.MerchantID, DayKey{job.LocationID, job.BusinessDate})
		if err != nil {
			return s.failed(ctx, u, job, err), false
		}
		built, err := mapping.BuildVoucher(w.merchant.Country, job.BusinessDate, job.LocationID, w.merchant.Currency,
			receipts, w.target.Mapping, mapping.BuildOptions{ExcludeInvoiceSales: w.target.SameAsInvoicing})
		if errors.Is(err, mapping.ErrNothingToBook) {
			u.Status, u.Message = StatusSucceeded, "nothing to book: the day's receipts net to zero on every account"
			return u, false
		}
		if err != nil {
			return s.failed(ctx, u, job, err), false
		}
		v = &built
	}
	if w.provErr != nil {
		return s.failed(ctx, u, job, w.provErr), false
	}
	res, pause, err := s.export(ctx, w, *v)
	// From here on v may be booked, so it is kept for any later attempt
	// (also while paused: the provider finds any earlier post of it by its
	// external reference).
	u.Voucher = v
	if pause != "" {
		u.Status, u.DueAt, u.ErrorCode, u.Message = StatusPending, u.Now, core.CodeUnauthorized, pause
		return u, true
	}
	if err != nil {
		return s.failed(ctx, u, job, err), false
	}
	u.Status, u.ProviderRef = StatusSucceeded, res.ProviderRef
	if res.AlreadyExisted {
		u.Message = fmt.Sprintf("already booked in %s as %s (found by its external reference); nothing booked again", u.Provider, res.ProviderRef)
	} else {
		u.Message = fmt.Sprintf("booked in %s as %s", u.Provider, res.ProviderRef)
	}
	return u, false
}

// export books v through the merchant's integration. When the provider
// refuses the integration's credentials (CodeUnauthorized: consent revoked,
// or an access token it expired early) export reports it
// (Bookkeeping.ReportUnauthorized, which renews an OAuth2 token or marks
// the integration needs_reauth) and resolves the integration again: still
// active, v is sent once more with the renewed credentials (and the
// merchant's later jobs use them); otherwise it returns pause, why the
// merchant's exports wait, and the run claims no more of its jobs.
// Errors: ExportSales's; the bookkeeping lookup's.
func (s *Service) export(ctx context.Context, w *merchantWork, v core.Voucher) (res core.ExportResult, pause string, err error) {
	send := func(conn core.Connection) (core.ExportResult, error) {
		callCtx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		defer cancel()
		return w.provider.ExportSales(callCtx, conn, v)
	}
	reconnect := func(refused error) (core.Connection, error) {
		id := w.target.Connection.IntegrationID
		if err := s.books.ReportUnauthorized(ctx, id); err != nil {
			return core.Connection{}, err
		}
		t, found, err := s.books.ActiveBookkeeping(ctx, w.merchant.ID)
		if err != nil {
			return core.Connection{}, err
		}
		if found && t.Connection.IntegrationID == id && t.Connection.Status == core.IntegrationActive {
			conn := connectionOf(w.merchant, t.Connection)
			w.mu.Lock()
			w.conn = conn
			w.mu.Unlock()
			return conn, nil
		}
		reason := pauseReason(resolved{target: t, found: found})
		if reason == "" {
			reason = "waiting: the merchant's bookkeeping integration changed during the export; the day is booked with the next run"
		}
		return core.Connection{}, paused{reason + " (" + describe(core.AsError(refused)) + ")"}
	}
	res, err = core.RetryReconnected(w.connection(), send, reconnect)
	var p paused
	if errors.As(err, &p) {
		w.mu.Lock()
		w.paused = true
		w.mu.Unlock()
		return core.ExportResult{}, p.reason, nil
	}
	return res, "", err
}

// paused is the reconnection's answer when the merchant's exports must wait
// (the integration needs re-authorisation, or changed): why, for the job.
type paused struct{ reason string }

func (p paused) Error() string { return p.reason }

// refused are the codes with which a provider declines a voucher without
// booking anything: the voucher is not kept, so a re-run builds it afresh
// (with a corrected mapping, say).
var refused = map[core.ErrorCode]bool{
	core.CodeInvalid: true, core.CodeProviderError: true, core.CodeUnsupported: true,
	core.CodeNotFound: true, core.CodeConflict: true, core.CodeForbidden: true,
}

// failed decides what err means for the job: retry later, or fail. An
// unauthorized error here came from a retry with just renewed credentials
// (see export): it is retried later like an unavailable provider.
func (s *Service) failed(ctx context.Context, u JobUpdate, job Job, err error) JobUpdate {
	e := core.AsError(err)
	u.ErrorCode = e.Code
	msg := describe(e)
	retryable := core.Retryable(e) || e.Code == core.CodeUnauthorized
	switch {
	case ctx.Err() != nil:
		// Shutting down: hand the job back at once, not counted as a
		// failure of the provider.
		u.Status, u.DueAt = StatusPending, u.Now
		u.Message = "interrupted (the gateway was stopping); it runs again with the next export run: " + msg
	case retryable && job.Attempts < s.opts.MaxAttempts:
		u.Status, u.DueAt = StatusPending, u.Now.Add(s.backoff(job.Attempts, e.RetryAfter))
		u.Message = fmt.Sprintf("attempt %d failed, retrying at %s: %s", job.Attempts, u.DueAt.Format(time.RFC3339), msg)
	case retryable:
		u.Status = StatusFailed
		u.Message = fmt.Sprintf("gave up after %d attempts: %s", job.Attempts, msg)
	default:
		u.Status, u.Message = StatusFailed, msg
		if refused[e.Code] && job.ProviderRef == "" {
			u.Voucher = nil
		}
	}
	return u
}

// backoff is the wait after the attempt-th failed run: RetryBase doubled per
// earlier attempt, at most RetryMax, at least retryAfter.
func (s *Service) backoff(attempt int, retryAfter time.Duration) time.Duration {
	return max(core.Backoff(attempt, s.opts.RetryBase, s.opts.RetryMax), retryAfter)
}

// maxMessage bounds a stored message.
const maxMessage = 2000

// describe renders an error for a person: the message and each field.
func describe(e *core.Error) string {
	msg := e.Message
	if len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = f.Field + ": " + f.Message
		}
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	if r := []rune(msg); len(r) > maxMessage {
		msg = string(r[:maxMessage-3]) + "..."
	}
	return msg
}
