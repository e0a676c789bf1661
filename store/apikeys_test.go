package store

import (
	"context"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestListAndRevokeAPIKeys: keys are listed per merchant without their hash;
// a revoked key is found by its hash with RevokedAt set (so authentication
// refuses it), another merchant's key cannot be revoked (404), and revoking
// twice keeps the first revocation time.
func TestListAndRevokeAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"mer_a", "mer_b"} {
		m, keys := testMerchant(id, created)
		if err := s.CreateMerchant(ctx, m, keys); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListAPIKeys(ctx, "mer_a")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("ListAPIKeys(mer_a) = %d keys, want 3: %+v", len(list), list)
	}
	for _, k := range list {
		if k.MerchantID != "mer_a" || k.Hash != "" || k.RevokedAt != nil || k.LastUsedAt != nil || !k.CreatedAt.Equal(created) {
			t.Errorf("listed key %+v: want mer_a's, without hash, never used, not revoked", k)
		}
	}

	at := created.Add(time.Hour)
	wantCode(t, func() error { _, err := s.RevokeAPIKey(ctx, "mer_b", "mer_a_cashier", at); return err }(), core.CodeNotFound)
	wantCode(t, func() error { _, err := s.RevokeAPIKey(ctx, "mer_a", "nope", at); return err }(), core.CodeNotFound)
	k, err := s.RevokeAPIKey(ctx, "mer_a", "mer_a_cashier", at)
	if err != nil || k.RevokedAt == nil || !k.RevokedAt.Equal(at) || k.Hash != "" {
		t.Fatalf("RevokeAPIKey = %+v, %v", k, err)
	}
	again, err := s.RevokeAPIKey(ctx, "mer_a", "mer_a_cashier", at.Add(time.Hour))
	if err != nil || again.RevokedAt == nil || !again.RevokedAt.Equal(at) {
		t.Fatalf("second RevokeAPIKey = %+v, %v; want the first revocation time kept", again, err)
	}
	byHash, err := s.APIKeyByHash(ctx, core.HashAPIKey("mer_a/cashier"))
	if err != nil || byHash.RevokedAt == nil {
		t.Fatalf("APIKeyByHash(revoked) = %+v, %v; want RevokedAt set", byHash, err)
	}
	if other, err := s.APIKeyByHash(ctx, core.HashAPIKey("mer_b/cashier")); err != nil || other.RevokedAt != nil {
		t.Fatalf("mer_b's cashier key = %+v, %v; want untouched", other, err)
	}
	got, err := s.GetAPIKey(ctx, "mer_a_cashier")
	if err != nil || got.MerchantID != "mer_a" || got.RevokedAt == nil {
		t.Fatalf("GetAPIKey = %+v, %v", got, err)
	}
	wantCode(t, func() error { _, err := s.GetAPIKey(ctx, "nope"); return err }(), core.CodeNotFound)
}

// TestTouchAPIKeys: one batched write records last use; an older time never
// moves last_used_at back, and unknown keys are ignored.
func TestTouchAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	m, keys := testMerchant("mer_a", created)
	if err := s.CreateMerchant(ctx, m, keys); err != nil {
		t.Fatal(err)
	}
	t1 := created.Add(time.Minute)
	if err := s.TouchAPIKeys(ctx, map[string]time.Time{"mer_a_admin": t1, "mer_a_cashier": t1, "gone": t1}); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchAPIKeys(ctx, map[string]time.Time{"mer_a_admin": created}); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListAPIKeys(ctx, "mer_a")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range list {
		switch k.ID {
		case "mer_a_admin", "mer_a_cashier":
			if k.LastUsedAt == nil || !k.LastUsedAt.Equal(t1) {
				t.Errorf("%s last_used_at = %v, want %v", k.ID, k.LastUsedAt, t1)
			}
		default:
			if k.LastUsedAt != nil {
				t.Errorf("%s last_used_at = %v, want never", k.ID, k.LastUsedAt)
			}
		}
	}
}
