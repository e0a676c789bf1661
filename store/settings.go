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

const (
	// getInvoiceSettingsSQL finds the merchant and its settings in one
	// query: no row means an unknown merchant, a NULL settings none saved.
	getInvoiceSettingsSQL = `SELECT m.id, s.settings FROM merchants m
		LEFT JOIN invoice_settings s ON s.merchant_id = m.id WHERE m.id = ?`
	putInvoiceSettingsSQL = `INSERT INTO invoice_settings (merchant_id, settings, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`
)

// GetInvoiceSettings returns the merchant's saved invoice settings; found is
// false when none were saved yet. It answers from memory after the first
// read (see settingsCache), never with settings older than those of a
// PutInvoiceSettings that returned before it. The returned value shares no memory with the
// Store. Errors: CodeNotFound for an unknown merchant; CodeInternal if the
// stored settings cannot be decoded.
func (s *Store) GetInvoiceSettings(ctx context.Context, merchantID string) (core.InvoiceSettings, bool, error) {
	if settings, found, hit := s.settings.get(merchantID); hit {
		return settings, found, nil
	}
	s.settings.load.Lock()
	defer s.settings.load.Unlock()
	if settings, found, hit := s.settings.get(merchantID); hit {
		return settings, found, nil // filled while this call waited
	}
	var settings core.InvoiceSettings
	var row struct {
		ID       string         `db:"id"`
		Settings sql.NullString `db:"settings"`
	}
	err := s.stmts.getInvoiceSettings.GetContext(ctx, &row, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return core.InvoiceSettings{}, false, core.ErrNotFound("merchant", merchantID)
	} else if err != nil {
		return core.InvoiceSettings{}, false, dbError("get invoice settings", err)
	}
	if row.Settings.Valid {
		if err := json.Unmarshal([]byte(row.Settings.String), &settings); err != nil {
			return core.InvoiceSettings{}, false, core.Errorf(core.CodeInternal,
				"store: malformed invoice settings of merchant %q: %v", merchantID, err)
		}
	}
	s.settings.set(merchantID, settings, row.Settings.Valid, true)
	return settings, row.Settings.Valid, nil
}

// PutInvoiceSettings saves the merchant's invoice settings whole, replacing
// any saved before; once it returns nil they are committed and every later
// GetInvoiceSettings returns them (or newer ones). It does not validate
// them: that is the caller's business rule. Errors: CodeNotFound for an
// unknown merchant; CodeUnavailable when the database stayed busy or ctx
// ended first.
func (s *Store) PutInvoiceSettings(ctx context.Context, merchantID string, settings core.InvoiceSettings) error {
	data, err := json.Marshal(settings)
	if err != nil {
		return core.Errorf(core.CodeInternal, "store: encode invoice settings: %v", err)
	}
	// Cache exactly what a read of the database would return (JSON, for
	// one, replaces invalid UTF-8), not the caller's value.
	var stored core.InvoiceSettings
	if err := json.Unmarshal(data, &stored); err != nil {
		return core.Errorf(core.CodeInternal, "store: decode invoice settings: %v", err)
	}
	updated := formatTime(time.Now())
	s.settings.load.Lock()
	defer s.settings.load.Unlock()
	err = s.db.Write(ctx, func(tx *sqlx.Tx) error {
		// Once started, run to the end: see BeginIdempotent.
		ctx := context.WithoutCancel(ctx)
		_, err := tx.StmtxContext(ctx, s.stmts.putInvoiceSettings).ExecContext(ctx, merchantID, string(data), updated)
		if isForeignKeyViolation(err) {
			return core.ErrNotFound("merchant", merchantID)
		}
		return err
	})
	// A failed write may still have committed: forget what is cached.
	s.settings.set(merchantID, stored, true, err == nil)
	if err != nil {
		return dbError("put invoice settings", err)
	}
	return nil
}

// cloneSettings returns s with its own copy of every slice
// (TestInvoiceSettingsCloneIsDeep fails when a new one is missed).
func cloneSettings(s core.InvoiceSettings) core.InvoiceSettings {
	if s.AccountantCopy.Emails != nil {
		s.AccountantCopy.Emails = append(make([]string, 0, len(s.AccountantCopy.Emails)), s.AccountantCopy.Emails...)
	}
	return s
}
