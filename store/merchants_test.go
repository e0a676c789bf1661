package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestCreateGetListMerchants(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	if n, err := s.MerchantCount(ctx); err != nil || n != 0 {
		t.Fatalf("MerchantCount on a new database = %d, %v", n, err)
	}
	if list, err := s.ListMerchants(ctx); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("ListMerchants on a new database = %#v, %v", list, err)
	}
	base := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	// Created out of order: the list must follow created_at, not insertion.
	for _, c := range []struct {
		id  string
		age time.Duration
	}{{"mer_b", 2 * time.Second}, {"mer_c", 3 * time.Second}, {"mer_a", time.Second}} {
		m, keys := testMerchant(c.id, base.Add(c.age))
		if err := s.CreateMerchant(ctx, m, keys); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListMerchants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range list {
		ids = append(ids, m.ID)
	}
	if want := []string{"mer_a", "mer_b", "mer_c"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ListMerchants order = %v, want %v", ids, want)
	}
	want, _ := testMerchant("mer_b", base.Add(2*time.Second))
	if !reflect.DeepEqual(list[1], want) {
		t.Fatalf("listed merchant = %+v, want %+v", list[1], want)
	}
	if n, err := s.MerchantCount(ctx); err != nil || n != 3 {
		t.Fatalf("MerchantCount = %d, %v", n, err)
	}

	got, err := s.GetMerchant(ctx, "mer_b")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetMerchant = %+v, %v; want %+v", got, err, want)
	}
	// Read through the database, not the cache filled by CreateMerchant.
	s.merchants = merchantCache{m: map[string]core.Merchant{}}
	got, err = s.GetMerchant(ctx, "mer_b")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetMerchant from the database = %+v, %v; want %+v", got, err, want)
	}

	_, err = s.GetMerchant(ctx, "mer_missing")
	wantCode(t, err, core.CodeNotFound)
}

func TestCreateMerchantZeroTimeMeansNow(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	before := time.Now()
	m, keys := testMerchant("mer_now", time.Time{})
	if err := s.CreateMerchant(ctx, m, keys); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMerchant(ctx, "mer_now")
	if err != nil || got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now()) {
		t.Fatalf("CreatedAt = %v, %v", got.CreatedAt, err)
	}
}

func TestCreateMerchantErrors(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	existing, existingKeys := testMerchant("mer_x", time.Now())
	if err := s.CreateMerchant(ctx, existing, existingKeys); err != nil {
		t.Fatal(err)
	}
	fresh := func(mut func(*core.Merchant, []core.APIKey) []core.APIKey) (core.Merchant, []core.APIKey) {
		m, keys := testMerchant("mer_new", time.Now())
		return m, mut(&m, keys)
	}
	tests := []struct {
		name string
		mut  func(*core.Merchant, []core.APIKey) []core.APIKey
		code core.ErrorCode
	}{
		{"duplicate id", func(m *core.Merchant, k []core.APIKey) []core.APIKey { m.ID = "mer_x"; return nil }, core.CodeConflict},
		{"key hash of another merchant's key", func(m *core.Merchant, k []core.APIKey) []core.APIKey {
			k[1].Hash = existingKeys[0].Hash
			return k
		}, core.CodeConflict},
		{"key id exists", func(m *core.Merchant, k []core.APIKey) []core.APIKey { k[0].ID = existingKeys[0].ID; return k }, core.CodeConflict},
		{"empty id", func(m *core.Merchant, k []core.APIKey) []core.APIKey { m.ID = ""; return nil }, core.CodeInvalid},
		{"start number 0", func(m *core.Merchant, k []core.APIKey) []core.APIKey { m.InvoiceStartNumber = 0; return k }, core.CodeInvalid},
		{"bad role", func(m *core.Merchant, k []core.APIKey) []core.APIKey { k[0].Role = "owner"; return k }, core.CodeInvalid},
		{"key of another merchant", func(m *core.Merchant, k []core.APIKey) []core.APIKey { k[0].MerchantID = "mer_x"; return k }, core.CodeInvalid},
		{"empty hash", func(m *core.Merchant, k []core.APIKey) []core.APIKey { k[2].Hash = ""; return k }, core.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, keys := fresh(tt.mut)
			wantCode(t, s.CreateMerchant(ctx, m, keys), tt.code)
			// All or nothing: no merchant and none of its keys remain.
			if m.ID != "mer_x" {
				_, err := s.GetMerchant(ctx, m.ID)
				wantCode(t, err, core.CodeNotFound)
			}
			for _, k := range keys {
				if k.Hash == existingKeys[0].Hash || k.ID == existingKeys[0].ID {
					continue
				}
				if _, err := s.APIKeyByHash(ctx, k.Hash); core.Code(err) != core.CodeNotFound {
					t.Errorf("key %s stored despite the failure: %v", k.ID, err)
				}
			}
		})
	}
	// The existing merchant is unchanged by the failed duplicate.
	got, err := s.GetMerchant(ctx, "mer_x")
	if err != nil || got.Name != existing.Name {
		t.Fatalf("existing merchant = %+v, %v", got, err)
	}
}

func TestCreateMerchantFillsKeyMerchantID(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	m, keys := testMerchant("mer_f", time.Now())
	for i := range keys {
		keys[i].MerchantID = ""
	}
	if err := s.CreateMerchant(ctx, m, keys); err != nil {
		t.Fatal(err)
	}
	if keys[0].MerchantID != "" {
		t.Fatal("CreateMerchant modified the caller's keys")
	}
	k, err := s.APIKeyByHash(ctx, keys[0].Hash)
	if err != nil || k.MerchantID != "mer_f" {
		t.Fatalf("key = %+v, %v", k, err)
	}
}

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	created := time.Date(2025, 6, 1, 8, 30, 0, 5, time.UTC)
	m, keys := testMerchant("mer_k", created)
	if err := s.CreateMerchant(ctx, m, keys); err != nil {
		t.Fatal(err)
	}
	for _, want := range keys {
		got, err := s.APIKeyByHash(ctx, want.Hash)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("APIKeyByHash(%s) = %+v, %v; want %+v", want.Role, got, err, want)
		}
	}

	secret, hash := core.NewAPIKeySecret(core.RoleAccountant)
	extra := core.APIKey{ID: "key_extra", MerchantID: "mer_k", Name: "books", Role: core.RoleAccountant, Hash: hash, CreatedAt: created}
	if err := s.CreateAPIKey(ctx, extra); err != nil {
		t.Fatal(err)
	}
	got, err := s.APIKeyByHash(ctx, core.HashAPIKey(secret))
	if err != nil || !reflect.DeepEqual(got, extra) {
		t.Fatalf("APIKeyByHash(new key) = %+v, %v", got, err)
	}

	_, err = s.APIKeyByHash(ctx, core.HashAPIKey("lb_admin_unknown"))
	wantCode(t, err, core.CodeNotFound)

	tests := []struct {
		name string
		key  core.APIKey
		code core.ErrorCode
	}{
		{"unknown merchant", core.APIKey{ID: "key_1", MerchantID: "mer_none", Role: core.RoleAdmin, Hash: "h1"}, core.CodeNotFound},
		{"duplicate hash", core.APIKey{ID: "key_2", MerchantID: "mer_k", Role: core.RoleAdmin, Hash: hash}, core.CodeConflict},
		{"duplicate id", core.APIKey{ID: "key_extra", MerchantID: "mer_k", Role: core.RoleAdmin, Hash: "h3"}, core.CodeConflict},
		{"bad role", core.APIKey{ID: "key_4", MerchantID: "mer_k", Role: "root", Hash: "h4"}, core.CodeInvalid},
		{"no merchant", core.APIKey{ID: "key_5", Role: core.RoleAdmin, Hash: "h5"}, core.CodeInvalid},
		{"no hash", core.APIKey{ID: "key_6", MerchantID: "mer_k", Role: core.RoleAdmin}, core.CodeInvalid},
		{"no id", core.APIKey{MerchantID: "mer_k", Role: core.RoleAdmin, Hash: "h7"}, core.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, s.CreateAPIKey(ctx, tt.key), tt.code)
		})
	}
}
