package httpapi

import (
	"net/http"

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
		Cursor:     qp.str("cursor"),
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
	c.PureJSON(http.StatusOK, newList(page.Invoices, page.NextCursor))
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
