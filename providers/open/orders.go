package open

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Collective invoicing. A purchase of a customer with collective invoicing
// is stored as an open order (CreateOrder); InvoiceOrders later makes one
// posted invoice of every open order of the customer and marks the orders
// invoiced, in one write transaction. Write transactions run one after the
// other (package sqlite group-commits them, but each function sees the work
// of those before it), so two collective invoices can never take the same
// order: the second finds none open.

// orderStmts are CreateOrder's statements (the register's hot path for
// collective customers), prepared once on the writer like invoiceStmts.
type orderStmts struct {
	lookup, order, line, vat *sqlx.Stmt
}

func prepareOrderStmts(ctx context.Context, db *sqlite.DB) (*orderStmts, error) {
	st := &orderStmts{}
	for _, s := range []struct {
		dst **sqlx.Stmt
		sql string
	}{
		{&st.lookup, `SELECT COALESCE(o.id, '') AS existing_id, i.id IS NOT NULL AS invoice_exists,
			c.id IS NOT NULL AS found, COALESCE(c.name, '') AS name, COALESCE(c.active, 0) AS active,
			COALESCE(c.invoicing_enabled, 0) AS invoicing_enabled
			FROM (SELECT 1) AS one
			LEFT JOIN orders o ON o.merchant_id = ? AND o.external_ref = ?
			LEFT JOIN invoices i ON i.merchant_id = ? AND i.external_ref = ?
			LEFT JOIN customers c ON c.id = ? AND c.merchant_id = ?`},
		{&st.order, `INSERT INTO orders (id, merchant_id, customer_id, customer_name, status, order_date, reference,
			comment, currency, net_total, vat_total, total, external_ref, location_id, receipt_id, created_at)
			VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.line, `INSERT INTO order_lines (order_id, position, description, product_group, quantity,
			unit_price, vat_rate, takeaway, net, vat, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.vat, `INSERT INTO order_vat (order_id, position, vat_rate, net, vat) VALUES (?, ?, ?, ?, ?)`},
	} {
		stmt, err := db.PrepareWrite(ctx, s.sql)
		if err != nil {
			return nil, err
		}
		*s.dst = stmt
	}
	return st, nil
}

func (st *orderStmts) in(ctx context.Context, tx *sqlx.Tx) *orderStmts {
	return &orderStmts{
		lookup: tx.StmtxContext(ctx, st.lookup),
		order:  tx.StmtxContext(ctx, st.order),
		line:   tx.StmtxContext(ctx, st.line),
		vat:    tx.StmtxContext(ctx, st.vat),
	}
}

// newOrderID is like newInvoiceID with the prefix "ord_": ids grow with
// time, so the order indexes are appended to.
func newOrderID(t time.Time) string { return core.NewOrderedID("ord", t) }

// CreateOrder collects a purchase of the merchant's customer req.CustomerID
// as an open order instead of invoicing it. The request is checked like
// CreateInvoice's and the customer must be invoiceable; the priced lines,
// totals and VAT breakdown are stored exactly as given, and the order date
// is req.InvoiceDate (default: today). Without a VAT breakdown the order's
// is summed per rate from its lines. req.Draft and req.OrderedBy are not
// used: the order belongs to the buying customer, and who pays is decided
// when the orders are invoiced (CollectiveRequest.BillToCustomerID).
//
// Idempotent on req.ExternalRef: when the merchant already has an order with
// that reference it is returned unchanged and nothing is created.
//
// Errors: CodeInvalid naming customer_id (no such customer, inactive,
// invoicing disabled) or a request field; CodeConflict naming external_ref
// when an invoice holds that reference; CodeUnavailable.
func (p *Provider) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	if err := checkConn(conn); err != nil {
		return core.Order{}, err
	}
	if err := validateInvoiceRequest(&req, conn, func() core.Date { return p.today(conn) }); err != nil {
		return core.Order{}, err
	}
	now := p.nowUTC()
	inv := invoiceFromRequest(req, postingRules{})
	if len(inv.VATBreakdown) == 0 {
		// The collective invoice sums the orders' breakdowns, so every
		// order has one: the lines' sums per rate.
		inv.VATBreakdown = breakdown(inv.Lines)
	}
	o := core.Order{
		ID:           newOrderID(now),
		CustomerID:   req.CustomerID,
		Status:       core.OrderOpen,
		OrderDate:    req.InvoiceDate,
		Reference:    req.Reference,
		Comment:      req.Comment,
		Currency:     req.Currency,
		NetTotal:     req.NetTotal,
		VATTotal:     req.VATTotal,
		Total:        req.Total,
		VATBreakdown: inv.VATBreakdown,
		Lines:        inv.Lines,
		LocationID:   req.LocationID,
		ReceiptID:    req.ReceiptID,
		ExternalRef:  req.ExternalRef,
		CreatedAt:    now,
	}
	var ref any
	if req.ExternalRef != "" {
		ref = req.ExternalRef
	}
	var out core.Order
	var existingID string
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		out, existingID = core.Order{}, ""
		st := p.orderStmts.in(ctx, tx)
		var look struct {
			ExistingID       string `db:"existing_id"`
			InvoiceExists    bool   `db:"invoice_exists"`
			Found            bool   `db:"found"`
			Name             string `db:"name"`
			Active           bool   `db:"active"`
			InvoicingEnabled bool   `db:"invoicing_enabled"`
		}
		if err := st.lookup.GetContext(ctx, &look, conn.MerchantID, ref, conn.MerchantID, ref, o.CustomerID, conn.MerchantID); err != nil {
			return err
		}
		switch {
		case look.ExistingID != "":
			existingID = look.ExistingID
			return nil
		case look.InvoiceExists:
			return &core.Error{Code: core.CodeConflict, Message: "external reference already used",
				Fields: []core.FieldError{{Field: "external_ref", Message: "already identifies an invoice"}}}
		}
		if err := customerRefusal(look.Found, look.Active, look.InvoicingEnabled); err != nil {
			return err
		}
		o := o
		o.CustomerName = look.Name
		if _, err := st.order.ExecContext(ctx, o.ID, conn.MerchantID, o.CustomerID, o.CustomerName, string(o.OrderDate),
			o.Reference, o.Comment, string(o.Currency), o.NetTotal, o.VATTotal, o.Total, nullIfEmpty(o.ExternalRef),
			o.LocationID, o.ReceiptID, formatTime(o.CreatedAt)); err != nil {
			return err
		}
		for i, l := range o.Lines {
			if _, err := st.line.ExecContext(ctx, o.ID, i, l.Description, l.ProductGroup, l.Quantity.String(),
				l.UnitPrice, l.VATRate.String(), boolInt(l.Takeaway), l.Net, l.VAT, l.Total); err != nil {
				return err
			}
		}
		for i, v := range o.VATBreakdown {
			if _, err := st.vat.ExecContext(ctx, o.ID, i, v.VATRate.String(), v.Net, v.VAT); err != nil {
				return err
			}
		}
		out = o
		return nil
	})
	if err != nil {
		return core.Order{}, dbError("create order", err)
	}
	if existingID != "" {
		orders, err := p.ordersByID(ctx, p.db.Reader(), conn.MerchantID, existingID)
		if err != nil {
			return core.Order{}, dbError("create order", err)
		}
		if len(orders) == 0 {
			return core.Order{}, core.Errorf(core.CodeInternal, "order %q vanished", existingID)
		}
		return orders[0], nil
	}
	return out, nil
}

// orderRow is an orders row.
type orderRow struct {
	Seq          int64  `db:"seq"`
	ID           string `db:"id"`
	CustomerID   string `db:"customer_id"`
	CustomerName string `db:"customer_name"`
	Status       string `db:"status"`
	OrderDate    string `db:"order_date"`
	Reference    string `db:"reference"`
	Comment      string `db:"comment"`
	Currency     string `db:"currency"`
	NetTotal     int64  `db:"net_total"`
	VATTotal     int64  `db:"vat_total"`
	Total        int64  `db:"total"`
	InvoiceID    string `db:"invoice_id"`
	ExternalRef  string `db:"external_ref"`
	LocationID   string `db:"location_id"`
	ReceiptID    string `db:"receipt_id"`
	CreatedAt    string `db:"created_at"`
}

const orderColumns = `o.seq, o.id, o.customer_id, o.customer_name, o.status, o.order_date, o.reference, o.comment,
	o.currency, o.net_total, o.vat_total, o.total, COALESCE(o.invoice_id, '') AS invoice_id,
	COALESCE(o.external_ref, '') AS external_ref, o.location_id, o.receipt_id, o.created_at`

func (r orderRow) order() core.Order {
	return core.Order{
		ID:           r.ID,
		CustomerID:   r.CustomerID,
		CustomerName: r.CustomerName,
		Status:       r.Status,
		OrderDate:    core.Date(r.OrderDate),
		Reference:    r.Reference,
		Comment:      r.Comment,
		Currency:     core.Currency(r.Currency),
		NetTotal:     r.NetTotal,
		VATTotal:     r.VATTotal,
		Total:        r.Total,
		VATBreakdown: []core.VATAmount{},
		Lines:        []core.InvoiceLine{},
		InvoiceID:    r.InvoiceID,
		ExternalRef:  r.ExternalRef,
		LocationID:   r.LocationID,
		ReceiptID:    r.ReceiptID,
		CreatedAt:    parseTime(r.CreatedAt),
	}
}

// orderDetails fills in the lines and VAT breakdown of orders (keyed by
// index) from the rows selected by where (over order_lines l / order_vat v
// joined to orders o) with args.
func orderDetails(ctx context.Context, q sqlx.QueryerContext, orders []core.Order, where string, args ...any) error {
	index := make(map[string]int, len(orders))
	for i, o := range orders {
		index[o.ID] = i
	}
	var lines []struct {
		lineRow
		OrderKey string `db:"order_key"`
	}
	err := sqlx.SelectContext(ctx, q, &lines, `SELECT l.order_id AS order_key, '' AS invoice_id, l.position, l.description,
		l.product_group, l.quantity, l.unit_price, l.vat_rate, l.takeaway, l.net, l.vat, l.total,
		NULL AS credits_line, '' AS order_id
		FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE `+where+` ORDER BY l.order_id, l.position`, args...)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if i, ok := index[l.OrderKey]; ok {
			orders[i].Lines = append(orders[i].Lines, l.line())
		}
	}
	var vats []vatRow
	err = sqlx.SelectContext(ctx, q, &vats, `SELECT v.order_id AS invoice_id, v.vat_rate, v.net, v.vat
		FROM orders o JOIN order_vat v ON v.order_id = o.id WHERE `+where+` ORDER BY v.order_id, v.position`, args...)
	if err != nil {
		return err
	}
	for _, v := range vats {
		if i, ok := index[v.InvoiceID]; ok {
			orders[i].VATBreakdown = append(orders[i].VATBreakdown, v.amount())
		}
	}
	return nil
}

// ordersByID returns the merchant's order id with its lines, or none.
func (p *Provider) ordersByID(ctx context.Context, q sqlx.QueryerContext, merchantID, id string) ([]core.Order, error) {
	var rows []orderRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+orderColumns+` FROM orders o WHERE o.id = ? AND o.merchant_id = ?`, id, merchantID); err != nil {
		return nil, err
	}
	orders := make([]core.Order, len(rows))
	for i, r := range rows {
		orders[i] = r.order()
	}
	if len(orders) == 0 {
		return nil, nil
	}
	return orders, orderDetails(ctx, q, orders, `o.id = ? AND o.merchant_id = ?`, id, merchantID)
}

// orderCursor is the position after the last order of a page.
type orderCursor struct {
	Seq int64 `json:"s"`
}

// ListOrders returns a page of the merchant's orders, oldest first (in the
// order they were stored), with their lines and VAT breakdown, optionally
// only those of q.CustomerID and/or with q.Status (open, invoiced or
// cancelled).
// q.Limit 0 means 50. Errors: CodeInvalid naming status, limit or cursor.
func (p *Provider) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	if err := checkConn(conn); err != nil {
		return core.OrderPage{}, err
	}
	var errs []core.FieldError
	if err := core.CheckOrderStatus(q.Status); err != nil {
		errs = append(errs, core.AsError(err).Fields...)
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		errs = append(errs, core.AsError(err).Fields...)
	}
	var after orderCursor
	if q.Cursor != "" {
		if after, err = decodeOrderCursor(q.Cursor); err != nil {
			errs = append(errs, core.AsError(err).Fields...)
		}
	}
	if err := core.Invalid("invalid order query", errs...); err != nil {
		return core.OrderPage{}, err
	}
	where := []string{"o.merchant_id = ?"}
	args := []any{conn.MerchantID}
	if q.CustomerID != "" {
		where = append(where, "o.customer_id = ?")
		args = append(args, q.CustomerID)
	}
	if q.Status != "" {
		where = append(where, "o.status = ?")
		args = append(args, q.Status)
	}
	if q.Cursor != "" {
		where = append(where, "o.seq > ?")
		args = append(args, after.Seq)
	}
	var rows []orderRow
	err = p.db.Reader().SelectContext(ctx, &rows, `SELECT `+orderColumns+` FROM orders o WHERE `+strings.Join(where, " AND ")+`
		ORDER BY o.seq LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return core.OrderPage{}, dbError("list orders", err)
	}
	var page core.OrderPage
	page.Orders = make([]core.Order, len(rows))
	if len(rows) == 0 {
		return page, nil
	}
	ids := make([]any, len(rows))
	for i, r := range rows {
		page.Orders[i] = r.order()
		ids[i] = r.ID
	}
	err = orderDetails(ctx, p.db.Reader(), page.Orders, `o.id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return core.OrderPage{}, dbError("list orders", err)
	}
	// Orders carry their lines: a page is bounded in bytes as well as rows,
	// so it never passes the plugin message limit.
	if n := core.FitPage(page.Orders, limit, core.Order.Size); n < len(rows) {
		page.Orders = page.Orders[:n]
		page.NextCursor = encodeOrderCursor(orderCursor{Seq: rows[n-1].Seq})
	}
	return page, nil
}

// InvoiceOrders makes one posted invoice of every open order of the
// merchant's customer req.CustomerID, sent to req.BillToCustomerID (default:
// the customer itself; its parent company for parent invoicing, in which
// case OrderedByCustomerID is the customer). In one write transaction it
// takes the open orders oldest first, numbers the invoice from the series
// like any invoice, and marks the orders invoiced with the invoice's id.
//
// The invoice lists every order's lines in order (each with its OrderID),
// its OrderIDs, totals summed over the orders and a VAT breakdown summed per
// rate from the orders' breakdowns (each order's VAT was computed per rate
// already, so it is not computed again from the lines). Its reference lists
// the orders' distinct references; its date is req.InvoiceDate (default:
// today) and its due date that plus the bill-to customer's due days. It
// gets an OCR reference and öre rounding like CreateInvoice's.
//
// Idempotent on req.ExternalRef: when the merchant already has an invoice
// with that reference it is returned and nothing is done. Two calls with
// different references never invoice an order twice: the later one finds
// no open orders.
//
// Only orders dated before req.OrdersBefore are invoiced when it is set.
//
// Errors: CodeNotFound when the customer has no open orders (before
// OrdersBefore); CodeInvalid naming customer_id, bill_to_customer_id (no
// such customer), invoice_date, orders_before,
// invoice_start_number, invoice_settings, or each item the law requires
// that the invoice would lack (see postingRules.lawful: the orders stay
// open); CodeConflict naming
// external_ref when a credit invoice holds the reference, or when the open
// orders are in different currencies.
func (p *Provider) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	rules, err := rulesOf(conn)
	if err != nil {
		return core.Invoice{}, err
	}
	req.CustomerID = strings.TrimSpace(req.CustomerID)
	req.BillToCustomerID = strings.TrimSpace(req.BillToCustomerID)
	var errs []core.FieldError
	if req.CustomerID == "" {
		errs = append(errs, core.FieldError{Field: "customer_id", Message: "is required"})
	}
	if req.BillToCustomerID == "" {
		req.BillToCustomerID = req.CustomerID
	}
	if req.InvoiceDate == "" {
		req.InvoiceDate = p.today(conn)
	} else if !req.InvoiceDate.Valid() {
		errs = append(errs, core.FieldError{Field: "invoice_date", Message: "must be a date YYYY-MM-DD"})
	}
	if req.OrdersBefore != "" && !req.OrdersBefore.Valid() {
		errs = append(errs, core.FieldError{Field: "orders_before", Message: "must be a date YYYY-MM-DD"})
	}
	if err := core.Invalid("invalid collective invoice", errs...); err != nil {
		return core.Invoice{}, err
	}
	now := p.nowUTC()
	id := newInvoiceID(now)
	var out core.Invoice
	var existingID string
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		out, existingID = core.Invoice{}, ""
		if req.ExternalRef != "" {
			found, err := findByExternalRef(ctx, tx, conn.MerchantID, req.ExternalRef, core.KindInvoice)
			if err != nil || found != "" {
				existingID = found
				return err
			}
		}
		inv, err := p.collectiveInTx(ctx, tx, conn.MerchantID, rules, req)
		if err != nil {
			return err
		}
		inv.ID, inv.CreatedAt = id, now
		inv.OutstandingAmount = fresh(inv)
		if err := p.stmts.in(ctx, tx).insert(ctx, conn.MerchantID, inv, nil); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'invoiced', invoice_id = ?
			WHERE merchant_id = ? AND customer_id = ? AND status = 'open' AND (? = '' OR order_date < ?)`,
			inv.ID, conn.MerchantID, req.CustomerID, req.OrdersBefore, req.OrdersBefore)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(inv.OrderIDs)) {
			return errors.Join(err, fmt.Errorf("marked %d orders invoiced, want %d", n, len(inv.OrderIDs)))
		}
		out = inv
		return nil
	})
	if err != nil {
		return core.Invoice{}, dbError("invoice orders", err)
	}
	if existingID != "" {
		return p.GetInvoice(ctx, conn, existingID)
	}
	return out, nil
}

// collectiveInTx builds (without storing) the collective invoice of the
// customer's open orders, numbered from the series. See InvoiceOrders.
func (p *Provider) collectiveInTx(ctx context.Context, tx *sqlx.Tx, merchantID string, rules postingRules, req core.CollectiveRequest) (core.Invoice, error) {
	ok, err := customerExists(ctx, tx, merchantID, req.CustomerID)
	if err != nil {
		return core.Invoice{}, err
	}
	if !ok {
		return core.Invoice{}, invalidCustomer("no such customer")
	}
	var bill customerTerms
	err = tx.GetContext(ctx, &bill, `SELECT `+customerTermsColumns+` FROM customers
		WHERE id = ? AND merchant_id = ?`, req.BillToCustomerID, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Invoice{}, core.Invalid("no such bill-to customer", core.FieldError{Field: "bill_to_customer_id", Message: "no such customer"})
	}
	if err != nil {
		return core.Invoice{}, err
	}

	const open = `o.merchant_id = ? AND o.customer_id = ? AND o.status = 'open' AND (? = '' OR o.order_date < ?)`
	before := req.OrdersBefore
	var rows []orderRow
	if err := tx.SelectContext(ctx, &rows, `SELECT `+orderColumns+` FROM orders o WHERE `+open+`
		ORDER BY o.seq`, merchantID, req.CustomerID, before, before); err != nil {
		return core.Invoice{}, err
	}
	if len(rows) == 0 {
		return core.Invoice{}, core.Errorf(core.CodeNotFound, "no open orders to invoice for customer %q", req.CustomerID)
	}
	orders := make([]core.Order, len(rows))
	for i, r := range rows {
		orders[i] = r.order()
	}
	if err := orderDetails(ctx, tx, orders, open, merchantID, req.CustomerID, before, before); err != nil {
		return core.Invoice{}, err
	}

	inv := core.Invoice{
		Kind:         core.KindInvoice,
		Status:       core.StatusPosted,
		InvoiceDate:  req.InvoiceDate,
		DueDate:      req.InvoiceDate.AddDays(bill.DueDays),
		CustomerID:   req.BillToCustomerID,
		CustomerName: bill.Name,
		Currency:     orders[0].Currency,
		Provider:     Name,
		ExternalRef:  req.ExternalRef,
		Lines:        []core.InvoiceLine{},
		OrderIDs:     make([]string, len(orders)),
		// Collected register sales are domestic.
		VATTreatment: core.TreatmentDomestic,
	}
	if req.BillToCustomerID != req.CustomerID {
		inv.OrderedByCustomerID = req.CustomerID
	}
	byRate := map[string]*core.VATAmount{}
	var refs []string
	seenRef := map[string]bool{}
	for i, o := range orders {
		if o.Currency != inv.Currency {
			return core.Invoice{}, core.Errorf(core.CodeConflict, "the open orders are in %s and %s; they cannot share an invoice", inv.Currency, o.Currency)
		}
		inv.OrderIDs[i] = o.ID
		for _, l := range o.Lines {
			if l.Quantity.IsZero() {
				continue // refunded before it was invoiced (RefundOrder)
			}
			l.OrderID = o.ID
			inv.Lines = append(inv.Lines, l)
		}
		for _, v := range o.VATBreakdown {
			k := v.VATRate.String()
			a := byRate[k]
			if a == nil {
				a = &core.VATAmount{VATRate: v.VATRate}
				byRate[k] = a
			}
			a.Net += v.Net
			a.VAT += v.VAT
		}
		inv.NetTotal += o.NetTotal
		inv.VATTotal += o.VATTotal
		inv.Total += o.Total
		if r := strings.TrimSpace(o.Reference); r != "" && !seenRef[r] {
			seenRef[r] = true
			refs = append(refs, r)
		}
	}
	inv.Reference = strings.Join(refs, ", ")
	inv.VATBreakdown = make([]core.VATAmount, 0, len(byRate))
	for _, a := range byRate {
		inv.VATBreakdown = append(inv.VATBreakdown, *a)
	}
	sort.Slice(inv.VATBreakdown, func(i, j int) bool { return inv.VATBreakdown[i].VATRate.LessThan(inv.VATBreakdown[j].VATRate) })
	inv.Rounding = rounding(inv.Total, inv.Currency, rules.round)
	if err := rules.lawful(bill.buyer(), inv); err != nil {
		return core.Invoice{}, err
	}

	n, err := p.stmts.in(ctx, tx).nextNumber(ctx, merchantID, rules.start)
	if err != nil {
		return core.Invoice{}, err
	}
	inv.Number = n
	inv.ProviderRef = fmt.Sprint(n)
	inv.OCR = ocrOf(rules.country, n)
	return inv, nil
}

func encodeOrderCursor(c orderCursor) string { return core.EncodeCursor(c) }

func decodeOrderCursor(s string) (orderCursor, error) {
	var c orderCursor
	if err := core.DecodeCursor(s, &c); err != nil || c.Seq <= 0 {
		return orderCursor{}, core.ErrInvalidCursor()
	}
	return c, nil
}
