// Package httpapi is the HTTP transport of ledgerbridge: the v1 JSON API
// (its contract is openapi.json, served at GET /v1/openapi.json) served by
// gin. Handlers only parse requests and encode answers; every decision
// (authorization, validation, routing to a provider) is the core.Engine's.
// Errors are written by one function, writeError, so every endpoint answers
// them the same way.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/ratelimit"
	"github.com/ledgerbridge/ledgerbridge/seal"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// Options configures the HTTP handler.
type Options struct {
	// Logger receives the access log and internal errors; nil discards them.
	Logger *slog.Logger
	// Integrations serves /v1/integrations and its setup wizard; when nil
	// those routes are not registered (and answer 404 like any unknown
	// route). With it come POST /v1/integrations/{id}/oauth/start and the
	// public GET /v1/oauth/callback.
	Integrations *integrations.Service
	// OAuthDoneURL is where GET /v1/oauth/callback sends the browser once
	// the provider's redirect was handled, e.g.
	// "/backoffice/integrations/{id}?connected=1": on success with {id}
	// replaced by the integration's ID; on failure with {id} replaced by
	// nothing (the integration is unknown when the state is), the
	// connected parameter dropped, and error (the error code) and
	// error_description added to the query. When empty the callback answers
	// JSON: 200 with the integration, or the error envelope.
	OAuthDoneURL string
	// Exports serves POST /v1/sales, the day close and /v1/exports; when
	// nil those routes are not registered.
	Exports *exports.Service
	// AuthLimit limits failed authentications per client IP; zero values
	// mean DefaultAuthBurst and DefaultAuthRefill.
	AuthLimit AuthLimit
	// TrustedProxies are the IPs or CIDRs of reverse proxies whose
	// X-Forwarded-For names the client. Default none: the client is the
	// connection's peer, whatever headers it sends.
	TrustedProxies []string
	// MaxBodyBytes bounds every JSON request body; zero means 1 MiB.
	MaxBodyBytes int64
	// Cursors seals list cursors; gateways sharing a database must share
	// its key, or a cursor from one fails on another. Nil means a random
	// key for this handler.
	Cursors *seal.Sealer
	// Redactor, when set, removes known credentials from every error
	// answer (message and field messages) before it is written; provider
	// errors are already redacted by the provider registry, this also
	// covers the gateway's own (an OAuth2 token endpoint's failure).
	Redactor *core.Redactor
	// Webhooks serves /v1/webhook-endpoints and their delivery logs; when
	// nil those routes are not registered.
	Webhooks *webhooks.Service
	// BackOffice, when set, serves the web pages under /backoffice/ (see
	// package backoffice), and GET / leads there.
	BackOffice http.Handler
	// Metrics, when set, is told of every request (see Observer).
	Metrics Observer
}

// Observer receives every request the handler answered, for metrics. Its
// methods must be safe for concurrent use and quick.
type Observer interface {
	// ObserveRequest reports one answered request. route is the matched
	// route's template ("/v1/invoices/:id"), or RouteUnmatched: never the
	// raw path, which would let clients mint label values. method is the
	// request's method when standard, otherwise "OTHER".
	ObserveRequest(method, route string, status int, elapsed time.Duration)
	// IdempotentReplay reports an answer that replayed the stored result of
	// an earlier request with the same Idempotency-Key.
	IdempotentReplay(route string)
}

// RouteUnmatched is the route of requests no route matched.
const RouteUnmatched = "unmatched"

// server holds what every handler needs.
type server struct {
	engine       *core.Engine
	integrations *integrations.Service
	oauthDone    string
	exports      *exports.Service
	log          *slog.Logger
	authLimit    *ratelimit.Limiter
	maxBody      int64
	cursors      *cursorSealer
	redactor     *core.Redactor
	metrics      Observer
	webhooks     *webhooks.Service
}

// New returns the HTTP handler of the v1 API over engine. It is safe for
// concurrent use. Every response carries an X-Request-Id (the caller's, when
// it sent a sane one); a panicking handler answers 500 internal and is
// logged, never crashes the process.
func New(engine *core.Engine, opts Options) http.Handler {
	return newRouter(engine, opts)
}

func newRouter(engine *core.Engine, opts Options) *gin.Engine {
	cursors := &cursorSealer{sealer: opts.Cursors}
	if cursors.sealer == nil {
		cursors.sealer = seal.Random("cursor key")
	}
	gin.SetMode(gin.ReleaseMode)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &server{engine: engine, integrations: opts.Integrations, oauthDone: opts.OAuthDoneURL,
		exports: opts.Exports, log: logger, authLimit: newAuthLimiter(opts.AuthLimit, maxAuthClients),
		maxBody: opts.MaxBodyBytes, cursors: cursors, redactor: opts.Redactor, metrics: opts.Metrics,
		webhooks: opts.Webhooks}
	if s.maxBody <= 0 {
		s.maxBody = maxBodyBytes
	}

	r := gin.New()
	// ClientIP is the peer address unless the peer is a trusted proxy; gin
	// would otherwise trust every proxy's X-Forwarded-For.
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		logger.Error("invalid trusted proxies: trusting none", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	if s.metrics != nil {
		// First, so it sees the status of every answer, panics included.
		r.Use(s.observe)
	}
	r.Use(s.requestID, s.accessLog, s.recoverPanic, s.validUTF8)
	r.NoRoute(func(c *gin.Context) {
		s.writeError(c, core.Errorf(core.CodeNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	// gin has set Allow to the path's methods before this runs.
	r.NoMethod(func(c *gin.Context) {
		s.writeError(c, core.Errorf(core.CodeMethodNotAllowed, "%s is not allowed on %s; allowed: %s",
			c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow")))
	})

	if opts.BackOffice != nil {
		pages := gin.WrapH(opts.BackOffice)
		r.Any("/backoffice", pages)
		r.Any("/backoffice/*page", pages)
		r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/backoffice/") })
	}
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/v1/openapi.json", s.openAPI)

	v1 := r.Group("/v1", s.authenticate)
	v1.GET("/providers", s.require(core.ActionListProviders), s.listProviders)
	v1.GET("/customers", s.require(core.ActionSearchCustomers), s.searchCustomers)
	v1.POST("/customers", s.require(core.ActionCreateCustomer), s.createCustomer)
	v1.POST("/customers/sync", s.require(core.ActionSyncCustomers), s.syncCustomers)
	v1.GET("/customers/:id", s.require(core.ActionReadCustomer), s.getCustomer)
	v1.PATCH("/customers/:id", s.require(core.ActionUpdateCustomer), s.updateCustomer)
	v1.POST("/charges", s.require(core.ActionCharge), s.createCharge)
	v1.GET("/invoices", s.require(core.ActionReadInvoices), s.listInvoices)
	v1.GET("/invoices/:id", s.require(core.ActionReadInvoices), s.getInvoice)
	v1.POST("/invoices", s.require(core.ActionWriteInvoices), s.createDraft)
	v1.PATCH("/invoices/:id", s.require(core.ActionWriteInvoices), s.updateDraft)
	v1.POST("/invoices/:id/post", s.require(core.ActionWriteInvoices), s.postInvoice)
	v1.POST("/invoices/:id/void", s.require(core.ActionWriteInvoices), s.voidInvoice)
	v1.POST("/invoices/:id/payments", s.require(core.ActionWriteInvoices), s.markPaid)
	v1.POST("/invoices/:id/email", s.require(core.ActionWriteInvoices), s.emailInvoice)
	v1.GET("/invoices/:id/pdf", s.require(core.ActionReadInvoices), s.invoicePDF)
	v1.GET("/invoices/:id/ubl", s.require(core.ActionReadInvoices), s.invoiceUBL)
	v1.GET("/invoices/:id/journal-entries", s.require(core.ActionReadInvoices), s.journalEntries)
	v1.POST("/refunds", s.require(core.ActionRefund), s.createRefund)
	v1.GET("/orders", s.require(core.ActionReadOrders), s.listOrders)
	v1.GET("/invoice-settings", s.require(core.ActionReadSettings), s.getInvoiceSettings)
	v1.PUT("/invoice-settings", s.require(core.ActionWriteSettings), s.putInvoiceSettings)
	v1.GET("/payment-methods", s.require(core.ActionReadPaymentMethods), s.getPaymentMethods)
	v1.PUT("/payment-methods", s.require(core.ActionWritePaymentMethods), s.putPaymentMethods)
	v1.POST("/api-keys", s.require(core.ActionManageAPIKeys), s.createAPIKey)
	v1.GET("/api-keys", s.require(core.ActionManageAPIKeys), s.listAPIKeys)
	v1.DELETE("/api-keys/:id", s.require(core.ActionManageAPIKeys), s.revokeAPIKey)
	if s.integrations != nil {
		s.routeIntegrations(v1)
		// The provider's redirect carries no API key: the state
		// authenticates it.
		r.GET("/v1/oauth/callback", s.oauthCallback)
	}
	if s.exports != nil {
		s.routeExports(v1)
	}
	if s.webhooks != nil {
		s.routeWebhooks(v1)
	}
	return r
}

const (
	headerRequestID = "X-Request-Id"
	ctxRequestID    = "httpapi.request_id"
	maxRequestIDLen = 128
)

// requestID echoes a caller's X-Request-Id when it is short printable ASCII,
// and otherwise makes one, so log lines and answers can be matched.
func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader(headerRequestID)
	if !saneRequestID(id) {
		id = core.NewID("req")
	}
	c.Set(ctxRequestID, id)
	c.Header(headerRequestID, id)
	c.Next()
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

func requestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

// accessLog writes one line per request after it is answered.
func (s *server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
		slog.String("request_id", requestIDOf(c)),
	}
	if p, ok := core.PrincipalFrom(c.Request.Context()); ok {
		attrs = append(attrs, slog.String("merchant_id", p.MerchantID), slog.String("key_id", p.KeyID))
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "http request", attrs...)
}

// observe reports each request to s.metrics once it is answered.
func (s *server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = RouteUnmatched
	}
	s.metrics.ObserveRequest(metricMethod(c.Request.Method), route, c.Writer.Status(), time.Since(start))
	if c.Writer.Header().Get(headerReplayed) == "true" {
		s.metrics.IdempotentReplay(route)
	}
}

// metricMethod is method when it is a standard one, else "OTHER", so
// clients cannot mint label values.
func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "OTHER"
}

// recoverPanic turns a handler panic into a logged 500 internal answer.
// http.ErrAbortHandler is re-raised: it is net/http's way to abort a
// response on purpose.
func (s *server) recoverPanic(c *gin.Context) {
	defer func() {
		rec := recover()
		if rec == nil {
			return
		}
		if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(rec)
		}
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "handler panic",
			slog.Any("panic", rec), slog.String("request_id", requestIDOf(c)),
			slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		s.writeError(c, core.Errorf(core.CodeInternal, "handler panic: %v", rec))
	}()
	c.Next()
}

// principal returns the caller that authenticate stored on the request.
// Handlers behind authenticate always have one; without it the zero
// principal has no role and every engine call answers forbidden.
func principal(c *gin.Context) core.Principal {
	p, _ := core.PrincipalFrom(c.Request.Context())
	return p
}
