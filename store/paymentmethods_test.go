package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestPaymentMethodsFollowActivationAndAdmin: activating invoicing switches
// the invoice method on at every location; the admin's list replaces the
// saved one; a later activation switches invoice on again but keeps the
// locations the admin limited it to.
func TestPaymentMethodsFollowActivationAndAdmin(t *testing.T) {
	ctx := context.Background()
	s := integrationsStore(t)
	at := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	if got, err := s.PaymentMethods(ctx, "m1"); err != nil || len(got) != 0 {
		t.Fatalf("before activation: %v, %v", got, err)
	}
	if _, _, err := s.ActivateIntegration(ctx, mustCreate(t, s, newRecord("int_1", "m1", core.ModeInvoicing)), at, false); err != nil {
		t.Fatal(err)
	}
	everywhere := []core.PaymentMethod{{Method: "invoice", Enabled: true, LocationIDs: []string{}}}
	if got, err := s.PaymentMethods(ctx, "m1"); err != nil || !reflect.DeepEqual(got, everywhere) {
		t.Fatalf("after activation: %+v, %v", got, err)
	}

	limited := []core.PaymentMethod{
		{Method: "cash", Enabled: true, LocationIDs: []string{}},
		{Method: "invoice", Enabled: false, LocationIDs: []string{"loc_1", "loc_2"}},
	}
	if err := s.PutPaymentMethods(ctx, "m1", limited, at); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PaymentMethods(ctx, "m1"); !reflect.DeepEqual(got, limited) {
		t.Fatalf("saved %+v, want %+v", got, limited)
	}
	if got, _ := s.MerchantPaymentMethods(ctx, "m1"); !reflect.DeepEqual(got, []string{"cash"}) {
		t.Fatalf("enabled methods %v", got)
	}
	if got, _ := s.PaymentMethods(ctx, "m2"); len(got) != 0 {
		t.Fatalf("m2 sees %+v", got)
	}

	if _, _, err := s.ActivateIntegration(ctx, mustCreate(t, s, newRecord("int_2", "m1", core.ModeInvoicing)), at, false); err != nil {
		t.Fatal(err)
	}
	limited[1].Enabled = true
	if got, _ := s.PaymentMethods(ctx, "m1"); !reflect.DeepEqual(got, limited) {
		t.Fatalf("after re-activation %+v, want %+v", got, limited)
	}

	only := []core.PaymentMethod{{Method: "invoice", Enabled: true, LocationIDs: []string{}}}
	if err := s.PutPaymentMethods(ctx, "m1", only, at); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PaymentMethods(ctx, "m1"); !reflect.DeepEqual(got, only) {
		t.Fatalf("replaced %+v, want %+v (cash dropped)", got, only)
	}
	wantCode(t, s.PutPaymentMethods(ctx, "nosuch", only, at), core.CodeNotFound)
}
