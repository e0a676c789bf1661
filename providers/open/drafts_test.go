package open

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func draftRequest(ref, customerID string, date core.Date, lines ...core.LineInput) core.InvoiceRequest {
	r := request(ref, customerID, date, lines...)
	r.Draft = true
	return r
}

func TestDraftLifecycle(t *testing.T) {
	p, clock := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1001")
	acme := mustCustomer(t, p, conn, invoiceable("Acme AB"))
	beta := invoiceable("Beta AB")
	beta.DueDays = 10
	b := mustCustomer(t, p, conn, beta)

	draft, err := p.CreateInvoice(ctx, conn, draftRequest("bo_1", acme.ID, "2026-01-20", lineIn("Repair", "2", 50000, "25")))
	if err != nil {
		t.Fatal(err)
	}
	if draft.Status != core.StatusDraft || draft.Number != 0 || draft.ProviderRef != "" || draft.OCR != "" ||
		draft.DueDate != "" || draft.CustomerName != "Acme AB" || draft.ExternalRef != "bo_1" {
		t.Fatalf("draft = %+v", draft)
	}
	if got, err := p.GetInvoice(ctx, conn, draft.ID); err != nil || !reflect.DeepEqual(got, draft) {
		t.Fatalf("stored draft differs: %v\n got %+v\nwant %+v", err, got, draft)
	}
	// Idempotent like a posted invoice.
	if again, err := p.CreateInvoice(ctx, conn, draftRequest("bo_1", b.ID, "2026-01-21", lineIn("X", "1", 1, "25"))); err != nil || again.ID != draft.ID {
		t.Fatalf("replay: %+v, %v", again, err)
	}

	// Editing replaces customer, date, texts, lines and totals.
	upd := request("ignored", b.ID, "2026-01-22", lineIn("Repair", "3", 50000, "25"), lineIn("Parts", "1", 12000, "12"))
	upd.Reference, upd.Comment = "WO-7", "service order 7"
	clock.Advance(1000)
	edited, err := p.UpdateDraft(ctx, conn, draft.ID, upd)
	if err != nil {
		t.Fatal(err)
	}
	if edited.ID != draft.ID || edited.Status != core.StatusDraft || edited.Number != 0 || edited.CustomerID != b.ID ||
		edited.CustomerName != "Beta AB" || edited.InvoiceDate != "2026-01-22" || edited.Reference != "WO-7" ||
		edited.Comment != "service order 7" || edited.Total != upd.Total || edited.VATTotal != upd.VATTotal ||
		edited.ExternalRef != "bo_1" || !edited.CreatedAt.Equal(draft.CreatedAt) {
		t.Fatalf("edited = %+v", edited)
	}
	assertLinesEqual(t, edited.Lines, upd.Lines)
	assertBreakdownEqual(t, edited.VATBreakdown, upd.VATBreakdown)
	if got, err := p.GetInvoice(ctx, conn, draft.ID); err != nil || !reflect.DeepEqual(got, edited) {
		t.Fatalf("stored edit differs: %v\n got %+v\nwant %+v", err, got, edited)
	}

	// Posting numbers it, dates it, sets its due date from the customer.
	posted, err := p.PostInvoice(ctx, conn, draft.ID, "2026-01-25")
	if err != nil {
		t.Fatal(err)
	}
	if posted.Status != core.StatusPosted || posted.Number != 1001 || posted.ProviderRef != "1001" ||
		posted.InvoiceDate != "2026-01-25" || posted.DueDate != "2026-02-04" || posted.OCR == "" || posted.Total != edited.Total {
		t.Fatalf("posted = %+v", posted)
	}
	if got, err := p.GetInvoice(ctx, conn, draft.ID); err != nil || !reflect.DeepEqual(got, posted) {
		t.Fatalf("stored posted differs: %v\n got %+v\nwant %+v", err, got, posted)
	}
	// Posting again returns it unchanged, with another date too.
	if again, err := p.PostInvoice(ctx, conn, draft.ID, "2026-02-01"); err != nil || !reflect.DeepEqual(again, posted) {
		t.Fatalf("post again: %v\n got %+v\nwant %+v", err, again, posted)
	}
	// A posted invoice is immutable.
	_, err = p.UpdateDraft(ctx, conn, draft.ID, upd)
	wantCode(t, err, core.CodeConflict, "")

	// A paid invoice posts unchanged; a credited one is a conflict.
	if _, err := p.MarkInvoicePaid(ctx, conn, core.PaymentRequest{InvoiceID: posted.ID, PaidAt: "2026-01-26"}); err != nil {
		t.Fatal(err)
	}
	if again, err := p.PostInvoice(ctx, conn, posted.ID, ""); err != nil || again.Status != core.StatusPaid || again.Number != 1001 {
		t.Fatalf("post paid: %+v, %v", again, err)
	}
	if _, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: posted.ID, Date: "2026-01-27"}); err != nil {
		t.Fatal(err)
	}
	_, err = p.PostInvoice(ctx, conn, posted.ID, "")
	wantCode(t, err, core.CodeConflict, "")
}

func TestDraftRefusals(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1001")
	ok := mustCustomer(t, p, conn, invoiceable("Ok AB"))
	sleepy := invoiceable("Sleepy AB")
	sleeping := mustCustomer(t, p, conn, sleepy)
	draft, err := p.CreateInvoice(ctx, conn, draftRequest("", ok.ID, "2026-01-20", lineIn("Tea", "1", 2500, "6")))
	if err != nil {
		t.Fatal(err)
	}
	good := request("", ok.ID, "2026-01-20", lineIn("Tea", "2", 2500, "6"))

	updates := []struct {
		name  string
		conn  core.Connection
		id    string
		req   core.InvoiceRequest
		code  core.ErrorCode
		field string
	}{
		{"unknown draft", conn, "inv_nope", good, core.CodeNotFound, ""},
		{"other merchant", connB, draft.ID, good, core.CodeNotFound, ""},
		{"unknown customer", conn, draft.ID, request("", "cus_nope", "2026-01-20", lineIn("Tea", "1", 2500, "6")), core.CodeInvalid, "customer_id"},
		{"no lines", conn, draft.ID, func() core.InvoiceRequest { r := good; r.Lines = nil; return r }(), core.CodeInvalid, "lines"},
		{"bad total", conn, draft.ID, func() core.InvoiceRequest { r := good; r.Total++; return r }(), core.CodeInvalid, "total"},
		{"unknown orderer", conn, draft.ID, func() core.InvoiceRequest { r := good; r.OrderedBy = "cus_nope"; return r }(), core.CodeInvalid, "ordered_by"},
	}
	for _, tt := range updates {
		t.Run("update "+tt.name, func(t *testing.T) {
			_, err := p.UpdateDraft(ctx, tt.conn, tt.id, tt.req)
			wantCode(t, err, tt.code, tt.field)
		})
	}
	if got, _ := p.GetInvoice(ctx, conn, draft.ID); got.Total != draft.Total || len(got.Lines) != 1 {
		t.Fatalf("refused updates changed the draft: %+v", got)
	}

	// Posting needs a customer that may still be invoiced.
	if _, err := p.UpdateCustomer(ctx, conn, ok.ID, core.CustomerPatch{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = p.PostInvoice(ctx, conn, draft.ID, "")
	wantCode(t, err, core.CodeInvalid, "customer_id")
	if _, err := p.UpdateCustomer(ctx, conn, ok.ID, core.CustomerPatch{Active: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	posts := []struct {
		name  string
		conn  core.Connection
		id    string
		date  core.Date
		code  core.ErrorCode
		field string
	}{
		{"unknown", conn, "inv_nope", "", core.CodeNotFound, ""},
		{"other merchant", connB, draft.ID, "", core.CodeNotFound, ""},
		{"bad date", conn, draft.ID, "2026-02-30", core.CodeInvalid, "date"},
		{"bad start number", withStart(connA, "0"), draft.ID, "", core.CodeInvalid, core.SettingInvoiceStartNumber},
	}
	for _, tt := range posts {
		t.Run("post "+tt.name, func(t *testing.T) {
			_, err := p.PostInvoice(ctx, tt.conn, tt.id, tt.date)
			wantCode(t, err, tt.code, tt.field)
		})
	}
	// A draft is not paid, credited or rendered.
	_, err = p.MarkInvoicePaid(ctx, conn, core.PaymentRequest{InvoiceID: draft.ID, PaidAt: "2026-01-21"})
	wantCode(t, err, core.CodeConflict, "")
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{InvoiceID: draft.ID})
	wantCode(t, err, core.CodeConflict, "")
	_, err = p.InvoicePDF(ctx, withSettings(conn, pdfSeller()), draft.ID)
	wantCode(t, err, core.CodeConflict, "")
	// Drafts of inactive customers are refused like invoices.
	_, err = p.CreateInvoice(ctx, conn, draftRequest("", sleeping.ID, "2026-01-20", lineIn("Tea", "1", 2500, "6")))
	if err != nil {
		t.Fatalf("active customer: %v", err)
	}
	if _, err := p.UpdateCustomer(ctx, conn, sleeping.ID, core.CustomerPatch{InvoicingEnabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = p.CreateInvoice(ctx, conn, draftRequest("", sleeping.ID, "2026-01-20", lineIn("Tea", "1", 2500, "6")))
	wantCode(t, err, core.CodeInvalid, "customer_id")
	// Nothing refused took a number.
	posted, err := p.PostInvoice(ctx, conn, draft.ID, "")
	if err != nil || posted.Number != 1001 || posted.InvoiceDate != "2026-01-20" {
		t.Fatalf("post: #%d on %s, %v; want #1001 today", posted.Number, posted.InvoiceDate, err)
	}
	// The list shows drafts under their status.
	page, err := p.ListInvoices(ctx, conn, core.InvoiceQuery{Status: core.StatusDraft})
	if err != nil || len(page.Invoices) != 1 || page.Invoices[0].Number != 0 {
		t.Fatalf("draft list: %+v, %v", page.Invoices, err)
	}
}

// TestDraftsTakeNoNumber interleaves drafts, register charges and postings,
// then posts many drafts while charges run concurrently: drafts take no
// number until posted, and the series stays contiguous.
func TestDraftsTakeNoNumber(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1")
	c := mustCustomer(t, p, conn, invoiceable("Mixed AB"))
	tea := func(ref string, draft bool) core.InvoiceRequest {
		r := request(ref, c.ID, "2026-01-20", lineIn("Tea", "1", 2500, "6"))
		r.Draft = draft
		return r
	}
	d1, err := p.CreateInvoice(ctx, conn, tea("d1", true))
	if err != nil {
		t.Fatal(err)
	}
	i1, _ := p.CreateInvoice(ctx, conn, tea("c1", false))
	d2, _ := p.CreateInvoice(ctx, conn, tea("d2", true))
	i2, _ := p.CreateInvoice(ctx, conn, tea("c2", false))
	if i1.Number != 1 || i2.Number != 2 {
		t.Fatalf("charges numbered %d, %d around drafts; want 1, 2", i1.Number, i2.Number)
	}
	p2, _ := p.PostInvoice(ctx, conn, d2.ID, "")
	i3, _ := p.CreateInvoice(ctx, conn, tea("c3", false))
	p1, err := p.PostInvoice(ctx, conn, d1.ID, "")
	if err != nil || p2.Number != 3 || i3.Number != 4 || p1.Number != 5 {
		t.Fatalf("numbers %d, %d, %d (%v); want 3, 4, 5 in posting order", p2.Number, i3.Number, p1.Number, err)
	}

	const drafts, charges = 20, 20
	ids := make([]string, drafts)
	for i := range ids {
		d, err := p.CreateInvoice(ctx, conn, tea(fmt.Sprintf("dd_%d", i), true))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = d.ID
	}
	var wg sync.WaitGroup
	numbers := make(chan int64, 2*drafts+charges)
	for i := range drafts {
		for range 2 { // each draft is posted twice at once: once numbered
			wg.Add(1)
			go func() {
				defer wg.Done()
				inv, err := p.PostInvoice(ctx, conn, ids[i], "")
				if err != nil {
					t.Error(err)
					return
				}
				numbers <- inv.Number
			}()
		}
	}
	for i := range charges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inv, err := p.CreateInvoice(ctx, conn, tea(fmt.Sprintf("cc_%d", i), false))
			if err != nil {
				t.Error(err)
				return
			}
			numbers <- inv.Number
		}()
	}
	wg.Wait()
	close(numbers)
	seen := map[int64]int{}
	for n := range numbers {
		seen[n]++
	}
	if len(seen) != drafts+charges {
		t.Fatalf("%d distinct numbers, want %d", len(seen), drafts+charges)
	}
	for n := int64(6); n < 6+drafts+charges; n++ {
		if seen[n] == 0 {
			t.Fatalf("number %d missing: the series has a gap", n)
		}
	}
	var stored int
	if err := p.db.Reader().Get(&stored, `SELECT count(DISTINCT number) FROM invoices WHERE merchant_id = ? AND number > 0`, conn.MerchantID); err != nil || stored != 5+drafts+charges {
		t.Fatalf("%d numbered invoices, %v", stored, err)
	}
}

// TestParentInvoicing stores the buying customer of an invoice sent to its
// parent company, keeps it on the credit, and refuses an unknown orderer.
func TestParentInvoicing(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	parent := invoiceable("Koncern AB")
	parent.DueDays = 45
	par := mustCustomer(t, p, connA, parent)
	sub := invoiceable("Dotter AB")
	sub.ParentCustomerID = par.ID
	sub.PurchaseInstruction = "State your department"
	child := mustCustomer(t, p, connA, sub)
	if child.ParentCustomerID != par.ID || child.PurchaseInstruction != "State your department" {
		t.Fatalf("child = %+v", child)
	}

	req := request("ch_1", par.ID, "2026-01-20", lineIn("Lunch", "1", 12900, "12"))
	req.OrderedBy = child.ID
	inv, err := p.CreateInvoice(ctx, connA, req)
	if err != nil {
		t.Fatal(err)
	}
	if inv.CustomerID != par.ID || inv.CustomerName != "Koncern AB" || inv.OrderedByCustomerID != child.ID || inv.DueDate != "2026-03-06" {
		t.Fatalf("invoice = %+v", inv)
	}
	if got, _ := p.GetInvoice(ctx, connA, inv.ID); got.OrderedByCustomerID != child.ID {
		t.Fatalf("stored orderer %q", got.OrderedByCustomerID)
	}
	credit, err := p.CreditInvoice(ctx, connA, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID})
	if err != nil || credit.OrderedByCustomerID != child.ID || credit.CustomerID != par.ID {
		t.Fatalf("credit: %+v, %v", credit, err)
	}
	// The buyer as the invoice's own customer stores no orderer.
	self := request("ch_2", child.ID, "2026-01-20", lineIn("Lunch", "1", 12900, "12"))
	self.OrderedBy = child.ID
	if inv, err := p.CreateInvoice(ctx, connA, self); err != nil || inv.OrderedByCustomerID != "" {
		t.Fatalf("self-ordered: %q, %v", inv.OrderedByCustomerID, err)
	}
	bad := request("ch_3", par.ID, "2026-01-20", lineIn("Lunch", "1", 12900, "12"))
	for _, orderer := range []string{"cus_nope", mustCustomer(t, p, connB, invoiceable("B AB")).ID} {
		bad.OrderedBy = orderer
		_, err = p.CreateInvoice(ctx, connA, bad)
		wantCode(t, err, core.CodeInvalid, "ordered_by")
	}
}

// TestCreditNamesInvoiceNumber: a credit invoice carries the number of the
// invoice it credits and can be marked paid once settled.
func TestCreditNamesInvoiceNumber(t *testing.T) {
	p, conn, inv := creditFixture(t, lineIn("Coffee", "2", 3500, "6"))
	ctx := context.Background()
	credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	if credit.CreditsInvoiceNumber != inv.Number || credit.CreditsInvoiceID != inv.ID || credit.Number != inv.Number+1 {
		t.Fatalf("credit = %+v", credit)
	}
	if got, _ := p.GetInvoice(ctx, conn, credit.ID); got.CreditsInvoiceNumber != inv.Number {
		t.Fatalf("stored credits number %d", got.CreditsInvoiceNumber)
	}
	page, err := p.ListInvoices(ctx, conn, core.InvoiceQuery{})
	if err != nil || len(page.Invoices) != 2 || page.Invoices[1].CreditsInvoiceNumber != inv.Number {
		t.Fatalf("list: %+v, %v", page.Invoices, err)
	}
	settled, err := p.MarkInvoicePaid(ctx, conn, core.PaymentRequest{InvoiceID: credit.ID, PaidAt: "2026-01-25"})
	if err != nil || settled.Status != core.StatusPaid || settled.Kind != core.KindCredit {
		t.Fatalf("settle credit: %+v, %v", settled, err)
	}
	// Over-crediting stays invalid.
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_2", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: dec("1.5")}}})
	wantCode(t, err, core.CodeInvalid, "lines[0].quantity")
}
