package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

func integrationsStore(t *testing.T) *Store {
	t.Helper()
	s := newTestStore(t)
	for _, id := range []string{"m1", "m2"} {
		m, keys := testMerchant(id, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err := s.CreateMerchant(context.Background(), m, keys); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func newRecord(id, merchant string, modes ...core.IntegrationMode) integrations.Record {
	return integrations.Record{ID: id, MerchantID: merchant, Provider: "ledger", Modes: modes,
		Status: core.IntegrationSetup, CreatedAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
}

func mustCreate(t *testing.T, s *Store, r integrations.Record) integrations.Record {
	t.Helper()
	got, err := s.CreateIntegration(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestIntegrationRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	r := newRecord("int_1", "m1", core.ModeInvoicing, core.ModeBookkeeping)
	created := mustCreate(t, s, r)
	if created.Version != 1 || created.Settings != nil || created.Mapping != nil || created.Credentials != nil ||
		!reflect.DeepEqual(created.Modes, r.Modes) || !created.CreatedAt.Equal(r.CreatedAt) || len(created.Problems) != 0 {
		t.Fatalf("created = %+v", created)
	}
	created.Credentials = []byte{1, 0, 2, 255}
	created.Settings = &integrations.Settings{ExportStartDate: "2026-05-01", InvoicingEnabled: true}
	created.Mapping = &mapping.Mapping{FallbackPaymentAccount: "1920", Events: map[string]string{"tips": "2910"}}
	created.Problems = []core.FieldError{{Field: "vat_rates.25", Message: "is required"}}
	created.StatusReason = "why not"
	saved, err := s.SaveIntegration(ctx, created)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetIntegration(ctx, "int_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || !reflect.DeepEqual(got, saved) {
		t.Fatalf("got %+v\nsaved %+v", got, saved)
	}
	if !reflect.DeepEqual(got.Credentials, created.Credentials) || *got.Settings != *created.Settings ||
		!reflect.DeepEqual(got.Mapping, created.Mapping) || !reflect.DeepEqual(got.Problems, created.Problems) ||
		got.StatusReason != "why not" {
		t.Fatalf("round trip lost data: %+v", got)
	}
	if _, err := s.GetIntegration(ctx, "int_nosuch"); core.Code(err) != core.CodeNotFound {
		t.Fatalf("unknown: %v", err)
	}
}

func TestCreateIntegrationErrors(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	mustCreate(t, s, newRecord("int_1", "m1", core.ModeBookkeeping))
	_, err := s.CreateIntegration(ctx, newRecord("int_1", "m1", core.ModeBookkeeping))
	wantCode(t, err, core.CodeConflict)
	_, err = s.CreateIntegration(ctx, newRecord("int_2", "nosuch", core.ModeBookkeeping))
	wantCode(t, err, core.CodeNotFound)
	_, err = s.CreateIntegration(ctx, newRecord("", "m1"))
	wantCode(t, err, core.CodeInvalid)
}

func TestSaveIntegrationIsOptimistic(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	r := mustCreate(t, s, newRecord("int_1", "m1", core.ModeBookkeeping))
	if _, err := s.SaveIntegration(ctx, r); err != nil {
		t.Fatal(err)
	}
	// r is now stale.
	r.StatusReason = "lost update"
	_, err := s.SaveIntegration(ctx, r)
	wantCode(t, err, core.CodeConflict)
	got, _ := s.GetIntegration(ctx, "int_1")
	if got.StatusReason != "" || got.Version != 2 {
		t.Fatalf("a stale save changed the row: %+v", got)
	}
	gone := newRecord("int_gone", "m1", core.ModeBookkeeping)
	gone.Version = 1
	_, err = s.SaveIntegration(ctx, gone)
	wantCode(t, err, core.CodeNotFound)
}

func TestOneActiveIntegrationPerMode(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	inv := mustCreate(t, s, newRecord("int_inv", "m1", core.ModeInvoicing))
	bookA := mustCreate(t, s, newRecord("int_a", "m1", core.ModeBookkeeping))
	bookB := mustCreate(t, s, newRecord("int_b", "m1", core.ModeBookkeeping))
	otherMerchant := mustCreate(t, s, newRecord("int_m2", "m2", core.ModeBookkeeping))
	at := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	activate := func(r integrations.Record) (integrations.Record, []string) {
		t.Helper()
		got, disabled, err := s.ActivateIntegration(ctx, r, at, false)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != core.IntegrationActive || !got.ActivatedAt.Equal(at) {
			t.Fatalf("activated = %+v", got)
		}
		return got, disabled
	}
	activate(otherMerchant)
	activate(inv)
	if methods, _ := s.MerchantPaymentMethods(ctx, "m1"); !reflect.DeepEqual(methods, []string{"invoice"}) {
		t.Fatalf("payment methods = %v", methods)
	}
	if methods, _ := s.MerchantPaymentMethods(ctx, "m2"); len(methods) != 0 {
		t.Fatalf("m2 payment methods = %v", methods)
	}
	if _, disabled := activate(bookA); len(disabled) != 0 {
		t.Fatalf("activating the first bookkeeping integration disabled %v", disabled)
	}
	_, disabled := activate(bookB)
	if !reflect.DeepEqual(disabled, []string{"int_a"}) {
		t.Fatalf("disabled = %v, want int_a", disabled)
	}
	a, _ := s.GetIntegration(ctx, "int_a")
	if a.Status != core.IntegrationDisabled || a.StatusReason != "replaced by integration int_b (ledger)" {
		t.Fatalf("int_a = %s %q", a.Status, a.StatusReason)
	}
	for mode, want := range map[core.IntegrationMode]string{core.ModeInvoicing: "int_inv", core.ModeBookkeeping: "int_b"} {
		r, found, err := s.ActiveIntegration(ctx, "m1", mode)
		if err != nil || !found || r.ID != want {
			t.Fatalf("active %s = %s %v %v, want %s", mode, r.ID, found, err, want)
		}
	}
	// A stale record does not activate, and the transaction leaves the
	// others as they were.
	_, _, err := s.ActivateIntegration(ctx, bookA, at, false)
	wantCode(t, err, core.CodeConflict)
	if b, _ := s.GetIntegration(ctx, "int_b"); b.Status != core.IntegrationActive {
		t.Fatalf("a refused activation disabled int_b: %s", b.Status)
	}
	// A save cannot make a second active integration for a mode.
	a.Status = core.IntegrationActive
	_, err = s.SaveIntegration(ctx, a)
	wantCode(t, err, core.CodeConflict)
	// needs_reauth keeps the place; an integration in both modes displaces both.
	b, _ := s.GetIntegration(ctx, "int_b")
	b.Status = core.IntegrationNeedsReauth
	if _, err := s.SaveIntegration(ctx, b); err != nil {
		t.Fatal(err)
	}
	if r, found, _ := s.ActiveIntegration(ctx, "m1", core.ModeBookkeeping); !found || r.Status != core.IntegrationNeedsReauth {
		t.Fatalf("needs_reauth integration not found as the active one: %+v", r)
	}
	both := mustCreate(t, s, newRecord("int_both", "m1", core.ModeInvoicing, core.ModeBookkeeping))
	if _, disabled := activate(both); !reflect.DeepEqual(disabled, []string{"int_b", "int_inv"}) {
		t.Fatalf("disabled = %v, want int_b and int_inv", disabled)
	}
	if r, found, _ := s.ActiveIntegration(ctx, "m2", core.ModeBookkeeping); !found || r.ID != "int_m2" {
		t.Fatal("another merchant's integration was touched")
	}
	list, err := s.ListIntegrations(ctx, "m1")
	if err != nil || len(list) != 4 {
		t.Fatalf("list = %d %v", len(list), err)
	}
	if _, found, _ := s.ActiveIntegration(ctx, "m1", "payroll"); found {
		t.Fatal("an unknown mode found an integration")
	}
}

// An accounting system's invoicing-only integration goes with its
// bookkeeping: DisableIntegration and ActivateIntegration disable it in the
// same transaction when its provider has no active bookkeeping integration
// left, and ActivateIntegration with needsBookkeeping refuses it without
// one.
func TestInvoicingGoesWithItsBookkeeping(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	rec := func(id, provider string, modes ...core.IntegrationMode) integrations.Record {
		r := newRecord(id, "m1", modes...)
		r.Provider = provider
		return r
	}
	for _, tc := range []struct {
		name string
		// then runs after ledger bookkeeping (int_book) and ledger
		// invoicing (int_inv) were activated, and returns the IDs the store
		// said it disabled.
		then         func(t *testing.T, s *Store) []string
		wantDisabled []string
		invStatus    core.IntegrationStatus
	}{
		{"bookkeeping disabled", func(t *testing.T, s *Store) []string {
			got, ids, err := s.DisableIntegration(ctx, "int_book", "stopped", at)
			if err != nil || got.Status != core.IntegrationDisabled || got.StatusReason != "stopped" {
				t.Fatalf("DisableIntegration = %+v %v", got, err)
			}
			return ids
		}, []string{"int_inv"}, core.IntegrationDisabled},
		{"invoicing disabled alone", func(t *testing.T, s *Store) []string {
			_, ids, err := s.DisableIntegration(ctx, "int_inv", "stopped", at)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := s.GetIntegration(ctx, "int_book"); b.Status != core.IntegrationActive {
				t.Fatalf("bookkeeping after disabling invoicing: %s", b.Status)
			}
			return ids
		}, []string{}, core.IntegrationDisabled},
		{"bookkeeping replaced by another program", func(t *testing.T, s *Store) []string {
			_, ids, err := s.ActivateIntegration(ctx, mustCreate(t, s, rec("int_other", "other", core.ModeBookkeeping)), at, false)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}, []string{"int_book", "int_inv"}, core.IntegrationDisabled},
		{"bookkeeping replaced by the same program", func(t *testing.T, s *Store) []string {
			_, ids, err := s.ActivateIntegration(ctx, mustCreate(t, s, rec("int_book2", "ledger", core.ModeBookkeeping)), at, false)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}, []string{"int_book"}, core.IntegrationActive},
		{"bookkeeping needs re-authorisation", func(t *testing.T, s *Store) []string {
			b, _ := s.GetIntegration(ctx, "int_book")
			b.Status = core.IntegrationNeedsReauth
			if _, err := s.SaveIntegration(ctx, b); err != nil {
				t.Fatal(err)
			}
			_, ids, err := s.DisableIntegration(ctx, "int_book", "stopped", at)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}, []string{"int_inv"}, core.IntegrationDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := integrationsStore(t)
			inv := mustCreate(t, s, rec("int_inv", "ledger", core.ModeInvoicing))
			// Without its bookkeeping the invoicing side does not activate.
			if _, _, err := s.ActivateIntegration(ctx, inv, at, true); core.Code(err) != core.CodeConflict {
				t.Fatalf("invoicing without bookkeeping: %v, want conflict", err)
			}
			if _, _, err := s.ActivateIntegration(ctx, mustCreate(t, s, rec("int_book", "ledger", core.ModeBookkeeping)), at, false); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.ActivateIntegration(ctx, inv, at, true); err != nil {
				t.Fatal(err)
			}
			if got := tc.then(t, s); !reflect.DeepEqual(got, tc.wantDisabled) {
				t.Fatalf("disabled %v, want %v", got, tc.wantDisabled)
			}
			if got, _ := s.GetIntegration(ctx, "int_inv"); got.Status != tc.invStatus {
				t.Fatalf("invoicing side %s (%q), want %s", got.Status, got.StatusReason, tc.invStatus)
			}
		})
	}
	s := integrationsStore(t)
	setup := mustCreate(t, s, newRecord("int_setup", "m1", core.ModeBookkeeping))
	if _, _, err := s.DisableIntegration(ctx, setup.ID, "x", at); core.Code(err) != core.CodeConflict {
		t.Fatalf("disabling one in setup: %v, want conflict", err)
	}
	if _, _, err := s.DisableIntegration(ctx, "int_nosuch", "x", at); core.Code(err) != core.CodeNotFound {
		t.Fatalf("disabling an unknown one: %v, want not found", err)
	}
}

// ProvidersInUse: merchants' invoicing providers and the providers of
// active integrations, not those of integrations in setup or disabled.
func TestProvidersInUse(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	rec := func(id, merchant, provider string) integrations.Record {
		r := newRecord(id, merchant, core.ModeBookkeeping)
		r.Provider = provider
		return mustCreate(t, s, r)
	}
	rec("int_setup", "m1", "acme")
	active := rec("int_active", "m1", "tripletex")
	at := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	if _, _, err := s.ActivateIntegration(ctx, active, at, false); err != nil {
		t.Fatal(err)
	}
	disabled := rec("int_disabled", "m2", "spiris")
	if _, _, err := s.ActivateIntegration(ctx, disabled, at, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.DisableIntegration(ctx, "int_disabled", "stopped", at); err != nil {
		t.Fatal(err)
	}
	got, err := s.ProvidersInUse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMerchant(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{m.InvoicingProvider, "tripletex"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ProvidersInUse = %v, want %v", got, want)
	}
}
