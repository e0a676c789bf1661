package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestPurgeIdempotency: completed records go once completed longer ago than
// the retention; pending records (whose charge may be at the provider) only
// after the much longer pending retention; a retention under 24 hours is
// refused.
func TestPurgeIdempotency(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	now := time.Now().UTC()
	begin := func(key string, created time.Time) {
		t.Helper()
		r := rec("mer_1", key, "h", "ch_"+key)
		r.CreatedAt = created
		if _, _, err := s.BeginIdempotent(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	begin("done", now)
	if err := s.CompleteIdempotent(ctx, "mer_1", "charge", "done", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	begin("pending-3d", now.Add(-3*24*time.Hour))
	begin("pending-10d", now.Add(-10*24*time.Hour))
	exists := func(key string) bool {
		var n int
		if err := s.db.Reader().GetContext(ctx, &n, `SELECT count(*) FROM idempotency_keys WHERE "key" = ?`, key); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	const day = 24 * time.Hour
	wantCode(t, func() error { _, err := s.PurgeIdempotency(ctx, now, 23*time.Hour, 7*day); return err }(), core.CodeInvalid)
	wantCode(t, func() error { _, err := s.PurgeIdempotency(ctx, now, 2*day, day); return err }(), core.CodeInvalid)

	n, err := s.PurgeIdempotency(ctx, now, day, 7*day)
	if err != nil || n != 1 {
		t.Fatalf("PurgeIdempotency now = %d, %v; want the 10-day-old pending record only", n, err)
	}
	if !exists("done") || !exists("pending-3d") || exists("pending-10d") {
		t.Fatalf("after purge: done %v, pending-3d %v, pending-10d %v; want true, true, false",
			exists("done"), exists("pending-3d"), exists("pending-10d"))
	}
	// A day and a minute later the completed record goes; the pending one,
	// now 4 days old, stays.
	n, err = s.PurgeIdempotency(ctx, now.Add(day+time.Minute), day, 7*day)
	if err != nil || n != 1 || exists("done") || !exists("pending-3d") {
		t.Fatalf("PurgeIdempotency a day later = %d, %v; done %v pending-3d %v", n, err, exists("done"), exists("pending-3d"))
	}
	// A purged key is a new key.
	if _, created, err := s.BeginIdempotent(ctx, rec("mer_1", "done", "h2", "ch_new")); err != nil || !created {
		t.Fatalf("reuse of a purged key: created=%v, %v", created, err)
	}
}

// TestPurgeIdempotencyInBatches: many expired records are all purged, in
// batches so no single write holds the database for long.
func TestPurgeIdempotencyInBatches(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	const total = 2*purgeBatch + 17
	at := formatTime(time.Now())
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		for i := range total {
			key := fmt.Sprintf("k%05d", i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys
				(merchant_id, scope, "key", request_hash, resource_id, status, response, created_at, completed_at)
				VALUES ('mer_1', 'charge', ?, 'h', ?, 'completed', X'7B7D', ?, ?)`, key, "ch_"+key, at, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeIdempotency(ctx, time.Now().Add(48*time.Hour), 24*time.Hour, 7*24*time.Hour)
	if err != nil || n != total {
		t.Fatalf("PurgeIdempotency = %d, %v; want %d", n, err, total)
	}
}
