package backoffice

import (
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestCatalogue: every text a template or handler names is in the
// catalogue in all three languages, and the catalogue loads.
func TestCatalogue(t *testing.T) {
	cat, err := loadCatalogue(assets)
	if err != nil {
		t.Fatal(err)
	}
	// Literal keys in templates: .T "key", .L.T "key", $.L.T "key".
	used := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	for path, text := range templateFiles(t) {
		for _, m := range used.FindAllStringSubmatch(text, -1) {
			if !cat.has(m[1]) {
				t.Errorf("%s uses %q, which the catalogue lacks", path, m[1])
			}
		}
	}
	for _, item := range nav {
		if !cat.has(item.Key) {
			t.Errorf("nav item %q lacks a text", item.Key)
		}
	}
}

// TestTemplatesHoldNoText: words a person reads come from the catalogue;
// a template holds markup, actions and punctuation only.
func TestTemplatesHoldNoText(t *testing.T) {
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tag := regexp.MustCompile(`(?s)<[^>]*>`)
	word := regexp.MustCompile(`\p{L}{2,}`)
	for path, text := range templateFiles(t) {
		s := action.ReplaceAllString(text, " ")
		s = tag.ReplaceAllString(s, " ")
		// Language names are written in their own language on purpose.
		for _, own := range []string{"Svenska", "Norsk bokmål", "English"} {
			s = strings.ReplaceAll(s, own, " ")
		}
		if w := word.FindString(s); w != "" {
			t.Errorf("%s holds the text %q outside the catalogue", path, w)
		}
	}
}

// templateFiles are the templates' texts by path (templates/...).
func templateFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(assets, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets, path)
		files[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestFormatMoneyAndDates(t *testing.T) {
	for _, tc := range []struct {
		lang  core.Language
		minor int64
		cur   core.Currency
		want  string
	}{
		{core.LanguageSwedish, 123450, "SEK", "1\u00a0234,50\u00a0kr"},
		{core.LanguageSwedish, -5, "SEK", "\u22120,05\u00a0kr"},
		{core.LanguageNorwegian, 123456789, "NOK", "kr\u00a01\u00a0234\u00a0567,89"},
		{core.LanguageEnglish, 123450, "SEK", "SEK\u00a01,234.50"},
		{core.LanguageSwedish, 100, "NOK", "1,00\u00a0NOK"},
	} {
		if got := formatMoney(tc.lang, tc.minor, tc.cur); got != tc.want {
			t.Errorf("formatMoney(%s, %d, %s) = %q, want %q", tc.lang, tc.minor, tc.cur, got, tc.want)
		}
	}
	for lang, want := range map[core.Language]string{"sv": "2026-03-02", "nb": "02.03.2026", "en": "2 Mar 2026"} {
		if got := formatDate(lang, "2026-03-02"); got != want {
			t.Errorf("formatDate(%s) = %q, want %q", lang, got, want)
		}
	}
}

// TestSignInAndOut: the sign-in page, a wrong password, the session cookie's
// attributes, the overview, and signing out ending the session.
func TestSignInAndOut(t *testing.T) {
	s := newStack(t)
	c := s.client()
	a := c.get("/backoffice/")
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/backoffice/login?next=") {
		t.Fatalf("signed out GET /backoffice/ = %d %s, want 303 to the sign-in page", a.status, a.location)
	}
	c.get("/backoffice/login")
	a = c.post("/backoffice/login", url.Values{"email": {"admin@a.example"}, "password": {"wrong"}})
	if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "Fel e-postadress eller lösenord") {
		t.Fatalf("wrong password = %d\n%s", a.status, a.body)
	}
	a = c.post("/backoffice/login", url.Values{"email": {"admin@a.example"}, "password": {testPassword}, "next": {"/backoffice/invoices?status=overdue"}})
	if a.status != http.StatusSeeOther || a.location != "/backoffice/invoices?status=overdue" {
		t.Fatalf("sign in = %d to %q", a.status, a.location)
	}
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: a.header}).Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/backoffice/" || session.Secure {
		t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Lax, path /backoffice/, not Secure on plain HTTP", session)
	}
	a = c.must("/backoffice/", http.StatusOK)
	for _, want := range []string{"Översikt", "Kafé Alfa AB", "admin@a.example"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	a = c.post("/backoffice/logout", nil)
	if a.status != http.StatusSeeOther {
		t.Fatalf("sign out = %d", a.status)
	}
	if a := c.get("/backoffice/"); a.status != http.StatusSeeOther {
		t.Fatalf("after sign-out the overview answers %d, want 303 to sign in", a.status)
	}
	if _, err := s.engine.Session(t.Context(), session.Value); core.Code(err) != core.CodeUnauthorized {
		t.Fatalf("the signed-out session still resolves: %v", err)
	}
}

// TestSessionFixation: a session cookie planted before sign-in is never
// adopted; sign-in issues a new one and the planted value stays useless.
func TestSessionFixation(t *testing.T) {
	s := newStack(t)
	c := s.client()
	u, _ := url.Parse(s.srv.URL + "/backoffice/")
	planted := "ses_planted_by_attacker"
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: planted, Path: "/backoffice/"}})
	c.signIn("admin@a.example")
	var now string
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			now = ck.Value
		}
	}
	if now == "" || now == planted {
		t.Fatalf("session cookie after sign-in = %q; want a fresh one", now)
	}
	if _, err := s.engine.Session(t.Context(), planted); core.Code(err) != core.CodeUnauthorized {
		t.Fatalf("planted session resolves: %v", err)
	}
}

// TestNoOpenRedirect: after sign-in, next may only lead within the
// BackOffice.
func TestNoOpenRedirect(t *testing.T) {
	s := newStack(t)
	for _, next := range []string{"//evil.example/", "https://evil.example/backoffice/", "/\\evil.example", "/backoffice//evil.example",
		"/backoffice/../v1/api-keys", "javascript:alert(1)", "/elsewhere", "/backoffice/\r\nLocation: x"} {
		c := s.client()
		c.get("/backoffice/login")
		a := c.post("/backoffice/login", url.Values{"email": {"admin@a.example"}, "password": {testPassword}, "next": {next}})
		if a.status != http.StatusSeeOther || a.location != "/backoffice/" {
			t.Errorf("next=%q led to %d %q, want /backoffice/", next, a.status, a.location)
		}
	}
}

// TestCSRFRefused: every unsafe route of the pages, signed in or not,
// refuses a missing or wrong CSRF token with 403 and changes nothing.
func TestCSRFRefused(t *testing.T) {
	s := newStack(t)
	r := newRouter(s.engine, Options{Integrations: s.integrations, Exports: s.exports})
	c := s.signedIn("admin@a.example")
	checked := 0
	for _, rt := range r.Routes() {
		if rt.Method == http.MethodGet || rt.Method == http.MethodHead {
			continue
		}
		path := strings.NewReplacer(":id", "x", ":token", "x", ":date", "2026-01-01", ":location", "x").Replace(rt.Path)
		path = regexp.MustCompile(`\*\w+`).ReplaceAllString(path, "x")
		for _, tok := range []string{"", "wrong-token"} {
			a := c.post(path, url.Values{csrfField: {tok}})
			if a.status != http.StatusForbidden {
				t.Errorf("%s %s with CSRF token %q = %d, want 403", rt.Method, path, tok, a.status)
			}
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("only %d unsafe routes found", checked)
	}
}

// TestSignInRateLimited: past the burst of failed sign-ins, even the right
// password is answered 429 with Retry-After.
func TestSignInRateLimited(t *testing.T) {
	s := newStack(t)
	c := s.client()
	c.get("/backoffice/login")
	for range 5 {
		c.post("/backoffice/login", url.Values{"email": {"admin@a.example"}, "password": {"guess"}})
	}
	a := c.post("/backoffice/login", url.Values{"email": {"admin@a.example"}, "password": {testPassword}})
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Fatalf("after 5 failures: %d (Retry-After %q), want 429", a.status, a.header.Get("Retry-After"))
	}
}

// TestLanguage: a user's language choice changes every text; Norwegian
// merchants' users start in bokmål.
func TestLanguage(t *testing.T) {
	s := newStack(t)
	if a := s.signedIn("admin@b.example").must("/backoffice/", http.StatusOK); !strings.Contains(a.body, "Oversikt") || !strings.Contains(a.body, `lang="nb"`) {
		t.Fatalf("Norwegian merchant's overview is not in bokmål")
	}
	c := s.signedIn("admin@a.example")
	a := c.post("/backoffice/language", url.Values{"language": {"en"}, "next": {"/backoffice/"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("set language = %d", a.status)
	}
	if a := c.must("/backoffice/", http.StatusOK); !strings.Contains(a.body, "Overview") || !strings.Contains(a.body, `lang="en"`) {
		t.Fatalf("after choosing English the overview is not in English")
	}
	if a := c.post("/backoffice/language", url.Values{"language": {"de"}}); a.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown language = %d, want 422", a.status)
	}
}

// TestInvitation: an invited user sets a password through the link and is
// signed in; the link works once.
func TestInvitation(t *testing.T) {
	s := newStack(t)
	_, token, err := s.engine.CreateUser(t.Context(), s.admin(), core.NewUser{Email: "new@a.example", Role: core.RoleAccountant})
	if err != nil {
		t.Fatal(err)
	}
	c := s.client()
	a := c.must("/backoffice/invite/"+token, http.StatusOK)
	if !strings.Contains(a.body, "new@a.example") {
		t.Fatal("the invitation page does not name the invitee")
	}
	if a := c.post("/backoffice/invite/"+token, url.Values{"password": {"long enough pw"}, "password_again": {"other"}}); a.status != http.StatusUnprocessableEntity {
		t.Fatalf("differing passwords = %d, want 422", a.status)
	}
	if a := c.post("/backoffice/invite/"+token, url.Values{"password": {"long enough pw"}, "password_again": {"long enough pw"}}); a.status != http.StatusSeeOther {
		t.Fatalf("accept = %d\n%s", a.status, a.body)
	}
	if a := c.must("/backoffice/", http.StatusOK); !strings.Contains(a.body, "new@a.example") {
		t.Fatal("not signed in after accepting")
	}
	if a := s.client().get("/backoffice/invite/" + token); a.status != http.StatusNotFound {
		t.Fatalf("used invitation = %d, want 404", a.status)
	}
}

func TestStaticAndHeaders(t *testing.T) {
	s := newStack(t)
	c := s.client()
	a := c.must("/backoffice/static/vendor/htmx-2.0.11.min.js", http.StatusOK)
	if !strings.Contains(a.header.Get("Content-Type"), "javascript") {
		t.Errorf("htmx Content-Type %q", a.header.Get("Content-Type"))
	}
	a = c.must("/backoffice/login", http.StatusOK)
	if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q", csp)
	}
	if a := c.get("/backoffice/nope"); a.status != http.StatusSeeOther && a.status != http.StatusNotFound {
		t.Errorf("unknown page = %d", a.status)
	}
	if a := c.get("/"); a.status != http.StatusSeeOther || a.location != "/backoffice/" {
		t.Errorf("GET / = %d %q, want 303 to /backoffice/", a.status, a.location)
	}
}

func TestFieldMessagesTranslated(t *testing.T) {
	cat, err := loadCatalogue(assets)
	if err != nil {
		t.Fatal(err)
	}
	for msg, want := range map[string]string{
		"is required":                    "Måste fyllas i.",
		"must be between 1 and 365":      "Måste vara mellan 1 och 365.",
		"must be at most 200 characters": "Högst 200 tecken.",
		"an unlisted engine message":     "an unlisted engine message",
	} {
		if got := cat.fieldMessage(core.LanguageSwedish, msg); got != want {
			t.Errorf("fieldMessage(%q) = %q, want %q", msg, got, want)
		}
	}
}
