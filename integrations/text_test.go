package integrations_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestTextInputsAreBounded: every text a caller sends the wizard has a
// length limit and no control characters, and a refused value asks no
// provider and stores nothing.
func TestTextInputsAreBounded(t *testing.T) {
	f := newFixture(t)
	for _, provider := range []string{strings.Repeat("l", core.MaxIDLength+1), "ledger\x00"} {
		_, err := f.svc.Create(ctx, f.admin, provider, bookkeeping)
		e := wantCode(t, err, core.CodeInvalid)
		if got := fieldNames(e); !reflect.DeepEqual(got, []string{"provider"}) {
			t.Fatalf("fields = %v, want provider", got)
		}
	}
	in, err := f.svc.Create(ctx, f.admin, "ledger", bookkeeping)
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{strings.Repeat("t", core.MaxCredentialLength+1), "tok\x00en", "tok\nen"} {
		_, err = f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": token})
		e := wantCode(t, err, core.CodeInvalid)
		if got := fieldNames(e); !reflect.DeepEqual(got, []string{"employee_token"}) {
			t.Fatalf("fields = %v, want employee_token", got)
		}
	}
	if n := f.ledger.verifyCount(); n != 0 {
		t.Fatalf("provider asked %d times about malformed credentials", n)
	}
}
