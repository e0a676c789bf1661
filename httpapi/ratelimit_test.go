package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestFailedAuthLimit: after AuthLimit.Burst wrong keys from one client IP,
// that IP gets 429 rate_limited with Retry-After, even with a valid key
// (otherwise guessing would go on, only answered differently); other IPs
// are unaffected; successful authentications consume nothing; loopback is
// limited too; X-Forwarded-For is ignored unless its sender is a trusted
// proxy.
func TestFailedAuthLimit(t *testing.T) {
	s := newStack(t)
	opts := s.opts
	opts.AuthLimit = AuthLimit{Burst: 3, Refill: time.Hour}
	h := New(s.engine, opts)
	good := s.a.key(core.RoleAdmin)
	send := func(remote, key string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/v1/invoices", nil)
		req.RemoteAddr = remote
		req.Header.Set("Authorization", "Bearer "+key)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	// Successes do not count.
	for range 10 {
		if w := send("203.0.113.9:5000", good, nil); w.Code != 200 {
			t.Fatalf("valid key: %d %s", w.Code, w.Body)
		}
	}
	for i := range 3 {
		if w := send("203.0.113.9:5000", "lb_admin_guess"+strconv.Itoa(i), nil); w.Code != 401 {
			t.Fatalf("guess %d: %d, want 401", i, w.Code)
		}
	}
	w := send("203.0.113.9:6000", "lb_admin_guess4", nil)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("guess past the burst: %d %s, want 429", w.Code, w.Body)
	}
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 3600 {
		t.Errorf("Retry-After %q, want 1..3600 seconds", w.Header().Get("Retry-After"))
	}
	if !strings.Contains(w.Body.String(), `"code":"rate_limited"`) {
		t.Errorf("429 body %s lacks rate_limited", w.Body)
	}
	if w := send("203.0.113.9:6000", good, nil); w.Code != http.StatusTooManyRequests {
		t.Errorf("valid key from a blocked IP: %d, want 429 (else guesses are still tested)", w.Code)
	}
	if w := send("203.0.113.9:6000", "lb_x", map[string]string{"X-Forwarded-For": "198.51.100.1"}); w.Code != http.StatusTooManyRequests {
		t.Errorf("blocked IP escaping with an untrusted X-Forwarded-For: %d, want 429", w.Code)
	}
	if w := send("198.51.100.20:5000", good, nil); w.Code != 200 {
		t.Errorf("another IP is limited too: %d", w.Code)
	}
	// One IPv6 /64 is one client.
	for i := range 3 {
		send("[2001:db8:1:2::"+strconv.Itoa(i+1)+"]:443", "lb_bad", nil)
	}
	if w := send("[2001:db8:1:2::ff]:443", "lb_bad", nil); w.Code != http.StatusTooManyRequests {
		t.Errorf("IPv6 neighbour in the same /64: %d, want 429", w.Code)
	}
	// Loopback is not exempt by default.
	for range 3 {
		send("127.0.0.1:4000", "lb_bad", nil)
	}
	if w := send("127.0.0.1:4000", "lb_bad", nil); w.Code != http.StatusTooManyRequests {
		t.Errorf("loopback: %d, want 429", w.Code)
	}

	// Behind a trusted proxy, the forwarded client is limited, not the proxy.
	opts.TrustedProxies = []string{"10.0.0.0/8"}
	h = New(s.engine, opts)
	for range 3 {
		send("10.1.1.1:1000", "lb_bad", map[string]string{"X-Forwarded-For": "192.0.2.50"})
	}
	if w := send("10.1.1.1:1000", "lb_bad", map[string]string{"X-Forwarded-For": "192.0.2.50"}); w.Code != http.StatusTooManyRequests {
		t.Errorf("forwarded client past the burst: %d, want 429", w.Code)
	}
	if w := send("10.1.1.1:1000", good, map[string]string{"X-Forwarded-For": "192.0.2.51"}); w.Code != 200 {
		t.Errorf("another client through the same proxy: %d, want 200", w.Code)
	}
}
