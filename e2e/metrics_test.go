package e2e

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scrapeMetrics reads the ops listener's /metrics as series → value, the
// series written as Prometheus prints it: name{label="value",...} with the
// labels sorted.
func scrapeMetrics(t *testing.T, g *gateway) map[string]float64 {
	t.Helper()
	resp, err := http.Get(g.OpsURL + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape answered %d: %s", resp.StatusCode, b)
	}
	series := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: bad line %q", line)
		}
		series[line[:i]] = v
	}
	return series
}

// TestMetricsAfterACharge: after a charge, its replay and a read, /metrics
// on the ops listener has each series with its labels and the values the
// requests imply: requests by route template (never an ID), charges by
// provider and outcome, the provider call behind the charge, the replay,
// the queue gauges read from the stores; and a plugin killed behind the
// gateway's back is counted as restarted.
func TestMetricsAfterACharge(t *testing.T) {
	g, m, customer := setup(t)
	var res chargeResult
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 1), "metrics-1", 201).decode(t, &res)
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 1), "metrics-1", 201)
	g.must("GET", "/v1/invoices/"+res.Invoice.ID, m.Keys["admin"], nil, "", 200)
	g.must("GET", "/v1/no-such-route/"+res.Invoice.ID, m.Keys["admin"], nil, "", 404)

	got := scrapeMetrics(t, g)
	for series, want := range map[string]float64{
		`ledgerbridge_http_requests_total{method="POST",route="/v1/charges",status="201"}`:          2,
		`ledgerbridge_http_request_duration_seconds_count{method="POST",route="/v1/charges"}`:       2,
		`ledgerbridge_http_requests_total{method="GET",route="/v1/invoices/:id",status="200"}`:      1,
		`ledgerbridge_http_requests_total{method="GET",route="unmatched",status="404"}`:             1,
		`ledgerbridge_charges_total{outcome="ok",provider="open"}`:                                  1,
		`ledgerbridge_charges_total{outcome="replayed",provider="open"}`:                            1,
		`ledgerbridge_idempotency_replays_total{route="/v1/charges"}`:                               1,
		`ledgerbridge_provider_calls_total{method="CreateInvoice",outcome="ok",provider="open"}`:    1,
		`ledgerbridge_provider_call_duration_seconds_count{method="CreateInvoice",provider="open"}`: 1,
		`ledgerbridge_export_jobs{status="pending"}`:                                                0,
		`ledgerbridge_export_jobs{status="failed"}`:                                                 0,
		`ledgerbridge_export_oldest_pending_age_seconds`:                                            0,
		`ledgerbridge_outbox_messages{outbox="email",status="queued"}`:                              0,
		`ledgerbridge_outbox_messages{outbox="einvoice",status="failed"}`:                           0,
	} {
		v, ok := got[series]
		if !ok {
			t.Errorf("no series %s", series)
		} else if v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	// The charge took some time, all of it under the histogram's top bucket.
	if v := got[`ledgerbridge_http_request_duration_seconds_sum{method="POST",route="/v1/charges"}`]; v <= 0 {
		t.Errorf("charge latency sum %v, want > 0", v)
	}
	for series := range got {
		if strings.Contains(series, res.Invoice.ID) || strings.Contains(series, customer) {
			t.Errorf("an ID is a label value: %s", series)
		}
	}

	// Kill the open plugin: the supervisor notices, counts a restart, and
	// the next call starts a new process.
	pids := g.pluginPIDs("open")
	if len(pids) != 1 {
		t.Fatalf("open plugin processes: %v", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	const restarts = `ledgerbridge_plugin_restarts_total{provider="open"}`
	waitFor(t, "the restart to be counted", 10*time.Second, func() bool { return scrapeMetrics(t, g)[restarts] == 1 })
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 2), "metrics-2", 201)
	if v := scrapeMetrics(t, g)[`ledgerbridge_charges_total{outcome="ok",provider="open"}`]; v != 2 {
		t.Errorf("charges after the restart: %v, want 2", v)
	}
}

// TestOpsEndpointsOnlyOnTheOpsListener: /metrics and /debug/pprof/ answer
// on the ops listener and are unknown routes on the public one.
func TestOpsEndpointsOnlyOnTheOpsListener(t *testing.T) {
	g := startGateway(t, t.TempDir())
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		base, path string
		status     int
		body       string
	}{
		{g.OpsURL, "/metrics", 200, `ledgerbridge_export_jobs{status="pending"} 0`},
		{g.OpsURL, "/debug/pprof/", 200, "goroutine"},
		{g.OpsURL, "/debug/pprof/goroutine?debug=1", 200, "goroutine profile"},
		{g.URL, "/metrics", 404, `"not_found"`},
		{g.URL, "/debug/pprof/", 404, `"not_found"`},
		{g.URL, "/debug/pprof/goroutine?debug=1", 404, `"not_found"`},
	} {
		status, body := get(tc.base + tc.path)
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s%s answered %d, want %d with %q; body starts %.200q", tc.base, tc.path, status, tc.status, tc.body, body)
		}
	}
	if g.OpsURL == g.URL {
		t.Fatalf("ops listener is the public one: %s", g.URL)
	}
}
