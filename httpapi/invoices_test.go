package httpapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// invoiceFixture charges three customers on several dates and moves the
// clock to 2026-03-20, when the invoices of Beta (due in 10 days) and Gamma
// (15 days) are overdue and those of alfa (30 days) are not.
type invoiceFixture struct {
	s                 *testStack
	alfa, beta, gamma core.Customer
	byDate            map[string][]int64 // invoice date → numbers
}

func newInvoiceFixture(t *testing.T) invoiceFixture {
	s := newStack(t)
	f := invoiceFixture{s: s, byDate: map[string][]int64{}}
	f.alfa = s.createCustomer(s.a, `{"name":"alfa Catering","due_days":30}`)
	f.beta = s.createCustomer(s.a, `{"name":"Beta Bygg AB","due_days":10}`)
	f.gamma = s.createCustomer(s.a, `{"name":"Gamma Golf","due_days":15}`)
	charges := []struct {
		date  string
		cust  core.Customer
		price int64
	}{
		{"2026-03-01", f.beta, 30000},
		{"2026-03-02", f.alfa, 10000},
		{"2026-03-03", f.gamma, 50000},
		{"2026-03-05", f.alfa, 20000},
		{"2026-03-05", f.beta, 40000},
	}
	for i, c := range charges {
		s.clock.OnDate(t, c.date)
		res := s.charge(s.a, fmt.Sprintf("inv-fixture-%d", i), chargeBody(c.cust.ID, c.price, fmt.Sprintf("r%d", i)))
		f.byDate[c.date] = append(f.byDate[c.date], res.Invoice.Number)
	}
	s.clock.OnDate(t, "2026-03-20")
	return f
}

// list fetches every invoice of the query, following next_cursor.
func (f invoiceFixture) list(t *testing.T, query string) []core.Invoice {
	t.Helper()
	var out []core.Invoice
	path := "/v1/invoices?" + query
	for range 20 {
		r := f.s.run(t, scenario{name: "list", method: "GET", path: path, key: f.s.a.key(core.RoleAccountant), wantStatus: 200})
		var page listBody[core.Invoice]
		r.decode(t, &page)
		out = append(out, page.Data...)
		if page.NextCursor == "" {
			return out
		}
		path = "/v1/invoices?" + query + "&cursor=" + url.QueryEscape(page.NextCursor)
	}
	t.Fatalf("paging %s does not end", query)
	return nil
}

func numbers(invs []core.Invoice) []int64 {
	var out []int64
	for _, inv := range invs {
		out = append(out, inv.Number)
	}
	return out
}

func TestInvoiceDateFilter(t *testing.T) {
	f := newInvoiceFixture(t)
	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{1001, 1002, 1003, 1004, 1005}},
		{"from=2026-03-02&to=2026-03-03", []int64{1002, 1003}},
		{"from=2026-03-05", f.byDate["2026-03-05"]},
		{"to=2026-03-01", []int64{1001}},
		{"from=2026-03-05&to=2026-03-05", []int64{1004, 1005}},
		{"from=2026-03-04&to=2026-03-04", nil},
		{"from=2026-03-06", nil},
		{"status=overdue", []int64{1001, 1003, 1005}},
		{"status=posted", []int64{1002, 1004}},
		{"status=paid", nil},
		{"customer_id=" + f.alfa.ID, []int64{1002, 1004}},
		{"customer_id=" + f.beta.ID + "&from=2026-03-02", []int64{1005}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := numbers(f.list(t, tt.query))
			if !slices.Equal(got, tt.want) {
				t.Errorf("numbers %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInvoiceSort(t *testing.T) {
	f := newInvoiceFixture(t)
	keys := map[string]func(core.Invoice) any{
		"number":       func(i core.Invoice) any { return i.Number },
		"invoice_date": func(i core.Invoice) any { return string(i.InvoiceDate) },
		"due_date":     func(i core.Invoice) any { return string(i.DueDate) },
		"customer":     func(i core.Invoice) any { return strings.ToLower(i.CustomerName) },
		"total":        func(i core.Invoice) any { return i.Total },
		"status":       func(i core.Invoice) any { return string(i.Status) },
	}
	compare := func(a, b any) int {
		switch a := a.(type) {
		case int64:
			return cmp.Compare(a, b.(int64))
		case string:
			return cmp.Compare(a, b.(string))
		}
		panic("key type")
	}
	for _, col := range core.InvoiceSortColumns {
		key := keys[col]
		if key == nil {
			t.Fatalf("no sort key for column %s", col)
		}
		for _, order := range []string{"asc", "desc"} {
			t.Run(col+" "+order, func(t *testing.T) {
				all := f.list(t, "sort="+col+"&order="+order)
				paged := f.list(t, "sort="+col+"&order="+order+"&limit=2")
				if len(all) != 5 {
					t.Fatalf("%d invoices, want 5", len(all))
				}
				if !slices.Equal(numbers(all), numbers(paged)) {
					t.Errorf("paged order %v differs from one page %v", numbers(paged), numbers(all))
				}
				for i := 1; i < len(all); i++ {
					c := compare(key(all[i-1]), key(all[i]))
					if (order == "asc" && c > 0) || (order == "desc" && c < 0) {
						t.Errorf("%s %s: %v before %v (numbers %v)", col, order, key(all[i-1]), key(all[i]), numbers(all))
					}
				}
				first, last := key(all[0]), key(all[len(all)-1])
				if compare(first, last) == 0 {
					t.Errorf("fixture does not tell %s apart", col)
				}
			})
		}
	}
	if got := numbers(f.list(t, "")); !slices.Equal(got, []int64{1001, 1002, 1003, 1004, 1005}) {
		t.Errorf("default order %v", got)
	}
	if got := numbers(f.list(t, "sort=total&order=DESC")); !slices.Equal(got, []int64{1003, 1005, 1001, 1004, 1002}) {
		t.Errorf("total desc %v", got)
	}
}

func TestInvoiceQueryErrorsAndGet(t *testing.T) {
	f := newInvoiceFixture(t)
	s := f.s
	acct := s.a.key(core.RoleAccountant)
	runScenarios(t, s, []scenario{
		{name: "from not a date", method: "GET", path: "/v1/invoices?from=2026-13-01", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"from"`}},
		{name: "to in another format", method: "GET", path: "/v1/invoices?to=20%2F03%2F2026", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"to"`}},
		{name: "to before from", method: "GET", path: "/v1/invoices?from=2026-03-05&to=2026-03-01", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"to"`}},
		{name: "every bad parameter is named", method: "GET", path: "/v1/invoices?from=x&limit=abc&order=up", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"from"`, `"field":"limit"`, `"field":"order"`}},
		{name: "limit zero", method: "GET", path: "/v1/invoices?limit=0", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"limit"`}},
		{name: "unknown sort", method: "GET", path: "/v1/invoices?sort=colour", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"sort"`}},
		{name: "unknown status", method: "GET", path: "/v1/invoices?status=lost", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"status"`}},
		{name: "bad cursor", method: "GET", path: "/v1/invoices?cursor=nonsense", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "unknown invoice", method: "GET", path: "/v1/invoices/inv_nosuch", key: acct,
			wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
	})

	inv := f.list(t, "customer_id="+f.beta.ID)[0]
	s.run(t, scenario{name: "get with lines and derived status", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
		wantStatus: 200,
		wantBody: []string{`"number":1001`, `"kind":"invoice"`, `"status":"overdue"`, `"invoice_date":"2026-03-01"`,
			`"due_date":"2026-03-11"`, `"customer_name":"Beta Bygg AB"`, `"net_total":24000`, `"vat_total":6000`,
			`"total":30000`, `"vat_breakdown":[{"vat_rate":"25","net":24000,"vat":6000}]`,
			`"lines":[{"description":"Smörgåstårta","product_group":"food","quantity":"1","unit_price":30000,"vat_rate":"25"`,
			`"provider":"open"`, `"currency":"SEK"`}})
}

// TestDraftLifecycle: a manual draft is edited, posted into the series the
// register's charges use, rendered as PDF and marked paid.
func TestDraftLifecycle(t *testing.T) {
	s := newStack(t)
	s.configureInvoicing(s.a, validSettings)
	acct := s.a.key(core.RoleAccountant)
	cust := s.createCustomer(s.a, `{"name":"Konsult AB","due_days":30}`)
	other := s.createCustomer(s.a, `{"name":"Annan Kund AB","due_days":10}`)
	charged := s.charge(s.a, "life-1", chargeBody(cust.ID, 10000, "r1")).Invoice
	if charged.Number != 1001 {
		t.Fatalf("first charge numbered %d", charged.Number)
	}

	runScenarios(t, s, []scenario{
		{name: "bad draft names each field", method: "POST", path: "/v1/invoices", key: acct,
			body:       `{"customer_id":"","invoice_date":"2026-02-30","lines":[{"description":"x","quantity":"1","unit_price":100,"vat_rate":"7"}]}`,
			wantStatus: 422, wantBody: []string{`"field":"customer_id"`, `"field":"invoice_date"`, `"field":"lines[0].vat_rate"`}},
		{name: "draft for an unknown customer", method: "POST", path: "/v1/invoices", key: acct,
			body: draftBody("cus_nosuch", 100), wantStatus: 422, wantBody: []string{`"field":"customer_id"`}},
		{name: "draft with an unknown field", method: "POST", path: "/v1/invoices", key: acct,
			body: `{"customer_id":"x","lines":[],"number":7}`, wantStatus: 400, wantBody: []string{`"field":"number"`}},
	})

	r := s.run(t, scenario{name: "create draft", method: "POST", path: "/v1/invoices", key: acct, body: draftBody(cust.ID, 10000),
		wantStatus: 201, wantBody: []string{`"status":"draft"`, `"kind":"invoice"`, `"net_total":20000`, `"vat_total":5000`,
			`"total":25000`, `"comment":"Tack för beställningen"`}, notBody: []string{`"number"`}})
	var draft core.Invoice
	r.decode(t, &draft)
	if got := r.header.Get("Location"); got != "/v1/invoices/"+draft.ID {
		t.Errorf("Location %q", got)
	}
	path := "/v1/invoices/" + draft.ID

	runScenarios(t, s, []scenario{
		{name: "draft is listed as draft", method: "GET", path: "/v1/invoices?status=draft", key: acct, wantStatus: 200,
			wantBody: []string{draft.ID}, notBody: []string{charged.ID}},
		{name: "replace the whole draft", method: "PATCH", path: path, key: acct,
			body: `{"customer_id":"` + other.ID + `","reference":"PO-77",
				"lines":[{"description":"Lunchbuffé","product_group":"food","quantity":"3","unit_price":10000,"vat_rate":"12"}]}`,
			wantStatus: 200,
			wantBody: []string{`"status":"draft"`, `"customer_id":"` + other.ID + `"`, `"reference":"PO-77"`, `"comment":""`,
				`"net_total":30000`, `"vat_total":3600`, `"total":33600`, `"description":"Lunchbuffé"`},
			notBody: []string{"Konsulttimme", "Tack för"}},
		{name: "bad edit names fields", method: "PATCH", path: path, key: acct,
			body: `{"customer_id":"` + cust.ID + `","lines":[]}`, wantStatus: 422, wantBody: []string{`"field":"lines"`}},
		{name: "edit of an unknown invoice", method: "PATCH", path: "/v1/invoices/inv_nosuch", key: acct,
			body: draftBody(cust.ID, 100), wantStatus: 404},
		{name: "a draft has no journal entries", method: "GET", path: path + "/journal-entries", key: acct, wantStatus: 409},
		{name: "a draft is not e-mailed", method: "POST", path: path + "/email", key: acct, wantStatus: 409},
		{name: "a draft is not paid", method: "POST", path: path + "/payments", key: acct,
			body: `{"paid_at":"2026-03-02"}`, wantStatus: 409},
		{name: "a draft is not voided", method: "POST", path: path + "/void", key: acct, wantStatus: 409},
	})

	r = s.run(t, scenario{name: "post", method: "POST", path: path + "/post", key: acct, wantStatus: 200,
		wantBody: []string{`"status":"posted"`, `"number":1002`, `"total":33600`, `"customer_name":"Annan Kund AB"`}})
	var posted core.Invoice
	r.decode(t, &posted)
	if posted.OCR == "" || posted.DueDate == "" || posted.DueDate < posted.InvoiceDate {
		t.Errorf("posted invoice lacks a payment reference or due date: ocr %q, due %q, date %q", posted.OCR, posted.DueDate, posted.InvoiceDate)
	}
	if next := s.charge(s.a, "life-2", chargeBody(cust.ID, 5000, "r2")).Invoice; next.Number != 1003 {
		t.Errorf("charge after the posted draft numbered %d, want 1003", next.Number)
	}
	runScenarios(t, s, []scenario{
		{name: "posting again answers it unchanged", method: "POST", path: path + "/post", key: acct, wantStatus: 200,
			wantBody: []string{`"number":1002`, `"status":"posted"`}},
		{name: "a posted invoice cannot be edited", method: "PATCH", path: path, key: acct,
			body: draftBody(cust.ID, 100), wantStatus: 409, wantBody: []string{`"code":"conflict"`}},
		{name: "post an unknown invoice", method: "POST", path: "/v1/invoices/inv_nosuch/post", key: acct, wantStatus: 404},
		{name: "pdf of an unknown invoice", method: "GET", path: "/v1/invoices/inv_nosuch/pdf", key: acct, wantStatus: 404},
		{name: "pdf of another merchant's invoice", method: "GET", path: path + "/pdf", key: s.b.key(core.RoleAdmin), wantStatus: 404},
	})

	pdf := s.do("GET", path+"/pdf", acct, "", nil)
	if pdf.status != 200 || !strings.HasPrefix(pdf.body, "%PDF") {
		t.Fatalf("pdf: %d %.80q", pdf.status, pdf.body)
	}
	if ct := pdf.header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("pdf Content-Type %q", ct)
	}
	if cd := pdf.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `inline; filename="`) || !strings.Contains(cd, ".pdf\"") {
		t.Errorf("pdf Content-Disposition %q", cd)
	}

	runScenarios(t, s, []scenario{
		{name: "paid_at is required", method: "POST", path: path + "/payments", key: acct, body: `{}`,
			wantStatus: 422, wantBody: []string{`"field":"paid_at"`}},
		{name: "paid_at in the future", method: "POST", path: path + "/payments", key: acct, body: `{"paid_at":"2026-03-03"}`,
			wantStatus: 422, wantBody: []string{`"field":"paid_at"`}},
		{name: "paid_at not a date", method: "POST", path: path + "/payments", key: acct, body: `{"paid_at":"2 mars"}`,
			wantStatus: 422, wantBody: []string{`"field":"paid_at"`}},
		{name: "paid_at of the wrong type", method: "POST", path: path + "/payments", key: acct, body: `{"paid_at":20260302}`,
			wantStatus: 400, wantBody: []string{`"field":"paid_at"`}},
		{name: "mark paid", method: "POST", path: path + "/payments", key: acct, body: `{"paid_at":"2026-03-02"}`,
			wantStatus: 200, wantBody: []string{`"status":"paid"`, `"paid_at":"2026-03-02"`, `"number":1002`}},
		{name: "listed as paid", method: "GET", path: "/v1/invoices?status=paid", key: acct, wantStatus: 200,
			wantBody: []string{posted.ID}, notBody: []string{charged.ID}},
		{name: "payments of an unknown invoice", method: "POST", path: "/v1/invoices/inv_nosuch/payments", key: acct,
			body: `{"paid_at":"2026-03-02"}`, wantStatus: 404},
	})
}

// TestVoidInvoice: voiding issues one full credit invoice that names the
// original, and the original shows as credited.
func TestVoidInvoice(t *testing.T) {
	s := newStack(t)
	acct := s.a.key(core.RoleAccountant)
	cust := s.createCustomer(s.a, `{"name":"Makulera AB","due_days":30}`)
	inv := s.charge(s.a, "void-1", chargeBody(cust.ID, 12500, "r1")).Invoice
	path := "/v1/invoices/" + inv.ID + "/void"

	r := s.run(t, scenario{name: "void", method: "POST", path: path, key: acct, wantStatus: 201,
		wantBody: []string{`"kind":"credit"`, `"number":1002`, `"credits_invoice_id":"` + inv.ID + `"`,
			`"credits_invoice_number":1001`, `"total":-12500`, `"vat_total":-2500`}})
	var credit core.Invoice
	r.decode(t, &credit)
	if got := r.header.Get("Location"); got != "/v1/invoices/"+credit.ID {
		t.Errorf("Location %q", got)
	}
	r = s.run(t, scenario{name: "voiding again answers the same credit invoice", method: "POST", path: path, key: acct, wantStatus: 201})
	var again core.Invoice
	r.decode(t, &again)
	if again.ID != credit.ID || again.Number != credit.Number {
		t.Errorf("second void made %s (%d), first %s (%d)", again.ID, again.Number, credit.ID, credit.Number)
	}
	runScenarios(t, s, []scenario{
		{name: "the original is void, not credited", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct, wantStatus: 200,
			wantBody: []string{`"status":"void"`, `"outstanding_amount":0`, `"credit_invoice_ids":["` + credit.ID + `"]`}},
		{name: "a void invoice cannot be paid", method: "POST", path: "/v1/invoices/" + inv.ID + "/payments", key: acct,
			body: `{"paid_at":"2026-03-02"}`, wantStatus: 409},
		{name: "the list filters on void", method: "GET", path: "/v1/invoices?status=void", key: acct, wantStatus: 200,
			wantBody: []string{`"id":"` + inv.ID + `"`}, notBody: []string{`"id":"` + credit.ID + `"`}},
		{name: "a void invoice is not listed as credited", method: "GET", path: "/v1/invoices?status=credited", key: acct, wantStatus: 200,
			notBody: []string{`"id":"` + inv.ID + `"`}},
		{name: "a credit invoice is not voided", method: "POST", path: "/v1/invoices/" + credit.ID + "/void", key: acct, wantStatus: 409},
		{name: "void an unknown invoice", method: "POST", path: "/v1/invoices/inv_nosuch/void", key: acct, wantStatus: 404},
		{name: "void another merchant's invoice", method: "POST", path: path, key: s.b.key(core.RoleAdmin), wantStatus: 404},
		{name: "one credit invoice in all", method: "GET", path: "/v1/invoices", key: acct, wantStatus: 200,
			notBody: []string{`"number":1003`}},
	})
}

// TestInvoicePayments: payments in parts through the HTTP API: paid_amount
// and outstanding_amount on the invoice, status paid only when nothing is
// outstanding, overpayment 422 naming amount, refunds reduce what is owed,
// and an Idempotency-Key records a payment once.
func TestInvoicePayments(t *testing.T) {
	s := newStack(t)
	acct := s.a.key(core.RoleAccountant)
	cust := s.createCustomer(s.a, `{"name":"Delbetalning AB","due_days":30}`)
	inv := s.charge(s.a, "pay-1", `{"customer_id":"`+cust.ID+`","location_id":"loc-1","receipt_id":"p1",
		"lines":[{"description":"Tårta","product_group":"food","quantity":"4","unit_price":2500,"vat_rate":"12"}]}`).Invoice
	path := "/v1/invoices/" + inv.ID + "/payments"
	get := "/v1/invoices/" + inv.ID
	// A refund of one of the four items takes 2500 off what is owed.
	s.run(t, scenario{name: "refund one", method: "POST", path: "/v1/refunds", key: s.a.key(core.RoleCashier),
		headers: map[string]string{"Idempotency-Key": "rf-pay-1"},
		body:    `{"invoice_id":"` + inv.ID + `","lines":[{"line":0,"quantity":"1"}]}`, wantStatus: 201})
	key := map[string]string{"Idempotency-Key": "bank-0001"}
	runScenarios(t, s, []scenario{
		{name: "a new invoice owes its amount", method: "GET", path: get, key: acct, wantStatus: 200,
			wantBody: []string{`"paid_amount":0`, `"outstanding_amount":7500`, `"status":"posted"`}},
		{name: "amount zero", method: "POST", path: path, key: acct, body: `{"paid_at":"2026-03-02","amount":0}`, wantStatus: 422,
			wantBody: []string{`"field":"amount"`}},
		{name: "amount not an integer", method: "POST", path: path, key: acct, body: `{"paid_at":"2026-03-02","amount":10.5}`, wantStatus: 400},
		{name: "method too long", method: "POST", path: path, key: acct,
			body: `{"paid_at":"2026-03-02","amount":100,"method":"` + strings.Repeat("x", core.MaxPaymentMethodLength+1) + `"}`, wantStatus: 422,
			wantBody: []string{`"field":"method"`}},
		{name: "paid_at in the future", method: "POST", path: path, key: acct, body: `{"paid_at":"2026-03-03","amount":100}`, wantStatus: 422,
			wantBody: []string{`"field":"paid_at"`}},
		{name: "a part", method: "POST", path: path, key: acct, headers: key, body: `{"paid_at":"2026-03-02","amount":3000,"method":"bank"}`,
			wantStatus: 200, wantBody: []string{`"status":"posted"`, `"paid_amount":3000`, `"outstanding_amount":4500`}},
		{name: "the same key replays", method: "POST", path: path, key: acct, headers: key, body: `{"paid_at":"2026-03-02","amount":3000,"method":"bank"}`,
			wantStatus: 200, wantBody: []string{`"paid_amount":3000`}, wantHeaders: map[string]string{"Idempotent-Replayed": "true"}},
		{name: "the same key with another body", method: "POST", path: path, key: acct, headers: key, body: `{"paid_at":"2026-03-02","amount":3001}`,
			wantStatus: 409},
		{name: "overpayment", method: "POST", path: path, key: acct, body: `{"paid_at":"2026-03-02","amount":4501}`, wantStatus: 422,
			wantBody: []string{`"field":"amount"`}},
		{name: "the list shows the amounts", method: "GET", path: "/v1/invoices?status=posted", key: acct, wantStatus: 200,
			wantBody: []string{`"paid_amount":3000`, `"outstanding_amount":4500`}},
		{name: "the rest", method: "POST", path: path, key: acct, body: `{"paid_at":"2026-03-02"}`, wantStatus: 200,
			wantBody: []string{`"status":"paid"`, `"paid_amount":7500`, `"outstanding_amount":0`, `"paid_at":"2026-03-02"`}},
		{name: "nothing left to pay", method: "POST", path: path, key: acct, body: `{"paid_at":"2026-03-02","amount":1}`, wantStatus: 422,
			wantBody: []string{`"field":"amount"`}},
		{name: "cashiers record no payments", method: "POST", path: path, key: s.a.key(core.RoleCashier), body: `{"paid_at":"2026-03-02"}`, wantStatus: 403},
	})
}

// TestJournalEntries: a posted invoice's and a credit invoice's entries
// balance on the BAS accounts the engine was given.
func TestJournalEntries(t *testing.T) {
	s := newStack(t)
	acct := s.a.key(core.RoleAccountant)
	cust := s.createCustomer(s.a, `{"name":"Bokför AB","due_days":30}`)
	res, _ := s.chargeRaw(s.a, "journal-1", `{"customer_id":"`+cust.ID+`","location_id":"loc-1","receipt_id":"r1",
		"lines":[{"description":"Lunch","product_group":"food","quantity":"2","unit_price":12900,"vat_rate":"12"},
		         {"description":"Öl","product_group":"drinks","quantity":"1","unit_price":7900,"vat_rate":"25"}]}`)
	inv := res.Invoice

	voucherOf := func(t *testing.T, id string) core.Voucher {
		t.Helper()
		r := s.run(t, scenario{name: "journal", method: "GET", path: "/v1/invoices/" + id + "/journal-entries", key: acct, wantStatus: 200})
		var v core.Voucher
		r.decode(t, &v)
		return v
	}
	check := func(t *testing.T, v core.Voucher, receivable int64) {
		t.Helper()
		var sum int64
		byAccount := map[string]int64{}
		for _, p := range v.Postings {
			sum += p.Amount
			byAccount[p.Account] += p.Amount
		}
		if sum != 0 {
			t.Errorf("postings sum to %d: %+v", sum, v.Postings)
		}
		if byAccount["1510"] != receivable {
			t.Errorf("receivables %d, want %d: %+v", byAccount["1510"], receivable, v.Postings)
		}
		for _, acc := range []string{"3001", "2611", "3002", "2621"} {
			if byAccount[acc] == 0 {
				t.Errorf("no posting on %s: %+v", acc, v.Postings)
			}
		}
		if v.Date != inv.InvoiceDate || v.Currency != "SEK" || v.ExternalRef == "" {
			t.Errorf("voucher header %+v", v)
		}
	}
	v := voucherOf(t, inv.ID)
	check(t, v, inv.Total)
	if byVAT := v.Postings; len(byVAT) != 5 {
		t.Errorf("%d postings, want receivables + 2 sales + 2 VAT: %+v", len(byVAT), byVAT)
	}
	for _, p := range v.Postings {
		if p.Account == "1510" && p.CustomerID != cust.ID {
			t.Errorf("receivables posting names customer %q", p.CustomerID)
		}
	}

	credit := s.run(t, scenario{name: "void", method: "POST", path: "/v1/invoices/" + inv.ID + "/void", key: acct, wantStatus: 201})
	var cr core.Invoice
	credit.decode(t, &cr)
	check(t, voucherOf(t, cr.ID), -inv.Total)

	runScenarios(t, s, []scenario{
		{name: "unknown invoice", method: "GET", path: "/v1/invoices/inv_nosuch/journal-entries", key: acct, wantStatus: 404},
		{name: "another merchant's invoice", method: "GET", path: "/v1/invoices/" + inv.ID + "/journal-entries",
			key: s.b.key(core.RoleAccountant), wantStatus: 404},
	})
}

// TestJournalEntriesWithRounding: with öresavrundning the amount to pay is
// whole kronor, the rounding goes to its own account and the entry still
// balances.
func TestJournalEntriesWithRounding(t *testing.T) {
	s := newStack(t)
	s.configureInvoicing(s.a, strings.Replace(validSettings, `"f_tax_approved":true`, `"f_tax_approved":true,"round_to_whole_kronor":true`, 1))
	cust := s.createCustomer(s.a, `{"name":"Avrunda AB"}`)
	inv := s.charge(s.a, "round-1", chargeBody(cust.ID, 12345, "r1")).Invoice
	if inv.Rounding != -45 || (inv.Total+inv.Rounding)%100 != 0 {
		t.Errorf("total %d rounding %d, want rounding -45", inv.Total, inv.Rounding)
	}
	r := s.run(t, scenario{name: "journal", method: "GET", path: "/v1/invoices/" + inv.ID + "/journal-entries",
		key: s.a.key(core.RoleAccountant), wantStatus: 200, wantBody: []string{`"account":"3740"`, `"amount":12300`}})
	var v core.Voucher
	r.decode(t, &v)
	var sum int64
	for _, p := range v.Postings {
		sum += p.Amount
	}
	if sum != 0 {
		t.Errorf("postings sum to %d: %+v", sum, v.Postings)
	}
}

// TestEmailInvoice: e-mailing queues the PDF durably; the outbox delivers it
// to the customer with the accountant in Cc, and the invoice shows it sent.
func TestEmailInvoice(t *testing.T) {
	s := newStack(t)
	acct := s.a.key(core.RoleAccountant)
	s.configureInvoicing(s.a, strings.Replace(validSettings, `"accountant_copy":{"enabled":false,"emails":[]}`,
		`"accountant_copy":{"enabled":true,"emails":["revisor@byra.example"]}`, 1))
	cust := s.createCustomer(s.a, `{"name":"Mottagare AB","email":"ekonomi@mottagare.example"}`)
	silent := s.createCustomer(s.a, `{"name":"Utan Epost AB"}`)
	inv := s.charge(s.a, "mail-1", chargeBody(cust.ID, 10000, "r1")).Invoice
	noMail := s.charge(s.a, "mail-2", chargeBody(silent.ID, 10000, "r2")).Invoice

	// The endpoint takes no body (an empty one or {}): anything else is
	// refused naming the field, and nothing is sent.
	email := "/v1/invoices/" + inv.ID + "/email"
	runScenarios(t, s, []scenario{
		{name: "a recipient is not accepted", method: "POST", path: email, key: acct, body: `{"to":"other@example.com"}`,
			wantStatus: 400, wantBody: []string{`"field":"to"`}},
		{name: "unknown fields are named", method: "POST", path: email, key: acct, body: `{"message":"Hej","cc":["x@example.com"]}`,
			wantStatus: 400, wantBody: []string{`"field":"message"`, `"field":"cc"`}},
		{name: "not an object", method: "POST", path: email, key: acct, body: `["to"]`,
			wantStatus: 400, wantBody: []string{`"field":"body"`}},
		{name: "malformed", method: "POST", path: email, key: acct, body: `{"to":`, wantStatus: 400},
		{name: "nothing queued by refused requests", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
			wantStatus: 200, notBody: []string{`"email_status"`}},
	})

	runScenarios(t, s, []scenario{
		{name: "queued ({} is no body)", method: "POST", path: email, key: acct, body: `{}`,
			wantStatus: 202, wantBody: []string{`"status":"queued"`}},
		{name: "the invoice shows it queued", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
			wantStatus: 200, wantBody: []string{`"email_status":"queued"`}},
		{name: "a customer without e-mail (no body at all)", method: "POST", path: "/v1/invoices/" + noMail.ID + "/email", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"customer.email"`, "Utan Epost AB"}},
		{name: "unknown invoice", method: "POST", path: "/v1/invoices/inv_nosuch/email", key: acct, wantStatus: 404},
		{name: "another merchant's invoice", method: "POST", path: "/v1/invoices/" + inv.ID + "/email",
			key: s.b.key(core.RoleAdmin), wantStatus: 404},
	})

	msgs := s.deliverMail(t, 1)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "ekonomi@mottagare.example" {
		t.Errorf("To %v", m.To)
	}
	// The accountant copy is blind: the customer does not see it.
	if len(m.Bcc) != 1 || m.Bcc[0] != "revisor@byra.example" || len(m.Cc) != 0 {
		t.Errorf("Cc %v, Bcc %v; want the accountant as the only Bcc", m.Cc, m.Bcc)
	}
	if m.ReplyTo != "faktura@alfa.example" {
		t.Errorf("Reply-To %q", m.ReplyTo)
	}
	if !strings.Contains(m.Subject, "1001") {
		t.Errorf("subject %q does not name invoice 1001", m.Subject)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	if a := m.Attachments[0]; a.ContentType != "application/pdf" || !strings.HasSuffix(a.Filename, ".pdf") || !strings.HasPrefix(string(a.Data), "%PDF") {
		t.Errorf("attachment %q %q %.8q", a.Filename, a.ContentType, a.Data)
	}
	s.run(t, scenario{name: "the invoice shows it sent", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"email_status":"sent"`}})

	// Without the accountant copy there is no copy; with auto_send a
	// charge is e-mailed on its own.
	s.configureInvoicing(s.a, strings.Replace(validSettings, `"auto_send":false`, `"auto_send":true`, 1))
	auto := s.charge(s.a, "mail-3", chargeBody(cust.ID, 2000, "r3")).Invoice
	msgs = s.deliverMail(t, 2)
	if m := msgs[1]; len(m.Cc) != 0 || len(m.Bcc) != 0 || !strings.Contains(m.Subject, "1003") {
		t.Errorf("automatic e-mail: subject %q, Cc %v, Bcc %v", m.Subject, m.Cc, m.Bcc)
	}
	s.run(t, scenario{name: "the automatic e-mail shows", method: "GET", path: "/v1/invoices/" + auto.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"email_status":"sent"`}})

	// An automatic e-mail to a customer without an address is not sent,
	// and the invoice says why rather than nothing.
	unsent := s.charge(s.a, "mail-4", chargeBody(silent.ID, 2000, "r4")).Invoice
	s.run(t, scenario{name: "no address shows on the invoice", method: "GET", path: "/v1/invoices/" + unsent.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"email_status":"no_address"`, "no e-mail address"}})
	// Once the customer has an address, sending by hand shows its status.
	s.do("PATCH", "/v1/customers/"+silent.ID, s.a.key(core.RoleAdmin), `{"email":"ny@utan.example"}`, nil)
	s.run(t, scenario{name: "sent by hand after all", method: "POST", path: "/v1/invoices/" + unsent.ID + "/email", key: acct,
		wantStatus: 202, wantBody: []string{`"status":"queued"`}})
	s.deliverMail(t, 3)
	s.run(t, scenario{name: "the invoice shows it sent", method: "GET", path: "/v1/invoices/" + unsent.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"email_status":"sent"`}})
}

func TestContentDisposition(t *testing.T) {
	tests := []struct{ name, want string }{
		{"faktura-1001.pdf", `inline; filename="faktura-1001.pdf"`},
		{"Faktura 1001 Kafé.pdf", `inline; filename="Faktura 1001 Kaf_.pdf"; filename*=UTF-8''Faktura%201001%20Kaf%C3%A9.pdf`},
		{`a"b\c/d.pdf`, `inline; filename="a_b_c_d.pdf"; filename*=UTF-8''a%22b%5Cc%2Fd.pdf`},
		{"x\r\nSet-Cookie: y.pdf", `inline; filename="x__Set-Cookie: y.pdf"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20y.pdf`},
	}
	for _, tt := range tests {
		if got := contentDisposition("inline", tt.name); got != tt.want {
			t.Errorf("contentDisposition(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestEmailWithoutMailer: a gateway without e-mail says so (501), and
// invoices still read without an e-mail status.
func TestEmailWithoutMailer(t *testing.T) {
	s := newStackWith(t, stackOptions{noMailer: true})
	cust := s.createCustomer(s.a, `{"name":"Post AB","email":"post@example.se"}`)
	inv := s.charge(s.a, "nomailer-1", chargeBody(cust.ID, 1000, "r1")).Invoice
	acct := s.a.key(core.RoleAccountant)
	runScenarios(t, s, []scenario{
		{name: "e-mail is unsupported", method: "POST", path: "/v1/invoices/" + inv.ID + "/email", key: acct,
			wantStatus: 501, wantBody: []string{`"code":"unsupported"`, "e-mail"}},
		{name: "the invoice reads", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
			wantStatus: 200, notBody: []string{`"email_status"`}},
	})
}

// TestDraftVATTreatment: POST /v1/invoices takes vat_treatment, stores and
// returns it (a credit invoice has its original's), and refuses, naming the
// field, what CheckVATTreatment refuses.
func TestDraftVATTreatment(t *testing.T) {
	s := newStack(t)
	s.configureInvoicing(s.a, validSettings)
	acct := s.a.key(core.RoleAccountant)
	german := s.createCustomer(s.a, `{"name":"Kaffee GmbH","vat_number":"DE123456789",
		"billing_address":{"line1":"Hauptstr. 1","postal_code":"10115","city":"Berlin","country":"DE"}}`)
	swedish := s.createCustomer(s.a, `{"name":"Konsult AB"}`)
	norwegian := s.createCustomer(s.a, `{"name":"Fjord AS","billing_address":{"country":"NO"}}`)
	body := func(customerID, treatment, rate string) string {
		b, _ := json.Marshal(map[string]any{"customer_id": customerID, "vat_treatment": treatment,
			"lines": []map[string]any{{"description": "Rådgivning", "quantity": "2", "unit_price": 100000, "vat_rate": rate}}})
		return string(b)
	}
	runScenarios(t, s, []scenario{
		{name: "unknown treatment", method: "POST", path: "/v1/invoices", key: acct, body: body(german.ID, "zero_rated", "0"),
			wantStatus: 422, wantBody: []string{`"field":"vat_treatment"`}},
		{name: "reverse charge with VAT", method: "POST", path: "/v1/invoices", key: acct, body: body(german.ID, "reverse_charge", "25"),
			wantStatus: 422, wantBody: []string{`"field":"lines[0].vat_rate"`}},
		{name: "reverse charge to a Swedish buyer", method: "POST", path: "/v1/invoices", key: acct, body: body(swedish.ID, "reverse_charge", "0"),
			wantStatus: 422, wantBody: []string{`"field":"customer.vat_number"`, `"field":"customer.billing_address.country"`}},
		{name: "export to Germany", method: "POST", path: "/v1/invoices", key: acct, body: body(german.ID, "export", "0"),
			wantStatus: 422, wantBody: []string{`"field":"customer.billing_address.country"`}},
		{name: "export to Norway", method: "POST", path: "/v1/invoices", key: acct, body: body(norwegian.ID, "export", "0"),
			wantStatus: 201, wantBody: []string{`"vat_treatment":"export"`, `"vat_total":0`}},
		{name: "a draft without treatment is domestic", method: "POST", path: "/v1/invoices", key: acct, body: draftBody(swedish.ID, 100),
			wantStatus: 201, wantBody: []string{`"vat_treatment":"domestic"`}},
	})

	r := s.run(t, scenario{name: "reverse charge", method: "POST", path: "/v1/invoices", key: acct, body: body(german.ID, "reverse_charge", "0"),
		wantStatus: 201, wantBody: []string{`"vat_treatment":"reverse_charge"`, `"vat_total":0`, `"total":200000`}})
	var draft core.Invoice
	r.decode(t, &draft)
	path := "/v1/invoices/" + draft.ID
	runScenarios(t, s, []scenario{
		{name: "an edit re-checks the treatment", method: "PATCH", path: path, key: acct, body: body(swedish.ID, "intra_community_supply", "0"),
			wantStatus: 422, wantBody: []string{`"field":"customer.vat_number"`}},
		{name: "intra-community supply", method: "PATCH", path: path, key: acct, body: body(german.ID, "intra_community_supply", "0"),
			wantStatus: 200, wantBody: []string{`"vat_treatment":"intra_community_supply"`}},
		{name: "post", method: "POST", path: path + "/post", key: acct, wantStatus: 200,
			wantBody: []string{`"status":"posted"`, `"vat_treatment":"intra_community_supply"`}},
		{name: "read", method: "GET", path: path, key: acct, wantStatus: 200, wantBody: []string{`"vat_treatment":"intra_community_supply"`}},
	})
	r = s.run(t, scenario{name: "void", method: "POST", path: path + "/void", key: acct, wantStatus: 201,
		wantBody: []string{`"kind":"credit"`, `"vat_treatment":"intra_community_supply"`}})
	var credit core.Invoice
	r.decode(t, &credit)
	for _, id := range []string{draft.ID, credit.ID} {
		pdf := s.do("GET", "/v1/invoices/"+id+"/pdf", acct, "", nil)
		if pdf.status != 200 || !strings.HasPrefix(pdf.body, "%PDF") {
			t.Fatalf("pdf of %s: %d %.80q", id, pdf.status, pdf.body)
		}
	}
}
