package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// recordingObserver remembers every report as "method route status" or
// "replay route".
type recordingObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recordingObserver) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if elapsed < 0 {
		o.events = append(o.events, "negative duration")
	}
	o.events = append(o.events, fmt.Sprintf("%s %s %d", method, route, status))
}

func (o *recordingObserver) IdempotentReplay(route string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, "replay "+route)
}

// TestObserveLabelsByRouteTemplate: requests are reported under their
// route's template, never the raw path; unknown paths and methods fall into
// one label value each; replays are reported; a panic is reported as 500.
func TestObserveLabelsByRouteTemplate(t *testing.T) {
	obs := &recordingObserver{}
	r := newRouter(nil, Options{Metrics: obs})
	r.GET("/test/items/:id", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.POST("/test/items/:id", func(c *gin.Context) {
		c.Header(headerReplayed, "true")
		c.Status(http.StatusCreated)
	})
	r.GET("/test/panic", func(*gin.Context) { panic("boom") })
	tests := []struct {
		method, path string
		want         []string
	}{
		{"GET", "/test/items/inv_123", []string{"GET /test/items/:id 200"}},
		{"POST", "/test/items/inv_456", []string{"POST /test/items/:id 201", "replay /test/items/:id"}},
		{"GET", "/no/such/path/secret-token", []string{"GET unmatched 404"}},
		{"BREW", "/test/items/x", []string{"OTHER unmatched 405"}},
		{"GET", "/test/panic", []string{"GET /test/panic 500"}},
		{"GET", "/healthz", []string{"GET /healthz 200"}},
	}
	for _, tt := range tests {
		obs.mu.Lock()
		obs.events = nil
		obs.mu.Unlock()
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, tt.path, nil))
		obs.mu.Lock()
		got := obs.events
		obs.mu.Unlock()
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %s: reported %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
