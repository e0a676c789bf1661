// Package metrics is the gateway's Prometheus instrumentation and its
// operations listener: one Registry per gateway (never the global default,
// so tests and several gateways in one process do not collide) that
// implements the hooks the other packages define (core.Metrics,
// httpapi.Observer, pluginhost.Observer), collects queue depths from the
// stores at scrape time, and OpsHandler, which serves /metrics and
// /debug/pprof/. Every metric is named ledgerbridge_*; docs/operations.md
// lists them with their labels and what to alert on.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
	"github.com/ledgerbridge/ledgerbridge/pluginhost"
)

// Namespace starts every metric's name.
const Namespace = "ledgerbridge"

// scrapeTimeout bounds the store queries of one scrape.
const scrapeTimeout = 5 * time.Second

// Registry holds one gateway's metrics. It is safe for concurrent use.
type Registry struct {
	reg *prometheus.Registry
	log *slog.Logger

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	replays       *prometheus.CounterVec
	charges       *prometheus.CounterVec
	refunds       *prometheus.CounterVec
	providerCalls *prometheus.CounterVec
	providerTime  *prometheus.HistogramVec
	restarts      *prometheus.CounterVec
	startFailures *prometheus.CounterVec
}

var (
	_ core.Metrics        = (*Registry)(nil)
	_ httpapi.Observer    = (*Registry)(nil)
	_ pluginhost.Observer = (*Registry)(nil)
)

// New returns a registry with the gateway's metrics and the Go runtime's
// and the process's collectors. log receives scrape errors; nil discards.
func New(log *slog.Logger) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registry{reg: prometheus.NewRegistry(), log: log}
	r.httpRequests = counter("http_requests_total",
		"HTTP requests answered on the public listener, by method, route template and status code.",
		"method", "route", "status")
	r.httpDuration = histogram("http_request_duration_seconds",
		"Time from receiving an HTTP request to its answer, by method and route template.",
		[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}, "method", "route")
	r.replays = counter("idempotency_replays_total",
		"Answers that replayed the stored result of an earlier request with the same Idempotency-Key, by route template.",
		"route")
	r.charges = counter("charges_total",
		"Charges (POST /v1/charges) by invoicing provider and outcome: ok, replayed or the error code.",
		"provider", "outcome")
	r.refunds = counter("refunds_total",
		"Refunds (POST /v1/refunds) by invoicing provider and outcome: ok, replayed or the error code.",
		"provider", "outcome")
	r.providerCalls = counter("provider_calls_total",
		"Calls to provider plugins by provider, method and outcome: ok or the error code.",
		"provider", "method", "outcome")
	r.providerTime = histogram("provider_call_duration_seconds",
		"Time of a call to a provider plugin, plugin start and one retry included, by provider and method.",
		[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}, "provider", "method")
	r.restarts = counter("plugin_restarts_total",
		"Plugin processes that died or hung and were stopped, to be started again on the next call, by provider.",
		"provider")
	r.startFailures = counter("plugin_start_failures_total", "Failed attempts to start a plugin process, by provider.",
		"provider")
	r.reg.MustRegister(r.httpRequests, r.httpDuration, r.replays, r.charges, r.refunds, r.providerCalls,
		r.providerTime, r.restarts, r.startFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
}

func histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help,
		Buckets: buckets}, labels)
}

// Gatherer is the registry, for tests and custom handlers.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// ObserveRequest implements httpapi.Observer.
func (r *Registry) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	r.httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	r.httpDuration.WithLabelValues(method, route).Observe(elapsed.Seconds())
}

// IdempotentReplay implements httpapi.Observer.
func (r *Registry) IdempotentReplay(route string) { r.replays.WithLabelValues(route).Inc() }

// Charged implements core.Metrics.
func (r *Registry) Charged(provider, outcome string) {
	r.charges.WithLabelValues(providerLabel(provider), outcome).Inc()
}

// Refunded implements core.Metrics.
func (r *Registry) Refunded(provider, outcome string) {
	r.refunds.WithLabelValues(providerLabel(provider), outcome).Inc()
}

// providerLabel is "none" for a charge whose provider was never resolved
// (the caller was refused first).
func providerLabel(p string) string {
	if p == "" {
		return "none"
	}
	return p
}

// ProviderCall implements pluginhost.Observer.
func (r *Registry) ProviderCall(provider, method, outcome string, elapsed time.Duration) {
	r.providerCalls.WithLabelValues(provider, method, outcome).Inc()
	r.providerTime.WithLabelValues(provider, method).Observe(elapsed.Seconds())
}

// PluginRestarted implements pluginhost.Observer.
func (r *Registry) PluginRestarted(provider string) { r.restarts.WithLabelValues(provider).Inc() }

// PluginStartFailed implements pluginhost.Observer.
func (r *Registry) PluginStartFailed(provider string) {
	r.startFailures.WithLabelValues(provider).Inc()
}

// ExportJobStats is what WatchExportJobs reads at each scrape.
type ExportJobStats struct {
	// ByStatus counts export jobs by status.
	ByStatus map[string]int
	// OldestPending is when the oldest unfinished job was created; zero
	// when there is none.
	OldestPending time.Time
}

// WatchExportJobs adds ledgerbridge_export_jobs{status} and
// ledgerbridge_export_oldest_pending_age_seconds, read through stats at
// every scrape (now is the clock; nil means time.Now).
func (r *Registry) WatchExportJobs(stats func(context.Context) (ExportJobStats, error), now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	r.reg.MustRegister(&exportCollector{stats: stats, now: now, log: r.log})
}

// WatchOutbox adds the queue named name ("email", "einvoice", "webhook") to
// ledgerbridge_outbox_messages{outbox,status}, read through depth (unsent
// messages by status) at every scrape. Call once per name.
func (r *Registry) WatchOutbox(name string, depth func(context.Context) (map[string]int, error)) {
	r.reg.MustRegister(&outboxCollector{name: name, depth: depth, log: r.log})
}

var (
	exportJobsDesc = prometheus.NewDesc(Namespace+"_export_jobs",
		"Export jobs (one per location and business day) by status.", []string{"status"}, nil)
	exportAgeDesc = prometheus.NewDesc(Namespace+"_export_oldest_pending_age_seconds",
		"Age of the oldest export job not yet booked (pending or processing), since it was created; 0 when none.", nil, nil)
	outboxDesc = prometheus.NewDesc(Namespace+"_outbox_messages",
		"Messages not yet sent by outbox (email, einvoice, webhook) and status (queued, sending, failed).", []string{"outbox", "status"}, nil)
)

// exportCollector queries the export jobs at scrape time.
type exportCollector struct {
	stats func(context.Context) (ExportJobStats, error)
	now   func() time.Time
	log   *slog.Logger
}

func (c *exportCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- exportJobsDesc
	ch <- exportAgeDesc
}

func (c *exportCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		// The series are left out of this scrape: absent() alerts notice.
		c.log.Warn("metrics: read export jobs", "error", err)
		ch <- prometheus.NewInvalidMetric(exportJobsDesc, err)
		return
	}
	for status, n := range st.ByStatus {
		ch <- prometheus.MustNewConstMetric(exportJobsDesc, prometheus.GaugeValue, float64(n), status)
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(0, c.now().Sub(st.OldestPending).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(exportAgeDesc, prometheus.GaugeValue, age)
}

// outboxCollector queries one outbox at scrape time. Each outbox has its
// own collector, so all of them describe outboxDesc; the registry accepts
// that because their label values differ.
type outboxCollector struct {
	name  string
	depth func(context.Context) (map[string]int, error)
	log   *slog.Logger
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	// Unchecked: several outboxCollectors share the descriptor.
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	d, err := c.depth(ctx)
	if err != nil {
		c.log.Warn("metrics: read outbox", "outbox", c.name, "error", err)
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	for status, n := range d {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n), c.name, status)
	}
}

// OpsHandler serves the operations listener: GET /metrics in the
// Prometheus text format, and Go's profiles under /debug/pprof/. It must
// never be mounted on the public listener: profiles reveal the process's
// internals and cost CPU. A collector that fails leaves its series out of
// the scrape and the rest is still served.
func (r *Registry) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(r.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      r.reg, // promhttp_metric_handler_* about the scrapes themselves
	}))
	// Registered by hand: importing net/http/pprof also registers on
	// http.DefaultServeMux, which nothing in the gateway serves.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
