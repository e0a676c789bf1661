package httpapi

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestCollectiveCharges: a customer with collective invoicing is charged
// by collecting orders; the charge that passes its threshold answers the
// collective invoice listing every open order.
func TestCollectiveCharges(t *testing.T) {
	s := newStack(t)
	acct := s.a.key(core.RoleAccountant)
	cust := s.createCustomer(s.a, `{"name":"Samlad AB","due_days":30,
		"collective_invoicing":{"enabled":true,"day_of_month":28,"threshold":30000}}`)
	plain := s.createCustomer(s.a, `{"name":"Vanlig AB"}`)

	first, r := s.chargeRaw(s.a, "coll-1", chargeBody(cust.ID, 20000, "r1"))
	if first.Status != core.ChargeCollected || first.Order == nil || first.Invoice != nil {
		t.Fatalf("first charge: %s", r.body)
	}
	if o := first.Order; o.Status != core.OrderOpen || o.CustomerID != cust.ID || o.Total != 20000 || o.ReceiptID != "r1" {
		t.Errorf("order %+v", o)
	}
	if first.Receipt == nil || !strings.Contains(first.Receipt.Text, "Samlas på samlingsfaktura") || !strings.Contains(first.Receipt.Text, "Samlad AB") {
		t.Errorf("delivery note %+v", first.Receipt)
	}
	replay, r := s.chargeRaw(s.a, "coll-1", chargeBody(cust.ID, 20000, "r1"))
	if r.header.Get("Idempotent-Replayed") != "true" || replay.Order == nil || replay.Order.ID != first.Order.ID {
		t.Errorf("replay of a collected charge: %s", r.body)
	}

	runScenarios(t, s, []scenario{
		{name: "the order is listed", method: "GET", path: "/v1/orders", key: acct, wantStatus: 200,
			wantBody: []string{`"id":"` + first.Order.ID + `"`, `"status":"open"`, `"customer_name":"Samlad AB"`, `"total":20000`}},
		{name: "by customer", method: "GET", path: "/v1/orders?customer_id=" + cust.ID + "&status=open", key: acct,
			wantStatus: 200, wantBody: []string{first.Order.ID}},
		{name: "other customer has none", method: "GET", path: "/v1/orders?customer_id=" + plain.ID, key: acct,
			wantStatus: 200, wantBody: []string{`"data":[]`}},
		{name: "none invoiced yet", method: "GET", path: "/v1/orders?status=invoiced", key: acct,
			wantStatus: 200, wantBody: []string{`"data":[]`}},
		{name: "no invoice yet", method: "GET", path: "/v1/invoices", key: acct,
			wantStatus: 200, wantBody: []string{`"data":[]`}},
		{name: "bad parameters are named", method: "GET", path: "/v1/orders?status=lost", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"status"`}},
		{name: "bad limit", method: "GET", path: "/v1/orders?limit=abc", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"limit"`}},
		{name: "another merchant sees no orders", method: "GET", path: "/v1/orders", key: s.b.key(core.RoleAdmin),
			wantStatus: 200, wantBody: []string{`"data":[]`}},
	})

	// A customer without collective invoicing is invoiced at once.
	if inv := s.charge(s.a, "coll-plain", chargeBody(plain.ID, 1000, "r-plain")).Invoice; inv.Number != 1001 {
		t.Errorf("plain charge numbered %d", inv.Number)
	}

	// Later the same day (orders made in one millisecond have no order).
	s.clock.Set(s.clock.Now().Add(time.Hour))
	second, r := s.chargeRaw(s.a, "coll-2", chargeBody(cust.ID, 15000, "r2"))
	if second.Status != core.ChargeCollected || second.Order == nil || second.Invoice == nil {
		t.Fatalf("charge passing the threshold: %s", r.body)
	}
	inv := second.Invoice
	wantOrders := []string{first.Order.ID, second.Order.ID}
	if !slices.Equal(inv.OrderIDs, wantOrders) || inv.Total != 35000 || inv.Number != 1002 || inv.CustomerID != cust.ID || inv.Status != core.StatusPosted {
		t.Errorf("collective invoice: number %d total %d customer %s status %s orders %v, want orders %v",
			inv.Number, inv.Total, inv.CustomerID, inv.Status, inv.OrderIDs, wantOrders)
	}
	var lineOrders []string
	for _, l := range inv.Lines {
		lineOrders = append(lineOrders, l.OrderID)
	}
	if !slices.Equal(lineOrders, wantOrders) {
		t.Errorf("lines name orders %v, want %v", lineOrders, wantOrders)
	}
	if second.Receipt == nil || !strings.Contains(second.Receipt.Text, "1002") {
		t.Errorf("delivery note does not name the collective invoice: %+v", second.Receipt)
	}

	runScenarios(t, s, []scenario{
		{name: "no open orders left", method: "GET", path: "/v1/orders?status=open", key: acct,
			wantStatus: 200, wantBody: []string{`"data":[]`}},
		{name: "the collective invoice", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct, wantStatus: 200,
			wantBody: []string{`"order_ids":["` + first.Order.ID + `","` + second.Order.ID + `"]`, `"order_id":"` + first.Order.ID + `"`}},
	})

	// Both orders are invoiced and name the invoice, one page at a time.
	var got []core.Order
	path := "/v1/orders?status=invoiced&limit=1"
	for range 5 {
		r := s.run(t, scenario{name: "page", method: "GET", path: path, key: acct, wantStatus: 200})
		var page listBody[core.Order]
		r.decode(t, &page)
		got = append(got, page.Data...)
		if page.NextCursor == "" {
			break
		}
		path = "/v1/orders?status=invoiced&limit=1&cursor=" + url.QueryEscape(page.NextCursor)
	}
	var ids []string
	for _, o := range got {
		ids = append(ids, o.ID)
		if o.Status != core.OrderInvoiced || o.InvoiceID != inv.ID {
			t.Errorf("order %s: status %s invoice %s", o.ID, o.Status, o.InvoiceID)
		}
	}
	if !slices.Equal(ids, wantOrders) {
		t.Errorf("invoiced orders %v, want %v oldest first", ids, wantOrders)
	}
}

// TestChargeParentCompany: a subsidiary's purchase is invoiced to its
// parent company and names who ordered.
func TestChargeParentCompany(t *testing.T) {
	s := newStack(t)
	parent := s.createCustomer(s.a, `{"name":"Koncern AB","due_days":20}`)
	child := s.createCustomer(s.a, `{"name":"Dotter AB","parent_customer_id":"`+parent.ID+`"}`)
	res, r := s.chargeRaw(s.a, "parent-1", chargeBody(child.ID, 8000, "r1"))
	if res.Invoice == nil || res.Invoice.CustomerID != parent.ID || res.Invoice.OrderedByCustomerID != child.ID {
		t.Fatalf("charge of a subsidiary: %s", r.body)
	}
	if !strings.Contains(res.Receipt.Text, "Koncern AB") || !strings.Contains(res.Receipt.Text, "Dotter AB") {
		t.Errorf("delivery note %q", res.Receipt.Text)
	}
	s.run(t, scenario{name: "invoice names who ordered", method: "GET", path: "/v1/invoices/" + res.Invoice.ID,
		key: s.a.key(core.RoleAccountant), wantStatus: 200,
		wantBody: []string{`"customer_id":"` + parent.ID + `"`, `"ordered_by_customer_id":"` + child.ID + `"`, `"customer_name":"Koncern AB"`}})
}
