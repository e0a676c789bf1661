package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests drive the BackOffice pages in Debian's headless
// Chromium, as a person would: they type, click and read. Each page is
// photographed at a desktop and a phone width (see shoot) and checked with
// axe-core (vendored for tests only, e2e/testdata/axe, MPL-2.0).

//go:embed testdata/axe/axe-4.14.1.min.js
var axeSource string

// Widths the pages are photographed and checked at.
var widths = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"desktop", 1280, 900, false},
	{"phone", 390, 844, true},
}

// chromiumPath finds Chromium; without one the browser tests skip, except
// under CI=true, where .ci/run installs it and a skip would hide them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no chromium is installed: .ci/run must install Debian's chromium")
	}
	t.Skip("no chromium on this machine: the browser tests need it (apt-get install chromium)")
	return ""
}

// browser is one headless Chromium tab on a gateway's BackOffice.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string // the gateway's URL
}

// newBrowser starts Chromium for base; it is closed when the test ends.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The browser's language (Accept-Language, navigator.language) is
		// a Swedish merchant's. Date inputs still follow the machine's
		// locale (mm/dd/yyyy on CI), which the pages do not control.
		chromedp.Flag("lang", "sv-SE"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	// Every JavaScript dialog (the confirm before a destructive action) is
	// accepted, as the person driving would.
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	// The first Run starts the browser and must not carry a timeout: the
	// browser lives as long as that call's context.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b.run(chromedp.EmulateViewport(1280, 900))
	return b
}

// run runs actions within 60 s or fails the test.
func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc string
		_ = chromedp.Run(b.ctx, chromedp.Location(&loc))
		b.t.Fatalf("browser at %s: %v", loc, err)
	}
}

// open loads a BackOffice path and waits for its heading.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitVisible("main h1", chromedp.ByQuery))
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery, chromedp.NodeVisible))
	return s
}

// location is the current URL.
func (b *browser) location() string {
	b.t.Helper()
	var s string
	b.run(chromedp.Location(&s))
	return s
}

// signIn signs in through the sign-in form and waits for the overview.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.open("/backoffice/login")
	b.run(
		chromedp.SendKeys("#f-email", email, chromedp.ByQuery),
		chromedp.SendKeys("#f-password", password, chromedp.ByQuery),
		chromedp.Click(`form[action="/backoffice/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("nav.mainnav", chromedp.ByQuery),
	)
}

// shoot photographs the current page at every width and checks it with
// axe at each. The pictures go to $LEDGERBRIDGE_SCREENS, or to docs/screens
// with UPDATE_SCREENS=1 (the committed set), else to a temporary folder.
func (b *browser) shoot(name string) {
	b.t.Helper()
	dir := screensDir(b.t)
	for _, w := range widths {
		var opts []chromedp.EmulateViewportOption
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		b.run(chromedp.EmulateViewport(w.width, w.height, opts...))
		b.axe(name + " at " + w.name)
		var png []byte
		b.run(chromedp.FullScreenshot(&png, 100))
		file := filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, w.name))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.run(chromedp.EmulateViewport(1280, 900))
}

func screensDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LEDGERBRIDGE_SCREENS")
	if os.Getenv("UPDATE_SCREENS") == "1" {
		dir = filepath.Join("..", "docs", "screens")
	}
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ledgerbridge-screens")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// axe runs axe-core's WCAG 2 A/AA rules on the current page and fails the
// test for every serious or critical violation.
func (b *browser) axe(what string) {
	b.t.Helper()
	var injected bool
	b.run(chromedp.Evaluate(`typeof axe !== "undefined"`, &injected))
	if !injected {
		b.run(chromedp.Evaluate(axeSource, nil))
	}
	var raw string
	b.run(chromedp.Evaluate(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations))`, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		b.t.Fatalf("axe result %q: %v", raw, err)
	}
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			var targets []string
			for _, n := range v.Nodes {
				targets = append(targets, fmt.Sprint(n.Target...))
			}
			b.t.Errorf("accessibility (%s): %s (%s, %s) at %s", what, v.Help, v.ID, v.Impact, strings.Join(targets, "; "))
		}
	}
}

// demoKeys is what serve --demo wrote to <data-dir>/demo-keys.json: the
// Swedish demo merchant's ID and API keys, and the Norwegian one's keys.
type demoKeys struct {
	MerchantID string            `json:"merchant_id"`
	APIKeys    map[string]string `json:"api_keys"`
	Norway     struct {
		APIKeys map[string]string `json:"api_keys"`
	} `json:"norway"`
}

// readDemoKeys waits for serve --demo to have written demo-keys.json.
func readDemoKeys(t *testing.T, g *gateway) demoKeys {
	t.Helper()
	var d demoKeys
	waitFor(t, "demo-keys.json", 10*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(g.DataDir, "demo-keys.json"))
		return err == nil && json.Unmarshal(b, &d) == nil && d.APIKeys["admin"] != "" && d.APIKeys["cashier"] != ""
	})
	return d
}

// norwegianAdminKey is the Norwegian demo merchant's admin API key.
func norwegianAdminKey(t *testing.T, g *gateway) string {
	t.Helper()
	k := readDemoKeys(t, g).Norway.APIKeys["admin"]
	if k == "" {
		t.Fatal("demo-keys.json has no Norwegian admin key")
	}
	return k
}

// waitJS waits until the JavaScript expression is true, across a page
// load (an evaluation the navigation interrupts is tried again).
func (b *browser) waitJS(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %s (last error %v) at %s", expr, err, b.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var demoSignIn = regexp.MustCompile(`sign in as (\S+) with password (\S+)`)

// demoNorwegianUser reads the Norwegian demo merchant's admin (the one for
// Tripletex) from what `serve --demo` printed.
func demoNorwegianUser(t *testing.T, g *gateway) (email, password string) {
	t.Helper()
	var m [][]string
	waitFor(t, "the Norwegian demo user to be printed", 10*time.Second, func() bool {
		m = demoSignIn.FindAllStringSubmatch(g.logs.String(), -1)
		return len(m) >= 2
	})
	if m[1][1] != "admin@bryggen.example" {
		t.Fatalf("second demo user is %s, want the Norwegian admin@bryggen.example", m[1][1])
	}
	return m[1][1], m[1][2]
}

// demoUser reads the demo admin's e-mail and password from what
// `serve --demo` printed.
func demoUser(t *testing.T, g *gateway) (email, password string) {
	t.Helper()
	var m []string
	waitFor(t, "the demo user to be printed", 10*time.Second, func() bool {
		m = demoSignIn.FindStringSubmatch(g.logs.String())
		return m != nil
	})
	return m[1], m[2]
}

// TestBackOfficeSignIn: a new user starts the demo, opens the BackOffice,
// is sent to sign in, signs in with the printed demo user and lands on the
// overview; a wrong password is refused with a message.
func TestBackOfficeSignIn(t *testing.T) {
	g := startGateway(t, t.TempDir(), "--demo")
	email, password := demoUser(t, g)
	b := newBrowser(t, g.URL)

	b.run(chromedp.Navigate(g.URL + "/"))
	b.run(chromedp.WaitVisible("#f-email", chromedp.ByQuery))
	if loc := b.location(); !strings.Contains(loc, "/backoffice/login?next=") {
		t.Fatalf("/ led to %s, want the sign-in page", loc)
	}
	b.shoot("login")
	b.run(
		chromedp.SendKeys("#f-email", email, chromedp.ByQuery),
		chromedp.SendKeys("#f-password", "not the password", chromedp.ByQuery),
		chromedp.Click(`form[action="/backoffice/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".notice.bad", chromedp.ByQuery),
	)
	if msg := b.text(".notice.bad"); !strings.Contains(msg, "Fel e-postadress eller lösenord") {
		t.Fatalf("wrong password answered %q", msg)
	}
	b.signIn(email, password)
	if h := b.text("main h1"); h != "Översikt" {
		t.Fatalf("after sign-in the heading is %q, want Översikt", h)
	}
	if s := b.text("main"); !strings.Contains(s, "SIE") {
		t.Errorf("the overview does not show the demo's active SIE integration:\n%s", s)
	}
	b.shoot("overview")
}
