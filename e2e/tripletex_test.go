package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

// TestTripletexEndToEnd activates a Tripletex integration against the
// Tripletex mock on the real binaries (gateway + tripletex plugin), looks a
// customer up at the register, charges it by invoice, refunds it and
// exports three days of sales. The mock fails the test on any request the
// published OpenAPI document rejects.
func TestTripletexEndToEnd(t *testing.T) {
	mock, g, m := startTripletexGateway(t)
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]

	var intg struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "tripletex", "modes": []string{"invoicing", "bookkeeping"}}, "", 201).decode(t, &intg)
	if r, _ := g.do("PUT", "/v1/integrations/"+intg.ID+"/credentials", admin, map[string]any{"employee_token": "wrong"}, ""); r.Status != 422 {
		t.Errorf("wrong employee token: %d %s, want 422 with Tripletex's message", r.Status, r.Body)
	}
	g.must("PUT", "/v1/integrations/"+intg.ID+"/credentials", admin, map[string]any{"employee_token": mock.EmployeeToken()}, "", 200)
	today := time.Now().In(mustLoadLocation(t, "Europe/Oslo"))
	day := func(back int) string { return today.AddDate(0, 0, -back).Format("2006-01-02") }
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{"export_start_date": day(3), "invoicing_enabled": true}, "", 200)
	// Activating before the mapping lists every missing item at once.
	if r, _ := g.do("POST", "/v1/integrations/"+intg.ID+"/activate", admin, nil, ""); r.Status != 422 ||
		!strings.Contains(string(r.Body), "fallback_payment_account") || !strings.Contains(string(r.Body), "vat_rates.25") {
		t.Errorf("activate without a mapping: %d %s", r.Status, r.Body)
	}
	var sug struct {
		Mapping    map[string]any `json:"mapping"`
		Unresolved []struct {
			Field string `json:"field"`
		} `json:"unresolved"`
	}
	g.must("GET", "/v1/integrations/"+intg.ID+"/mapping/suggestion", admin, nil, "", 200).decode(t, &sug)
	// The default company has no 29xx account for tips and gift cards: the
	// suggestion leaves them to the merchant rather than proposing the VAT
	// settlement account 2740, and rounds on 7790 Øreavrunding.
	var unresolved []string
	for _, u := range sug.Unresolved {
		unresolved = append(unresolved, u.Field)
	}
	events, _ := sug.Mapping["events"].(map[string]any)
	if !slices.Contains(unresolved, "events.tips") || events["tips"] != nil || events["gift_cards"] != nil || events["rounding"] != "7790" {
		t.Errorf("suggestion events %v, unresolved %v: want tips and gift cards unresolved, rounding 7790", events, unresolved)
	}
	// The merchant adds them from the wizard ("add a new account from the
	// list"), through the plugin into Tripletex; the suggestion then finds
	// them. A number already in the chart is refused naming it.
	addTripletexLiabilityAccounts(t, g, admin, intg.ID)
	if r, _ := g.do("POST", "/v1/integrations/"+intg.ID+"/accounts", admin, map[string]any{"number": "2910", "name": "Igjen"}, ""); r.Status != 409 ||
		!strings.Contains(string(r.Body), `"field":"number"`) {
		t.Errorf("adding 2910 again: %d %s, want 409 naming number", r.Status, r.Body)
	}
	// Tripletex locks 3000 to VAT code 3 (25 %): booking 15 % sales there is
	// refused with the chart's reason.
	wrong := map[string]any{}
	for k, v := range sug.Mapping {
		wrong[k] = v
	}
	wrong["vat_rates"] = map[string]any{"25": "3000", "15": "3000"}
	if r, _ := g.do("PUT", "/v1/integrations/"+intg.ID+"/mapping", admin, wrong, ""); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"field":"vat_rates.15"`) || !strings.Contains(string(r.Body), "locked") {
		t.Errorf("15 %% sales on 3000: %d %s, want 422 naming vat_rates.15 with the lock", r.Status, r.Body)
	}
	activateWithSuggestion(t, g, admin, intg.ID)

	customer := findCustomer(t, g, cashier, "fjord")
	var res chargeResult
	g.must("POST", "/v1/charges", cashier, map[string]any{
		"customer_id": customer, "location_id": "bryggen", "receipt_id": "r-1", "reference": "Kari Nordmann",
		"lines": []map[string]any{
			{"description": "Dagens lunsj", "product_group": "food", "quantity": 2, "unit_price": 18900, "vat_rate": "25"},
			{"description": "Kaffe", "product_group": "drinks", "quantity": 2, "unit_price": 4500, "vat_rate": "15", "takeaway": true},
		},
	}, "k-1", 201).decode(t, &res)
	g.must("POST", "/v1/refunds", cashier, map[string]any{"invoice_id": res.Invoice.ID}, "r-1", 201)

	for back := 3; back >= 1; back-- {
		g.must("POST", "/v1/sales", cashier, map[string]any{
			"receipt_id": "rcpt-" + day(back), "location_id": "bryggen", "business_date": day(back),
			"lines":    []map[string]any{{"product_group": "food", "vat_rate": "25", "amount": 37800}, {"product_group": "food", "vat_rate": "15", "takeaway": true, "amount": 11500}},
			"payments": []map[string]any{{"method": "card", "amount": 49300}},
		}, "s-"+day(back), 201)
		g.must("POST", "/v1/locations/bryggen/days/"+day(back)+"/close", cashier, nil, "", 200)
	}
	waitExported(t, g, admin, day(3), day(1), 3)
	if n := len(mock.Invoices()); n != 1 {
		t.Errorf("mock holds %d invoices, want 1", n)
	}
	if n := len(mock.CreditNotes()); n != 1 {
		t.Errorf("mock holds %d credit notes, want 1", n)
	}
	vouchers := mock.ManualVouchers()
	if len(vouchers) != 3 {
		t.Errorf("mock holds %d day vouchers, want 3", len(vouchers))
	}
	for _, v := range vouchers {
		if v.Balance() != 0 {
			t.Errorf("voucher %+v does not balance: %v", v, v.Balance())
		}
	}
}

// TestTripletexDisableAndResume: Tripletex invoicing needs Tripletex
// bookkeeping (seed 002), and a stopped integration (POST
// /v1/integrations/{id}/disable) hands invoicing back to the built-in open
// provider and pauses exports; activated again, the day closed meanwhile
// is booked in Tripletex once.
func TestTripletexDisableAndResume(t *testing.T) {
	mock, g, m := startTripletexGateway(t)
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]
	today := time.Now().In(mustLoadLocation(t, "Europe/Oslo"))
	day := func(back int) string { return today.AddDate(0, 0, -back).Format("2006-01-02") }
	var intg struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		StatusReason string `json:"status_reason"`
	}

	// Invoicing alone is refused, in plain words.
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "tripletex", "modes": []string{"invoicing"}}, "", 201).decode(t, &intg)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/credentials", admin, map[string]any{"employee_token": mock.EmployeeToken()}, "", 200)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{"invoicing_enabled": true}, "", 200)
	if r, _ := g.do("POST", "/v1/integrations/"+intg.ID+"/activate", admin, nil, ""); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"field":"modes"`) || !strings.Contains(string(r.Body), "needs Tripletex for bookkeeping too") {
		t.Errorf("activating Tripletex invoicing alone: %d %s, want 422 naming modes", r.Status, r.Body)
	}

	// Both in one step.
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "tripletex", "modes": []string{"invoicing", "bookkeeping"}}, "", 201).decode(t, &intg)
	id := intg.ID
	g.must("PUT", "/v1/integrations/"+id+"/credentials", admin, map[string]any{"employee_token": mock.EmployeeToken()}, "", 200)
	g.must("PUT", "/v1/integrations/"+id+"/settings", admin, map[string]any{"export_start_date": day(3), "invoicing_enabled": true}, "", 200)
	addTripletexLiabilityAccounts(t, g, admin, id)
	activateWithSuggestion(t, g, admin, id)
	fjord := findCustomer(t, g, cashier, "fjord")
	lines := []map[string]any{{"description": "Kaffe", "product_group": "drinks", "quantity": 1, "unit_price": 4500, "vat_rate": "15"}}
	chargeAs := func(customer, receipt string) string {
		t.Helper()
		var res struct {
			Invoice struct {
				Provider string `json:"provider"`
			} `json:"invoice"`
		}
		g.must("POST", "/v1/charges", cashier, map[string]any{"customer_id": customer, "location_id": "bryggen",
			"receipt_id": receipt, "lines": lines}, "k-"+receipt, 201).decode(t, &res)
		return res.Invoice.Provider
	}
	if p := chargeAs(fjord, "r-1"); p != "tripletex" {
		t.Fatalf("charge while active invoiced by %q", p)
	}
	sale := func(back int) {
		t.Helper()
		g.must("POST", "/v1/sales", cashier, map[string]any{
			"receipt_id": "rcpt-" + day(back), "location_id": "bryggen", "business_date": day(back),
			"lines":    []map[string]any{{"product_group": "food", "vat_rate": "25", "amount": 37800}},
			"payments": []map[string]any{{"method": "card", "amount": 37800}},
		}, "s-"+day(back), 201)
		g.must("POST", "/v1/locations/bryggen/days/"+day(back)+"/close", cashier, nil, "", 200)
	}
	sale(2)
	waitExported(t, g, admin, day(3), day(1), 1)

	// Stopped: invoicing falls back to open, exports wait.
	if r, _ := g.do("POST", "/v1/integrations/"+id+"/disable", m.Keys["accountant"], nil, ""); r.Status != 403 {
		t.Errorf("disable as accountant: %d %s", r.Status, r.Body)
	}
	g.must("POST", "/v1/integrations/"+id+"/disable", admin, nil, "", 200).decode(t, &intg)
	if intg.Status != "disabled" || !strings.Contains(intg.StatusReason, "disabled by an administrator") {
		t.Fatalf("after disable: %+v", intg)
	}
	var local struct {
		ID string `json:"id"`
	}
	g.must("POST", "/v1/customers", cashier, map[string]any{"name": "Bryggen Bakeri AS", "organization_number": "991825827",
		"active": true, "invoicing_enabled": true, "due_days": 14, "billing_address": coretest.Address(core.Norway)}, "", 201).decode(t, &local)
	if p := chargeAs(local.ID, "r-2"); p != "open" {
		t.Fatalf("charge while disabled invoiced by %q, want open", p)
	}
	sale(1)
	time.Sleep(2500 * time.Millisecond) // two scheduler ticks
	if rows := listExports(t, g, admin, day(1), day(1)); rows["bryggen "+day(1)].Status != "not_scheduled" {
		t.Fatalf("day closed while disabled: %+v", rows)
	}
	if n := len(mock.ManualVouchers()); n != 1 {
		t.Fatalf("mock holds %d day vouchers while disabled, want 1", n)
	}

	// Activated again: the waiting day is booked once, invoicing returns.
	g.must("POST", "/v1/integrations/"+id+"/activate", admin, nil, "", 200)
	waitExported(t, g, admin, day(3), day(1), 2)
	if n := len(mock.ManualVouchers()); n != 2 {
		t.Errorf("mock holds %d day vouchers, want 2 (one per day)", n)
	}
	if p := chargeAs(fjord, "r-3"); p != "tripletex" {
		t.Errorf("charge after re-activation invoiced by %q", p)
	}
}

// startTripletexGateway starts the Tripletex mock, holding one customer,
// and a gateway configured for it (exports scheduled every second) with a
// Norwegian merchant created on the command line.
func startTripletexGateway(t *testing.T) (*tripletextest.Server, *gateway, merchant) {
	t.Helper()
	mock := tripletextest.Start(t, tripletextest.Options{})
	mock.AddCustomer(tripletextest.Customer{
		Name: "Fjordbygg AS", OrganizationNumber: "991825827", Email: "faktura@fjordbygg.example", InvoicesDueIn: 14,
	})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("scheduler:\n  interval: 1s\ntripletex:\n  base_url: %s\n  consumer_token: %s\n",
		mock.BaseURL(), mock.ConsumerToken())), 0o600); err != nil {
		t.Fatal(err)
	}
	m := createMerchantIn(t, dir, "Kafé Bryggen AS", core.Norway)
	return mock, startGateway(t, dir, "--config", cfg), m
}
