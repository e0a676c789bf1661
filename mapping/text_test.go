package mapping

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestValidateBoundsNames: the free-text keys of a mapping (payment methods,
// product groups) have a length limit and no control characters.
func TestValidateBoundsNames(t *testing.T) {
	long := strings.Repeat("k", core.MaxMappingKeyLength+1)
	for _, tc := range []struct {
		name string
		m    Mapping
		want []string
	}{
		{"long payment method", Mapping{PaymentMethods: map[string]string{long: "1910"}, FallbackPaymentAccount: "1910"}, []string{"payment_methods"}},
		{"payment method with NUL", Mapping{PaymentMethods: map[string]string{"ca\x00sh": "1910"}, FallbackPaymentAccount: "1910"}, []string{"payment_methods"}},
		{"long product group", Mapping{ProductGroups: map[string]GroupAccounts{long: {EatIn: "3010"}}, FallbackPaymentAccount: "1910"}, []string{"product_groups"}},
		{"product group with escape", Mapping{ProductGroups: map[string]GroupAccounts{"ba\x1bkery": {EatIn: "3010"}}, FallbackPaymentAccount: "1910"}, []string{"product_groups"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fields(t, tc.m.Validate()); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("fields = %v, want %v", got, tc.want)
			}
		})
	}
}
