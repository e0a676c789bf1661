package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

// TestOpsHandler: every hook shows up as its series with its labels; the
// store-backed gauges are read at scrape time; a failing source leaves out
// its own series only; pprof answers on the same handler.
func TestOpsHandler(t *testing.T) {
	r := New(nil)
	r.ObserveRequest("POST", "/v1/charges", 201, 30*time.Millisecond)
	r.IdempotentReplay("/v1/charges")
	r.Charged("open", "ok")
	r.Charged("", "forbidden")
	r.Refunded("tripletex", "unavailable")
	r.ProviderCall("open", "CreateInvoice", "ok", 20*time.Millisecond)
	r.PluginRestarted("spiris")
	r.PluginStartFailed("spiris")
	t0 := time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)
	r.WatchExportJobs(func(context.Context) (ExportJobStats, error) {
		return ExportJobStats{ByStatus: map[string]int{"pending": 3, "failed": 1}, OldestPending: t0}, nil
	}, func() time.Time { return t0.Add(90 * time.Second) })
	r.WatchOutbox("email", func(context.Context) (map[string]int, error) {
		return map[string]int{"queued": 4, "sending": 0, "failed": 2}, nil
	})
	r.WatchOutbox("einvoice", func(context.Context) (map[string]int, error) {
		return nil, errors.New("database is locked")
	})
	h := r.OpsHandler()
	code, body := scrape(t, h, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics answered %d:\n%s", code, body)
	}
	for _, want := range []string{
		`ledgerbridge_http_requests_total{method="POST",route="/v1/charges",status="201"} 1`,
		`ledgerbridge_http_request_duration_seconds_bucket{method="POST",route="/v1/charges",le="0.05"} 1`,
		`ledgerbridge_http_request_duration_seconds_bucket{method="POST",route="/v1/charges",le="0.025"} 0`,
		`ledgerbridge_idempotency_replays_total{route="/v1/charges"} 1`,
		`ledgerbridge_charges_total{outcome="ok",provider="open"} 1`,
		`ledgerbridge_charges_total{outcome="forbidden",provider="none"} 1`,
		`ledgerbridge_refunds_total{outcome="unavailable",provider="tripletex"} 1`,
		`ledgerbridge_provider_calls_total{method="CreateInvoice",outcome="ok",provider="open"} 1`,
		`ledgerbridge_provider_call_duration_seconds_count{method="CreateInvoice",provider="open"} 1`,
		`ledgerbridge_plugin_restarts_total{provider="spiris"} 1`,
		`ledgerbridge_plugin_start_failures_total{provider="spiris"} 1`,
		`ledgerbridge_export_jobs{status="pending"} 3`,
		`ledgerbridge_export_jobs{status="failed"} 1`,
		`ledgerbridge_export_oldest_pending_age_seconds 90`,
		`ledgerbridge_outbox_messages{outbox="email",status="queued"} 4`,
		`ledgerbridge_outbox_messages{outbox="email",status="failed"} 2`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `outbox="einvoice"`) {
		t.Errorf("a failing outbox still has series:\n%s", body)
	}
	if code, body := scrape(t, h, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/ answered %d", code)
	}
	if code, _ := scrape(t, h, "/debug/pprof/heap"); code != http.StatusOK {
		t.Errorf("/debug/pprof/heap answered %d", code)
	}
}

// TestRegistriesAreIndependent: two gateways in one process (tests) count
// apart; nothing goes to the global default registry.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(nil), New(nil)
	a.Charged("open", "ok")
	_, body := scrape(t, b.OpsHandler(), "/metrics")
	if strings.Contains(body, `ledgerbridge_charges_total{`) {
		t.Errorf("a charge counted in a shows in b:\n%s", body)
	}
}
