package tripletextest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specRelPath is where the published Tripletex document lives below the
// shared reference directory. The package's default, relative to this
// directory, is ../../../../shared/specs/tripletex/openapi.json; it is found
// by walking up from the working directory because `go test` runs in the
// package directory while the command may run anywhere in the checkout.
const specRelPath = "shared/specs/tripletex/openapi.json"

// SpecEnv names an environment variable that, when set, points at the
// openapi.json to validate against (used when Options.SpecPath is empty).
const SpecEnv = "TRIPLETEX_OPENAPI"

// EmbeddedSpec names the copy of the published document compiled into
// this package (spec/openapi.json, provenance in spec/SOURCE.md). FindSpec
// returns it when neither the environment variable nor a shared/ checkout
// provides the document, so the mock and its tests work in any directory.
const EmbeddedSpec = "embedded:openapi.json"

//go:embed spec/openapi.json
var embeddedSpec []byte

// FindSpec returns the path of the published Tripletex openapi.json: the
// SpecEnv variable if set, else the first <dir>/shared/specs/tripletex/openapi.json
// found walking up from the working directory. Otherwise it returns EmbeddedSpec.
func FindSpec() (string, error) {
	if p := os.Getenv(SpecEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("tripletextest: %s=%s: %w", SpecEnv, p, err)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("tripletextest: cannot find the Tripletex OpenAPI document: %w", err)
	}
	var tried []string
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, specRelPath)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return EmbeddedSpec, nil
}

// spec is the loaded document plus the router built from it.
type spec struct {
	doc    *openapi3.T
	routes []*specRoute
}

// specRoute is one path of the document split into segments for matching.
type specRoute struct {
	path     string // as in the document, e.g. "/order/{id}/:invoice"
	segments []string
	item     *openapi3.PathItem
	literals int // number of literal segments; more literal = more specific
}

type specEntry struct {
	once sync.Once
	spec *spec
	err  error
}

// specCache loads each document once per process: the file is ~2 MB with
// 1,849 schemas and takes most of a second to parse and resolve.
var specCache sync.Map // absolute path → *specEntry

func loadSpec(path string) (*spec, error) {
	abs, err := path, error(nil)
	if path != EmbeddedSpec {
		if abs, err = filepath.Abs(path); err != nil {
			return nil, err
		}
	}
	e, _ := specCache.LoadOrStore(abs, &specEntry{})
	ent := e.(*specEntry)
	ent.once.Do(func() { ent.spec, ent.err = parseSpec(abs) })
	return ent.spec, ent.err
}

func parseSpec(path string) (*spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loadDocument(loader, path)
	if err != nil {
		return nil, fmt.Errorf("tripletextest: loading %s: %w", path, err)
	}
	// Spec quirk: doc.Validate() fails on the published document (integer
	// query parameters such as /accountantDashboard/news "from" declare the
	// string default "0"), so the document is not validated as a whole and
	// the legacy router, which insists on it, is not used.
	//
	// Spec quirk: every request body is declared only under the media type
	// "application/json; charset=utf-8". kin-openapi matches media types by
	// exact key, so a client sending plain "application/json" (which the real
	// API accepts) would be reported. Register the plain type as an alias.
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			c := op.RequestBody.Value.Content
			for k, v := range c {
				base, _, _ := strings.Cut(k, ";")
				base = strings.TrimSpace(base)
				if base != k && c[base] == nil {
					c[base] = v
				}
			}
		}
	}
	s := &spec{doc: doc}
	for p, item := range doc.Paths.Map() {
		r := &specRoute{path: p, segments: strings.Split(strings.Trim(p, "/"), "/"), item: item}
		for _, seg := range r.segments {
			if !isParamSegment(seg) {
				r.literals++
			}
		}
		s.routes = append(s.routes, r)
	}
	// Literal segments win over parameters ("/ledger/voucher/>nonPosted"
	// before "/ledger/voucher/{id}"); ties are broken by path for determinism.
	sort.Slice(s.routes, func(i, j int) bool {
		if s.routes[i].literals != s.routes[j].literals {
			return s.routes[i].literals > s.routes[j].literals
		}
		return s.routes[i].path < s.routes[j].path
	})
	return s, nil
}

func isParamSegment(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

var (
	errPathNotFound     = errors.New("no such path in the published document")
	errMethodNotAllowed = errors.New("method not declared for this path in the published document")
)

// find matches a path below the API base (without "/v2") against the
// document. It is a small segment router rather than kin-openapi's routers:
// the gorillamux router matches the escaped path, in which the ">" of
// aggregate paths such as "/token/session/>whoAmI" becomes "%3E" and never
// matches, and it also insists on the document's server host
// (https://tripletex.no/v2); the legacy router needs doc.Validate() to pass,
// which it does not (see parseSpec). Matching is on the decoded path, so
// ">whoAmI" and "%3EwhoAmI" are the same request, as on the real server.
func (s *spec) find(method, path string) (*routers.Route, map[string]string, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	pathMatched := false
	for _, r := range s.routes {
		if len(r.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, seg := range r.segments {
			if isParamSegment(seg) {
				if segs[i] == "" {
					ok = false
					break
				}
				params[seg[1:len(seg)-1]] = segs[i]
				continue
			}
			if seg != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathMatched = true
		op := r.item.GetOperation(method)
		if op == nil {
			continue
		}
		return &routers.Route{Spec: s.doc, Path: r.path, PathItem: r.item, Method: method, Operation: op}, params, nil
	}
	if pathMatched {
		return nil, nil, errMethodNotAllowed
	}
	return nil, nil, errPathNotFound
}

// reqProblem is one way a request departs from the published document.
type reqProblem struct {
	kind   problemKind
	field  string // query parameter or JSON field path
	detail string
}

type problemKind int

const (
	problemParam          problemKind = iota // bad or missing query/path parameter: the real API rejects it
	problemPathParam                         // a path parameter of the wrong type
	problemUnknownParam                      // a query parameter the operation does not declare: silently ignored by the real API
	problemBody                              // body fails the schema (kin-openapi); the real answer comes from the strict decoder
	problemBodyUnexpected                    // a body on an operation that declares none
	problemContentType                       // body sent with an undeclared media type
)

// validate checks the request against the operation: parameters and body
// with kin-openapi's openapi3filter, plus what the document implies but
// kin-openapi does not check (undeclared query parameters, bodies on
// operations that take none). body is the already-read request body.
func (s *spec) validate(r *http.Request, route *routers.Route, params map[string]string, body []byte) []reqProblem {
	var out []reqProblem
	op := route.Operation
	// The filter reads the body; give it a private copy of the request.
	rc := r.Clone(r.Context())
	rc.Body = http.NoBody
	if len(body) > 0 {
		rc.Body = readCloser{bytes.NewReader(body)}
		rc.ContentLength = int64(len(body))
	}
	opts := &openapi3filter.Options{
		MultiError:          true,
		SkipSettingDefaults: true,
		// Authentication is the mock's own middleware (sessions, 401 body).
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.RequestValidationInput{Request: rc, PathParams: params, Route: route, Options: opts}
	if op.RequestBody == nil && len(bytes.TrimSpace(body)) > 0 {
		// Action parameters belong in the query; the real API answers a body
		// here with 422. An empty object is what clients conventionally send.
		if t := string(bytes.TrimSpace(body)); t != "{}" && t != "null" {
			out = append(out, reqProblem{kind: problemBodyUnexpected, detail: "the operation declares no request body"})
		}
		rc.Body = http.NoBody
		rc.ContentLength = 0
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		out = append(out, classify(err)...)
	}
	declared := map[string]bool{}
	for _, p := range route.PathItem.Parameters {
		if p.Value != nil && p.Value.In == "query" {
			declared[p.Value.Name] = true
		}
	}
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == "query" {
			declared[p.Value.Name] = true
		}
	}
	for name := range r.URL.Query() {
		if !declared[name] {
			out = append(out, reqProblem{kind: problemUnknownParam, field: name,
				detail: fmt.Sprintf("query parameter %q is not declared for %s %s (the real API ignores it silently)", name, route.Method, route.Path)})
		}
	}
	return out
}

func classify(err error) []reqProblem {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []reqProblem
		for _, x := range e {
			out = append(out, classify(x)...)
		}
		return out
	case *openapi3filter.RequestError:
		detail := firstLine(e.Error())
		switch {
		case e.Parameter != nil && e.Parameter.In == "path":
			return []reqProblem{{kind: problemPathParam, field: e.Parameter.Name, detail: detail}}
		case e.Parameter != nil:
			return []reqProblem{{kind: problemParam, field: e.Parameter.Name, detail: detail}}
		case e.RequestBody != nil && strings.Contains(e.Reason, "header Content-Type"):
			return []reqProblem{{kind: problemContentType, detail: detail}}
		case e.RequestBody != nil:
			var me openapi3.MultiError
			if errors.As(e.Err, &me) {
				var out []reqProblem
				for _, x := range me {
					out = append(out, reqProblem{kind: problemBody, detail: "request body: " + firstLine(x.Error())})
				}
				return out
			}
			return []reqProblem{{kind: problemBody, detail: detail}}
		}
	}
	return []reqProblem{{kind: problemParam, detail: firstLine(err.Error())}}
}

// firstLine drops the schema dump kin-openapi appends to its messages.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// bodySchema returns the JSON schema of the operation's request body.
func bodySchema(op *openapi3.Operation) *openapi3.Schema {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	for _, mt := range op.RequestBody.Value.Content {
		if mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// responseModel returns the schema of the object(s) an operation answers
// with (the "value" of a ResponseWrapperX, the "values" items of a
// ListResponseX) and its name, used by the fields filter.
func responseModel(op *openapi3.Operation) (*openapi3.Schema, string) {
	if op == nil || op.Responses == nil {
		return nil, ""
	}
	for _, code := range []string{"default", "200"} {
		resp := op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		mt := resp.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		w := mt.Schema.Value
		if v := w.Properties["value"]; v != nil && v.Value != nil {
			return v.Value, refName(v.Ref)
		}
		if v := w.Properties["values"]; v != nil && v.Value != nil && v.Value.Items != nil {
			return v.Value.Items.Value, refName(v.Value.Items.Ref)
		}
	}
	return nil, ""
}

func refName(ref string) string {
	return ref[strings.LastIndex(ref, "/")+1:]
}

// bodyError is the strict decoder's verdict on a request body, phrased as
// Tripletex phrases it.
type bodyError struct {
	code    int // 16000 mapping, 18000 validation
	field   string
	message string
}

const (
	msgUnknownField = "Feltet eksisterer ikke i objektet."
	msgWrongType    = "Verdien er ikke av korrekt type for dette feltet."
)

// strictCheck walks a decoded JSON body against the operation's schema the
// way Tripletex's Jackson mapping does: an unknown property fails the whole
// request (422/16000, field = the property name); a value of the wrong type
// fails it with 422/18000 (field = dotted path). Numeric strings for numbers
// and strings/numbers for booleans are coerced, as the real API does;
// kin-openapi still reports them as spec violations.
func strictCheck(v any, sch *openapi3.Schema, path string) []bodyError {
	if v == nil || sch == nil {
		return nil
	}
	var errs []bodyError
	typeErr := func() []bodyError {
		return []bodyError{{code: 18000, field: path, message: msgWrongType}}
	}
	switch {
	case sch.Type.Is("object") || (sch.Type == nil && len(sch.Properties) > 0):
		m, ok := v.(map[string]any)
		if !ok {
			return typeErr()
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			prop := sch.Properties[k]
			if prop == nil || prop.Value == nil {
				if sch.AdditionalProperties.Schema != nil || (sch.AdditionalProperties.Has != nil && *sch.AdditionalProperties.Has) {
					continue
				}
				errs = append(errs, bodyError{code: 16000, field: k, message: msgUnknownField})
				continue
			}
			errs = append(errs, strictCheck(m[k], prop.Value, joinPath(path, k))...)
		}
	case sch.Type.Is("array"):
		a, ok := v.([]any)
		if !ok {
			return typeErr()
		}
		if sch.Items != nil {
			for _, it := range a {
				errs = append(errs, strictCheck(it, sch.Items.Value, path)...)
			}
		}
	case sch.Type.Is("integer"):
		if _, ok := asInt(v); !ok {
			return typeErr()
		}
	case sch.Type.Is("number"):
		if _, ok := asDecimal(v); !ok {
			return typeErr()
		}
	case sch.Type.Is("boolean"):
		if _, ok := asBool(v); !ok {
			return typeErr()
		}
	case sch.Type.Is("string"):
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		case bool:
			s = strconv.FormatBool(x)
		default:
			return typeErr()
		}
		if len(sch.Enum) > 0 {
			found := false
			for _, e := range sch.Enum {
				if es, ok := e.(string); ok && es == s {
					found = true
				}
			}
			if !found {
				return typeErr()
			}
		}
	}
	return errs
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// asInt accepts a JSON integer or a string holding one.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// asBool accepts a JSON boolean or "true"/"false".
func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

// queryString returns a query parameter; unescaping is done by net/url.
func queryString(q url.Values, name string) (string, bool) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// loadDocument reads the document at path, or the embedded copy.
func loadDocument(loader *openapi3.Loader, path string) (*openapi3.T, error) {
	if path == EmbeddedSpec {
		return loader.LoadFromData(embeddedSpec)
	}
	return loader.LoadFromFile(path)
}
