package exports

import (
	"context"
	"fmt"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// ListQuery selects the days of GET /v1/exports. An empty To is today in
// the merchant's country, an empty From 30 days before To.
type ListQuery struct {
	From       core.Date
	To         core.Date
	LocationID string // empty: every location
	Limit      int    // default 50, at most 500
	Cursor     string // a NextCursor of the previous page
}

// DayPage is one page of days; NextCursor is empty on the last page.
type DayPage struct {
	Days       []Day  `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// MaxRange bounds the days one Run or SIE call covers: two years.
const MaxRange = 731

// List returns one row per location and business day in [from, to] that
// has receipts, is closed or has an export job, ordered by business date
// then location: the job's status (pending, processing, succeeded, failed),
// or open (not closed) or not_scheduled (closed, no job, with the reason in
// message), with the message, external_ref, provider_ref and attempts.
//
// Errors: CodeForbidden; CodeInvalid naming from, to, limit or cursor;
// CodeNotFound for an unknown merchant; CodeUnavailable.
func (s *Service) List(ctx context.Context, p core.Principal, q ListQuery) (DayPage, error) {
	if err := p.Authorize(core.ActionReadExports); err != nil {
		return DayPage{}, err
	}
	m, err := s.merchants.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return DayPage{}, err
	}
	var errs []core.FieldError
	if q.To == "" {
		q.To = s.today(m)
	}
	if q.From == "" && q.To.Valid() {
		q.From = q.To.AddDays(-30)
	}
	errs = append(errs, checkRange(q.From, q.To, 0)...)
	errs = core.CheckText(errs, "location_id", strings.TrimSpace(q.LocationID), core.MaxIDLength, false)
	limit, lerr := core.NormalizeLimit(q.Limit)
	if lerr != nil {
		errs = append(errs, core.AsError(lerr).Fields...)
	}
	var after *DayKey
	if q.Cursor != "" {
		if after, err = decodeCursor(q.Cursor); err != nil {
			errs = append(errs, core.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
		}
	}
	if err := core.Invalid("invalid exports query", errs...); err != nil {
		return DayPage{}, err
	}
	days, err := s.store.ExportDays(ctx, m.ID, DayQuery{From: q.From, To: q.To, LocationID: strings.TrimSpace(q.LocationID),
		After: after, Limit: limit + 1})
	if err != nil {
		return DayPage{}, err
	}
	var page DayPage
	if len(days) > limit {
		days = days[:limit]
		last := days[limit-1]
		page.NextCursor = core.EncodeCursor(DayKey{LocationID: last.LocationID, BusinessDate: last.BusinessDate})
	}
	t, found := s.targetForDisplay(ctx, m.ID)
	page.Days = make([]Day, len(days))
	for i, d := range days {
		page.Days[i] = s.decorate(m, d, t, found)
	}
	return page, nil
}

// targetForDisplay looks up the bookkeeping integration to explain
// unscheduled days; a failed lookup only loses the explanation.
func (s *Service) targetForDisplay(ctx context.Context, merchantID string) (BookkeepingTarget, bool) {
	t, found, err := s.books.ActiveBookkeeping(ctx, merchantID)
	if err != nil {
		return BookkeepingTarget{}, false
	}
	return t, found
}

// checkRange validates from and to; maxDays > 0 bounds the range.
func checkRange(from, to core.Date, maxDays int) []core.FieldError {
	var errs []core.FieldError
	if !from.Valid() {
		errs = append(errs, core.FieldError{Field: "from", Message: "must be a date YYYY-MM-DD"})
	}
	if !to.Valid() {
		errs = append(errs, core.FieldError{Field: "to", Message: "must be a date YYYY-MM-DD"})
	}
	if len(errs) > 0 {
		return errs
	}
	switch {
	case to < from:
		errs = append(errs, core.FieldError{Field: "to", Message: "must not be before from"})
	case maxDays > 0 && to > from.AddDays(maxDays-1):
		errs = append(errs, core.FieldError{Field: "to", Message: fmt.Sprintf("the range may cover at most %d days", maxDays)})
	}
	return errs
}

// decodeCursor reads the position after a page's last day.
func decodeCursor(c string) (*DayKey, error) {
	var k DayKey
	if err := core.DecodeCursor(c, &k); err != nil || !k.BusinessDate.Valid() || k.LocationID == "" {
		return nil, core.ErrInvalidCursor()
	}
	return &k, nil
}

// RunRequest is the body of POST /v1/exports/run.
type RunRequest struct {
	From core.Date `json:"from"`
	To   core.Date `json:"to"`
	// Days, when given, are exactly the days to run; each must lie in
	// [From, To].
	Days []DayKey `json:"days,omitempty"`
	// LocationID, without Days, limits the run to that location's days.
	LocationID string `json:"location_id,omitempty"`
}

// RunResult says which days Run queued; they run with the next RunOnce.
type RunResult struct {
	Queued int   `json:"queued"`
	Days   []Day `json:"data"`
}

// MaxRunDays bounds RunRequest.Days.
const MaxRunDays = 1000

// Run re-queues export work in [from, to] (at most MaxRange days); the
// next RunOnce (Wake fires) runs it. Semantics:
//
//   - Without Days: every failed day gets a fresh pending job (attempts
//     from zero); every pending day becomes due now (skipping its backoff
//     or pause wait); every closed day without a job on or after the
//     export start date gets one. Succeeded and processing days are left
//     alone. LocationID, when set, limits this to that location's days.
//   - With Days, exactly those days, each of which must be closed: a day
//     without a job gets one, even before the export start date; a
//     failed, pending or succeeded day is re-queued (attempts from zero);
//     a processing day is left to its engine.
//
// A day is never booked twice. A re-queued day that was booked (succeeded)
// keeps its voucher and provider_ref and sends that same voucher again
// under the same external reference: a provider that still holds it
// answers AlreadyExisted and the day ends succeeded with "already booked"
// and nothing posted; only if the voucher was deleted at the provider is it
// booked again, unchanged. Likewise a day whose earlier attempt may have
// been booked (a lost response, a crash) resends the voucher it sent. A
// day that was refused (invalid, provider_error, ...) or could not be built
// is rebuilt from its receipts with the current mapping.
//
// Errors: CodeForbidden; CodeInvalid naming from, to, location_id, days or
// days[i].location_id / days[i].business_date; CodeConflict when the
// merchant has no bookkeeping integration, or naming days[i] when a chosen
// day is not closed; CodeNotFound for an unknown merchant; CodeUnavailable.
func (s *Service) Run(ctx context.Context, p core.Principal, req RunRequest) (RunResult, error) {
	if err := p.Authorize(core.ActionRunExports); err != nil {
		return RunResult{}, err
	}
	m, err := s.merchants.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return RunResult{}, err
	}
	errs := checkRange(req.From, req.To, MaxRange)
	if len(req.Days) > MaxRunDays {
		errs = append(errs, core.FieldError{Field: "days", Message: fmt.Sprintf("must be at most %d", MaxRunDays)})
	}
	req.LocationID = strings.TrimSpace(req.LocationID)
	errs = core.CheckText(errs, "location_id", req.LocationID, core.MaxIDLength, false)
	days := make([]DayKey, len(req.Days))
	for i, d := range req.Days {
		at := fmt.Sprintf("days[%d]", i)
		d.LocationID = strings.TrimSpace(d.LocationID)
		if d.LocationID == "" {
			errs = append(errs, core.FieldError{Field: at + ".location_id", Message: "is required"})
		}
		errs = core.CheckText(errs, at+".location_id", d.LocationID, core.MaxIDLength, false)
		switch {
		case !d.BusinessDate.Valid():
			errs = append(errs, core.FieldError{Field: at + ".business_date", Message: "must be a date YYYY-MM-DD"})
		case d.BusinessDate < req.From || d.BusinessDate > req.To:
			errs = append(errs, core.FieldError{Field: at + ".business_date", Message: "must lie between from and to"})
		}
		days[i] = d
	}
	if err := core.Invalid("invalid export run", errs...); err != nil {
		return RunResult{}, err
	}
	t, found, err := s.books.ActiveBookkeeping(ctx, m.ID)
	if err != nil {
		return RunResult{}, err
	}
	if !found {
		return RunResult{}, core.Errorf(core.CodeConflict, "there is no active bookkeeping integration to export to; activate one first")
	}
	keys, err := s.store.RequeueExportJobs(ctx, m.ID, Requeue{From: req.From, To: req.To, Days: days, LocationID: req.LocationID,
		StartDate: t.ExportStartDate, Now: s.now()})
	if err != nil {
		return RunResult{}, err
	}
	out := RunResult{Queued: len(keys), Days: []Day{}}
	if len(keys) == 0 {
		return out, nil
	}
	s.notify()
	want := make(map[DayKey]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	rows, err := s.store.ExportDays(ctx, m.ID, DayQuery{From: req.From, To: req.To})
	if err != nil {
		return RunResult{}, err
	}
	for _, d := range rows {
		if want[DayKey{LocationID: d.LocationID, BusinessDate: d.BusinessDate}] {
			out.Days = append(out.Days, s.decorate(m, d, t, found))
		}
	}
	return out, nil
}
