package tripletex

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// No error of the client names a credential, whatever goes wrong with
// Tripletex: not reachable, 401, 5xx or too slow. Session creation puts
// both tokens in the URL's query (as Tripletex requires), and the 401 and
// 5xx answers here echo the whole request back, as a careless upstream
// could.
func TestErrorsCarryNoCredential(t *testing.T) {
	const consumer, employee = "consumer+tok/en=SECRET-1", "employee+tok/en=SECRET-2"
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			text := r.URL.String() + " " + r.Header.Get("Authorization") + " " + r.URL.Query().Get("consumerToken")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"status": status, "message": text, "developerMessage": text,
				"validationMessages": []map[string]any{{"field": "employeeToken", "message": text}}})
		}
	}
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + "/v2"
	}
	server := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL + "/v2"
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	for _, tc := range []struct {
		name string
		base string
	}{
		{"unreachable", closed()},
		{"401", server(echo(http.StatusUnauthorized))},
		{"500", server(echo(http.StatusInternalServerError))},
		{"timeout", server(slow)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(context.Background(), Options{BaseURL: tc.base, ConsumerToken: consumer, DataDir: t.TempDir(),
				HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
			conn := core.Connection{MerchantID: "m1", Country: core.Norway, Currency: "NOK",
				Credentials: map[string]string{FieldEmployeeToken: employee}}
			err = p.VerifyConnection(context.Background(), conn)
			if err == nil {
				t.Fatal("VerifyConnection succeeded")
			}
			text := err.Error()
			for _, s := range []string{consumer, employee} {
				for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), base64.StdEncoding.EncodeToString([]byte(s))} {
					if strings.Contains(text, form) {
						t.Errorf("error carries %q: %s", form, text)
					}
				}
			}
			if tc.name == "unreachable" && (!strings.Contains(text, "PUT /token/session/:create") || !strings.Contains(text, "refused")) {
				t.Errorf("error %q does not say what failed", text)
			}
		})
	}
}
