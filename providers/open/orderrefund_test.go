package open

import (
	"context"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestRefundOrder: a register refund of a collective order not invoiced
// yet cancels it (all of it) or reduces its lines (part), idempotent on the
// external reference; over-refunding is refused naming the quantity; the
// later collective invoice bills only what is left and leaves the
// cancelled order out (seed 000).
func TestRefundOrder(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "1001")
	c := mustCustomer(t, p, conn, collective("Samlad AB"))
	mustOrder := func(ref string, lines ...core.LineInput) core.Order {
		t.Helper()
		o, err := p.CreateOrder(ctx, conn, request(ref, c.ID, "2026-01-05", lines...))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	whole := mustOrder("ch_1", lineIn("Lunch", "1", 12900, "12"))
	part := mustOrder("ch_2", lineIn("Bun", "4", 1000, "12"), lineIn("Beer", "2", 4900, "25"))
	kept := mustOrder("ch_3", lineIn("Tea", "1", 2500, "6"))

	// Refused refunds change nothing.
	for _, tt := range []struct {
		name      string
		req       core.OrderRefundRequest
		code      core.ErrorCode
		wantField string
	}{
		{"unknown order", core.OrderRefundRequest{ExternalRef: "r_x", OrderID: "ord_nosuch"}, core.CodeNotFound, ""},
		{"other merchant's order", core.OrderRefundRequest{ExternalRef: "r_x", OrderID: whole.ID}, core.CodeNotFound, ""},
		{"more than the line", core.OrderRefundRequest{ExternalRef: "r_x", OrderID: part.ID,
			Lines: []core.CreditLine{{Line: 0, Quantity: dec("5")}}}, core.CodeInvalid, "lines[0].quantity"},
		{"no such line", core.OrderRefundRequest{ExternalRef: "r_x", OrderID: part.ID,
			Lines: []core.CreditLine{{Line: 1, Quantity: dec("1")}, {Line: 2, Quantity: dec("1")}}}, core.CodeInvalid, "lines[1].line"},
		{"zero quantity", core.OrderRefundRequest{ExternalRef: "r_x", OrderID: part.ID,
			Lines: []core.CreditLine{{Line: 0, Quantity: dec("0")}}}, core.CodeInvalid, "lines[0].quantity"},
	} {
		c := conn
		if tt.name == "other merchant's order" {
			c = connB
		}
		_, err := p.RefundOrder(ctx, c, tt.req)
		if core.Code(err) != tt.code || (tt.wantField != "" && !hasField(err, tt.wantField)) {
			t.Errorf("%s: %v, want %s naming %q", tt.name, err, tt.code, tt.wantField)
		}
	}

	// All of an order: cancelled, nothing left.
	cancelled, err := p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: "r_1", OrderID: whole.ID})
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Status != core.OrderCancelled || cancelled.Total != 0 || cancelled.VATTotal != 0 || cancelled.NetTotal != 0 ||
		!cancelled.Lines[0].Quantity.IsZero() || cancelled.Lines[0].Total != 0 {
		t.Fatalf("cancelled order = %+v", cancelled)
	}
	// The same reference again is the same refund, not a second one.
	if again, err := p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: "r_1", OrderID: whole.ID}); err != nil || again.Status != core.OrderCancelled {
		t.Fatalf("replayed refund: %+v, %v", again, err)
	}
	if _, err := p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: "r_2", OrderID: whole.ID}); core.Code(err) != core.CodeConflict {
		t.Fatalf("refund of a cancelled order: %v, want conflict", err)
	}

	// Part of an order: 1 of 4 buns, then 1 of 2 beers.
	reduced, err := p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: "r_3", OrderID: part.ID,
		Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	reduced, err = p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: "r_4", OrderID: part.ID,
		Lines: []core.CreditLine{{Line: 1, Quantity: dec("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	bun, beer := reduced.Lines[0], reduced.Lines[1]
	// 4 buns of 10 kr at 12 % had VAT 4.29 kr; refunding one takes 1.07 kr
	// (¼, rounded) off, leaving 3.22 kr; 1 beer of 49 kr at 25 %: 9.80 kr.
	if reduced.Status != core.OrderOpen || bun.Quantity.String() != "3" || bun.Total != 3000 || bun.VAT != 322 || bun.Net != 2678 ||
		beer.Quantity.String() != "1" || beer.Total != 4900 || beer.VAT != 980 || beer.Net != 3920 ||
		reduced.Total != 7900 || reduced.VATTotal != 1302 || reduced.NetTotal != 6598 {
		t.Fatalf("reduced order = %+v", reduced)
	}
	if len(reduced.VATBreakdown) != 2 || reduced.VATBreakdown[0].VAT != 322 || reduced.VATBreakdown[1].VAT != 980 ||
		reduced.VATBreakdown[0].Net != 2678 || reduced.VATBreakdown[1].Net != 3920 {
		t.Fatalf("reduced breakdown = %+v", reduced.VATBreakdown)
	}
	if _, err := p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: "r_5", OrderID: part.ID,
		Lines: []core.CreditLine{{Line: 1, Quantity: dec("1.5")}}}); !hasField(err, "lines[0].quantity") {
		t.Fatalf("over-refund after a partial one: %v", err)
	}

	// The collective invoice: the reduced order and the kept one, not the
	// cancelled one; refunded quantities are not billed.
	inv, err := p.InvoiceOrders(ctx, conn, core.CollectiveRequest{ExternalRef: "ci_1", CustomerID: c.ID, InvoiceDate: "2026-01-25"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Total != 7900+2500 || len(inv.OrderIDs) != 2 || inv.OrderIDs[0] != part.ID || inv.OrderIDs[1] != kept.ID || len(inv.Lines) != 3 {
		t.Fatalf("collective invoice = total %d, orders %v, %d lines", inv.Total, inv.OrderIDs, len(inv.Lines))
	}
	if _, err := p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: "r_6", OrderID: kept.ID}); core.Code(err) != core.CodeConflict {
		t.Fatalf("refund of an invoiced order: %v, want conflict", err)
	}
	page, err := p.ListOrders(ctx, conn, core.OrderQuery{Status: core.OrderCancelled})
	if err != nil || len(page.Orders) != 1 || page.Orders[0].ID != whole.ID {
		t.Fatalf("cancelled orders: %+v, %v", page.Orders, err)
	}

	// A fully refunded order in parts is cancelled too.
	two := mustOrder("ch_4", lineIn("Bun", "2", 1000, "12"))
	for i, ref := range []string{"r_7", "r_8"} {
		o, err := p.RefundOrder(ctx, conn, core.OrderRefundRequest{ExternalRef: ref, OrderID: two.ID,
			Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{core.OrderOpen, core.OrderCancelled}[i]; o.Status != want || (i == 1 && o.Total != 0) {
			t.Fatalf("after refund %d: %+v", i, o)
		}
	}
}

func hasField(err error, field string) bool {
	e := core.AsError(err)
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
