package e2e

import (
	"fmt"
	"net"
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
// Then the merchant revokes the consent in Spiris (every refresh token
// revoked, access tokens expired early): the gateway finds out on its next
// call, the integration becomes needs_reauth, today's export waits (pending,
// not failed) and charges answer 503 saying to reconnect; after the OAuth2
// flow is run again the export is booked and charging works, with nothing
// lost or doubled. The mock fails the test if any request breaks the
// published API document.
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
	connectOAuth(t, g, admin, intg.ID)
	today := time.Now().In(mustLoadLocation(t, "Europe/Stockholm"))
	day := func(back int) string { return today.AddDate(0, 0, -back).Format("2006-01-02") }
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{
		"export_start_date": day(3), "invoicing_enabled": true,
	}, "", 200)
	activateWithSuggestion(t, g, admin, intg.ID)

	// The register finds the Spiris customer and charges it by invoice.
	customer := findCustomer(t, g, cashier, "5560160680")
	// Shelf prices Spiris prices otherwise than the register (it derives
	// net row prices and rounds the total to whole kronor): the register
	// would say 106,64, Spiris invoices 106,65 + 0,35 rounding. The pro
	// forma invoice the register prints carries Spiris's amounts.
	body := charge(customer, 1)
	body["lines"].([]map[string]any)[0]["unit_price"] = 3333
	body["lines"].([]map[string]any)[1]["unit_price"] = 1999
	var res struct {
		chargeResult
		Invoice struct {
			invoice
			VATTotal int64 `json:"vat_total"`
			Rounding int64 `json:"rounding"`
		} `json:"invoice"`
		Receipt struct{ Title, Text string } `json:"receipt"`
	}
	g.must("POST", "/v1/charges", cashier, body, "k-1", 201).decode(t, &res)
	res.chargeResult.Invoice = res.Invoice.invoice
	if res.Invoice.Total+res.Invoice.Rounding != 10700 || res.Receipt.Title != "PROFORMAFAKTURA" ||
		!strings.Contains(res.Receipt.Text, "Totalt SEK                          107,00") ||
		!strings.Contains(res.Receipt.Text, "Varav moms 12 %                      11,43") ||
		!strings.Contains(res.Receipt.Text, "Fakturan skickas") {
		t.Errorf("invoice total %d + rounding %d; pro forma:\n%s\n%s", res.Invoice.Total, res.Invoice.Rounding, res.Receipt.Title, res.Receipt.Text)
	}
	g.must("POST", "/v1/refunds", cashier, map[string]any{"invoice_id": res.chargeResult.Invoice.ID}, "r-1", 201)

	// Three days of sales, closed; the export engine books one voucher each.
	sellAndClose := func(back int) {
		t.Helper()
		g.must("POST", "/v1/sales", cashier, map[string]any{
			"receipt_id": "rcpt-" + day(back), "location_id": "store-1", "business_date": day(back),
			"lines":    []map[string]any{{"product_group": "food", "vat_rate": "12", "amount": 25900}, {"product_group": "drinks", "vat_rate": "6", "takeaway": true, "amount": 7000}},
			"payments": []map[string]any{{"method": "card", "amount": 32900}},
		}, "s-"+day(back), 201)
		g.must("POST", "/v1/locations/store-1/days/"+day(back)+"/close", cashier, nil, "", 200)
	}
	for back := 3; back >= 1; back-- {
		sellAndClose(back)
	}
	waitExported(t, g, admin, day(3), day(1), 3)
	var exports struct {
		Data []exportRow `json:"data"`
	}

	assertMockHolds(t, mock, 1, 1, 3)

	// The merchant revokes the consent in Spiris: no refresh token works
	// any more and the access tokens the gateway holds are refused although
	// it believes them valid for most of an hour.
	mock.RevokeAllRefreshTokens()
	mock.ExpireAccessTokens()
	sellAndClose(0)
	var todays struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	waitFor(t, "today's export to pause", 30*time.Second, func() bool {
		g.must("GET", "/v1/exports?from="+day(0)+"&to="+day(0), admin, nil, "", 200).decode(t, &exports)
		if len(exports.Data) != 1 {
			t.Fatalf("exports of today: %+v", exports.Data)
		}
		todays.Status, todays.Message = exports.Data[0].Status, exports.Data[0].Message
		if todays.Status == "failed" || todays.Status == "succeeded" {
			t.Fatalf("today's export %s while the consent is revoked: %s", todays.Status, todays.Message)
		}
		return todays.Status == "pending" && strings.Contains(todays.Message, "re-authorised")
	})
	r, err := g.do("POST", "/v1/charges", cashier, charge(customer, 2), "k-2")
	if err != nil || r.Status != 503 || !strings.Contains(string(r.Body), "re-authorised in BackOffice") {
		t.Fatalf("charge while the consent is revoked: %v %d %s", err, r.Status, r.Body)
	}
	var reauth struct {
		Status       string `json:"status"`
		StatusReason string `json:"status_reason"`
	}
	g.must("GET", "/v1/integrations/"+intg.ID, admin, nil, "", 200).decode(t, &reauth)
	if reauth.Status != "needs_reauth" || !strings.Contains(reauth.StatusReason, "invalid_grant") {
		t.Fatalf("integration %s: %q, want needs_reauth", reauth.Status, reauth.StatusReason)
	}
	// Still paused a few export runs later.
	time.Sleep(2500 * time.Millisecond)
	g.must("GET", "/v1/exports?from="+day(0)+"&to="+day(0), admin, nil, "", 200).decode(t, &exports)
	if len(exports.Data) != 1 || exports.Data[0].Status != "pending" {
		t.Fatalf("today's export while needs_reauth: %+v", exports.Data)
	}

	// An administrator reconnects Spiris: the paused work resumes.
	connectOAuth(t, g, admin, intg.ID)
	reauth.Status, reauth.StatusReason = "", ""
	g.must("GET", "/v1/integrations/"+intg.ID, admin, nil, "", 200).decode(t, &reauth)
	if reauth.Status != "active" || reauth.StatusReason != "" {
		t.Fatalf("integration after reconnecting: %s %q", reauth.Status, reauth.StatusReason)
	}
	waitFor(t, "today's export after reconnecting", 30*time.Second, func() bool {
		g.must("GET", "/v1/exports?from="+day(0)+"&to="+day(0), admin, nil, "", 200).decode(t, &exports)
		if len(exports.Data) == 1 && exports.Data[0].Status == "failed" {
			t.Fatalf("today's export failed after reconnecting: %s", exports.Data[0].Message)
		}
		return len(exports.Data) == 1 && exports.Data[0].Status == "succeeded"
	})
	g.must("POST", "/v1/charges", cashier, charge(customer, 2), "k-2", 201)
	assertMockHolds(t, mock, 2, 1, 4)
}

// assertMockHolds checks the invoices, credit invoices and balanced day
// vouchers (those the gateway's exports booked) the Spiris mock holds.
func assertMockHolds(t *testing.T, mock *spiristest.Server, wantInvoices, wantCredits, wantDayVouchers int) {
	t.Helper()
	invoices, credits := 0, 0
	for _, inv := range mock.Invoices() {
		if inv.IsCreditInvoice {
			credits++
		} else {
			invoices++
		}
	}
	if invoices != wantInvoices || credits != wantCredits {
		t.Errorf("mock holds %d invoices and %d credit invoices, want %d and %d", invoices, credits, wantInvoices, wantCredits)
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
	if dayVouchers != wantDayVouchers {
		t.Errorf("mock holds %d day vouchers, want %d", dayVouchers, wantDayVouchers)
	}
}
