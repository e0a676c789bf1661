package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func claimed(merchant, key, claim string) core.IdempotencyRecord {
	r := rec(merchant, key, "h-"+key, "ch_"+key)
	r.Claim = claim
	return r
}

// TestIdempotencyClaims: a claim (a charge's location and receipt) is
// taken in the same write as its key's record; another key of the merchant
// and scope cannot take it (CodeConflict, nothing stored) until the first
// is abandoned, also after a restart and after the record expired. Of
// concurrent keys with one claim exactly one begins.
func TestIdempotencyClaims(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	for _, id := range []string{"mer_1", "mer_2"} {
		m, keys := testMerchant(id, time.Now())
		if err := s.CreateMerchant(ctx, m, keys); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name        string
		rec         core.IdempotencyRecord
		wantCreated bool
		wantCode    core.ErrorCode
	}{
		{"first key takes the claim", claimed("mer_1", "k1", "loc-1/r1"), true, ""},
		{"the same key again finds its record", claimed("mer_1", "k1", "loc-1/r1"), false, ""},
		{"another key, same claim", claimed("mer_1", "k2", "loc-1/r1"), false, core.CodeConflict},
		{"another key, another claim", claimed("mer_1", "k3", "loc-2/r1"), true, ""},
		{"another merchant, same claim", claimed("mer_2", "k2", "loc-1/r1"), true, ""},
		{"no claim", claimed("mer_1", "k4", ""), true, ""},
		{"another key without claim", claimed("mer_1", "k5", ""), true, ""},
	}
	for _, st := range steps {
		_, created, err := s.BeginIdempotent(ctx, st.rec)
		if core.Code(err) != st.wantCode || (err == nil && created != st.wantCreated) {
			t.Fatalf("%s: created=%v, err=%v; want created=%v, code %q", st.name, created, err, st.wantCreated, st.wantCode)
		}
	}
	// The refused key stored nothing: it is free for another receipt.
	if _, created, err := s.BeginIdempotent(ctx, claimed("mer_1", "k2", "loc-1/r2")); err != nil || !created {
		t.Fatalf("refused key reused: created=%v, %v", created, err)
	}

	// A restart keeps the claim.
	s.Close()
	s = openTest(t, dir)
	if _, _, err := s.BeginIdempotent(ctx, claimed("mer_1", "k6", "loc-1/r1")); core.Code(err) != core.CodeConflict {
		t.Fatalf("after restart: %v, want conflict", err)
	}
	// An expired record keeps its claim: the receipt was charged.
	if err := s.CompleteIdempotent(ctx, "mer_1", "charge", "k1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PurgeIdempotency(ctx, time.Now().Add(30*24*time.Hour), 24*time.Hour, 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.BeginIdempotent(ctx, claimed("mer_1", "k6", "loc-1/r1")); core.Code(err) != core.CodeConflict {
		t.Fatalf("after purge: %v, want conflict", err)
	}

	// Abandoning (a refused charge) frees the claim with the key.
	if _, _, err := s.BeginIdempotent(ctx, claimed("mer_1", "k7", "loc-9/r9")); err != nil {
		t.Fatal(err)
	}
	if err := s.AbandonIdempotent(ctx, "mer_1", "charge", "k7"); err != nil {
		t.Fatal(err)
	}
	if _, created, err := s.BeginIdempotent(ctx, claimed("mer_1", "k8", "loc-9/r9")); err != nil || !created {
		t.Fatalf("after abandon: created=%v, %v", created, err)
	}

	// Concurrent keys, one claim: exactly one begins.
	var (
		wg                  sync.WaitGroup
		mu                  sync.Mutex
		begun, conflicts, n = 0, 0, 16
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created, err := s.BeginIdempotent(ctx, claimed("mer_1", fmt.Sprintf("race-%d", i), "loc-1/race"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && created:
				begun++
			case core.Code(err) == core.CodeConflict:
				conflicts++
			default:
				t.Errorf("race %d: created=%v, %v", i, created, err)
			}
		}()
	}
	wg.Wait()
	if begun != 1 || conflicts != n-1 {
		t.Fatalf("concurrent claims: %d begun, %d conflicts", begun, conflicts)
	}
}
