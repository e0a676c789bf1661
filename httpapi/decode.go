package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// maxBodyBytes bounds every request body unless Options.MaxBodyBytes says
// otherwise.
const maxBodyBytes = 1 << 20

// decodeJSON reads the request body strictly into dst (a pointer to a
// struct) and answers the error itself; it reports whether the handler may
// go on.
func (s *server) decodeJSON(c *gin.Context, dst any) bool {
	if err := decodeBody(c.Writer, c.Request, dst, s.maxBody); err != nil {
		s.writeError(c, err)
		return false
	}
	return true
}

// decodeNoBody checks the body of an operation that takes none: empty or
// the empty object {}. Anything else is answered 400 naming each field (or
// "body"); it reports whether the handler may go on.
func (s *server) decodeNoBody(c *gin.Context) bool {
	body, err := readBody(c.Writer, c.Request, s.maxBody)
	if err == nil && len(bytes.TrimSpace(body)) > 0 {
		err = decodeStrict(body, &struct{}{})
	}
	if err != nil {
		s.writeError(c, err)
		return false
	}
	return true
}

// decodeBody reads at most max bytes of r's body and decodes it with
// decodeStrict. Errors: CodeInvalid with Syntax (HTTP 400).
func decodeBody(w http.ResponseWriter, r *http.Request, dst any, max int64) error {
	body, err := readBody(w, r, max)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// readBody reads at most max bytes of r's body. Errors: CodeInvalid with
// Syntax (HTTP 400), naming body when it is too large.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, syntaxError("request body too large",
				core.FieldError{Field: "body", Message: fmt.Sprintf("must be at most %d bytes", max)})
		}
		return nil, syntaxError("could not read the request body: " + err.Error())
	}
	return body, nil
}

// decodeStrict decodes one JSON value into dst, a pointer to a struct. Before
// anything is decoded the whole body is checked against dst's type, so one
// answer names every unknown field and every value of the wrong type by its
// path ("lines[1].quantity"), not just the first. JSON null leaves a field
// untouched. Errors: CodeInvalid with Syntax (HTTP 400) for an empty body,
// malformed JSON, trailing data, unknown fields and wrong types.
func decodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return syntaxError("request body is empty; send a JSON object",
			core.FieldError{Field: "body", Message: "is required"})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return syntaxError(fmt.Sprintf("malformed JSON: unexpected data after the value at byte %d", dec.InputOffset()))
	}
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer {
		return core.Errorf(core.CodeInternal, "decodeStrict needs a pointer, got %T", dst)
	}
	if _, ok := tree.(map[string]any); !ok {
		return syntaxError("request body must be a JSON object",
			core.FieldError{Field: "body", Message: "must be a JSON object"})
	}
	if fields := checkShape(tree, t.Elem(), ""); len(fields) > 0 {
		return syntaxError("request body does not match the expected shape", fields...)
	}
	// Decode the value checkShape checked, re-encoded: its strings carry no
	// \u escapes, which some UnmarshalJSON methods (decimal's) do not
	// undo, so "\u0031\u0032" is the vat_rate 12 as it is for checkShape.
	var canon bytes.Buffer
	enc := json.NewEncoder(&canon)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return core.Errorf(core.CodeInternal, "re-encoding the request body: %v", err)
	}
	strict := json.NewDecoder(&canon)
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		// checkShape accepts only what encoding/json decodes, so this is
		// a gap between the two; still the caller's body.
		return syntaxError("invalid request body: " + err.Error())
	}
	return nil
}

func syntaxError(message string, fields ...core.FieldError) *core.Error {
	return &core.Error{Code: core.CodeInvalid, Syntax: true, Message: message, Fields: fields}
}

func malformed(err error) *core.Error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return syntaxError(fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: ")))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return syntaxError("malformed JSON: unexpected end of the body")
	default:
		return syntaxError("malformed JSON: " + err.Error())
	}
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	decimalType     = reflect.TypeFor[decimal.Decimal]()
	timeType        = reflect.TypeFor[time.Time]()
)

// checkShape compares a JSON value decoded into any (numbers as json.Number)
// with the Go type it will be decoded into and returns a field error for
// every unknown object key and every value of the wrong type, with paths
// like "lines[0].vat_rate". Key matching follows encoding/json: exact name
// first, then case-insensitive.
func checkShape(v any, t reflect.Type, path string) []core.FieldError {
	if v == nil {
		return nil // JSON null leaves the target unchanged
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		raw, err := json.Marshal(v)
		if err == nil {
			err = reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw)
		}
		if err != nil {
			return []core.FieldError{{Field: fieldName(path), Message: leafMessage(t)}}
		}
		return nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		str, ok := v.(string)
		if !ok {
			return []core.FieldError{{Field: fieldName(path), Message: "must be a string"}}
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(str)); err != nil {
			return []core.FieldError{{Field: fieldName(path), Message: leafMessage(t)}}
		}
		return nil
	}
	bad := func(msg string) []core.FieldError { return []core.FieldError{{Field: fieldName(path), Message: msg}} }
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("must be an object")
		}
		fields := jsonFields(t)
		var out []core.FieldError
		for _, key := range sortedKeys(obj) {
			f, ok := lookupField(fields, key)
			if !ok {
				out = append(out, core.FieldError{Field: joinPath(path, key), Message: "unknown field"})
				continue
			}
			out = append(out, checkShape(obj[key], f.typ, joinPath(path, key))...)
		}
		return out
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("must be an object")
		}
		var out []core.FieldError
		for _, key := range sortedKeys(obj) {
			out = append(out, checkShape(obj[key], t.Elem(), joinPath(path, key))...)
		}
		return out
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			if _, ok := v.(string); !ok {
				return bad("must be a base64 string")
			}
			return nil
		}
		arr, ok := v.([]any)
		if !ok {
			return bad("must be an array")
		}
		if t.Kind() == reflect.Array && len(arr) > t.Len() {
			return bad(fmt.Sprintf("must have at most %d elements", t.Len()))
		}
		var out []core.FieldError
		for i, el := range arr {
			out = append(out, checkShape(el, t.Elem(), path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	case reflect.String:
		if _, ok := v.(string); !ok {
			return bad("must be a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return bad("must be true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return bad("must be an integer")
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return bad("is out of range")
			}
			return bad("must be an integer")
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return bad("must be a non-negative integer")
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return bad("is out of range")
			}
			return bad("must be a non-negative integer")
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return bad("must be a number")
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return bad("is out of range")
		}
	case reflect.Interface:
		return nil
	default:
		return bad("cannot be set")
	}
	return nil
}

func leafMessage(t reflect.Type) string {
	switch t {
	case decimalType:
		return `must be a decimal number such as 1.5 or "25"`
	case timeType:
		return "must be an RFC 3339 time"
	}
	return "has an invalid value"
}

type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the JSON names of a struct's fields as encoding/json sees
// them, with untagged embedded structs flattened.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, typ: f.Type})
	}
	return out
}

func lookupField(fields []jsonField, key string) (jsonField, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return jsonField{}, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Deterministic answers make errors reproducible and testable.
	slices.Sort(keys)
	return keys
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// queryParams parses URL query parameters, collecting every bad one so a
// single 422 names them all.
type queryParams struct {
	c    *gin.Context
	errs []core.FieldError
}

func newQueryParams(c *gin.Context) *queryParams { return &queryParams{c: c} }

func (q *queryParams) fail(name, message string) {
	q.errs = append(q.errs, core.FieldError{Field: name, Message: message})
}

// str returns the parameter's value, trimmed.
func (q *queryParams) str(name string) string { return strings.TrimSpace(q.c.Query(name)) }

// limit parses the list limit; absent is 0, which the engine turns into the
// default.
func (q *queryParams) limit() int {
	raw := q.str("limit")
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > core.MaxListLimit {
		q.fail("limit", fmt.Sprintf("must be an integer between 1 and %d", core.MaxListLimit))
		return 0
	}
	return n
}

// date parses an optional YYYY-MM-DD parameter.
func (q *queryParams) date(name string) core.Date {
	raw := q.str(name)
	if raw == "" {
		return ""
	}
	d, err := core.ParseDate(name, raw)
	if err != nil {
		q.errs = append(q.errs, core.AsError(err).Fields...)
	}
	return d
}

// desc parses order=asc|desc (any case) and reports whether it is descending.
func (q *queryParams) desc() bool {
	switch strings.ToLower(q.str("order")) {
	case "", "asc":
		return false
	case "desc":
		return true
	}
	q.fail("order", "must be asc or desc")
	return false
}

// err returns CodeInvalid (422) naming every bad parameter, or nil.
func (q *queryParams) err() error { return core.Invalid("invalid query parameters", q.errs...) }

// listBody is the contract's list envelope.
type listBody[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newList[T any](data []T, next string) listBody[T] {
	if data == nil {
		data = []T{}
	}
	return listBody[T]{Data: data, NextCursor: next}
}

// validUTF8 answers 400 naming the part of the URL that is not UTF-8: the
// path (which becomes ids such as a customer's) or a query parameter.
// Every id and query value ends up in a provider's gRPC message, which
// cannot carry invalid UTF-8 (the call failed with 500 before).
func (s *server) validUTF8(c *gin.Context) {
	if !utf8.ValidString(c.Request.URL.Path) {
		s.writeError(c, syntaxError("the URL path is not valid UTF-8",
			core.FieldError{Field: "path", Message: "must be valid UTF-8"}))
		return
	}
	// Decoding a query changes only %XX escapes (and + to a space), so a
	// raw query without % that is valid UTF-8 decodes to valid UTF-8: the
	// common case, the charge path's empty query among them, is checked
	// without parsing it.
	if raw := c.Request.URL.RawQuery; !strings.Contains(raw, "%") && utf8.ValidString(raw) {
		c.Next()
		return
	}
	query := c.Request.URL.Query()
	var fields []core.FieldError
	for _, name := range slices.Sorted(maps.Keys(query)) {
		if !utf8.ValidString(name) {
			fields = append(fields, core.FieldError{Field: "query", Message: "parameter names must be valid UTF-8"})
			continue
		}
		for _, v := range query[name] {
			if !utf8.ValidString(v) {
				fields = append(fields, core.FieldError{Field: name, Message: "must be valid UTF-8"})
				break
			}
		}
	}
	if len(fields) > 0 {
		s.writeError(c, syntaxError("a query parameter is not valid UTF-8", fields...))
		return
	}
	c.Next()
}
