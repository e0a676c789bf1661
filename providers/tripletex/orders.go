package tripletex

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// CreateOrder collects a purchase of a customer with collective invoicing
// as an open Tripletex order (POST /order, not invoiced) and records it for
// ListOrders and InvoiceOrders. Idempotent on req.ExternalRef like
// CreateInvoice: the reference is recorded first and the order carries
// refMarker(ref) in its deliveryComment, so a lost answer is looked up, not
// posted again. Errors: as CreateInvoice.
func (p *Provider) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	if err := checkConn(conn); err != nil {
		return core.Order{}, err
	}
	if err := validateInvoiceRequest(req); err != nil {
		return core.Order{}, err
	}
	unlock := p.locks.lock(conn.MerchantID + "|" + kindOrder + "|" + req.ExternalRef)
	defer unlock()
	rec, found, err := p.loadRef(ctx, conn.MerchantID, kindOrder, req.ExternalRef)
	if err != nil {
		return core.Order{}, err
	}
	if len(rec.OrderIDs) > 0 {
		if o, ok, err := p.storedOrderByID(ctx, conn.MerchantID, idString(rec.OrderIDs[0])); err != nil || ok {
			return o, err
		}
	}
	cust, err := p.customer(ctx, conn, req.CustomerID)
	if core.Code(err) == core.CodeNotFound {
		return core.Order{}, core.Invalid("cannot invoice", core.FieldError{Field: "customer_id", Message: "no such customer in Tripletex"})
	}
	if err != nil {
		return core.Order{}, err
	}
	custID, _ := parseID(cust.Customer.ID)
	date := req.InvoiceDate
	if !date.Valid() {
		date = p.today()
	}
	if !found {
		if err := p.saveRef(ctx, conn.MerchantID, kindOrder, req.ExternalRef, refRecord{}); err != nil {
			return core.Order{}, err
		}
	}
	orderID := int64(0)
	if len(rec.OrderIDs) > 0 {
		orderID = rec.OrderIDs[0]
	} else if orderID, err = p.findOrCreateOrder(ctx, conn, kindOrder, req, custID, date, found); err != nil {
		return core.Order{}, err
	}
	o := core.Order{
		ID: idString(orderID), CustomerID: cust.Customer.ID, CustomerName: cust.Customer.Name, Status: core.OrderOpen,
		OrderDate: date, Reference: req.Reference, Comment: req.Comment, Currency: "NOK",
		NetTotal: req.NetTotal, VATTotal: req.VATTotal, Total: req.Total, VATBreakdown: req.VATBreakdown,
		Lines: req.Lines, LocationID: req.LocationID, ReceiptID: req.ReceiptID, ExternalRef: req.ExternalRef,
		CreatedAt: p.now().UTC(),
	}
	if err := p.insertOrder(ctx, conn.MerchantID, o); err != nil {
		return core.Order{}, err
	}
	if err := p.saveRef(ctx, conn.MerchantID, kindOrder, req.ExternalRef, refRecord{OrderIDs: []int64{orderID}}); err != nil {
		return core.Order{}, err
	}
	stored, _, err := p.storedOrderByID(ctx, conn.MerchantID, o.ID)
	return stored, err
}

func (p *Provider) storedOrderByID(ctx context.Context, merchant, id string) (core.Order, bool, error) {
	var row struct {
		Status    string `db:"status"`
		InvoiceID string `db:"invoice_id"`
		Seq       int64  `db:"seq"`
	}
	err := p.db.Reader().GetContext(ctx, &row, `SELECT seq, status, invoice_id FROM orders WHERE merchant_id = ? AND id = ?`, merchant, id)
	if err != nil {
		if isNoRows(err) {
			return core.Order{}, false, nil
		}
		return core.Order{}, false, dbError("read order", err)
	}
	os, err := p.queryOrders(ctx, merchant, "", "", row.Seq-1, 1)
	if err != nil || len(os) == 0 {
		return core.Order{}, false, err
	}
	return os[0].Order, true, nil
}

// ListOrders lists the orders this plugin collected, oldest first,
// filtered by customer and status (open, invoiced, cancelled). Errors: CodeInvalid
// (limit, cursor, status, connection).
func (p *Provider) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	if err := checkConn(conn); err != nil {
		return core.OrderPage{}, err
	}
	if err := core.CheckOrderStatus(q.Status); err != nil {
		return core.OrderPage{}, err
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		return core.OrderPage{}, err
	}
	after := int64(0)
	if q.Cursor != "" {
		n, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || n < 0 {
			return core.OrderPage{}, core.Invalid("invalid cursor", core.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
		}
		after = n
	}
	os, err := p.queryOrders(ctx, conn.MerchantID, q.CustomerID, q.Status, after, limit+1)
	if err != nil {
		return core.OrderPage{}, err
	}
	var page core.OrderPage
	for i, o := range os {
		if i == limit {
			page.NextCursor = strconv.FormatInt(os[i-1].Seq, 10)
			break
		}
		page.Orders = append(page.Orders, o.Order)
	}
	return page, nil
}

// RefundOrder refunds a whole order not invoiced yet by deleting it in
// Tripletex (DELETE /order/{id}) and recording it cancelled, so no
// collective invoice includes it. Part of an order is CodeUnsupported: the
// published document marks changing order lines (PUT /order/orderline/{id})
// beta, so a part is refunded from the collective invoice once it is made.
//
// Idempotent on req.ExternalRef: the reference is recorded before the
// order is deleted, and a repeat finds it (an order already gone from
// Tripletex counts as deleted).
//
// Errors: CodeNotFound (not an order this plugin collected); CodeConflict
// when it is invoiced (here or in Tripletex itself: refund its invoice) or
// cancelled already; CodeUnsupported for lines.
func (p *Provider) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	if err := checkConn(conn); err != nil {
		return core.Order{}, err
	}
	if len(req.Lines) > 0 {
		return core.Order{}, core.Errorf(core.CodeUnsupported,
			"Tripletex orders are refunded whole before they are invoiced; refund part of one from its collective invoice once it is made")
	}
	unlock := p.locks.lock(conn.MerchantID + "|" + kindOrder + "|" + req.OrderID)
	defer unlock()
	o, found, err := p.storedOrderByID(ctx, conn.MerchantID, req.OrderID)
	if err != nil {
		return core.Order{}, err
	}
	if !found {
		return core.Order{}, core.ErrNotFound("order", req.OrderID)
	}
	begun := false // the reference was recorded by an earlier attempt
	if req.ExternalRef != "" {
		rec, ok, err := p.loadRef(ctx, conn.MerchantID, kindOrderRefund, req.ExternalRef)
		if err != nil {
			return core.Order{}, err
		}
		if ok && (len(rec.OrderIDs) != 1 || idString(rec.OrderIDs[0]) != o.ID) {
			return core.Order{}, &core.Error{Code: core.CodeConflict, Message: "external reference already used",
				Fields: []core.FieldError{{Field: "external_ref", Message: "already identifies a refund of another order"}}}
		}
		begun = ok
	}
	switch {
	case begun && o.Status == core.OrderCancelled:
		return o, nil
	case o.Status == core.OrderInvoiced:
		return core.Order{}, core.Errorf(core.CodeConflict, "order %s is on invoice %s already; refund that invoice", o.ID, o.InvoiceID)
	case o.Status == core.OrderCancelled:
		return core.Order{}, core.Errorf(core.CodeConflict, "order %s was refunded whole already", o.ID)
	}
	id, _ := parseID(o.ID)
	var st ttOrder
	err = p.getValue(ctx, conn, "/order/"+o.ID, url.Values{"fields": {"id,isClosed"}}, &st)
	// Deleted in Tripletex already (by an earlier attempt, or by hand).
	gone := core.Code(err) == core.CodeNotFound
	switch {
	case gone:
	case err != nil:
		return core.Order{}, err
	case st.IsClosed:
		return core.Order{}, core.Errorf(core.CodeConflict, "order %s was invoiced in Tripletex; refund that invoice", o.ID)
	}
	if req.ExternalRef != "" && !begun {
		if err := p.saveRef(ctx, conn.MerchantID, kindOrderRefund, req.ExternalRef, refRecord{OrderIDs: []int64{id}}); err != nil {
			return core.Order{}, err
		}
	}
	if !gone {
		_, err := p.call(ctx, conn, request{method: "DELETE", path: "/order/" + o.ID, idempotent: true})
		if err != nil && core.Code(err) != core.CodeNotFound {
			return core.Order{}, err
		}
	}
	// Nothing of it is left to invoice.
	o.Status, o.NetTotal, o.VATTotal, o.Total = core.OrderCancelled, 0, 0, 0
	for i := range o.Lines {
		o.Lines[i].Quantity, o.Lines[i].Net, o.Lines[i].VAT, o.Lines[i].Total = decimal.Zero, 0, 0, 0
	}
	o.VATBreakdown = []core.VATAmount{}
	if err := p.cancelOrder(ctx, conn.MerchantID, o); err != nil {
		return core.Order{}, err
	}
	return o, nil
}

// InvoiceOrders invoices every open collected order of req.CustomerID on
// one Tripletex invoice (PUT /order/:invoiceMultipleOrders, or
// /order/{id}/:invoice for one order; not sent to the customer).
// Idempotent on req.ExternalRef: the orders chosen are recorded under the
// reference before invoicing, so a retry after a lost answer finds their
// invoice instead of choosing again. Orders Tripletex already closed (e.g.
// invoiced in Tripletex itself) are recorded as invoiced and left out, and
// so are orders dated on or after req.OrdersBefore when it is set.
// Tripletex customers have no parent company, so BillToCustomerID must be
// the customer (or empty). Errors: CodeNotFound when nothing is open,
// CodeInvalid (bill_to_customer_id, customer_id), the API's.
func (p *Provider) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	var errs []core.FieldError
	if strings.TrimSpace(req.ExternalRef) == "" {
		errs = append(errs, core.FieldError{Field: "external_ref", Message: "is required"})
	}
	custID, ok := parseID(req.CustomerID)
	if !ok {
		errs = append(errs, core.FieldError{Field: "customer_id", Message: "no such customer in Tripletex"})
	}
	if req.BillToCustomerID != "" && req.BillToCustomerID != req.CustomerID {
		errs = append(errs, core.FieldError{Field: "bill_to_customer_id", Message: "Tripletex invoices orders to their own customer; it has no parent companies"})
	}
	if err := core.Invalid("invalid collective invoice", errs...); err != nil {
		return core.Invoice{}, err
	}
	unlock := p.locks.lock(conn.MerchantID + "|" + kindCollective + "|" + req.CustomerID)
	defer unlock()
	date := req.InvoiceDate
	if !date.Valid() {
		date = p.today()
	}
	rec, _, err := p.loadRef(ctx, conn.MerchantID, kindCollective, req.ExternalRef)
	if err != nil {
		return core.Invoice{}, err
	}
	if rec.InvoiceID != 0 {
		return p.getInvoice(ctx, conn, rec.InvoiceID)
	}
	orderIDs := rec.OrderIDs
	if len(orderIDs) == 0 {
		open, err := p.queryOrders(ctx, conn.MerchantID, req.CustomerID, core.OrderOpen, 0, 0)
		if err != nil {
			return core.Invoice{}, err
		}
		for _, o := range open {
			if req.OrdersBefore != "" && o.Order.OrderDate >= req.OrdersBefore {
				continue // bought on or after the invoice day: the next one's
			}
			id, _ := parseID(o.Order.ID)
			var st ttOrder
			err := p.getValue(ctx, conn, "/order/"+o.Order.ID, url.Values{"fields": {"id,isClosed"}}, &st)
			switch {
			case core.Code(err) == core.CodeNotFound:
				continue // deleted in Tripletex
			case err != nil:
				return core.Invoice{}, err
			case st.IsClosed:
				// Invoiced in Tripletex itself: record it and leave it out.
				if inv, found, err := p.findInvoiceOfOrder(ctx, conn, id, custID, o.Order.OrderDate); err == nil && found {
					if err := p.markOrdersInvoiced(ctx, conn.MerchantID, []int64{id}, inv); err != nil {
						return core.Invoice{}, err
					}
				}
				continue
			}
			orderIDs = append(orderIDs, id)
		}
		if len(orderIDs) == 0 {
			return core.Invoice{}, core.Errorf(core.CodeNotFound, "customer %s has no open orders to invoice", req.CustomerID)
		}
		if err := p.saveRef(ctx, conn.MerchantID, kindCollective, req.ExternalRef, refRecord{OrderIDs: orderIDs}); err != nil {
			return core.Invoice{}, err
		}
	}
	invID, err := p.invoiceOrders(ctx, conn, orderIDs, custID, date)
	if err != nil {
		return core.Invoice{}, err
	}
	if err := p.markOrdersInvoiced(ctx, conn.MerchantID, orderIDs, invID); err != nil {
		return core.Invoice{}, err
	}
	if err := p.saveMeta(ctx, conn.MerchantID, invID, invoiceMeta{ExternalRef: req.ExternalRef}); err != nil {
		return core.Invoice{}, err
	}
	if err := p.saveRef(ctx, conn.MerchantID, kindCollective, req.ExternalRef, refRecord{OrderIDs: orderIDs, InvoiceID: invID}); err != nil {
		return core.Invoice{}, err
	}
	return p.getInvoice(ctx, conn, invID)
}
