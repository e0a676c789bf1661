package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

type oauthStateRow struct {
	StateHash     string `db:"state_hash"`
	MerchantID    string `db:"merchant_id"`
	IntegrationID string `db:"integration_id"`
	CreatedAt     string `db:"created_at"`
	ExpiresAt     string `db:"expires_at"`
}

// CreateOAuthState stores a pending OAuth2 authorization and, in the same
// transaction, deletes every pending authorization that expired before
// st.CreatedAt (zero: now). Errors: CodeInvalid for a hash that is not 64
// hex characters' length or an empty merchant or integration;
// CodeNotFound for an unknown merchant or integration; CodeConflict when
// the hash is stored already.
func (s *Store) CreateOAuthState(ctx context.Context, st integrations.OAuthState) error {
	var errs []core.FieldError
	if len(st.Hash) != 64 {
		errs = append(errs, core.FieldError{Field: "hash", Message: "must be a hex SHA-256 (64 characters)"})
	}
	if st.MerchantID == "" {
		errs = append(errs, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if st.IntegrationID == "" {
		errs = append(errs, core.FieldError{Field: "integration_id", Message: "is required"})
	}
	if err := core.Invalid("invalid OAuth2 state", errs...); err != nil {
		return err
	}
	created := formatTime(st.CreatedAt)
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx) // see BeginIdempotent
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, created); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_states (state_hash, merchant_id, integration_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, st.Hash, st.MerchantID, st.IntegrationID, created, sqlite.FormatTime(st.ExpiresAt))
		switch {
		case isForeignKeyViolation(err):
			return core.Errorf(core.CodeNotFound, "merchant %q or integration %q not found", st.MerchantID, st.IntegrationID)
		case sqlite.IsUniqueViolation(err):
			return core.Errorf(core.CodeConflict, "OAuth2 state exists already")
		}
		return err
	})
	if err != nil {
		return dbError("create OAuth2 state", err)
	}
	return nil
}

// ConsumeOAuthState deletes the pending authorization with hash and
// returns it; found is false when there is none (never stored, consumed
// before, or purged after expiry). An expired one that was not purged yet is
// consumed and returned too: the caller checks ExpiresAt. Deleting and
// returning is one statement, so of concurrent calls with one hash exactly
// one finds it. Errors: CodeUnavailable.
func (s *Store) ConsumeOAuthState(ctx context.Context, hash string) (integrations.OAuthState, bool, error) {
	var (
		row   oauthStateRow
		found bool
	)
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		err := tx.GetContext(ctx, &row, `DELETE FROM oauth_states WHERE state_hash = ?
			RETURNING state_hash, merchant_id, integration_id, created_at, expires_at`, hash)
		found = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return integrations.OAuthState{}, false, dbError("consume OAuth2 state", err)
	}
	if !found {
		return integrations.OAuthState{}, false, nil
	}
	st := integrations.OAuthState{Hash: row.StateHash, MerchantID: row.MerchantID, IntegrationID: row.IntegrationID}
	if st.CreatedAt, err = parseTime(row.CreatedAt); err != nil {
		return integrations.OAuthState{}, false, err
	}
	if st.ExpiresAt, err = parseTime(row.ExpiresAt); err != nil {
		return integrations.OAuthState{}, false, err
	}
	return st, true, nil
}
