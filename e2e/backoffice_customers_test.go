package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// custMainHas is a JavaScript test that main's text holds s.
func custMainHas(s string) string {
	return "document.querySelector('main').innerText.includes(" + strconv.Quote(s) + ")"
}

// custType replaces an input's value by typing, as a person would.
func custType(b *browser, sel, text string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate("document.querySelector("+strconv.Quote(sel)+").value = ''", nil),
		chromedp.SendKeys(sel, text, chromedp.ByQuery))
}

// custSearch searches the customer list for q and waits for the answer.
func custSearch(b *browser, q string) string {
	b.t.Helper()
	custType(b, "#q", q)
	b.run(chromedp.Click(`search form button[type="submit"]`, chromedp.ByQuery))
	b.waitJS("new URLSearchParams(location.search).get('q') === " + strconv.Quote(q))
	b.run(chromedp.WaitVisible("main h1", chromedp.ByQuery))
	return b.text("main")
}

// TestBackOfficeCustomers: with the demo, a person finds a customer by
// organization number and by name, creates a customer and finds it,
// edits one (choosing its parent company from a search), is told inline
// that a Bankgiro's check digit is wrong, saves valid invoice settings,
// and switches the invoice payment method off.
func TestBackOfficeCustomers(t *testing.T) {
	dir := t.TempDir()
	g := startGateway(t, dir, "--demo")
	email, password := demoUser(t, g)
	b := newBrowser(t, g.URL)
	b.signIn(email, password)

	// Search.
	b.open("/backoffice/customers")
	if s := b.text("main"); !strings.Contains(s, "Byggbolaget i Norden AB") || !strings.Contains(s, "Föreningen Kaffekoppen") {
		t.Fatalf("the customer list lacks the demo customers:\n%s", s)
	}
	b.shoot("customers")
	s := custSearch(b, "556016-0680")
	if !strings.Contains(s, "Byggbolaget i Norden AB") || strings.Contains(s, "Kontorsservice") {
		t.Fatalf("search by organization number:\n%s", s)
	}
	s = custSearch(b, "kontors")
	if !strings.Contains(s, "Kontorsservice Väst AB") || strings.Contains(s, "Byggbolaget") {
		t.Fatalf("search by name:\n%s", s)
	}

	// Create.
	b.run(chromedp.Click(`a[href="/backoffice/customers/new"]`, chromedp.ByQuery), chromedp.WaitVisible("#f-name", chromedp.ByQuery))
	custType(b, "#f-name", "Testbolaget Norr AB")
	custType(b, "#f-organization_number", "556677-8899")
	custType(b, "#f-email", "faktura@norr.example")
	custType(b, "#f-phone", "+46 90 123 45")
	custType(b, `[id="f-billing_address.line1"]`, "Norra vägen 1")
	custType(b, `[id="f-billing_address.postal_code"]`, "903 25")
	custType(b, `[id="f-billing_address.city"]`, "Umeå")
	custType(b, `[id="f-billing_address.country"]`, "SE")
	custType(b, "#f-due_days", "20")
	custType(b, "#f-purchase_instruction", "Fråga efter projektnummer")
	b.shoot("customer-new")
	b.run(chromedp.Click(`#customer-form button[type="submit"]`, chromedp.ByQuery))
	b.waitJS(custMainHas("Kunden är skapad."))
	if s := b.text("main table"); !strings.Contains(s, "Testbolaget Norr AB") || !strings.Contains(s, "5566778899") {
		t.Fatalf("the created customer is not in the list shown after creating:\n%s", s)
	}
	if s := custSearch(b, "testbolaget"); !strings.Contains(s, "Testbolaget Norr AB") {
		t.Fatalf("the created customer is not found by name:\n%s", s)
	}

	// Edit: a new phone number and a parent company chosen by search.
	custSearch(b, "Byggbolaget")
	b.run(chromedp.Click(`//main//table//a[contains(., "Byggbolaget i Norden AB")]`, chromedp.BySearch),
		chromedp.WaitVisible("#f-name", chromedp.ByQuery))
	custType(b, "#f-phone", "+46 8 765 43 21")
	b.run(chromedp.SendKeys("#parent_q", "advokat", chromedp.ByQuery))
	b.waitJS(`document.querySelector('#parent-results').innerText.includes("Advokatbyrån Lind & Co KB")`)
	b.run(chromedp.Click(`#parent-results input[type="radio"]`, chromedp.ByQuery))
	b.shoot("customer-edit")
	b.run(chromedp.Click(`#customer-form button[type="submit"]`, chromedp.ByQuery))
	b.waitJS(custMainHas("Kunden är sparad."))
	var phone string
	b.run(chromedp.Value("#f-phone", &phone, chromedp.ByQuery))
	if phone != "+46 8 765 43 21" {
		t.Fatalf("phone after saving = %q", phone)
	}
	var parentChecked bool
	b.run(chromedp.Evaluate(`[...document.querySelectorAll('input[name="parent_customer_id"]')].some(r => r.checked && r.value !== "" && r.parentElement.innerText.includes("Advokatbyrån"))`, &parentChecked))
	if !parentChecked {
		t.Fatal("the chosen parent company is not shown after saving")
	}

	// Invoice settings: a wrong check digit is reported as it is typed.
	b.open("/backoffice/invoice-settings")
	custType(b, "#f-bankgiro", "5402-9682")
	b.run(chromedp.SendKeys("#f-bankgiro", kb.Tab, chromedp.ByQuery))
	b.run(chromedp.WaitVisible("#e-bankgiro", chromedp.ByQuery))
	if msg := b.text("#e-bankgiro"); !strings.Contains(msg, "Kontrollsiffran stämmer inte") {
		t.Fatalf("beside the bad Bankgiro: %q", msg)
	}
	b.shoot("invoice-settings")
	custType(b, "#f-bankgiro", "5402-9681")
	b.run(chromedp.SendKeys("#f-bankgiro", kb.Tab, chromedp.ByQuery))
	b.run(chromedp.WaitVisible("#c-bankgiro .check-ok", chromedp.ByQuery))
	custType(b, "#f-late_interest_text", "Dröjsmålsränta 10 %.")
	b.run(chromedp.Click(`form.settings-form button[type="submit"]`, chromedp.ByQuery))
	b.waitJS(custMainHas("Fakturainställningarna är sparade."))
	var late string
	b.run(chromedp.Value("#f-late_interest_text", &late, chromedp.ByQuery))
	if late != "Dröjsmålsränta 10 %." {
		t.Fatalf("late interest text after saving = %q", late)
	}

	// Payment methods: switch invoice off.
	b.open("/backoffice/payment-methods")
	b.shoot("payment-methods")
	var i string
	b.run(chromedp.Evaluate(`document.querySelector('input[type="hidden"][value="invoice"]').name.split(".")[1]`, &i))
	b.run(chromedp.Click("#enabled-"+i, chromedp.ByQuery),
		chromedp.Click(`main form button[type="submit"]`, chromedp.ByQuery))
	b.waitJS(custMainHas("Betalsätten är sparade."))
	var on bool
	b.run(chromedp.Evaluate(`document.querySelector("#enabled-`+i+`").checked`, &on))
	if on {
		t.Fatal("invoice shows as enabled after switching it off")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "demo-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var demo struct {
		APIKeys map[string]string `json:"api_keys"`
	}
	if err := json.Unmarshal(raw, &demo); err != nil {
		t.Fatal(err)
	}
	var pm struct {
		PaymentMethods []struct {
			Method  string `json:"method"`
			Enabled bool   `json:"enabled"`
		} `json:"payment_methods"`
	}
	g.must("GET", "/v1/payment-methods", demo.APIKeys["cashier"], nil, "", 200).decode(t, &pm)
	for _, m := range pm.PaymentMethods {
		if m.Method == "invoice" && m.Enabled {
			t.Fatal("the register is still told invoice is enabled")
		}
	}
}
