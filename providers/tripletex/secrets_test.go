package tripletex

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
	for _, tc := range leaktest.Failures(t, "/v2", echo) {
		t.Run(tc.Name, func(t *testing.T) {
			p, err := New(context.Background(), Options{BaseURL: tc.BaseURL, ConsumerToken: consumer, DataDir: t.TempDir(),
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
			leaktest.NoCredential(t, text, consumer, employee)
			if tc.Name == "unreachable" && (!strings.Contains(text, "PUT /token/session/:create") || !strings.Contains(text, "refused")) {
				t.Errorf("error %q does not say what failed", text)
			}
		})
	}
}
