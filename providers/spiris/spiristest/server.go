// Package spiristest is a faithful loopback mock of Visma Spiris (eAccounting
// / eEkonomi) API v2 and its identity server, for tests and demos.
//
// The identity server issues authorization codes with auto-consent, access
// tokens and rotating single-use refresh tokens. The API under /v2 checks
// bearer tokens and per-operation scopes, rate-limits per client and
// endpoint, validates every request against the published API document
// (shared/specs/spiris/visma_external_api.yaml) with kin-openapi, and keeps
// seeded Swedish companies (one by default, more with AddCompany; a grant
// reaches only its own): BAS accounts, VAT codes, fiscal years, terms of
// payment, units and article codings, plus customers, articles, invoice
// drafts, invoices and vouchers created through the API.
//
// Tests use Start; the spiris-mock command uses NewServer and ListenAndServe.
package spiristest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
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

	"github.com/getkin/kin-openapi/routers"
)

// Options configure a mock server. The zero value is usable.
type Options struct {
	// ClientID and ClientSecret identify the one registered OAuth2 client
	// (defaults "ledgerbridge" and "spiris-mock-secret").
	ClientID     string
	ClientSecret string
	// RedirectURIs are the registered redirect URIs, matched exactly. When
	// empty, any http redirect URI on 127.0.0.1, [::1] or localhost is
	// accepted. More can be registered later with RegisterRedirectURI.
	RedirectURIs []string
	// AccessTokenLifetime defaults to one hour, as the real server issues.
	AccessTokenLifetime time.Duration
	// RefreshTokenLifetime defaults to 50 years (Visma's knowledge base).
	RefreshTokenLifetime time.Duration
	// CodeLifetime is how long an authorization code can be exchanged
	// (default 5 minutes).
	CodeLifetime time.Duration
	// RateLimit is the number of API requests per minute allowed per client
	// and endpoint before 429 (default 600, the documented limit).
	RateLimit int
	// SpecPath overrides where the published API document is read from
	// (default: FindSpec).
	SpecPath string
	// Now is the clock (default time.Now). The seeded fiscal years are the
	// calendar year of Now and the year before.
	Now func() time.Time
	// AllowSpecViolations stops Start from failing the test at cleanup when
	// requests violated the API document.
	AllowSpecViolations bool
	// CompanyName names the seeded company (default "Mockbolaget AB").
	CompanyName string
	// Logf, when set, receives one line per request.
	Logf func(format string, args ...any)
}

// Server is a running or runnable mock. All methods are safe for concurrent use.
type Server struct {
	opts Options
	spec *spec

	mu sync.Mutex

	// identity
	redirects map[string]bool
	codes     map[string]*authCode
	access    map[string]*accessToken
	refresh   map[string]*refreshToken
	issues    []TokenIssue
	spends    []RefreshSpend
	denyNext  int

	// company data: the company of the request being served (see
	// companyData), the default one, and every company in creation order.
	*companyData
	def       *companyData
	companies []*companyData
	loginAs   *companyData // the company the next authorizations consent for

	// faults, limits and logs
	faults     []*Fault
	latency    time.Duration
	rate       map[string][]time.Time
	requests   []Request
	violations []Violation
	mockErrors []Violation

	routes map[string]handler

	url  string
	ts   *httptest.Server
	hsrv *http.Server
}

// Request is one request the mock received, for the request log.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	Query    string
	Status   int // 0 when the response was deliberately lost
	Body     []byte
	Response []byte
	Lost     bool
}

// companyData is one Spiris company: its settings, chart and everything
// created through the API. Every grant (access and refresh token, and the
// authorization code it came from) belongs to one company and sees only its
// data. The handlers reach the data through the Server's embedded pointer,
// which serveAPI points at the token's company while it holds s.mu; outside
// a request it points at the default company, which the Server's own
// accessors (Customers, Invoices, ...) therefore show.
type companyData struct {
	company     CompanySettings
	fiscalYears []*FiscalYear
	accounts    map[string][]*Account // fiscal year id → accounts by number
	vatCodes    []*VatCode
	terms       []*TermsOfPayment
	units       []*Unit
	codings     []*ArticleAccountCoding
	articles    []*Article
	customers   []*Customer
	drafts      []*InvoiceDraft
	invoices    []*Invoice
	vouchers    []*Voucher
	voucherSeq  map[string]int // fiscal year id + series → last number
	lockedTo    time.Time
	pdfLinks    map[string]string // link token → invoice id
}

// inCompany runs f with the handlers' data pointed at d. Called with s.mu held.
func (s *Server) inCompany(d *companyData, f func()) {
	saved := s.companyData
	s.companyData = d
	defer func() { s.companyData = saved }()
	f()
}

// newCompanyLocked seeds a company named name and adds it. Called with s.mu
// held (or before serving).
func (s *Server) newCompanyLocked(name, identifier string) *companyData {
	d := &companyData{accounts: map[string][]*Account{}, voucherSeq: map[string]int{}, pdfLinks: map[string]string{}}
	s.inCompany(d, func() { s.seed(name, identifier) })
	s.companies = append(s.companies, d)
	return d
}

// Violation is a request that breaks the published API document (or, in
// MockErrors, a response of the mock that does).
type Violation struct {
	Time    time.Time
	Method  string
	Path    string
	Problem string
}

func (v Violation) String() string { return v.Method + " " + v.Path + ": " + v.Problem }

// NewServer builds a mock with its seeded company. It returns an error when
// the published API document cannot be found or loaded.
func NewServer(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = "ledgerbridge"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "spiris-mock-secret"
	}
	if opts.AccessTokenLifetime <= 0 {
		opts.AccessTokenLifetime = time.Hour
	}
	if opts.RefreshTokenLifetime <= 0 {
		opts.RefreshTokenLifetime = 50 * 365 * 24 * time.Hour
	}
	if opts.CodeLifetime <= 0 {
		opts.CodeLifetime = 5 * time.Minute
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 600
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CompanyName == "" {
		opts.CompanyName = "Mockbolaget AB"
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
	s := &Server{
		opts:      opts,
		spec:      sp,
		redirects: map[string]bool{},
		codes:     map[string]*authCode{},
		access:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
		rate:      map[string][]time.Time{},
	}
	for _, u := range opts.RedirectURIs {
		s.redirects[u] = true
	}
	s.def = s.newCompanyLocked(opts.CompanyName, seedID("company"))
	s.companyData, s.loginAs = s.def, s.def
	s.registerRoutes()
	return s, nil
}

// Start runs a mock on a loopback port for the duration of the test. It
// fails the test when the API document cannot be found, and at cleanup when
// any request violated the document or the mock produced a response that
// does (unless Options.AllowSpecViolations).
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("spiristest: %v", err)
	}
	s.ts = httptest.NewServer(s)
	s.url = s.ts.URL
	t.Cleanup(func() {
		s.Close()
		if v := s.MockErrors(); len(v) > 0 {
			t.Errorf("spiristest: the mock produced %d responses that break the API document (mock bug): %v", len(v), v)
		}
		if v := s.SpecViolations(); len(v) > 0 && !s.opts.AllowSpecViolations {
			t.Errorf("spiristest: %d requests broke the published Spiris API document: %v", len(v), v)
		}
	})
	return s
}

// ListenAndServe serves the mock on addr (e.g. "127.0.0.1:8092") until
// Close; it returns http.ErrServerClosed after Close.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve serves the mock on l until Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	s.url = "http://" + l.Addr().String()
	s.hsrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	hs := s.hsrv
	s.mu.Unlock()
	return hs.Serve(l)
}

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	ts, hs := s.ts, s.hsrv
	s.mu.Unlock()
	if ts != nil {
		ts.CloseClientConnections()
		ts.Close()
	}
	if hs != nil {
		_ = hs.Close()
	}
}

// URL is the server's base URL ("http://127.0.0.1:port"); empty before it serves.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// AuthorizeURL is the identity server's authorization endpoint.
func (s *Server) AuthorizeURL() string { return s.URL() + "/connect/authorize" }

// TokenURL is the identity server's token endpoint.
func (s *Server) TokenURL() string { return s.URL() + "/connect/token" }

// RevocationURL is the identity server's token revocation endpoint.
func (s *Server) RevocationURL() string { return s.URL() + "/connect/revocation" }

// APIBaseURL is the API base ("…/v2"), without a trailing slash.
func (s *Server) APIBaseURL() string { return s.URL() + "/v2" }

// ClientID is the registered OAuth2 client id.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret is the registered OAuth2 client secret.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// SpecViolations returns the requests that broke the published API
// document; the real API would have rejected them (the mock answered 400,
// 404 or 405).
func (s *Server) SpecViolations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// ResetSpecViolations forgets recorded violations (for tests that send a
// wrong request on purpose).
func (s *Server) ResetSpecViolations() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = nil
}

// MockErrors returns responses of the mock that break the API document;
// any entry is a bug in the mock.
func (s *Server) MockErrors() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.mockErrors...)
}

// ---- errors ----

// FieldError is one entry of an API error's Errors list.
type FieldError struct {
	Field     string
	ErrorCode string
	Message   string
	Key       string
}

// ErrorBody is the body of every API error (CommonExtendedBadRequest).
type ErrorBody struct {
	ErrorCode             int
	DeveloperErrorMessage string
	ErrorId               string
	Errors                []FieldError
}

type apiError struct {
	Status int
	Code   int
	Msg    string
	Errors []FieldError
	Header http.Header
}

// Error codes the mock answers with (developer.vismaonline.com/docs/error-codes).
const (
	CodeValidation           = 2000 // DataModelValidationError
	CodeNotFound             = 3000 // ResourceNotFound
	CodeFiscalYearNotExist   = 3001 // FiscalYearDoesNotExist
	CodeAccountNotFound      = 3002 // AccountNotFound
	CodeConflict             = 4000 // Conflict
	CodeCannotDelete         = 4001 // CanNotBeDeleted
	CodeNotAuthorized        = 4005 // NotAuthorized
	CodeNoAccessToScopes     = 4006 // NoAccessToScopes
	CodeRateLimited          = 4010 // API calls quota exceeded
	CodeLockedPeriod         = 4026 // voucher in a locked bookkeeping period
	CodeUnexpected           = 1000 // mock's code for injected server errors
	CodeNotImplementedByMock = 9999
)

func invalid(msg, field string) *apiError {
	e := &apiError{Status: http.StatusBadRequest, Code: CodeValidation, Msg: msg}
	if field != "" {
		e.Errors = []FieldError{{Field: field, ErrorCode: "DataModelValidationError", Message: msg}}
	}
	return e
}

func notFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeNotFound, Msg: "ResourceNotFoundException - " + what + " was not found."}
}

// refMissing is a reference in a request body to something that does not exist.
func refMissing(field, what string) *apiError {
	msg := what + " was not found."
	return &apiError{Status: http.StatusBadRequest, Code: CodeNotFound, Msg: "ResourceNotFoundException - " + msg,
		Errors: []FieldError{{Field: field, ErrorCode: "ResourceNotFound", Message: msg}}}
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b[:])
}

// seedID is a stable id derived from a name, so seeded data keeps its ids
// across runs (handy for the standalone demo).
func seedID(name string) string {
	h := sha1.Sum([]byte("spiristest/" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return formatUUID(h[:16])
}

func formatUUID(b []byte) string {
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ---- dispatch ----

type handler func(c *reqCtx) (int, any, *apiError)

// rawBody is a non-JSON response body.
type rawBody struct {
	contentType string
	data        []byte
}

type reqCtx struct {
	s       *Server
	r       *http.Request
	params  []string
	query   url.Values
	body    []byte
	tok     *accessToken
	now     time.Time
	baseURL string
}

// bufferedWriter collects the response so it can be logged, validated or
// deliberately lost.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// ServeHTTP serves the identity server (/connect/…), the API (/v2/…) and
// invoice PDF links (/documents/…).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))

	fault := s.takeFault(r)
	s.mu.Lock()
	delay := s.latency
	s.mu.Unlock()
	if fault != nil {
		delay += fault.Delay
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}

	bw := &bufferedWriter{header: http.Header{}}
	switch {
	case fault != nil && fault.Status != 0:
		s.writeFault(bw, fault)
	case strings.HasPrefix(strings.ToLower(r.URL.Path), "/connect/"):
		s.serveIdentity(bw, r)
	case strings.EqualFold(r.URL.Path, "/v2") || strings.HasPrefix(strings.ToLower(r.URL.Path), "/v2/"):
		s.serveAPI(bw, r, body)
	case strings.HasPrefix(r.URL.Path, "/documents/"):
		s.serveDocument(bw, r)
	default:
		http.Error(bw, "not found", http.StatusNotFound)
	}
	if bw.status == 0 {
		bw.status = http.StatusOK
	}

	lost := fault != nil && fault.LoseResponse
	rec := Request{Time: start, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: bw.status, Body: body, Lost: lost}
	if ct := bw.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/pdf") {
		rec.Response = bw.body.Bytes()
	}
	if lost {
		rec.Status = 0
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	if s.opts.Logf != nil {
		s.opts.Logf("%s %s %s → %d%s", start.Format("15:04:05"), r.Method, r.URL.RequestURI(), bw.status, map[bool]string{true: " (response lost)"}[lost])
	}

	if lost {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	for k, v := range bw.header {
		w.Header()[k] = v
	}
	w.WriteHeader(bw.status)
	_, _ = w.Write(bw.body.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	writeJSON(w, e.Status, ErrorBody{ErrorCode: e.Code, DeveloperErrorMessage: e.Msg, ErrorId: newID(), Errors: e.Errors})
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, body []byte) {
	apiPath := r.URL.Path[len("/v2"):]
	if apiPath == "" {
		apiPath = "/"
	}
	r2, route, params, err := s.spec.route(r, apiPath)
	if err != nil {
		status, msg := http.StatusNotFound, "No HTTP resource was found that matches the request URI."
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			status, msg = http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'."
		}
		s.recordViolation(r, "no such operation in the published API document: "+err.Error())
		writeAPIError(w, &apiError{Status: status, Code: CodeNotFound, Msg: msg})
		return
	}

	tok, aerr := s.authenticate(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	key := patternKey(route.Path)
	if aerr := s.checkRate(tok.clientID, key); aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	if aerr := checkScopes(tok, scopesOf(route.Operation, route.Method)); aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	if problems := validateRequest(r2, route, params, body); len(problems) > 0 {
		for _, p := range problems {
			s.recordViolation(r, p)
		}
		e := &apiError{Status: http.StatusBadRequest, Code: CodeValidation, Msg: "Validation failed: " + strings.Join(problems, "; ")}
		for _, p := range problems {
			e.Errors = append(e.Errors, FieldError{Field: fieldOf(p), ErrorCode: "DataModelValidationError", Message: p})
		}
		writeAPIError(w, e)
		return
	}

	h, ok := s.routes[route.Method+" "+key]
	if !ok {
		writeAPIError(w, &apiError{Status: http.StatusNotImplemented, Code: CodeNotImplementedByMock,
			Msg: fmt.Sprintf("spiris mock: %s %s is in the published API but not implemented by the mock", route.Method, route.Path)})
		return
	}
	var positional []string
	for _, n := range paramRE.FindAllString(route.Path, -1) {
		positional = append(positional, params[strings.Trim(n, "{}")])
	}
	c := &reqCtx{s: s, r: r, params: positional, query: r.URL.Query(), body: body, tok: tok,
		now: s.opts.Now(), baseURL: "http://" + r.Host}
	s.mu.Lock()
	var status int
	var out any
	var herr *apiError
	s.inCompany(tok.company, func() { status, out, herr = h(c) })
	s.mu.Unlock()
	if herr != nil {
		writeAPIError(w, herr)
		return
	}
	var respBody []byte
	switch v := out.(type) {
	case nil:
		w.WriteHeader(status)
	case rawBody:
		w.Header().Set("Content-Type", v.contentType)
		w.WriteHeader(status)
		_, _ = w.Write(v.data)
		return
	default:
		respBody, _ = json.Marshal(v)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(respBody)
	}
	hdr := http.Header{"Content-Type": []string{"application/json"}}
	if respBody == nil {
		hdr = http.Header{}
	}
	for _, p := range validateResponse(r2, route, params, status, hdr, respBody) {
		s.mu.Lock()
		s.mockErrors = append(s.mockErrors, Violation{Time: c.now, Method: r.Method, Path: r.URL.Path, Problem: "response: " + p})
		s.mu.Unlock()
	}
}

// fieldOf turns "request body: /Rows/0/DebitAmount: …" into "Rows[0].DebitAmount".
func fieldOf(problem string) string {
	rest, ok := strings.CutPrefix(problem, "request body: /")
	if !ok {
		if strings.HasPrefix(problem, "parameter ") {
			parts := strings.SplitN(problem, "\"", 3)
			if len(parts) == 3 {
				return parts[1]
			}
		}
		return ""
	}
	ptr, _, _ := strings.Cut(rest, ": ")
	var b strings.Builder
	for i, seg := range strings.Split(ptr, "/") {
		if seg != "" && seg[0] >= '0' && seg[0] <= '9' {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

func (s *Server) recordViolation(r *http.Request, problem string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, Violation{Time: s.opts.Now(), Method: r.Method, Path: r.URL.Path, Problem: problem})
}

// decode reads a validated JSON body into v.
func (c *reqCtx) decode(v any) *apiError {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return invalid("The request body is empty.", "")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return invalid("The request body is not valid JSON: "+err.Error(), "")
	}
	return nil
}

// boolParam reads an optional boolean query parameter (case-insensitive name).
func (c *reqCtx) boolParam(name string, def bool) bool {
	for k, v := range c.query {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return strings.EqualFold(v[0], "true")
		}
	}
	return def
}
