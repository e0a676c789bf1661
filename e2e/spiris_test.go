package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func strPtr(s string) *string { return &s }

// TestSpirisEndToEnd connects a merchant to the Spiris mock through the
// full OAuth2 redirect flow on the real binaries, charges a Spiris customer
// by invoice at the register, refunds it, and exports three days of sales.
// The mock fails the test if any request breaks the published API document.
func TestSpirisEndToEnd(t *testing.T) {
	mock := spiristest.Start(t, spiristest.Options{})
	mock.AddCustomer(spiristest.Customer{
		Name: "Byggbolaget i Norden AB", CorporateIdentityNumber: strPtr("556016-0680"),
		InvoicePostalCode: "111 22", InvoiceCity: "Stockholm", EmailAddress: strPtr("faktura@bygg.example"), IsActive: true,
	})
	dir := t.TempDir()
	addr := freeLoopbackAddr(t)
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`scheduler:
  interval: 1s
oauth:
  redirect_url: http://%s/v1/oauth/callback
spiris:
  api_url: %s
  authorize_url: %s
  token_url: %s
  client_id: %s
  client_secret: %s
`, addr, mock.APIBaseURL(), mock.AuthorizeURL(), mock.TokenURL(), mock.ClientID(), mock.ClientSecret())), 0o600)
	m := createMerchant(t, dir, "Kafé Linnea AB", 1)
	g := startGatewayAt(t, dir, addr, "--config", cfg)
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]

	// Activate: both modes, OAuth2 redirect flow, start date, mapping.
	var intg struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "spiris", "modes": []string{"invoicing", "bookkeeping"}}, "", 201).decode(t, &intg)
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	g.must("POST", "/v1/integrations/"+intg.ID+"/oauth/start", admin, nil, "", 200).decode(t, &start)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(start.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(callback.String(), "http://"+addr+"/v1/oauth/callback") {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r, err := g.do("GET", callback.RequestURI(), "", nil, ""); err != nil || r.Status >= 400 {
		t.Fatalf("callback: %v %d %s", err, r.Status, r.Body)
	}
	today := time.Now().In(mustLoadLocation(t, "Europe/Stockholm"))
	day := func(back int) string { return today.AddDate(0, 0, -back).Format("2006-01-02") }
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{
		"export_start_date": day(3), "invoicing_enabled": true,
	}, "", 200)
	var sug struct {
		Mapping map[string]any `json:"mapping"`
	}
	g.must("GET", "/v1/integrations/"+intg.ID+"/mapping/suggestion", admin, nil, "", 200).decode(t, &sug)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/mapping", admin, sug.Mapping, "", 200)
	g.must("POST", "/v1/integrations/"+intg.ID+"/activate", admin, nil, "", 200).decode(t, &intg)
	if intg.Status != "active" {
		t.Fatalf("integration %s", intg.Status)
	}

	// The register finds the Spiris customer and charges it by invoice.
	var found struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	g.must("GET", "/v1/customers?q=5560160680", cashier, nil, "", 200).decode(t, &found)
	if len(found.Data) != 1 {
		t.Fatalf("customer search: %+v", found)
	}
	var res chargeResult
	g.must("POST", "/v1/charges", cashier, charge(found.Data[0].ID, 1), "k-1", 201).decode(t, &res)
	g.must("POST", "/v1/refunds", cashier, map[string]any{"invoice_id": res.Invoice.ID}, "r-1", 201)

	// Three days of sales, closed; the export engine books one voucher each.
	for back := 3; back >= 1; back-- {
		g.must("POST", "/v1/sales", cashier, map[string]any{
			"receipt_id": "rcpt-" + day(back), "location_id": "store-1", "business_date": day(back),
			"lines":    []map[string]any{{"product_group": "food", "vat_rate": "12", "amount": 25900}, {"product_group": "drinks", "vat_rate": "6", "takeaway": true, "amount": 7000}},
			"payments": []map[string]any{{"method": "card", "amount": 32900}},
		}, "s-"+day(back), 201)
		g.must("POST", "/v1/locations/store-1/days/"+day(back)+"/close", cashier, nil, "", 200)
	}
	var exports struct {
		Data []struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"data"`
	}
	waitFor(t, "three exported days", 30*time.Second, func() bool {
		g.must("GET", "/v1/exports?from="+day(3)+"&to="+day(1), admin, nil, "", 200).decode(t, &exports)
		n := 0
		for _, d := range exports.Data {
			if d.Status == "succeeded" {
				n++
			}
		}
		return n == 3
	})

	invoices, credits := 0, 0
	for _, inv := range mock.Invoices() {
		if inv.IsCreditInvoice {
			credits++
		} else {
			invoices++
		}
	}
	if invoices != 1 || credits != 1 {
		t.Errorf("mock holds %d invoices and %d credit invoices, want 1 and 1", invoices, credits)
	}
	var dayVouchers int
	for _, v := range mock.Vouchers() {
		if !strings.Contains(v.VoucherText, "ledgerbridge:") {
			continue
		}
		dayVouchers++
		var sum int64
		for _, r := range v.Rows {
			sum += r.DebitAmount.Cents() - r.CreditAmount.Cents()
		}
		if sum != 0 {
			t.Errorf("voucher %q does not balance: %d", v.VoucherText, sum)
		}
	}
	if dayVouchers != 3 {
		t.Errorf("mock holds %d day vouchers, want 3", dayVouchers)
	}
}
