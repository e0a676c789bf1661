package core

import (
	"context"
	"testing"
	"time"
)

// TestRevokedKeyAndCoalescedUse: a revoked key is refused at once, and key
// use is recorded in memory and written in one batch by FlushKeyUsage, not
// once per request.
func TestRevokedKeyAndCoalescedUse(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	e := NewEngine(st, oneRegistry{}, EngineOptions{Clock: func() time.Time { return now }})
	cm, err := e.CreateMerchant(ctx, NewMerchant{Name: "Kafé", Country: Sweden})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := e.Authenticate(ctx, cm.APIKeys[RoleAdmin])
	for range 100 {
		if _, err := e.Authenticate(ctx, cm.APIKeys[RoleCashier]); err != nil {
			t.Fatal(err)
		}
	}
	if st.touches != 0 {
		t.Fatalf("%d writes of key use before a flush, want 0", st.touches)
	}
	// The merchant's admin sees this process's unflushed use at once.
	keys, err := e.ListAPIKeys(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	var cashierID string
	for _, k := range keys {
		if k.Role == RoleCashier {
			cashierID = k.ID
			if k.LastUsedAt == nil || !k.LastUsedAt.Equal(now) {
				t.Errorf("listed cashier key last_used_at = %v, want %v", k.LastUsedAt, now)
			}
		}
		if k.Hash != "" {
			t.Errorf("listed key carries its hash")
		}
	}
	if err := e.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}
	if st.touches != 1 {
		t.Fatalf("%d writes of key use after one flush, want 1", st.touches)
	}

	cashier, _ := e.Authenticate(ctx, cm.APIKeys[RoleCashier])
	if _, err := e.RevokeAPIKey(ctx, cashier, cashierID); Code(err) != CodeForbidden {
		t.Fatalf("cashier revoking = %v, want forbidden", err)
	}
	if _, err := e.RevokeAPIKey(ctx, admin, "key_other"); Code(err) != CodeNotFound {
		t.Fatalf("revoking an unknown key = %v, want not_found", err)
	}
	k, err := e.RevokeAPIKey(ctx, admin, cashierID)
	if err != nil || k.RevokedAt == nil {
		t.Fatalf("RevokeAPIKey = %+v, %v", k, err)
	}
	if _, err := e.Authenticate(ctx, cm.APIKeys[RoleCashier]); Code(err) != CodeUnauthorized {
		t.Fatalf("revoked key authenticates: %v", err)
	}
}
