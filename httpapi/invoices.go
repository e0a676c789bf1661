package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// listInvoices answers GET /v1/invoices?from=&to=&status=&customer_id=
// &sort=&order=&limit=&cursor= with a page of invoices (without lines).
// Unparsable parameters answer 422 naming each; the engine checks sort,
// status and the date range.
func (s *server) listInvoices(c *gin.Context) {
	qp := newQueryParams(c)
	q := core.InvoiceQuery{
		From:       qp.date("from"),
		To:         qp.date("to"),
		Status:     core.InvoiceStatus(qp.str("status")),
		CustomerID: qp.str("customer_id"),
		Sort:       qp.str("sort"),
		Desc:       qp.desc(),
		Limit:      qp.limit(),
		Cursor:     qp.cursor(s.cursors),
	}
	if err := qp.err(); err != nil {
		s.writeError(c, err)
		return
	}
	page, err := s.engine.ListInvoices(c.Request.Context(), principal(c), q)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(page.Invoices, s.cursors.seal(c, page.NextCursor)))
}

// getInvoice answers 200 with one invoice and its lines; another merchant's
// is 404.
func (s *server) getInvoice(c *gin.Context) {
	inv, err := s.engine.GetInvoice(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, inv)
}

// createDraft answers POST /v1/invoices: 201 with a new, unnumbered draft
// (status draft) built from a core.DraftRequest. Its prices are net of VAT
// unless prices_include_vat is true. 422 names each bad field; 501 when the
// merchant's provider has no drafts.
func (s *server) createDraft(c *gin.Context) {
	var req core.DraftRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	inv, err := s.engine.CreateDraft(c.Request.Context(), principal(c), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/v1/invoices/"+inv.ID)
	c.PureJSON(http.StatusCreated, inv)
}

// updateDraft answers PATCH /v1/invoices/{id}: the body is a whole
// core.DraftRequest that replaces the draft's customer, date, texts and
// lines (a field left out is cleared, not kept). 200 with the draft; 409
// when the invoice is no longer a draft.
func (s *server) updateDraft(c *gin.Context) {
	var req core.DraftRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	inv, err := s.engine.UpdateDraft(c.Request.Context(), principal(c), c.Param("id"), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, inv)
}

// postInvoice answers POST /v1/invoices/{id}/post: 200 with the invoice
// numbered from the merchant's series. Posting a posted invoice answers it
// unchanged.
func (s *server) postInvoice(c *gin.Context) {
	inv, err := s.engine.PostInvoice(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, inv)
}

// voidInvoice answers POST /v1/invoices/{id}/void: 201 with the credit
// invoice that cancels what is not credited yet. Voiding again answers the
// same credit invoice; a draft or a fully credited invoice is 409.
func (s *server) voidInvoice(c *gin.Context) {
	credit, err := s.engine.VoidInvoice(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/v1/invoices/"+credit.ID)
	c.PureJSON(http.StatusCreated, credit)
}

// markPaid answers POST /v1/invoices/{id}/payments
// {"paid_at":"YYYY-MM-DD","amount":2500,"method":"bank"}: 200 with the
// invoice, its paid_amount and outstanding_amount. Without amount all that
// is outstanding is paid; a part keeps the invoice posted (or overdue)
// until it is fully paid, then its status is paid. With an Idempotency-Key
// the payment is recorded once (replays add Idempotent-Replayed: true).
// What it does in the books depends on the invoicing provider: open
// records the payment and books nothing; Tripletex registers a real
// payment on the invoice (payment type "Betalt til bank": the bank account
// against customer receivables); Visma Spiris answers 501, payments being
// registered there. 422 names paid_at (missing, malformed, in the future
// or before the invoice date), amount (not positive, or more than is
// outstanding) or method.
func (s *server) markPaid(c *gin.Context) {
	var req core.PaymentInput
	if !s.decodeJSON(c, &req) {
		return
	}
	inv, replayed, err := s.engine.MarkPaid(c.Request.Context(), principal(c), c.GetHeader(headerIdempotencyKey), c.Param("id"), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if replayed {
		c.Header(headerReplayed, "true")
	}
	c.PureJSON(http.StatusOK, inv)
}

// emailInvoice answers POST /v1/invoices/{id}/email: 202 with the e-mail's
// delivery status ({"status":"queued"} at first) once the e-mail and its
// PDF are durably queued. It takes no body: the e-mail goes to the
// customer's address with the merchant's text. An empty body or {} is
// accepted; any field is refused with 400 naming it (as is malformed JSON
// or a body that is not an object), and nothing is sent. 422 names
// customer.email when the customer has no address; 501 when the gateway has
// no mailer.
func (s *server) emailInvoice(c *gin.Context) {
	if !s.decodeNoBody(c) {
		return
	}
	st, err := s.engine.EmailInvoice(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusAccepted, st)
}

// invoicePDF answers GET /v1/invoices/{id}/pdf with the rendered document
// (application/pdf), shown inline under the document's file name.
func (s *server) invoicePDF(c *gin.Context) {
	doc, err := s.engine.InvoicePDF(c.Request.Context(), principal(c), c.Param("id"))
	s.writeDocument(c, doc, err, "inline", "application/pdf", ".pdf")
}

// invoiceUBL answers GET /v1/invoices/{id}/ubl with the PEPPOL BIS
// Billing 3.0 UBL document (application/xml), as an attachment.
func (s *server) invoiceUBL(c *gin.Context) {
	doc, err := s.engine.InvoiceUBL(c.Request.Context(), principal(c), c.Param("id"))
	s.writeDocument(c, doc, err, "attachment", "application/xml", ".xml")
}

// writeDocument answers with doc (or err), under its own content type and
// file name, or contentType and the invoice id + ext when it has none.
func (s *server) writeDocument(c *gin.Context, doc core.Document, err error, disposition, contentType, ext string) {
	if err != nil {
		s.writeError(c, err)
		return
	}
	SendDocument(c, doc, disposition, contentType, c.Param("id")+ext)
}

// SendDocument answers 200 with doc (an invoice's PDF or e-invoice) for
// the API and the BackOffice alike: under its own content type and file
// name, or contentType and fallbackName when it has none; disposition is
// inline or attachment. It is never cached and never sniffed.
func SendDocument(c *gin.Context, doc core.Document, disposition, contentType, fallbackName string) {
	if doc.ContentType != "" {
		contentType = doc.ContentType
	}
	name := doc.Filename
	if name == "" {
		name = fallbackName
	}
	c.Header("Content-Disposition", contentDisposition(disposition, name))
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, contentType, doc.Data)
}

// journalEntries answers GET /v1/invoices/{id}/journal-entries with the
// balanced voucher a posted invoice or credit invoice produced; 409 for a
// draft.
func (s *server) journalEntries(c *gin.Context) {
	v, err := s.engine.JournalEntries(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, v)
}

// contentDisposition returns a Content-Disposition header value with name
// as a quoted ASCII filename (non-ASCII, quotes, backslashes and control
// characters replaced by "_") and, when name is not plain ASCII, the exact
// name as an RFC 8187 filename* parameter.
func contentDisposition(disposition, name string) string {
	var ascii strings.Builder
	plain := true
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/':
			ascii.WriteByte('_')
			plain = false
		case r > 0x7e:
			ascii.WriteByte('_')
			plain = false
		default:
			ascii.WriteRune(r)
		}
	}
	out := disposition + `; filename="` + ascii.String() + `"`
	if !plain {
		out += "; filename*=UTF-8''" + rfc8187Escape(name)
	}
	return out
}

// rfc8187Escape percent-encodes every byte of s outside RFC 8187's
// attr-char set.
func rfc8187Escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&0xf])
	}
	return b.String()
}
