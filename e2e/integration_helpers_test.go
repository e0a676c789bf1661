package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// exportRow is a row of GET /v1/exports.
type exportRow struct {
	LocationID   string `json:"location_id"`
	BusinessDate string `json:"business_date"`
	Status       string `json:"status"`
	Message      string `json:"message"`
	ExternalRef  string `json:"external_ref"`
	ProviderRef  string `json:"provider_ref"`
	Attempts     int    `json:"attempts"`
	Receipts     int    `json:"receipts"`
}

func (r exportRow) key() string { return r.LocationID + " " + r.BusinessDate }

// listExports returns every row of GET /v1/exports in [from, to], by
// "location date".
func listExports(t *testing.T, g *gateway, key, from, to string) map[string]exportRow {
	t.Helper()
	out := map[string]exportRow{}
	cursor := ""
	for {
		var page struct {
			Data       []exportRow `json:"data"`
			NextCursor string      `json:"next_cursor"`
		}
		g.must("GET", "/v1/exports?from="+from+"&to="+to+"&limit=500&cursor="+cursor, key, nil, "", 200).decode(t, &page)
		for _, r := range page.Data {
			out[r.key()] = r
		}
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func countStatus(rows map[string]exportRow, status string) int {
	n := 0
	for _, r := range rows {
		if r.Status == status {
			n++
		}
	}
	return n
}

// waitExported waits until n days in [from, to] are exported, failing the
// test at once if one fails.
func waitExported(t *testing.T, g *gateway, key, from, to string, n int) {
	t.Helper()
	waitFor(t, "exported days", 30*time.Second, func() bool {
		rows := listExports(t, g, key, from, to)
		for _, r := range rows {
			if r.Status == "failed" {
				t.Fatalf("export of %s %s failed: %s", r.LocationID, r.BusinessDate, r.Message)
			}
		}
		return countStatus(rows, "succeeded") == n
	})
}

// activateWithSuggestion saves the suggested mapping of an integration
// whose credentials and settings are in place, and activates it.
func activateWithSuggestion(t *testing.T, g *gateway, admin, id string) {
	t.Helper()
	var sug struct {
		Mapping map[string]any `json:"mapping"`
	}
	g.must("GET", "/v1/integrations/"+id+"/mapping/suggestion", admin, nil, "", 200).decode(t, &sug)
	g.must("PUT", "/v1/integrations/"+id+"/mapping", admin, sug.Mapping, "", 200)
	var intg struct {
		Status string `json:"status"`
	}
	g.must("POST", "/v1/integrations/"+id+"/activate", admin, nil, "", 200).decode(t, &intg)
	if intg.Status != "active" {
		t.Fatalf("integration %s after activate", intg.Status)
	}
}

// addTripletexLiabilityAccounts adds 2910 and 2900 to the Tripletex mock's
// chart through the wizard ("add a new account from the list"): the
// observed default chart lacks them, and without a liability account the
// suggestion leaves tips unmapped.
func addTripletexLiabilityAccounts(t *testing.T, g *gateway, admin, id string) {
	t.Helper()
	g.must("POST", "/v1/integrations/"+id+"/accounts", admin, map[string]any{"number": "2910", "name": "Gjeld til ansatte"}, "", 201)
	g.must("POST", "/v1/integrations/"+id+"/accounts", admin, map[string]any{"number": "2900", "name": "Forskudd fra kunder"}, "", 201)
}

// findCustomer searches customers as the register does and returns the
// id of the one match.
func findCustomer(t *testing.T, g *gateway, key, q string) string {
	t.Helper()
	var found struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	g.must("GET", "/v1/customers?q="+q, key, nil, "", 200).decode(t, &found)
	if len(found.Data) != 1 {
		t.Fatalf("customer search %q: %+v, want one match", q, found.Data)
	}
	return found.Data[0].ID
}

// connectOAuth runs an integration's OAuth2 redirect flow: start, authorize
// in the browser (which stops at the redirect to the gateway's callback),
// the gateway's callback.
func connectOAuth(t *testing.T, g *gateway, key, id string) {
	t.Helper()
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	g.must("POST", "/v1/integrations/"+id+"/oauth/start", key, nil, "", 200).decode(t, &start)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(start.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(callback.String(), g.URL+"/v1/oauth/callback") {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r, err := g.do("GET", callback.RequestURI(), "", nil, ""); err != nil || r.Status >= 400 {
		t.Fatalf("callback: %v %d %s", err, r.Status, r.Body)
	}
}
