package backoffice

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
)

// The invoice pages: the list (filters, sorting, paging), one invoice with
// its PDF, payments, credits, void and e-mail, and the draft form. Every
// action is the engine's, as the JSON API calls it.
func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		read, write := s.allow(core.ActionReadInvoices), s.allow(core.ActionWriteInvoices)
		g.GET("/invoices", read, s.invoices)
		g.GET("/invoices/new", write, s.newDraftForm)
		g.POST("/invoices/new", write, s.createDraft)
		g.GET("/invoices/:id", read, s.invoice)
		g.GET("/invoices/:id/pdf", read, s.invoicePDF)
		g.GET("/invoices/:id/ubl", read, s.invoiceUBL)
		g.GET("/invoices/:id/edit", write, s.editDraftForm)
		g.POST("/invoices/:id/edit", write, s.updateDraft)
		g.POST("/invoices/:id/post", write, s.postInvoice)
		g.POST("/invoices/:id/email", write, s.emailInvoice)
		g.POST("/invoices/:id/payments", write, s.recordPayment)
		g.POST("/invoices/:id/void", write, s.voidInvoice)
		g.POST("/invoices/:id/credit", read, s.allow(core.ActionRefund), s.creditInvoice)
	})
}

// invoicePageSize is how many invoices a list page shows.
const invoicePageSize = 50

// invoiceStatuses are the list's status filter choices, in the order of
// an invoice's life.
var invoiceStatuses = []core.InvoiceStatus{core.StatusDraft, core.StatusPosted, core.StatusOverdue,
	core.StatusPaid, core.StatusCredited, core.StatusVoid}

// invoiceFilter is the list's query: what the filter form and the column
// headers carry from page to page.
type invoiceFilter struct {
	From, To string
	Status   string
	customerFilter
	Sort   string
	Desc   bool
	Cursor string
}

// href is the list's address for the filter at cursor ("" for the first
// page: a new filter or sort starts there).
func (f invoiceFilter) href(cursor string) string {
	order := ""
	if f.Desc {
		order = "desc"
	}
	return listHref("/invoices", "from", f.From, "to", f.To, "status", f.Status, "customer", f.Customer,
		"customer_id", f.CustomerID, "sort", f.Sort, "order", order, "cursor", cursor)
}

// withCustomer is the first page filtered by f and customer cf.
func (f invoiceFilter) withCustomer(cf customerFilter) string {
	f.customerFilter = cf
	return f.href("")
}

// sortColumn is one column header of the list: a link that sorts by it,
// ascending first and toggling when it is the current sort.
type sortColumn struct {
	Label    string // catalogue key
	Href     string
	AriaSort string // ascending, descending or "" (not sorted by it)
	Num      bool
}

type invoiceListData struct {
	Filter   invoiceFilter
	Statuses []core.InvoiceStatus
	Columns  []sortColumn
	Invoices []core.Invoice
	filteredList
	CanWrite bool
}

// invoices is the invoice list: GET /backoffice/invoices?from=&to=&status=
// &customer=&customer_id=&sort=&order=&cursor=. The customer is searched by
// name; one match (or an exact one) filters by it, several are offered as
// choices.
func (s *server) invoices(c *gin.Context) {
	ctx := c.Request.Context()
	pr := principal(c)
	p := s.newPage(c, "invoices.title", "nav.invoices")
	f := invoiceFilter{
		From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to")),
		Status: strings.TrimSpace(c.Query("status")), customerFilter: customerFilterOf(c),
		Sort: strings.TrimSpace(c.Query("sort")), Desc: c.Query("order") == "desc", Cursor: c.Query("cursor"),
	}
	d := &invoiceListData{Filter: f, Statuses: invoiceStatuses, CanWrite: pr.Role.Allows(core.ActionWriteInvoices)}
	p.Data = d
	fail := func(err error) {
		if formErrors(p, err) {
			d.Columns = invoiceColumns(d.Filter)
			s.render(c, http.StatusUnprocessableEntity, "invoices", p)
			return
		}
		s.fail(c, err)
	}
	var errs []core.FieldError
	for _, v := range []struct{ name, value string }{{"from", f.From}, {"to", f.To}} {
		if v.value != "" && !core.Date(v.value).Valid() {
			errs = append(errs, core.FieldError{Field: v.name, Message: p.L.T("invoices.error.date")})
		}
	}
	if f.Status != "" && !core.InvoiceStatus(f.Status).Valid() {
		errs = append(errs, core.FieldError{Field: "status", Message: p.L.T("invoices.error.status")})
	}
	if f.Sort != "" && !slices.Contains(core.InvoiceSortColumns, f.Sort) {
		d.Filter.Sort, f.Sort = "", ""
	}
	if err := core.Invalid("invalid filter", errs...); err != nil {
		fail(err)
		return
	}
	var err error
	if d.Choices, err = s.pickCustomer(c, p, &d.Filter.customerFilter, f.withCustomer); err != nil {
		fail(err)
		return
	}
	f = d.Filter
	d.Columns = invoiceColumns(f)
	if len(d.Choices) > 0 {
		s.render(c, http.StatusOK, "invoices", p)
		return
	}
	page, err := s.engine.ListInvoices(ctx, pr, core.InvoiceQuery{
		From: core.Date(f.From), To: core.Date(f.To), Status: core.InvoiceStatus(f.Status),
		CustomerID: f.CustomerID, Sort: f.Sort, Desc: f.Desc, Limit: invoicePageSize, Cursor: f.Cursor,
	})
	if err != nil {
		fail(err)
		return
	}
	d.Invoices = page.Invoices
	d.listed(f.href, f.Cursor, page.NextCursor)
	s.render(c, http.StatusOK, "invoices", p)
}

// invoiceColumns are the list's headers for filter f.
func invoiceColumns(f invoiceFilter) []sortColumn {
	current := f.Sort
	if current == "" {
		current = core.SortNumber
	}
	cols := make([]sortColumn, 0, len(core.InvoiceSortColumns))
	for _, key := range core.InvoiceSortColumns {
		col := sortColumn{Label: "invoices.col." + key, Num: key == core.SortTotal}
		g := f
		g.Sort, g.Desc = key, false
		if key == current {
			col.AriaSort = "ascending"
			if f.Desc {
				col.AriaSort = "descending"
			}
			g.Desc = !f.Desc
		}
		col.Href = g.href("")
		cols = append(cols, col)
	}
	return cols
}

// ---- one invoice ----

// paymentForm is the record-a-payment form. Key is the idempotency key
// made when the form is rendered: a form sent twice books one payment.
type paymentForm struct {
	PaidAt, Amount, Method, Key string
}

// invoicePaymentMethods are the payment form's choices (free text to the engine).
var invoicePaymentMethods = []string{"bank", "card", "cash", "other"}

// creditForm is the credit form: a quantity per line of the invoice.
type creditForm struct {
	Key string // the chosen lines' form
	// WholeKey is the whole-invoice form's key (a request of its own).
	WholeKey string
	Lines    []creditLine
}

// journalRow is one posting of an invoice's journal entry, split into
// debit and credit columns.
type journalRow struct {
	Account, VATCode, Description string
	Debit, Credit                 int64
}

type creditLine struct {
	Index       int
	Field       string // lines[i].quantity, as the engine names it
	Description string
	Quantity    decimal.Decimal // on the invoice
	Value       string          // entered
}

type invoiceDetail struct {
	Inv core.Invoice
	// Credits are the credit invoices issued for Inv (refunds, the void).
	Credits []core.Invoice
	Journal []journalRow
	// JournalDebit and JournalCredit are the entry's sums (equal: it
	// balances).
	JournalDebit, JournalCredit int64
	// JournalError says why the journal entries could not be shown.
	JournalError string
	Pay          paymentForm
	Credit       creditForm
	Methods      []string
	Today        string
	// What the user may do with it now (status and role).
	CanEdit, CanPost, CanEmail, CanPay, CanSettle, CanCredit, CanVoid bool
	HasPDF                                                            bool
	// HasUBL: the invoice can be downloaded as a PEPPOL e-invoice.
	HasUBL bool
}

// newIdempotencyKey is a fresh idempotency key for a money-moving form.
func newIdempotencyKey(kind string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "backoffice-" + kind + "-" + hex.EncodeToString(b)
}

// invoice shows one invoice: GET /backoffice/invoices/:id.
func (s *server) invoice(c *gin.Context) {
	s.showInvoice(c, http.StatusOK, nil, nil, nil)
}

// showInvoice renders the invoice page with status; a form sent with
// invalid input comes back with what was entered (pay or credit) and the
// errors already on p.
func (s *server) showInvoice(c *gin.Context, status int, p *page, pay *paymentForm, credit *creditForm) {
	ctx := c.Request.Context()
	pr := principal(c)
	if p == nil {
		p = s.newPage(c, "invoices.title", "nav.invoices")
	}
	inv, err := s.engine.GetInvoice(ctx, pr, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	today := core.DateOf(time.Now().In(p.Merchant.Country.Location()))
	d := &invoiceDetail{Inv: inv, Methods: invoicePaymentMethods, Today: string(today)}
	for _, id := range inv.CreditInvoiceIDs {
		cr, err := s.engine.GetInvoice(ctx, pr, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Credits = append(d.Credits, cr)
	}
	if inv.Status != core.StatusDraft {
		v, err := s.engine.JournalEntries(ctx, pr, inv.ID)
		if err != nil {
			d.JournalError = errorText(p.L, err)
		}
		for _, ps := range v.Postings {
			r := journalRow{Account: ps.Account, VATCode: ps.VATCode, Description: ps.Description}
			if ps.Amount >= 0 {
				r.Debit = ps.Amount
				d.JournalDebit += ps.Amount
			} else {
				r.Credit = -ps.Amount
				d.JournalCredit -= ps.Amount
			}
			d.Journal = append(d.Journal, r)
		}
	}
	write, refund := pr.Role.Allows(core.ActionWriteInvoices), pr.Role.Allows(core.ActionRefund)
	open := inv.Status == core.StatusPosted || inv.Status == core.StatusOverdue
	isInvoice := inv.Kind != core.KindCredit
	d.HasPDF = inv.Status != core.StatusDraft
	if d.HasPDF && inv.Status != core.StatusVoid {
		caps, err := s.engine.ProviderCapabilities(ctx, pr, inv.Provider)
		d.HasUBL = err == nil && caps.UBL
	}
	d.CanEdit = write && inv.Status == core.StatusDraft
	d.CanPost = d.CanEdit
	d.CanEmail = write && inv.Status != core.StatusDraft
	d.CanPay = write && isInvoice && open && inv.OutstandingAmount > 0
	d.CanSettle = write && !isInvoice && inv.Status == core.StatusPosted
	d.CanCredit = refund && isInvoice && (open || inv.Status == core.StatusPaid)
	d.CanVoid = write && isInvoice && open
	if pay != nil {
		d.Pay = *pay
	} else {
		d.Pay = paymentForm{PaidAt: string(today), Method: "bank", Key: newIdempotencyKey("payment")}
	}
	if credit != nil {
		d.Credit = *credit
		d.Credit.WholeKey = newIdempotencyKey("credit")
	} else {
		d.Credit = creditForm{Key: newIdempotencyKey("credit"), WholeKey: newIdempotencyKey("credit")}
		for i, l := range inv.Lines {
			d.Credit.Lines = append(d.Credit.Lines, creditLine{Index: i, Field: lineField(i, "quantity"),
				Description: l.Description, Quantity: l.Quantity})
		}
	}
	p.Data = d
	s.render(c, status, "invoice", p)
}

func lineField(i int, name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }

// invoiceUBL downloads the invoice as a PEPPOL BIS Billing 3.0 e-invoice;
// what it lacks (an electronic address) shows as an error page.
func (s *server) invoiceUBL(c *gin.Context) {
	doc, err := s.engine.InvoiceUBL(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	httpapi.SendDocument(c, doc, "attachment", "application/xml", c.Param("id")+".xml")
}

// invoicePDF streams the invoice's PDF for the page's inline viewer (same
// origin, so the CSP's frame-src 'self' allows it); ?download=1 saves it.
func (s *server) invoicePDF(c *gin.Context) {
	doc, err := s.engine.InvoicePDF(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	disposition := "inline"
	if c.Query("download") == "1" {
		disposition = "attachment"
	}
	httpapi.SendDocument(c, doc, disposition, "application/pdf", c.Param("id")+".pdf")
}

// postInvoice numbers and posts a draft.
func (s *server) postInvoice(c *gin.Context) {
	inv, err := s.engine.PostInvoice(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.actionFailed(c, err)
		return
	}
	s.done(c, invoiceHref(inv.ID), "invoice_posted")
}

// emailInvoice queues the invoice's e-mail to the customer.
func (s *server) emailInvoice(c *gin.Context) {
	if _, err := s.engine.EmailInvoice(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		s.actionFailed(c, err)
		return
	}
	s.done(c, invoiceHref(c.Param("id")), "invoice_emailed")
}

// voidInvoice cancels a posted invoice with a full credit invoice.
func (s *server) voidInvoice(c *gin.Context) {
	if _, err := s.engine.VoidInvoice(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		s.actionFailed(c, err)
		return
	}
	s.done(c, invoiceHref(c.Param("id")), "invoice_voided")
}

// recordPayment records a payment (or a credit invoice's settling): paid_at,
// amount in major units ("1 234,50"; empty pays all that is outstanding),
// method, and the form's idempotency key.
func (s *server) recordPayment(c *gin.Context) {
	p := s.newPage(c, "invoices.title", "nav.invoices")
	form := paymentForm{PaidAt: strings.TrimSpace(c.PostForm("paid_at")), Amount: strings.TrimSpace(c.PostForm("amount")),
		Method: strings.TrimSpace(c.PostForm("method")), Key: c.PostForm("idempotency_key")}
	if form.Key == "" {
		form.Key = newIdempotencyKey("payment")
	}
	in := core.PaymentInput{PaidAt: core.Date(form.PaidAt), Method: form.Method}
	if form.Amount != "" {
		minor, ok := parseMoney(form.Amount)
		if !ok || minor <= 0 {
			formErrors(p, core.Invalid("invalid payment", core.FieldError{Field: "amount", Message: p.L.T("invoices.error.amount")}))
			s.showInvoice(c, http.StatusUnprocessableEntity, p, &form, nil)
			return
		}
		in.Amount = &minor
	}
	_, replayed, err := s.engine.MarkPaid(c.Request.Context(), principal(c), form.Key, c.Param("id"), in)
	if err != nil {
		if formErrors(p, err) {
			s.showInvoice(c, http.StatusUnprocessableEntity, p, &form, nil)
			return
		}
		s.actionFailed(c, err)
		return
	}
	key := "payment_recorded"
	if replayed {
		key = "payment_replayed"
	}
	s.done(c, invoiceHref(c.Param("id")), key)
}

// creditInvoice issues a credit invoice: of the whole invoice (button
// "whole"), or of the quantities entered per line (lines[i].quantity),
// once per the form's idempotency key.
func (s *server) creditInvoice(c *gin.Context) {
	ctx := c.Request.Context()
	pr := principal(c)
	p := s.newPage(c, "invoices.title", "nav.invoices")
	inv, err := s.engine.GetInvoice(ctx, pr, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	form := creditForm{Key: c.PostForm("idempotency_key")}
	if form.Key == "" {
		form.Key = newIdempotencyKey("credit")
	}
	req := core.RefundRequest{InvoiceID: inv.ID}
	var errs []core.FieldError
	whole := c.PostForm("whole") == "1"
	for i, l := range inv.Lines {
		cl := creditLine{Index: i, Field: lineField(i, "quantity"), Description: l.Description, Quantity: l.Quantity,
			Value: strings.TrimSpace(c.PostForm(lineField(i, "quantity")))}
		form.Lines = append(form.Lines, cl)
		if whole || cl.Value == "" {
			continue
		}
		q, ok := parseDecimal(cl.Value)
		switch {
		case !ok || q.IsNegative():
			errs = append(errs, core.FieldError{Field: cl.Field, Message: p.L.T("invoices.error.quantity")})
		case q.IsPositive():
			req.Lines = append(req.Lines, core.CreditLine{Line: i, Quantity: q})
		}
	}
	if !whole && len(errs) == 0 && len(req.Lines) == 0 {
		errs = append(errs, core.FieldError{Field: "lines", Message: p.L.T("invoices.error.credit_none")})
	}
	if err := core.Invalid("invalid credit", errs...); err != nil {
		formErrors(p, err)
		s.showInvoice(c, http.StatusUnprocessableEntity, p, nil, &form)
		return
	}
	credit, _, err := s.engine.Refund(ctx, pr, form.Key, req)
	if err != nil {
		if formErrors(p, err) {
			s.showInvoice(c, http.StatusUnprocessableEntity, p, nil, &form)
			return
		}
		s.actionFailed(c, err)
		return
	}
	s.done(c, invoiceHref(credit.ID), "invoice_credited")
}

// actionFailed answers an action the engine refused for another reason
// than its input (a conflict, a provider's refusal, no mailer): the
// invoice page again, with the reason above it.
func (s *server) actionFailed(c *gin.Context, err error) {
	switch core.Code(err) {
	case core.CodeConflict, core.CodeUnsupported, core.CodeProviderError, core.CodeUnavailable, core.CodeInvalid, core.CodeRateLimited:
		p := s.newPage(c, "invoices.title", "nav.invoices")
		p.Error = errorText(p.L, err)
		if msg, ok := missingItemsText(p.L, err); ok {
			p.Error = msg
		}
		s.showInvoice(c, statusOf(err), p, nil, nil)
	default:
		s.fail(c, err)
	}
}

func invoiceHref(id string) string { return Prefix + "/invoices/" + url.PathEscape(id) }

// moneyPattern is an amount in major units: digits with optional thousands
// separators (space, no-break space, dot or comma before three digits) and
// up to two decimals after a comma or point.
var moneyPattern = regexp.MustCompile(`^\d+([.,]\d{1,2})?$`)

// thousandsPattern is an amount's whole part written with thousands
// separators ("1.234", "12,345,678").
var thousandsPattern = regexp.MustCompile(`^\d{1,3}([.,]\d{3})+$`)

// parseMoney reads an amount a person typed ("1 234,50", "1234.5", "kr
// 99") into minor units.
func parseMoney(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, cut := range []string{"kr", "SEK", "NOK", ":-"} {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, cut), cut))
	}
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(s)
	// A separator followed by exactly three digits and more text is a
	// thousands separator ("1.234,50", "1,234.50").
	if i := strings.LastIndexAny(s, ".,"); i >= 0 && strings.ContainsAny(s[:i], ".,") {
		head, tail := s[:i], s[i:]
		if !thousandsPattern.MatchString(head) {
			return 0, false
		}
		s = strings.NewReplacer(".", "", ",", "").Replace(head) + tail
	}
	if !moneyPattern.MatchString(s) {
		return 0, false
	}
	d, err := decimal.NewFromString(strings.Replace(s, ",", ".", 1))
	if err != nil {
		return 0, false
	}
	minor := d.Shift(2)
	if !minor.IsInteger() || minor.GreaterThan(decimal.NewFromInt(1e15)) {
		return 0, false
	}
	return minor.IntPart(), true
}

// formatMoneyInput writes minor units for an input field ("1234,50" or
// "1234.50" in English).
func formatMoneyInput(lang core.Language, minor int64) string {
	s := decimal.New(minor, -2).StringFixed(2)
	if lang != core.LanguageEnglish {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// parseDecimal reads a quantity or rate typed with a comma or a point.
func parseDecimal(s string) (decimal.Decimal, bool) {
	s = strings.Replace(strings.TrimSpace(s), ",", ".", 1)
	if s == "" || strings.ContainsAny(s, "eE") {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// missingItemsText is, in the user's language, the refusal to post an
// invoice that lacks items the law requires (core.CheckInvoiceContent):
// each missing item and where to fill it in. ok is false for any other
// error, or one naming a field this page does not know.
func missingItemsText(l *localizer, err error) (msg string, ok bool) {
	ce := core.AsError(err)
	if ce == nil || ce.Code != core.CodeInvalid || len(ce.Fields) == 0 {
		return "", false
	}
	var settings, customer []string
	for _, f := range ce.Fields {
		key := "invoices.missing." + f.Field
		if !l.Has(key) {
			return "", false
		}
		if strings.HasPrefix(f.Field, "customer.") {
			customer = append(customer, l.T(key))
		} else {
			settings = append(settings, l.T(key))
		}
	}
	parts := []string{l.T("invoices.missing.intro")}
	if len(settings) > 0 {
		parts = append(parts, l.T("invoices.missing.in_settings", strings.Join(settings, ", ")))
	}
	if len(customer) > 0 {
		parts = append(parts, l.T("invoices.missing.in_customer", strings.Join(customer, ", ")))
	}
	return strings.Join(parts, " "), true
}
