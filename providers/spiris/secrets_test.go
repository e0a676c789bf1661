package spiris

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

// No error of the client names the access token, whatever goes wrong with
// Spiris: not reachable, 401, 5xx or too slow; the 401 and 5xx answers here
// echo the request's URL and Authorization header back, as a careless
// upstream could.
func TestErrorsCarryNoCredential(t *testing.T) {
	const token = "access+tok/en=SECRET-spiris"
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			text := r.URL.String() + " " + r.Header.Get("Authorization")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"ErrorCode": 0, "DeveloperErrorMessage": text, "ErrorId": "e1",
				"Errors": []map[string]any{{"Field": "Token", "Message": text}}})
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
			p, err := New(context.Background(), Options{APIBaseURL: tc.base, DataDir: t.TempDir(),
				HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			p.backoff = time.Millisecond
			t.Cleanup(func() { p.Close() })
			conn := core.Connection{MerchantID: "m1", Country: core.Sweden, Currency: "SEK",
				Credentials: map[string]string{CredentialAccessToken: token}}
			err = p.VerifyConnection(context.Background(), conn)
			if err == nil {
				t.Fatal("VerifyConnection succeeded")
			}
			text := err.Error()
			for _, form := range []string{token, url.QueryEscape(token), url.PathEscape(token), base64.StdEncoding.EncodeToString([]byte(token))} {
				if strings.Contains(text, form) {
					t.Errorf("error carries %q: %s", form, text)
				}
			}
			if strings.Contains(text, "127.0.0.1:") && strings.Contains(text, "http://") {
				t.Errorf("error names the request URL: %s", text)
			}
		})
	}
}
