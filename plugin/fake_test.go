package plugin

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// fakeProvider is a core.Provider that records each call's arguments and
// answers with a canned result and error. With block set it waits for its
// context to end and reports what it saw on canceled.
type fakeProvider struct {
	mu     sync.Mutex
	method string
	args   []any
	ret    any
	err    error
	panics bool

	block    bool
	canceled chan error
}

func newFake() *fakeProvider { return &fakeProvider{canceled: make(chan error, 1)} }

func (f *fakeProvider) answer(ret any, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ret, f.err = ret, err
}

func (f *fakeProvider) last() (string, []any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.method, f.args
}

func (f *fakeProvider) call(ctx context.Context, method string, args ...any) (any, error) {
	f.mu.Lock()
	f.method, f.args = method, args
	ret, err, block, panics := f.ret, f.err, f.block, f.panics
	f.mu.Unlock()
	if panics {
		panic("fake provider exploded")
	}
	if block {
		<-ctx.Done()
		f.canceled <- ctx.Err()
		return nil, ctx.Err()
	}
	return ret, err
}

// result returns ret as a T, or T's zero value when ret is nil or another type.
func result[T any](ret any, err error) (T, error) {
	v, _ := ret.(T)
	return v, err
}

func (f *fakeProvider) Describe(ctx context.Context) (core.Descriptor, error) {
	return result[core.Descriptor](f.call(ctx, "Describe"))
}

func (f *fakeProvider) VerifyConnection(ctx context.Context, conn core.Connection) error {
	_, err := f.call(ctx, "VerifyConnection", conn)
	return err
}

func (f *fakeProvider) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	return result[core.CustomerPage](f.call(ctx, "SearchCustomers", conn, q))
}

func (f *fakeProvider) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	return result[core.Customer](f.call(ctx, "GetCustomer", conn, id))
}

func (f *fakeProvider) CreateCustomer(ctx context.Context, conn core.Connection, c core.Customer) (core.Customer, error) {
	return result[core.Customer](f.call(ctx, "CreateCustomer", conn, c))
}

func (f *fakeProvider) UpdateCustomer(ctx context.Context, conn core.Connection, id string, p core.CustomerPatch) (core.Customer, error) {
	return result[core.Customer](f.call(ctx, "UpdateCustomer", conn, id, p))
}

func (f *fakeProvider) CreateInvoice(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Invoice, error) {
	return result[core.Invoice](f.call(ctx, "CreateInvoice", conn, req))
}

func (f *fakeProvider) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	return result[core.Invoice](f.call(ctx, "UpdateDraft", conn, id, req))
}

func (f *fakeProvider) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	return result[core.Invoice](f.call(ctx, "PostInvoice", conn, id, date))
}

func (f *fakeProvider) GetInvoice(ctx context.Context, conn core.Connection, id string) (core.Invoice, error) {
	return result[core.Invoice](f.call(ctx, "GetInvoice", conn, id))
}

func (f *fakeProvider) ListInvoices(ctx context.Context, conn core.Connection, q core.InvoiceQuery) (core.InvoicePage, error) {
	return result[core.InvoicePage](f.call(ctx, "ListInvoices", conn, q))
}

func (f *fakeProvider) CreditInvoice(ctx context.Context, conn core.Connection, req core.CreditRequest) (core.Invoice, error) {
	return result[core.Invoice](f.call(ctx, "CreditInvoice", conn, req))
}

func (f *fakeProvider) MarkInvoicePaid(ctx context.Context, conn core.Connection, req core.PaymentRequest) (core.Invoice, error) {
	return result[core.Invoice](f.call(ctx, "MarkInvoicePaid", conn, req))
}

func (f *fakeProvider) InvoicePDF(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return result[core.Document](f.call(ctx, "InvoicePDF", conn, id))
}

func (f *fakeProvider) InvoiceUBL(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return result[core.Document](f.call(ctx, "InvoiceUBL", conn, id))
}

func (f *fakeProvider) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	return result[core.Order](f.call(ctx, "CreateOrder", conn, req))
}

func (f *fakeProvider) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	return result[core.OrderPage](f.call(ctx, "ListOrders", conn, q))
}

func (f *fakeProvider) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	return result[core.Invoice](f.call(ctx, "InvoiceOrders", conn, req))
}

func (f *fakeProvider) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	return result[core.Order](f.call(ctx, "RefundOrder", conn, req))
}

func (f *fakeProvider) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	return result[[]core.LedgerAccount](f.call(ctx, "ListLedgerAccounts", conn))
}

func (f *fakeProvider) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	return result[core.LedgerAccount](f.call(ctx, "CreateLedgerAccount", conn, a))
}

func (f *fakeProvider) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	return result[[]core.VATCode](f.call(ctx, "ListVATCodes", conn))
}

func (f *fakeProvider) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	return result[[]core.PaymentType](f.call(ctx, "ListPaymentTypes", conn))
}

func (f *fakeProvider) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	return result[core.ExportResult](f.call(ctx, "ExportSales", conn, v))
}

var _ core.Provider = (*fakeProvider)(nil)

// ------------------------------------------------------------ comparison

var (
	decimalType = reflect.TypeOf(decimal.Decimal{})
	timeType    = reflect.TypeOf(time.Time{})
)

// places is the number of decimal places a decimal is written with.
func places(d decimal.Decimal) int32 {
	if e := d.Exponent(); e < 0 {
		return -e
	}
	return 0
}

// difference reports the first place where got differs from want, or "".
// It is stricter than "equal value": nil and empty slices and maps differ,
// nil and non-nil pointers differ, decimals must have the same value and
// number of decimal places, times the same instant.
func difference(path string, want, got reflect.Value) string {
	if want.IsValid() != got.IsValid() {
		return fmt.Sprintf("%s: want %v, got %v", path, want, got)
	}
	if !want.IsValid() {
		return ""
	}
	if want.Type() != got.Type() {
		return fmt.Sprintf("%s: want type %s, got %s", path, want.Type(), got.Type())
	}
	switch want.Type() {
	case decimalType:
		w, g := want.Interface().(decimal.Decimal), got.Interface().(decimal.Decimal)
		if !w.Equal(g) || places(w) != places(g) {
			return fmt.Sprintf("%s: want decimal %s (%d places), got %s (%d places)", path, w, places(w), g, places(g))
		}
		return ""
	case timeType:
		w, g := want.Interface().(time.Time), got.Interface().(time.Time)
		if !w.Equal(g) || w.IsZero() != g.IsZero() {
			return fmt.Sprintf("%s: want time %s, got %s", path, w, g)
		}
		return ""
	}
	switch want.Kind() {
	case reflect.Pointer, reflect.Interface:
		if want.IsNil() != got.IsNil() {
			return fmt.Sprintf("%s: want nil=%v, got nil=%v", path, want.IsNil(), got.IsNil())
		}
		if want.IsNil() {
			return ""
		}
		return difference(path, want.Elem(), got.Elem())
	case reflect.Slice:
		if want.IsNil() != got.IsNil() {
			return fmt.Sprintf("%s: want nil=%v, got nil=%v (nil vs empty)", path, want.IsNil(), got.IsNil())
		}
		if want.Len() != got.Len() {
			return fmt.Sprintf("%s: want %d elements, got %d", path, want.Len(), got.Len())
		}
		for i := 0; i < want.Len(); i++ {
			if d := difference(fmt.Sprintf("%s[%d]", path, i), want.Index(i), got.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if want.IsNil() != got.IsNil() {
			return fmt.Sprintf("%s: want nil=%v, got nil=%v (nil vs empty)", path, want.IsNil(), got.IsNil())
		}
		if want.Len() != got.Len() {
			return fmt.Sprintf("%s: want %d entries, got %d", path, want.Len(), got.Len())
		}
		for _, k := range want.MapKeys() {
			if d := difference(fmt.Sprintf("%s[%v]", path, k), want.MapIndex(k), got.MapIndex(k)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Struct:
		for i := 0; i < want.NumField(); i++ {
			if d := difference(path+"."+want.Type().Field(i).Name, want.Field(i), got.Field(i)); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(want.Interface(), got.Interface()) {
			return fmt.Sprintf("%s: want %#v, got %#v", path, want.Interface(), got.Interface())
		}
		return ""
	}
}

func assertSame(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := difference(what, reflect.ValueOf(want), reflect.ValueOf(got)); d != "" {
		t.Errorf("%s", d)
	}
}

func TestDifferenceCatchesWhatRoundTripsMustKeep(t *testing.T) {
	tests := []struct {
		name      string
		want, got any
	}{
		{"nil vs empty slice", core.Invoice{}, core.Invoice{Lines: []core.InvoiceLine{}}},
		{"nil vs empty map", core.Connection{}, core.Connection{Settings: map[string]string{}}},
		{"decimal places", core.VATCode{Rate: dec("12.50")}, core.VATCode{Rate: dec("12.5")}},
		{"decimal value", core.VATCode{Rate: dec("12.5")}, core.VATCode{Rate: dec("12.6")}},
		{"instant", core.Customer{CreatedAt: time.Unix(1, 0)}, core.Customer{CreatedAt: time.Unix(2, 0)}},
		{"nil pointer", core.CustomerPatch{}, core.CustomerPatch{Name: new(string)}},
		{"pointee", core.CustomerPatch{DueDays: intPtr(1)}, core.CustomerPatch{DueDays: intPtr(2)}},
		{"map value", core.Connection{Settings: map[string]string{"a": "1"}}, core.Connection{Settings: map[string]string{"a": "2"}}},
	}
	for _, tt := range tests {
		if d := difference("v", reflect.ValueOf(tt.want), reflect.ValueOf(tt.got)); d == "" {
			t.Errorf("%s: difference found none", tt.name)
		}
	}
	same := []struct{ want, got any }{
		{core.VATCode{Rate: dec("12.50")}, core.VATCode{Rate: dec("12.50")}},
		{core.Customer{CreatedAt: time.Date(2026, 5, 1, 10, 0, 0, 0, time.FixedZone("CEST", 7200))}, core.Customer{CreatedAt: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}},
	}
	for i, s := range same {
		if d := difference("v", reflect.ValueOf(s.want), reflect.ValueOf(s.got)); d != "" {
			t.Errorf("same[%d]: %s", i, d)
		}
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func intPtr(i int) *int       { return &i }
func strPtr(s string) *string { return &s }
func boolPtr(b bool) *bool    { return &b }
