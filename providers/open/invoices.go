package open

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// invoiceRow is an invoices row. Optional references are read as "" via
// COALESCE (they are NULL in the table so the unique index on external_ref
// ignores invoices without one).
type invoiceRow struct {
	ID               string `db:"id"`
	Number           int64  `db:"number"`
	Kind             string `db:"kind"`
	Status           string `db:"status"`
	InvoiceDate      string `db:"invoice_date"`
	DueDate          string `db:"due_date"`
	CustomerID       string `db:"customer_id"`
	CustomerName     string `db:"customer_name"`
	Reference        string `db:"reference"`
	Comment          string `db:"comment"`
	Currency         string `db:"currency"`
	NetTotal         int64  `db:"net_total"`
	VATTotal         int64  `db:"vat_total"`
	Total            int64  `db:"total"`
	PaidAt           string `db:"paid_at"`
	CreditsInvoiceID string `db:"credits_invoice_id"`
	ExternalRef      string `db:"external_ref"`
	LocationID       string `db:"location_id"`
	ReceiptID        string `db:"receipt_id"`
	CreatedAt        string `db:"created_at"`
	OCR              string `db:"ocr"`
	Rounding         int64  `db:"rounding"`
	CreditsNumber    int64  `db:"credits_invoice_number"`
	OrderedBy        string `db:"ordered_by_customer_id"`
	OrderIDs         string `db:"order_ids"`
	PaidAmount       int64  `db:"paid_amount"`
	CreditedAmount   int64  `db:"credited_amount"`
	VATTreatment     string `db:"vat_treatment"`
}

const invoiceColumns = `id, number, kind, status, invoice_date, due_date, customer_id, customer_name,
	reference, comment, currency, net_total, vat_total, total, paid_at,
	COALESCE(credits_invoice_id, '') AS credits_invoice_id, COALESCE(external_ref, '') AS external_ref,
	location_id, receipt_id, created_at, ocr, rounding, credits_invoice_number, ordered_by_customer_id, order_ids,
	paid_amount, credited_amount, vat_treatment`

// invoice is the row as a core.Invoice. A draft (number 0) has no number
// and no provider reference.
func (r invoiceRow) invoice() core.Invoice {
	ref := ""
	if r.Number > 0 {
		ref = strconv.FormatInt(r.Number, 10)
	}
	return core.Invoice{
		ID:               r.ID,
		Number:           r.Number,
		Kind:             core.InvoiceKind(r.Kind),
		Status:           core.InvoiceStatus(r.Status),
		InvoiceDate:      core.Date(r.InvoiceDate),
		DueDate:          core.Date(r.DueDate),
		CustomerID:       r.CustomerID,
		CustomerName:     r.CustomerName,
		Reference:        r.Reference,
		Comment:          r.Comment,
		Currency:         core.Currency(r.Currency),
		NetTotal:         r.NetTotal,
		VATTotal:         r.VATTotal,
		Total:            r.Total,
		PaidAt:           core.Date(r.PaidAt),
		CreditsInvoiceID: r.CreditsInvoiceID,
		Provider:         Name,
		ProviderRef:      ref,
		ExternalRef:      r.ExternalRef,
		LocationID:       r.LocationID,
		ReceiptID:        r.ReceiptID,
		CreatedAt:        parseTime(r.CreatedAt),

		OCR:                  r.OCR,
		Rounding:             r.Rounding,
		CreditsInvoiceNumber: r.CreditsNumber,
		OrderedByCustomerID:  r.OrderedBy,
		OrderIDs:             decodeOrderIDs(r.OrderIDs),
		PaidAmount:           r.PaidAmount,
		OutstandingAmount:    r.outstanding(),
		VATTreatment:         core.VATTreatment(r.VATTreatment).OrDefault(),
	}
}

// outstanding is what the customer still owes on a posted invoice: the
// amount to pay less its credits and payments. Drafts, credit invoices and
// credited or void invoices owe nothing.
func (r invoiceRow) outstanding() int64 {
	return owed(core.InvoiceKind(r.Kind), core.InvoiceStatus(r.Status), r.Total+r.Rounding, r.CreditedAmount, r.PaidAmount)
}

// owed is the outstanding amount of an invoice of kind and status whose
// amount due is due, less what its credits took off (credited, positive)
// and its payments (paid): the one rule behind invoiceRow.outstanding and
// fresh.
func owed(kind core.InvoiceKind, status core.InvoiceStatus, due, credited, paid int64) int64 {
	if kind != core.KindInvoice || (status != core.StatusPosted && status != core.StatusPaid) {
		return 0
	}
	return max(due-credited-paid, 0)
}

// encodeOrderIDs is the stored form of a collective invoice's order ids: a
// JSON array, or "" for none.
func encodeOrderIDs(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// decodeOrderIDs reads encodeOrderIDs' output; anything else reads as none.
func decodeOrderIDs(s string) []string {
	if s == "" {
		return nil
	}
	var ids []string
	if json.Unmarshal([]byte(s), &ids) != nil || len(ids) == 0 {
		return nil
	}
	return ids
}

// withOCR fills in the payment reference of a numbered invoice stored
// before references were assigned at posting. A credit invoice has none:
// it is settled against the invoice it credits.
func withOCR(inv core.Invoice, country core.Country) core.Invoice {
	if inv.OCR == "" && inv.Number > 0 && inv.Kind != core.KindCredit {
		inv.OCR = ocrOf(country, inv.Number)
	}
	return inv
}

type lineRow struct {
	InvoiceID    string        `db:"invoice_id"`
	Position     int           `db:"position"`
	Description  string        `db:"description"`
	ProductGroup string        `db:"product_group"`
	Quantity     string        `db:"quantity"`
	UnitPrice    int64         `db:"unit_price"`
	VATRate      string        `db:"vat_rate"`
	Takeaway     bool          `db:"takeaway"`
	Net          int64         `db:"net"`
	VAT          int64         `db:"vat"`
	Total        int64         `db:"total"`
	CreditsLine  sql.NullInt64 `db:"credits_line"`
	OrderID      string        `db:"order_id"`
}

func (r lineRow) line() core.InvoiceLine {
	return core.InvoiceLine{
		Description:  r.Description,
		ProductGroup: r.ProductGroup,
		Quantity:     parseDecimal(r.Quantity),
		UnitPrice:    r.UnitPrice,
		VATRate:      parseDecimal(r.VATRate),
		Takeaway:     r.Takeaway,
		Net:          r.Net,
		VAT:          r.VAT,
		Total:        r.Total,
		OrderID:      r.OrderID,
	}
}

type vatRow struct {
	InvoiceID string `db:"invoice_id"`
	VATRate   string `db:"vat_rate"`
	Net       int64  `db:"net"`
	VAT       int64  `db:"vat"`
}

func (r vatRow) amount() core.VATAmount {
	return core.VATAmount{VATRate: parseDecimal(r.VATRate), Net: r.Net, VAT: r.VAT}
}

// parseDecimal reads a decimal column; the column only ever holds strings
// written by decimal.String, so a failure means a corrupt row and reads as 0.
func parseDecimal(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

// canonical is d as it reads back from the database, so an invoice returned
// by a write equals the same invoice read later.
func canonical(d decimal.Decimal) decimal.Decimal { return parseDecimal(d.String()) }

// validateInvoiceRequest checks what the provider relies on: a customer, a
// date, a currency, priced lines whose amounts add up, and a known VAT
// treatment under which no line carries VAT unless it is domestic. It never
// reprices: the amounts are stored as they came.
func validateInvoiceRequest(req *core.InvoiceRequest, conn core.Connection, today func() core.Date) error {
	var errs []core.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, core.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(req.CustomerID) == "" {
		add("customer_id", "is required")
	}
	if req.InvoiceDate == "" {
		req.InvoiceDate = today()
	} else if !req.InvoiceDate.Valid() {
		add("invoice_date", "must be a date YYYY-MM-DD")
	}
	if req.Currency == "" {
		req.Currency = conn.Currency
	}
	if !req.Currency.Valid() {
		add("currency", "must be an ISO 4217 code")
	}
	if len(req.Lines) == 0 {
		add("lines", "needs at least one line")
	}
	if !req.VATTreatment.Valid() {
		add("vat_treatment", "must be one of domestic, reverse_charge, intra_community_supply, export")
	} else if req.VATTreatment.OrDefault() != core.TreatmentDomestic {
		// The engine checked the treatment's rules (core.CheckVATTreatment);
		// what the stored amounts rely on is that no line carries VAT.
		for i, l := range req.Lines {
			if !l.VATRate.IsZero() || l.VAT != 0 {
				add(fmt.Sprintf("lines[%d].vat_rate", i), "must be 0 under %s", req.VATTreatment)
			}
		}
	}
	var net, vat, total int64
	for i, l := range req.Lines {
		if l.Net+l.VAT != l.Total {
			add(fmt.Sprintf("lines[%d].total", i), "net %d plus VAT %d is not the total %d", l.Net, l.VAT, l.Total)
		}
		net += l.Net
		vat += l.VAT
		total += l.Total
	}
	if net != req.NetTotal {
		add("net_total", "is %d but the lines' net adds up to %d", req.NetTotal, net)
	}
	if vat != req.VATTotal {
		add("vat_total", "is %d but the lines' VAT adds up to %d", req.VATTotal, vat)
	}
	if total != req.Total {
		add("total", "is %d but the lines add up to %d", req.Total, total)
	}
	if len(req.VATBreakdown) > 0 {
		var bnet, bvat int64
		for _, b := range req.VATBreakdown {
			bnet += b.Net
			bvat += b.VAT
		}
		if bnet != req.NetTotal || bvat != req.VATTotal {
			add("vat_breakdown", "adds up to net %d and VAT %d, not the invoice's %d and %d", bnet, bvat, req.NetTotal, req.VATTotal)
		}
	}
	return core.Invalid("invalid invoice", errs...)
}

// CreateInvoice posts an invoice for the merchant's customer, numbered from
// the merchant's single series, or with req.Draft stores an editable draft
// that takes no number, no OCR reference and no due date until PostInvoice.
//
// A posted invoice's number is taken and the series bumped in the same write
// transaction as the insert, so numbers are contiguous, with no gap and no
// duplicate, however many calls run at once; the first number is
// conn.Settings[invoice_start_number] (default 1). It gets the payment
// reference of its number (OCR for SE, KID for NO: see ocrOf) and the due
// date = invoice date + the customer's due days. The priced lines, totals
// and VAT breakdown are stored exactly as given; Rounding is the öre
// rounding of the total when the merchant's invoice settings ask for it.
// When req.OrderedBy names another customer (the buyer of an invoice sent
// to its parent company, req.CustomerID) it is stored as
// OrderedByCustomerID.
//
// Idempotent on req.ExternalRef: when the merchant already has an invoice
// with that reference it is returned unchanged and nothing is created.
//
// Concurrent calls are group-committed: several invoices share one write
// transaction (see invoicewrite.go), each still numbered inside it.
//
// A posted invoice must carry what the law requires of its form, with the
// merchant's invoice settings and the invoiced customer
// (core.CheckInvoiceContent); otherwise nothing is stored and no number is
// taken. A draft is checked when it is posted.
//
// Errors: CodeInvalid naming customer_id (no such customer, customer
// inactive, invoicing disabled), ordered_by (no such customer),
// invoice_start_number, invoice_settings, a request field or each missing
// item (invoice_settings.company.*, customer.name,
// customer.billing_address); CodeConflict
// naming external_ref when a credit invoice or an order holds that
// reference; CodeUnavailable when the database is busy.
func (p *Provider) CreateInvoice(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Invoice, error) {
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
	now := p.nowUTC()
	inv := invoiceFromRequest(req, rules)
	inv.ID = newInvoiceID(now)
	inv.ExternalRef = req.ExternalRef
	inv.CreatedAt = now

	res, err := p.create(ctx, createJob{merchantID: conn.MerchantID, rules: rules, ref: req.ExternalRef, draft: req.Draft, route: req.Route && !req.Draft, inv: inv})
	if err != nil {
		return core.Invoice{}, dbError("create invoice", err)
	}
	if res.existingID != "" {
		return p.GetInvoice(ctx, conn, res.existingID)
	}
	return res.inv, nil
}

// invoiceFromRequest is the invoice of a validated request, without ID,
// number, status, customer name, due date, OCR, external reference and
// creation time. Decimals are canonical, so the invoice equals the same
// invoice read back.
func invoiceFromRequest(req core.InvoiceRequest, rules postingRules) core.Invoice {
	inv := core.Invoice{
		Kind:         core.KindInvoice,
		InvoiceDate:  req.InvoiceDate,
		CustomerID:   req.CustomerID,
		Reference:    req.Reference,
		Comment:      req.Comment,
		Currency:     req.Currency,
		NetTotal:     req.NetTotal,
		VATTotal:     req.VATTotal,
		Total:        req.Total,
		Rounding:     rounding(req.Total, req.Currency, rules.round),
		VATBreakdown: make([]core.VATAmount, len(req.VATBreakdown)),
		Lines:        make([]core.InvoiceLine, len(req.Lines)),
		Provider:     Name,
		LocationID:   req.LocationID,
		ReceiptID:    req.ReceiptID,
		VATTreatment: req.VATTreatment.OrDefault(),
	}
	if ob := strings.TrimSpace(req.OrderedBy); ob != req.CustomerID {
		inv.OrderedByCustomerID = ob
	}
	for i, l := range req.Lines {
		l.Quantity, l.VATRate = canonical(l.Quantity), canonical(l.VATRate)
		inv.Lines[i] = l
	}
	for i, b := range req.VATBreakdown {
		b.VATRate = canonical(b.VATRate)
		inv.VATBreakdown[i] = b
	}
	return inv
}

func invalidCustomer(msg string) error {
	return core.Invalid(msg, core.FieldError{Field: "customer_id", Message: msg})
}

// findByExternalRef returns the id of the merchant's invoice with ref, or ""
// when there is none. An invoice of another kind under ref is CodeConflict:
// an invoice request and a credit request must not share a reference.
func findByExternalRef(ctx context.Context, tx *sqlx.Tx, merchantID, ref string, kind core.InvoiceKind) (string, error) {
	var found struct {
		ID   string `db:"id"`
		Kind string `db:"kind"`
	}
	err := tx.GetContext(ctx, &found, `SELECT id, kind FROM invoices WHERE merchant_id = ? AND external_ref = ?`, merchantID, ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if found.Kind != string(kind) {
		return "", refUsedBy(found.Kind)
	}
	return found.ID, nil
}

// GetInvoice returns the merchant's invoice or credit invoice with its lines
// and VAT breakdown, with its stored status (draft, posted, paid, credited or void; the
// engine derives overdue). Errors: CodeNotFound.
func (p *Provider) GetInvoice(ctx context.Context, conn core.Connection, id string) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	inv, err := getInvoice(ctx, p.db.Reader(), conn.MerchantID, id)
	if err != nil {
		return core.Invoice{}, dbError("get invoice", err)
	}
	return withOCR(inv, conn.Country), nil
}

func getInvoice(ctx context.Context, q sqlx.QueryerContext, merchantID, id string) (core.Invoice, error) {
	var r invoiceRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ? AND merchant_id = ?`, id, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Invoice{}, core.ErrNotFound("invoice", id)
	}
	if err != nil {
		return core.Invoice{}, err
	}
	inv := r.invoice()
	if inv.Kind == core.KindInvoice {
		if err := sqlx.SelectContext(ctx, q, &inv.CreditInvoiceIDs, `SELECT id FROM invoices
			WHERE credits_invoice_id = ? AND kind = 'credit' ORDER BY number`, id); err != nil {
			return core.Invoice{}, err
		}
	}
	var lines []lineRow
	if err := sqlx.SelectContext(ctx, q, &lines, `SELECT * FROM invoice_lines WHERE invoice_id = ? ORDER BY position`, id); err != nil {
		return core.Invoice{}, err
	}
	inv.Lines = make([]core.InvoiceLine, len(lines))
	for i, l := range lines {
		inv.Lines[i] = l.line()
	}
	var vats []vatRow
	if err := sqlx.SelectContext(ctx, q, &vats, `SELECT invoice_id, vat_rate, net, vat FROM invoice_vat WHERE invoice_id = ? ORDER BY position`, id); err != nil {
		return core.Invoice{}, err
	}
	inv.VATBreakdown = make([]core.VATAmount, len(vats))
	for i, v := range vats {
		inv.VATBreakdown[i] = v.amount()
	}
	return inv, nil
}

// derivedStatus is the SQL for an invoice's status as of the bound date:
// overdue is a posted invoice (not a credit invoice) past its due date.
const derivedStatus = `(CASE WHEN status = 'posted' AND kind = 'invoice' AND due_date < ? THEN 'overdue' ELSE status END)`

var invoiceSortSQL = map[string]string{
	core.SortNumber:      "number",
	core.SortInvoiceDate: "invoice_date",
	core.SortDueDate:     "due_date",
	core.SortCustomer:    "customer_name COLLATE NOCASE",
	core.SortTotal:       "total",
	core.SortStatus:      derivedStatus,
}

// ListInvoices returns a page of the merchant's invoices and credit invoices
// with their VAT breakdown but without lines. From and To bound the invoice
// date inclusively; Status filters on the status as of q.Today (default: the
// merchant's today): overdue is posted and due before today, posted is
// posted and not overdue. Sort is one of core.InvoiceSortColumns (default
// number; customer sorts by customer name, status by the derived status),
// Desc reverses it, and ties are broken by id. Limit 0 means 50.
// Errors: CodeInvalid naming sort, status, from, to, limit or cursor.
func (p *Provider) ListInvoices(ctx context.Context, conn core.Connection, q core.InvoiceQuery) (core.InvoicePage, error) {
	if err := checkConn(conn); err != nil {
		return core.InvoicePage{}, err
	}
	var errs []core.FieldError
	bad := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	if q.Sort == "" {
		q.Sort = core.SortNumber
	}
	orderBy, ok := invoiceSortSQL[q.Sort]
	if !ok {
		bad("sort", "must be one of "+strings.Join(core.InvoiceSortColumns, ", "))
	}
	if q.Status != "" && !q.Status.Valid() {
		bad("status", "must be one of draft, posted, paid, overdue, credited, void")
	}
	if q.From != "" && !q.From.Valid() {
		bad("from", "must be a date YYYY-MM-DD")
	}
	if q.To != "" && !q.To.Valid() {
		bad("to", "must be a date YYYY-MM-DD")
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		errs = append(errs, core.AsError(err).Fields...)
	}
	offset := 0
	if q.Cursor != "" {
		if offset, err = decodeOffsetCursor(q.Cursor); err != nil {
			errs = append(errs, core.AsError(err).Fields...)
		}
	}
	if err := core.Invalid("invalid invoice query", errs...); err != nil {
		return core.InvoicePage{}, err
	}
	today := q.Today
	if today == "" {
		today = p.today(conn)
	}

	where := []string{"merchant_id = ?"}
	args := []any{conn.MerchantID}
	if q.From != "" {
		where = append(where, "invoice_date >= ?")
		args = append(args, string(q.From))
	}
	if q.To != "" {
		where = append(where, "invoice_date <= ?")
		args = append(args, string(q.To))
	}
	if q.CustomerID != "" {
		where = append(where, "customer_id = ?")
		args = append(args, q.CustomerID)
	}
	if q.Status != "" {
		where = append(where, derivedStatus+" = ?")
		args = append(args, string(today), string(q.Status))
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	if q.Sort == core.SortStatus {
		args = append(args, string(today))
	}
	args = append(args, limit+1, offset)
	var rows []invoiceRow
	err = p.db.Reader().SelectContext(ctx, &rows, `SELECT `+invoiceColumns+` FROM invoices
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY `+orderBy+` `+dir+`, id `+dir+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return core.InvoicePage{}, dbError("list invoices", err)
	}
	var page core.InvoicePage
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = encodeOffsetCursor(offset + limit)
	}
	page.Invoices = make([]core.Invoice, len(rows))
	if len(rows) == 0 {
		return page, nil
	}
	ids := make([]any, len(rows))
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		page.Invoices[i] = withOCR(r.invoice(), conn.Country)
		page.Invoices[i].VATBreakdown = []core.VATAmount{}
		ids[i] = r.ID
		index[r.ID] = i
	}
	var vats []vatRow
	err = p.db.Reader().SelectContext(ctx, &vats, `SELECT invoice_id, vat_rate, net, vat FROM invoice_vat
		WHERE invoice_id IN (?`+strings.Repeat(",?", len(ids)-1)+`) ORDER BY invoice_id, position`, ids...)
	if err != nil {
		return core.InvoicePage{}, dbError("list invoices", err)
	}
	for _, v := range vats {
		inv := &page.Invoices[index[v.InvoiceID]]
		inv.VATBreakdown = append(inv.VATBreakdown, v.amount())
	}
	return page, nil
}

// MarkInvoicePaid records a payment of a posted (possibly overdue)
// invoice: req.Amount, or everything outstanding when it is 0. The invoice
// stays posted with paid_amount until nothing is outstanding, then becomes
// paid with paid_at the date of the payment that completed it. Paying a
// paid invoice in full again records nothing and only moves paid_at. A
// credit invoice is settled whole (its amount due, negative, is recorded).
// Each payment is a row of the payments table; a payment whose
// req.ExternalRef was recorded before is not recorded again. It books
// nothing. Errors: CodeNotFound; CodeInvalid naming paid_at (malformed, or
// before the invoice date), amount (negative, more than is outstanding, or
// a part of a credit invoice) or method (too long); CodeConflict for a
// draft, credited or void invoice.
func (p *Provider) MarkInvoicePaid(ctx context.Context, conn core.Connection, req core.PaymentRequest) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	var errs []core.FieldError
	if !req.PaidAt.Valid() {
		errs = append(errs, core.FieldError{Field: "paid_at", Message: "must be a date YYYY-MM-DD"})
	}
	if req.Amount < 0 {
		errs = append(errs, core.FieldError{Field: "amount", Message: "must be greater than 0 (minor units)"})
	}
	if utf8.RuneCountInString(req.Method) > core.MaxPaymentMethodLength {
		errs = append(errs, core.FieldError{Field: "method", Message: fmt.Sprintf("must be at most %d characters", core.MaxPaymentMethodLength)})
	}
	if err := core.Invalid("invalid payment", errs...); err != nil {
		return core.Invoice{}, err
	}
	id := req.InvoiceID
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		if req.ExternalRef != "" {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM payments WHERE merchant_id = ? AND external_ref = ?`,
				conn.MerchantID, req.ExternalRef); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
		}
		var cur invoiceRow
		err := tx.GetContext(ctx, &cur, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ? AND merchant_id = ?`, id, conn.MerchantID)
		if errors.Is(err, sql.ErrNoRows) {
			return core.ErrNotFound("invoice", id)
		}
		if err != nil {
			return err
		}
		status := core.InvoiceStatus(cur.Status)
		switch status {
		case core.StatusPosted, core.StatusPaid:
		default:
			return core.Errorf(core.CodeConflict, "a %s invoice cannot be marked paid", cur.Status)
		}
		if string(req.PaidAt) < cur.InvoiceDate {
			return core.Invalid("invalid payment", core.FieldError{Field: "paid_at", Message: "must not be before the invoice date " + cur.InvoiceDate})
		}
		amount := req.Amount
		if cur.Kind == string(core.KindCredit) {
			if amount != 0 {
				return core.Invalid("invalid payment", core.FieldError{Field: "amount", Message: "a credit invoice is settled whole: leave amount out"})
			}
			if status == core.StatusPaid {
				_, err = tx.ExecContext(ctx, `UPDATE invoices SET paid_at = ? WHERE id = ?`, string(req.PaidAt), id)
				return err
			}
			amount = cur.Total + cur.Rounding
		} else {
			owed := cur.outstanding()
			switch {
			case amount == 0 && owed == 0:
				// Paid in full again: only the date moves.
				_, err = tx.ExecContext(ctx, `UPDATE invoices SET paid_at = ? WHERE id = ?`, string(req.PaidAt), id)
				return err
			case amount == 0:
				amount = owed
			case amount > owed:
				return core.Invalid("invalid payment", core.FieldError{Field: "amount",
					Message: fmt.Sprintf("must not be more than the outstanding amount %d", owed)})
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO payments (id, merchant_id, invoice_id, paid_at, amount, method, external_ref, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, newPaymentID(p.nowUTC()), conn.MerchantID, id, string(req.PaidAt), amount, req.Method,
			nullIfEmpty(req.ExternalRef), formatTime(p.nowUTC()))
		if err != nil {
			return err
		}
		cur.PaidAmount += amount
		if cur.Kind == string(core.KindCredit) || cur.outstanding() == 0 {
			_, err = tx.ExecContext(ctx, `UPDATE invoices SET status = 'paid', paid_at = ?, paid_amount = ? WHERE id = ?`,
				string(req.PaidAt), cur.PaidAmount, id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE invoices SET paid_amount = ? WHERE id = ?`, cur.PaidAmount, id)
		}
		return err
	})
	if err != nil {
		return core.Invoice{}, dbError("mark invoice paid", err)
	}
	return p.GetInvoice(ctx, conn, id)
}

// offsetCursor is a page's position in a list sorted by any column.
type offsetCursor struct {
	Offset int `json:"o"`
}

func encodeOffsetCursor(offset int) string { return core.EncodeCursor(offsetCursor{offset}) }

func decodeOffsetCursor(s string) (int, error) {
	var c offsetCursor
	if err := core.DecodeCursor(s, &c); err != nil || c.Offset < 0 {
		return 0, core.ErrInvalidCursor()
	}
	return c.Offset, nil
}
