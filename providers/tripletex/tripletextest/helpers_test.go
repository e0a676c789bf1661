package tripletextest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fixedNow is noon in Oslo on a weekday; tests that need time to pass use
// SetClock.
var fixedNow = time.Date(2026, 3, 20, 12, 0, 0, 0, oslo)

func startMock(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	return Start(t, opts)
}

// client is a bare Tripletex client for the tests.
type client struct {
	t     *testing.T
	srv   *Server
	token string
	user  string
}

func newClient(t *testing.T, srv *Server) *client {
	c := &client{t: t, srv: srv, user: "0"}
	c.token = c.session("2026-03-21")
	return c
}

// session creates a session expiring on exp and returns its token.
func (c *client) session(exp string) string {
	c.t.Helper()
	q := url.Values{"consumerToken": {c.srv.ConsumerToken()}, "employeeToken": {c.srv.EmployeeToken()}, "expirationDate": {exp}}
	resp, body := c.raw("PUT", "/token/session/:create?"+q.Encode(), nil, false)
	if resp.StatusCode != 200 {
		c.t.Fatalf("session create: %d %s", resp.StatusCode, body)
	}
	var v struct {
		Value struct{ Token string } `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Value.Token == "" {
		c.t.Fatalf("session create: %v %s", err, body)
	}
	return v.Value.Token
}

// raw sends a request below /v2 and returns the response and its body.
func (c *client) raw(method, path string, body any, auth bool) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.srv.BaseURL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		// The document declares "application/json; charset=utf-8"; plain
		// "application/json" must be accepted too, as the real API does.
		ct := "application/json; charset=utf-8"
		if _, ok := body.(string); ok {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if auth {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.token)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, b
}

// do sends an authenticated request and decodes the JSON answer.
func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	resp, b := c.raw(method, path, body, true)
	var m map[string]any
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			c.t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, m
}

// mustDo is do that fails the test unless the status is want; it returns
// the envelope's value (single objects) or the whole envelope (lists).
func (c *client) mustDo(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	code, m := c.do(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s: status %d, want %d: %v", method, path, code, want, m)
	}
	if v, ok := m["value"].(map[string]any); ok {
		return v
	}
	return m
}

func id(m map[string]any) int64 {
	n, _ := m["id"].(json.Number).Int64()
	return n
}

func ref(id int64) map[string]any { return map[string]any{"id": id} }

func num(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// messages flattens an error body's validationMessages to "field: message".
func messages(m map[string]any) []string {
	var out []string
	vms, _ := m["validationMessages"].([]any)
	for _, x := range vms {
		v := x.(map[string]any)
		f, _ := v["field"].(string)
		out = append(out, f+": "+v["message"].(string))
	}
	return out
}

func accountID(t *testing.T, srv *Server, number int) int64 {
	t.Helper()
	a, ok := srv.Account(number)
	if !ok {
		t.Fatalf("no account %d", number)
	}
	return a.ID
}
