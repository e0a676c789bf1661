package tripletex

import (
	"context"
	"net/url"
	"strconv"
	"strings"

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
// filtered by customer and status (open, invoiced; cancelled lists none).
// Errors: CodeInvalid
// (limit, cursor, status, connection).
func (p *Provider) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	if err := checkConn(conn); err != nil {
		return core.OrderPage{}, err
	}
	if q.Status != "" && q.Status != core.OrderOpen && q.Status != core.OrderInvoiced && q.Status != core.OrderCancelled {
		return core.OrderPage{}, core.Invalid("invalid order query", core.FieldError{Field: "status", Message: "must be open, invoiced or cancelled"})
	}
	if q.Status == core.OrderCancelled {
		// No order is cancelled here: RefundOrder is not offered.
		return core.OrderPage{Orders: []core.Order{}}, nil
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

// RefundOrder is not offered for Tripletex yet: CodeUnsupported (501)
// saying to refund the order's collective invoice once it is made. (The
// published document has PUT and DELETE /order/orderline/{id} and DELETE
// /order/{id}, so reducing or cancelling the open order is possible; it is
// not built.)
func (p *Provider) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	if err := checkConn(conn); err != nil {
		return core.Order{}, err
	}
	return core.Order{}, core.Errorf(core.CodeUnsupported,
		"refunding a Tripletex order before it is invoiced is not supported; refund its collective invoice once it is made")
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
