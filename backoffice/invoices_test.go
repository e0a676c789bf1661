package backoffice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// customer creates an invoice customer of merchant A.
func (s *stack) invCustomer(name string, collective core.CollectiveInvoicing) core.Customer {
	s.t.Helper()
	c, err := s.engine.CreateCustomer(context.Background(), s.admin(), core.Customer{
		Name: name, Email: strings.ToLower(strings.Fields(name)[0]) + "@example.com",
		Active: true, InvoicingEnabled: true, DueDays: 30, CollectiveInvoicing: collective,
		BillingAddress: core.Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "SE"},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// charge invoices customer for one line of price minor units (incl. 25 %
// VAT) through the engine, as the register does.
func (s *stack) invCharge(customer core.Customer, receipt string, price int64) core.ChargeResult {
	s.t.Helper()
	res, _, err := s.engine.Charge(context.Background(), s.admin(), "key-"+receipt, core.ChargeRequest{
		CustomerID: customer.ID, LocationID: "loc-1", ReceiptID: receipt, Reference: "Anna",
		Lines: []core.LineInput{
			{Description: "Smörgåstårta", ProductGroup: "food", Quantity: decimal.NewFromInt(2), UnitPrice: price / 2, VATRate: decimal.NewFromInt(12)},
		},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return res
}

// invSettings completes merchant A's invoice settings (the PDF needs them).
func (s *stack) invSettings() {
	s.t.Helper()
	_, err := s.engine.UpdateInvoiceSettings(context.Background(), s.admin(), core.InvoiceSettings{
		StartNumber: 1001, PaymentReferenceText: "Ange OCR-numret.", Bankgiro: "5402-9681", FTaxApproved: true,
		Company: core.Company{Name: "Kafé Alfa AB", OrganizationNumber: "5561034249", VATNumber: "SE556103424901",
			Address: core.Address{Line1: "Drottninggatan 12", PostalCode: "111 51", City: "Stockholm", Country: "SE"},
			Email:   "faktura@alfa.example"},
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) invInvoice(id string) core.Invoice {
	s.t.Helper()
	inv, err := s.engine.GetInvoice(context.Background(), s.admin(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return inv
}

func invToday() string { return string(core.DateOf(time.Now().In(core.Sweden.Location()))) }

var invPaymentKey = regexp.MustCompile(`action="/backoffice/invoices/[^"]+/payments">\s*<input type="hidden" name="csrf_token" value="[^"]*">\s*<input type="hidden" name="idempotency_key" value="([^"]+)">`)

// rowsOf returns the invoice numbers of a list page, in order.
func invRows(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td><a href="/backoffice/invoices/[^"]+">([^<]+)</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestInvoiceList: filters by status, date and customer name (one match
// filters, several offer choices, none is a field error); every column
// sorts both ways with aria-sort; the cursor pages.
func TestInvoiceList(t *testing.T) {
	s := newStack(t)
	alfa := s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{})
	beta := s.invCustomer("Beta Bygg AB", core.CollectiveInvoicing{})
	for i := range 3 {
		s.invCharge(alfa, fmt.Sprintf("a%d", i), int64(10000*(i+1)))
	}
	s.invCharge(beta, "b0", 5000)
	c := s.signedIn("admin@a.example")

	a := c.must("/backoffice/invoices", http.StatusOK)
	if got := invRows(a.body); strings.Join(got, ",") != "1001,1002,1003,1004" {
		t.Fatalf("list = %v", got)
	}
	if !strings.Contains(a.body, `aria-sort="ascending"`) || !strings.Contains(a.body, "Obetald") {
		t.Fatalf("list lacks the sort mark or the status text:\n%s", a.body)
	}
	// Sorting: by total descending puts Alfa's 300 kr first.
	a = c.must("/backoffice/invoices?sort=total&order=desc", http.StatusOK)
	if got := invRows(a.body); strings.Join(got, ",") != "1003,1002,1001,1004" {
		t.Fatalf("by total desc = %v", got)
	}
	if !strings.Contains(a.body, `aria-sort="descending"><a href="/backoffice/invoices?sort=total"`) {
		t.Fatalf("the sorted header does not toggle to ascending:\n%s", a.body)
	}
	for _, col := range core.InvoiceSortColumns {
		for _, order := range []string{"asc", "desc"} {
			if got := invRows(c.must("/backoffice/invoices?sort="+col+"&order="+order, http.StatusOK).body); len(got) != 4 {
				t.Errorf("sort %s %s lists %v", col, order, got)
			}
		}
	}
	// Customer by name: one match filters.
	a = c.must("/backoffice/invoices?customer=beta", http.StatusOK)
	if got := invRows(a.body); strings.Join(got, ",") != "1004" {
		t.Fatalf("customer=beta lists %v", got)
	}
	// Several match: choices, no list.
	a = c.must("/backoffice/invoices?customer=bygg", http.StatusOK)
	if !strings.Contains(a.body, "Flera kunder matchar") || len(invRows(a.body)) != 0 {
		t.Fatalf("customer=bygg:\n%s", a.body)
	}
	choice := regexp.MustCompile(`<li><a href="([^"]+)">Alfa Bygg AB</a>`).FindStringSubmatch(a.body)
	if choice == nil {
		t.Fatalf("no choice for Alfa:\n%s", a.body)
	}
	a = c.must(strings.ReplaceAll(choice[1], "&amp;", "&"), http.StatusOK)
	if got := invRows(a.body); strings.Join(got, ",") != "1001,1002,1003" {
		t.Fatalf("chosen Alfa lists %v", got)
	}
	// None: 422 naming the field.
	a = c.must("/backoffice/invoices?customer=gamma", http.StatusUnprocessableEntity)
	if !strings.Contains(a.body, `id="e-customer"`) {
		t.Fatalf("unknown customer:\n%s", a.body)
	}
	// Status and dates.
	if got := invRows(c.must("/backoffice/invoices?status=paid", http.StatusOK).body); len(got) != 0 {
		t.Fatalf("status=paid lists %v", got)
	}
	if got := invRows(c.must("/backoffice/invoices?from="+invToday()+"&to="+invToday(), http.StatusOK).body); len(got) != 4 {
		t.Fatalf("today's invoices: %v", got)
	}
	if got := invRows(c.must("/backoffice/invoices?to=2000-01-01", http.StatusOK).body); len(got) != 0 {
		t.Fatalf("invoices before 2000: %v", got)
	}
	a = c.must("/backoffice/invoices?from=yesterday&status=lost", http.StatusUnprocessableEntity)
	if !strings.Contains(a.body, `id="e-from"`) || !strings.Contains(a.body, `id="e-status"`) {
		t.Fatalf("bad filter:\n%s", a.body)
	}
	a = c.must("/backoffice/invoices?from=2026-03-02&to=2026-03-01", http.StatusUnprocessableEntity)
	if !strings.Contains(a.body, `id="e-to"`) {
		t.Fatalf("to before from:\n%s", a.body)
	}
}

// TestInvoiceListPaging: 55 invoices page by the engine's cursor, 50 and 5,
// with Next page and First page.
func TestInvoiceListPaging(t *testing.T) {
	s := newStack(t)
	alfa := s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{})
	for i := range invoicePageSize + 5 {
		s.invCharge(alfa, fmt.Sprintf("r%d", i), 1000)
	}
	c := s.signedIn("accountant@a.example")
	a := c.must("/backoffice/invoices?sort=number&order=desc", http.StatusOK)
	if got := invRows(a.body); len(got) != invoicePageSize || got[0] != "1055" {
		t.Fatalf("first page: %v", got)
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(a.body)
	if next == nil || strings.Contains(a.body, "Första sidan") {
		t.Fatalf("first page's pager:\n%s", a.body)
	}
	a = c.must(strings.ReplaceAll(next[1], "&amp;", "&"), http.StatusOK)
	if got := invRows(a.body); strings.Join(got, ",") != "1005,1004,1003,1002,1001" {
		t.Fatalf("second page: %v", got)
	}
	if !strings.Contains(a.body, "Första sidan") || strings.Contains(a.body, `rel="next"`) {
		t.Fatalf("last page's pager:\n%s", a.body)
	}
}

// TestInvoiceAccess: another merchant's invoice is 404 on every route; a
// cashier gets 403 on the pages and forms.
func TestInvoiceAccess(t *testing.T) {
	s := newStack(t)
	inv := s.invCharge(s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{}), "r1", 1000).Invoice
	b := s.signedIn("admin@b.example")
	for _, p := range []string{"", "/pdf", "/edit"} {
		b.must("/backoffice/invoices/"+inv.ID+p, http.StatusNotFound)
	}
	for _, p := range []string{"/payments", "/void", "/email", "/post", "/credit"} {
		if a := b.post("/backoffice/invoices/"+inv.ID+p, url.Values{"paid_at": {invToday()}, "idempotency_key": {"k"}, "whole": {"1"}}); a.status != http.StatusNotFound {
			t.Errorf("B POST %s = %d, want 404", p, a.status)
		}
	}
	if got := s.invInvoice(inv.ID); got.Status != core.StatusPosted || got.PaidAmount != 0 || len(got.CreditInvoiceIDs) != 0 {
		t.Fatalf("B changed A's invoice: %+v", got)
	}
	cashier := s.signedIn("cashier@a.example")
	for _, p := range []string{"/backoffice/invoices", "/backoffice/invoices/" + inv.ID, "/backoffice/invoices/new", "/backoffice/invoices/" + inv.ID + "/pdf", "/backoffice/orders"} {
		cashier.must(p, http.StatusForbidden)
	}
	if a := cashier.post("/backoffice/invoices/"+inv.ID+"/payments", url.Values{"paid_at": {invToday()}}); a.status != http.StatusForbidden {
		t.Fatalf("cashier payment = %d", a.status)
	}
	if a := cashier.must("/backoffice/", http.StatusOK); strings.Contains(a.body, `href="/backoffice/invoices"`) {
		t.Fatal("the cashier's menu offers invoices")
	}
}

// TestInvoiceDetailAndPDF: the detail page shows lines, VAT, journal
// entries and the PDF inline from a same-origin route that streams it.
func TestInvoiceDetailAndPDF(t *testing.T) {
	s := newStack(t)
	s.invSettings()
	s.reconfigure(func(o *core.EngineOptions) {
		o.Journal = func(c core.Country) core.JournalAccounts { // as serve does
			m := mapping.StandardSuggestion(c, nil, nil)
			return core.JournalAccounts{Receivables: m.Events[mapping.EventReceivables], Sales: m.VATRates,
				OutputVAT: m.VATAccounts, Rounding: m.Events[mapping.EventRounding]}
		}
	})
	inv := s.invCharge(s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{}), "r1", 22400).Invoice
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/invoices/"+inv.ID, http.StatusOK)
	for _, want := range []string{"Faktura 1001", "Smörgåstårta", "224,00\u00a0kr", "24,00\u00a0kr", // total, VAT at 12 %
		`<iframe class="pdf" src="/backoffice/invoices/` + inv.ID + `/pdf"`, "Verifikation", "Debet", "1510", "Registrera betalning", "Makulera", "Kreditera hela fakturan"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatal(a.body)
	}
	a = c.must("/backoffice/invoices/"+inv.ID+"/pdf", http.StatusOK)
	if ct := a.header.Get("Content-Type"); ct != "application/pdf" || !strings.HasPrefix(a.body, "%PDF") {
		t.Fatalf("pdf: %s %.20q", ct, a.body)
	}
	if cd := a.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline; filename=") {
		t.Fatalf("pdf disposition %q", cd)
	}
	if cd := c.must("/backoffice/invoices/"+inv.ID+"/pdf?download=1", http.StatusOK).header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Fatalf("download disposition %q", cd)
	}
	if xfo := a.header.Get("X-Frame-Options"); xfo != "SAMEORIGIN" {
		t.Fatalf("the PDF may not be framed by its own page: X-Frame-Options %q", xfo)
	}
	// The e-invoice: offered on the page; this customer has no electronic
	// address or organization number, so the download says what is
	// missing; with an organization number it is a Peppol document.
	if !strings.Contains(c.must("/backoffice/invoices/"+inv.ID, http.StatusOK).body, `href="/backoffice/invoices/`+inv.ID+`/ubl"`) {
		t.Fatal("the detail offers no e-invoice download")
	}
	if a := c.must("/backoffice/invoices/"+inv.ID+"/ubl", http.StatusUnprocessableEntity); !strings.Contains(a.body, "Peppol") {
		t.Fatalf("the refused e-invoice does not say what is missing: %s", a.body)
	}
	org := "5560160680"
	if _, err := s.engine.UpdateCustomer(context.Background(), s.admin(), inv.CustomerID, core.CustomerPatch{OrganizationNumber: &org}); err != nil {
		t.Fatal(err)
	}
	a = c.must("/backoffice/invoices/"+inv.ID+"/ubl", http.StatusOK)
	if cd := a.header.Get("Content-Disposition"); cd != `attachment; filename="faktura-1001.xml"` || !strings.Contains(a.body, "<Invoice ") {
		t.Fatalf("ubl: %q %.80q", cd, a.body)
	}
	// The accountant sees it but may not credit (refunds are admin and cashier).
	a = s.signedIn("accountant@a.example").must("/backoffice/invoices/"+inv.ID, http.StatusOK)
	if strings.Contains(a.body, "/credit") || !strings.Contains(a.body, "Registrera betalning") {
		t.Fatal("the accountant's page offers credit, or no payment")
	}
	s.signedIn("accountant@a.example").must("/backoffice/invoices/nope", http.StatusNotFound)
}

// TestRecordPayment: a part payment keeps the invoice open; an invalid
// amount is 422 naming it with nothing stored; the same form sent twice
// books once; the rest pays it and shows the green "Betald (date)".
func TestRecordPayment(t *testing.T) {
	s := newStack(t)
	inv := s.invCharge(s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{}), "r1", 30000).Invoice
	c := s.signedIn("accountant@a.example")
	path := "/backoffice/invoices/" + inv.ID
	key := func() string {
		m := invPaymentKey.FindStringSubmatch(c.must(path, http.StatusOK).body)
		if m == nil {
			t.Fatal("no idempotency key in the payment form")
		}
		return m[1]
	}

	for _, bad := range []string{"abc", "0", "-5", "12,345"} {
		a := c.post(path+"/payments", url.Values{"paid_at": {invToday()}, "amount": {bad}, "method": {"bank"}, "idempotency_key": {key()}})
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-amount"`) || !strings.Contains(a.body, `value="`+bad+`"`) {
			t.Fatalf("amount %q = %d\n%s", bad, a.status, a.body)
		}
	}
	a := c.post(path+"/payments", url.Values{"paid_at": {invToday()}, "amount": {"400"}, "idempotency_key": {key()}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-amount"`) || !strings.Contains(a.body, "outstanding") {
		t.Fatalf("overpayment = %d\n%s", a.status, a.body)
	}
	a = c.post(path+"/payments", url.Values{"paid_at": {"2999-01-01"}, "idempotency_key": {key()}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-paid_at"`) {
		t.Fatalf("future date = %d\n%s", a.status, a.body)
	}
	if got := s.invInvoice(inv.ID); got.PaidAmount != 0 {
		t.Fatalf("an invalid payment was stored: %+v", got)
	}

	k := key()
	form := url.Values{"paid_at": {invToday()}, "amount": {"100,50"}, "method": {"bank"}, "idempotency_key": {k}}
	a = c.post(path+"/payments", form)
	if a.status != http.StatusSeeOther || a.location != path+"?done=payment_recorded" {
		t.Fatalf("payment = %d %s\n%s", a.status, a.location, a.body)
	}
	a = c.post(path+"/payments", form) // the double submit
	if a.status != http.StatusSeeOther || a.location != path+"?done=payment_replayed" {
		t.Fatalf("second submit = %d %s", a.status, a.location)
	}
	got := s.invInvoice(inv.ID)
	if got.PaidAmount != 10050 || got.OutstandingAmount != 30000-10050 || got.Status != core.StatusPosted {
		t.Fatalf("after a part payment sent twice: paid %d outstanding %d status %s", got.PaidAmount, got.OutstandingAmount, got.Status)
	}
	a = c.must(path+"?done=payment_replayed", http.StatusOK)
	if !strings.Contains(a.body, "bokades en gång") || !strings.Contains(a.body, "Delbetald") {
		t.Fatalf("after the replay:\n%s", a.body)
	}

	a = c.post(path+"/payments", url.Values{"paid_at": {invToday()}, "method": {"card"}, "idempotency_key": {key()}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("rest = %d\n%s", a.status, a.body)
	}
	if got := s.invInvoice(inv.ID); got.Status != core.StatusPaid || got.OutstandingAmount != 0 {
		t.Fatalf("after paying the rest: %+v", got)
	}
	a = c.must(path, http.StatusOK)
	if !strings.Contains(a.body, `<span class="badge ok">Betald (`+invToday()+`)</span>`) || strings.Contains(a.body, "/payments") {
		t.Fatalf("paid invoice page:\n%s", a.body)
	}
	if a := c.must("/backoffice/invoices?status=paid", http.StatusOK); !strings.Contains(a.body, "Betald ("+invToday()+")") {
		t.Fatalf("paid list:\n%s", a.body)
	}
}

// TestCreditAndVoid: crediting chosen lines (over-crediting is 422 naming
// the line, nothing issued), the whole rest, and voiding another invoice.
func TestCreditAndVoid(t *testing.T) {
	s := newStack(t)
	cu := s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{})
	inv := s.invCharge(cu, "r1", 20000).Invoice
	c := s.signedIn("admin@a.example")
	path := "/backoffice/invoices/" + inv.ID
	c.must(path, http.StatusOK)

	a := c.post(path+"/credit", url.Values{"idempotency_key": {"credit-1"}, "lines[0].quantity": {"3"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="ce-0"`) {
		t.Fatalf("over-credit = %d\n%s", a.status, a.body)
	}
	a = c.post(path+"/credit", url.Values{"idempotency_key": {"credit-1"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-lines"`) {
		t.Fatalf("nothing chosen = %d\n%s", a.status, a.body)
	}
	a = c.post(path+"/credit", url.Values{"idempotency_key": {"credit-1"}, "lines[0].quantity": {"x"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="ce-0"`) {
		t.Fatalf("bad quantity = %d\n%s", a.status, a.body)
	}
	if got := s.invInvoice(inv.ID); len(got.CreditInvoiceIDs) != 0 {
		t.Fatalf("an invalid credit was issued: %+v", got.CreditInvoiceIDs)
	}
	form := url.Values{"idempotency_key": {"credit-2"}, "lines[0].quantity": {"1"}}
	a = c.post(path+"/credit", form)
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=invoice_credited") {
		t.Fatalf("credit one = %d %s\n%s", a.status, a.location, a.body)
	}
	if b := c.post(path+"/credit", form); b.location != a.location {
		t.Fatalf("the credit form sent twice went to %s, then %s", a.location, b.location)
	}
	got := s.invInvoice(inv.ID)
	if len(got.CreditInvoiceIDs) != 1 || got.OutstandingAmount != 10000 {
		t.Fatalf("after crediting one of two: %+v", got)
	}
	credit := c.must(strings.Split(a.location, "?")[0], http.StatusOK)
	if !strings.Contains(credit.body, "Kreditfaktura 1002") || !strings.Contains(credit.body, "Faktura 1001") || !strings.Contains(credit.body, "Markera som reglerad") {
		t.Fatalf("credit invoice page:\n%s", credit.body)
	}
	if a := c.post(path+"/credit", url.Values{"idempotency_key": {"credit-3"}, "whole": {"1"}}); a.status != http.StatusSeeOther {
		t.Fatalf("credit the rest = %d\n%s", a.status, a.body)
	}
	if got := s.invInvoice(inv.ID); got.Status != core.StatusCredited {
		t.Fatalf("after crediting the rest: %s", got.Status)
	}

	other := s.invCharge(cu, "r2", 5000).Invoice
	a = c.post("/backoffice/invoices/"+other.ID+"/void", nil)
	if a.status != http.StatusSeeOther || a.location != "/backoffice/invoices/"+other.ID+"?done=invoice_voided" {
		t.Fatalf("void = %d %s\n%s", a.status, a.location, a.body)
	}
	a = c.must(a.location, http.StatusOK)
	if !strings.Contains(a.body, "Makulerad") || !strings.Contains(a.body, "Fakturan är makulerad") {
		t.Fatalf("void page:\n%s", a.body)
	}
	// The void form sent twice issues one credit invoice.
	if a := c.post("/backoffice/invoices/"+other.ID+"/void", nil); a.status != http.StatusSeeOther {
		t.Fatalf("void twice = %d\n%s", a.status, a.body)
	}
	if got := s.invInvoice(other.ID); len(got.CreditInvoiceIDs) != 1 {
		t.Fatalf("voided twice: credit invoices %v", got.CreditInvoiceIDs)
	}
	// Crediting a void invoice is refused with the reason on its page.
	if a := c.post("/backoffice/invoices/"+other.ID+"/credit", url.Values{"idempotency_key": {"credit-4"}, "whole": {"1"}}); a.status != http.StatusConflict || !strings.Contains(a.body, fmt.Sprintf("Faktura %d", other.Number)) || !strings.Contains(a.body, "Det går inte just nu") {
		t.Fatalf("credit a void invoice = %d\n%s", a.status, a.body)
	}
}

// TestDraftCreateEditPost: a draft is created from the form (a bad line is
// 422 naming its field, nothing stored), edited, and posted.
func TestDraftCreateEditPost(t *testing.T) {
	s := newStack(t)
	cu := s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{})
	c := s.signedIn("accountant@a.example")
	a := c.must("/backoffice/invoices/new", http.StatusOK)
	if !strings.Contains(a.body, `<option value="`+cu.ID+`"`) || !strings.Contains(a.body, `name="lines[2].description"`) {
		t.Fatalf("new form:\n%s", a.body)
	}
	form := url.Values{"customer_id": {cu.ID}, "reference": {"Eva"}, "rows": {"3"}, "then": {"save"},
		"lines[0].description": {"Catering"}, "lines[0].quantity": {"2"}, "lines[0].unit_price": {"1 000,00"}, "lines[0].vat_rate": {"12"},
		"lines[1].description": {"Extra"}, "lines[1].quantity": {"två"}, "lines[1].unit_price": {"10"}, "lines[1].vat_rate": {"25"},
	}
	a = c.post("/backoffice/invoices/new", form)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="l1-quantity-e"`) || !strings.Contains(a.body, `value="Catering"`) {
		t.Fatalf("bad quantity = %d\n%s", a.status, a.body)
	}
	form.Set("lines[1].quantity", "1")
	form.Set("lines[1].vat_rate", "7")
	a = c.post("/backoffice/invoices/new", form)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="l1-vat_rate-e"`) {
		t.Fatalf("bad VAT rate = %d\n%s", a.status, a.body)
	}
	page, err := s.engine.ListInvoices(context.Background(), s.admin(), core.InvoiceQuery{})
	if err != nil || len(page.Invoices) != 0 {
		t.Fatalf("invalid drafts were stored: %v %v", page.Invoices, err)
	}
	// Add a line keeps what was typed.
	form.Set("lines[1].vat_rate", "25")
	add := url.Values{}
	for k, v := range form {
		add[k] = v
	}
	add.Set("add_line", "1")
	if a := c.post("/backoffice/invoices/new", add); a.status != http.StatusOK || !strings.Contains(a.body, `name="lines[2].description"`) || !strings.Contains(a.body, `value="Extra"`) {
		t.Fatalf("add line = %d\n%s", a.status, a.body)
	}
	a = c.post("/backoffice/invoices/new", form)
	if a.status != http.StatusSeeOther || !strings.HasSuffix(a.location, "?done=draft_saved") {
		t.Fatalf("create = %d %s\n%s", a.status, a.location, a.body)
	}
	path := strings.Split(a.location, "?")[0]
	id := strings.TrimPrefix(path, "/backoffice/invoices/")
	d := s.invInvoice(id)
	if d.Status != core.StatusDraft || d.NetTotal != 200000+1000 || len(d.Lines) != 2 {
		t.Fatalf("draft = %+v", d)
	}
	a = c.must(path+"/edit", http.StatusOK)
	if !strings.Contains(a.body, `value="1000,00"`) || !strings.Contains(a.body, `value="Catering"`) {
		t.Fatalf("edit form:\n%s", a.body)
	}
	form.Set("lines[0].quantity", "3")
	if a := c.post(path+"/edit", form); a.status != http.StatusSeeOther {
		t.Fatalf("edit = %d\n%s", a.status, a.body)
	}
	if d := s.invInvoice(id); d.NetTotal != 300000+1000 {
		t.Fatalf("edited draft net %d", d.NetTotal)
	}
	if a := c.post(path+"/post", nil); a.status != http.StatusSeeOther || a.location != path+"?done=invoice_posted" {
		t.Fatalf("post = %d %s", a.status, a.location)
	}
	if d := s.invInvoice(id); d.Status != core.StatusPosted || d.Number != 1001 {
		t.Fatalf("posted = %+v", d)
	}
	// A posted invoice's edit form says why not.
	if a := c.must(path+"/edit", http.StatusConflict); !strings.Contains(a.body, "kan inte ändras") {
		t.Fatalf("edit posted:\n%s", a.body)
	}
	// Save and post in one go.
	form.Set("then", "post")
	a = c.post("/backoffice/invoices/new", form)
	if a.status != http.StatusSeeOther || !strings.HasSuffix(a.location, "?done=invoice_posted") {
		t.Fatalf("save and post = %d %s", a.status, a.location)
	}
	if d := s.invInvoice(strings.TrimPrefix(strings.Split(a.location, "?")[0], "/backoffice/invoices/")); d.Number != 1002 {
		t.Fatalf("saved and posted = %+v", d)
	}
}

// TestEmailInvoice: without a mailer the page says e-mail is not supported;
// with one the invoice is queued and its status shows.
func TestEmailInvoice(t *testing.T) {
	s := newStack(t)
	inv := s.invCharge(s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{}), "r1", 1000).Invoice
	c := s.signedIn("admin@a.example")
	path := "/backoffice/invoices/" + inv.ID
	c.must(path, http.StatusOK)
	if a := c.post(path+"/email", nil); a.status != http.StatusNotImplemented || !strings.Contains(a.body, "Stöds inte") || !strings.Contains(a.body, "Faktura 1001") {
		t.Fatalf("e-mail without a mailer = %d\n%s", a.status, a.body)
	}
	s.invSettings()
	m := &invMailer{}
	s.reconfigure(func(o *core.EngineOptions) { o.Mailer = m })
	if a := c.post(path+"/email", nil); a.status != http.StatusSeeOther || a.location != path+"?done=invoice_emailed" {
		t.Fatalf("e-mail = %d %s\n%s", a.status, a.location, a.body)
	}
	if len(m.sent) != 1 || m.sent[0].To[0] != "alfa@example.com" {
		t.Fatalf("queued %+v", m.sent)
	}
	if a := c.must(path, http.StatusOK); !strings.Contains(a.body, "I kö för att skickas") {
		t.Fatalf("e-mail status not shown:\n%s", a.body)
	}
}

type invMailer struct{ sent []core.OutgoingEmail }

func (m *invMailer) Enqueue(_ context.Context, e core.OutgoingEmail) error {
	m.sent = append(m.sent, e)
	return nil
}

func (m *invMailer) InvoiceEmailStatus(_ context.Context, _, invoiceID string) (core.EmailStatus, error) {
	for _, e := range m.sent {
		if e.InvoiceID == invoiceID {
			return core.EmailStatus{Status: core.EmailQueued}, nil
		}
	}
	return core.EmailStatus{}, nil
}

func (m *invMailer) RecordNotSent(context.Context, core.OutgoingEmail, string, string) error {
	return nil
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]int64{"1": 100, "1 234,50": 123450, "1234.5": 123450, "1.234,50": 123450,
		"1,234.50": 123450, "kr 99": 9900, "12,3 kr": 1230, "0,01": 1} {
		if got, ok := parseMoney(in); !ok || got != want {
			t.Errorf("parseMoney(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "1,234", "1.2.3", "-5", "1e3", "0,001"} {
		if got, ok := parseMoney(in); ok {
			t.Errorf("parseMoney(%q) = %d, want refused", in, got)
		}
	}
}

// TestDraftVATTreatmentForm: the draft form offers the VAT treatments,
// shows the engine's refusals beside the treatment and the rates in the
// user's language, stores the chosen one, and the invoice page names it.
func TestDraftVATTreatmentForm(t *testing.T) {
	s := newStack(t)
	s.invSettings()
	swedish := s.invCustomer("Alfa Bygg AB", core.CollectiveInvoicing{})
	german, err := s.engine.CreateCustomer(context.Background(), s.admin(), core.Customer{Name: "Kaffee GmbH", Active: true,
		InvoicingEnabled: true, VATNumber: "DE123456789", BillingAddress: core.Address{City: "Berlin", Country: "DE"}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.signedIn("accountant@a.example")
	a := c.must("/backoffice/invoices/new", http.StatusOK)
	mustContain(t, "new draft form", a.body, `name="vat_treatment"`, `<option value="domestic" selected>`,
		`<option value="reverse_charge">Omvänd betalningsskyldighet`, `<option value="intra_community_supply">`, `<option value="export">`)

	form := func(customer, treatment, rate string) url.Values {
		return url.Values{"customer_id": {customer}, "rows": {"1"}, "then": {"save"}, "vat_treatment": {treatment},
			"lines[0].description": {"Rådgivning"}, "lines[0].quantity": {"2"}, "lines[0].unit_price": {"1 000,00"}, "lines[0].vat_rate": {rate}}
	}
	tests := []struct {
		name  string
		form  url.Values
		texts []string
	}{
		{"VAT on a reverse-charge line", form(german.ID, "reverse_charge", "25"),
			[]string{`id="l0-vat_rate-e"`, "Momssatsen ska vara 0 % när fakturan är utan moms."}},
		{"reverse charge to a Swedish customer", form(swedish.ID, "reverse_charge", "0"),
			[]string{`id="e-vat_treatment"`, "Kunden saknar ett giltigt momsregistreringsnummer", "Kundens fakturaadress ligger i fel land",
				`<option value="reverse_charge" selected>`}},
		{"export to Germany", form(german.ID, "export", "0"), []string{`id="e-vat_treatment"`, "Kundens fakturaadress ligger i fel land"}},
	}
	for _, tt := range tests {
		a := c.post("/backoffice/invoices/new", tt.form)
		if a.status != http.StatusUnprocessableEntity {
			t.Errorf("%s = %d, want 422", tt.name, a.status)
			continue
		}
		mustContain(t, tt.name, a.body, tt.texts...)
	}
	if page, err := s.engine.ListInvoices(context.Background(), s.admin(), core.InvoiceQuery{}); err != nil || len(page.Invoices) != 0 {
		t.Fatalf("refused drafts were stored: %v %v", page.Invoices, err)
	}

	a = c.post("/backoffice/invoices/new", form(german.ID, "reverse_charge", "0"))
	if a.status != http.StatusSeeOther {
		t.Fatalf("reverse-charge draft = %d\n%s", a.status, a.body)
	}
	path := strings.Split(a.location, "?")[0]
	inv := s.invInvoice(strings.TrimPrefix(path, "/backoffice/invoices/"))
	if inv.VATTreatment != core.TreatmentReverseCharge || inv.VATTotal != 0 {
		t.Fatalf("draft = %+v", inv)
	}
	mustContain(t, "edit form", c.must(path+"/edit", http.StatusOK).body, `<option value="reverse_charge" selected>`)
	mustContain(t, "invoice page", c.must(path, http.StatusOK).body, "Omvänd betalningsskyldighet")
}

// Posting a draft that lacks what the law requires shows,
// in the user's language, each missing item and where to fill it in; the
// draft stays a draft and takes no number.
func TestDraftPostNamesMissingItems(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	if _, err := s.engine.UpdateInvoiceSettings(ctx, s.admin(), core.InvoiceSettings{StartNumber: 1001,
		Company: core.Company{Name: "Kafé Alfa AB"}}); err != nil {
		t.Fatal(err)
	}
	cu, err := s.engine.CreateCustomer(ctx, s.admin(), core.Customer{Name: "Utan Adress AB", Active: true, InvoicingEnabled: true, DueDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.engine.CreateDraft(ctx, s.admin(), core.DraftRequest{CustomerID: cu.ID, Lines: []core.LineInput{
		{Description: "Konferens", Quantity: decimal.NewFromInt(1), UnitPrice: 9000_00, VATRate: decimal.NewFromInt(25)}}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.signedIn("accountant@a.example")
	path := invoiceHref(d.ID)
	a := c.post(path+"/post", nil)
	if a.status != http.StatusUnprocessableEntity {
		t.Fatalf("post = %d %s", a.status, a.location)
	}
	mustContain(t, "refused post", a.body, "Fakturan bokfördes inte: uppgifter som lagen kräver på fakturan saknas.",
		"Fyll i under Fakturainställningar: momsregistreringsnummer (utan det får fakturan inte ha moms), företagets adress (gata, postnummer och ort).",
		"Fyll i på kunden: kundens fakturaadress (gata, postnummer och ort).")
	if got := s.invInvoice(d.ID); got.Status != core.StatusDraft || got.Number != 0 {
		t.Fatalf("refused post changed the draft: %+v", got)
	}
	s.invSettings()
	addr := core.Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm"}
	if _, err := s.engine.UpdateCustomer(ctx, s.admin(), cu.ID, core.CustomerPatch{BillingAddress: &addr}); err != nil {
		t.Fatal(err)
	}
	if a := c.post(path+"/post", nil); a.status != http.StatusSeeOther {
		t.Fatalf("post once complete = %d\n%s", a.status, a.body)
	}
	if got := s.invInvoice(d.ID); got.Status != core.StatusPosted || got.Number != 1001 {
		t.Fatalf("posted = %+v; want number 1001, the refusal took none", got)
	}
}
