package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

var _ integrations.Store = (*Store)(nil)

const integrationColumns = `id, merchant_id, provider, invoicing, bookkeeping, status, status_reason,
	credentials, settings, mapping, problems, version, created_at, updated_at, activated_at`

const (
	getIntegrationSQL = `SELECT ` + integrationColumns + ` FROM integrations WHERE id = ?`
	// The active lookups match the partial unique indexes' WHERE clauses,
	// so each is one index probe.
	activeInvoicingSQL = `SELECT ` + integrationColumns + ` FROM integrations
		WHERE merchant_id = ? AND invoicing = 1 AND status IN ('active', 'needs_reauth')`
	activeBookkeepingSQL = `SELECT ` + integrationColumns + ` FROM integrations
		WHERE merchant_id = ? AND bookkeeping = 1 AND status IN ('active', 'needs_reauth')`
)

type integrationRow struct {
	ID           string         `db:"id"`
	MerchantID   string         `db:"merchant_id"`
	Provider     string         `db:"provider"`
	Invoicing    int64          `db:"invoicing"`
	Bookkeeping  int64          `db:"bookkeeping"`
	Status       string         `db:"status"`
	StatusReason string         `db:"status_reason"`
	Credentials  []byte         `db:"credentials"`
	Settings     sql.NullString `db:"settings"`
	Mapping      sql.NullString `db:"mapping"`
	Problems     string         `db:"problems"`
	Version      int64          `db:"version"`
	CreatedAt    string         `db:"created_at"`
	UpdatedAt    string         `db:"updated_at"`
	ActivatedAt  sql.NullString `db:"activated_at"`
}

func (row integrationRow) record() (integrations.Record, error) {
	r := integrations.Record{
		ID: row.ID, MerchantID: row.MerchantID, Provider: row.Provider,
		Status: core.IntegrationStatus(row.Status), StatusReason: row.StatusReason,
		Credentials: row.Credentials, Version: row.Version, Problems: []core.FieldError{},
	}
	if row.Invoicing == 1 {
		r.Modes = append(r.Modes, core.ModeInvoicing)
	}
	if row.Bookkeeping == 1 {
		r.Modes = append(r.Modes, core.ModeBookkeeping)
	}
	malformed := func(what string, err error) error {
		return core.Errorf(core.CodeInternal, "store: malformed %s of integration %q: %v", what, row.ID, err)
	}
	if row.Settings.Valid {
		var s integrations.Settings
		if err := json.Unmarshal([]byte(row.Settings.String), &s); err != nil {
			return integrations.Record{}, malformed("settings", err)
		}
		r.Settings = &s
	}
	if row.Mapping.Valid {
		var m mapping.Mapping
		if err := json.Unmarshal([]byte(row.Mapping.String), &m); err != nil {
			return integrations.Record{}, malformed("mapping", err)
		}
		r.Mapping = &m
	}
	if err := json.Unmarshal([]byte(row.Problems), &r.Problems); err != nil {
		return integrations.Record{}, malformed("problems", err)
	}
	var err error
	if r.CreatedAt, err = parseTime(row.CreatedAt); err != nil {
		return integrations.Record{}, err
	}
	if r.UpdatedAt, err = parseTime(row.UpdatedAt); err != nil {
		return integrations.Record{}, err
	}
	if row.ActivatedAt.Valid {
		if r.ActivatedAt, err = parseTime(row.ActivatedAt.String); err != nil {
			return integrations.Record{}, err
		}
	}
	return r, nil
}

// encoded is a record's JSON columns.
type encoded struct {
	settings, mapping sql.NullString
	problems          string
}

func encodeRecord(r integrations.Record) (encoded, error) {
	var e encoded
	if r.Settings != nil {
		b, err := json.Marshal(r.Settings)
		if err != nil {
			return e, core.Errorf(core.CodeInternal, "store: encode integration settings: %v", err)
		}
		e.settings = sql.NullString{String: string(b), Valid: true}
	}
	if r.Mapping != nil {
		b, err := json.Marshal(r.Mapping)
		if err != nil {
			return e, core.Errorf(core.CodeInternal, "store: encode integration mapping: %v", err)
		}
		e.mapping = sql.NullString{String: string(b), Valid: true}
	}
	problems := r.Problems
	if problems == nil {
		problems = []core.FieldError{}
	}
	b, err := json.Marshal(problems)
	if err != nil {
		return e, core.Errorf(core.CodeInternal, "store: encode integration problems: %v", err)
	}
	e.problems = string(b)
	return e, nil
}

func checkRecord(r integrations.Record) error {
	var errs []core.FieldError
	for _, f := range []struct{ name, value string }{{"id", r.ID}, {"merchant_id", r.MerchantID}, {"provider", r.Provider}} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, core.FieldError{Field: f.name, Message: "is required"})
		}
	}
	if len(r.Modes) == 0 {
		errs = append(errs, core.FieldError{Field: "modes", Message: "needs at least one mode"})
	}
	for _, m := range r.Modes {
		if m != core.ModeInvoicing && m != core.ModeBookkeeping {
			errs = append(errs, core.FieldError{Field: "modes", Message: "unknown mode " + string(m)})
		}
	}
	switch r.Status {
	case core.IntegrationSetup, core.IntegrationActive, core.IntegrationNeedsReauth, core.IntegrationDisabled:
	default:
		errs = append(errs, core.FieldError{Field: "status", Message: "unknown status " + string(r.Status)})
	}
	return core.Invalid("invalid integration", errs...)
}

func bit(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateIntegration stores a new integration at version 1 and returns it
// as stored. A zero CreatedAt means now, a zero UpdatedAt CreatedAt; an
// ActivatedAt is ignored. Errors: CodeInvalid for an empty ID, merchant or
// provider, no or unknown modes, an unknown status; CodeNotFound for an
// unknown merchant; CodeConflict if the ID exists, or for an active
// integration when the merchant has one for its mode already.
func (s *Store) CreateIntegration(ctx context.Context, r integrations.Record) (integrations.Record, error) {
	if err := checkRecord(r); err != nil {
		return integrations.Record{}, err
	}
	e, err := encodeRecord(r)
	if err != nil {
		return integrations.Record{}, err
	}
	created := formatTime(r.CreatedAt)
	updated := created
	if !r.UpdatedAt.IsZero() {
		updated = formatTime(r.UpdatedAt)
	}
	var row integrationRow
	err = s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx) // see BeginIdempotent
		_, err := tx.ExecContext(ctx, `INSERT INTO integrations (`+integrationColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, NULL)`,
			r.ID, r.MerchantID, r.Provider, bit(r.HasMode(core.ModeInvoicing)), bit(r.HasMode(core.ModeBookkeeping)),
			string(r.Status), r.StatusReason, r.Credentials, e.settings, e.mapping, e.problems, created, updated)
		switch {
		case isForeignKeyViolation(err):
			return core.ErrNotFound("merchant", r.MerchantID)
		case sqlite.IsUniqueViolation(err):
			return core.Errorf(core.CodeConflict, "integration %q already exists, or the merchant has an active integration for its mode", r.ID)
		case err != nil:
			return err
		}
		return tx.GetContext(ctx, &row, getIntegrationSQL, r.ID)
	})
	if err != nil {
		return integrations.Record{}, dbError("create integration", err)
	}
	return row.record()
}

// GetIntegration returns an integration of any merchant. Errors:
// CodeNotFound.
func (s *Store) GetIntegration(ctx context.Context, id string) (integrations.Record, error) {
	var row integrationRow
	err := s.stmts.getIntegration.GetContext(ctx, &row, id)
	if errors.Is(err, sql.ErrNoRows) {
		return integrations.Record{}, core.ErrNotFound("integration", id)
	} else if err != nil {
		return integrations.Record{}, dbError("get integration", err)
	}
	return row.record()
}

// ListIntegrations returns the merchant's integrations, oldest first (ties
// in insertion order); an unknown merchant has none. It never returns a nil slice.
func (s *Store) ListIntegrations(ctx context.Context, merchantID string) ([]integrations.Record, error) {
	var rows []integrationRow
	if err := s.db.Reader().SelectContext(ctx, &rows, `SELECT `+integrationColumns+` FROM integrations
		WHERE merchant_id = ? ORDER BY created_at, rowid`, merchantID); err != nil {
		return nil, dbError("list integrations", err)
	}
	out := make([]integrations.Record, 0, len(rows))
	for _, row := range rows {
		r, err := row.record()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// SaveIntegration replaces the integration's status, status reason,
// credentials, settings, mapping, problems and UpdatedAt (zero: now) if it
// is still at r.Version, and returns it as stored at its new version. The
// merchant, provider, modes and times of creation and activation never
// change. Errors: CodeInvalid for an unknown status; CodeNotFound;
// CodeConflict when the integration is no longer at r.Version, or when the
// change would give the merchant two active integrations for a mode.
func (s *Store) SaveIntegration(ctx context.Context, r integrations.Record) (integrations.Record, error) {
	if err := checkRecord(r); err != nil {
		return integrations.Record{}, err
	}
	e, err := encodeRecord(r)
	if err != nil {
		return integrations.Record{}, err
	}
	updated := formatTime(r.UpdatedAt)
	var row integrationRow
	err = s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		res, err := tx.ExecContext(ctx, `UPDATE integrations SET status = ?, status_reason = ?, credentials = ?,
			settings = ?, mapping = ?, problems = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			string(r.Status), r.StatusReason, r.Credentials, e.settings, e.mapping, e.problems, updated, r.ID, r.Version)
		if sqlite.IsUniqueViolation(err) {
			return core.Errorf(core.CodeConflict, "the merchant already has an active integration for a mode of integration %q", r.ID)
		} else if err != nil {
			return err
		}
		if err := versionMatched(ctx, tx, res, r.ID); err != nil {
			return err
		}
		return tx.GetContext(ctx, &row, getIntegrationSQL, r.ID)
	})
	if err != nil {
		return integrations.Record{}, dbError("save integration", err)
	}
	return row.record()
}

// versionMatched turns an UPDATE ... WHERE version = ? that changed nothing
// into CodeNotFound or CodeConflict.
func versionMatched(ctx context.Context, tx *sqlx.Tx, res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	var exists int
	if err := tx.GetContext(ctx, &exists, `SELECT count(*) FROM integrations WHERE id = ?`, id); err != nil {
		return err
	}
	if exists == 0 {
		return core.ErrNotFound("integration", id)
	}
	return core.Errorf(core.CodeConflict, "integration %q changed concurrently", id)
}

// ActivateIntegration makes the integration active if it is still at
// r.Version, in one transaction: first the merchant's other active or
// needs_reauth integrations that share one of its modes become disabled
// (reason "replaced by integration <id>"), then it becomes active with
// activated_at = at, no status reason and r.Problems, and, when it has the
// invoicing mode, "invoice" joins the merchant's payment methods. An
// invoicing-only integration whose provider's bookkeeping integration was
// among those disabled is disabled too, unless the provider still has an
// active bookkeeping integration (see disableOrphanedInvoicing). When
// needsBookkeeping is true and the integration has the invoicing mode
// only, it activates only while the merchant has an active (or
// needs_reauth) bookkeeping integration of the same provider. It returns
// the integration as stored and the IDs it disabled, sorted. Errors:
// CodeNotFound; CodeConflict when it is no longer at r.Version, or when
// needsBookkeeping is not met.
func (s *Store) ActivateIntegration(ctx context.Context, r integrations.Record, at time.Time, needsBookkeeping bool) (integrations.Record, []string, error) {
	e, err := encodeRecord(r)
	if err != nil {
		return integrations.Record{}, nil, err
	}
	stamp := formatTime(at)
	updated := formatTime(r.UpdatedAt)
	var (
		row      integrationRow
		disabled []string
	)
	err = s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		disabled = nil
		var current integrationRow
		err := tx.GetContext(ctx, &current, getIntegrationSQL, r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return core.ErrNotFound("integration", r.ID)
		} else if err != nil {
			return err
		}
		if current.Version != r.Version {
			return core.Errorf(core.CodeConflict, "integration %q changed concurrently", r.ID)
		}
		if needsBookkeeping && current.Invoicing == 1 && current.Bookkeeping == 0 {
			var has bool
			if err := tx.GetContext(ctx, &has, `SELECT EXISTS (`+activeBookkeepingOfSQL+`)`,
				current.MerchantID, current.Provider); err != nil {
				return err
			}
			if !has {
				return core.Errorf(core.CodeConflict, "integration %q invoices through %s, whose bookkeeping integration is no longer active", r.ID, current.Provider)
			}
		}
		var replaced []struct {
			ID          string `db:"id"`
			Provider    string `db:"provider"`
			Bookkeeping int64  `db:"bookkeeping"`
		}
		if err := tx.SelectContext(ctx, &replaced, `UPDATE integrations
			SET status = 'disabled', status_reason = ?, version = version + 1, updated_at = ?
			WHERE merchant_id = ? AND id <> ? AND status IN ('active', 'needs_reauth')
				AND ((invoicing = 1 AND ? = 1) OR (bookkeeping = 1 AND ? = 1))
			RETURNING id, provider, bookkeeping`,
			"replaced by integration "+r.ID+" ("+current.Provider+")", updated, current.MerchantID, r.ID,
			current.Invoicing, current.Bookkeeping); err != nil {
			return err
		}
		var orphaned []integrationRow // the replaced bookkeeping integrations
		for _, x := range replaced {
			disabled = append(disabled, x.ID)
			if x.Bookkeeping == 1 {
				orphaned = append(orphaned, integrationRow{ID: x.ID, Provider: x.Provider})
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE integrations SET status = 'active', status_reason = '', problems = ?,
			version = version + 1, updated_at = ?, activated_at = ? WHERE id = ? AND version = ?`,
			e.problems, updated, stamp, r.ID, r.Version)
		if err != nil {
			return err
		}
		if err := versionMatched(ctx, tx, res, r.ID); err != nil {
			return err
		}
		for _, b := range orphaned {
			ids, err := disableOrphanedInvoicing(ctx, tx, current.MerchantID, b.Provider,
				"its "+b.Provider+" bookkeeping integration "+b.ID+" was replaced by integration "+r.ID+
					" ("+current.Provider+"); invoicing through "+b.Provider+" needs its bookkeeping", updated)
			if err != nil {
				return err
			}
			disabled = append(disabled, ids...)
		}
		if current.Invoicing == 1 {
			// Invoicing activated: the invoice payment method is switched
			// on, at every location unless the admin limited it before.
			if _, err := tx.ExecContext(ctx, `INSERT INTO merchant_payment_methods
				(merchant_id, method, integration_id, enabled_at, enabled, location_ids, updated_at)
				VALUES (?, ?, ?, ?, 1, '[]', ?) ON CONFLICT (merchant_id, method) DO UPDATE SET enabled = 1,
					integration_id = excluded.integration_id, enabled_at = excluded.enabled_at, updated_at = excluded.updated_at`,
				current.MerchantID, mapping.MethodInvoice, r.ID, stamp, stamp); err != nil {
				return err
			}
		}
		return tx.GetContext(ctx, &row, getIntegrationSQL, r.ID)
	})
	if err != nil {
		return integrations.Record{}, nil, dbError("activate integration", err)
	}
	return cascadeResult(row, disabled)
}

// cascadeResult is what ActivateIntegration and DisableIntegration return:
// the integration as stored and the IDs of the others the write disabled,
// sorted and never nil.
func cascadeResult(row integrationRow, disabled []string) (integrations.Record, []string, error) {
	stored, err := row.record()
	if err != nil {
		return integrations.Record{}, nil, err
	}
	if disabled == nil {
		disabled = []string{}
	}
	sort.Strings(disabled)
	return stored, disabled, nil
}

// ActiveIntegration returns the merchant's active or needs_reauth
// integration for mode; found is false when there is none (or mode is not
// a mode). It runs one prepared index lookup: the invoicing engine calls
// it on every request.
func (s *Store) ActiveIntegration(ctx context.Context, merchantID string, mode core.IntegrationMode) (integrations.Record, bool, error) {
	var stmt *sqlx.Stmt
	switch mode {
	case core.ModeInvoicing:
		stmt = s.stmts.activeInvoicing
	case core.ModeBookkeeping:
		stmt = s.stmts.activeBookkeeping
	default:
		return integrations.Record{}, false, nil
	}
	var row integrationRow
	err := stmt.GetContext(ctx, &row, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return integrations.Record{}, false, nil
	} else if err != nil {
		return integrations.Record{}, false, dbError("get active integration", err)
	}
	r, err := row.record()
	return r, err == nil, err
}

// MerchantPaymentMethods lists, sorted, the merchant's enabled payment
// methods (activations enable "invoice"; PutPaymentMethods says where
// each applies). It never returns a nil slice.
func (s *Store) MerchantPaymentMethods(ctx context.Context, merchantID string) ([]string, error) {
	out := []string{}
	if err := s.db.Reader().SelectContext(ctx, &out, `SELECT method FROM merchant_payment_methods
		WHERE merchant_id = ? AND enabled = 1 ORDER BY method`, merchantID); err != nil {
		return nil, dbError("list merchant payment methods", err)
	}
	return out, nil
}

// activeBookkeepingOfSQL selects the merchant's (first parameter) active or
// needs_reauth bookkeeping integrations of a provider (second): what
// invoicing through that provider needs, checked on activation and on
// losing one.
const activeBookkeepingOfSQL = `SELECT 1 FROM integrations b WHERE b.merchant_id = ? AND b.provider = ?
	AND b.bookkeeping = 1 AND b.status IN ('active', 'needs_reauth')`

// disableOrphanedInvoicing disables, with reason, the merchant's active (or
// needs_reauth) invoicing-only integrations of provider when the merchant
// has no active or needs_reauth bookkeeping integration of that provider
// left: invoicing through an accounting system needs its bookkeeping. It
// returns the IDs it disabled.
func disableOrphanedInvoicing(ctx context.Context, tx *sqlx.Tx, merchantID, provider, reason, updated string) ([]string, error) {
	var ids []string
	err := tx.SelectContext(ctx, &ids, `UPDATE integrations
		SET status = 'disabled', status_reason = ?, version = version + 1, updated_at = ?
		WHERE merchant_id = ? AND provider = ? AND invoicing = 1 AND bookkeeping = 0
			AND status IN ('active', 'needs_reauth')
			AND NOT EXISTS (`+activeBookkeepingOfSQL+`)
		RETURNING id`, reason, updated, merchantID, provider, merchantID, provider)
	return ids, err
}

// DisableIntegration stops an active or needs_reauth integration, in one
// transaction: it becomes disabled with reason (its settings, mapping and
// credentials stay, so activating it again resumes it), and, when it has
// the bookkeeping mode, the merchant's invoicing-only integrations of the
// same provider are disabled with it unless another bookkeeping
// integration of that provider is active (see disableOrphanedInvoicing).
// A disabled integration is returned unchanged. It returns the integration
// as stored and the IDs of the others it disabled, sorted. Errors:
// CodeNotFound; CodeConflict for an integration still in setup.
func (s *Store) DisableIntegration(ctx context.Context, id, reason string, at time.Time) (integrations.Record, []string, error) {
	updated := formatTime(at)
	var (
		row      integrationRow
		disabled []string
	)
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		disabled = nil
		err := tx.GetContext(ctx, &row, getIntegrationSQL, id)
		if errors.Is(err, sql.ErrNoRows) {
			return core.ErrNotFound("integration", id)
		} else if err != nil {
			return err
		}
		switch core.IntegrationStatus(row.Status) {
		case core.IntegrationDisabled:
			return nil
		case core.IntegrationSetup:
			return core.Errorf(core.CodeConflict, "integration %s is still being set up: there is nothing to stop", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE integrations SET status = 'disabled', status_reason = ?,
			version = version + 1, updated_at = ? WHERE id = ?`, reason, updated, id); err != nil {
			return err
		}
		if row.Bookkeeping == 1 {
			ids, err := disableOrphanedInvoicing(ctx, tx, row.MerchantID, row.Provider,
				"its "+row.Provider+" bookkeeping integration "+id+" was disabled; invoicing through "+row.Provider+" needs its bookkeeping", updated)
			if err != nil {
				return err
			}
			disabled = ids
		}
		return tx.GetContext(ctx, &row, getIntegrationSQL, id)
	})
	if err != nil {
		return integrations.Record{}, nil, dbError("disable integration", err)
	}
	return cascadeResult(row, disabled)
}
