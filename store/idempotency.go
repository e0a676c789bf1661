package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

type idempotencyRow struct {
	MerchantID  string `db:"merchant_id"`
	Scope       string `db:"scope"`
	Key         string `db:"key"`
	RequestHash string `db:"request_hash"`
	ResourceID  string `db:"resource_id"`
	Status      string `db:"status"`
	Response    []byte `db:"response"`
	CreatedAt   string `db:"created_at"`
}

func (r idempotencyRow) record() (core.IdempotencyRecord, error) {
	t, err := parseTime(r.CreatedAt)
	if err != nil {
		return core.IdempotencyRecord{}, err
	}
	return core.IdempotencyRecord{
		MerchantID: r.MerchantID, Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash,
		ResourceID: r.ResourceID, Status: r.Status, Response: r.Response, CreatedAt: t,
	}, nil
}

const idempotencyWhere = `merchant_id = ? AND scope = ? AND "key" = ?`

// BeginIdempotent inserts rec as pending (whatever rec.Status says) unless a
// record with the same merchant, scope and key exists; then it returns that
// record, pending or completed, and created=false. On creation it returns
// rec as stored. Insert and read happen in one write transaction, so of any
// number of concurrent calls exactly one creates and all see its record.
// A zero CreatedAt means now. Errors: CodeInvalid for an empty merchant ID,
// scope, key, request hash or resource ID; CodeNotFound for an unknown
// merchant; CodeConflict when rec is new and its Claim was taken by another
// key (nothing is stored). Claims outlive the purge of their records.
func (s *Store) BeginIdempotent(ctx context.Context, rec core.IdempotencyRecord) (core.IdempotencyRecord, bool, error) {
	var errs []core.FieldError
	for _, f := range []struct{ name, value string }{
		{"merchant_id", rec.MerchantID}, {"scope", rec.Scope}, {"key", rec.Key},
		{"request_hash", rec.RequestHash}, {"resource_id", rec.ResourceID},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, core.FieldError{Field: f.name, Message: "is required"})
		}
	}
	if err := core.Invalid("invalid idempotency record", errs...); err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	var (
		row     idempotencyRow
		created bool
	)
	createdAt := formatTime(rec.CreatedAt)
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		// Once started, run to the end: interrupting a statement would roll
		// back the transaction this write shares with others (see
		// sqlite.DB.Write), and a cancellable context costs a goroutine
		// per statement.
		ctx := context.WithoutCancel(ctx)
		res, err := tx.StmtxContext(ctx, s.stmts.beginIdempotent).ExecContext(ctx,
			rec.MerchantID, rec.Scope, rec.Key, rec.RequestHash, rec.ResourceID, createdAt)
		if isForeignKeyViolation(err) {
			return core.ErrNotFound("merchant", rec.MerchantID)
		} else if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if created = n == 1; created {
			if rec.Claim == "" {
				return nil // the stored record is the one just inserted
			}
			// The claim is taken in this same write: of two keys with one
			// claim exactly one gets both, and the other stores nothing
			// (returning an error rolls this write back).
			res, err := tx.ExecContext(ctx, claimSQL, rec.MerchantID, rec.Scope, rec.Claim, rec.Key, createdAt)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 1 {
				return err
			}
			return core.Errorf(core.CodeConflict, "%s %q is already claimed by another Idempotency-Key", rec.Scope, rec.Claim)
		}
		return tx.StmtxContext(ctx, s.stmts.getIdempotent).GetContext(ctx, &row, rec.MerchantID, rec.Scope, rec.Key)
	})
	if err != nil {
		return core.IdempotencyRecord{}, false, dbError("begin idempotent request", err)
	}
	if created {
		row = idempotencyRow{MerchantID: rec.MerchantID, Scope: rec.Scope, Key: rec.Key, RequestHash: rec.RequestHash,
			ResourceID: rec.ResourceID, Status: core.IdempotencyPending, CreatedAt: createdAt}
	}
	stored, err := row.record()
	if err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	return stored, created, nil
}

const (
	claimSQL = `INSERT INTO idempotency_claims (merchant_id, scope, claim, "key", created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (merchant_id, scope, claim) DO NOTHING`
	beginIdempotentSQL = `INSERT INTO idempotency_keys
		(merchant_id, scope, "key", request_hash, resource_id, status, response, created_at, completed_at)
		VALUES (?, ?, ?, ?, ?, 'pending', NULL, ?, NULL)
		ON CONFLICT (merchant_id, scope, "key") DO NOTHING`
	getIdempotentSQL = `SELECT merchant_id, scope, "key", request_hash, resource_id, status, response, created_at
		FROM idempotency_keys WHERE ` + idempotencyWhere
	completeIdempotentSQL = `UPDATE idempotency_keys SET status = 'completed', response = ?, completed_at = ?
		WHERE ` + idempotencyWhere + ` AND status = 'pending'`
)

// CompleteIdempotent marks a pending record completed with response, which
// every later BeginIdempotent with the same key returns. Errors:
// CodeNotFound if there is no such record; CodeConflict if it is already
// completed (its response never changes).
func (s *Store) CompleteIdempotent(ctx context.Context, merchantID, scope, key string, response []byte) error {
	if response == nil {
		response = []byte{} // completed records always carry a response
	}
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.StmtxContext(ctx, s.stmts.completeIdempotent).ExecContext(ctx,
			response, formatTime(time.Now()), merchantID, scope, key)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return notPending(ctx, tx, merchantID, scope, key)
	})
	return dbError("complete idempotent request", err)
}

// AbandonIdempotent deletes a pending record, and the claim it took, so its
// key and claim can be used again.
// Abandoning a record that does not exist does nothing. Errors:
// CodeConflict if the record is completed: its response must be kept.
func (s *Store) AbandonIdempotent(ctx context.Context, merchantID, scope, key string) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE `+idempotencyWhere+` AND status = 'pending'`,
			merchantID, scope, key)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			_, err = tx.ExecContext(ctx, `DELETE FROM idempotency_claims WHERE `+idempotencyWhere, merchantID, scope, key)
			return err
		}
		err = notPending(ctx, tx, merchantID, scope, key)
		if core.Code(err) == core.CodeNotFound {
			return nil
		}
		return err
	})
	return dbError("abandon idempotent request", err)
}

// notPending explains why no pending record matched: CodeNotFound if none
// exists, CodeConflict if it is completed.
func notPending(ctx context.Context, tx *sqlx.Tx, merchantID, scope, key string) error {
	var status string
	err := tx.GetContext(ctx, &status, `SELECT status FROM idempotency_keys WHERE `+idempotencyWhere, merchantID, scope, key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return core.Errorf(core.CodeNotFound, "idempotency key %q (%s) not found", key, scope)
	case err != nil:
		return err
	}
	return core.Errorf(core.CodeConflict, "idempotency key %q (%s) is already %s", key, scope, status)
}

// MinIdempotencyRetention is the shortest time a completed idempotency
// record is kept: a register may retry a charge for a day.
const MinIdempotencyRetention = 24 * time.Hour

// purgeBatch is how many records one purge write deletes, so a large purge
// never holds the single writer for long.
const purgeBatch = 1000

// PurgeIdempotency deletes, as of now, completed records completed more
// than keep ago and pending records created more than keepPending ago, and
// returns how many it deleted.
//
// Pending records are kept much longer on purpose: a pending record is an
// attempt that died mid-operation, and its charge may already have reached
// the provider under the record's resource ID (the external reference). A
// retry with the same key finds that ID and gets the provider's earlier
// invoice; once the record is gone, the retry would get a new ID and could
// invoice twice. They are rare (crashes only; attempts refused without
// effect are abandoned at once), so keeping them a week costs little.
//
// Errors: CodeInvalid when keep is under MinIdempotencyRetention or
// keepPending under keep.
func (s *Store) PurgeIdempotency(ctx context.Context, now time.Time, keep, keepPending time.Duration) (int64, error) {
	if keep < MinIdempotencyRetention {
		return 0, core.Invalid("invalid idempotency retention", core.FieldError{Field: "retention", Message: "must be at least 24h"})
	}
	if keepPending < keep {
		return 0, core.Invalid("invalid idempotency retention", core.FieldError{Field: "pending_retention", Message: "must be at least the retention"})
	}
	completedBefore, pendingBefore := formatTime(now.Add(-keep)), formatTime(now.Add(-keepPending))
	var total int64
	for {
		var n int64
		err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (merchant_id, scope, "key") IN (
				SELECT merchant_id, scope, "key" FROM idempotency_keys
				WHERE (status = 'completed' AND completed_at < ?) OR (status = 'pending' AND created_at < ?)
				LIMIT ?)`, completedBefore, pendingBefore, purgeBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, dbError("purge idempotency records", err)
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}
