package tripletextest

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSessionCreate(t *testing.T) {
	srv := startMock(t, Options{AllowSpecViolations: true})
	c := &client{t: t, srv: srv}
	tests := []struct {
		name      string
		query     url.Values
		status    int
		wantField string
		wantMsg   string
	}{
		{"valid", url.Values{"consumerToken": {DefaultConsumerToken}, "employeeToken": {DefaultEmployeeToken}, "expirationDate": {"2026-04-20"}}, 200, "", ""},
		{"unknown consumer token", url.Values{"consumerToken": {"prod-token"}, "employeeToken": {DefaultEmployeeToken}, "expirationDate": {"2026-04-20"}}, 422, "arg:consumerToken", "The consumer token is invalid or does not exist."},
		{"unknown employee token", url.Values{"consumerToken": {DefaultConsumerToken}, "employeeToken": {"nope"}, "expirationDate": {"2026-04-20"}}, 422, "arg:employeeToken", msgBadEmployee},
		{"expiration today", url.Values{"consumerToken": {DefaultConsumerToken}, "employeeToken": {DefaultEmployeeToken}, "expirationDate": {"2026-03-20"}}, 422, "arg:expirationDate", msgExpirationDate},
		{"expiration not a date", url.Values{"consumerToken": {DefaultConsumerToken}, "employeeToken": {DefaultEmployeeToken}, "expirationDate": {"tomorrow"}}, 422, "arg:expirationDate", msgBadDate},
		{"missing required parameter", url.Values{"consumerToken": {DefaultConsumerToken}, "employeeToken": {DefaultEmployeeToken}}, 422, "expirationDate", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			resp, body := c.raw("PUT", "/token/session/:create?"+tt.query.Encode(), nil, false)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var e apiErrorJSON
			_ = json.Unmarshal(body, &e)
			if tt.status == 200 {
				if !strings.Contains(string(body), `"token":"`) || !strings.Contains(string(body), `"expirationDate":"2026-04-20"`) {
					t.Errorf("body %s lacks token/expirationDate", body)
				}
				return
			}
			if e.Code != 18000 && e.Code != 21000 {
				t.Errorf("code %d", e.Code)
			}
			if len(e.ValidationMessages) == 0 || e.ValidationMessages[0].Field == nil || *e.ValidationMessages[0].Field != tt.wantField {
				t.Fatalf("validationMessages %s, want field %s", body, tt.wantField)
			}
			if tt.wantMsg != "" && e.ValidationMessages[0].Message != tt.wantMsg {
				t.Errorf("message %q, want %q", e.ValidationMessages[0].Message, tt.wantMsg)
			}
		})
	}
	if v := srv.TakeSpecViolations(); len(v) != 1 || !strings.Contains(v[0].Reason, "expirationDate") {
		t.Errorf("violations %v, want one for the missing expirationDate", v)
	}
}

// apiErrorJSON decodes an error body keeping nulls visible.
type apiErrorJSON struct {
	Status             int                 `json:"status"`
	Code               int                 `json:"code"`
	Message            *string             `json:"message"`
	Link               string              `json:"link"`
	DeveloperMessage   *string             `json:"developerMessage"`
	ValidationMessages []validationMessage `json:"validationMessages"`
	RequestID          string              `json:"requestId"`
}

func TestUnauthorizedBody(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	resp, body := c.raw("GET", "/token/session/>whoAmI", nil, false)
	if resp.StatusCode != 401 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rid := resp.Header.Get("x-tlx-request-id")
	want := `{"status":401,"code":3000,"message":"Unauthorized","link":"https://www.tripletex.no/tripletex-api-2-0/","developerMessage":null,"validationMessages":null,"requestId":"` + rid + `"}` + "\n"
	if string(body) != want {
		t.Errorf("401 body\n got %s\nwant %s", body, want)
	}

	c.user = "ola@example.no"
	resp, body = c.raw("GET", "/token/session/>whoAmI", nil, true)
	if resp.StatusCode != 401 || !strings.Contains(string(body), `"developerMessage":"Authorization header has invalid username: ola@example.no. Should be a customer id or 0 for default. The expected format is base64encoded(\u003c\u003ccompanyId\u003e\u003e:\u003c\u003csessionToken\u003e\u003e)"`) {
		t.Errorf("bad username: %d %s", resp.StatusCode, body)
	}
	for _, user := range []string{"0", "", strconvI(srv.CompanyID())} {
		c.user = user
		if code, m := c.do("GET", "/token/session/>whoAmI", nil); code != 200 || m["value"].(map[string]any)["companyId"] == nil {
			t.Errorf("username %q: %d %v", user, code, m)
		}
	}
}

func strconvI(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestSessionExpiresAtOsloMidnight(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv) // expires 2026-03-21
	tests := []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 3, 20, 23, 59, 59, 0, oslo), 200},
		{time.Date(2026, 3, 20, 22, 59, 59, 0, time.UTC), 200}, // 23:59:59 in Oslo (CET)
		{time.Date(2026, 3, 20, 23, 0, 0, 0, time.UTC), 401},   // 00:00 Oslo on the expiration date
		{time.Date(2026, 3, 21, 0, 0, 0, 0, oslo), 401},
		{time.Date(2026, 3, 22, 9, 0, 0, 0, oslo), 401},
	}
	for _, tt := range tests {
		srv.SetClock(func() time.Time { return tt.now })
		if code, _ := c.do("GET", "/token/session/>whoAmI", nil); code != tt.want {
			t.Errorf("at %s: status %d, want %d", tt.now, code, tt.want)
		}
	}
}

func TestSessionRevocation(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	c.mustDo(200, "GET", "/token/session/>whoAmI", nil)
	srv.ExpireSessions()
	if code, _ := c.do("GET", "/token/session/>whoAmI", nil); code != 401 {
		t.Fatalf("after ExpireSessions: %d", code)
	}
	c.token = c.session("2026-03-25")
	c.mustDo(200, "GET", "/token/session/>whoAmI", nil)
	// DELETE /token/session/{token} invalidates it (%3E and > are one path).
	resp, _ := c.raw("DELETE", "/token/session/"+c.token, nil, true)
	if resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if code, _ := c.do("GET", "/token/session/%3EwhoAmI", nil); code != 401 {
		t.Fatalf("after delete: %d", code)
	}
	if srv.SessionsCreated() != 2 {
		t.Errorf("SessionsCreated = %d", srv.SessionsCreated())
	}
}
