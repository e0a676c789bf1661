package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// middlewareRouter is a router with the production middleware and test
// routes that fail in chosen ways; it needs no engine.
func middlewareRouter(t *testing.T) (*gin.Engine, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	r := newRouter(nil, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	s := &server{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	r.GET("/test/panic", func(c *gin.Context) { panic("boom: secret=hunter2") })
	r.GET("/test/internal", func(c *gin.Context) {
		s.writeError(c, errors.New("open /var/lib/ledgerbridge/x.db: permission denied"))
	})
	r.GET("/test/rate", func(c *gin.Context) {
		s.writeError(c, &core.Error{Code: core.CodeRateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond})
	})
	r.GET("/test/provider", func(c *gin.Context) {
		s.writeError(c, &core.Error{Code: core.CodeProviderError, Message: "Tripletex: Kunden finnes ikke",
			Fields: []core.FieldError{{Field: "customer_id", Message: "Kunden finnes ikke"}}})
	})
	return r, &logs
}

func TestServerMiddleware(t *testing.T) {
	r, logs := middlewareRouter(t)
	tests := []struct {
		name        string
		path        string
		reqID       string
		wantStatus  int
		wantBody    []string
		notBody     []string
		wantHeaders map[string]string
		wantLog     []string
	}{
		{
			name: "panic becomes 500 internal without its text", path: "/test/panic", reqID: "req-panic-1",
			wantStatus: 500, wantBody: []string{`"code":"internal"`, "req-panic-1"}, notBody: []string{"hunter2", "boom"},
			wantLog: []string{`"msg":"handler panic"`, "hunter2", `"status":500`},
		},
		{
			name: "internal error text is logged, not answered", path: "/test/internal",
			wantStatus: 500, wantBody: []string{`"code":"internal"`}, notBody: []string{"/var/lib", "permission"},
			wantLog: []string{`"msg":"internal error"`, "permission denied"},
		},
		{
			name: "rate limit sets Retry-After rounded up", path: "/test/rate",
			wantStatus: 429, wantBody: []string{`"code":"rate_limited"`, `"message":"slow down"`},
			wantHeaders: map[string]string{"Retry-After": "2"},
		},
		{
			name: "provider message and fields are carried", path: "/test/provider",
			wantStatus: 502, wantBody: []string{`"code":"provider_error"`, "Kunden finnes ikke", `"field":"customer_id"`},
		},
		{
			name: "unknown route is a 404 envelope", path: "/v2/nothing",
			wantStatus: 404, wantBody: []string{`{"error":{"code":"not_found"`},
		},
		{
			name: "healthz needs no key", path: "/healthz", reqID: "abc",
			wantStatus: 200, wantBody: []string{`{"status":"ok"}`}, wantHeaders: map[string]string{"X-Request-Id": "abc"},
			wantLog: []string{`"method":"GET"`, `"path":"/healthz"`, `"status":200`, `"request_id":"abc"`, `"duration"`},
		},
		{
			name: "request id with spaces is replaced", path: "/healthz", reqID: "a b\x01",
			wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			req := httptest.NewRequest("GET", tt.path, nil)
			if tt.reqID != "" {
				req.Header.Set("X-Request-Id", tt.reqID)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			body := w.Body.String()
			for _, s := range tt.wantBody {
				if !strings.Contains(body, s) {
					t.Errorf("body %s lacks %q", body, s)
				}
			}
			for _, s := range tt.notBody {
				if strings.Contains(body, s) {
					t.Errorf("body %s leaks %q", body, s)
				}
			}
			for k, v := range tt.wantHeaders {
				if got := w.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			id := w.Header().Get("X-Request-Id")
			if id == "" || !saneRequestID(id) || (tt.reqID != "" && saneRequestID(tt.reqID) && id != tt.reqID) {
				t.Errorf("X-Request-Id %q (sent %q)", id, tt.reqID)
			}
			if w.Code >= 400 {
				var env struct {
					Error struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
					t.Errorf("not an error envelope: %s", body)
				}
			}
			for _, s := range tt.wantLog {
				if !strings.Contains(logs.String(), s) {
					t.Errorf("log %s lacks %q", logs, s)
				}
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"Bearer lb_admin_x", "lb_admin_x", true},
		{"bearer  lb_admin_x ", "lb_admin_x", true},
		{"Basic dXNlcjpwYXNz", "", false},
		{"Bearer", "", false},
		{"Bearer   ", "", false},
		{"", "", false},
		{"lb_admin_x", "", false},
	}
	for _, tt := range tests {
		got, ok := bearerToken(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNilLoggerDiscards(t *testing.T) {
	r := newRouter(nil, Options{})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
}

// TestErrorAnswersAreRedacted: Options.Redactor cleans every error answer,
// the gateway's own included: here the 404 that echoes its path.
func TestErrorAnswersAreRedacted(t *testing.T) {
	const secret = "consumer-token-Xy72Qp"
	h := New(nil, Options{Redactor: core.NewRedactor(secret)})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/v2/"+secret, nil))
	if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), secret) || !strings.Contains(w.Body.String(), core.Redacted) {
		t.Fatalf("404 echoing a known secret: %d %s", w.Code, w.Body)
	}
}
