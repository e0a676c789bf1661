package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestCursorsAreSealed: a next_cursor reveals nothing of the provider's
// position (no customer name, no readable JSON) and opens only for the
// merchant and the query that received it: another merchant, another
// query or another list answers 422 naming cursor.
func TestCursorsAreSealed(t *testing.T) {
	s := newStack(t)
	for _, name := range []string{"Snickeri Ek AB", "Snickeri Björk AB", "Snickeri Alm AB"} {
		s.createCustomer(s.a, `{"name":"`+name+`"}`)
	}
	adminA := s.a.key(core.RoleAdmin)
	r := s.run(t, scenario{name: "first page", method: "GET", path: "/v1/customers?q=snickeri&limit=1", key: adminA, wantStatus: 200})
	var page listBody[core.Customer]
	r.decode(t, &page)
	if page.NextCursor == "" {
		t.Fatal("no next_cursor on a page of one of three")
	}
	cur := page.NextCursor
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		b, err := enc.DecodeString(cur)
		if err != nil {
			continue
		}
		if strings.Contains(strings.ToLower(string(b)), "snickeri") || json.Valid(b) {
			t.Fatalf("cursor %q decodes to readable %q", cur, b)
		}
	}
	if strings.Contains(strings.ToLower(cur), "snickeri") {
		t.Fatalf("cursor %q holds the customer name", cur)
	}
	esc := url.QueryEscape(cur)
	runScenarios(t, s, []scenario{
		{name: "same merchant, same query", method: "GET", path: "/v1/customers?q=snickeri&limit=1&cursor=" + esc, key: adminA,
			wantStatus: 200, wantBody: []string{"Snickeri"}},
		{name: "another limit is the same query", method: "GET", path: "/v1/customers?q=snickeri&limit=5&cursor=" + esc, key: adminA,
			wantStatus: 200},
		{name: "same merchant, another role", method: "GET", path: "/v1/customers?q=snickeri&limit=1&cursor=" + esc, key: s.a.key(core.RoleCashier),
			wantStatus: 200},
		{name: "another merchant", method: "GET", path: "/v1/customers?q=snickeri&limit=1&cursor=" + esc, key: s.b.key(core.RoleAdmin),
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "another query", method: "GET", path: "/v1/customers?q=snick&limit=1&cursor=" + esc, key: adminA,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "no query", method: "GET", path: "/v1/customers?limit=1&cursor=" + esc, key: adminA,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "another list", method: "GET", path: "/v1/invoices?cursor=" + esc, key: adminA,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "tampered", method: "GET", path: "/v1/customers?q=snickeri&limit=1&cursor=" + url.QueryEscape(flipMiddle(cur)), key: adminA,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "respelled (its last character's unused bits)", method: "GET", path: "/v1/customers?q=snickeri&limit=1&cursor=" + url.QueryEscape(respellLast(cur)), key: adminA,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "a provider's raw cursor", method: "GET", path: "/v1/customers?q=snickeri&limit=1&cursor=" +
			core.EncodeCursor(map[string]string{"name": "snickeri alm ab", "id": "x"}), key: adminA,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
	})
}

// flipMiddle changes one character in the middle of a sealed cursor, so
// the ciphertext itself changes (the last character may hold only unused
// padding bits).
func flipMiddle(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// respellLast changes the last character of a sealed cursor by one, which
// may change only padding bits a lenient base64 decoder ignores: the
// cursor must still be refused.
func respellLast(s string) string {
	b := []byte(s)
	if b[len(b)-1] == 'A' {
		b[len(b)-1] = 'B'
	} else {
		b[len(b)-1] = 'A'
	}
	return string(b)
}
