package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// hostileSegments replace every path parameter: an unknown id, invalid
// UTF-8, traversal, a very long value, SQL/LIKE metacharacters and NUL.
var hostileSegments = []string{
	"cus_doesnotexist",
	"%ff%fe%fd",
	"..%2f..%2fetc%2fpasswd",
	strings.Repeat("a", 5000),
	"%27%3B--%25_",
	"%00",
}

// hostileQueries go with every route: each list and filter parameter of the
// API with values of the wrong kind, out of range, invalid UTF-8 or very
// long.
var hostileQueries = []string{
	"",
	"q=" + variedText(60000),
	"q=%ff%fe", "q=%25%5F%27", "q=%00",
	"limit=-1", "limit=0", "limit=99999999999999999999999", "limit=abc",
	"cursor=AAAA", "cursor=%ff", "cursor=" + strings.Repeat("Q", 4000),
	"from=2026-13-45", "to=yesterday", "from=%ff",
	"sort=total%3Bdrop", "order=sideways", "status=%ff", "location_id=%ff",
	"customer_id=%ff", "date=0000-00-00", "integration_id=%ff",
	"state=%ff&code=%ff", "state=" + strings.Repeat("s", 5000),
}

// hostileBodies go to every route that takes a body: not JSON, the wrong
// JSON kind, deep nesting, invalid UTF-8, NUL and control characters,
// numbers out of every range and fields of the wrong type.
var hostileBodies = []string{
	`not json`,
	`null`,
	`[]`,
	`"x"`,
	`{}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	"{\"name\":\"\xff\xfe\",\"description\":\"\xc3\"}",
	`{"name":"a\u0000b","description":"\u0007","email":"\u0000"}`,
	`{"name":"` + strings.Repeat("n", 1<<20) + `"}`,
	`{"customer_id":"%s","location_id":"l","receipt_id":"r","lines":[{"description":"x","quantity":1e308,"unit_price":9223372036854775807,"vat_rate":"25"}]}`,
	`{"customer_id":"%s","location_id":"l","receipt_id":"r2","lines":[{"description":"x","quantity":-1,"unit_price":-9223372036854775808,"vat_rate":"\u0031\u0032"}]}`,
	`{"customer_id":"%s","location_id":"l","receipt_id":"r3","lines":[{"description":"x","quantity":9223372036854775807,"unit_price":9223372036854775807,"vat_rate":"25"},{"description":"y","quantity":9223372036854775807,"unit_price":9223372036854775807,"vat_rate":"25"}]}`,
	`{"invoice_start_number":9223372036854775807,"start_number":9223372036854775807}`,
	`{"due_days":-2147483649,"amount":1.5,"paid_at":"2026-02-30"}`,
	`{"amount":-9223372036854775808,"paid_at":"2026-01-01","method":"` + "\xff" + `"}`,
	`{"export_start_date":"9999-99-99","invoicing_enabled":"yes"}`,
	`{"payment_methods":{"":""},"vat_rates":{"x":1},"product_groups":{"\u0000":{}}}`,
	`{"receipt_id":"r","location_id":"l","business_date":"2026-01-01","lines":[{"amount":9223372036854775807}],"payments":[{"method":"cash","amount":-9223372036854775808}]}`,
	`{"invoice_id":"%s","lines":[{"line":0,"quantity":0.0000001}]}`,
	`{"name":"k","role":"root"}`,
	`{"provider":"` + "\xff" + `","modes":["everything"]}`,
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestHostileInputsNeverAnswer5xx is the hostile pass as a test: it walks
// every operation of the gateway's own OpenAPI document on the real binary
// (with its plugin processes), as the merchant's admin, with each hostile
// path segment, query and body, and requires an answer below 500 (or 501
// for what a provider does not support) that never echoes an API key. The
// gateway stays up throughout.
func TestHostileInputsNeverAnswer5xx(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every route with every hostile input")
	}
	g, m, customerID := setup(t)
	admin := m.Keys["admin"]
	var ch chargeResult
	g.must("POST", "/v1/charges", admin, charge(customerID, 1), "hostile-seed", 201).decode(t, &ch)

	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	g.must("GET", "/v1/openapi.json", "", nil, "", 200).decode(t, &doc)
	var paths []string
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	hc := &http.Client{Timeout: 30 * time.Second}
	var failures []string
	n := 0
	send := func(method, target, body string) {
		n++
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, g.URL+target, rd)
		if err != nil {
			t.Fatalf("request %s %.80s: %v", method, target, err)
		}
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("hostile-%d", n))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s %.100s: %v", method, target, err))
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
			failures = append(failures, fmt.Sprintf("%s %.100s body %.60q: %d %.200s", method, target, body, resp.StatusCode, b))
		}
		for _, secret := range m.Keys {
			if strings.Contains(string(b), secret) {
				failures = append(failures, fmt.Sprintf("%s %.100s echoes an API key", method, target))
			}
		}
	}
	for _, p := range paths {
		targets := []string{p}
		if pathParam.MatchString(p) {
			targets = nil
			for _, seg := range hostileSegments {
				targets = append(targets, pathParam.ReplaceAllString(p, seg))
			}
		}
		for method := range doc.Paths[p] {
			method = strings.ToUpper(method)
			switch method {
			case "GET", "POST", "PUT", "PATCH", "DELETE":
			default:
				continue
			}
			for _, target := range targets {
				for _, q := range hostileQueries {
					if q == "" {
						send(method, target, "")
					} else {
						send(method, target+"?"+q, "")
					}
				}
				if method == "GET" || method == "DELETE" {
					continue
				}
				for _, b := range hostileBodies {
					if strings.Contains(b, "%s") {
						b = strings.ReplaceAll(b, "%s", customerID)
					}
					send(method, target, b)
				}
			}
		}
	}
	t.Logf("%d hostile requests sent", n)
	if len(failures) > 50 {
		failures = append(failures[:50], fmt.Sprintf("… and %d more", len(failures)-50))
	}
	for _, f := range failures {
		t.Error(f)
	}
	g.must("GET", "/healthz", "", nil, "", 200)
	for _, secret := range m.Keys {
		if strings.Contains(g.logs.String(), secret) {
			t.Errorf("the gateway log holds an API key")
		}
	}
}

// variedText is n letters, query-escaped, in which almost every three-letter run differs,
// so a trigram search sees as many distinct terms as the text allows.
func variedText(n int) string {
	alphabet := []rune("abcdefghijklmnopqrstuvwxyz0123456789åäöæøé")
	out := make([]rune, n)
	x := uint32(2463534242)
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = alphabet[x%uint32(len(alphabet))]
	}
	return url.QueryEscape(string(out))
}
