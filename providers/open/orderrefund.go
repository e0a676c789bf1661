package open

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// RefundOrder takes a register refund off the merchant's open order
// req.OrderID before its collective invoice is made: the listed quantities
// of its lines, or everything left when req.Lines is empty. A line's
// amounts shrink as CreditInvoice credits a line (a part q of what is left,
// Q, takes total×q/Q and VAT×q/Q off, each rounded half away from zero; the
// rest of a line takes exactly what is left), its net is total − VAT, and
// the order's totals and VAT breakdown are summed again from its lines. A
// line refunded whole stays with quantity 0, so line numbers never shift,
// and is left off the collective invoice; an order with nothing left is
// cancelled, and no collective invoice includes it. All in one write.
//
// Idempotent on req.ExternalRef: a refund already applied under the
// reference is not applied again, and the order is returned as it is now.
//
// Errors: CodeNotFound (no such order of the merchant); CodeInvalid naming
// order_id, lines[i].line (no such line) or lines[i].quantity (not
// positive, or more than is left of the line); CodeConflict when the order
// is invoiced (refund its invoice) or cancelled.
func (p *Provider) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	if err := checkConn(conn); err != nil {
		return core.Order{}, err
	}
	req.OrderID = strings.TrimSpace(req.OrderID)
	var errs []core.FieldError
	if req.OrderID == "" {
		errs = append(errs, core.FieldError{Field: "order_id", Message: "is required"})
	}
	for i, cl := range req.Lines {
		if cl.Line < 0 {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].line", i), Message: "must not be negative"})
		}
		if !cl.Quantity.IsPositive() {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Message: "must be greater than 0"})
		}
	}
	if err := core.Invalid("invalid order refund", errs...); err != nil {
		return core.Order{}, err
	}
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		if req.ExternalRef != "" {
			var done string
			err := tx.GetContext(ctx, &done, `SELECT order_id FROM order_refunds WHERE merchant_id = ? AND external_ref = ?`,
				conn.MerchantID, req.ExternalRef)
			if err == nil {
				if done != req.OrderID {
					return &core.Error{Code: core.CodeConflict, Message: "external reference already used",
						Fields: []core.FieldError{{Field: "external_ref", Message: "already identifies a refund of another order"}}}
				}
				return nil // applied before: return the order as it is
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		orders, err := p.ordersByID(ctx, tx, conn.MerchantID, req.OrderID)
		if err != nil {
			return err
		}
		if len(orders) == 0 {
			return core.ErrNotFound("order", req.OrderID)
		}
		o := orders[0]
		switch o.Status {
		case core.OrderInvoiced:
			return core.Errorf(core.CodeConflict, "order %s is on collective invoice %s already; refund that invoice", o.ID, o.InvoiceID)
		case core.OrderCancelled:
			return core.Errorf(core.CodeConflict, "order %s was refunded whole already", o.ID)
		}
		balances := make([]lineBalance, len(o.Lines))
		for i, l := range o.Lines {
			balances[i] = lineBalance{orig: l, quantity: l.Quantity, vat: l.VAT, total: l.Total}
		}
		taken, _, err := creditLines(balances, req.Lines)
		if err != nil {
			return err
		}
		if len(taken) == 0 {
			return core.Errorf(core.CodeConflict, "order %s has nothing left to refund", o.ID)
		}
		var left []core.InvoiceLine
		var net, vat, total int64
		for i, b := range balances {
			if !b.quantity.Equal(o.Lines[i].Quantity) {
				if _, err := tx.ExecContext(ctx, `UPDATE order_lines SET quantity = ?, net = ?, vat = ?, total = ?
					WHERE order_id = ? AND position = ?`,
					canonical(b.quantity).String(), b.total-b.vat, b.vat, b.total, o.ID, i); err != nil {
					return err
				}
			}
			if b.quantity.IsPositive() {
				l := b.orig
				l.Quantity, l.Net, l.VAT, l.Total = b.quantity, b.total-b.vat, b.vat, b.total
				left = append(left, l)
				net, vat, total = net+l.Net, vat+l.VAT, total+l.Total
			}
		}
		status := core.OrderOpen
		if len(left) == 0 {
			status = core.OrderCancelled
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM order_vat WHERE order_id = ?`, o.ID); err != nil {
			return err
		}
		for i, v := range breakdown(left) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO order_vat (order_id, position, vat_rate, net, vat) VALUES (?, ?, ?, ?, ?)`,
				o.ID, i, v.VATRate.String(), v.Net, v.VAT); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, net_total = ?, vat_total = ?, total = ? WHERE id = ?`,
			status, net, vat, total, o.ID); err != nil {
			return err
		}
		if req.ExternalRef != "" {
			_, err = tx.ExecContext(ctx, `INSERT INTO order_refunds (merchant_id, external_ref, order_id, created_at) VALUES (?, ?, ?, ?)`,
				conn.MerchantID, req.ExternalRef, o.ID, formatTime(p.nowUTC()))
		}
		return err
	})
	if err != nil {
		return core.Order{}, dbError("refund order", err)
	}
	orders, err := p.ordersByID(ctx, p.db.Reader(), conn.MerchantID, req.OrderID)
	if err != nil {
		return core.Order{}, dbError("refund order", err)
	}
	if len(orders) == 0 {
		return core.Order{}, core.ErrNotFound("order", req.OrderID)
	}
	return orders[0], nil
}
