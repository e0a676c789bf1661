package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// ListAPIKeys returns the merchant's keys, revoked ones included, oldest
// first (ties by ID), without their hashes. It never returns a nil slice.
func (s *Store) ListAPIKeys(ctx context.Context, merchantID string) ([]core.APIKey, error) {
	var rows []apiKeyRow
	err := s.db.Reader().SelectContext(ctx, &rows,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE merchant_id = ? ORDER BY created_at, id`, merchantID)
	if err != nil {
		return nil, dbError("list API keys", err)
	}
	out := make([]core.APIKey, 0, len(rows))
	for _, r := range rows {
		k, err := r.apiKey()
		if err != nil {
			return nil, err
		}
		k.Hash = ""
		out = append(out, k)
	}
	return out, nil
}

// GetAPIKey returns one key by ID, whatever its merchant, without its hash:
// for the operator's command line, which has no merchant scope. Errors:
// CodeNotFound.
func (s *Store) GetAPIKey(ctx context.Context, id string) (core.APIKey, error) {
	var row apiKeyRow
	err := s.db.Reader().GetContext(ctx, &row, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return core.APIKey{}, core.ErrNotFound("API key", id)
	} else if err != nil {
		return core.APIKey{}, dbError("get API key", err)
	}
	k, err := row.apiKey()
	k.Hash = ""
	return k, err
}

// RevokeAPIKey marks the merchant's key revoked at at (a zero at means now)
// and returns it without its hash. Revoking a revoked key changes nothing
// and keeps the first time. Errors: CodeInvalid for an empty merchant ID;
// CodeNotFound when the merchant has no such key (another merchant's key
// included).
func (s *Store) RevokeAPIKey(ctx context.Context, merchantID, id string, at time.Time) (core.APIKey, error) {
	if strings.TrimSpace(merchantID) == "" {
		return core.APIKey{}, core.Invalid("invalid API key", core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	var row apiKeyRow
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE merchant_id = ? AND id = ? AND revoked_at IS NULL`,
			formatTime(at), merchantID, id)
		if err != nil {
			return err
		}
		err = tx.GetContext(ctx, &row, `SELECT `+apiKeyColumns+` FROM api_keys WHERE merchant_id = ? AND id = ?`, merchantID, id)
		if errors.Is(err, sql.ErrNoRows) {
			return core.ErrNotFound("API key", id)
		}
		return err
	})
	if err != nil {
		return core.APIKey{}, dbError("revoke API key", err)
	}
	k, err := row.apiKey()
	k.Hash = ""
	return k, err
}

// TouchAPIKeys records when keys were last used, all in one write: the
// engine coalesces uses in memory and flushes them here periodically. A
// time older than the stored one is ignored, so flushes from several
// gateways in any order keep the latest; unknown IDs are ignored.
func (s *Store) TouchAPIKeys(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := make([]string, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	sort.Strings(ids) // a stable write order
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		stmt, err := tx.PreparexContext(ctx, `UPDATE api_keys SET last_used_at = ?1
			WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, formatTime(used[id]), id); err != nil {
				return err
			}
		}
		return nil
	})
	return dbError("record API key use", err)
}
