package open

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Invoice creation is the register's hot path. Each CreateInvoice is one
// sqlite.DB.Write, so concurrent calls are group-committed by package sqlite:
// they share a transaction and its COMMIT, each inside its own savepoint, in
// arrival order. A request gets its number and its rows in its own
// savepoint, so a request that fails gives its number back and numbers stay
// contiguous; one that is refused (unknown customer, ...) does not disturb
// the others. The statements are prepared once, when the provider opens.

type createJob struct {
	merchantID string
	rules      postingRules
	ref        string
	draft      bool         // store an unnumbered draft instead of posting
	route      bool         // a register charge: bill the parent, refuse collecting customers
	inv        core.Invoice // complete except number, OCR, due date and customer name
}

type createResult struct {
	inv        core.Invoice
	existingID string // set when the external reference already existed
}

// create runs job in its own write (see above).
func (p *Provider) create(ctx context.Context, job createJob) (createResult, error) {
	var res createResult
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		// Once started, the job runs to its end: interrupting a statement
		// would roll back the transaction it shares with other calls.
		ctx := context.WithoutCancel(ctx)
		var err error
		res, err = p.createInTx(ctx, p.stmts.in(ctx, tx), job)
		return err
	})
	return res, err
}

// createInTx creates one invoice inside a write transaction. Refusals are
// *core.Error values decided before anything is written.
func (p *Provider) createInTx(ctx context.Context, st *invoiceStmts, j createJob) (createResult, error) {
	var ref any
	if j.ref != "" {
		ref = j.ref
	}
	var look struct {
		ExistingID       string `db:"existing_id"`
		ExistingKind     string `db:"existing_kind"`
		OrderExists      bool   `db:"order_exists"`
		Found            bool   `db:"found"`
		Name             string `db:"name"`
		Active           bool   `db:"active"`
		InvoicingEnabled bool   `db:"invoicing_enabled"`
		DueDays          int    `db:"due_days"`
		OrderedByFound   bool   `db:"ordered_by_found"`
		Collective       bool   `db:"collective"`
		ParentID         string `db:"parent_id"`
		ParentFound      bool   `db:"parent_found"`
		ParentName       string `db:"parent_name"`
		ParentActive     bool   `db:"parent_active"`
		ParentInvoicing  bool   `db:"parent_invoicing_enabled"`
		ParentDueDays    int    `db:"parent_due_days"`
		// The billing addresses of the customer and of its parent.
		Line1            string `db:"billing_line1"`
		Line2            string `db:"billing_line2"`
		PostalCode       string `db:"billing_postal_code"`
		City             string `db:"billing_city"`
		Country          string `db:"billing_country"`
		ParentLine1      string `db:"parent_billing_line1"`
		ParentLine2      string `db:"parent_billing_line2"`
		ParentPostalCode string `db:"parent_billing_postal_code"`
		ParentCity       string `db:"parent_billing_city"`
		ParentCountry    string `db:"parent_billing_country"`
	}
	if err := st.lookup.GetContext(ctx, &look, j.merchantID, ref, j.merchantID, ref,
		j.inv.CustomerID, j.merchantID, j.inv.OrderedByCustomerID, j.merchantID); err != nil {
		return createResult{}, err
	}
	switch {
	case look.ExistingID != "" && look.ExistingKind != string(core.KindInvoice):
		return createResult{}, refUsedBy(look.ExistingKind)
	case look.ExistingID != "":
		return createResult{existingID: look.ExistingID}, nil
	case look.OrderExists:
		return createResult{}, refUsedByOrder()
	}
	if err := customerRefusal(look.Found, look.Active, look.InvoicingEnabled); err != nil {
		return createResult{}, err
	}
	if j.inv.OrderedByCustomerID != "" && !look.OrderedByFound {
		return createResult{}, core.Invalid("no such ordering customer", core.FieldError{Field: "ordered_by", Message: "no such customer"})
	}
	if j.route && j.inv.OrderedByCustomerID == "" {
		// A register charge for the buying customer: its purchases may be
		// collected (the engine then makes an order), or billed to its
		// parent company.
		if look.Collective {
			return createResult{}, core.ErrCollects()
		}
		if look.ParentID != "" {
			if err := parentRefusal(look.ParentFound, look.ParentActive, look.ParentInvoicing, look.ParentName); err != nil {
				return createResult{}, err
			}
			j.inv.OrderedByCustomerID = j.inv.CustomerID
			j.inv.CustomerID = look.ParentID
			look.Name, look.DueDays = look.ParentName, look.ParentDueDays
			look.Line1, look.Line2, look.PostalCode = look.ParentLine1, look.ParentLine2, look.ParentPostalCode
			look.City, look.Country = look.ParentCity, look.ParentCountry
		}
	}
	inv := j.inv
	inv.CustomerName = look.Name
	if j.draft {
		inv.Status = core.StatusDraft
	} else {
		buyer := core.Customer{Name: look.Name, BillingAddress: core.Address{Line1: look.Line1, Line2: look.Line2,
			PostalCode: look.PostalCode, City: look.City, Country: look.Country}}
		if err := j.rules.lawful(buyer, inv); err != nil {
			return createResult{}, err
		}
		n, err := st.nextNumber(ctx, j.merchantID, j.rules.start)
		if err != nil {
			return createResult{}, err
		}
		inv.Status = core.StatusPosted
		inv.Number = n
		inv.ProviderRef = strconv.FormatInt(n, 10)
		inv.OCR = ocrOf(j.rules.country, n)
		inv.DueDate = inv.InvoiceDate.AddDays(look.DueDays)
	}
	if err := st.insert(ctx, j.merchantID, inv, nil); err != nil {
		return createResult{}, err
	}
	inv.OutstandingAmount = fresh(inv)
	return createResult{inv: inv}, nil
}

// customerRefusal is why a customer may not be invoiced (CodeInvalid naming
// customer_id), or nil.
func customerRefusal(found, active, invoicingEnabled bool) error {
	if why := core.InvoiceableRefusal("customer", "", found, active, invoicingEnabled); why != "" {
		return invalidCustomer(why)
	}
	return nil
}

// parentRefusal is why a customer's parent company may not be invoiced
// (CodeInvalid naming customer_id), or nil.
func parentRefusal(found, active, invoicingEnabled bool, name string) error {
	if why := core.InvoiceableRefusal("parent company", name, found, active, invoicingEnabled); why != "" {
		return invalidCustomer(why)
	}
	return nil
}

func refUsedByOrder() error {
	return &core.Error{Code: core.CodeConflict, Message: "external reference already used",
		Fields: []core.FieldError{{Field: "external_ref", Message: "already identifies a collected order"}}}
}

func refUsedBy(kind string) error {
	return &core.Error{Code: core.CodeConflict, Message: "external reference already used",
		Fields: []core.FieldError{{Field: "external_ref", Message: "already identifies a " + kind + " invoice"}}}
}

// invoiceStmts are the write path's statements. The provider prepares them
// once on the writer connection (prepareInvoiceStmts); in returns them bound
// to one transaction.
type invoiceStmts struct {
	lookup, series, invoice, line, vat *sqlx.Stmt
}

func prepareInvoiceStmts(ctx context.Context, db *sqlite.DB) (*invoiceStmts, error) {
	st := &invoiceStmts{}
	for _, s := range []struct {
		dst **sqlx.Stmt
		sql string
	}{
		{&st.lookup, `SELECT COALESCE(i.id, '') AS existing_id, COALESCE(i.kind, '') AS existing_kind,
			o.id IS NOT NULL AS order_exists,
			c.id IS NOT NULL AS found, COALESCE(c.name, '') AS name, COALESCE(c.active, 0) AS active,
			COALESCE(c.invoicing_enabled, 0) AS invoicing_enabled, COALESCE(c.due_days, 0) AS due_days,
			ob.id IS NOT NULL AS ordered_by_found,
			COALESCE(c.collective_enabled, 0) AS collective, COALESCE(c.parent_customer_id, '') AS parent_id,
			pc.id IS NOT NULL AS parent_found, COALESCE(pc.name, '') AS parent_name,
			COALESCE(pc.active, 0) AS parent_active, COALESCE(pc.invoicing_enabled, 0) AS parent_invoicing_enabled,
			COALESCE(pc.due_days, 0) AS parent_due_days,
			COALESCE(c.billing_line1, '') AS billing_line1, COALESCE(c.billing_line2, '') AS billing_line2,
			COALESCE(c.billing_postal_code, '') AS billing_postal_code, COALESCE(c.billing_city, '') AS billing_city,
			COALESCE(c.billing_country, '') AS billing_country,
			COALESCE(pc.billing_line1, '') AS parent_billing_line1, COALESCE(pc.billing_line2, '') AS parent_billing_line2,
			COALESCE(pc.billing_postal_code, '') AS parent_billing_postal_code, COALESCE(pc.billing_city, '') AS parent_billing_city,
			COALESCE(pc.billing_country, '') AS parent_billing_country
			FROM (SELECT 1) AS one
			LEFT JOIN invoices i ON i.merchant_id = ? AND i.external_ref = ?
			LEFT JOIN orders o ON o.merchant_id = ? AND o.external_ref = ?
			LEFT JOIN customers c ON c.id = ? AND c.merchant_id = ?
			LEFT JOIN customers ob ON ob.id = ? AND ob.merchant_id = ?
			LEFT JOIN customers pc ON pc.id = c.parent_customer_id AND pc.merchant_id = c.merchant_id`},
		{&st.series, `INSERT INTO invoice_series (merchant_id, next_number) VALUES (?, ? + 1)
			ON CONFLICT (merchant_id) DO UPDATE SET next_number = next_number + 1
			RETURNING next_number - 1`},
		{&st.invoice, `INSERT INTO invoices (id, merchant_id, number, kind, status, invoice_date, due_date,
			customer_id, customer_name, reference, comment, currency, net_total, vat_total, total, paid_at,
			credits_invoice_id, external_ref, location_id, receipt_id, created_at,
			ocr, rounding, credits_invoice_number, ordered_by_customer_id, order_ids, vat_treatment)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.line, `INSERT INTO invoice_lines (invoice_id, position, description, product_group, quantity,
			unit_price, vat_rate, takeaway, net, vat, total, credits_line, order_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.vat, `INSERT INTO invoice_vat (invoice_id, position, vat_rate, net, vat) VALUES (?, ?, ?, ?, ?)`},
	} {
		stmt, err := db.PrepareWrite(ctx, s.sql)
		if err != nil {
			return nil, err
		}
		*s.dst = stmt
	}
	return st, nil
}

// in returns the statements bound to tx, without preparing them again. They
// close with tx.
func (st *invoiceStmts) in(ctx context.Context, tx *sqlx.Tx) *invoiceStmts {
	return &invoiceStmts{
		lookup:  tx.StmtxContext(ctx, st.lookup),
		series:  tx.StmtxContext(ctx, st.series),
		invoice: tx.StmtxContext(ctx, st.invoice),
		line:    tx.StmtxContext(ctx, st.line),
		vat:     tx.StmtxContext(ctx, st.vat),
	}
}

// nextNumber takes the next number of the merchant's series, creating the
// series at start on first use. It runs inside the transaction that inserts
// the numbered invoice, so a rolled-back insert gives its number back.
func (st *invoiceStmts) nextNumber(ctx context.Context, merchantID string, start int64) (int64, error) {
	var n int64
	err := st.series.QueryRowContext(ctx, merchantID, start).Scan(&n)
	return n, err
}

// insert writes inv with its lines and VAT breakdown. creditsLine, when not
// nil, holds for each line the original line it credits.
func (st *invoiceStmts) insert(ctx context.Context, merchantID string, inv core.Invoice, creditsLine []int) error {
	_, err := st.invoice.ExecContext(ctx,
		inv.ID, merchantID, inv.Number, string(inv.Kind), string(inv.Status), string(inv.InvoiceDate), string(inv.DueDate),
		inv.CustomerID, inv.CustomerName, inv.Reference, inv.Comment, string(inv.Currency),
		inv.NetTotal, inv.VATTotal, inv.Total, string(inv.PaidAt),
		nullIfEmpty(inv.CreditsInvoiceID), nullIfEmpty(inv.ExternalRef), inv.LocationID, inv.ReceiptID, formatTime(inv.CreatedAt),
		inv.OCR, inv.Rounding, inv.CreditsInvoiceNumber, inv.OrderedByCustomerID, encodeOrderIDs(inv.OrderIDs),
		string(inv.VATTreatment.OrDefault()))
	if err != nil {
		return err
	}
	return st.insertDetails(ctx, inv, creditsLine)
}

// insertDetails writes inv's lines and VAT breakdown (see insert).
func (st *invoiceStmts) insertDetails(ctx context.Context, inv core.Invoice, creditsLine []int) error {
	for i, l := range inv.Lines {
		var credits any
		if creditsLine != nil {
			credits = creditsLine[i]
		}
		if _, err := st.line.ExecContext(ctx, inv.ID, i, l.Description, l.ProductGroup, l.Quantity.String(),
			l.UnitPrice, l.VATRate.String(), boolInt(l.Takeaway), l.Net, l.VAT, l.Total, credits, l.OrderID); err != nil {
			return err
		}
	}
	for i, v := range inv.VATBreakdown {
		if _, err := st.vat.ExecContext(ctx, inv.ID, i, v.VATRate.String(), v.Net, v.VAT); err != nil {
			return err
		}
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return sql.NullString{}
	}
	return s
}

// fresh is the outstanding amount of an invoice just written, with no
// credits or payments yet: all of its amount due when it is a posted
// invoice.
func fresh(inv core.Invoice) int64 { return owed(inv.Kind, inv.Status, inv.AmountDue(), 0, 0) }

// newPaymentID returns "pay_" and a time-ordered id (core.NewOrderedID).
func newPaymentID(t time.Time) string { return core.NewOrderedID("pay", t) }

// newInvoiceID returns "inv_" and a time-ordered id (core.NewOrderedID), so
// inserts land at the right edge of the invoice and line indexes.
func newInvoiceID(t time.Time) string { return core.NewOrderedID("inv", t) }
