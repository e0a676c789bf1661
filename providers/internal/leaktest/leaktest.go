// Package leaktest serves the providers' tests that no error of an HTTP
// client names a credential, whatever goes wrong with the accounting
// system's API.
package leaktest

import (
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Failure is one way the API fails: Name for t.Run, BaseURL for the client.
type Failure struct {
	Name    string
	BaseURL string
}

// Failures are an API that is not reachable, one that answers 401 and one
// that answers 500 (both with echo(status), which should echo the request
// back as a careless upstream could), and one too slow to answer within a
// client timeout under five seconds; each base URL ends in path (e.g.
// "/v2"). The servers close when t's test ends.
func Failures(t testing.TB, path string, echo func(status int) http.HandlerFunc) []Failure {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + path
	l.Close()
	server := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL + path
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	return []Failure{
		{"unreachable", closed},
		{"401", server(echo(http.StatusUnauthorized))},
		{"500", server(echo(http.StatusInternalServerError))},
		{"timeout", server(slow)},
	}
}

// NoCredential fails t when text carries any of secrets as is,
// query-escaped, path-escaped or in base64.
func NoCredential(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), base64.StdEncoding.EncodeToString([]byte(s))} {
			if strings.Contains(text, form) {
				t.Errorf("error carries %q: %s", form, text)
			}
		}
	}
}
