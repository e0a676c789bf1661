package core

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestInvoiceMethodPerLocation: the invoice payment method is on at every
// location until the admin limits it; a charge where it is off is refused
// naming location_id and creates nothing, and frees its Idempotency-Key.
func TestInvoiceMethodPerLocation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		methods []PaymentMethod // nil: never configured
		ok      map[string]bool // location → charge accepted
	}{
		{"never configured: every location", nil, map[string]bool{"loc_1": true, "loc_2": true}},
		{"on, no limit", []PaymentMethod{{Method: "invoice", Enabled: true}}, map[string]bool{"loc_1": true, "loc_2": true}},
		{"limited to loc_2", []PaymentMethod{{Method: "invoice", Enabled: true, LocationIDs: []string{"loc_2"}}},
			map[string]bool{"loc_1": false, "loc_2": true}},
		{"switched off", []PaymentMethod{{Method: "card", Enabled: true}, {Method: "invoice", Enabled: false, LocationIDs: []string{"loc_1"}}},
			map[string]bool{"loc_1": false, "loc_2": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, prov, ps := newTestEngine(t)
			if tt.methods != nil {
				if _, err := e.UpdatePaymentMethods(ctx, ps[RoleAdmin], PaymentMethods{PaymentMethods: tt.methods}); err != nil {
					t.Fatal(err)
				}
			}
			for loc, ok := range tt.ok {
				req := validCharge()
				req.LocationID, req.ReceiptID = loc, "r-"+loc
				_, _, err := e.Charge(ctx, ps[RoleCashier], "k-"+loc, req)
				if ok && err != nil {
					t.Errorf("charge at %s: %v", loc, err)
				}
				if !ok && (Code(err) != CodeInvalid || !namesField(err, "location_id")) {
					t.Errorf("charge at %s: %v, want invalid naming location_id", loc, err)
				}
			}
			want := 0
			for _, ok := range tt.ok {
				if ok {
					want++
				}
			}
			if len(prov.byRef) != want {
				t.Errorf("%d invoices created, want %d", len(prov.byRef), want)
			}
		})
	}

	// A refused charge freed its key: after the admin enables the location
	// the same key and body succeed.
	e, _, ps := newTestEngine(t)
	limited := PaymentMethods{PaymentMethods: []PaymentMethod{{Method: "invoice", Enabled: true, LocationIDs: []string{"loc_2"}}}}
	if _, err := e.UpdatePaymentMethods(ctx, ps[RoleAdmin], limited); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Charge(ctx, ps[RoleCashier], "k", validCharge()); Code(err) != CodeInvalid {
		t.Fatalf("charge at loc_1: %v", err)
	}
	limited.PaymentMethods[0].LocationIDs = []string{"loc_1", "loc_2"}
	if _, err := e.UpdatePaymentMethods(ctx, ps[RoleAdmin], limited); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Charge(ctx, ps[RoleCashier], "k", validCharge()); err != nil {
		t.Fatalf("charge after enabling loc_1: %v", err)
	}
}

func TestPaymentMethodsRolesAndDefaults(t *testing.T) {
	ctx := context.Background()
	e, _, ps := newTestEngine(t)
	for _, role := range []Role{RoleAdmin, RoleAccountant, RoleCashier} {
		got, err := e.PaymentMethods(ctx, ps[role])
		want := PaymentMethods{PaymentMethods: []PaymentMethod{{Method: "invoice", Enabled: true, LocationIDs: []string{}}}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s reads %+v, %v; want %+v", role, got, err, want)
		}
	}
	in := PaymentMethods{PaymentMethods: []PaymentMethod{{Method: "invoice", Enabled: true}}}
	for _, role := range []Role{RoleAccountant, RoleCashier} {
		if _, err := e.UpdatePaymentMethods(ctx, ps[role], in); Code(err) != CodeForbidden {
			t.Errorf("%s writes: %v, want forbidden", role, err)
		}
	}
	in = PaymentMethods{PaymentMethods: []PaymentMethod{
		{Method: "swish", Enabled: true},
		{Method: "invoice", Enabled: true, LocationIDs: []string{" loc_2 ", "loc_1"}},
	}}
	got, err := e.UpdatePaymentMethods(ctx, ps[RoleAdmin], in)
	want := PaymentMethods{PaymentMethods: []PaymentMethod{
		{Method: "invoice", Enabled: true, LocationIDs: []string{"loc_1", "loc_2"}},
		{Method: "swish", Enabled: true, LocationIDs: []string{}},
	}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("saved %+v, %v; want %+v", got, err, want)
	}
	if again, _ := e.PaymentMethods(ctx, ps[RoleCashier]); !reflect.DeepEqual(again, want) {
		t.Fatalf("read back %+v", again)
	}
}

func TestValidatePaymentMethodsNamesEveryField(t *testing.T) {
	many := make([]PaymentMethod, MaxPaymentMethods+1)
	for i := range many {
		many[i] = PaymentMethod{Method: "m" + itoa(i)}
	}
	manyLocs := make([]string, MaxPaymentMethodLocations+1)
	for i := range manyLocs {
		manyLocs[i] = "l" + itoa(i)
	}
	tests := []struct {
		name   string
		in     []PaymentMethod
		fields []string
	}{
		{"no invoice method", []PaymentMethod{{Method: "cash", Enabled: true}}, []string{"payment_methods"}},
		{"empty list", nil, []string{"payment_methods"}},
		{"too many methods", many, []string{"payment_methods"}},
		{"bad methods", []PaymentMethod{{Method: "invoice"}, {Method: ""}, {Method: " card"}, {Method: "invoice"},
			{Method: strings.Repeat("x", MaxPaymentMethodLength+1)}, {Method: "ca\x00sh"}},
			[]string{"payment_methods[1].method", "payment_methods[2].method", "payment_methods[3].method",
				"payment_methods[4].method", "payment_methods[5].method"}},
		{"bad locations", []PaymentMethod{{Method: "invoice", LocationIDs: []string{"a", " ", "a", strings.Repeat("l", MaxIDLength+1), "x\ny"}}},
			[]string{"payment_methods[0].location_ids[1]", "payment_methods[0].location_ids[2]",
				"payment_methods[0].location_ids[3]", "payment_methods[0].location_ids[4]"}},
		{"too many locations", []PaymentMethod{{Method: "invoice", LocationIDs: manyLocs}}, []string{"payment_methods[0].location_ids"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validatePaymentMethods(PaymentMethods{PaymentMethods: tt.in})
			var got []string
			for _, f := range AsError(err).Fields {
				got = append(got, f.Field)
			}
			if Code(err) != CodeInvalid || !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("fields %v (%v), want %v", got, err, tt.fields)
			}
		})
	}
}
