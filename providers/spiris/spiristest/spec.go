package spiristest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// SpecRelPath is where the published Spiris API document lives relative to
// the directory that holds the shared reference material.
const SpecRelPath = "shared/specs/spiris/visma_external_api.yaml"

// SpecEnv names an environment variable that, when set, overrides the
// search for the API document.
const SpecEnv = "SPIRIS_OPENAPI"

// EmbeddedSpec names the copy of the published document compiled into
// this package (spec/visma_external_api.yaml, provenance in spec/SOURCE.md). FindSpec
// returns it when neither the environment variable nor a shared/ checkout
// provides the document, so the mock and its tests work in any directory.
const EmbeddedSpec = "embedded:visma_external_api.yaml"

//go:embed spec/visma_external_api.yaml
var embeddedSpec []byte

// FindSpec returns the path of the published API document: $SPIRIS_OPENAPI
// when set, otherwise the first shared/specs/spiris/visma_external_api.yaml
// found walking up from the working directory (CI keeps shared/ beside the
// clone, so both <dir>/shared and <dir>/../shared are tried at every level).
// Otherwise it returns EmbeddedSpec.
func FindSpec() (string, error) {
	if p := os.Getenv(SpecEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("spiristest: %s=%s: %w", SpecEnv, p, err)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("spiristest: working directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, SpecRelPath)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return EmbeddedSpec, nil
}

// spec is the loaded, routed API document plus what the mock derives from
// it (scopes per operation, the spelling of static path segments).
type spec struct {
	doc      *openapi3.T
	router   routers.Router
	segments map[string]string // lower-case static segment → spelling in the document
}

var (
	specMu    sync.Mutex
	specCache = map[string]*spec{}
)

// loadSpec loads and prepares the document once per path; the result is
// read-only and shared by every server in the process.
func loadSpec(path string) (*spec, error) {
	specMu.Lock()
	defer specMu.Unlock()
	if sp, ok := specCache[path]; ok {
		return sp, nil
	}
	loader := openapi3.NewLoader()
	doc, err := loadDocument(loader, path)
	if err != nil {
		return nil, fmt.Errorf("spiristest: load %s: %w", path, err)
	}
	fixDocument(doc)
	// The API is served under /v2 by the mock; the router matches the bare
	// operation paths after the mock strips that prefix.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("spiristest: route %s: %w", path, err)
	}
	sp := &spec{doc: doc, router: router, segments: map[string]string{}}
	for _, p := range doc.Paths.InMatchingOrder() {
		for _, seg := range strings.Split(p, "/") {
			if seg != "" && !strings.Contains(seg, "{") {
				sp.segments[strings.ToLower(seg)] = seg
			}
		}
	}
	specCache[path] = sp
	return sp, nil
}

var paramRE = regexp.MustCompile(`\{[^}]*\}`)

// fixDocument repairs two defects of the published document that make it
// unroutable, without changing what any operation accepts:
//   - path parameters whose name differs in case from the template
//     (/customerlabels/{customerlabelid} declares customerLabelId);
//   - templates that differ only in parameter names
//     (/customerinvoicedrafts/{invoiceDraftId} GET vs
//     /customerinvoicedrafts/{customerInvoiceDraftId} PUT/DELETE); their
//     operations are merged under one template.
func fixDocument(doc *openapi3.T) {
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		canon := map[string]string{}
		for _, n := range paramRE.FindAllString(p, -1) {
			n = strings.Trim(n, "{}")
			canon[strings.ToLower(n)] = n
		}
		for _, op := range doc.Paths.Value(p).Operations() {
			for _, pr := range op.Parameters {
				if pr.Value != nil && pr.Value.In == "path" {
					if c, ok := canon[strings.ToLower(pr.Value.Name)]; ok {
						pr.Value.Name = c
					}
				}
			}
		}
	}
	keep := map[string]string{}
	for _, p := range paths {
		key := patternKey(p)
		first, ok := keep[key]
		if !ok {
			keep[key] = p
			continue
		}
		names := paramRE.FindAllString(first, -1)
		rename := map[string]string{}
		for i, old := range paramRE.FindAllString(p, -1) {
			rename[strings.ToLower(strings.Trim(old, "{}"))] = strings.Trim(names[i], "{}")
		}
		dst := doc.Paths.Value(first)
		for method, op := range doc.Paths.Value(p).Operations() {
			for _, pr := range op.Parameters {
				if pr.Value != nil && pr.Value.In == "path" {
					pr.Value.Name = rename[strings.ToLower(pr.Value.Name)]
				}
			}
			dst.SetOperation(method, op)
		}
		doc.Paths.Delete(p)
	}
}

// patternKey is a path template with parameter names erased and lower-cased:
// the key the mock's own routes are registered under.
func patternKey(p string) string {
	return strings.ToLower(paramRE.ReplaceAllString(p, "{}"))
}

// normalizePath rewrites the static segments of an API path to the spelling
// the document uses, because the real API matches paths case-insensitively.
func (sp *spec) normalizePath(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if c, ok := sp.segments[strings.ToLower(seg)]; ok {
			segs[i] = c
		}
	}
	return strings.Join(segs, "/")
}

var scopeBlockRE = regexp.MustCompile(`(?s)Requires any of the following scopes:(.*)$`)
var scopeRE = regexp.MustCompile(`\*\s*([a-z]+:[a-z_]+)`)

// scopesOf returns the scopes an operation's description lists ("Requires
// any of the following scopes"). For writes the *_readonly scopes are
// dropped: the document lists ea:sales_readonly on POST /customerinvoices,
// which a read-only grant cannot plausibly do.
func scopesOf(op *openapi3.Operation, method string) []string {
	m := scopeBlockRE.FindStringSubmatch(op.Description)
	if m == nil {
		return nil
	}
	var out []string
	for _, s := range scopeRE.FindAllStringSubmatch(m[1], -1) {
		if method != http.MethodGet && strings.HasSuffix(s[1], "_readonly") {
			continue
		}
		out = append(out, s[1])
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// validationOptions are the openapi3filter options the mock validates with.
//   - readOnly properties (server-set: Id, ChangedUtc, TermsOfPayment/Id, ...)
//     are refused in requests, as the document's readOnly says; a client
//     doing GET-modify-PUT must drop them. validateResponse allows them.
//   - date-time accepts "2026-05-01" and "2026-05-01T00:00:00" as well as
//     RFC 3339, because the document's descriptions say "Format: yyyy-mm-dd"
//     and the API itself answers dates without a zone.
//   - uuid is checked strictly.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		MultiError:         true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
				"date-time": openapi3.NewCallbackValidator(func(s string) error {
					if _, ok := parseDate(s); ok {
						return nil
					}
					return fmt.Errorf("%q is not a date (yyyy-mm-dd) or date-time", s)
				}),
				"uuid": openapi3.NewCallbackValidator(func(s string) error {
					if uuidRE.MatchString(s) {
						return nil
					}
					return fmt.Errorf("%q is not a uuid", s)
				}),
			}),
		},
	}
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"}

// parseDate accepts the date forms the API accepts and returns the time in UTC.
func parseDate(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// route finds the document operation for an API request whose path has had
// the /v2 prefix removed. It returns a 404/405 style error when the document
// has no such operation.
func (sp *spec) route(r *http.Request, apiPath string) (*http.Request, *routers.Route, map[string]string, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = sp.normalizePath(apiPath)
	r2.URL.RawPath = ""
	route, params, err := sp.router.FindRoute(r2)
	if err != nil {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			probe := r2.Clone(r2.Context())
			probe.Method = m
			if _, _, perr := sp.router.FindRoute(probe); perr == nil {
				return nil, nil, nil, routers.ErrMethodNotAllowed
			}
		}
		return nil, nil, nil, routers.ErrPathNotFound
	}
	return r2, route, params, nil
}

// validateRequest checks the request against the operation and returns one
// message per problem found.
func validateRequest(r *http.Request, route *routers.Route, params map[string]string, body []byte) []string {
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: validationOptions()}
	err := openapi3filter.ValidateRequest(context.Background(), in)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return flatten(err)
}

// validateResponse checks a response the mock produced against the document.
func validateResponse(r *http.Request, route *routers.Route, params map[string]string, status int, header http.Header, body []byte) []string {
	opts := validationOptions()
	opts.ExcludeReadOnlyValidations = true
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	return flatten(openapi3filter.ValidateResponse(context.Background(), out))
}

// flatten turns a (multi-)error from openapi3filter into short messages.
func flatten(err error) []string {
	if err == nil {
		return nil
	}
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []string
		for _, e := range multi {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		var inner openapi3.MultiError
		if errors.As(re.Err, &inner) {
			var out []string
			for _, e := range inner {
				out = append(out, prefixOf(re)+shortError(e))
			}
			return out
		}
	}
	return []string{shortError(err)}
}

func prefixOf(re *openapi3filter.RequestError) string {
	switch {
	case re.Parameter != nil:
		return fmt.Sprintf("parameter %q in %s: ", re.Parameter.Name, re.Parameter.In)
	case re.RequestBody != nil:
		return "request body: "
	}
	return ""
}

// shortError drops the schema and value dumps kin-openapi appends.
func shortError(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		field := strings.Join(se.JSONPointer(), "/")
		if field == "" {
			return se.Reason
		}
		return "/" + field + ": " + se.Reason
	}
	msg := err.Error()
	if i := strings.Index(msg, "\nSchema:"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// loadDocument reads the document at path, or the embedded copy.
func loadDocument(loader *openapi3.Loader, path string) (*openapi3.T, error) {
	if path == EmbeddedSpec {
		return loader.LoadFromData(embeddedSpec)
	}
	return loader.LoadFromFile(path)
}
