package backoffice

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// stack is the gateway's real HTTP handler (API and pages) over a real
// store, the real open and SIE providers and the real integrations and
// exports services, each file under t.TempDir(). Merchant A has a user
// per role (admin@a.example, accountant@a.example, cashier@a.example) and
// merchant B an admin (admin@b.example); keysA are A's API keys.
type stack struct {
	t            testing.TB
	srv          *httptest.Server
	engine       *core.Engine
	engineOpts   core.EngineOptions
	reg          coretest.Registry
	handler      http.Handler // swapped by reconfigure
	store        *store.Store
	integrations *integrations.Service
	exports      *exports.Service
	a, b         string // merchant IDs
	keysA        map[core.Role]string
	// shift moves the engine's and the open provider's clock (nanoseconds
	// added to the real time), to make invoices dated in the past.
	shift *atomic.Int64
}

func newStack(t testing.TB) *stack {
	t.Helper()
	ctx := context.Background()
	shift := new(atomic.Int64)
	clock := func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	dir, st, prov := openStore(t, clock)
	sieProv, err := sie.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sieProv.Close() })
	reg := coretest.Registry{open.Name: prov, sie.Name: sieProv}
	engine := core.NewEngine(st, reg, core.EngineOptions{Clock: clock})
	sealer, err := integrations.NewSealer(bytes.Repeat([]byte{7}, integrations.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := integrations.NewService(st, reg, sealer, nil)
	ex := exports.New(st, st, svc, reg, exports.Options{})
	s := &stack{t: t, engine: engine, engineOpts: core.EngineOptions{Clock: clock}, reg: reg, store: st, integrations: svc, exports: ex, shift: shift}
	s.handler = s.handlerOver(engine)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }))
	t.Cleanup(s.srv.Close)
	cmA, err := engine.CreateMerchant(ctx, core.NewMerchant{Name: "Kafé Alfa AB", Country: core.Sweden, InvoiceStartNumber: 1001})
	if err != nil {
		t.Fatal(err)
	}
	cmB, err := engine.CreateMerchant(ctx, core.NewMerchant{Name: "Bakeri Beta AS", Country: core.Norway, InvoiceStartNumber: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.a, s.b, s.keysA = cmA.Merchant.ID, cmB.Merchant.ID, cmA.APIKeys
	// The seller data a full invoice needs, so their invoices may be posted.
	for id, country := range map[string]core.Country{s.a: core.Sweden, s.b: core.Norway} {
		if err := coretest.CompleteSeller(ctx, engine, core.Principal{MerchantID: id, Role: core.RoleAdmin}, country); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range core.Roles {
		s.user(s.a, string(r)+"@a.example", r)
	}
	s.user(s.b, "admin@b.example", core.RoleAdmin)
	return s
}

// openStore opens a store and the open provider (on clock; nil is the real
// time) in a new temporary directory (returned, for more providers),
// closed when t ends.
func openStore(t testing.TB, clock core.Clock) (string, *store.Store, *open.Provider) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	prov, err := open.Open(ctx, dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prov.Close() })
	return dir, st, prov
}

// user creates a user of merchant with testPassword.
func (s *stack) user(merchant, email string, role core.Role) core.User {
	s.t.Helper()
	u, _, err := s.engine.CreateUser(context.Background(), core.Principal{MerchantID: merchant, Role: core.RoleAdmin},
		core.NewUser{Email: email, Role: role, Password: testPassword})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// travel sets the stack's clock d from the real time (0: back to now).
func (s *stack) travel(d time.Duration) { s.shift.Store(int64(d)) }

// admin is merchant A's admin as the engine's caller.
func (s *stack) admin() core.Principal {
	p, err := s.engine.Authenticate(context.Background(), s.keysA[core.RoleAdmin])
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// client is one browser: a cookie jar, no redirects followed (tests see
// each answer), and the CSRF token of the last page it read.
type client struct {
	t    testing.TB
	s    *stack
	http *http.Client
	csrf string
}

// page is a read answer.
type answer struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (s *stack) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, s: s, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)
var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func (c *client) do(req *http.Request) answer {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b), location: resp.Header.Get("Location")}
	if m := csrfMeta.FindStringSubmatch(a.body); m != nil && m[1] != "" {
		c.csrf = m[1]
	} else if m := csrfInput.FindStringSubmatch(a.body); m != nil {
		c.csrf = m[1]
	}
	return a
}

// get reads a path.
func (c *client) get(path string) answer {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.s.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form with the client's CSRF token (unless form sets
// csrf_token itself).
func (c *client) post(path string, form url.Values) answer {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[csrfField]; !ok {
		form.Set(csrfField, c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn signs in as email with testPassword, failing the test otherwise.
func (c *client) signIn(email string) {
	c.t.Helper()
	c.get("/backoffice/login")
	a := c.post("/backoffice/login", url.Values{"email": {email}, "password": {testPassword}})
	if a.status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: %d\n%s", email, a.status, a.body)
	}
	c.get("/backoffice/") // for the session's CSRF token
}

// signedIn returns a client signed in as email.
func (s *stack) signedIn(email string) *client {
	c := s.client()
	c.signIn(email)
	return c
}

// in is the same browser reporting to t (a subtest or sub-benchmark).
func (c *client) in(t testing.TB) *client {
	cc := *c
	cc.t = t
	return &cc
}

// must reads path and fails unless it answers want.
func (c *client) must(path string, want int) answer {
	c.t.Helper()
	a := c.get(path)
	if a.status != want {
		c.t.Fatalf("GET %s: %d, want %d\n%s", path, a.status, want, a.body)
	}
	return a
}

// handlerOver is the gateway's handler with the BackOffice over engine.
func (s *stack) handlerOver(engine *core.Engine) http.Handler {
	pages := New(engine, Options{Integrations: s.integrations, Exports: s.exports, SignInBurst: 5, SignInRefill: time.Hour})
	return httpapi.New(engine, httpapi.Options{Integrations: s.integrations, Exports: s.exports, BackOffice: pages})
}

// reconfigure rebuilds the engine with its options edited, and the pages
// over it; what is stored (merchants, users, sessions) stays.
func (s *stack) reconfigure(edit func(*core.EngineOptions)) {
	edit(&s.engineOpts)
	s.engine = core.NewEngine(s.store, s.reg, s.engineOpts)
	s.handler = s.handlerOver(s.engine)
}
