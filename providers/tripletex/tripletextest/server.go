// Package tripletextest is a faithful local stand-in for the Tripletex REST
// API v2, for tests and offline demos. It runs as a real HTTP server on
// loopback and behaves like tripletex.no/v2 as documented in
// shared/research/tripletex.md: session tokens that expire at Oslo midnight,
// HTTP Basic "0:<sessionToken>", the {"value":…} and list envelopes, paging
// and the fields filter, strict JSON (unknown field → 422/16000), a seeded
// company (accounts, VAT types, payment and voucher types), customers,
// orders, invoices with numbering, credit notes, payments, PDFs and vouchers
// with Tripletex's validation rules and system-generated VAT rows.
//
// Every request is also checked against the published OpenAPI document
// (shared/specs/tripletex/openapi.json) with kin-openapi. A request the real
// API would reject fails as it would there, and every departure from the
// document, including ones the real API silently ignores (an undeclared
// query parameter, a read-only field, a numeric string), is recorded as a
// SpecViolation, so a test can assert that a client speaks the documented
// API. Start fails the test at cleanup if any were recorded.
//
// Faults can be injected per path: an expired session, 429 storms with and
// without X-Rate-Limit-Reset, 500s, slow responses and a response lost after
// the write was performed.
package tripletextest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	_ "time/tzdata" // sessions expire at Europe/Oslo midnight on any host

	"github.com/getkin/kin-openapi/routers"
)

// Default tokens the mock accepts when Options leaves them empty.
const (
	DefaultConsumerToken = "mock-consumer-token"
	DefaultEmployeeToken = "mock-employee-token"
	// DefaultBankAccountNumber is the seeded number on account 1920: eleven
	// digits with a valid MOD11 check digit.
	DefaultBankAccountNumber = "12345678903"
)

// Options configure a mock. The zero value is a usable company.
type Options struct {
	// SpecPath is the published openapi.json; empty means FindSpec().
	SpecPath string
	// ConsumerToken and EmployeeToken are the tokens
	// PUT /token/session/:create accepts (defaults DefaultConsumerToken,
	// DefaultEmployeeToken).
	ConsumerToken string
	EmployeeToken string
	// Now is the mock's clock (default time.Now); it decides session expiry
	// and "today". SetClock changes it at run time.
	Now func() time.Time
	// NoBankAccount seeds ledger account 1920 without a bankAccountNumber,
	// so invoicing fails as in a fresh company. SetBankAccountNumber changes it.
	NoBankAccount bool
	// Seed makes the random ids reproducible (default 1).
	Seed uint64
	// RateLimit is the number of requests allowed per RateWindow before the
	// mock answers 429 for the rest of the window, as Tripletex does
	// (defaults 10,000 per minute; the real numbers are unpublished).
	RateLimit  int
	RateWindow time.Duration
	// InexactFullResultSize reports fullResultSize 0 on every list, as the
	// real API sometimes does, to catch clients that trust it.
	InexactFullResultSize bool
	// AllowSpecViolations stops Start from failing the test when requests
	// departed from the published document.
	AllowSpecViolations bool
	// Faults are injected from the start (see Inject).
	Faults []Fault
	// Logf, if set, receives one line per request.
	Logf func(format string, args ...any)
}

// Server is a running mock. All methods are safe for concurrent use.
type Server struct {
	opts    Options
	spec    *spec
	handler http.Handler

	ts *httptest.Server // NewServer / Start
	hs *http.Server     // ListenAndServe

	mu sync.Mutex
	st *state

	faultMu sync.Mutex
	faults  []*faultState

	logMu      sync.Mutex
	log        []LoggedRequest
	violations []SpecViolation
	mockErrors []SpecViolation
}

// New builds a mock that is not yet listening. It fails when the OpenAPI
// document cannot be found or parsed; the document is loaded once per
// process and shared by all mocks.
func New(opts Options) (*Server, error) {
	if opts.ConsumerToken == "" {
		opts.ConsumerToken = DefaultConsumerToken
	}
	if opts.EmployeeToken == "" {
		opts.EmployeeToken = DefaultEmployeeToken
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 10000
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	path := opts.SpecPath
	if path == "" {
		p, err := FindSpec()
		if err != nil {
			return nil, err
		}
		path = p
	}
	sp, err := loadSpec(path)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, spec: sp}
	s.st = newState(opts)
	for _, f := range opts.Faults {
		s.Inject(f)
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// NewServer starts a mock on an ephemeral 127.0.0.1 port, like
// httptest.NewServer. Like httptest it panics when it cannot start, here
// also when the OpenAPI document is missing (the panic names where it
// looked). Call Close when done.
func NewServer(opts Options) *Server {
	s, err := New(opts)
	if err != nil {
		panic(err)
	}
	s.ts = httptest.NewServer(s.handler)
	s.st.host = strings.TrimPrefix(s.ts.URL, "http://")
	return s
}

// Start is NewServer for tests: it fails the test with a clear message when
// the mock cannot start (never skips), closes the mock at cleanup and, unless
// opts.AllowSpecViolations, reports every recorded SpecViolation as a test
// error.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("tripletextest: cannot start the Tripletex mock: %v", err)
	}
	s.ts = httptest.NewServer(s.handler)
	s.st.host = strings.TrimPrefix(s.ts.URL, "http://")
	t.Cleanup(func() {
		s.Close()
		if opts.AllowSpecViolations {
			return
		}
		for _, v := range s.SpecViolations() {
			t.Errorf("tripletextest: request departs from the published Tripletex API: %s", v)
		}
	})
	t.Cleanup(func() {
		for _, v := range s.MockErrors() {
			t.Errorf("tripletextest: the mock answered what the real Tripletex API does not (mock bug): %s", v)
		}
	})
	return s
}

// ListenAndServe serves the mock on addr (e.g. "127.0.0.1:8091") until
// Close; it returns http.ErrServerClosed after Close.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.st.host = ln.Addr().String()
	s.hs = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	hs := s.hs
	s.mu.Unlock()
	return hs.Serve(ln)
}

// URL is the server's root, e.g. "http://127.0.0.1:40123"; the API base a
// client needs is BaseURL.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ts != nil {
		return s.ts.URL
	}
	return "http://" + s.st.host
}

// BaseURL is URL()+"/v2", the counterpart of https://tripletex.no/v2.
func (s *Server) BaseURL() string { return s.URL() + "/v2" }

// Handler serves the mock's API, for embedding in another server.
func (s *Server) Handler() http.Handler { return s.handler }

// ConsumerToken and EmployeeToken are the tokens the mock accepts.
func (s *Server) ConsumerToken() string { return s.opts.ConsumerToken }

// EmployeeToken is the employee token the mock accepts.
func (s *Server) EmployeeToken() string { return s.opts.EmployeeToken }

// Close stops the server and drops open connections.
func (s *Server) Close() {
	s.mu.Lock()
	ts, hs := s.ts, s.hs
	s.mu.Unlock()
	if ts != nil {
		ts.CloseClientConnections()
		ts.Close()
	}
	if hs != nil {
		_ = hs.Close()
	}
}

// LoggedRequest is one request the mock answered.
type LoggedRequest struct {
	Time      time.Time
	Method    string
	Path      string // decoded path, e.g. "/v2/token/session/>whoAmI"
	Query     string // raw query
	Route     string // the document's path template, "" when none matched
	Body      []byte
	Status    int // 0 when the connection was dropped
	RequestID string
}

// SpecViolation is one way a request departed from the published document.
type SpecViolation struct {
	Method string
	Path   string
	Query  string
	Route  string
	Reason string
}

func (v SpecViolation) String() string {
	q := ""
	if v.Query != "" {
		q = "?" + v.Query
	}
	return fmt.Sprintf("%s %s%s: %s", v.Method, v.Path, q, v.Reason)
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []LoggedRequest {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]LoggedRequest(nil), s.log...)
}

// SpecViolations returns every departure from the published document
// recorded so far, oldest first.
func (s *Server) SpecViolations() []SpecViolation {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]SpecViolation(nil), s.violations...)
}

// MockErrors returns the mock's own answers that depart from the published
// document beyond the observed deviations (ObservedDeviations); every entry
// is a bug in the mock. Start reports them as test errors.
func (s *Server) MockErrors() []SpecViolation {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]SpecViolation(nil), s.mockErrors...)
}

// TakeSpecViolations returns the recorded violations and forgets them, for
// tests that provoke violations on purpose.
func (s *Server) TakeSpecViolations() []SpecViolation {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

func (s *Server) violation(r *http.Request, route, reason string) {
	v := SpecViolation{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Route: route, Reason: reason}
	s.logMu.Lock()
	s.violations = append(s.violations, v)
	s.logMu.Unlock()
	if s.opts.Logf != nil {
		s.opts.Logf("spec violation: %s", v)
	}
}

// call is one request on its way through the mock.
type call struct {
	s         *Server
	r         *http.Request
	route     *routers.Route
	params    map[string]string
	query     url.Values
	body      any // decoded JSON (json.Number for numbers), nil when empty
	rawBody   []byte
	requestID string
	now       time.Time
	session   *session
	fields    *fieldSel
}

// result is a handler's successful answer.
type result struct {
	status      int
	value       map[string]any   // single object → {"value":…}
	values      []map[string]any // list → list envelope
	list        bool
	listExtra   map[string]any // extra envelope fields (totalNumberOfPostings)
	raw         []byte         // non-JSON body (PDF)
	contentType string
}

type handlerFunc func(c *call) (*result, *apiError)

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// statusRecorder remembers the status written and logs the request
// before the status reaches the client, so a test that has its answer
// always finds the request in the log.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	onStatus func()
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.onStatus()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(200)
	}
	return w.ResponseWriter.Write(b)
}

// serveHTTP is the pipeline every request takes, in the real API's order:
// rate limiting, authentication, request mapping/validation, the handler.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	w.Header().Set("x-tlx-request-id", requestID)
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	_ = r.Body.Close()
	rec := &statusRecorder{ResponseWriter: w}
	entry := LoggedRequest{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body, RequestID: requestID}
	logged := false
	logEntry := func() {
		if logged {
			return
		}
		logged = true
		entry.Status = rec.status
		s.logMu.Lock()
		s.log = append(s.log, entry)
		s.logMu.Unlock()
		if s.opts.Logf != nil {
			s.opts.Logf("%s %s %s → %d", requestID[:8], r.Method, r.URL.RequestURI(), rec.status)
		}
	}
	rec.onStatus = logEntry
	defer logEntry()

	sub, ok := strings.CutPrefix(r.URL.Path, "/v2/")
	if !ok {
		s.violation(r, "", "path outside the API base /v2")
		writeError(rec, &apiError{Status: 404, Code: 6000, Message: strp(msgNotFound), Link: linkLegacy, DeveloperMessage: strp("HTTP 404 Not Found")}, requestID)
		return
	}
	route, params, err := s.spec.find(r.Method, "/"+sub)
	if err != nil {
		s.violation(r, "", err.Error())
		e := &apiError{Status: 404, Code: 6000, Message: strp(msgNotFound), Link: linkLegacy, DeveloperMessage: strp("HTTP 404 Not Found")}
		if errors.Is(err, errMethodNotAllowed) {
			e = &apiError{Status: 405, Code: 4000, Message: strp("Method Not Allowed"), Link: linkDocs, DeveloperMessage: strp("HTTP 405 Method Not Allowed")}
		}
		writeError(rec, e, requestID)
		return
	}
	entry.Route = route.Path
	problems := s.spec.validate(r, route, params, body)
	for _, p := range problems {
		s.violation(r, route.Path, p.detail)
	}

	c := &call{s: s, r: r, route: route, params: params, query: r.URL.Query(), rawBody: body, requestID: requestID, now: s.now()}

	// Faults and the rate limiter come first, as on the real gateway.
	f := s.takeFault(r.Method, route.Path, sub)
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.expire {
		s.ExpireSessions()
	}
	if e := s.rateLimit(rec, f); e != nil {
		writeError(rec, e, requestID)
		return
	}
	if f.fail {
		writeError(rec, serverError(), requestID)
		return
	}
	if sec := route.Operation.Security; sec != nil && len(*sec) > 0 {
		if e := s.authenticate(c); e != nil {
			writeError(rec, e, requestID)
			return
		}
	}
	if e := s.requestError(c, problems); e != nil {
		writeError(rec, e, requestID)
		return
	}

	fields, ferr := parseFields(c.query.Get("fields"))
	if ferr == nil && fields != nil {
		model, modelName := responseModel(route.Operation)
		ferr = fields.check(model, modelName)
	}
	if ferr != nil {
		writeError(rec, ferr, requestID)
		return
	}
	c.fields = fields

	h := s.handlerFor(route.Method, route.Path)
	if h == nil {
		// The document has the operation but the mock does not implement it.
		writeError(rec, &apiError{Status: 501, Code: 1000, Message: strp("Not implemented by the Tripletex mock: " + route.Method + " " + route.Path), Link: linkDocs}, requestID)
		return
	}
	s.mu.Lock()
	res, e := h(c)
	s.mu.Unlock()
	if f.lose {
		// The write has happened; the client never learns of it.
		if f.drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					// Log before closing, so the entry exists once the
					// client sees the connection drop.
					logEntry()
					_ = conn.Close()
					return
				}
			}
		}
		writeError(rec, serverError(), requestID)
		return
	}
	if e != nil {
		writeError(rec, e, requestID)
		return
	}
	s.write(rec, c, res)
}

// requestError turns recorded spec problems and the strict body check into
// the error the real API would answer, or nil when it would accept the
// request.
func (s *Server) requestError(c *call, problems []reqProblem) *apiError {
	var params []validationMessage
	for _, p := range problems {
		switch p.kind {
		case problemPathParam:
			return &apiError{Status: 400, Code: 12000, Message: strp("Illegal path parameter: " + p.field), Link: linkDocs, DeveloperMessage: strp(p.detail)}
		case problemParam:
			params = append(params, vm(p.field, p.detail))
		case problemBodyUnexpected:
			return mappingError(vm("", "Action parameters are query parameters; this operation takes no request body."))
		}
	}
	if len(params) > 0 {
		return &apiError{Status: 422, Code: 21000, Message: strp("Ugyldig parameter."), Link: linkDocs, DeveloperMessage: strp("PARAM_ERROR"), ValidationMessages: params}
	}
	if len(bytes.TrimSpace(c.rawBody)) == 0 || c.route.Operation.RequestBody == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(c.rawBody))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return &apiError{Status: 422, Code: 22000, Message: strp("Invalid JSON"), Link: linkDocs, DeveloperMessage: strp(err.Error())}
	}
	c.body = v
	berrs := strictCheck(v, bodySchema(c.route.Operation), "")
	var mapping, types []validationMessage
	for _, b := range berrs {
		if b.code == 16000 {
			mapping = append(mapping, vm(b.field, b.message))
			s.violation(c.r, c.route.Path, fmt.Sprintf("body field %q is not in the document's schema", b.field))
		} else {
			types = append(types, vm(b.field, b.message))
		}
	}
	if len(mapping) > 0 {
		return mappingError(mapping...)
	}
	if len(types) > 0 {
		return validationError(types...)
	}
	return nil
}

func (s *Server) write(w http.ResponseWriter, c *call, res *result) {
	if res.raw != nil {
		w.Header().Set("Content-Type", res.contentType)
		w.WriteHeader(res.status)
		_, _ = w.Write(res.raw)
		return
	}
	if res.status == http.StatusNoContent {
		w.WriteHeader(res.status)
		return
	}
	fields := c.fields
	var out any
	if res.list {
		from, count := paging(c.query)
		total := len(res.values)
		if total > 10000 {
			writeError(w, &apiError{Status: 422, Code: 23000, Message: strp(msgTooLarge), Link: linkDocs}, c.requestID)
			return
		}
		page := []map[string]any{}
		if from < total {
			end := min(total, from+count)
			page = res.values[from:end]
		}
		vals := make([]any, len(page))
		s.mu.Lock()
		for i, v := range page {
			vals[i] = s.applyFields(v, fields)
		}
		s.mu.Unlock()
		full := total
		if s.opts.InexactFullResultSize {
			full = 0
		}
		env := map[string]any{"fullResultSize": full, "from": from, "count": len(vals), "versionDigest": "'If-None-Match' header not specified", "values": vals}
		if c.r.Header.Get("If-None-Match") != "" {
			env["versionDigest"] = "Checksum not yet supported for this endpoint"
		}
		for k, v := range res.listExtra {
			env[k] = v
		}
		out = env
	} else {
		s.mu.Lock()
		out = map[string]any{"value": s.applyFields(res.value, fields)}
		s.mu.Unlock()
	}
	raw, _ := json.Marshal(out)
	for _, p := range checkResponse(c.route.Operation, raw) {
		s.logMu.Lock()
		s.mockErrors = append(s.mockErrors, SpecViolation{Method: c.r.Method, Path: c.r.URL.Path, Query: c.r.URL.RawQuery,
			Route: c.route.Path, Reason: "answer: " + p})
		s.logMu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(res.status)
	_, _ = w.Write(append(raw, '\n'))
}

// paging reads from (default 0) and count (default 1000).
func paging(q url.Values) (from, count int) {
	from, count = 0, 1000
	if v, ok := asInt(q.Get("from")); ok && v >= 0 {
		from = int(v)
	}
	if v, ok := asInt(q.Get("count")); ok && v >= 0 {
		count = int(v)
	}
	return from, count
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.clock()
}

// SetClock replaces the mock's clock (session expiry, "today").
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.clock = now
}
