package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// listOrders answers GET /v1/orders?customer_id=&status=&limit=&cursor=
// with a page of collective-invoice orders, oldest first. status is open
// or invoiced; 422 names each bad parameter.
func (s *server) listOrders(c *gin.Context) {
	qp := newQueryParams(c)
	q := core.OrderQuery{
		CustomerID: qp.str("customer_id"),
		Status:     qp.str("status"),
		Limit:      qp.limit(),
		Cursor:     qp.cursor(s.cursors),
	}
	if err := qp.err(); err != nil {
		s.writeError(c, err)
		return
	}
	page, err := s.engine.ListOrders(c.Request.Context(), principal(c), q)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(page.Orders, s.cursors.seal(c, page.NextCursor)))
}
