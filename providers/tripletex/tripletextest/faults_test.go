package tripletextest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestFaultServerError(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	bank := accountID(t, srv, 1920)
	srv.FailNext("POST", "/ledger/voucher", 2)
	body := voucher("2026-03-20", posting(1, bank, "10"), posting(2, bank, "-10"))
	for i := 0; i < 2; i++ {
		resp, b := c.raw("POST", "/ledger/voucher", body, true)
		want := `{"status":500,"code":1000,"message":null,"link":"https://tripletex.no/v2-docs/","developerMessage":null,"validationMessages":null,"requestId":"` + resp.Header.Get("x-tlx-request-id") + `"}` + "\n"
		if resp.StatusCode != 500 || string(b) != want {
			t.Fatalf("attempt %d: %d %s", i, resp.StatusCode, b)
		}
	}
	c.mustDo(201, "POST", "/ledger/voucher", body)
	if n := len(srv.ManualVouchers()); n != 1 {
		t.Errorf("%d vouchers after two refused attempts and one success", n)
	}
	// Other paths are unaffected; a concrete path matches too.
	srv.FailNext("GET", "/ledger/account/"+fmt.Sprint(bank), 1)
	c.mustDo(200, "GET", "/ledger/account", nil)
	if code, _ := c.do("GET", fmt.Sprintf("/ledger/account/%d", bank), nil); code != 500 {
		t.Errorf("concrete path fault: %d", code)
	}
}

func TestFaultRateLimit(t *testing.T) {
	tests := []struct {
		name              string
		reset, retryAfter int
		wantReset         string
		wantRetryAfter    string
	}{
		{"without reset header (issue #103)", 0, 0, "", ""},
		{"with reset header", 5, 0, "5", ""},
		{"with Retry-After only", 0, 7, "", "7"},
		{"with both", 3, 4, "3", "4"},
	}
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			srv.RateLimitNext(2, tt.reset, tt.retryAfter)
			for i := 0; i < 2; i++ {
				resp, _ := c.raw("GET", "/token/session/>whoAmI", nil, true)
				if resp.StatusCode != 429 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if got := resp.Header.Get("X-Rate-Limit-Reset"); got != tt.wantReset {
					t.Errorf("X-Rate-Limit-Reset %q, want %q", got, tt.wantReset)
				}
				if got := resp.Header.Get("Retry-After"); got != tt.wantRetryAfter {
					t.Errorf("Retry-After %q, want %q", got, tt.wantRetryAfter)
				}
				if resp.Header.Get("X-Rate-Limit-Remaining") != "0" || resp.Header.Get("x-tlx-request-id") == "" {
					t.Errorf("headers %v", resp.Header)
				}
			}
			c.mustDo(200, "GET", "/token/session/>whoAmI", nil)
		})
	}
}

func TestFaultSlowResponse(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	srv.SlowDown("GET", "/ledger/vatType", 200*time.Millisecond, 1)
	start := time.Now()
	c.mustDo(200, "GET", "/ledger/vatType", nil)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("slow response took %v", d)
	}
	start = time.Now()
	c.mustDo(200, "GET", "/ledger/vatType", nil)
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("second response still slow: %v", d)
	}
	// A client that gives up does not keep the server busy.
	srv.SlowDown("", "", time.Minute, 1)
	hc := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest("GET", srv.BaseURL()+"/ledger/vatType", nil)
	if _, err := hc.Do(req); err == nil {
		t.Errorf("expected a client timeout")
	}
}

// TestFaultLostResponse: the write happens, the answer never arrives; the
// voucher is found by its externalVoucherNumber, so a careful client does
// not post it twice.
func TestFaultLostResponse(t *testing.T) {
	for _, drop := range []bool{true, false} {
		t.Run(fmt.Sprintf("drop=%v", drop), func(t *testing.T) {
			srv := startMock(t, Options{})
			c := newClient(t, srv)
			bank, sales := accountID(t, srv, 1920), accountID(t, srv, 3000)
			srv.LoseResponse("POST", "/ledger/voucher", 1, drop)
			body := voucher("2026-03-20", posting(1, bank, "125"), posting(2, sales, "-125", "vatType", ref(3)))
			body["externalVoucherNumber"] = "pos/x/2026-03-20"
			js, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", srv.BaseURL()+"/ledger/voucher", bytes.NewReader(js))
			req.Header.Set("Content-Type", "application/json")
			req.SetBasicAuth("0", c.token)
			resp, err := http.DefaultClient.Do(req)
			switch {
			case drop && err == nil:
				resp.Body.Close()
				t.Fatalf("expected a dropped connection, got %d", resp.StatusCode)
			case !drop && (err != nil || resp.StatusCode != 500):
				t.Fatalf("expected 500, got %v %v", resp, err)
			}
			if resp != nil {
				resp.Body.Close()
			}
			if n := len(srv.ManualVouchers()); n != 1 {
				t.Fatalf("write not performed: %d vouchers", n)
			}
			env := c.mustDo(200, "GET", "/ledger/voucher/>externalVoucherNumber?externalVoucherNumber=pos%2Fx%2F2026-03-20", nil)
			if num(env["count"]) != "1" {
				t.Errorf("lookup after lost response: %v", env)
			}
			// The log entry of the lost request may land after the lookup's.
			var post *LoggedRequest
			for _, r := range srv.Requests() {
				if r.Method == "POST" && r.Route == "/ledger/voucher" {
					post = &r
				}
			}
			if post == nil || (drop && post.Status != 0) || (!drop && post.Status != 500) || !bytes.Contains(post.Body, []byte("pos/x/2026-03-20")) {
				t.Errorf("request log %+v", post)
			}
		})
	}
}

func TestFaultExpireSession(t *testing.T) {
	srv := startMock(t, Options{Faults: []Fault{{Kind: FaultExpireSession, Method: "PUT", Path: "/order/{id}/:invoice"}}})
	c := newClient(t, srv)
	cust := id(c.mustDo(201, "POST", "/customer", map[string]any{"name": "K"}))
	ord := newOrder(c, cust, line("x", "1", "10", 3))
	if code, m := c.do("PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-20&sendToCustomer=false", id(ord)), nil); code != 401 || num(m["code"]) != "3000" {
		t.Fatalf("expired mid-run: %d %v", code, m)
	}
	if len(srv.Invoices()) != 0 {
		t.Fatalf("invoice created despite 401")
	}
	c.token = c.session("2026-03-21")
	c.mustDo(200, "PUT", fmt.Sprintf("/order/%d/:invoice?invoiceDate=2026-03-20&sendToCustomer=false", id(ord)), nil)
}

func TestFaultUntilCleared(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	srv.Inject(Fault{Kind: FaultServerError, Path: "/ledger/account", Times: -1})
	for i := 0; i < 3; i++ {
		if code, _ := c.do("GET", "/ledger/account", nil); code != 500 {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	srv.ClearFaults()
	c.mustDo(200, "GET", "/ledger/account", nil)
}
