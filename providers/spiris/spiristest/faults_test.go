package spiristest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	srv := Start(t, Options{RateLimit: 5})
	api := newAPI(t, srv)
	for i := 0; i < 5; i++ {
		api.call("GET", "/customers/"+seedID("c"+string(rune('a'+i))), nil, 404, nil) // one endpoint, several URLs
	}
	eb := api.fail("GET", "/customers/"+seedID("other"), nil, 429, CodeRateLimited)
	if !regexp.MustCompile(`^API calls quota exceeded! maximum admitted 5 per Minute\. Try again in (\d+) seconds\.$`).MatchString(eb.DeveloperErrorMessage) {
		t.Fatalf("429 message %q", eb.DeveloperErrorMessage)
	}
	api.call("GET", "/customers", nil, 200, nil) // another endpoint has its own quota

	srv2 := Start(t, Options{})
	api2 := newAPI(t, srv2)
	srv2.ForceRateLimit(2, 7)
	for i := 0; i < 2; i++ {
		eb := api2.fail("GET", "/customers", nil, 429, CodeRateLimited)
		if !strings.HasSuffix(eb.DeveloperErrorMessage, "maximum admitted 600 per Minute. Try again in 7 seconds.") {
			t.Fatalf("forced 429 message %q", eb.DeveloperErrorMessage)
		}
	}
	api2.call("GET", "/customers", nil, 200, nil)
}

func TestFaults(t *testing.T) {
	srv := Start(t, Options{})
	api := newAPI(t, srv)

	srv.FailNext(2)
	api.fail("GET", "/customers", nil, 500, CodeUnexpected)
	api.fail("GET", "/customers", nil, 500, CodeUnexpected)
	api.call("GET", "/customers", nil, 200, nil)

	// A response lost after the write: the client sees an error, the mock
	// holds the voucher, and the client can find it by its text.
	srv.LoseNextResponse("POST", "/v2/vouchers")
	req, _ := http.NewRequest("POST", srv.APIBaseURL()+"/vouchers", strings.NewReader(
		`{"VoucherDate":"`+today()+`","VoucherText":"Dagskassa lost","Rows":[{"AccountNumber":1930,"DebitAmount":5},{"AccountNumber":3001,"CreditAmount":5}]}`))
	req.Header.Set("Authorization", "Bearer "+api.token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("lost response arrived: %d", resp.StatusCode)
	}
	if vs := srv.Vouchers(); len(vs) != 1 || vs[0].VoucherText != "Dagskassa lost" {
		t.Fatalf("vouchers after lost response %+v", vs)
	}
	var p page[Voucher]
	api.call("GET", "/vouchers?$filter=VoucherText%20eq%20'Dagskassa%20lost'", nil, 200, &p)
	if len(p.Data) != 1 {
		t.Fatalf("lookup after lost response: %+v", p)
	}
	reqs := srv.Requests()
	if lost := reqs[len(reqs)-2]; !lost.Lost || lost.Status != 0 || lost.Method != "POST" {
		t.Fatalf("request log %+v", lost)
	}

	// Slow responses.
	srv.InjectFault(Fault{Path: "/v2/customers", Delay: 300 * time.Millisecond})
	api.http = &http.Client{Timeout: 100 * time.Millisecond}
	if status, _ := api.doNoFail("GET", "/customers"); status != 0 {
		t.Fatalf("slow response arrived in time: %d", status)
	}
	api.http = &http.Client{Timeout: 5 * time.Second}
	srv.SetLatency(50 * time.Millisecond)
	start := time.Now()
	api.call("GET", "/customers", nil, 200, nil)
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("latency not applied")
	}
	srv.ClearFaults()

	// Faults on the token endpoint.
	srv.InjectFault(Fault{Path: "/connect/token", Status: 503})
	resp, err := http.PostForm(srv.TokenURL(), map[string][]string{"grant_type": {"refresh_token"}})
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("token fault: %v %v", resp, err)
	}
	resp.Body.Close()
}

// doNoFail is do without failing the test on transport errors (status 0).
func (c *apiClient) doNoFail(method, path string) (int, error) {
	req, _ := http.NewRequest(method, c.srv.APIBaseURL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
