package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// evalAsync evaluates a JavaScript promise in the page into out.
func (b *browser) evalAsync(js string, out any) {
	b.t.Helper()
	b.run(chromedp.Evaluate(js, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
}

// TestBackOfficeExports: in the demo, a day sold at a VAT rate the SIE
// mapping lacks (removed through the API) fails its export; the grid shows
// it red with the reason; the merchant fixes the mapping in the SIE
// integration's wizard (the VAT rates step, opened from the Integrations
// page), which the API then reads; back on the exports page the day is
// re-run from its cell, the page follows the run and shows it booked
// (green); the SIE file of the range downloads from the page.
func TestBackOfficeExports(t *testing.T) {
	g := startGateway(t, t.TempDir(), "--demo")
	email, password := demoUser(t, g)
	demo := readDemoKeys(t, g)
	admin, cashier := demo.APIKeys["admin"], demo.APIKeys["cashier"]
	today := time.Now().In(mustLoadLocation(t, "Europe/Stockholm")).Format("2006-01-02")

	// The demo's first export run books its 60 days; then its SIE
	// bookkeeping loses the 0 % sales account.
	waitFor(t, "the demo's days to be booked", 30*time.Second, func() bool {
		var days struct {
			Data []struct{ Status string } `json:"data"`
		}
		g.must("GET", "/v1/exports?limit=100", admin, nil, "", 200).decode(t, &days)
		n := 0
		for _, d := range days.Data {
			if d.Status == "succeeded" {
				n++
			}
		}
		return n == 60
	})
	var list struct {
		Data []struct {
			ID       string `json:"id"`
			Provider string `json:"provider"`
		} `json:"data"`
	}
	g.must("GET", "/v1/integrations", admin, nil, "", 200).decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Provider != "sie" {
		t.Fatalf("demo integrations: %+v", list.Data)
	}
	intg := list.Data[0].ID
	var mapping map[string]any
	g.must("GET", "/v1/integrations/"+intg+"/mapping", admin, nil, "", 200).decode(t, &mapping)
	delete(mapping, "saved")
	rates := mapping["vat_rates"].(map[string]any)
	zero, _ := rates["0"].(string)
	if zero == "" {
		t.Fatalf("the demo mapping has no 0 %% sales account: %v", rates)
	}
	delete(rates, "0")
	g.must("PUT", "/v1/integrations/"+intg+"/mapping", admin, mapping, "", 200)

	// Today at stockholm-city: newspapers at 0 %, then the day is closed.
	sale := map[string]any{"receipt_id": "paper-1", "location_id": "stockholm-city", "business_date": today,
		"lines":    []map[string]any{{"product_group": "newspapers", "vat_rate": "0", "takeaway": true, "amount": 3900}},
		"payments": []map[string]any{{"method": "card", "amount": 3900}}}
	g.must("POST", "/v1/sales", cashier, sale, "paper-1", 201)
	g.must("POST", "/v1/locations/stockholm-city/days/"+today+"/close", cashier, nil, "", 200)
	waitFor(t, "today's export to fail", 30*time.Second, func() bool {
		var days struct {
			Data []struct{ Status string } `json:"data"`
		}
		g.must("GET", "/v1/exports?from="+today+"&to="+today+"&location_id=stockholm-city", admin, nil, "", 200).decode(t, &days)
		return len(days.Data) == 1 && days.Data[0].Status == "failed"
	})

	b := newBrowser(t, g.URL)
	b.signIn(email, password)
	b.run(chromedp.Click(`nav.mainnav a[href="/backoffice/exports"]`, chromedp.ByQuery),
		chromedp.WaitVisible("table.export-grid", chromedp.ByQuery))
	if h := b.text("main h1"); h != "Export" {
		t.Fatalf("heading %q", h)
	}
	// Today is the last column; stockholm-city's cell is red and says so.
	cell := `//tr[th[normalize-space()="stockholm-city"]]/td[last()]/button`
	var class, word string
	b.run(chromedp.AttributeValue(cell, "class", &class, nil, chromedp.BySearch),
		chromedp.Text(cell, &word, chromedp.BySearch))
	if !strings.Contains(class, "st-failed") || strings.TrimSpace(word) != "Fel" {
		t.Fatalf("today's stockholm-city cell is %q %q, want the failed red cell", class, word)
	}
	if n := b.count(`table.export-grid button.st-succeeded`); n < 26 {
		t.Errorf("%d booked cells in the last 14 days, want the demo's 26", n)
	}
	if s := b.text(".failed-list"); !strings.Contains(s, "vat_rates.0") || !strings.Contains(s, "stockholm-city") {
		t.Errorf("the failed days list does not give the reason:\n%s", s)
	}
	b.shoot("exports")

	// The cell's detail tells why.
	b.run(chromedp.Click(cell, chromedp.BySearch), chromedp.WaitVisible(`.day-detail:popover-open`, chromedp.ByQuery))
	if s := b.text(`.day-detail:popover-open`); !strings.Contains(s, "vat_rates.0") || !strings.Contains(s, "newspapers") {
		t.Fatalf("the day's detail does not say why it failed:\n%s", s)
	}
	b.shoot("exports-detail")

	// Fix the mapping in the SIE integration's wizard: from the
	// Integrations page to its VAT rates step, where the 0 % row is only a
	// suggestion (0 % is not required to activate, so the step itself
	// reads done); the account entered and saved.
	b.run(chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(`.day-detail:popover-open`, chromedp.ByQuery),
		chromedp.Click(`nav.mainnav a[href="/backoffice/integrations"]`, chromedp.ByQuery),
		chromedp.WaitVisible(".int-list", chromedp.ByQuery))
	b.clickAndWait(`.int-list a.int-name[href="/backoffice/integrations/`+intg+`"]`, ".wizard-progress")
	zeroInput := `input[name="vat_rates.0"]`
	b.clickAndWait(`.steps a[href$="?step=vat_rates"]`, zeroInput)
	if s := b.text(`td:has(> ` + zeroInput + `)`); !strings.Contains(s, "förslag") {
		t.Errorf("the 0 %% sales account is not shown as a mere suggestion: %q", s)
	}
	b.typeInto(zeroInput, zero)
	b.waitJS(`(() => { const i = document.querySelector('input[name="vat_rates.0"]'); const td = i && i.closest('td');
		return !!td && !td.classList.contains('invalid') && td.querySelector('.account-name').textContent.trim() !== ""; })()`)
	// The account's name reads below its input, not over its edge.
	var below bool
	b.run(chromedp.Evaluate(`(() => { const i = document.querySelector('input[name="vat_rates.0"]');
		return i.nextElementSibling.getBoundingClientRect().top >= i.getBoundingClientRect().bottom; })()`, &below))
	if !below {
		t.Error("the account's name overlaps its input")
	}
	b.shoot("exports-fix-vat-rates")
	b.clickAndWaitJS(saveAndContinue, flashIs("Sparat."))
	if loc := b.location(); !strings.Contains(loc, "step=product_groups") {
		t.Errorf("after saving the VAT rates the wizard is at %s", loc)
	}
	var fixed struct {
		VATRates map[string]string `json:"vat_rates"`
	}
	g.must("GET", "/v1/integrations/"+intg+"/mapping", admin, nil, "", 200).decode(t, &fixed)
	if fixed.VATRates["0"] != zero {
		t.Fatalf("the 0 %% sales account through the API after the wizard: %q, want %q", fixed.VATRates["0"], zero)
	}

	// Back on the exports page the day is re-run from its cell.
	b.run(chromedp.Click(`nav.mainnav a[href="/backoffice/exports"]`, chromedp.ByQuery),
		chromedp.WaitVisible("table.export-grid", chromedp.ByQuery),
		chromedp.Click(cell, chromedp.BySearch), chromedp.WaitVisible(`.day-detail:popover-open`, chromedp.ByQuery))
	b.run(chromedp.Click(`.day-detail:popover-open form.rerun-day button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.run-progress, .run-result`, chromedp.ByQuery))
	if s := b.text("main .notice.ok"); !strings.Contains(s, "Exporten är startad") {
		t.Errorf("the page does not say the run started: %q", s)
	}
	b.run(chromedp.WaitVisible(`.run-result`, chromedp.ByQuery))
	if s := b.text(".run-result"); !strings.Contains(s, "0 misslyckade") {
		t.Errorf("the run's result: %q", s)
	}
	b.run(chromedp.AttributeValue(cell, "class", &class, nil, chromedp.BySearch),
		chromedp.Text(cell, &word, chromedp.BySearch))
	if !strings.Contains(class, "st-succeeded") || strings.TrimSpace(word) != "OK" {
		t.Fatalf("after the re-run the cell is %q %q, want booked (green)", class, word)
	}
	if n := b.count(".failed-list"); n != 0 {
		t.Error("the failed days list is still shown")
	}
	b.shoot("exports-result")

	// The SIE file of the range, downloaded with the page's own form.
	var got struct {
		Status     int
		Type, Name string
		Body       string
	}
	b.evalAsync(`(async () => {
		const f = document.querySelector("form.sie-form");
		const r = await fetch(f.action + "?" + new URLSearchParams(new FormData(f)));
		return {Status: r.status, Type: r.headers.get("content-type"), Name: r.headers.get("content-disposition"), Body: await r.text()};
	})()`, &got)
	from := time.Now().In(mustLoadLocation(t, "Europe/Stockholm")).AddDate(0, 0, -13).Format("2006-01-02")
	if got.Status != 200 || got.Type != "text/plain; charset=IBM437" || got.Name != `attachment; filename="ledgerbridge-`+from+"-"+today+`.si"` {
		t.Fatalf("SIE download: %d %q %q", got.Status, got.Type, got.Name)
	}
	if !strings.HasPrefix(got.Body, "#FLAGGA 0") || !strings.Contains(got.Body, strings.ReplaceAll(today, "-", "")) || strings.Count(got.Body, "#VER ") != 27 {
		t.Errorf("the SIE file is not the range's 27 vouchers with today's:\n%.2000s", got.Body)
	}
}

// count is how many elements match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll(`+jsString(sel)+`).length`, &n))
	return n
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// TestBackOfficeAPIKeysAndUsers: an admin creates an API key and sees its
// secret once, revokes it and the key answers 401; invites a user, whose
// link, opened in a fresh browser, lets them choose a password and sign in.
func TestBackOfficeAPIKeysAndUsers(t *testing.T) {
	g := startGateway(t, t.TempDir(), "--demo")
	email, password := demoUser(t, g)
	b := newBrowser(t, g.URL)
	b.signIn(email, password)

	b.run(chromedp.Click(`nav.mainnav a[href="/backoffice/api-keys"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/backoffice/api-keys"]`, chromedp.ByQuery))
	if s := b.text("main table"); !strings.Contains(s, "initial cashier") {
		t.Fatalf("the demo's keys are not listed:\n%s", s)
	}
	b.shoot("api-keys")
	b.run(chromedp.SendKeys("#f-name", "Kassa 3", chromedp.ByQuery),
		chromedp.SetValue("#f-role", "cashier", chromedp.ByQuery),
		chromedp.Click(`form[action="/backoffice/api-keys"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#secret", chromedp.ByQuery))
	var secret string
	b.run(chromedp.Value("#secret", &secret, chromedp.ByQuery))
	if !strings.HasPrefix(secret, "lb_cashier_") {
		t.Fatalf("the shown secret is %q", secret)
	}
	b.shoot("api-key-created")
	g.must("GET", "/v1/payment-methods", secret, nil, "", 200)
	b.run(chromedp.Click(`.secret-once a[href="/backoffice/api-keys"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#secret", chromedp.ByQuery))
	var html string
	b.run(chromedp.OuterHTML("html", &html, chromedp.ByQuery))
	if strings.Contains(html, secret) {
		t.Fatal("the secret is shown again")
	}
	row := `//tr[td[1][normalize-space()="Kassa 3"]]`
	b.run(chromedp.Click(row+`//button[@type="submit"]`, chromedp.BySearch),
		chromedp.WaitVisible(`main .notice.ok`, chromedp.ByQuery))
	if s := b.text(`main .notice.ok`); !strings.Contains(s, "återkallad") {
		t.Errorf("revoking says %q", s)
	}
	var status string
	b.run(chromedp.Text(row+"/td[5]", &status, chromedp.BySearch))
	if !strings.Contains(status, "Återkallad") {
		t.Errorf("the key's status reads %q", status)
	}
	g.must("GET", "/v1/payment-methods", secret, nil, "", 401)

	// Users: invite one, who accepts in a fresh browser and signs in.
	b.run(chromedp.Click(`nav.mainnav a[href="/backoffice/users"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/backoffice/users"]`, chromedp.ByQuery))
	if s := b.text("main table"); !strings.Contains(s, email) {
		t.Fatalf("the users list lacks the demo admin:\n%s", s)
	}
	b.shoot("users")
	const invitee = "lisa@demokafe.example"
	b.run(chromedp.SendKeys("#f-email", invitee, chromedp.ByQuery),
		chromedp.SetValue("#f-role", "accountant", chromedp.ByQuery),
		chromedp.Click(`form[action="/backoffice/users"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#invite-link", chromedp.ByQuery))
	var link string
	b.run(chromedp.Value("#invite-link", &link, chromedp.ByQuery))
	if !strings.HasPrefix(link, g.URL+"/backoffice/invite/") {
		t.Fatalf("the invitation link %q is not a full URL on %s", link, g.URL)
	}
	if s := b.text(".secret-once"); !strings.Contains(s, "7 dagar") {
		t.Errorf("the invitation does not say it expires in 7 days:\n%s", s)
	}
	b.shoot("user-invited")

	fresh := newBrowser(t, g.URL)
	const newPassword = "kaffe och kanelbulle"
	fresh.run(chromedp.Navigate(link), chromedp.WaitVisible("#f-password", chromedp.ByQuery),
		chromedp.SendKeys("#f-password", newPassword, chromedp.ByQuery),
		chromedp.SendKeys("#f-password_again", newPassword, chromedp.ByQuery),
		chromedp.Click(`main form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("nav.mainnav", chromedp.ByQuery))
	if s := fresh.text(".account summary"); !strings.Contains(s, invitee) {
		t.Fatalf("after accepting, signed in as %q", s)
	}
	fresh.run(chromedp.Click(".account summary", chromedp.ByQuery),
		chromedp.Click(`form[action="/backoffice/logout"] button`, chromedp.ByQuery),
		chromedp.WaitVisible("#f-email", chromedp.ByQuery))
	fresh.signIn(invitee, newPassword)
	if s := fresh.text(".account summary"); !strings.Contains(s, invitee) || !strings.Contains(s, "redovisning") {
		t.Fatalf("signed in as %q, want the invitee as accountant", s)
	}
	b.open("/backoffice/users")
	if s := b.text("main table"); !strings.Contains(s, invitee) || strings.Contains(s, "Inbjuden") {
		t.Errorf("the users list does not show the invitee as active:\n%s", s)
	}
}
