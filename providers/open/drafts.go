package open

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// customerTerms are what invoicing needs of a customer: whether it may be
// invoiced, its terms and what a full invoice prints of it.
type customerTerms struct {
	Name             string `db:"name"`
	Active           bool   `db:"active"`
	InvoicingEnabled bool   `db:"invoicing_enabled"`
	DueDays          int    `db:"due_days"`
	Line1            string `db:"billing_line1"`
	Line2            string `db:"billing_line2"`
	PostalCode       string `db:"billing_postal_code"`
	City             string `db:"billing_city"`
	Country          string `db:"billing_country"`
}

// customerTermsColumns are the customers columns of customerTerms.
const customerTermsColumns = `name, active, invoicing_enabled, due_days,
	billing_line1, billing_line2, billing_postal_code, billing_city, billing_country`

// buyer is the customer as the law's check of an invoice sees it (see
// postingRules.lawful).
func (t customerTerms) buyer() core.Customer {
	return core.Customer{Name: t.Name, BillingAddress: core.Address{Line1: t.Line1, Line2: t.Line2,
		PostalCode: t.PostalCode, City: t.City, Country: t.Country}}
}

// invoiceableCustomer returns the terms of the merchant's customer id.
// Errors: CodeInvalid naming customer_id when there is no such customer or
// it may not be invoiced (inactive, invoicing disabled).
func invoiceableCustomer(ctx context.Context, q sqlx.QueryerContext, merchantID, id string) (customerTerms, error) {
	var t customerTerms
	err := sqlx.GetContext(ctx, q, &t, `SELECT `+customerTermsColumns+` FROM customers
		WHERE id = ? AND merchant_id = ?`, id, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return customerTerms{}, customerRefusal(false, false, false)
	}
	if err != nil {
		return customerTerms{}, err
	}
	return t, customerRefusal(true, t.Active, t.InvoicingEnabled)
}

// customerExists reports whether the merchant has a customer id.
func customerExists(ctx context.Context, q sqlx.QueryerContext, merchantID, id string) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM customers WHERE id = ? AND merchant_id = ?`, id, merchantID)
	return n > 0, err
}

// UpdateDraft replaces a draft's customer, ordering customer, invoice date,
// reference, comment, currency, lines, VAT breakdown and totals with those
// of req, which is checked like CreateInvoice's; the location and receipt
// change only when req names them. The draft keeps its ID, external
// reference and creation time, and still has no number. req.Draft and
// req.ExternalRef are ignored.
//
// Errors: CodeNotFound; CodeConflict when the invoice is not a draft;
// CodeInvalid naming customer_id (no such customer, inactive, invoicing
// disabled), ordered_by or a request field.
func (p *Provider) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	rules, err := rulesOf(conn)
	if err != nil {
		return core.Invoice{}, err
	}
	if err := validateInvoiceRequest(&req, conn, func() core.Date { return p.today(conn) }); err != nil {
		return core.Invoice{}, err
	}
	upd := invoiceFromRequest(req, rules)
	var out core.Invoice
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		out = core.Invoice{}
		cur, err := getInvoice(ctx, tx, conn.MerchantID, id)
		if err != nil {
			return err
		}
		if cur.Status != core.StatusDraft {
			return core.Errorf(core.CodeConflict, "invoice %d is %s; only a draft can be edited", cur.Number, cur.Status)
		}
		terms, err := invoiceableCustomer(ctx, tx, conn.MerchantID, upd.CustomerID)
		if err != nil {
			return err
		}
		if upd.OrderedByCustomerID != "" {
			ok, err := customerExists(ctx, tx, conn.MerchantID, upd.OrderedByCustomerID)
			if err != nil {
				return err
			}
			if !ok {
				return core.Invalid("no such ordering customer", core.FieldError{Field: "ordered_by", Message: "no such customer"})
			}
		}
		inv := upd
		inv.ID, inv.Status, inv.CustomerName = cur.ID, core.StatusDraft, terms.Name
		inv.ExternalRef, inv.CreatedAt = cur.ExternalRef, cur.CreatedAt
		if inv.LocationID == "" {
			inv.LocationID = cur.LocationID
		}
		if inv.ReceiptID == "" {
			inv.ReceiptID = cur.ReceiptID
		}
		_, err = tx.ExecContext(ctx, `UPDATE invoices SET customer_id = ?, customer_name = ?, ordered_by_customer_id = ?,
			invoice_date = ?, reference = ?, comment = ?, currency = ?, net_total = ?, vat_total = ?, total = ?,
			rounding = ?, location_id = ?, receipt_id = ?, vat_treatment = ?
			WHERE id = ? AND merchant_id = ? AND status = 'draft'`,
			inv.CustomerID, inv.CustomerName, inv.OrderedByCustomerID, string(inv.InvoiceDate), inv.Reference, inv.Comment,
			string(inv.Currency), inv.NetTotal, inv.VATTotal, inv.Total, inv.Rounding, inv.LocationID, inv.ReceiptID,
			string(inv.VATTreatment), inv.ID, conn.MerchantID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_lines WHERE invoice_id = ?`, inv.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_vat WHERE invoice_id = ?`, inv.ID); err != nil {
			return err
		}
		if err := p.stmts.in(ctx, tx).insertDetails(ctx, inv, nil); err != nil {
			return err
		}
		out = inv
		return nil
	})
	if err != nil {
		return core.Invoice{}, dbError("update draft", err)
	}
	return out, nil
}

// PostInvoice posts the merchant's draft on date (default: the merchant's
// today): it takes the next number of the merchant's series in the same
// write transaction (so drafts never leave a gap, whatever is numbered in
// between), becomes dated date, due date + the customer's due days, gets
// the payment reference of its number (OCR/KID) and the öre rounding of the
// current invoice settings, and from then on is immutable. The customer
// must still be invoiceable. Posting an invoice that is already posted or
// paid returns it unchanged.
//
// The draft must carry what the law requires of its form, with the
// current invoice settings and customer (core.CheckInvoiceContent);
// otherwise nothing changes and no number is taken.
//
// Errors: CodeNotFound; CodeConflict for a credited invoice; CodeInvalid
// naming date, customer_id (the customer was deactivated or may no longer
// be invoiced), invoice_start_number, invoice_settings, or each missing
// item (invoice_settings.company.*, customer.name,
// customer.billing_address).
func (p *Provider) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	rules, err := rulesOf(conn)
	if err != nil {
		return core.Invoice{}, err
	}
	if date == "" {
		date = p.today(conn)
	} else if !date.Valid() {
		return core.Invoice{}, core.Invalid("invalid posting", core.FieldError{Field: "date", Message: "must be a date YYYY-MM-DD"})
	}
	var out core.Invoice
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		out = core.Invoice{}
		cur, err := getInvoice(ctx, tx, conn.MerchantID, id)
		if err != nil {
			return err
		}
		switch cur.Status {
		case core.StatusDraft:
		case core.StatusPosted, core.StatusPaid:
			out = cur
			return nil
		default:
			return core.Errorf(core.CodeConflict, "a %s invoice cannot be posted", cur.Status)
		}
		terms, err := invoiceableCustomer(ctx, tx, conn.MerchantID, cur.CustomerID)
		if err != nil {
			return err
		}
		if err := rules.lawful(terms.buyer(), cur); err != nil {
			return err
		}
		inv := cur
		st := p.stmts.in(ctx, tx)
		n, err := st.nextNumber(ctx, conn.MerchantID, rules.start)
		if err != nil {
			return err
		}
		inv.Status = core.StatusPosted
		inv.Number = n
		inv.ProviderRef = strconv.FormatInt(n, 10)
		inv.OCR = ocrOf(rules.country, n)
		inv.InvoiceDate = date
		inv.DueDate = date.AddDays(terms.DueDays)
		inv.CustomerName = terms.Name
		inv.Rounding = rounding(inv.Total, inv.Currency, rules.round)
		inv.OutstandingAmount = fresh(inv)
		_, err = tx.ExecContext(ctx, `UPDATE invoices SET number = ?, status = 'posted', invoice_date = ?, due_date = ?,
			customer_name = ?, ocr = ?, rounding = ? WHERE id = ? AND status = 'draft'`,
			inv.Number, string(inv.InvoiceDate), string(inv.DueDate), inv.CustomerName, inv.OCR, inv.Rounding, inv.ID)
		if err != nil {
			return err
		}
		out = inv
		return nil
	})
	if err != nil {
		return core.Invoice{}, dbError("post invoice", err)
	}
	return withOCR(out, conn.Country), nil
}
