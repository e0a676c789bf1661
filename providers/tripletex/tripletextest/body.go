package tripletextest

import (
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// obj is a decoded JSON object from a request body. The strict decoder has
// already rejected unknown fields and wrong types, so accessors only need to
// coerce the forms Tripletex tolerates (numeric strings).
type obj map[string]any

func asObj(v any) obj {
	m, _ := v.(map[string]any)
	return m
}

// has reports whether k is present and not null.
func (o obj) has(k string) bool { return o != nil && o[k] != nil }

func (o obj) str(k string) (string, bool) {
	if !o.has(k) {
		return "", false
	}
	switch x := o[k].(type) {
	case string:
		return x, true
	case interface{ String() string }:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func (o obj) int(k string) (int64, bool) {
	if !o.has(k) {
		return 0, false
	}
	return asInt(o[k])
}

func (o obj) dec(k string) (decimal.Decimal, bool) {
	if !o.has(k) {
		return decimal.Zero, false
	}
	return asDecimal(o[k])
}

func (o obj) boolean(k string) (bool, bool) {
	if !o.has(k) {
		return false, false
	}
	return asBool(o[k])
}

func (o obj) obj(k string) obj { return asObj(o[k]) }

func (o obj) arr(k string) []any {
	a, _ := o[k].([]any)
	return a
}

// ref reads {"id":N}; present reports a non-null object, id is 0 when it
// has no id.
func (o obj) ref(k string) (id int64, present bool) {
	r := o.obj(k)
	if r == nil {
		return 0, false
	}
	id, _ = r.int("id")
	return id, true
}

// setStr assigns a string field if present.
func (o obj) setStr(k string, dst *string) {
	if v, ok := o.str(k); ok {
		*dst = v
	}
}

func (o obj) setBool(k string, dst *bool) {
	if v, ok := o.boolean(k); ok {
		*dst = v
	}
}

func (o obj) setInt(k string, dst *int) {
	if v, ok := o.int(k); ok {
		*dst = int(v)
	}
}

// validDate reports whether s is YYYY-MM-DD.
func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// queryIDs parses a comma-separated list filter ("List of IDs").
func queryIDs(s string) []int64 {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// queryBool returns a boolean query parameter, or def when absent.
func queryBool(c *call, name string, def bool) bool {
	if v, ok := queryString(c.query, name); ok {
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return def
}

// pathID is the integer path parameter name.
func pathID(c *call, name string) int64 {
	n, _ := strconv.ParseInt(c.params[name], 10, 64)
	return n
}

// idOnCreate rejects an id in a POST body: "ID kan ikke settes når man
// oppretter et objekt."
func idOnCreate(o obj) *apiError {
	if id, ok := o.int("id"); ok && id != 0 {
		return validationError(vm("id", msgIDOnCreate))
	}
	return nil
}

// addDue adds invoicesDueIn days or months to a date.
func addDue(date string, n int, unit string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	switch unit {
	case "MONTHS":
		t = t.AddDate(0, n, 0)
	case "RECURRING_DAY_OF_MONTH":
		// Due on day n of the following month.
		t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		if n > 0 {
			t = t.AddDate(0, 0, n-1)
		}
	default:
		t = t.AddDate(0, 0, n)
	}
	return t.Format(time.DateOnly)
}
