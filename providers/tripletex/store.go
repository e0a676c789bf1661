package tripletex

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Kinds of external references.
const (
	kindInvoice    = "invoice"
	kindOrder      = "order"
	kindCredit     = "credit"
	kindCollective = "collective"
	// kindOrderRefund: a register refund of a whole order (RefundOrder).
	kindOrderRefund = "order_refund"
)

// refRecord is what an external reference has produced so far.
type refRecord struct {
	OrderIDs  []int64
	InvoiceID int64
}

// refMarker is the text the plugin writes into the deliveryComment of an
// order it creates for ref, so that after a lost answer it can find the
// order again (Tripletex has no external id on orders). It is
// deterministic and short: "ledgerbridge:" and 24 hex digits of
// SHA-256(merchant, kind, ref).
func refMarker(merchant, kind, ref string) string {
	sum := sha256.Sum256([]byte(merchant + "\x00" + kind + "\x00" + ref))
	return "ledgerbridge:" + hex.EncodeToString(sum[:12])
}

// loadRef returns ref's record; found is false when it was never begun.
func (p *Provider) loadRef(ctx context.Context, merchant, kind, ref string) (refRecord, bool, error) {
	var row struct {
		OrderIDs  string `db:"order_ids"`
		InvoiceID string `db:"invoice_id"`
	}
	err := p.db.Reader().GetContext(ctx, &row, `SELECT order_ids, invoice_id FROM refs
		WHERE merchant_id = ? AND kind = ? AND external_ref = ?`, merchant, kind, ref)
	if errors.Is(err, sql.ErrNoRows) {
		return refRecord{}, false, nil
	}
	if err != nil {
		return refRecord{}, false, dbError("read reference", err)
	}
	var r refRecord
	for _, s := range strings.Split(row.OrderIDs, ",") {
		if id, ok := parseID(s); ok {
			r.OrderIDs = append(r.OrderIDs, id)
		}
	}
	r.InvoiceID, _ = parseID(row.InvoiceID)
	return r, true, nil
}

// saveRef records (or updates) what ref has produced.
func (p *Provider) saveRef(ctx context.Context, merchant, kind, ref string, r refRecord) error {
	ids := make([]string, len(r.OrderIDs))
	for i, id := range r.OrderIDs {
		ids[i] = idString(id)
	}
	inv := ""
	if r.InvoiceID != 0 {
		inv = idString(r.InvoiceID)
	}
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO refs (merchant_id, kind, external_ref, order_ids, invoice_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (merchant_id, kind, external_ref) DO UPDATE SET order_ids = excluded.order_ids, invoice_id = excluded.invoice_id`,
			merchant, kind, ref, strings.Join(ids, ","), inv, sqlite.FormatTime(p.now()))
		return err
	})
	return dbError("record reference", err)
}

// invoiceMeta is what ledgerbridge knows of an invoice beyond Tripletex.
type invoiceMeta struct {
	ExternalRef string `db:"external_ref"`
	LocationID  string `db:"location_id"`
	ReceiptID   string `db:"receipt_id"`
	PaidAt      string `db:"paid_at"`
	CreatedAt   string `db:"created_at"`
	Void        bool   `db:"void"`
}

func (p *Provider) loadMeta(ctx context.Context, merchant string, ids []string) (map[string]invoiceMeta, error) {
	out := map[string]invoiceMeta{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT id, external_ref, location_id, receipt_id, paid_at, created_at, void FROM invoices
		WHERE merchant_id = ? AND id IN (?)`, merchant, ids)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "build invoice query: %v", err)
	}
	rows, err := p.db.Reader().QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, dbError("read invoices", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var m invoiceMeta
		if err := rows.Scan(&id, &m.ExternalRef, &m.LocationID, &m.ReceiptID, &m.PaidAt, &m.CreatedAt, &m.Void); err != nil {
			return nil, dbError("read invoices", err)
		}
		out[id] = m
	}
	return out, dbError("read invoices", rows.Err())
}

// saveMeta records an invoice's reference, location and receipt once; a
// later call keeps the first values.
func (p *Provider) saveMeta(ctx context.Context, merchant string, id int64, m invoiceMeta) error {
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO invoices (merchant_id, id, external_ref, location_id, receipt_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, id) DO NOTHING`,
			merchant, idString(id), m.ExternalRef, m.LocationID, m.ReceiptID, sqlite.FormatTime(p.now()))
		return err
	})
	return dbError("record invoice", err)
}

// saveVoid records that the invoice was voided rather than refunded.
func (p *Provider) saveVoid(ctx context.Context, merchant string, id int64) error {
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO invoices (merchant_id, id, void, created_at) VALUES (?, ?, 1, ?)
			ON CONFLICT (merchant_id, id) DO UPDATE SET void = 1`,
			merchant, idString(id), sqlite.FormatTime(p.now()))
		return err
	})
	return dbError("record void", err)
}

// paymentRecorded reports whether a payment with ref was registered.
func (p *Provider) paymentRecorded(ctx context.Context, merchant, ref string) (bool, error) {
	var n int
	err := p.db.Reader().GetContext(ctx, &n, `SELECT count(*) FROM payments WHERE merchant_id = ? AND external_ref = ?`, merchant, ref)
	return n > 0, dbError("read payments", err)
}

// savePayment records, in one write, a payment registered in Tripletex:
// by its reference (when it has one), so a repeat is not sent again, and,
// when it paid the rest of the invoice (inFull), the day it was paid. One
// write, so a repeat that finds the reference also finds the day.
func (p *Provider) savePayment(ctx context.Context, merchant string, id int64, req core.PaymentRequest, amount int64, inFull bool) error {
	if req.ExternalRef == "" && !inFull {
		return nil
	}
	now := sqlite.FormatTime(p.now())
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		if req.ExternalRef != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO payments (merchant_id, external_ref, invoice_id, amount, paid_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, external_ref) DO NOTHING`,
				merchant, req.ExternalRef, req.InvoiceID, amount, string(req.PaidAt), now); err != nil {
				return err
			}
		}
		if !inFull {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO invoices (merchant_id, id, paid_at, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (merchant_id, id) DO UPDATE SET paid_at = excluded.paid_at WHERE invoices.paid_at = ''`,
			merchant, idString(id), string(req.PaidAt), now)
		return err
	})
	return dbError("record payment", err)
}

// storedOrder is a collected order.
type storedOrder struct {
	Seq   int64
	Order core.Order
}

func (p *Provider) insertOrder(ctx context.Context, merchant string, o core.Order) error {
	data, err := json.Marshal(o)
	if err != nil {
		return core.Errorf(core.CodeInternal, "encode order: %v", err)
	}
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO orders (merchant_id, id, customer_id, status, data)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (merchant_id, id) DO NOTHING`,
			merchant, o.ID, o.CustomerID, o.Status, string(data))
		return err
	})
	return dbError("record order", err)
}

// cancelOrder stores o, refunded whole, as cancelled.
func (p *Provider) cancelOrder(ctx context.Context, merchant string, o core.Order) error {
	data, err := json.Marshal(o)
	if err != nil {
		return core.Errorf(core.CodeInternal, "encode order: %v", err)
	}
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, data = ? WHERE merchant_id = ? AND id = ?`,
			core.OrderCancelled, string(data), merchant, o.ID)
		return err
	})
	return dbError("record cancelled order", err)
}

// markOrdersInvoiced sets the orders' status to invoiced by invoice.
func (p *Provider) markOrdersInvoiced(ctx context.Context, merchant string, orderIDs []int64, invoice int64) error {
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		for _, id := range orderIDs {
			if _, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, invoice_id = ? WHERE merchant_id = ? AND id = ?`,
				core.OrderInvoiced, idString(invoice), merchant, idString(id)); err != nil {
				return err
			}
		}
		return nil
	})
	return dbError("record invoiced orders", err)
}

// queryOrders lists collected orders oldest first after seq.
func (p *Provider) queryOrders(ctx context.Context, merchant, customer, status string, afterSeq int64, limit int) ([]storedOrder, error) {
	q := `SELECT seq, status, invoice_id, data FROM orders WHERE merchant_id = ? AND seq > ?`
	args := []any{merchant, afterSeq}
	if customer != "" {
		q += ` AND customer_id = ?`
		args = append(args, customer)
	}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY seq`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := p.db.Reader().QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, dbError("read orders", err)
	}
	defer rows.Close()
	var out []storedOrder
	for rows.Next() {
		var so storedOrder
		var status, invoice, data string
		if err := rows.Scan(&so.Seq, &status, &invoice, &data); err != nil {
			return nil, dbError("read orders", err)
		}
		if err := json.Unmarshal([]byte(data), &so.Order); err != nil {
			return nil, core.Errorf(core.CodeInternal, "stored order is malformed: %v", err)
		}
		so.Order.Status, so.Order.InvoiceID = status, invoice
		out = append(out, so)
	}
	return out, dbError("read orders", rows.Err())
}

// ordersOfInvoice returns the ids of the collected orders invoice lists.
func (p *Provider) ordersOfInvoice(ctx context.Context, merchant, invoice string) ([]string, error) {
	var ids []string
	err := p.db.Reader().SelectContext(ctx, &ids, `SELECT id FROM orders WHERE merchant_id = ? AND invoice_id = ? ORDER BY seq`, merchant, invoice)
	return ids, dbError("read orders", err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func parseStoredTime(s string) time.Time {
	t, _ := sqlite.ParseTime(s)
	return t
}
