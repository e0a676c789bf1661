package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

type merchantRow struct {
	ID                 string `db:"id"`
	Name               string `db:"name"`
	Country            string `db:"country"`
	Currency           string `db:"currency"`
	InvoicingProvider  string `db:"invoicing_provider"`
	InvoiceStartNumber int64  `db:"invoice_start_number"`
	CreatedAt          string `db:"created_at"`
}

func (r merchantRow) merchant() (core.Merchant, error) {
	t, err := parseTime(r.CreatedAt)
	if err != nil {
		return core.Merchant{}, err
	}
	return core.Merchant{
		ID: r.ID, Name: r.Name, Country: core.Country(r.Country), Currency: core.Currency(r.Currency),
		InvoicingProvider: r.InvoicingProvider, InvoiceStartNumber: r.InvoiceStartNumber, CreatedAt: t,
	}, nil
}

const merchantColumns = `id, name, country, currency, invoicing_provider, invoice_start_number, created_at`

type apiKeyRow struct {
	ID         string         `db:"id"`
	MerchantID string         `db:"merchant_id"`
	Name       string         `db:"name"`
	Role       string         `db:"role"`
	Hash       string         `db:"hash"`
	CreatedAt  string         `db:"created_at"`
	LastUsedAt sql.NullString `db:"last_used_at"`
	RevokedAt  sql.NullString `db:"revoked_at"`
}

func (r apiKeyRow) apiKey() (core.APIKey, error) {
	t, err := parseTime(r.CreatedAt)
	if err != nil {
		return core.APIKey{}, err
	}
	k := core.APIKey{ID: r.ID, MerchantID: r.MerchantID, Name: r.Name, Role: core.Role(r.Role), Hash: r.Hash, CreatedAt: t}
	if k.LastUsedAt, err = parseNullTime(r.LastUsedAt); err != nil {
		return core.APIKey{}, err
	}
	if k.RevokedAt, err = parseNullTime(r.RevokedAt); err != nil {
		return core.APIKey{}, err
	}
	return k, nil
}

func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

const apiKeyColumns = `id, merchant_id, name, role, hash, created_at, last_used_at, revoked_at`

// CreateMerchant stores m and keys in one transaction: either all are stored
// or none. A key with an empty MerchantID is given m's ID. A zero CreatedAt
// means now. Errors: CodeInvalid for an empty ID, an invalid start number, a
// key of another merchant, an unknown role or an empty hash; CodeConflict if
// the merchant ID, a key ID or a key hash exists.
func (s *Store) CreateMerchant(ctx context.Context, m core.Merchant, keys []core.APIKey) error {
	var errs []core.FieldError
	if strings.TrimSpace(m.ID) == "" {
		errs = append(errs, core.FieldError{Field: "id", Message: "is required"})
	}
	if m.InvoiceStartNumber < 1 {
		errs = append(errs, core.FieldError{Field: "invoice_start_number", Message: "must be at least 1"})
	}
	keys = append([]core.APIKey(nil), keys...) // the caller's slice stays untouched
	for i := range keys {
		if keys[i].MerchantID == "" {
			keys[i].MerchantID = m.ID
		}
		if keys[i].MerchantID != m.ID {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("keys[%d].merchant_id", i), Message: "must be the new merchant's ID"})
		}
		for _, fe := range checkAPIKey(keys[i]) {
			fe.Field = fmt.Sprintf("keys[%d].%s", i, fe.Field)
			errs = append(errs, fe)
		}
	}
	if err := core.Invalid("invalid merchant", errs...); err != nil {
		return err
	}
	created := formatTime(m.CreatedAt)
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO merchants (`+merchantColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.Name, string(m.Country), string(m.Currency), m.InvoicingProvider, m.InvoiceStartNumber, created)
		if sqlite.IsUniqueViolation(err) {
			return core.Errorf(core.CodeConflict, "merchant %q already exists", m.ID)
		} else if err != nil {
			return err
		}
		for _, k := range keys {
			if err := insertAPIKey(ctx, tx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return dbError("create merchant", err)
	}
	m.CreatedAt, err = parseTime(created)
	if err != nil {
		return err
	}
	s.merchants.put(m)
	return nil
}

// GetMerchant returns a merchant, from memory after its first read.
// Errors: CodeNotFound.
func (s *Store) GetMerchant(ctx context.Context, id string) (core.Merchant, error) {
	if m, ok := s.merchants.get(id); ok {
		return m, nil
	}
	var row merchantRow
	err := s.db.Reader().GetContext(ctx, &row, `SELECT `+merchantColumns+` FROM merchants WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Merchant{}, core.ErrNotFound("merchant", id)
	} else if err != nil {
		return core.Merchant{}, dbError("get merchant", err)
	}
	m, err := row.merchant()
	if err != nil {
		return core.Merchant{}, err
	}
	s.merchants.put(m)
	return m, nil
}

// ListMerchants returns every merchant, oldest first (ties by ID). It never
// returns a nil slice.
func (s *Store) ListMerchants(ctx context.Context) ([]core.Merchant, error) {
	var rows []merchantRow
	if err := s.db.Reader().SelectContext(ctx, &rows, `SELECT `+merchantColumns+` FROM merchants ORDER BY created_at, id`); err != nil {
		return nil, dbError("list merchants", err)
	}
	out := make([]core.Merchant, 0, len(rows))
	for _, r := range rows {
		m, err := r.merchant()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// MerchantCount returns how many merchants exist; zero means a fresh
// database.
func (s *Store) MerchantCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.Reader().GetContext(ctx, &n, `SELECT count(*) FROM merchants`); err != nil {
		return 0, dbError("count merchants", err)
	}
	return n, nil
}

// ProvidersInUse names, sorted and once each, the providers that a merchant
// invoices with or that an active or needs_reauth integration uses: the
// providers that must answer for the gateway to be ready. Errors:
// CodeInternal.
func (s *Store) ProvidersInUse(ctx context.Context) ([]string, error) {
	names := []string{}
	if err := s.db.Reader().SelectContext(ctx, &names, `
		SELECT invoicing_provider FROM merchants
		UNION
		SELECT provider FROM integrations WHERE status IN ('active', 'needs_reauth')
		ORDER BY 1`); err != nil {
		return nil, dbError("list providers in use", err)
	}
	return names, nil
}

// CreateAPIKey stores k (its hash only; the secret never reaches the store).
// A zero CreatedAt means now. Errors: CodeInvalid for an empty ID or hash or
// an unknown role; CodeNotFound for an unknown merchant; CodeConflict if the
// key ID or hash exists.
func (s *Store) CreateAPIKey(ctx context.Context, k core.APIKey) error {
	errs := checkAPIKey(k)
	if strings.TrimSpace(k.MerchantID) == "" {
		errs = append(errs, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if err := core.Invalid("invalid API key", errs...); err != nil {
		return err
	}
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error { return insertAPIKey(ctx, tx, k) })
	return dbError("create API key", err)
}

func checkAPIKey(k core.APIKey) []core.FieldError {
	var errs []core.FieldError
	if strings.TrimSpace(k.ID) == "" {
		errs = append(errs, core.FieldError{Field: "id", Message: "is required"})
	}
	if !k.Role.Valid() {
		errs = append(errs, core.FieldError{Field: "role", Message: "must be admin, accountant or cashier"})
	}
	if k.Hash == "" {
		errs = append(errs, core.FieldError{Field: "hash", Message: "is required"})
	}
	return errs
}

func insertAPIKey(ctx context.Context, tx *sqlx.Tx, k core.APIKey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, merchant_id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.MerchantID, k.Name, string(k.Role), k.Hash, formatTime(k.CreatedAt))
	switch {
	case isForeignKeyViolation(err):
		return core.ErrNotFound("merchant", k.MerchantID)
	case sqlite.IsUniqueViolation(err):
		return core.Errorf(core.CodeConflict, "API key %q or its secret already exists", k.ID)
	}
	return err
}

const apiKeyByHashSQL = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = ?`

// APIKeyByHash finds a key by the hash of its secret with one indexed query,
// revoked or not (RevokedAt says). It reads the database every time: no
// cache could learn of a revocation made by another process. Errors:
// CodeNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (core.APIKey, error) {
	var row apiKeyRow
	err := s.stmts.apiKeyByHash.GetContext(ctx, &row, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return core.APIKey{}, core.Errorf(core.CodeNotFound, "API key not found")
	} else if err != nil {
		return core.APIKey{}, dbError("find API key", err)
	}
	return row.apiKey()
}
