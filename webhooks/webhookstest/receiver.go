// Package webhookstest is a loopback webhook receiver for tests: it checks
// every delivery's signature as docs/webhooks.md tells receivers to, keeps
// each event once by its id, and can be down (answer 503) for a while.
package webhookstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// Receiver is an httptest server on 127.0.0.1 (plain http, which
// endpoints allow on loopback). Its methods are safe for concurrent use
// with the deliveries it serves.
type Receiver struct {
	// URL is the server's base URL.
	URL   string
	clock func() time.Time

	mu       sync.Mutex
	secret   string
	down     int
	requests int
	refused  []string
	events   []webhooks.Payload
	headers  []http.Header
	seen     map[string]int
}

// Start starts a receiver that checks signatures against clock (the
// sender's clock in tests that move it) with webhooks.DefaultTolerance;
// it stops when t ends.
func Start(t testing.TB, clock func() time.Time) *Receiver {
	r := &Receiver{clock: clock, seen: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// SetSecret sets the endpoint's signing secret the signatures are checked
// with.
func (r *Receiver) SetSecret(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = secret
}

// Down makes the next n requests answer 503.
func (r *Receiver) Down(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = n
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.down > 0 {
		r.down--
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	if err := webhooks.Verify(req.Header.Get(webhooks.SignatureHeader), body, r.secret, 0, r.clock()); err != nil {
		r.refused = append(r.refused, err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p webhooks.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		r.refused = append(r.refused, "body: "+err.Error())
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if r.seen[p.ID]++; r.seen[p.ID] == 1 {
		r.events = append(r.events, p)
		r.headers = append(r.headers, req.Header.Clone())
	}
	w.WriteHeader(http.StatusNoContent)
}

// Events returns the distinct events received, in arrival order, and
// fails t for any delivery it refused (bad signature or body) and any
// event received more than once.
func (r *Receiver) Events(t testing.TB) []webhooks.Payload {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.refused) > 0 {
		t.Errorf("webhookstest: refused deliveries: %v", r.refused)
	}
	for id, n := range r.seen {
		if n > 1 {
			t.Errorf("webhookstest: event %s delivered %d times", id, n)
		}
	}
	return append([]webhooks.Payload(nil), r.events...)
}

// Headers returns the request headers of each event Events returns.
func (r *Receiver) Headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

// Requests counts every request received, refused and failed ones too.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}
