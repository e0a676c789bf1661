package plugin

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Conversions between core values and their wire messages. The encoders
// (…ToPB) never fail. The decoders (…FromPB) accept nil messages as zero
// values and never panic; the only wire content they reject is a decimal
// string that does not parse, reported through a decoder as a field error
// with a JSON path ("lines[2].quantity").
//
// Round trips are lossless: every field, nil versus empty slices and maps
// (through the *_present flags), decimal values with their number of decimal
// places, and instants (which arrive in UTC; the zero time stays zero).

// decoder collects the field errors of one decode.
type decoder struct {
	errs []core.FieldError
}

// err returns nil when every field decoded, else an invalid error naming the
// bad fields.
func (d *decoder) err(message string) error {
	return core.Invalid(message, d.errs...)
}

// decimal parses a wire decimal; "" is zero.
func (d *decoder) decimal(path, s string) decimal.Decimal {
	if s == "" {
		return decimal.Decimal{}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		d.errs = append(d.errs, core.FieldError{Field: path, Message: fmt.Sprintf("%q is not a decimal number", s)})
		return decimal.Decimal{}
	}
	return v
}

// formatDecimal renders v with exactly its number of decimal places, so
// "1.500" stays "1.500" rather than becoming "1.5".
func formatDecimal(v decimal.Decimal) string {
	if e := v.Exponent(); e < 0 {
		return v.StringFixed(-e)
	}
	return v.String()
}

func indexPath(prefix, list string, i int, field string) string {
	p := list + "[" + strconv.Itoa(i) + "]." + field
	if prefix != "" {
		p = prefix + "." + p
	}
	return p
}

func timeToPB(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeFromPB(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// sliceFromPB maps a wire list to a Go slice: nil when the list is empty and
// not marked present.
func sliceFromPB[P any, T any](in []P, present bool, conv func(int, P) T) []T {
	if len(in) == 0 && !present {
		return nil
	}
	out := make([]T, len(in))
	for i, p := range in {
		out[i] = conv(i, p)
	}
	return out
}

func sliceToPB[T any, P any](in []T, conv func(T) P) []P {
	if len(in) == 0 {
		return nil
	}
	out := make([]P, len(in))
	for i, v := range in {
		out[i] = conv(v)
	}
	return out
}

func stringsFromPB(in []string, present bool) []string {
	return sliceFromPB(in, present, func(_ int, s string) string { return s })
}

func stringsToPB(in []string) []string {
	return sliceToPB(in, func(s string) string { return s })
}

func mapFromPB(in map[string]string, present bool) map[string]string {
	if len(in) == 0 && !present {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func mapToPB(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
