package core

import (
	"context"
	"reflect"
	"testing"
)

// journalOnly is a provider written as the SDK suggests: the base, two
// methods of its own and one capability.
type journalOnly struct{ Unsupported }

func (journalOnly) Describe(context.Context) (Descriptor, error) {
	return Descriptor{Name: "journal"}, nil
}
func (journalOnly) VerifyConnection(context.Context, Connection) error { return nil }
func (journalOnly) ExportSales(context.Context, Connection, Voucher) (ExportResult, error) {
	return ExportResult{ProviderRef: "J-1"}, nil
}

var _ Provider = journalOnly{}

// TestUnsupportedAnswersEveryMethod calls every Invoicing and Bookkeeping
// method of the base, as a Provider, with zero arguments: each answers
// CodeUnsupported and the zero value, except the one the provider wrote.
func TestUnsupportedAnswersEveryMethod(t *testing.T) {
	var p Provider = journalOnly{}
	v := reflect.ValueOf(p)
	for _, role := range []reflect.Type{reflect.TypeFor[Invoicing](), reflect.TypeFor[Bookkeeping]()} {
		for i := 0; i < role.NumMethod(); i++ {
			m := role.Method(i)
			args := []reflect.Value{reflect.ValueOf(context.Background())}
			for j := 1; j < m.Type.NumIn(); j++ {
				args = append(args, reflect.Zero(m.Type.In(j)))
			}
			out := v.MethodByName(m.Name).Call(args)
			err, _ := out[len(out)-1].Interface().(error)
			if m.Name == "ExportSales" {
				if err != nil || out[0].Interface().(ExportResult).ProviderRef != "J-1" {
					t.Errorf("ExportSales: the provider's own method was not called: %v", err)
				}
				continue
			}
			if Code(err) != CodeUnsupported {
				t.Errorf("%s: err = %v, want unsupported", m.Name, err)
			}
			if len(out) == 2 && !out[0].IsZero() {
				t.Errorf("%s: answered %v with the error", m.Name, out[0])
			}
		}
	}
}
