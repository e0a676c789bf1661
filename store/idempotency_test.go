package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func idemStore(t *testing.T, merchants ...string) *Store {
	t.Helper()
	s := newTestStore(t)
	for _, id := range merchants {
		m, keys := testMerchant(id, time.Now())
		if err := s.CreateMerchant(context.Background(), m, keys); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func rec(merchant, key, hash, resource string) core.IdempotencyRecord {
	return core.IdempotencyRecord{MerchantID: merchant, Scope: "charge", Key: key, RequestHash: hash, ResourceID: resource,
		Status: core.IdempotencyPending, CreatedAt: time.Date(2025, 2, 3, 4, 5, 6, 7, time.UTC)}
}

func TestBeginIdempotentCreatesThenReturnsStored(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	first, created, err := s.BeginIdempotent(ctx, rec("mer_1", "k", "hash-a", "ch_first"))
	if err != nil || !created {
		t.Fatalf("first Begin: created=%v, %v", created, err)
	}
	if first.Status != core.IdempotencyPending || first.ResourceID != "ch_first" || first.RequestHash != "hash-a" ||
		!first.CreatedAt.Equal(time.Date(2025, 2, 3, 4, 5, 6, 7, time.UTC)) || first.Response != nil {
		t.Fatalf("first record = %+v", first)
	}
	// A second use, even with another body, gets the first record back:
	// the caller compares hashes and reuses the first resource ID.
	again, created, err := s.BeginIdempotent(ctx, rec("mer_1", "k", "hash-b", "ch_second"))
	if err != nil || created {
		t.Fatalf("second Begin: created=%v, %v", created, err)
	}
	if again.ResourceID != "ch_first" || again.RequestHash != "hash-a" || again.Status != core.IdempotencyPending {
		t.Fatalf("second Begin returned %+v, want the first record", again)
	}
}

func TestBeginIdempotentStoresPendingWhateverStatus(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	r := rec("mer_1", "k", "h", "ch_1")
	r.Status = core.IdempotencyCompleted
	got, created, err := s.BeginIdempotent(ctx, r)
	if err != nil || !created || got.Status != core.IdempotencyPending {
		t.Fatalf("Begin = %+v, %v, %v", got, created, err)
	}
}

func TestCompleteIdempotent(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	if _, _, err := s.BeginIdempotent(ctx, rec("mer_1", "k", "h", "ch_1")); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"ch_1","status":"invoiced"}`)
	if err := s.CompleteIdempotent(ctx, "mer_1", "charge", "k", body); err != nil {
		t.Fatal(err)
	}
	got, created, err := s.BeginIdempotent(ctx, rec("mer_1", "k", "h", "ch_2"))
	if err != nil || created || got.Status != core.IdempotencyCompleted || string(got.Response) != string(body) || got.ResourceID != "ch_1" {
		t.Fatalf("after Complete: %+v, created=%v, %v", got, created, err)
	}

	tests := []struct {
		name                 string
		merchant, scope, key string
		code                 core.ErrorCode
	}{
		{"already completed", "mer_1", "charge", "k", core.CodeConflict},
		{"missing key", "mer_1", "charge", "nope", core.CodeNotFound},
		{"other scope", "mer_1", "refund", "k", core.CodeNotFound},
		{"other merchant", "mer_2", "charge", "k", core.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, s.CompleteIdempotent(ctx, tt.merchant, tt.scope, tt.key, []byte(`{"other":true}`)), tt.code)
		})
	}
	// The first response is never overwritten.
	got, _, _ = s.BeginIdempotent(ctx, rec("mer_1", "k", "h", "ch_3"))
	if string(got.Response) != string(body) {
		t.Fatalf("response changed to %s", got.Response)
	}
}

func TestCompleteIdempotentNilResponse(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	if _, _, err := s.BeginIdempotent(ctx, rec("mer_1", "k", "h", "ch_1")); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteIdempotent(ctx, "mer_1", "charge", "k", nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.BeginIdempotent(ctx, rec("mer_1", "k", "h", "ch_2"))
	if err != nil || got.Status != core.IdempotencyCompleted || len(got.Response) != 0 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestAbandonIdempotent(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	if _, _, err := s.BeginIdempotent(ctx, rec("mer_1", "pending", "h", "ch_1")); err != nil {
		t.Fatal(err)
	}
	if err := s.AbandonIdempotent(ctx, "mer_1", "charge", "pending"); err != nil {
		t.Fatal(err)
	}
	// The key is free again: a corrected request creates a new record.
	got, created, err := s.BeginIdempotent(ctx, rec("mer_1", "pending", "h2", "ch_2"))
	if err != nil || !created || got.ResourceID != "ch_2" || got.RequestHash != "h2" {
		t.Fatalf("Begin after Abandon = %+v, created=%v, %v", got, created, err)
	}

	// Abandoning what does not exist is a no-op.
	if err := s.AbandonIdempotent(ctx, "mer_1", "charge", "never-used"); err != nil {
		t.Fatalf("Abandon of a missing key = %v", err)
	}

	// A completed record is kept: its response must outlive failures.
	if _, _, err := s.BeginIdempotent(ctx, rec("mer_1", "done", "h", "ch_3")); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteIdempotent(ctx, "mer_1", "charge", "done", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.AbandonIdempotent(ctx, "mer_1", "charge", "done"), core.CodeConflict)
	got, created, err = s.BeginIdempotent(ctx, rec("mer_1", "done", "h", "ch_4"))
	if err != nil || created || got.Status != core.IdempotencyCompleted || got.ResourceID != "ch_3" {
		t.Fatalf("completed record after Abandon = %+v, created=%v, %v", got, created, err)
	}
}

func TestBeginIdempotentErrors(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	tests := []struct {
		name string
		rec  core.IdempotencyRecord
		code core.ErrorCode
	}{
		{"unknown merchant", rec("mer_none", "k", "h", "ch"), core.CodeNotFound},
		{"empty key", rec("mer_1", "", "h", "ch"), core.CodeInvalid},
		{"empty merchant", rec("", "k", "h", "ch"), core.CodeInvalid},
		{"empty resource", rec("mer_1", "k", "h", ""), core.CodeInvalid},
		{"empty hash", rec("mer_1", "k", "", "ch"), core.CodeInvalid},
		{"empty scope", core.IdempotencyRecord{MerchantID: "mer_1", Key: "k", RequestHash: "h", ResourceID: "ch"}, core.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, created, err := s.BeginIdempotent(ctx, tt.rec)
			if created {
				t.Fatal("created despite the error")
			}
			wantCode(t, err, tt.code)
		})
	}
}

func TestSameKeyUnderTwoMerchantsIsIndependent(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1", "mer_2")
	a, createdA, err := s.BeginIdempotent(ctx, rec("mer_1", "shared", "h1", "ch_a"))
	if err != nil || !createdA {
		t.Fatalf("mer_1: created=%v, %v", createdA, err)
	}
	b, createdB, err := s.BeginIdempotent(ctx, rec("mer_2", "shared", "h2", "ch_b"))
	if err != nil || !createdB || b.ResourceID != "ch_b" {
		t.Fatalf("mer_2: %+v created=%v, %v", b, createdB, err)
	}
	// The same key in another scope of the same merchant is independent too.
	r := rec("mer_1", "shared", "h3", "rf_c")
	r.Scope = "refund"
	if _, created, err := s.BeginIdempotent(ctx, r); err != nil || !created {
		t.Fatalf("other scope: created=%v, %v", created, err)
	}
	if err := s.CompleteIdempotent(ctx, "mer_1", "charge", "shared", []byte(`"a"`)); err != nil {
		t.Fatal(err)
	}
	if err := s.AbandonIdempotent(ctx, "mer_2", "charge", "shared"); err != nil {
		t.Fatal(err)
	}
	got, created, err := s.BeginIdempotent(ctx, rec("mer_1", "shared", "h1", "ch_x"))
	if err != nil || created || got.Status != core.IdempotencyCompleted || got.ResourceID != a.ResourceID {
		t.Fatalf("mer_1 after mer_2's abandon: %+v, created=%v, %v", got, created, err)
	}
	got, created, err = s.BeginIdempotent(ctx, rec("mer_2", "shared", "h2", "ch_y"))
	if err != nil || !created || got.ResourceID != "ch_y" {
		t.Fatalf("mer_2 after mer_1's complete: %+v, created=%v, %v", got, created, err)
	}
}

func TestBeginIdempotentConcurrent(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	const n = 50
	var (
		wg      sync.WaitGroup
		creates atomic.Int32
		start   = make(chan struct{})
		results = make([]core.IdempotencyRecord, n)
		errs    = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, created, err := s.BeginIdempotent(ctx, rec("mer_1", "race", "h", "ch_"+string(rune('A'+i))))
			if created {
				creates.Add(1)
			}
			results[i], errs[i] = r, err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	if got := creates.Load(); got != 1 {
		t.Fatalf("%d calls created the record, want exactly 1", got)
	}
	for i, r := range results {
		if r.ResourceID != results[0].ResourceID {
			t.Fatalf("goroutine %d saw resource %s, goroutine 0 saw %s", i, r.ResourceID, results[0].ResourceID)
		}
	}
}

// TestIdempotencyConcurrentMixed runs begins and completes of many keys at
// once, with begins for an unknown merchant among them, so they share group
// transactions: every good key ends up completed with its own response and
// the refused ones leave nothing behind.
func TestIdempotencyConcurrentMixed(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_1")
	const n = 60
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("k%02d", i)
			if i%4 == 3 {
				_, created, err := s.BeginIdempotent(ctx, rec("mer_none", key, "h", "ch_"+key))
				if created || core.Code(err) != core.CodeNotFound {
					errs[i] = fmt.Errorf("unknown merchant: created=%v, %v; want not found", created, err)
				}
				return
			}
			if _, created, err := s.BeginIdempotent(ctx, rec("mer_1", key, "h", "ch_"+key)); err != nil || !created {
				errs[i] = fmt.Errorf("begin: created=%v, %v", created, err)
				return
			}
			errs[i] = s.CompleteIdempotent(ctx, "mer_1", "charge", key, []byte(key))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	var rows []struct {
		Key      string `db:"key"`
		Status   string `db:"status"`
		Response string `db:"response"`
	}
	if err := s.db.Reader().Select(&rows, `SELECT "key", status, CAST(response AS TEXT) AS response FROM idempotency_keys ORDER BY "key"`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != n-n/4 {
		t.Fatalf("%d records, want %d", len(rows), n-n/4)
	}
	for _, r := range rows {
		if r.Status != core.IdempotencyCompleted || r.Response != r.Key {
			t.Fatalf("record %+v, want completed with its own key as response", r)
		}
	}
}
