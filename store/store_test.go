package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newTestStore(t *testing.T) *Store { return openTest(t, t.TempDir()) }

func wantCode(t *testing.T, err error, code core.ErrorCode) {
	t.Helper()
	if got := core.Code(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if _, ok := err.(*core.Error); !ok {
		t.Fatalf("error %T is not a *core.Error", err)
	}
}

// testMerchant returns a merchant with the given ID and one key per role,
// whose hashes derive from the ID so they are unique per merchant.
func testMerchant(id string, created time.Time) (core.Merchant, []core.APIKey) {
	m := core.Merchant{ID: id, Name: "Shop " + id, Country: core.Sweden, Currency: "SEK",
		InvoicingProvider: "open", InvoiceStartNumber: 1000, CreatedAt: created}
	var keys []core.APIKey
	for _, r := range core.Roles {
		keys = append(keys, core.APIKey{ID: id + "_" + string(r), MerchantID: id, Name: "initial " + string(r),
			Role: r, Hash: core.HashAPIKey(id + "/" + string(r)), CreatedAt: created})
	}
	return m, keys
}

func TestOpenCreatesFileInDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s := openTest(t, dir)
	if want := filepath.Join(dir, FileName); s.Path() != want {
		t.Fatalf("Path = %q, want %q", s.Path(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsEmptyDataDir(t *testing.T) {
	_, err := Open(context.Background(), " ")
	wantCode(t, err, core.CodeInvalid)
}

func TestSchemaHasNoFloatColumns(t *testing.T) {
	s := newTestStore(t)
	var cols []struct {
		Table string `db:"tbl"`
		Name  string `db:"name"`
		Type  string `db:"type"`
	}
	err := s.db.Reader().Select(&cols, `SELECT m.name AS tbl, p.name, p.type
		FROM sqlite_schema m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name IN ('merchants', 'api_keys', 'idempotency_keys', 'invoice_settings')`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 20 {
		t.Fatalf("found only %d columns: %v", len(cols), cols)
	}
	for _, c := range cols {
		switch strings.ToUpper(c.Type) {
		case "TEXT", "INTEGER", "BLOB":
		default:
			t.Errorf("%s.%s has type %q", c.Table, c.Name, c.Type)
		}
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.UTC)
	m, keys := testMerchant("mer_a", created)
	if err := s.CreateMerchant(ctx, m, keys); err != nil {
		t.Fatal(err)
	}
	rec := core.IdempotencyRecord{MerchantID: "mer_a", Scope: "charge", Key: "k1", RequestHash: "h", ResourceID: "ch_1", CreatedAt: created}
	if _, _, err := s.BeginIdempotent(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteIdempotent(ctx, "mer_a", "charge", "k1", []byte(`{"id":"ch_1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openTest(t, dir) // a fresh Store: nothing cached
	got, err := s2.GetMerchant(ctx, "mer_a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != m.Name || !got.CreatedAt.Equal(created) || got.InvoiceStartNumber != 1000 {
		t.Fatalf("merchant after reopen = %+v", got)
	}
	k, err := s2.APIKeyByHash(ctx, keys[2].Hash)
	if err != nil || k.ID != keys[2].ID || k.Role != core.RoleCashier {
		t.Fatalf("key after reopen = %+v, %v", k, err)
	}
	stored, created2, err := s2.BeginIdempotent(ctx, core.IdempotencyRecord{MerchantID: "mer_a", Scope: "charge", Key: "k1", RequestHash: "h", ResourceID: "ch_2"})
	if err != nil || created2 || stored.Status != core.IdempotencyCompleted || string(stored.Response) != `{"id":"ch_1"}` || stored.ResourceID != "ch_1" {
		t.Fatalf("idempotency record after reopen = %+v, created=%v, %v", stored, created2, err)
	}
	if n, err := s2.MerchantCount(ctx); err != nil || n != 1 {
		t.Fatalf("MerchantCount = %d, %v", n, err)
	}
}
