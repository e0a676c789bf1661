package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

func stateHash(c byte) string { return strings.Repeat(string(c), 64) }

func TestOAuthStateIsConsumedOnce(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	mustCreate(t, s, newRecord("int_1", "m1", core.ModeInvoicing))
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	st := integrations.OAuthState{Hash: stateHash('a'), MerchantID: "m1", IntegrationID: "int_1",
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := s.CreateOAuthState(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthState(ctx, st); core.Code(err) != core.CodeConflict {
		t.Fatalf("same hash again: %v, want conflict", err)
	}
	const n = 10
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		found int
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, ok, err := s.ConsumeOAuthState(ctx, st.Hash)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				if got.MerchantID != "m1" || got.IntegrationID != "int_1" || !got.ExpiresAt.Equal(st.ExpiresAt) || !got.CreatedAt.Equal(now) {
					t.Errorf("consumed %+v", got)
				}
				mu.Lock()
				found++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if found != 1 {
		t.Fatalf("%d of %d concurrent consumers found the state, want 1", found, n)
	}
}

func TestOAuthStateValidationAndPurge(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	mustCreate(t, s, newRecord("int_1", "m1", core.ModeInvoicing))
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		st   integrations.OAuthState
		code core.ErrorCode
	}{
		{"short hash", integrations.OAuthState{Hash: "abc", MerchantID: "m1", IntegrationID: "int_1"}, core.CodeInvalid},
		{"no integration", integrations.OAuthState{Hash: stateHash('b'), MerchantID: "m1"}, core.CodeInvalid},
		{"unknown integration", integrations.OAuthState{Hash: stateHash('c'), MerchantID: "m1", IntegrationID: "int_x"}, core.CodeNotFound},
		{"unknown merchant", integrations.OAuthState{Hash: stateHash('d'), MerchantID: "mx", IntegrationID: "int_1"}, core.CodeNotFound},
	} {
		if err := s.CreateOAuthState(ctx, tt.st); core.Code(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	old := integrations.OAuthState{Hash: stateHash('e'), MerchantID: "m1", IntegrationID: "int_1",
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := s.CreateOAuthState(ctx, old); err != nil {
		t.Fatal(err)
	}
	later := integrations.OAuthState{Hash: stateHash('f'), MerchantID: "m1", IntegrationID: "int_1",
		CreatedAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour + 10*time.Minute)}
	if err := s.CreateOAuthState(ctx, later); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.ConsumeOAuthState(ctx, old.Hash); err != nil || ok {
		t.Fatalf("the expired state survived a later create: %v %v", ok, err)
	}
	if _, ok, err := s.ConsumeOAuthState(ctx, later.Hash); err != nil || !ok {
		t.Fatalf("the live state: %v %v", ok, err)
	}
}
