package open

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/invoicepdf"
)

// lineBalance is how much of an original line is still uncredited.
type lineBalance struct {
	orig     core.InvoiceLine
	quantity decimal.Decimal // uncredited quantity
	vat      int64           // uncredited VAT
	total    int64           // uncredited total
}

// CreditInvoice issues a credit invoice for the merchant's posted or paid
// invoice: of everything still uncredited when req.Lines is empty, otherwise
// of the listed quantities. Credit lines carry negative quantities and
// amounts: crediting all that remains of a line credits exactly its
// remaining amounts (so a whole line is the exact negation of the line),
// while a part q of a line's quantity Q credits total×q/Q and VAT×q/Q, each
// rounded half away from zero, with net = total − VAT. The VAT breakdown is
// summed from the credit lines. The credit invoice takes the next number of
// the merchant's one series, references the original in CreditsInvoiceID
// and CreditsInvoiceNumber, gets the payment reference of its number and the
// öre rounding of the invoice settings (the mirror image of an invoice's),
// keeps the original's ordering customer, and is posted with due date = its
// date (default: today). When nothing of the original remains uncredited the
// original's status becomes credited; a void request (req.Void, whole
// invoice only) makes it void instead. The original's credited_amount grows
// by the credit's amount due, which reduces its outstanding amount; a
// posted invoice paid in part that the credit leaves owing nothing becomes
// paid (paid_at: its last payment). A credit
// invoice can later be marked paid (settled) with MarkInvoicePaid.
//
// Idempotent on req.ExternalRef like CreateInvoice.
//
// The credit invoice must carry what the law requires of its form (a
// Swedish one is a simplified invoice, a Norwegian one full: see
// core.FormOf and core.CheckInvoiceContent); otherwise nothing changes and
// no number is taken.
//
// Errors: CodeNotFound (the invoice); CodeConflict (not a posted or paid
// invoice of kind invoice, already fully credited, or external_ref used by
// an invoice); CodeInvalid naming invoice_id, date, lines (a void with
// lines), lines[i].line (no such
// line), lines[i].quantity (not positive, or more than remains of the
// line counting earlier credits) or each missing item
// (invoice_settings.company.*, customer.name, customer.billing_address).
func (p *Provider) CreditInvoice(ctx context.Context, conn core.Connection, req core.CreditRequest) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	rules, err := rulesOf(conn)
	if err != nil {
		return core.Invoice{}, err
	}
	var errs []core.FieldError
	if req.InvoiceID == "" {
		errs = append(errs, core.FieldError{Field: "invoice_id", Message: "is required"})
	}
	if req.Date == "" {
		req.Date = p.today(conn)
	} else if !req.Date.Valid() {
		errs = append(errs, core.FieldError{Field: "date", Message: "must be a date YYYY-MM-DD"})
	}
	if req.Void && len(req.Lines) > 0 {
		errs = append(errs, core.FieldError{Field: "lines", Message: "a void credits the whole invoice: leave lines out"})
	}
	for i, cl := range req.Lines {
		if cl.Line < 0 {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].line", i), Message: "must not be negative"})
		}
		if !cl.Quantity.IsPositive() {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Message: "must be greater than 0"})
		}
	}
	if err := core.Invalid("invalid credit", errs...); err != nil {
		return core.Invoice{}, err
	}

	var credit core.Invoice
	var existingID string
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		existingID = ""
		if req.ExternalRef != "" {
			id, err := findByExternalRef(ctx, tx, conn.MerchantID, req.ExternalRef, core.KindCredit)
			if err != nil || id != "" {
				existingID = id
				return err
			}
		}
		orig, err := getInvoice(ctx, tx, conn.MerchantID, req.InvoiceID)
		if err != nil {
			return err
		}
		if orig.Kind != core.KindInvoice || (orig.Status != core.StatusPosted && orig.Status != core.StatusPaid) {
			return core.Errorf(core.CodeConflict, "only a posted or paid invoice can be credited; this is a %s %s", orig.Status, orig.Kind)
		}
		if req.Date < orig.InvoiceDate {
			return core.Invalid("invalid credit", core.FieldError{Field: "date", Message: "must not be before the invoice date " + string(orig.InvoiceDate)})
		}
		balances, err := uncredited(ctx, tx, orig)
		if err != nil {
			return err
		}
		lines, from, err := creditLines(balances, req.Lines)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			return core.Errorf(core.CodeConflict, "invoice %d is already fully credited", orig.Number)
		}
		now := p.nowUTC()
		credit = core.Invoice{
			ID:     newInvoiceID(now),
			Kind:   core.KindCredit,
			Status: core.StatusPosted,
			// A credit invoice is settled against the invoice it
			// credits: it has no due date and no payment reference.
			InvoiceDate:      req.Date,
			CustomerID:       orig.CustomerID,
			CustomerName:     orig.CustomerName,
			Reference:        orig.Reference,
			Comment:          invoicepdf.CreditComment(rules.country, orig.Number),
			Currency:         orig.Currency,
			CreditsInvoiceID: orig.ID,
			// The number a credit invoice must name (ML 17 kap. 22 §).
			CreditsInvoiceNumber: orig.Number,
			OrderedByCustomerID:  orig.OrderedByCustomerID,
			Lines:                lines,
			VATBreakdown:         breakdown(lines),
			Provider:             Name,
			ExternalRef:          req.ExternalRef,
			LocationID:           orig.LocationID,
			// A credit invoice changes the original: same VAT treatment,
			// same 0 rates and legal text.
			VATTreatment: orig.VATTreatment,
			CreatedAt:    now,
		}
		for _, l := range lines {
			credit.NetTotal += l.Net
			credit.VATTotal += l.VAT
			credit.Total += l.Total
		}
		credit.Rounding = rounding(credit.Total, credit.Currency, rules.round)
		buyer, err := getCustomerRow(ctx, tx, conn.MerchantID, orig.CustomerID)
		if err != nil {
			return err
		}
		if err := rules.lawful(buyer.customer(), credit); err != nil {
			return err
		}
		st := p.stmts.in(ctx, tx)
		n, err := st.nextNumber(ctx, conn.MerchantID, rules.start)
		if err != nil {
			return err
		}
		credit.Number, credit.ProviderRef = n, strconv.FormatInt(n, 10)
		if err := st.insert(ctx, conn.MerchantID, credit, from); err != nil {
			return err
		}
		status := orig.Status
		switch {
		case req.Void:
			status = core.StatusVoid
		case fullyCredited(balances):
			status = core.StatusCredited
		}
		_, err = tx.ExecContext(ctx, `UPDATE invoices SET status = ?, credited_amount = credited_amount - ? WHERE id = ?`,
			string(status), credit.Total+credit.Rounding, orig.ID)
		if err != nil || status != core.StatusPosted {
			return err
		}
		// Paid in part and credited for the rest: nothing is owed, so it is
		// paid, on the date of its last payment.
		_, err = tx.ExecContext(ctx, `UPDATE invoices SET status = 'paid',
			paid_at = (SELECT MAX(paid_at) FROM payments WHERE invoice_id = invoices.id)
			WHERE id = ? AND paid_amount > 0 AND total + rounding - credited_amount - paid_amount <= 0`, orig.ID)
		return err
	})
	if err != nil {
		return core.Invoice{}, dbError("credit invoice", err)
	}
	if existingID != "" {
		return p.GetInvoice(ctx, conn, existingID)
	}
	return credit, nil
}

// uncredited returns, per line of orig, what earlier credit invoices have
// not yet credited.
func uncredited(ctx context.Context, tx *sqlx.Tx, orig core.Invoice) ([]lineBalance, error) {
	out := make([]lineBalance, len(orig.Lines))
	for i, l := range orig.Lines {
		out[i] = lineBalance{orig: l, quantity: l.Quantity, vat: l.VAT, total: l.Total}
	}
	var credited []lineRow
	err := tx.SelectContext(ctx, &credited, `SELECT l.* FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
		WHERE i.credits_invoice_id = ? AND i.kind = 'credit'`, orig.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range credited {
		if !c.CreditsLine.Valid || c.CreditsLine.Int64 < 0 || int(c.CreditsLine.Int64) >= len(out) {
			continue
		}
		b := &out[c.CreditsLine.Int64]
		// Credit lines are negative, so adding them reduces the balance.
		b.quantity = b.quantity.Add(parseDecimal(c.Quantity))
		b.vat += c.VAT
		b.total += c.Total
	}
	return out, nil
}

// creditLines builds the credit lines for the request (all that remains when
// req is empty) and, for each, the original line it credits. balances is
// updated to what remains afterwards. Errors: CodeInvalid naming
// lines[i].line or lines[i].quantity.
func creditLines(balances []lineBalance, req []core.CreditLine) ([]core.InvoiceLine, []int, error) {
	var lines []core.InvoiceLine
	var from []int
	if len(req) == 0 {
		for i := range balances {
			if balances[i].quantity.IsPositive() {
				lines = append(lines, creditLine(&balances[i], balances[i].quantity))
				from = append(from, i)
			}
		}
		return lines, from, nil
	}
	var errs []core.FieldError
	for i, cl := range req {
		if cl.Line < 0 || cl.Line >= len(balances) {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].line", i),
				Message: fmt.Sprintf("the invoice has no line %d (it has %d lines, numbered from 0)", cl.Line, len(balances))})
			continue
		}
		b := &balances[cl.Line]
		field := fmt.Sprintf("lines[%d].quantity", i)
		if !cl.Quantity.Equal(cl.Quantity.Round(core.MaxQuantityPlaces)) {
			errs = append(errs, core.FieldError{Field: field,
				Message: fmt.Sprintf("must have at most %d decimals, like an invoice line's quantity", core.MaxQuantityPlaces)})
			continue
		}
		if cl.Quantity.GreaterThan(b.quantity) {
			errs = append(errs, core.FieldError{Field: field,
				Message: fmt.Sprintf("only %s of line %d is left to credit", b.quantity.String(), cl.Line)})
			continue
		}
		// A credit that rounds to nothing would still be a numbered
		// credit invoice of 0 kr.
		if total, _ := creditAmounts(*b, cl.Quantity); total == 0 && b.orig.Total != 0 {
			errs = append(errs, core.FieldError{Field: field,
				Message: fmt.Sprintf("%s of line %d is worth less than one öre; credit more", cl.Quantity.String(), cl.Line)})
			continue
		}
		lines = append(lines, creditLine(b, cl.Quantity))
		from = append(from, cl.Line)
	}
	if err := core.Invalid("cannot credit more than was invoiced", errs...); err != nil {
		return nil, nil, err
	}
	return lines, from, nil
}

// creditLine credits q of b's line and reduces the balance. q must be
// positive and at most what remains.
func creditLine(b *lineBalance, q decimal.Decimal) core.InvoiceLine {
	total, vat := creditAmounts(*b, q)
	b.quantity = b.quantity.Sub(q)
	b.total -= total
	b.vat -= vat
	l := b.orig
	l.Quantity = canonical(q.Neg())
	l.Total = -total
	l.VAT = -vat
	l.Net = -(total - vat)
	return l
}

// creditAmounts is the total and VAT (positive) that crediting q of b's
// line takes off it.
func creditAmounts(b lineBalance, q decimal.Decimal) (total, vat int64) {
	if q.Equal(b.quantity) {
		// The rest of the line: exactly what remains, so a line credited in
		// parts still nets to zero.
		return b.total, b.vat
	}
	// Multiply before dividing: an exact half stays exact.
	total = core.RoundHalfAwayFromZero(decimal.NewFromInt(b.orig.Total).Mul(q).Div(b.orig.Quantity))
	vat = core.RoundHalfAwayFromZero(decimal.NewFromInt(b.orig.VAT).Mul(q).Div(b.orig.Quantity))
	return total, vat
}

// fullyCredited reports whether nothing of the original remains after the
// credit (balances already reflect it).
func fullyCredited(balances []lineBalance) bool {
	for _, b := range balances {
		if b.quantity.IsPositive() {
			return false
		}
	}
	return true
}

// breakdown sums lines per VAT rate, ascending by rate.
func breakdown(lines []core.InvoiceLine) []core.VATAmount {
	byRate := map[string]*core.VATAmount{}
	var out []core.VATAmount
	var keys []string
	for _, l := range lines {
		k := l.VATRate.String()
		a, ok := byRate[k]
		if !ok {
			a = &core.VATAmount{VATRate: canonical(l.VATRate)}
			byRate[k] = a
			keys = append(keys, k)
		}
		a.Net += l.Net
		a.VAT += l.VAT
	}
	sort.Slice(keys, func(i, j int) bool { return byRate[keys[i]].VATRate.LessThan(byRate[keys[j]].VATRate) })
	for _, k := range keys {
		out = append(out, *byRate[k])
	}
	return out
}
