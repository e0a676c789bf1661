package spiristest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var allScopes = []string{"ea:api", "offline_access", "ea:sales", "ea:accounting"}

type apiClient struct {
	t     testing.TB
	srv   *Server
	token string
	http  *http.Client
}

func newAPI(t testing.TB, srv *Server, scopes ...string) *apiClient {
	t.Helper()
	if len(scopes) == 0 {
		scopes = allScopes
	}
	return &apiClient{t: t, srv: srv, token: srv.IssueToken(scopes...).AccessToken, http: &http.Client{Timeout: 10 * time.Second}}
}

// do sends a request to the API and returns the status and body.
func (c *apiClient) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.srv.APIBaseURL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// call sends a request, requires status want and decodes the body into out.
func (c *apiClient) call(method, path string, body any, want int, out any) {
	c.t.Helper()
	status, raw := c.do(method, path, body)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// fail sends a request that must fail with status and ErrorCode.
func (c *apiClient) fail(method, path string, body any, status, code int) ErrorBody {
	c.t.Helper()
	got, raw := c.do(method, path, body)
	var eb ErrorBody
	_ = json.Unmarshal(raw, &eb)
	if got != status || eb.ErrorCode != code {
		c.t.Fatalf("%s %s: got %d/%d, want %d/%d; body %s", method, path, got, eb.ErrorCode, status, code, raw)
	}
	if !uuidRE.MatchString(eb.ErrorId) || eb.DeveloperErrorMessage == "" {
		c.t.Fatalf("%s %s: error body lacks ErrorId or message: %s", method, path, raw)
	}
	return eb
}

type page[T any] struct {
	Meta Meta
	Data []T
}

func customerBody(name string, extra map[string]any) map[string]any {
	b := map[string]any{
		"Name": name, "InvoiceAddress1": "Storgatan 1", "InvoicePostalCode": "11122", "InvoiceCity": "Stockholm",
		"InvoiceCountryCode": "SE", "TermsOfPaymentId": seedID("terms/30"), "IsPrivatePerson": false, "IsActive": true,
	}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func articleBody(number, name, codingKey string, netPrice float64) map[string]any {
	return map[string]any{"Number": number, "Name": name, "CodingId": seedID("coding/" + codingKey),
		"UnitId": seedID("unit/st"), "IsActive": true, "NetPrice": netPrice}
}

func today() string { return time.Now().UTC().Format("2006-01-02") }
