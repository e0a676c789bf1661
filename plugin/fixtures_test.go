package plugin

import (
	"reflect"
	"sort"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestFixturesSetEveryField guards the round-trip tests: a field added to a
// core type but not to a fixture (and so, likely, not to the proto and the
// converters) fails here instead of silently not crossing the wire. Each
// leaf field must be set somewhere among the fixtures of its type (a set
// pointer counts, whatever it points to).
func TestFixturesSetEveryField(t *testing.T) {
	for name, values := range map[string][]any{
		"Connection":         {fullConn},
		"Customer":           {fullCustomer},
		"Descriptor":         {fullDescriptor, tokenDescriptor},
		"Invoice":            {fullInvoice},
		"InvoiceRequest":     {fullInvoiceRequest},
		"Order":              {fullOrder},
		"OrderQuery":         {fullOrderQuery},
		"CollectiveRequest":  {fullCollectiveRequest},
		"PaymentRequest":     {fullPayment},
		"OrderRefundRequest": {fullOrderRefundRequest},
		"CustomerPatch":      {fullPatch},
		"Voucher":            {fullVoucher},
		"CustomerQuery":      {fullCustomerQuery},
		"CustomerPage":       {fullCustomerPage},
		"VATCode":            {fullVATCode},
	} {
		all, set := map[string]bool{}, map[string]bool{}
		for _, v := range values {
			walkLeaves(reflect.ValueOf(v), name, all, set)
		}
		var missing []string
		for p := range all {
			if !set[p] {
				missing = append(missing, p)
			}
		}
		sort.Strings(missing)
		for _, p := range missing {
			t.Errorf("no fixture sets %s", p)
		}
	}
}

func walkLeaves(v reflect.Value, path string, all, set map[string]bool) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type().PkgPath() == "time" || v.Type().Name() == "Decimal" {
			all[path] = true
			set[path] = set[path] || !v.IsZero()
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				walkLeaves(v.Field(i), path+"."+f.Name, all, set)
			}
		}
	case reflect.Pointer:
		all[path] = true
		set[path] = set[path] || !v.IsNil()
		if !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Elem().Type().PkgPath() != "time" {
			walkLeaves(v.Elem(), path, all, set)
		}
	case reflect.Slice:
		all[path] = true
		set[path] = set[path] || v.Len() > 0
		for i := 0; i < v.Len(); i++ {
			walkLeaves(v.Index(i), path+"[]", all, set)
		}
	default:
		all[path] = true
		set[path] = set[path] || !v.IsZero()
	}
}

// fullVATCode sets every field of core.VATCode.
var fullVATCode = core.VATCode{Code: "MP1", Name: "Utgående moms 25 %", Rate: dec("25"), Account: "2611"}
