package spiris

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Invoices are booked customer invoices (POST /customerinvoices creates and
// bookkeeps at once). How a core.InvoiceRequest becomes one:
//
//   - CustomerId is the Spiris customer; Spiris fills the invoice address,
//     currency and terms of payment from it and computes the due date from
//     the customer's terms (no DueDate is sent);
//   - each line is a row with the article of its VAT rate (articles.go),
//     Text = the line's description, Quantity = its quantity (at most two
//     decimals) and UnitPrice = its net unit price (Net / Quantity, to the
//     öre). Spiris recomputes the amounts (row net = Quantity × UnitPrice,
//     VAT per rate on the sum of the nets, SEK totals rounded to whole
//     kronor); the returned invoice carries Spiris's amounts, which differ
//     from the register's by at most a few öre when a gross shelf price has
//     no two-decimal net unit price;
//   - Reference → YourReference ("Er referens", at most 100 characters);
//   - Comment → a text row after the lines (at most 2000 characters);
//   - ExternalRef → OurReference ("Vår referens"): the idempotency key. The
//     plugin records ExternalRef → invoice id in spiris.db before
//     returning; when it has no record it searches
//     $filter=OurReference eq '<ref>' before creating, and again after a
//     create whose answer was lost, so a retried charge never invoices
//     twice. References longer than OurReference's 100 characters are
//     replaced by "lb:" and the first 40 hex digits of their SHA-256.
//
// A credit invoice is a customer invoice with IsCreditInvoice and negative
// quantities of the original's rows (same articles and unit prices), a text
// row "Kreditering av faktura N", the original's YourReference and terms,
// and due date = invoice date. The API has no input linking a credit to its
// original, so the link and the credited quantities are kept in spiris.db.

const (
	maxReference = 100  // YourReference, OurReference
	maxRowText   = 2000 // row Text
)

// ourReference is what the plugin writes into OurReference for ref.
func ourReference(ref string) string {
	if utf8.RuneCountInString(ref) <= maxReference {
		return ref
	}
	sum := sha256.Sum256([]byte(ref))
	return "lb:" + hex.EncodeToString(sum[:])[:40]
}

// invoiceRecord is the plugin's record of an invoice it created.
type invoiceRecord struct {
	InvoiceID            string `db:"invoice_id"`
	ExternalRef          string `db:"external_ref"`
	Kind                 string `db:"kind"`
	CreditsInvoiceID     string `db:"credits_invoice_id"`
	CreditsInvoiceNumber int64  `db:"credits_invoice_number"`
	CreditLines          string `db:"credit_lines"`
	Total                int64  `db:"total"`
	LocationID           string `db:"location_id"`
	ReceiptID            string `db:"receipt_id"`
	// Void marks a credit invoice that voided its original.
	Void bool `db:"void"`
}

const recordColumns = `invoice_id, external_ref, kind, credits_invoice_id, credits_invoice_number, credit_lines, total, location_id, receipt_id, void`

// creditSum is what the recorded credit invoices of an invoice add up to:
// their total (negative) and whether one of them voided it.
type creditSum struct {
	Total int64 `db:"total"`
	Void  bool  `db:"void"`
	// IDs are the credit invoices, oldest first (read for one invoice only).
	IDs []string `db:"-"`
}

func (p *Provider) recordByRef(ctx context.Context, merchantID, ref string) (*invoiceRecord, error) {
	var rec invoiceRecord
	err := p.db.Reader().GetContext(ctx, &rec, `SELECT `+recordColumns+` FROM invoices WHERE merchant_id = ? AND external_ref = ?`, merchantID, ref)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, dbError("read invoice record", err)
	}
	return &rec, nil
}

func (p *Provider) recordByID(ctx context.Context, merchantID, id string) (*invoiceRecord, error) {
	var rec invoiceRecord
	err := p.db.Reader().GetContext(ctx, &rec, `SELECT `+recordColumns+` FROM invoices WHERE merchant_id = ? AND invoice_id = ?`, merchantID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, dbError("read invoice record", err)
	}
	return &rec, nil
}

// saveRecord stores rec unless the invoice is already recorded.
func (p *Provider) saveRecord(ctx context.Context, merchantID string, rec invoiceRecord) error {
	if rec.CreditLines == "" {
		rec.CreditLines = "[]"
	}
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO invoices (merchant_id, `+recordColumns+`, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			merchantID, rec.InvoiceID, rec.ExternalRef, rec.Kind, rec.CreditsInvoiceID, rec.CreditsInvoiceNumber,
			rec.CreditLines, rec.Total, rec.LocationID, rec.ReceiptID, rec.Void, sqlite.FormatTime(p.now()))
		return err
	})
	return dbError("record invoice", err)
}

// creditLine is one credited line of a credit record.
type creditLine struct {
	Line     int             `json:"line"`
	Quantity decimal.Decimal `json:"quantity"`
}

// credits sums the merchant's recorded credits of invoice id: the quantity
// credited per line and the credited total (negative).
func (p *Provider) credits(ctx context.Context, merchantID, id string) (map[int]decimal.Decimal, creditSum, error) {
	var rows []invoiceRecord
	if err := p.db.Reader().SelectContext(ctx, &rows, `SELECT `+recordColumns+` FROM invoices WHERE merchant_id = ? AND credits_invoice_id = ?
		ORDER BY created_at, invoice_id`, merchantID, id); err != nil {
		return nil, creditSum{}, dbError("read credits", err)
	}
	out := map[int]decimal.Decimal{}
	var sum creditSum
	for _, r := range rows {
		var lines []creditLine
		if err := json.Unmarshal([]byte(r.CreditLines), &lines); err != nil {
			return nil, creditSum{}, core.Errorf(core.CodeInternal, "spiris provider: stored credit lines of %s: %v", r.InvoiceID, err)
		}
		for _, l := range lines {
			out[l.Line] = out[l.Line].Add(l.Quantity)
		}
		sum.Total += r.Total
		sum.Void = sum.Void || r.Void
		sum.IDs = append(sum.IDs, r.InvoiceID)
	}
	return out, sum, nil
}

// creditedTotals maps every invoice of the merchant with recorded credits to
// its credited total (negative) and whether it was voided.
func (p *Provider) creditedTotals(ctx context.Context, merchantID string) (map[string]creditSum, error) {
	var rows []struct {
		ID string `db:"credits_invoice_id"`
		creditSum
	}
	if err := p.db.Reader().SelectContext(ctx, &rows, `SELECT credits_invoice_id, SUM(total) AS total, MAX(void) AS void FROM invoices
		WHERE merchant_id = ? AND credits_invoice_id != '' GROUP BY credits_invoice_id`, merchantID); err != nil {
		return nil, dbError("read credits", err)
	}
	out := make(map[string]creditSum, len(rows))
	for _, r := range rows {
		out[r.ID] = r.creditSum
	}
	return out, nil
}

// fetchInvoice GETs one invoice. Errors: CodeNotFound for an id that is no
// Spiris invoice.
func (p *Provider) fetchInvoice(ctx context.Context, conn core.Connection, id string) (apiInvoice, error) {
	if !isUUID(id) {
		return apiInvoice{}, core.ErrNotFound("invoice", id)
	}
	var ai apiInvoice
	_, err := p.call(ctx, conn, request{method: http.MethodGet, path: "/customerinvoices/" + id, idempotent: true, notFound: "invoice", id: id}, &ai)
	return ai, err
}

// findByReference searches Spiris for the invoice whose OurReference is
// ref's; nil when there is none.
func (p *Provider) findByReference(ctx context.Context, conn core.Connection, ref string) (*apiInvoice, error) {
	our := ourReference(ref)
	found, err := listAll[apiInvoice](ctx, p, conn, "/customerinvoices", url.Values{"$filter": {"OurReference eq " + odataString(our)}})
	if err != nil {
		return nil, err
	}
	for i := range found {
		if str(found[i].OurReference) == our {
			return &found[i], nil
		}
	}
	return nil, nil
}

// existing returns the invoice made earlier under ref: from the plugin's
// record, else found in Spiris by OurReference (then recorded with tmpl).
func (p *Provider) existing(ctx context.Context, conn core.Connection, ref string, tmpl invoiceRecord) (core.Invoice, bool, error) {
	rec, err := p.recordByRef(ctx, conn.MerchantID, ref)
	if err != nil {
		return core.Invoice{}, false, err
	}
	if rec != nil {
		ai, err := p.fetchInvoice(ctx, conn, rec.InvoiceID)
		if err != nil {
			return core.Invoice{}, false, err
		}
		inv, err := p.invoiceWithRecord(ctx, conn, ai, rec, true)
		return inv, true, err
	}
	ai, err := p.findByReference(ctx, conn, ref)
	if err != nil || ai == nil {
		return core.Invoice{}, false, err
	}
	inv, err := p.recordFound(ctx, conn, *ai, tmpl)
	return inv, true, err
}

// recordFound records an invoice Spiris holds under our reference and maps it.
func (p *Provider) recordFound(ctx context.Context, conn core.Connection, ai apiInvoice, tmpl invoiceRecord) (core.Invoice, error) {
	tmpl.InvoiceID = ai.Id
	tmpl.Kind = string(core.KindInvoice)
	if ai.IsCreditInvoice {
		tmpl.Kind = string(core.KindCredit)
	}
	tmpl.Total = ai.TotalAmountInvoiceCurrency.minor() - ai.TotalRoundings.minor()
	if err := p.saveRecord(ctx, conn.MerchantID, tmpl); err != nil {
		return core.Invoice{}, err
	}
	return p.invoiceWithRecord(ctx, conn, ai, &tmpl, true)
}

// invoiceWithRecord maps ai with the plugin's record of it (looked up when
// rec is nil), with lines when withLines.
func (p *Provider) invoiceWithRecord(ctx context.Context, conn core.Connection, ai apiInvoice, rec *invoiceRecord, withLines bool) (core.Invoice, error) {
	if rec == nil {
		var err error
		if rec, err = p.recordByID(ctx, conn.MerchantID, ai.Id); err != nil {
			return core.Invoice{}, err
		}
	}
	var credited creditSum
	if !ai.IsCreditInvoice {
		var err error
		if _, credited, err = p.credits(ctx, conn.MerchantID, ai.Id); err != nil {
			return core.Invoice{}, err
		}
	}
	return invoiceOf(ai, rec, credited, conn.Currency, withLines), nil
}

// invoiceOf maps a Spiris invoice. Status: void when one of its recorded
// credits voided it, credited when recorded credits cover the total, paid
// when Spiris says so (PaymentStatus 0), else posted (overdue is derived by
// the caller). PaidAmount is the amount due less Spiris's remaining amount
// (payments are registered in Spiris); OutstandingAmount the remaining
// amount less the recorded credits. Total = TotalAmountInvoiceCurrency −
// TotalRoundings; Rounding = TotalRoundings (öresavrundning).
func invoiceOf(ai apiInvoice, rec *invoiceRecord, credited creditSum, currency core.Currency, withLines bool) core.Invoice {
	inv := core.Invoice{
		ID:           ai.Id,
		Number:       ai.InvoiceNumber,
		Kind:         core.KindInvoice,
		Status:       core.StatusPosted,
		InvoiceDate:  apiDate(ai.InvoiceDate),
		DueDate:      apiDate(ai.DueDate),
		CustomerID:   ai.CustomerId,
		CustomerName: str(ai.CustomerName),
		Reference:    str(ai.YourReference),
		Currency:     currency,
		OCR:          str(ai.PaymentReferenceNumber),
		Provider:     Name,
		ProviderRef:  strconv.FormatInt(ai.InvoiceNumber, 10),
		CreatedAt:    apiTime(ai.CreatedUtc),
	}
	if ai.CurrencyCode != nil && *ai.CurrencyCode != "" {
		inv.Currency = core.Currency(*ai.CurrencyCode)
	}
	if ai.IsCreditInvoice {
		inv.Kind = core.KindCredit
		inv.CreditsInvoiceID = str(ai.ReferringInvoiceId)
	}
	inv.Rounding = ai.TotalRoundings.minor()
	inv.VATTotal = ai.TotalVatAmountInvoiceCurrency.minor()
	inv.Total = ai.TotalAmountInvoiceCurrency.minor() - inv.Rounding
	inv.NetTotal = inv.Total - inv.VATTotal
	for _, v := range ai.VatSpecification {
		inv.VATBreakdown = append(inv.VATBreakdown, core.VATAmount{VATRate: percent(v.VatPercent.Decimal),
			Net: v.AmountInvoiceCurrency.minor(), VAT: v.VatAmountInvoiceCurrency.minor()})
	}
	sort.Slice(inv.VATBreakdown, func(i, j int) bool { return inv.VATBreakdown[i].VATRate.LessThan(inv.VATBreakdown[j].VATRate) })
	switch {
	case !ai.IsCreditInvoice && credited.Void:
		inv.Status = core.StatusVoid
	case !ai.IsCreditInvoice && credited.Total != 0 && inv.Total+credited.Total <= 0:
		inv.Status = core.StatusCredited
	case ai.PaymentStatus == 0:
		inv.Status = core.StatusPaid
		inv.PaidAt = apiDate(ai.PaymentDate)
	}
	if !ai.IsCreditInvoice {
		inv.CreditInvoiceIDs = credited.IDs
		remaining := ai.RemainingAmountInvoiceCurrency.minor()
		inv.PaidAmount = max(inv.AmountDue()-remaining, 0)
		if inv.Status == core.StatusPosted || inv.Status == core.StatusPaid {
			inv.OutstandingAmount = max(remaining+credited.Total, 0)
		}
	}
	if rec != nil {
		inv.ExternalRef = rec.ExternalRef
		inv.LocationID, inv.ReceiptID = rec.LocationID, rec.ReceiptID
		if rec.CreditsInvoiceID != "" {
			inv.CreditsInvoiceID = rec.CreditsInvoiceID
			inv.CreditsInvoiceNumber = rec.CreditsInvoiceNumber
		}
	}
	lines, comments := linesOf(ai.Rows)
	inv.Comment = strings.Join(comments, "\n")
	if withLines {
		inv.Lines = lines
	}
	return inv
}

// linesOf maps the article rows to lines (Net from Spiris, VAT per rate
// spread over the rate's lines as core.PriceLines does) and returns the
// text rows' texts.
func linesOf(rows []rowWire) ([]core.InvoiceLine, []string) {
	var inputs []core.LineInput
	var src []rowWire
	var texts []string
	for _, r := range rows {
		if r.IsTextRow || r.ArticleId == nil || *r.ArticleId == "" {
			if t := strings.TrimSpace(str(r.Text)); t != "" {
				texts = append(texts, t)
			}
			continue
		}
		inputs = append(inputs, core.LineInput{Quantity: decimal.NewFromInt(1), UnitPrice: r.AmountNoVat.minor(), VATRate: percent(r.PercentVat.Decimal)})
		src = append(src, r)
	}
	if len(inputs) == 0 {
		return nil, texts
	}
	priced := core.PriceLines(inputs, false)
	for i := range priced.Lines {
		l := &priced.Lines[i]
		l.Description = str(src[i].Text)
		l.Quantity = src[i].Quantity.Decimal
		l.UnitPrice = src[i].UnitPrice.minor()
	}
	return priced.Lines, texts
}

// invoiceFields translates Spiris field names of an invoice refusal.
func invoiceFields(nLines int) func(string) string {
	return func(f string) string {
		switch f {
		case "CustomerId":
			return "customer_id"
		case "YourReference":
			return "reference"
		case "InvoiceDate":
			return "invoice_date"
		}
		if m := rowFieldRE.FindStringSubmatch(f); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < nLines {
				return fmt.Sprintf("lines[%d]", i)
			}
			return "comment"
		}
		return f
	}
}

var rowFieldRE = regexp.MustCompile(`^Rows\[(\d+)\]`)

// validateInvoiceRequest checks what Spiris would refuse, naming fields.
func validateInvoiceRequest(req core.InvoiceRequest) error {
	var errs []core.FieldError
	add := func(field, msg string) { errs = append(errs, core.FieldError{Field: field, Message: msg}) }
	if strings.TrimSpace(req.CustomerID) == "" {
		add("customer_id", "is required")
	}
	if req.InvoiceDate != "" && !req.InvoiceDate.Valid() {
		add("invoice_date", "must be a date YYYY-MM-DD")
	}
	if len(req.Lines) == 0 {
		add("lines", "needs at least one line")
	}
	if utf8.RuneCountInString(req.Reference) > maxReference {
		add("reference", fmt.Sprintf("must be at most %d characters in Visma Spiris", maxReference))
	}
	if utf8.RuneCountInString(req.Comment) > maxRowText {
		add("comment", fmt.Sprintf("must be at most %d characters in Visma Spiris", maxRowText))
	}
	for i, l := range req.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Quantity.IsZero() {
			add(f+".quantity", "must not be zero")
		} else if !l.Quantity.Equal(l.Quantity.Round(2)) {
			add(f+".quantity", "can have at most 2 decimals in Visma Spiris")
		}
		if l.VATRate.IsNegative() {
			add(f+".vat_rate", "must not be negative")
		}
		if utf8.RuneCountInString(l.Description) > maxRowText {
			add(f+".description", fmt.Sprintf("must be at most %d characters in Visma Spiris", maxRowText))
		}
	}
	return core.Invalid("invalid invoice", errs...)
}

// netUnitPrice is the line's net unit price to the öre.
func netUnitPrice(l core.InvoiceLine) money {
	return fromMinor(core.RoundHalfAwayFromZero(decimal.NewFromInt(l.Net).Div(l.Quantity)))
}

// CreateInvoice creates and books a Spiris customer invoice (see the comment
// at the top of invoices.go for the mapping), idempotent on req.ExternalRef:
// an invoice recorded or found in Spiris under the reference is returned
// and nothing is created. Errors: CodeUnsupported for a draft; CodeInvalid
// naming customer_id (no such customer, or inactive in Spiris),
// invoice_date (locked period or no fiscal year), currency, reference,
// comment or lines[i].*; CodeUnauthorized; CodeRateLimited;
// CodeUnavailable (safe to retry: a retry with the same ExternalRef finds
// an invoice whose answer was lost); CodeProviderError.
func (p *Provider) CreateInvoice(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	if req.Draft {
		return core.Invoice{}, core.Errorf(core.CodeUnsupported, msgNoDrafts)
	}
	if err := validateInvoiceRequest(req); err != nil {
		return core.Invoice{}, err
	}
	tmpl := invoiceRecord{ExternalRef: req.ExternalRef, LocationID: req.LocationID, ReceiptID: req.ReceiptID}
	if req.ExternalRef != "" {
		if inv, ok, err := p.existing(ctx, conn, req.ExternalRef, tmpl); err != nil || ok {
			return inv, err
		}
	}
	cust, err := p.GetCustomer(ctx, conn, req.CustomerID)
	if core.Code(err) == core.CodeNotFound {
		return core.Invoice{}, core.Invalid("invalid invoice", core.FieldError{Field: "customer_id", Message: "is not a customer in Visma Spiris"})
	}
	if err != nil {
		return core.Invoice{}, err
	}
	if !cust.Active {
		return core.Invoice{}, core.Invalid("invalid invoice", core.FieldError{Field: "customer_id", Message: "is inactive in Visma Spiris"})
	}
	date := req.InvoiceDate
	if date == "" {
		date = p.today(conn)
	}

	var rates []decimal.Decimal
	firstLine := map[string]int{}
	for i, l := range req.Lines {
		if _, ok := firstLine[l.VATRate.String()]; !ok {
			firstLine[l.VATRate.String()] = i
			rates = append(rates, l.VATRate)
		}
	}
	rateField := func(r decimal.Decimal) string { return fmt.Sprintf("lines[%d].vat_rate", firstLine[r.String()]) }

	var created apiInvoice
	for attempt := 0; ; attempt++ {
		arts, err := p.articles(ctx, conn, rates, rateField, date)
		if err != nil {
			return core.Invoice{}, err
		}
		body := apiInvoiceRequest{
			CustomerId:    cust.ID,
			InvoiceDate:   string(date),
			YourReference: optional(strings.TrimSpace(req.Reference)),
			OurReference:  optional(ourReference(req.ExternalRef)),
		}
		if req.ExternalRef == "" {
			body.OurReference = nil
		}
		for _, l := range req.Lines {
			art := arts[l.VATRate.String()]
			body.Rows = append(body.Rows, apiInvoiceRow{ArticleId: ptr(art), Text: optional(strings.TrimSpace(l.Description)),
				UnitPrice: ptr(netUnitPrice(l)), Quantity: &money{l.Quantity}})
		}
		if c := strings.TrimSpace(req.Comment); c != "" {
			body.Rows = append(body.Rows, apiInvoiceRow{Text: ptr(c)})
		}
		_, err = p.call(ctx, conn, request{method: http.MethodPost, path: "/customerinvoices", body: body,
			fields: invoiceFields(len(req.Lines)), date: date, dateField: "invoice_date",
			lockedHint: "unlock it in Visma Spiris to invoice on this date"}, &created)
		if err == nil {
			break
		}
		if outcomeUnknown(err) && req.ExternalRef != "" {
			if ai, ferr := p.findByReference(ctx, conn, req.ExternalRef); ferr == nil && ai != nil {
				return p.recordFound(ctx, conn, *ai, tmpl)
			}
		}
		if attempt == 0 && refersToArticle(err) {
			// A cached article was deleted or deactivated in Spiris:
			// find or create the articles again, once.
			if ferr := p.forgetArticles(ctx, conn.MerchantID); ferr != nil {
				return core.Invoice{}, ferr
			}
			continue
		}
		return core.Invoice{}, err
	}
	tmpl.InvoiceID = created.Id
	tmpl.Kind = string(core.KindInvoice)
	tmpl.Total = created.TotalAmountInvoiceCurrency.minor() - created.TotalRoundings.minor()
	if err := p.saveRecord(ctx, conn.MerchantID, tmpl); err != nil {
		return core.Invoice{}, err
	}
	return invoiceOf(created, &tmpl, creditSum{}, conn.Currency, true), nil
}

// refersToArticle reports whether a refusal is about a row's article.
func refersToArticle(err error) bool {
	e := core.AsError(err)
	if e == nil || e.Code != core.CodeInvalid {
		return false
	}
	if strings.Contains(e.Message, "Article") {
		return true
	}
	for _, f := range e.Fields {
		if strings.Contains(f.Message, "rticle") {
			return true
		}
	}
	return false
}

// GetInvoice returns one invoice with its lines. Errors: CodeNotFound;
// CodeInvalid naming merchant_id; CodeUnauthorized, CodeUnavailable.
func (p *Provider) GetInvoice(ctx context.Context, conn core.Connection, id string) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	ai, err := p.fetchInvoice(ctx, conn, id)
	if err != nil {
		return core.Invoice{}, err
	}
	return p.invoiceWithRecord(ctx, conn, ai, nil, true)
}

// invoiceCursor is the position after the last invoice of a page.
type invoiceCursor struct {
	Key string `json:"k,omitempty"`
	Num int64  `json:"n,omitempty"`
	ID  string `json:"i"`
}

func sortKey(inv core.Invoice, col string) invoiceCursor {
	switch col {
	case core.SortInvoiceDate:
		return invoiceCursor{Key: string(inv.InvoiceDate), ID: inv.ID}
	case core.SortDueDate:
		return invoiceCursor{Key: string(inv.DueDate), ID: inv.ID}
	case core.SortCustomer:
		return invoiceCursor{Key: strings.ToLower(inv.CustomerName), ID: inv.ID}
	case core.SortTotal:
		return invoiceCursor{Num: inv.Total, ID: inv.ID}
	case core.SortStatus:
		return invoiceCursor{Key: string(inv.Status), ID: inv.ID}
	}
	return invoiceCursor{Num: inv.Number, ID: inv.ID}
}

func compareKeys(a, b invoiceCursor) int {
	switch {
	case a.Key != b.Key:
		return strings.Compare(a.Key, b.Key)
	case a.Num != b.Num:
		if a.Num < b.Num {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

// ListInvoices returns a page of the Spiris company's invoices without lines.
// From and To are sent as an InvoiceDate $filter; the customer and status
// filters (status derived as of q.Today), the sort and the paging are done
// here over the matching invoices, ordered by q.Sort (default number) then
// id, reversed by Desc. Errors: CodeInvalid naming merchant_id, sort,
// status, limit, from, to or cursor; CodeUnauthorized, CodeUnavailable.
func (p *Provider) ListInvoices(ctx context.Context, conn core.Connection, q core.InvoiceQuery) (core.InvoicePage, error) {
	if err := checkConn(conn); err != nil {
		return core.InvoicePage{}, err
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		return core.InvoicePage{}, err
	}
	var errs []core.FieldError
	sortCol := q.Sort
	if sortCol == "" {
		sortCol = core.SortNumber
	}
	valid := false
	for _, c := range core.InvoiceSortColumns {
		valid = valid || c == sortCol
	}
	if !valid {
		errs = append(errs, core.FieldError{Field: "sort", Message: "must be one of " + strings.Join(core.InvoiceSortColumns, ", ")})
	}
	if q.Status != "" && !q.Status.Valid() {
		errs = append(errs, core.FieldError{Field: "status", Message: "is not an invoice status"})
	}
	if q.From != "" && !q.From.Valid() {
		errs = append(errs, core.FieldError{Field: "from", Message: "must be a date YYYY-MM-DD"})
	}
	if q.To != "" && !q.To.Valid() {
		errs = append(errs, core.FieldError{Field: "to", Message: "must be a date YYYY-MM-DD"})
	}
	var cur *invoiceCursor
	if q.Cursor != "" {
		cur = &invoiceCursor{}
		if err := core.DecodeCursor(q.Cursor, cur); err != nil || cur.ID == "" {
			errs = append(errs, core.FieldError{Field: "cursor", Message: "is not a cursor from a previous page"})
		}
	}
	if err := core.Invalid("invalid invoice query", errs...); err != nil {
		return core.InvoicePage{}, err
	}
	today := q.Today
	if today == "" {
		today = p.today(conn)
	}
	var filters []string
	if q.From != "" {
		filters = append(filters, "InvoiceDate ge "+string(q.From))
	}
	if q.To != "" {
		filters = append(filters, "InvoiceDate le "+string(q.To))
	}
	query := url.Values{}
	if len(filters) > 0 {
		query.Set("$filter", strings.Join(filters, " and "))
	}
	all, err := listAll[apiInvoice](ctx, p, conn, "/customerinvoices", query)
	if err != nil {
		return core.InvoicePage{}, err
	}
	credited, err := p.creditedTotals(ctx, conn.MerchantID)
	if err != nil {
		return core.InvoicePage{}, err
	}
	var records []invoiceRecord
	if err := p.db.Reader().SelectContext(ctx, &records, `SELECT `+recordColumns+` FROM invoices WHERE merchant_id = ?`, conn.MerchantID); err != nil {
		return core.InvoicePage{}, dbError("read invoice records", err)
	}
	byID := make(map[string]*invoiceRecord, len(records))
	for i := range records {
		byID[records[i].InvoiceID] = &records[i]
	}
	var invs []core.Invoice
	for _, ai := range all {
		if q.CustomerID != "" && !strings.EqualFold(ai.CustomerId, q.CustomerID) {
			continue
		}
		inv := invoiceOf(ai, byID[ai.Id], credited[ai.Id], conn.Currency, false).WithDerivedStatus(today)
		if (q.From != "" && inv.InvoiceDate < q.From) || (q.To != "" && inv.InvoiceDate > q.To) {
			continue
		}
		if q.Status != "" && inv.Status != q.Status {
			continue
		}
		invs = append(invs, inv)
	}
	sign := 1
	if q.Desc {
		sign = -1
	}
	sort.Slice(invs, func(i, j int) bool { return sign*compareKeys(sortKey(invs[i], sortCol), sortKey(invs[j], sortCol)) < 0 })
	start := 0
	if cur != nil {
		start = sort.Search(len(invs), func(i int) bool { return sign*compareKeys(sortKey(invs[i], sortCol), *cur) > 0 })
	}
	var page core.InvoicePage
	end := min(start+limit, len(invs))
	page.Invoices = invs[start:end]
	if end < len(invs) && end > start {
		page.NextCursor = core.EncodeCursor(sortKey(invs[end-1], sortCol))
	}
	return page, nil
}

// CreditInvoice issues a Spiris credit invoice of req.InvoiceID: of
// everything still uncredited when req.Lines is empty, otherwise of the
// listed quantities of the original's lines (0-based, text rows not
// counted), counting the plugin's earlier credits. Idempotent on
// req.ExternalRef like CreateInvoice (OurReference). The credit references
// the original in CreditsInvoiceID/CreditsInvoiceNumber and in a text row.
// Errors: CodeNotFound (the invoice); CodeConflict (a credit invoice, or
// already fully credited); CodeInvalid naming invoice_id, date (before the
// invoice, locked period, no fiscal year), lines[i].line or
// lines[i].quantity (not positive, more than two decimals, more than
// remains); CodeUnauthorized, CodeRateLimited, CodeUnavailable,
// CodeProviderError.
func (p *Provider) CreditInvoice(ctx context.Context, conn core.Connection, req core.CreditRequest) (core.Invoice, error) {
	if err := checkConn(conn); err != nil {
		return core.Invoice{}, err
	}
	var errs []core.FieldError
	if req.InvoiceID == "" {
		errs = append(errs, core.FieldError{Field: "invoice_id", Message: "is required"})
	}
	if req.Date != "" && !req.Date.Valid() {
		errs = append(errs, core.FieldError{Field: "date", Message: "must be a date YYYY-MM-DD"})
	}
	for i, cl := range req.Lines {
		if cl.Line < 0 {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].line", i), Message: "must not be negative"})
		}
		if !cl.Quantity.IsPositive() {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Message: "must be greater than 0"})
		} else if !cl.Quantity.Equal(cl.Quantity.Round(2)) {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Message: "can have at most 2 decimals in Visma Spiris"})
		}
	}
	if req.Void && len(req.Lines) > 0 {
		errs = append(errs, core.FieldError{Field: "lines", Message: "a void credits the whole invoice: leave lines out"})
	}
	if err := core.Invalid("invalid credit", errs...); err != nil {
		return core.Invoice{}, err
	}
	if req.ExternalRef != "" {
		rec, err := p.recordByRef(ctx, conn.MerchantID, req.ExternalRef)
		if err != nil {
			return core.Invoice{}, err
		}
		if rec != nil {
			return p.GetInvoice(ctx, conn, rec.InvoiceID)
		}
	}
	orig, err := p.fetchInvoice(ctx, conn, req.InvoiceID)
	if err != nil {
		return core.Invoice{}, err
	}
	if orig.IsCreditInvoice {
		return core.Invoice{}, core.Errorf(core.CodeConflict, "invoice %d is a credit invoice and cannot be credited", orig.InvoiceNumber)
	}
	date := req.Date
	if date == "" {
		date = p.today(conn)
	}
	if origDate := apiDate(orig.InvoiceDate); origDate != "" && date < origDate {
		return core.Invoice{}, core.Invalid("invalid credit", core.FieldError{Field: "date", Message: "must not be before the invoice date " + string(origDate)})
	}
	var rows []rowWire
	for _, r := range orig.Rows {
		if !r.IsTextRow && r.ArticleId != nil && *r.ArticleId != "" {
			rows = append(rows, r)
		}
	}
	done, _, err := p.credits(ctx, conn.MerchantID, orig.Id)
	if err != nil {
		return core.Invoice{}, err
	}
	want := map[int]decimal.Decimal{}
	var order []int
	if len(req.Lines) == 0 {
		for i, r := range rows {
			if rest := r.Quantity.Sub(done[i]); rest.IsPositive() {
				want[i] = rest
				order = append(order, i)
			}
		}
	} else {
		for i, cl := range req.Lines {
			if cl.Line >= len(rows) {
				errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].line", i), Message: fmt.Sprintf("invoice %d has no line %d", orig.InvoiceNumber, cl.Line)})
				continue
			}
			if _, seen := want[cl.Line]; !seen {
				order = append(order, cl.Line)
			}
			want[cl.Line] = want[cl.Line].Add(cl.Quantity)
			if rest := rows[cl.Line].Quantity.Sub(done[cl.Line]); want[cl.Line].GreaterThan(rest) {
				errs = append(errs, core.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Message: "is more than remains uncredited of the line (" + rest.String() + ")"})
			}
		}
		if err := core.Invalid("invalid credit", errs...); err != nil {
			return core.Invoice{}, err
		}
	}
	if len(order) == 0 {
		return core.Invoice{}, core.Errorf(core.CodeConflict, "invoice %d is already fully credited", orig.InvoiceNumber)
	}
	body := apiInvoiceRequest{
		CustomerId:       orig.CustomerId,
		IsCreditInvoice:  true,
		InvoiceDate:      string(date),
		DueDate:          string(date),
		TermsOfPaymentId: orig.TermsOfPaymentId,
		YourReference:    orig.YourReference,
	}
	if req.ExternalRef != "" {
		body.OurReference = ptr(ourReference(req.ExternalRef))
	}
	var lines []creditLine
	for _, i := range order {
		r := rows[i]
		q := want[i]
		body.Rows = append(body.Rows, apiInvoiceRow{ArticleId: r.ArticleId, Text: r.Text, UnitPrice: &money{r.UnitPrice.Decimal}, Quantity: &money{q.Neg()}})
		lines = append(lines, creditLine{Line: i, Quantity: q})
	}
	body.Rows = append(body.Rows, apiInvoiceRow{Text: ptr(fmt.Sprintf("Kreditering av faktura %d", orig.InvoiceNumber))})
	linesJSON, _ := json.Marshal(lines)
	tmpl := invoiceRecord{ExternalRef: req.ExternalRef, Kind: string(core.KindCredit), CreditsInvoiceID: orig.Id,
		CreditsInvoiceNumber: orig.InvoiceNumber, CreditLines: string(linesJSON), Void: req.Void}
	if req.ExternalRef != "" {
		// An earlier attempt whose answer was lost may have created it.
		ai, err := p.findByReference(ctx, conn, req.ExternalRef)
		if err != nil {
			return core.Invoice{}, err
		}
		if ai != nil {
			return p.recordFound(ctx, conn, *ai, tmpl)
		}
	}
	fields := func(f string) string {
		if m := rowFieldRE.FindStringSubmatch(f); m != nil {
			if k, _ := strconv.Atoi(m[1]); k < len(order) {
				return fmt.Sprintf("lines[%d]", order[k])
			}
		}
		return f
	}
	var created apiInvoice
	_, err = p.call(ctx, conn, request{method: http.MethodPost, path: "/customerinvoices", body: body, fields: fields,
		date: date, dateField: "date", lockedHint: "unlock it in Visma Spiris or credit on a later date"}, &created)
	if err != nil {
		if outcomeUnknown(err) && req.ExternalRef != "" {
			if ai, ferr := p.findByReference(ctx, conn, req.ExternalRef); ferr == nil && ai != nil {
				return p.recordFound(ctx, conn, *ai, tmpl)
			}
		}
		return core.Invoice{}, err
	}
	tmpl.InvoiceID = created.Id
	tmpl.Total = created.TotalAmountInvoiceCurrency.minor() - created.TotalRoundings.minor()
	if err := p.saveRecord(ctx, conn.MerchantID, tmpl); err != nil {
		return core.Invoice{}, err
	}
	return invoiceOf(created, &tmpl, creditSum{}, conn.Currency, true), nil
}

// MarkInvoicePaid always returns CodeUnsupported, deliberately. Spiris has
// no visual paid status: POST /customerinvoices/{id}/payments books the
// payment (debit a bank account, credit 1510) and needs the company's bank
// account, which the mapping does not name, so payments are registered in
// Visma Spiris (or by its bank reconciliation), and GetInvoice then reports
// the invoice paid with its paid and outstanding amounts.
func (p *Provider) MarkInvoicePaid(ctx context.Context, conn core.Connection, req core.PaymentRequest) (core.Invoice, error) {
	return core.Invoice{}, core.Errorf(core.CodeUnsupported,
		"payments of Visma Spiris invoices are registered in Visma Spiris (or by its bank reconciliation); the invoice shows them as paid_amount and status paid")
}

// InvoicePDF returns Spiris's PDF of the invoice (GET
// /customerinvoices/{id}/print). Errors: CodeNotFound; CodeInvalid naming
// merchant_id; CodeUnauthorized, CodeUnavailable; CodeProviderError when
// the answer is not a PDF.
func (p *Provider) InvoicePDF(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	if err := checkConn(conn); err != nil {
		return core.Document{}, err
	}
	ai, err := p.fetchInvoice(ctx, conn, id)
	if err != nil {
		return core.Document{}, err
	}
	data, err := p.call(ctx, conn, request{method: http.MethodGet, path: "/customerinvoices/" + ai.Id + "/print", idempotent: true,
		notFound: "invoice", id: id, accept: "application/pdf"}, nil)
	if err != nil {
		return core.Document{}, err
	}
	if !strings.HasPrefix(string(data[:min(len(data), 5)]), "%PDF") {
		return core.Document{}, core.Errorf(core.CodeProviderError, "Visma Spiris did not answer with a PDF for invoice %d", ai.InvoiceNumber)
	}
	name := "faktura-" + strconv.FormatInt(ai.InvoiceNumber, 10) + ".pdf"
	if ai.IsCreditInvoice {
		name = "kreditfaktura-" + strconv.FormatInt(ai.InvoiceNumber, 10) + ".pdf"
	}
	return core.Document{ContentType: "application/pdf", Filename: name, Data: data}, nil
}

// InvoiceUBL always returns CodeUnsupported: Spiris sends its own
// e-invoices from its invoice, so ledgerbridge does not write them.
func (p *Provider) InvoiceUBL(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return core.Document{}, core.Errorf(core.CodeUnsupported, "Spiris sends e-invoices itself; ledgerbridge writes UBL only for the built-in invoicing")
}
