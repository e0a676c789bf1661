package open

import (
	"context"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func creditFixture(t *testing.T, lines ...core.LineInput) (*Provider, core.Connection, core.Invoice) {
	t.Helper()
	p, _ := newProvider(t)
	conn := withStart(connA, "1001")
	c := mustCustomer(t, p, conn, invoiceable("Refund AB"))
	inv, err := p.CreateInvoice(context.Background(), conn, request("ch_1", c.ID, "2026-01-20", lines...))
	if err != nil {
		t.Fatal(err)
	}
	return p, conn, inv
}

func TestCreditWholeInvoice(t *testing.T) {
	p, conn, inv := creditFixture(t,
		lineIn("Coffee", "2", 3500, "6"),
		lineIn("Lunch", "1", 12900, "12"),
		lineIn("Wine", "0.5", 39900, "25"))
	ctx := context.Background()
	credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID, Date: "2026-01-25"})
	if err != nil {
		t.Fatal(err)
	}
	if credit.Kind != core.KindCredit || credit.Status != core.StatusPosted || credit.Number != 1002 ||
		credit.CreditsInvoiceID != inv.ID || credit.CustomerID != inv.CustomerID || credit.CustomerName != inv.CustomerName ||
		credit.InvoiceDate != "2026-01-25" || credit.ExternalRef != "rf_1" || credit.Provider != "open" || credit.ProviderRef != "1002" {
		t.Fatalf("credit = %+v", credit)
	}
	if credit.NetTotal != -inv.NetTotal || credit.VATTotal != -inv.VATTotal || credit.Total != -inv.Total {
		t.Fatalf("credit totals %d/%d/%d, invoice %d/%d/%d", credit.NetTotal, credit.VATTotal, credit.Total, inv.NetTotal, inv.VATTotal, inv.Total)
	}
	negated := make([]core.InvoiceLine, len(inv.Lines))
	for i, l := range inv.Lines {
		l.Quantity, l.Net, l.VAT, l.Total = l.Quantity.Neg(), -l.Net, -l.VAT, -l.Total
		negated[i] = l
	}
	assertLinesEqual(t, credit.Lines, negated)
	var negBreakdown []core.VATAmount
	for _, b := range inv.VATBreakdown {
		negBreakdown = append(negBreakdown, core.VATAmount{VATRate: b.VATRate, Net: -b.Net, VAT: -b.VAT})
	}
	assertBreakdownEqual(t, credit.VATBreakdown, negBreakdown)

	stored, err := p.GetInvoice(ctx, conn, credit.ID)
	if err != nil || !reflect.DeepEqual(stored, credit) {
		t.Fatalf("stored credit differs: %v\n got %+v\nwant %+v", err, stored, credit)
	}
	orig, _ := p.GetInvoice(ctx, conn, inv.ID)
	if orig.Status != core.StatusCredited {
		t.Fatalf("original status %s, want credited", orig.Status)
	}

	// A retry of the same credit returns it; a new credit is refused.
	replay, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID})
	if err != nil || !reflect.DeepEqual(replay, credit) {
		t.Fatalf("replay: %+v, %v", replay, err)
	}
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_2", InvoiceID: inv.ID})
	wantCode(t, err, core.CodeConflict, "")
	// A credit invoice cannot itself be credited.
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_3", InvoiceID: credit.ID})
	wantCode(t, err, core.CodeConflict, "")
	// An invoice's reference cannot name a credit.
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "ch_1", InvoiceID: inv.ID})
	wantCode(t, err, core.CodeConflict, "external_ref")
	// Nothing refused took a number.
	next, err := p.CreateInvoice(ctx, conn, request("ch_2", inv.CustomerID, "2026-01-26", lineIn("Tea", "1", 2500, "6")))
	if err != nil || next.Number != 1003 {
		t.Fatalf("next number %d, %v; want 1003", next.Number, err)
	}
}

func TestCreditPartial(t *testing.T) {
	// 2 × 10.03 kr at 25 % incl. VAT: total 2006, VAT 401.2 → 401, net 1605.
	// 3 × 33.33 kr at 12 %: total 9999, VAT 1071.32 → 1071, net 8928.
	p, conn, inv := creditFixture(t, lineIn("Beer", "2", 1003, "25"), lineIn("Plate", "3", 3333, "12"))
	ctx := context.Background()
	if l := inv.Lines[0]; l.Total != 2006 || l.VAT != 401 || l.Net != 1605 {
		t.Fatalf("precondition: line 0 priced %+v", l)
	}
	if l := inv.Lines[1]; l.Total != 9999 || l.VAT != 1071 || l.Net != 8928 {
		t.Fatalf("precondition: line 1 priced %+v", l)
	}

	// 1 of 2 beers: total 1003, VAT 401/2 = 200.5 → 201 (half away from zero), net 802.
	c1, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: decimal.NewFromInt(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	wantLine(t, c1.Lines[0], "-1", -802, -201, -1003)
	if c1.Total != -1003 || c1.VATTotal != -201 || c1.NetTotal != -802 || c1.Number != 1002 {
		t.Fatalf("credit 1 = %+v", c1)
	}
	assertBreakdownEqual(t, c1.VATBreakdown, []core.VATAmount{{VATRate: decimal.NewFromInt(25), Net: -802, VAT: -201}})
	if orig, _ := p.GetInvoice(ctx, conn, inv.ID); orig.Status != core.StatusPosted {
		t.Fatalf("partly credited invoice has status %s, want posted", orig.Status)
	}

	// Over-crediting counts the earlier credit; a bad line index is named.
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_x", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 1, Quantity: decimal.NewFromInt(1)}, {Line: 0, Quantity: decimal.NewFromInt(2)}}})
	wantCode(t, err, core.CodeInvalid, "lines[1].quantity")
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_x", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 1, Quantity: decimal.NewFromInt(2)}, {Line: 1, Quantity: decimal.NewFromInt(2)}}})
	wantCode(t, err, core.CodeInvalid, "lines[1].quantity")
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_x", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 2, Quantity: decimal.NewFromInt(1)}}})
	wantCode(t, err, core.CodeInvalid, "lines[0].line")
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_x", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: decimal.Zero}}})
	wantCode(t, err, core.CodeInvalid, "lines[0].quantity")
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_x", InvoiceID: inv.ID, Date: "2026-01-19"})
	wantCode(t, err, core.CodeInvalid, "date")
	_, err = p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_x", InvoiceID: "inv_nope"})
	wantCode(t, err, core.CodeNotFound, "")

	// 1.5 of 3 plates: total 9999 × 0.5 = 4999.5 → 5000, VAT 1071 × 0.5 = 535.5 → 536, net 4464.
	c2, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_2", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 1, Quantity: decimal.RequireFromString("1.5")}}})
	if err != nil {
		t.Fatal(err)
	}
	wantLine(t, c2.Lines[0], "-1.5", -4464, -536, -5000)
	if c2.Number != 1003 {
		t.Fatalf("second credit number %d, want 1003 (refusals take no number)", c2.Number)
	}

	// Crediting the rest credits exactly what remains: the invoice nets to zero.
	c3, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_3", InvoiceID: inv.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(c3.Lines) != 2 {
		t.Fatalf("rest credit has %d lines", len(c3.Lines))
	}
	wantLine(t, c3.Lines[0], "-1", -803, -200, -1003)
	wantLine(t, c3.Lines[1], "-1.5", -4464, -535, -4999)
	assertBreakdownEqual(t, c3.VATBreakdown, []core.VATAmount{
		{VATRate: decimal.NewFromInt(12), Net: -4464, VAT: -535},
		{VATRate: decimal.NewFromInt(25), Net: -803, VAT: -200},
	})
	if sum := inv.Total + c1.Total + c2.Total + c3.Total; sum != 0 {
		t.Fatalf("invoice and credits sum to %d", sum)
	}
	if vat := inv.VATTotal + c1.VATTotal + c2.VATTotal + c3.VATTotal; vat != 0 {
		t.Fatalf("VAT of invoice and credits sums to %d", vat)
	}
	if orig, _ := p.GetInvoice(ctx, conn, inv.ID); orig.Status != core.StatusCredited {
		t.Fatalf("fully credited invoice has status %s", orig.Status)
	}
}

func TestCreditPaidInvoiceLineByLine(t *testing.T) {
	p, conn, inv := creditFixture(t, lineIn("Coffee", "1", 3500, "6"), lineIn("Lunch", "2", 12900, "12"))
	ctx := context.Background()
	if _, err := p.MarkInvoicePaid(ctx, conn, core.PaymentRequest{InvoiceID: inv.ID, PaidAt: "2026-01-22"}); err != nil {
		t.Fatal(err)
	}
	c1, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 1, Quantity: decimal.NewFromInt(2)}}})
	if err != nil {
		t.Fatal(err)
	}
	l := inv.Lines[1]
	wantLine(t, c1.Lines[0], "-2", -l.Net, -l.VAT, -l.Total)
	if orig, _ := p.GetInvoice(ctx, conn, inv.ID); orig.Status != core.StatusPaid {
		t.Fatalf("partly credited paid invoice: status %s", orig.Status)
	}
	c2, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_2", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: decimal.NewFromInt(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if c2.Total != -inv.Lines[0].Total {
		t.Fatalf("second credit total %d", c2.Total)
	}
	if orig, _ := p.GetInvoice(ctx, conn, inv.ID); orig.Status != core.StatusCredited {
		t.Fatalf("fully credited: status %s", orig.Status)
	}
}

func wantLine(t *testing.T, l core.InvoiceLine, qty string, net, vat, total int64) {
	t.Helper()
	if !l.Quantity.Equal(decimal.RequireFromString(qty)) || l.Net != net || l.VAT != vat || l.Total != total {
		t.Fatalf("credit line = qty %s net %d vat %d total %d; want qty %s net %d vat %d total %d",
			l.Quantity, l.Net, l.VAT, l.Total, qty, net, vat, total)
	}
}

// TestCreditRefusesZeroAndTooFineQuantities: a credit of a quantity finer
// than a line may have (3 decimals), or one whose amount rounds to 0 öre,
// made numbered 0 kr credit invoices; both are refused naming the quantity,
// and nothing is numbered.
func TestCreditRefusesZeroAndTooFineQuantities(t *testing.T) {
	p, conn, inv := creditFixture(t, lineIn("Kanelbulle", "10", 300, "12"))
	ctx := context.Background()
	for _, q := range []string{"0.0000001", "0.0001", "0.001"} {
		_, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_" + q, InvoiceID: inv.ID,
			Lines: []core.CreditLine{{Line: 0, Quantity: decimal.RequireFromString(q)}}})
		wantCode(t, err, core.CodeInvalid, "lines[0].quantity")
	}
	// The next credit still gets the next number: nothing was numbered.
	c, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_ok", InvoiceID: inv.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: decimal.RequireFromString("0.01")}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Number != inv.Number+1 || c.Total != -3 {
		t.Fatalf("credit = number %d total %d, want %d and -3", c.Number, c.Total, inv.Number+1)
	}
}

// A credit invoice's comment is in the language the merchant's invoices are
// printed in (invoicepdf's), not English.
func TestCreditCommentLanguage(t *testing.T) {
	for _, tt := range []struct {
		conn core.Connection
		want string
	}{
		{withStart(connA, "1001"), "Kreditering av faktura 1001"},
		{withStart(connNO, "1001"), "Kreditering av faktura 1001"},
	} {
		t.Run(string(tt.conn.Country), func(t *testing.T) {
			p, _ := newProvider(t)
			ctx := context.Background()
			c := mustCustomer(t, p, tt.conn, invoiceable("Refund AB"))
			inv, err := p.CreateInvoice(ctx, tt.conn, request("ch_1", c.ID, "2026-01-20", lineIn("Coffee", "2", 3500, "6")))
			if err != nil {
				t.Fatal(err)
			}
			credit, err := p.CreditInvoice(ctx, tt.conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID})
			if err != nil {
				t.Fatal(err)
			}
			if credit.Comment != tt.want {
				t.Errorf("comment = %q, want %q", credit.Comment, tt.want)
			}
		})
	}
}

// TestVATTreatmentIsStoredAndInherited: an invoice keeps its treatment
// through posting and reading, a draft's treatment can change, an invoice
// without one is domestic, and its credit invoices have the original's.
func TestVATTreatmentIsStoredAndInherited(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1001")
	c := mustCustomer(t, p, conn, invoiceable("GmbH"))

	plain, err := p.CreateInvoice(ctx, conn, request("plain", c.ID, "2026-01-20", lineIn("Kaffe", "1", 3500, "6")))
	if err != nil || plain.VATTreatment != core.TreatmentDomestic {
		t.Fatalf("an invoice without treatment: %q, %v; want domestic", plain.VATTreatment, err)
	}

	for _, tr := range []core.VATTreatment{core.TreatmentReverseCharge, core.TreatmentIntraCommunitySupply, core.TreatmentExport} {
		req := request("rc-"+string(tr), c.ID, "2026-01-20", lineIn("Consulting", "2", 100000, "0"))
		req.VATTreatment = tr
		inv, err := p.CreateInvoice(ctx, conn, req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.GetInvoice(ctx, conn, inv.ID)
		if err != nil || got.VATTreatment != tr || inv.VATTreatment != tr {
			t.Fatalf("%s: created %q, read %q, %v", tr, inv.VATTreatment, got.VATTreatment, err)
		}
		credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{InvoiceID: inv.ID, ExternalRef: "cr-" + string(tr)})
		if err != nil {
			t.Fatal(err)
		}
		readCredit, err := p.GetInvoice(ctx, conn, credit.ID)
		if err != nil || credit.VATTreatment != tr || readCredit.VATTreatment != tr {
			t.Errorf("%s: credit invoice %q, read %q, %v; want the original's", tr, credit.VATTreatment, readCredit.VATTreatment, err)
		}
	}

	draftReq := request("", c.ID, "2026-01-20", lineIn("Consulting", "1", 100000, "0"))
	draftReq.Draft = true
	draft, err := p.CreateInvoice(ctx, conn, draftReq)
	if err != nil || draft.VATTreatment != core.TreatmentDomestic {
		t.Fatalf("draft: %q, %v", draft.VATTreatment, err)
	}
	draftReq.VATTreatment = core.TreatmentExport
	if _, err := p.UpdateDraft(ctx, conn, draft.ID, draftReq); err != nil {
		t.Fatal(err)
	}
	posted, err := p.PostInvoice(ctx, conn, draft.ID, "2026-01-21")
	if err != nil || posted.VATTreatment != core.TreatmentExport {
		t.Errorf("posted draft: %q, %v; want export", posted.VATTreatment, err)
	}
}
