package spiris

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

// charge prices lines the way the engine does (gross shelf prices) and
// returns the invoice request.
func charge(ref, customerID string, lines ...core.LineInput) core.InvoiceRequest {
	priced := core.PriceLines(lines, true)
	return core.InvoiceRequest{ExternalRef: ref, CustomerID: customerID, Currency: "SEK", Lines: priced.Lines,
		VATBreakdown: priced.Breakdown, NetTotal: priced.Net, VATTotal: priced.VAT, Total: priced.Total,
		Reference: "Anna Andersson", Comment: "Levereras fredag", LocationID: "loc_1", ReceiptID: "r-1"}
}

func line(desc, qty string, gross int64, rate string) core.LineInput {
	return core.LineInput{Description: desc, Quantity: dec(qty), UnitPrice: gross, VATRate: dec(rate)}
}

func TestCreateInvoice(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "5560160680", "10 dagar")
	req := charge("ch_1", acme.Id, line("Kaffe", "2", 12500, "25"), line("Smörgås", "1", 11200, "12"), line("Bulle", "3", 2500, "25"))
	inv, err := e.p.CreateInvoice(ctx(), e.conn, req)
	if err != nil {
		t.Fatal(err)
	}
	today := core.DateOf(time.Now().In(core.Sweden.Location()))
	if inv.Kind != core.KindInvoice || inv.Status != core.StatusPosted || inv.Number != 1 || inv.CustomerID != acme.Id ||
		inv.CustomerName != "Acme AB" || inv.InvoiceDate != today || inv.DueDate != today.AddDays(10) ||
		inv.Reference != "Anna Andersson" || inv.Comment != "Levereras fredag" || inv.ExternalRef != "ch_1" ||
		inv.Provider != "spiris" || inv.LocationID != "loc_1" || inv.Currency != "SEK" {
		t.Fatalf("invoice %+v", inv)
	}
	// 2×125 + 3×25 = 325 gross at 25 % (net 260, VAT 65); 112 at 12 % (net 100, VAT 12).
	if inv.NetTotal != 36000 || inv.VATTotal != 7700 || inv.Total != 43700 || inv.Rounding != 0 || inv.Total != req.Total {
		t.Fatalf("totals net %d vat %d total %d rounding %d; request total %d", inv.NetTotal, inv.VATTotal, inv.Total, inv.Rounding, req.Total)
	}
	if len(inv.Lines) != 3 || inv.Lines[0].Description != "Kaffe" || !inv.Lines[0].Quantity.Equal(dec("2")) || inv.Lines[0].UnitPrice != 10000 ||
		!inv.Lines[1].VATRate.Equal(dec("12")) || inv.Lines[1].Net != 10000 || inv.Lines[1].VAT != 1200 {
		t.Fatalf("lines %+v", inv.Lines)
	}
	if len(inv.VATBreakdown) != 2 || !inv.VATBreakdown[0].VATRate.Equal(dec("12")) || inv.VATBreakdown[1].VAT != 6500 {
		t.Fatalf("breakdown %+v", inv.VATBreakdown)
	}

	invs := e.srv.Invoices()
	if len(invs) != 1 {
		t.Fatalf("%d invoices in Spiris", len(invs))
	}
	si := invs[0]
	if str(si.YourReference) != "Anna Andersson" || str(si.OurReference) != "ch_1" || len(si.Rows) != 4 || !si.Rows[3].IsTextRow ||
		str(si.Rows[3].Text) != "Levereras fredag" || str(si.Rows[0].Text) != "Kaffe" {
		t.Fatalf("Spiris invoice %+v", si)
	}
	arts := e.srv.Articles()
	var numbers []string
	for _, a := range arts {
		numbers = append(numbers, a.Number)
	}
	slices.Sort(numbers)
	if !slices.Equal(numbers, []string{"LB-MOMS-12", "LB-MOMS-25"}) {
		t.Fatalf("articles %v", numbers)
	}
	if *si.Rows[0].ArticleId != *si.Rows[2].ArticleId || *si.Rows[0].ArticleId == *si.Rows[1].ArticleId {
		t.Fatal("rows of one rate do not share the rate's article")
	}

	// The same reference again: the same invoice, nothing created.
	again, err := e.p.CreateInvoice(ctx(), e.conn, req)
	if err != nil || again.ID != inv.ID || len(e.srv.Invoices()) != 1 {
		t.Fatalf("retry: %+v %v, %d invoices", again, err, len(e.srv.Invoices()))
	}
	// Another charge reuses the articles (cached: no article lookups).
	before := requests(e.srv, "GET", "/v2/articles")
	inv2, err := e.p.CreateInvoice(ctx(), e.conn, charge("ch_2", acme.Id, line("Te", "1", 3000, "25")))
	if err != nil || inv2.Number != 2 {
		t.Fatalf("second: %+v %v", inv2, err)
	}
	if len(e.srv.Articles()) != 2 || requests(e.srv, "GET", "/v2/articles") != before {
		t.Fatal("articles not reused")
	}
}

func TestCreateInvoiceRounding(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "")
	// 3 × 99,90 at 12 %: net unit 89,20 (26 759 öre / 3 rounded); Spiris
	// computes the amounts and rounds the SEK total to whole kronor.
	inv, err := e.p.CreateInvoice(ctx(), e.conn, charge("ch_r", acme.Id, line("Lunch", "3", 9990, "12")))
	if err != nil {
		t.Fatal(err)
	}
	if inv.Lines[0].UnitPrice != 8920 || inv.NetTotal != 26760 || inv.VATTotal != 3211 || inv.Total != 29971 || inv.Rounding != 29 || inv.AmountDue() != 30000 {
		t.Fatalf("invoice %+v", inv)
	}
}

func TestCreateInvoiceLostResponse(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "")
	req := charge("ch_lost", acme.Id, line("Kaffe", "1", 3000, "25"))
	e.srv.LoseNextResponse("POST", "/v2/customerinvoices")
	inv, err := e.p.CreateInvoice(ctx(), e.conn, req)
	if err != nil {
		t.Fatalf("after a lost response: %v", err)
	}
	if n := len(e.srv.Invoices()); n != 1 {
		t.Fatalf("%d invoices, want exactly 1", n)
	}
	if inv.ID != e.srv.Invoices()[0].Id || inv.ExternalRef != "ch_lost" {
		t.Fatalf("invoice %+v", inv)
	}
	again, err := e.p.CreateInvoice(ctx(), e.conn, req)
	if err != nil || again.ID != inv.ID || len(e.srv.Invoices()) != 1 {
		t.Fatalf("retry %+v %v", again, err)
	}

	// A plugin that lost its database (or crashed before recording) finds
	// the invoice by OurReference instead of creating another.
	p2 := e.newProvider(t.TempDir())
	third, err := p2.CreateInvoice(ctx(), e.conn, req)
	if err != nil || third.ID != inv.ID || len(e.srv.Invoices()) != 1 {
		t.Fatalf("fresh plugin: %+v %v, %d invoices", third, err, len(e.srv.Invoices()))
	}
	if requests(e.srv, "POST", "/v2/customerinvoices") != 1 {
		t.Fatal("more than one create was sent")
	}
}

func TestCreateInvoiceLostResponseAndSearchFailing(t *testing.T) {
	// After the lost create, the searches for it fail too: the call
	// reports unavailable, and the engine's retry finds the invoice.
	var mu sync.Mutex
	posted, failGets := false, 0
	hook := &hookTransport{fn: func(r *http.Request) error {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/customerinvoices") {
			posted, failGets = true, 3
		} else if posted && failGets > 0 && r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/customerinvoices") {
			failGets--
			return errors.New("connection reset (test)")
		}
		return nil
	}}
	e := setup(t, func(o *Options) { o.HTTPClient = &http.Client{Transport: hook, Timeout: 10 * time.Second} })
	acme := e.customer("Acme AB", "", "")
	req := charge("ch_lost2", acme.Id, line("Kaffe", "1", 3000, "25"))
	e.srv.LoseNextResponse("POST", "/v2/customerinvoices")
	_, err := e.p.CreateInvoice(ctx(), e.conn, req)
	wantCode(t, err, core.CodeUnavailable)
	if len(e.srv.Invoices()) != 1 {
		t.Fatal("the lost create did not happen")
	}
	inv, err := e.p.CreateInvoice(ctx(), e.conn, req)
	if err != nil || len(e.srv.Invoices()) != 1 || inv.ID != e.srv.Invoices()[0].Id {
		t.Fatalf("retry: %+v %v, %d invoices", inv, err, len(e.srv.Invoices()))
	}
	if requests(e.srv, "POST", "/v2/customerinvoices") != 1 {
		t.Fatal("more than one create was sent")
	}
}

func TestCreateInvoiceErrors(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "")
	inactive := e.srv.AddCustomer(spiristest.Customer{Name: "Gone AB", InvoicePostalCode: "1", InvoiceCity: "X", IsActive: false})
	ok := func(mod func(*core.InvoiceRequest)) core.InvoiceRequest {
		r := charge("ch_x", acme.Id, line("Kaffe", "1", 3000, "25"))
		mod(&r)
		return r
	}
	tests := []struct {
		name  string
		req   core.InvoiceRequest
		field string
	}{
		{"no customer", ok(func(r *core.InvoiceRequest) { r.CustomerID = "00000000-0000-4000-8000-000000000000" }), "customer_id"},
		{"bad customer id", ok(func(r *core.InvoiceRequest) { r.CustomerID = "cust_1" }), "customer_id"},
		{"inactive", ok(func(r *core.InvoiceRequest) { r.CustomerID = inactive.Id }), "customer_id"},
		{"no lines", ok(func(r *core.InvoiceRequest) { r.Lines = nil }), "lines"},
		{"three decimals", ok(func(r *core.InvoiceRequest) { r.Lines[0].Quantity = dec("1.125") }), "lines[0].quantity"},
		{"long reference", ok(func(r *core.InvoiceRequest) { r.Reference = strings.Repeat("x", 101) }), "reference"},
		{"no coding", ok(func(r *core.InvoiceRequest) { r.Lines[0].VATRate = dec("15") }), "lines[0].vat_rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.p.CreateInvoice(ctx(), e.conn, tt.req)
			if ce := wantCode(t, err, core.CodeInvalid); !hasField(ce, tt.field) {
				t.Fatalf("%v does not name %s", ce, tt.field)
			}
		})
	}
	if len(e.srv.Invoices()) != 0 {
		t.Fatal("an invalid request made an invoice")
	}

	year := time.Now().Year()
	e.srv.LockAccountingTo(time.Date(year, 1, 31, 0, 0, 0, 0, time.UTC))
	_, err := e.p.CreateInvoice(ctx(), e.conn, ok(func(r *core.InvoiceRequest) { r.InvoiceDate = core.Date(fmt.Sprintf("%d-01-15", year)) }))
	ce := wantCode(t, err, core.CodeInvalid)
	if !hasField(ce, "invoice_date") || !strings.Contains(ce.Message, fmt.Sprintf("the accounting period for %d-01-15 is locked in Visma Spiris", year)) {
		t.Fatalf("locked: %v", ce)
	}

	e.srv.ForceRateLimit(1, 30)
	_, err = e.p.CreateInvoice(ctx(), e.conn, ok(func(r *core.InvoiceRequest) { r.ExternalRef = "ch_rl" }))
	if ce := wantCode(t, err, core.CodeRateLimited); ce.RetryAfter != 30*time.Second {
		t.Fatalf("RetryAfter %v", ce.RetryAfter)
	}
}

func TestArticleReactivated(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "")
	if _, err := e.p.CreateInvoice(ctx(), e.conn, charge("ch_a", acme.Id, line("Kaffe", "1", 3000, "25"))); err != nil {
		t.Fatal(err)
	}
	// Someone deactivates the plugin's article in Spiris: the cached id is
	// refused, and the plugin finds its article and activates it again.
	art := e.srv.Articles()[0]
	body := apiArticle{IsActive: false, Number: art.Number, Name: art.Name, CodingId: art.CodingId, UnitId: art.UnitId}
	if _, err := e.p.call(ctx(), e.conn, request{method: "PUT", path: "/articles/" + art.Id, body: body, idempotent: true}, nil); err != nil {
		t.Fatal(err)
	}
	inv, err := e.p.CreateInvoice(ctx(), e.conn, charge("ch_b", acme.Id, line("Kaffe", "1", 3000, "25")))
	if err != nil {
		t.Fatal(err)
	}
	arts := e.srv.Articles()
	if len(arts) != 1 || !arts[0].IsActive || inv.Number != 2 {
		t.Fatalf("articles %+v, invoice %+v", arts, inv)
	}
}

func TestGetAndListInvoices(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "30 dagar")
	bob := e.customer("Bob HB", "", "10 dagar")
	year := time.Now().Year()
	var ids []string
	for i, c := range []struct {
		cust  string
		date  string
		gross int64
	}{
		{acme.Id, "01-10", 10000}, {bob.Id, "01-20", 5000}, {acme.Id, "02-01", 20000}, {bob.Id, "02-10", 1000},
	} {
		req := charge(fmt.Sprintf("ch_%d", i), c.cust, line("Vara", "1", c.gross, "25"))
		req.InvoiceDate = core.Date(fmt.Sprintf("%d-%s", year, c.date))
		inv, err := e.p.CreateInvoice(ctx(), e.conn, req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	got, err := e.p.GetInvoice(ctx(), e.conn, ids[2])
	if err != nil || got.Number != 3 || len(got.Lines) != 1 || got.ExternalRef != "ch_2" || got.Total != 20000 {
		t.Fatalf("get %+v %v", got, err)
	}
	for _, id := range []string{"inv_1", "00000000-0000-4000-8000-000000000000"} {
		_, err := e.p.GetInvoice(ctx(), e.conn, id)
		wantCode(t, err, core.CodeNotFound)
	}

	numbers := func(q core.InvoiceQuery) []int64 {
		t.Helper()
		page, err := e.p.ListInvoices(ctx(), e.conn, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, inv := range page.Invoices {
			if len(inv.Lines) != 0 {
				t.Fatal("list carries lines")
			}
			out = append(out, inv.Number)
		}
		return out
	}
	lateToday := core.Date(fmt.Sprintf("%d-02-25", year))
	tests := []struct {
		name string
		q    core.InvoiceQuery
		want []int64
	}{
		{"all", core.InvoiceQuery{}, []int64{1, 2, 3, 4}},
		{"desc", core.InvoiceQuery{Desc: true}, []int64{4, 3, 2, 1}},
		{"by total", core.InvoiceQuery{Sort: core.SortTotal}, []int64{4, 2, 1, 3}},
		{"customer", core.InvoiceQuery{CustomerID: bob.Id}, []int64{2, 4}},
		{"dates", core.InvoiceQuery{From: core.Date(fmt.Sprintf("%d-01-15", year)), To: core.Date(fmt.Sprintf("%d-02-05", year))}, []int64{2, 3}},
		// Bob's terms are 10 days, Acme's 30: on Feb 25 invoices 1 and 2
		// are past due; 4 is due on Feb 20.
		{"overdue", core.InvoiceQuery{Status: core.StatusOverdue, Today: lateToday}, []int64{1, 2, 4}},
		{"posted", core.InvoiceQuery{Status: core.StatusPosted, Today: lateToday}, []int64{3}},
	}
	for _, tt := range tests {
		if got := numbers(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	byCustomer := numbers(core.InvoiceQuery{Sort: core.SortCustomer})
	if len(byCustomer) != 4 || byCustomer[0]+byCustomer[1] != 4 || byCustomer[2]+byCustomer[3] != 6 {
		t.Errorf("by customer: %v, want Acme's 1 and 3 before Bob's 2 and 4", byCustomer)
	}
	// Paging.
	var all []int64
	cursor := ""
	for i := 0; i < 5; i++ {
		page, err := e.p.ListInvoices(ctx(), e.conn, core.InvoiceQuery{Limit: 3, Cursor: cursor, Sort: core.SortInvoiceDate, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range page.Invoices {
			all = append(all, inv.Number)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []int64{4, 3, 2, 1}) {
		t.Fatalf("paged %v", all)
	}
	for _, q := range []core.InvoiceQuery{{Sort: "amount"}, {Cursor: "%%%"}, {Status: "lost"}, {Limit: 100000}} {
		_, err := e.p.ListInvoices(ctx(), e.conn, q)
		wantCode(t, err, core.CodeInvalid)
	}
}

func TestCreditInvoice(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "")
	inv, err := e.p.CreateInvoice(ctx(), e.conn, charge("ch_1", acme.Id, line("Kaffe", "4", 2500, "25"), line("Macka", "2", 5600, "12")))
	if err != nil {
		t.Fatal(err)
	}
	// Part of line 0.
	part, err := e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_1", InvoiceID: inv.ID, Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	if part.Kind != core.KindCredit || part.CreditsInvoiceID != inv.ID || part.CreditsInvoiceNumber != inv.Number || part.Total != -2500 ||
		part.VATTotal != -500 || len(part.Lines) != 1 || !part.Lines[0].Quantity.Equal(dec("-1")) || part.Comment != "Kreditering av faktura 1" {
		t.Fatalf("partial credit %+v", part)
	}
	if got, _ := e.p.GetInvoice(ctx(), e.conn, inv.ID); got.Status != core.StatusPosted {
		t.Fatalf("partly credited invoice is %s", got.Status)
	}
	// Idempotent.
	again, err := e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_1", InvoiceID: inv.ID, Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}})
	if err != nil || again.ID != part.ID || len(e.srv.Invoices()) != 2 {
		t.Fatalf("retry %+v %v", again, err)
	}
	// Over-crediting and unknown lines.
	_, err = e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_2", InvoiceID: inv.ID, Lines: []core.CreditLine{{Line: 0, Quantity: dec("4")}, {Line: 5, Quantity: dec("1")}}})
	if ce := wantCode(t, err, core.CodeInvalid); !hasField(ce, "lines[0].quantity") || !hasField(ce, "lines[1].line") {
		t.Fatalf("over-credit %v", ce)
	}
	// The rest, lost response.
	e.srv.LoseNextResponse("POST", "/v2/customerinvoices")
	rest, err := e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_3", InvoiceID: inv.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.srv.Invoices()) != 3 || rest.Total != -(inv.Total-2500) || len(rest.Lines) != 2 || !rest.Lines[0].Quantity.Equal(dec("-3")) {
		t.Fatalf("rest %+v, %d invoices", rest, len(e.srv.Invoices()))
	}
	if got, _ := e.p.GetInvoice(ctx(), e.conn, inv.ID); got.Status != core.StatusCredited {
		t.Fatalf("fully credited invoice is %s", got.Status)
	}
	_, err = e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_4", InvoiceID: inv.ID})
	wantCode(t, err, core.CodeConflict)
	_, err = e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_5", InvoiceID: part.ID})
	wantCode(t, err, core.CodeConflict)
	_, err = e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_6", InvoiceID: "00000000-0000-4000-8000-000000000000"})
	wantCode(t, err, core.CodeNotFound)
	_, err = e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "cr_7", InvoiceID: inv.ID, Date: "2001-01-01"})
	wantCode(t, err, core.CodeInvalid)
	page, _ := e.p.ListInvoices(ctx(), e.conn, core.InvoiceQuery{Status: core.StatusCredited})
	if len(page.Invoices) != 1 || page.Invoices[0].ID != inv.ID {
		t.Fatalf("credited filter %+v", page.Invoices)
	}
	for _, si := range e.srv.Invoices()[1:] {
		if !si.IsCreditInvoice || si.TotalAmount.IsPositive() {
			t.Fatalf("Spiris credit %+v", si)
		}
	}
}

// TestVoidAndAmounts: a voided invoice is void (remembered with its credit
// invoice, since Spiris has no void), one refunded in full credited; lists
// filter on each; paid and outstanding amounts come from Spiris's
// remaining amount less the recorded credits.
func TestVoidAndAmounts(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "")
	mk := func(ref string) core.Invoice {
		inv, err := e.p.CreateInvoice(ctx(), e.conn, charge(ref, acme.Id, line("Kaffe", "4", 2500, "25")))
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	voided, refunded, part := mk("ch_v"), mk("ch_r"), mk("ch_p")
	if part.PaidAmount != 0 || part.OutstandingAmount != 10000 {
		t.Fatalf("new invoice: paid %d outstanding %d", part.PaidAmount, part.OutstandingAmount)
	}
	credit, err := e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{Void: true, ExternalRef: "void:" + voided.ID, InvoiceID: voided.ID})
	if err != nil || credit.CreditsInvoiceID != voided.ID {
		t.Fatalf("void: %+v, %v", credit, err)
	}
	if _, err := e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "rf_r", InvoiceID: refunded.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.CreditInvoice(ctx(), e.conn, core.CreditRequest{ExternalRef: "rf_p", InvoiceID: part.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]struct {
		status core.InvoiceStatus
		owed   int64
	}{voided.ID: {core.StatusVoid, 0}, refunded.ID: {core.StatusCredited, 0}, part.ID: {core.StatusPosted, 7500}} {
		got, err := e.p.GetInvoice(ctx(), e.conn, id)
		if err != nil || got.Status != want.status || got.OutstandingAmount != want.owed || got.PaidAmount != 0 {
			t.Fatalf("%s: status %s outstanding %d paid %d, want %s %d (%v)", id, got.Status, got.OutstandingAmount, got.PaidAmount, want.status, want.owed, err)
		}
	}
	if got, _ := e.p.GetInvoice(ctx(), e.conn, voided.ID); len(got.CreditInvoiceIDs) != 1 || got.CreditInvoiceIDs[0] != credit.ID {
		t.Fatalf("the void invoice names %v, want its credit invoice %s", got.CreditInvoiceIDs, credit.ID)
	}
	for status, want := range map[core.InvoiceStatus]string{core.StatusVoid: voided.ID, core.StatusCredited: refunded.ID} {
		page, err := e.p.ListInvoices(ctx(), e.conn, core.InvoiceQuery{Status: status})
		if err != nil || len(page.Invoices) != 1 || page.Invoices[0].ID != want {
			t.Fatalf("status=%s: %+v, %v", status, page.Invoices, err)
		}
	}
}

func TestInvoicePDF(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "")
	inv, err := e.p.CreateInvoice(ctx(), e.conn, charge("ch_pdf", acme.Id, line("Kaffe", "1", 3000, "25")))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := e.p.InvoicePDF(ctx(), e.conn, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if doc.ContentType != "application/pdf" || doc.Filename != "faktura-1.pdf" || !strings.HasPrefix(string(doc.Data), "%PDF") ||
		!strings.Contains(string(doc.Data), "Faktura 1") {
		t.Fatalf("document %s %s %q", doc.ContentType, doc.Filename, doc.Data[:min(40, len(doc.Data))])
	}
	_, err = e.p.InvoicePDF(ctx(), e.conn, "00000000-0000-4000-8000-000000000000")
	wantCode(t, err, core.CodeNotFound)
}
