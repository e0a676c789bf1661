package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

const (
	// claimJobSQL takes the merchant's oldest due job. The subquery walks
	// the partial index export_jobs_active in day order.
	claimJobSQL = `UPDATE export_jobs
		SET status = 'processing', attempts = attempts + 1, due_at = ?, lease_token = ?, updated_at = ?
		WHERE rowid = (SELECT rowid FROM export_jobs
			WHERE merchant_id = ? AND status IN ('pending', 'processing') AND due_at <= ?
			ORDER BY business_date, location_id LIMIT 1)
		RETURNING location_id, business_date, external_ref, attempts, provider_ref, voucher`
	finishJobSQL = `UPDATE export_jobs
		SET status = ?, message = ?, error_code = ?, provider = ?, integration_id = ?,
			provider_ref = CASE WHEN ? <> '' THEN ? ELSE provider_ref END,
			voucher = ?, due_at = ?, lease_token = '', updated_at = ?
		WHERE merchant_id = ? AND location_id = ? AND business_date = ?
			AND status = 'processing' AND lease_token = ?`
)

// queueDay gives a closed day a pending job due at `at` unless it has one.
func queueDay(ctx context.Context, tx *sqlx.Tx, merchantID string, day exports.DayKey, at string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO export_jobs
		(merchant_id, location_id, business_date, status, external_ref, due_at, created_at, updated_at)
		VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)
		ON CONFLICT (merchant_id, location_id, business_date) DO NOTHING`,
		merchantID, day.LocationID, day.BusinessDate, mapping.ExternalRef(day.LocationID, day.BusinessDate), at, at, at)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE sales_days SET queued = 1
		WHERE merchant_id = ? AND location_id = ? AND business_date = ?`, merchantID, day.LocationID, day.BusinessDate)
	return err
}

// MerchantsWithUnqueuedDays lists, sorted, the merchants having closed days
// without an export job.
func (s *Store) MerchantsWithUnqueuedDays(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.db.Reader().SelectContext(ctx, &ids, `SELECT DISTINCT merchant_id FROM sales_days
		WHERE closed_at IS NOT NULL AND queued = 0 ORDER BY merchant_id`)
	return ids, dbError("list merchants with unscheduled days", err)
}

// QueueClosedDays gives every closed day of the merchant on or after from
// (an empty from: every day) without an export job a pending job due at
// now, in one write transaction, and returns how many it created.
func (s *Store) QueueClosedDays(ctx context.Context, merchantID string, from core.Date, now time.Time) (int, error) {
	at := formatTime(now)
	var n int
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		n = 0
		var days []exports.DayKey
		err := tx.SelectContext(ctx, &days, `SELECT location_id, business_date FROM sales_days
			WHERE merchant_id = ? AND closed_at IS NOT NULL AND queued = 0 AND business_date >= ?
			ORDER BY business_date, location_id`, merchantID, from)
		if err != nil {
			return err
		}
		for _, d := range days {
			if err := queueDay(ctx, tx, merchantID, d, at); err != nil {
				return err
			}
		}
		n = len(days)
		return nil
	})
	return n, dbError("schedule closed days", err)
}

// DueExportMerchants lists, sorted, the merchants having a pending job due
// at now or a processing job whose lease ended by now.
func (s *Store) DueExportMerchants(ctx context.Context, now time.Time) ([]string, error) {
	var ids []string
	err := s.db.Reader().SelectContext(ctx, &ids, `SELECT DISTINCT merchant_id FROM export_jobs
		WHERE status IN ('pending', 'processing') AND due_at <= ? ORDER BY merchant_id`, formatTime(now))
	return ids, dbError("list merchants with due exports", err)
}

type claimedRow struct {
	LocationID   string         `db:"location_id"`
	BusinessDate string         `db:"business_date"`
	ExternalRef  string         `db:"external_ref"`
	Attempts     int            `db:"attempts"`
	ProviderRef  string         `db:"provider_ref"`
	Voucher      sql.NullString `db:"voucher"`
}

// ClaimExportJob takes the merchant's oldest due job (by business date,
// then location): a pending job due at now, or a processing job whose lease
// ended by now (its engine is presumed dead). The job becomes processing
// under token until leaseUntil, with its attempt counted, in one statement
// of one write transaction, so concurrent claims, in this process or any
// other, never get the same job. found is false when nothing is due.
func (s *Store) ClaimExportJob(ctx context.Context, merchantID string, now, leaseUntil time.Time, token string) (exports.Job, bool, error) {
	if token == "" {
		return exports.Job{}, false, core.Invalid("invalid claim", core.FieldError{Field: "token", Message: "is required"})
	}
	var (
		row   claimedRow
		found bool
	)
	nowS := formatTime(now)
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		err := tx.StmtxContext(ctx, s.stmts.claimJob).GetContext(ctx, &row,
			formatTime(leaseUntil), token, nowS, merchantID, nowS)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			found = false
			return nil
		case err != nil:
			return err
		}
		found = true
		return nil
	})
	if err != nil || !found {
		return exports.Job{}, false, dbError("claim export job", err)
	}
	job := exports.Job{MerchantID: merchantID, LocationID: row.LocationID, BusinessDate: core.Date(row.BusinessDate),
		ExternalRef: row.ExternalRef, Attempts: row.Attempts, LeaseToken: token, ProviderRef: row.ProviderRef}
	if row.Voucher.Valid {
		var v core.Voucher
		if err := json.Unmarshal([]byte(row.Voucher.String), &v); err != nil {
			return exports.Job{}, false, core.Errorf(core.CodeInternal, "store: stored voucher of %s: %v", row.ExternalRef, err)
		}
		job.Voucher = &v
	}
	return job, true, nil
}

// PauseExportJobs puts the merchant's due jobs (pending and due, or
// processing with an ended lease) back to pending with message, due at now
// so the next run looks again, and returns how many changed; a due job
// already pending with that message is left as it is.
func (s *Store) PauseExportJobs(ctx context.Context, merchantID string, now time.Time, message string) (int, error) {
	nowS := formatTime(now)
	var n int64
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		res, err := tx.ExecContext(ctx, `UPDATE export_jobs
			SET status = 'pending', message = ?, due_at = ?, lease_token = '', updated_at = ?
			WHERE merchant_id = ? AND status IN ('pending', 'processing') AND due_at <= ?
				AND (status <> 'pending' OR message <> ?)`,
			message, nowS, nowS, merchantID, nowS, message)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), dbError("pause export jobs", err)
}

// FinishExportJob records the end of a job's run if the job is still
// processing under u.LeaseToken; applied is false when it is not (its lease
// ended and another engine took it, or it was finished already). Errors:
// CodeInvalid for a status other than pending, succeeded or failed.
func (s *Store) FinishExportJob(ctx context.Context, u exports.JobUpdate) (bool, error) {
	switch u.Status {
	case exports.StatusPending, exports.StatusSucceeded, exports.StatusFailed:
	default:
		return false, core.Invalid("invalid job update", core.FieldError{Field: "status", Message: "must be pending, succeeded or failed"})
	}
	var voucher any
	if u.Voucher != nil {
		b, err := json.Marshal(u.Voucher)
		if err != nil {
			return false, core.Errorf(core.CodeInternal, "store: encode voucher: %v", err)
		}
		voucher = string(b)
	}
	due := u.DueAt
	if u.Status != exports.StatusPending || due.IsZero() {
		due = u.Now
	}
	var applied bool
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		res, err := tx.StmtxContext(ctx, s.stmts.finishJob).ExecContext(ctx,
			u.Status, u.Message, string(u.ErrorCode), u.Provider, u.IntegrationID, u.ProviderRef, u.ProviderRef,
			voucher, formatTime(due), formatTime(u.Now),
			u.MerchantID, u.LocationID, u.BusinessDate, u.LeaseToken)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		applied = n == 1
		return err
	})
	return applied, dbError("finish export job", err)
}

type dayRow struct {
	LocationID    string         `db:"location_id"`
	BusinessDate  string         `db:"business_date"`
	Receipts      int            `db:"receipts"`
	Total         int64          `db:"total"`
	ClosedAt      sql.NullString `db:"closed_at"`
	Status        sql.NullString `db:"status"`
	Message       sql.NullString `db:"message"`
	ErrorCode     sql.NullString `db:"error_code"`
	ExternalRef   sql.NullString `db:"external_ref"`
	Provider      sql.NullString `db:"provider"`
	IntegrationID sql.NullString `db:"integration_id"`
	ProviderRef   sql.NullString `db:"provider_ref"`
	Attempts      sql.NullInt64  `db:"attempts"`
	DueAt         sql.NullString `db:"due_at"`
	UpdatedAt     sql.NullString `db:"updated_at"`
}

func (r dayRow) day() (exports.Day, error) {
	d := exports.Day{LocationID: r.LocationID, BusinessDate: core.Date(r.BusinessDate), Receipts: r.Receipts, Total: r.Total,
		Closed: r.ClosedAt.Valid, Status: r.Status.String, Message: r.Message.String, ErrorCode: core.ErrorCode(r.ErrorCode.String),
		ExternalRef: r.ExternalRef.String, Provider: r.Provider.String, IntegrationID: r.IntegrationID.String,
		ProviderRef: r.ProviderRef.String, Attempts: int(r.Attempts.Int64)}
	var err error
	if d.ClosedAt, err = parseNullTime(r.ClosedAt); err != nil {
		return exports.Day{}, err
	}
	if d.UpdatedAt, err = parseNullTime(r.UpdatedAt); err != nil {
		return exports.Day{}, err
	}
	switch {
	case r.Status.Valid && r.Status.String == exports.StatusPending:
		if d.NextAttemptAt, err = parseNullTime(r.DueAt); err != nil {
			return exports.Day{}, err
		}
	case r.Status.Valid:
	case d.Closed:
		d.Status = exports.StatusNotScheduled
	default:
		d.Status = exports.StatusOpen
	}
	return d, nil
}

// ExportDays lists the merchant's days in [q.From, q.To] that have
// receipts, are closed or have a job, with their jobs, ordered by business
// date then location, starting after q.After, at most q.Limit (0: all).
// Rows without a job have status open or not_scheduled, and ExternalRef and
// Currency empty.
func (s *Store) ExportDays(ctx context.Context, merchantID string, q exports.DayQuery) ([]exports.Day, error) {
	days, err := exportDays(ctx, s.db.Reader(), merchantID, q)
	return days, dbError("list export days", err)
}

func exportDays(ctx context.Context, db sqlx.QueryerContext, merchantID string, q exports.DayQuery) ([]exports.Day, error) {
	query := `SELECT d.location_id, d.business_date, d.receipts, d.total, d.closed_at,
			j.status, j.message, j.error_code, j.external_ref, j.provider, j.integration_id,
			j.provider_ref, j.attempts, j.due_at, j.updated_at
		FROM sales_days d LEFT JOIN export_jobs j ON j.merchant_id = d.merchant_id
			AND j.location_id = d.location_id AND j.business_date = d.business_date
		WHERE d.merchant_id = ? AND d.business_date >= ? AND d.business_date <= ?`
	args := []any{merchantID, q.From, q.To}
	if q.LocationID != "" {
		query += ` AND d.location_id = ?`
		args = append(args, q.LocationID)
	}
	if q.After != nil {
		query += ` AND (d.business_date, d.location_id) > (?, ?)`
		args = append(args, q.After.BusinessDate, q.After.LocationID)
	}
	query += ` ORDER BY d.business_date, d.location_id`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	var rows []dayRow
	if err := sqlx.SelectContext(ctx, db, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]exports.Day, len(rows))
	for i, r := range rows {
		d, err := r.day()
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// RequeueExportJobs re-queues days for exports.Service.Run in one write
// transaction and returns the days queued, by date then location. Re-queued
// jobs are pending, due at r.Now, with attempts from zero; their voucher and
// provider reference are kept. Without r.Days: failed and pending jobs in
// [r.From, r.To], and closed days there on or after r.StartDate without a
// job (which get one), of location r.LocationID only when it is set. With r.Days: exactly those days; a day without a job
// gets one, a processing job is left alone, any other is re-queued. Errors:
// CodeConflict naming days[i] for each chosen day that is not closed
// (nothing is re-queued then).
func (s *Store) RequeueExportJobs(ctx context.Context, merchantID string, r exports.Requeue) ([]exports.DayKey, error) {
	at := formatTime(r.Now)
	const requeue = `UPDATE export_jobs SET status = 'pending', attempts = 0, due_at = ?, message = 're-queued by request',
		error_code = '', lease_token = '', updated_at = ?`
	var out []exports.DayKey
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		out = nil
		if len(r.Days) == 0 {
			var requeued []exports.DayKey
			err := tx.SelectContext(ctx, &requeued, requeue+`
				WHERE merchant_id = ? AND business_date >= ? AND business_date <= ? AND status IN ('failed', 'pending')
					AND (? = '' OR location_id = ?)
				RETURNING location_id, business_date`, at, at, merchantID, r.From, r.To, r.LocationID, r.LocationID)
			if err != nil {
				return err
			}
			from := r.From
			if r.StartDate > from {
				from = r.StartDate
			}
			var fresh []exports.DayKey
			err = tx.SelectContext(ctx, &fresh, `SELECT location_id, business_date FROM sales_days
				WHERE merchant_id = ? AND closed_at IS NOT NULL AND queued = 0 AND business_date >= ? AND business_date <= ?
					AND (? = '' OR location_id = ?)`,
				merchantID, from, r.To, r.LocationID, r.LocationID)
			if err != nil {
				return err
			}
			for _, d := range fresh {
				if err := queueDay(ctx, tx, merchantID, d, at); err != nil {
					return err
				}
			}
			out = append(requeued, fresh...)
			sortDays(out)
			return nil
		}
		var conflicts []core.FieldError
		for i, d := range r.Days {
			var row struct {
				ClosedAt sql.NullString `db:"closed_at"`
				Status   sql.NullString `db:"status"`
			}
			err := tx.GetContext(ctx, &row, `SELECT d.closed_at, j.status FROM sales_days d
				LEFT JOIN export_jobs j ON j.merchant_id = d.merchant_id AND j.location_id = d.location_id
					AND j.business_date = d.business_date
				WHERE d.merchant_id = ? AND d.location_id = ? AND d.business_date = ?`, merchantID, d.LocationID, d.BusinessDate)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			switch {
			case !row.ClosedAt.Valid:
				conflicts = append(conflicts, core.FieldError{Field: fmt.Sprintf("days[%d]", i),
					Message: fmt.Sprintf("business day %s of location %s is not closed", d.BusinessDate, d.LocationID)})
			case len(conflicts) > 0:
			case !row.Status.Valid:
				if err := queueDay(ctx, tx, merchantID, d, at); err != nil {
					return err
				}
				out = append(out, d)
			case row.Status.String == exports.StatusProcessing:
			default:
				if _, err := tx.ExecContext(ctx, requeue+` WHERE merchant_id = ? AND location_id = ? AND business_date = ?`,
					at, at, merchantID, d.LocationID, d.BusinessDate); err != nil {
					return err
				}
				out = append(out, d)
			}
		}
		if len(conflicts) > 0 {
			return &core.Error{Code: core.CodeConflict, Message: "only closed days can be exported", Fields: conflicts}
		}
		out = dedupDays(out)
		return nil
	})
	if err != nil {
		return nil, dbError("re-queue export jobs", err)
	}
	return out, nil
}

func sortDays(days []exports.DayKey) {
	sort.Slice(days, func(i, j int) bool {
		if days[i].BusinessDate != days[j].BusinessDate {
			return days[i].BusinessDate < days[j].BusinessDate
		}
		return days[i].LocationID < days[j].LocationID
	})
}

// dedupDays sorts days and drops repeats (a day chosen twice).
func dedupDays(days []exports.DayKey) []exports.DayKey {
	sortDays(days)
	out := days[:0]
	for i, d := range days {
		if i == 0 || d != days[i-1] {
			out = append(out, d)
		}
	}
	return out
}

// ExportedVouchers returns the vouchers booked at a provider (jobs with a
// provider reference) for business days in [from, to], by date then
// location.
func (s *Store) ExportedVouchers(ctx context.Context, merchantID string, from, to core.Date) ([]core.Voucher, error) {
	var bodies []string
	err := s.db.Reader().SelectContext(ctx, &bodies, `SELECT voucher FROM export_jobs
		WHERE merchant_id = ? AND business_date >= ? AND business_date <= ?
			AND provider_ref <> '' AND voucher IS NOT NULL
		ORDER BY business_date, location_id`, merchantID, from, to)
	if err != nil {
		return nil, dbError("read exported vouchers", err)
	}
	out := make([]core.Voucher, len(bodies))
	for i, b := range bodies {
		if err := json.NewDecoder(strings.NewReader(b)).Decode(&out[i]); err != nil {
			return nil, core.Errorf(core.CodeInternal, "store: stored voucher: %v", err)
		}
	}
	return out, nil
}

// ExportJobStats is the export queue at one moment, for metrics.
type ExportJobStats struct {
	// ByStatus counts the jobs of each status; pending, processing,
	// succeeded and failed are always present.
	ByStatus map[string]int
	// OldestPending is when the oldest job still to book (pending or
	// processing) was created; zero when there is none.
	OldestPending time.Time
}

// ExportJobStats counts the export jobs of every merchant by status and
// finds the oldest unfinished one, in one read (a scan of the jobs, meant
// for a scrape every few seconds, not for every request). Errors: the
// database's (CodeInternal, CodeUnavailable).
func (s *Store) ExportJobStats(ctx context.Context) (ExportJobStats, error) {
	var rows []struct {
		Status string `db:"status"`
		Count  int    `db:"n"`
		Oldest string `db:"oldest"`
	}
	if err := s.db.Reader().SelectContext(ctx, &rows, `SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest
		FROM export_jobs GROUP BY status`); err != nil {
		return ExportJobStats{}, dbError("count export jobs", err)
	}
	st := ExportJobStats{ByStatus: map[string]int{"pending": 0, "processing": 0, "succeeded": 0, "failed": 0}}
	for _, r := range rows {
		st.ByStatus[r.Status] = r.Count
		if r.Status != "pending" && r.Status != "processing" {
			continue
		}
		created, err := parseTime(r.Oldest)
		if err != nil {
			return ExportJobStats{}, core.Errorf(core.CodeInternal, "export job created_at %q: %v", r.Oldest, err)
		}
		if st.OldestPending.IsZero() || created.Before(st.OldestPending) {
			st.OldestPending = created
		}
	}
	return st, nil
}
