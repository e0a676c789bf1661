// Package backoffice serves the merchant's web pages under /backoffice/:
// server-rendered HTML from embedded templates, with htmx (vendored) for
// partial updates, so `go run` needs nothing but Go. People sign in with
// e-mail and password (core.Engine.SignIn); a page acts as the signed-in
// user's core.Principal through the same engine and services as the JSON
// API, so every rule (roles, validation, provider calls) has one
// implementation. Handlers parse forms and render; they decide nothing.
//
// One file per page group: overview.go, integrations.go (and wizard.go),
// invoices.go, orders.go, customers.go, settings.go, paymentmethods.go,
// exports.go, apikeys.go, users.go. Each registers its routes from
// routes() and its texts live in messages/<group>.json.
package backoffice

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/ratelimit"
)

// Prefix is where the pages live.
const Prefix = "/backoffice"

//go:embed templates static messages
var assets embed.FS

// Options configures the pages.
type Options struct {
	// Integrations and Exports are the services behind the integration,
	// wizard and export pages; nil hides those pages.
	Integrations *integrations.Service
	Exports      *exports.Service
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
	// SecureCookies marks cookies Secure even on plain HTTP requests: set
	// it when TLS ends at a proxy in front of the gateway. Requests that
	// arrive over TLS always get Secure cookies.
	SecureCookies bool
	// SignInBurst failed sign-ins per client address, then one more every
	// SignInRefill; zero values mean 10 and 30 s.
	SignInBurst  int
	SignInRefill time.Duration
	// MaxFormBytes bounds a form post; zero means 1 MiB.
	MaxFormBytes int64
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client whose failed sign-ins are limited; default none.
	TrustedProxies []string
}

// server holds what every page needs.
type server struct {
	engine       *core.Engine
	integrations *integrations.Service
	exports      *exports.Service
	log          *slog.Logger
	secure       bool
	signIn       *ratelimit.Limiter
	maxForm      int64
	views        *views
	static       http.Handler
}

// New returns the handler of every page under Prefix. Mount it for
// Prefix and Prefix+"/..."; it answers 404 for anything else. It panics if
// the embedded templates or catalogues are broken (a build defect, caught
// by the package's tests).
func New(engine *core.Engine, opts Options) http.Handler { return newRouter(engine, opts) }

func newRouter(engine *core.Engine, opts Options) *gin.Engine {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.SignInBurst <= 0 {
		opts.SignInBurst = 10
	}
	if opts.SignInRefill <= 0 {
		opts.SignInRefill = 30 * time.Second
	}
	if opts.MaxFormBytes <= 0 {
		opts.MaxFormBytes = 1 << 20
	}
	v, err := loadViews(assets)
	if err != nil {
		panic("backoffice: " + err.Error())
	}
	staticFS, err := fs.Sub(assets, "static")
	if err != nil {
		panic("backoffice: " + err.Error())
	}
	s := &server{
		engine: engine, integrations: opts.Integrations, exports: opts.Exports, log: logger,
		secure: opts.SecureCookies, signIn: ratelimit.New(opts.SignInBurst, opts.SignInRefill, false, 100_000),
		maxForm: opts.MaxFormBytes, views: v,
		static: http.StripPrefix(Prefix+"/static/", http.FileServer(http.FS(staticFS))),
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		logger.Error("backoffice: invalid trusted proxies: trusting none", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.Use(s.securityHeaders, s.recoverPanic)
	r.NoRoute(func(c *gin.Context) { s.notFound(c) })
	r.NoMethod(func(c *gin.Context) {
		s.errorPage(c, http.StatusMethodNotAllowed, "error.method_not_allowed")
	})
	s.routes(r)
	return r
}

// routes registers every page. Public: sign-in, invitations, static
// files. Everything else needs a session (signedIn) and, for unsafe
// methods, the session's CSRF token.
func (s *server) routes(r *gin.Engine) {
	r.GET(Prefix, func(c *gin.Context) { c.Redirect(http.StatusSeeOther, Prefix+"/") })
	r.GET(Prefix+"/static/*file", s.serveStatic)
	r.HEAD(Prefix+"/static/*file", s.serveStatic)
	s.routeLogin(r)

	g := r.Group(Prefix, s.signedIn, s.checkCSRF)
	g.GET("/", s.overview)
	g.POST("/language", s.setLanguage)
	s.routePages(g)
}

// pageRoutes are the page groups' route registrations, each added by the
// group's file in an init function, so adding a page touches one file.
var pageRoutes []func(s *server, g *gin.RouterGroup)

func (s *server) routePages(g *gin.RouterGroup) {
	for _, add := range pageRoutes {
		add(s, g)
	}
}

// serveStatic serves the embedded static files, cacheable for a day (their
// vendored names carry versions).
func (s *server) serveStatic(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	s.static.ServeHTTP(c.Writer, c.Request)
}

// securityHeaders keeps pages out of frames and scripts to our own origin.
func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; object-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	c.Next()
}

func (s *server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("backoffice: panic", "path", c.Request.URL.Path, "panic", v)
			if !c.Writer.Written() {
				s.errorPage(c, http.StatusInternalServerError, "error.internal")
			}
			c.Abort()
		}
	}()
	c.Next()
}
