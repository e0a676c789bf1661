package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// invCustomerID finds a demo customer's id by name through the API.
func invCustomerID(t *testing.T, g *gateway, key, name string) string {
	t.Helper()
	var page struct {
		Data []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	g.must("GET", "/v1/customers?"+url.Values{"q": {name}}.Encode(), key, nil, "", 200).decode(t, &page)
	for _, c := range page.Data {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no demo customer %q in %+v", name, page.Data)
	return ""
}

// invClickTo clicks sel (a link or a submit button) and waits for the page
// it leads to show waitSel: the page clicked on is marked first, so an
// element it already had does not count.
func invClickTo(b *browser, sel string, by chromedp.QueryOption, waitSel string) {
	b.t.Helper()
	b.run(
		chromedp.Evaluate(`document.body.dataset.invLeft = "1"`, nil),
		chromedp.Click(sel, by),
		chromedp.WaitVisible(`body:not([data-inv-left]) `+waitSel, chromedp.ByQuery),
	)
}

// invStatus is the text of the invoice page's status badge.
func invStatus(b *browser) string {
	b.t.Helper()
	return strings.TrimSpace(b.text("#invoice-status"))
}

// TestBackOfficeInvoices: a register charge made through the API is found
// in the list by customer, opened with its PDF inline, and paid (the green
// "Betald (date)" label); a draft is created from the form and posted, then
// voided; the orders page shows the collective customer's next invoice.
func TestBackOfficeInvoices(t *testing.T) {
	g := startGateway(t, t.TempDir(), "--demo")
	email, password := demoUser(t, g)
	keys := readDemoKeys(t, g).APIKeys
	kontor := invCustomerID(t, g, keys["admin"], "Kontorsservice Väst AB")
	lind := invCustomerID(t, g, keys["admin"], "Advokatbyrån Lind & Co KB")
	var res chargeResult
	g.must("POST", "/v1/charges", keys["cashier"], charge(kontor, 9101), "inv-e2e-1", 201).decode(t, &res)
	if res.Status != "invoiced" || res.Invoice.Number == 0 {
		t.Fatalf("charge = %+v", res)
	}
	number := fmt.Sprint(res.Invoice.Number)
	g.must("POST", "/v1/charges", keys["cashier"], charge(lind, 9102), "inv-e2e-2", 201) // an order

	b := newBrowser(t, g.URL)
	b.signIn(email, password)

	// The list, filtered by the customer's name.
	b.open("/backoffice/invoices")
	b.run(chromedp.SendKeys("#f-customer", "Kontorsservice", chromedp.ByQuery))
	invClickTo(b, `form[role=search] button[type=submit]`, chromedp.ByQuery, "table.invoice-list tbody tr")
	rows := b.text("table.invoice-list tbody")
	if !strings.Contains(rows, number) || !strings.Contains(rows, "Kontorsservice Väst AB") || strings.Contains(rows, "Byggbolaget") {
		t.Fatalf("the list filtered by Kontorsservice shows:\n%s", rows)
	}
	if v := b.text(`th[aria-sort="ascending"]`); !strings.Contains(v, "Nummer") {
		t.Fatalf("the sorted column is %q", v)
	}
	b.shoot("invoices")
	// Sort by total, descending: a click on the header twice.
	invClickTo(b, `//th/a[contains(., "Belopp")]`, chromedp.BySearch, `th[aria-sort="ascending"]`)
	if v := b.text(`th[aria-sort="ascending"]`); !strings.Contains(v, "Belopp") {
		t.Fatalf("after sorting by amount the sorted column is %q", v)
	}
	invClickTo(b, `//th/a[contains(., "Belopp")]`, chromedp.BySearch, `th[aria-sort="descending"]`)
	if !strings.Contains(b.location(), "customer=Kontorsservice") || !strings.Contains(b.text("table.invoice-list tbody"), number) {
		t.Fatalf("sorting lost the customer filter: %s", b.location())
	}

	// The invoice, its PDF inline.
	invClickTo(b, fmt.Sprintf(`//table//a[normalize-space(.)=%q]`, number), chromedp.BySearch, "iframe.pdf")
	if h := b.text("main h2"); h != "Faktura "+number {
		t.Fatalf("invoice heading %q", h)
	}
	var pdf string
	b.run(chromedp.Evaluate(`fetch(document.querySelector("iframe.pdf").src).then(r => r.status + " " + r.headers.get("content-type"))`, &pdf,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if pdf != "200 application/pdf" {
		t.Fatalf("the inline PDF answers %q", pdf)
	}
	if s := invStatus(b); s != "Obetald" {
		t.Fatalf("status before payment %q", s)
	}
	b.shoot("invoice-detail")

	// Record the payment (the whole amount, today).
	invClickTo(b, `#payment button[type=submit]`, chromedp.ByQuery, "#invoice-status .badge.ok")
	today := time.Now().In(stockholm(t)).Format("2006-01-02")
	if s := invStatus(b); s != "Betald ("+today+")" {
		t.Fatalf("after the payment the status reads %q", s)
	}
	if s := b.text(".notice.ok"); !strings.Contains(s, "Betalningen är registrerad") {
		t.Fatalf("after the payment the page says %q", s)
	}
	var colour string
	b.run(chromedp.Evaluate(`getComputedStyle(document.querySelector("#invoice-status .badge")).backgroundColor`, &colour))
	if colour != "rgb(220, 242, 225)" { // .badge.ok: green
		t.Fatalf("the paid label's colour is %s", colour)
	}

	// A draft from the form, then posted.
	b.open("/backoffice/invoices/new")
	b.run(
		chromedp.SetValue("#f-customer_id", kontor, chromedp.ByQuery),
		chromedp.SendKeys("#f-reference", "Eva Ek", chromedp.ByQuery),
		chromedp.SendKeys("#l0-description", "Konferensfika", chromedp.ByQuery),
		chromedp.SendKeys("#l0-product_group", "food", chromedp.ByQuery),
		chromedp.Clear("#l0-quantity", chromedp.ByQuery),
		chromedp.SendKeys("#l0-quantity", "12", chromedp.ByQuery),
		chromedp.SendKeys("#l0-unit_price", "45,50", chromedp.ByQuery),
		chromedp.SetValue("#l0-vat_rate", "12", chromedp.ByQuery),
	)
	b.shoot("invoice-new")
	invClickTo(b, `button[name=then][value=save]`, chromedp.ByQuery, ".notice.ok")
	if s := invStatus(b); s != "Utkast" {
		t.Fatalf("the saved draft's status is %q", s)
	}
	if s := b.text("main"); !strings.Contains(s, "Konferensfika") || !strings.Contains(s, "546,00") {
		t.Fatalf("the draft page shows:\n%s", s)
	}
	invClickTo(b, `form[action$="/post"] button`, chromedp.ByQuery, ".notice.ok")
	if s := invStatus(b); s != "Obetald" {
		t.Fatalf("the posted invoice's status is %q", s)
	}
	if h := b.text("main h2"); !strings.HasPrefix(h, "Faktura 1") {
		t.Fatalf("the posted invoice's heading is %q", h)
	}

	// Void it (the confirm is accepted).
	invClickTo(b, `form[action$="/void"] button`, chromedp.ByQuery, ".notice.ok")
	if s := invStatus(b); s != "Makulerad" {
		t.Fatalf("the voided invoice's status is %q", s)
	}
	if s := b.text("main"); !strings.Contains(s, "Kreditfaktura") {
		t.Fatalf("the voided invoice names no credit invoice:\n%s", s)
	}

	// The orders page: Lind's order waits for its collective invoice.
	b.open("/backoffice/orders")
	if s := b.text("main"); !strings.Contains(s, "Advokatbyrån Lind & Co KB") || !strings.Contains(s, "den 25 varje månad") {
		t.Fatalf("the orders page shows:\n%s", s)
	}
	b.shoot("orders")
}

func stockholm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
