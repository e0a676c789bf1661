package spiris

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/leaktest"
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
	for _, tc := range leaktest.Failures(t, "/v2", echo) {
		t.Run(tc.Name, func(t *testing.T) {
			p, err := New(context.Background(), Options{APIBaseURL: tc.BaseURL, DataDir: t.TempDir(),
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
			leaktest.NoCredential(t, text, token)
			if strings.Contains(text, "127.0.0.1:") && strings.Contains(text, "http://") {
				t.Errorf("error names the request URL: %s", text)
			}
		})
	}
}
