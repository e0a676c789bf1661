package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// PaymentMethods returns the merchant's saved payment methods, sorted by
// method: those activations enabled and those the admin saved. An unknown
// merchant has none.
func (s *Store) PaymentMethods(ctx context.Context, merchantID string) ([]core.PaymentMethod, error) {
	var rows []struct {
		Method      string `db:"method"`
		Enabled     int    `db:"enabled"`
		LocationIDs string `db:"location_ids"`
	}
	if err := s.db.Reader().SelectContext(ctx, &rows, `SELECT method, enabled, location_ids
		FROM merchant_payment_methods WHERE merchant_id = ? ORDER BY method`, merchantID); err != nil {
		return nil, dbError("list payment methods", err)
	}
	out := make([]core.PaymentMethod, 0, len(rows))
	for _, r := range rows {
		m := core.PaymentMethod{Method: r.Method, Enabled: r.Enabled == 1, LocationIDs: []string{}}
		if err := json.Unmarshal([]byte(r.LocationIDs), &m.LocationIDs); err != nil {
			return nil, core.Errorf(core.CodeInternal, "store: malformed location_ids of payment method %q: %v", r.Method, err)
		}
		if m.LocationIDs == nil {
			m.LocationIDs = []string{}
		}
		out = append(out, m)
	}
	return out, nil
}

// PutPaymentMethods replaces the merchant's payment methods whole in one
// write: methods not listed are deleted; a listed method an activation
// made keeps its integration_id and enabled_at. It does not validate them
// (core does). Errors: CodeNotFound for an unknown merchant.
func (s *Store) PutPaymentMethods(ctx context.Context, merchantID string, methods []core.PaymentMethod, at time.Time) error {
	stamp := formatTime(at)
	type row struct {
		method, locations string
		enabled           int
	}
	rows := make([]row, 0, len(methods))
	keep := make([]string, 0, len(methods))
	for _, m := range methods {
		locs := m.LocationIDs
		if locs == nil {
			locs = []string{}
		}
		data, err := json.Marshal(locs)
		if err != nil {
			return core.Errorf(core.CodeInternal, "store: encode location_ids: %v", err)
		}
		r := row{method: m.Method, locations: string(data)}
		if m.Enabled {
			r.enabled = 1
		}
		rows = append(rows, r)
		keep = append(keep, m.Method)
	}
	keepJSON, err := json.Marshal(keep)
	if err != nil {
		return core.Errorf(core.CodeInternal, "store: encode methods: %v", err)
	}
	err = s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		var one int
		if err := tx.GetContext(ctx, &one, `SELECT 1 FROM merchants WHERE id = ?`, merchantID); errors.Is(err, sql.ErrNoRows) {
			return core.ErrNotFound("merchant", merchantID)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM merchant_payment_methods WHERE merchant_id = ?
			AND method NOT IN (SELECT value FROM json_each(?))`, merchantID, string(keepJSON)); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO merchant_payment_methods
				(merchant_id, method, integration_id, enabled_at, enabled, location_ids, updated_at)
				VALUES (?, ?, '', ?, ?, ?, ?)
				ON CONFLICT (merchant_id, method) DO UPDATE SET enabled = excluded.enabled,
					location_ids = excluded.location_ids, updated_at = excluded.updated_at`,
				merchantID, r.method, stamp, r.enabled, r.locations, stamp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return dbError("put payment methods", err)
	}
	return nil
}
