package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

// routeExports registers the register's sales receipts and day close and
// the daily exports on v1.
func (s *server) routeExports(v1 *gin.RouterGroup) {
	record := s.require(core.ActionRecordSales)
	v1.POST("/sales", record, s.recordSale)
	v1.POST("/locations/:location_id/days/:date/close", record, s.closeDay)
	v1.GET("/exports", s.require(core.ActionReadExports), s.listExports)
	v1.POST("/exports/run", s.require(core.ActionRunExports), s.runExports)
	v1.GET("/exports/sie", s.require(core.ActionReadExports), s.exportSIE)
}

// recordSale answers POST /v1/sales: one register receipt, 201 with the
// stored sale (the receipt with its currency filled in, total and
// recorded_at). It is idempotent twice over:
//
//   - by Idempotency-Key (required; 400 naming it when missing or longer
//     than 255 characters): the same key with the same body answers the
//     first sale again with Idempotent-Replayed: true; with another body
//     409 naming Idempotency-Key;
//   - by receipt_id, which exports.Service.RecordSale keeps unique per
//     merchant: a receipt sent again under a new key answers the stored
//     sale, also marked replayed; another receipt under a used receipt_id
//     is 409 naming receipt_id.
//
// 422 names each bad field (lines[0].vat_rate, payments, ...); 409 naming
// business_date when the day is closed. A request refused as invalid, not
// found or conflicting frees its key for a corrected request.
func (s *server) recordSale(c *gin.Context) {
	var receipt core.SalesReceipt
	if !s.decodeJSON(c, &receipt) {
		return
	}
	key := c.GetHeader(headerIdempotencyKey)
	sale, replayed, err := s.exports.RecordSaleOnce(c.Request.Context(), principal(c), key, receipt)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if replayed {
		c.Header(headerReplayed, "true")
	}
	c.PureJSON(http.StatusCreated, sale)
}

// closeDay answers POST /v1/locations/{location_id}/days/{date}/close: 200
// with the day, now closed; its receipts are final (later ones for it are
// 409) and, when the merchant has an active bookkeeping integration whose
// export start date covers it, it has a pending export job. Closing again
// answers the day unchanged. 422 naming location_id or date (malformed, or
// after today in the merchant's country). No body is read.
func (s *server) closeDay(c *gin.Context) {
	day, err := s.exports.CloseDay(c.Request.Context(), principal(c), c.Param("location_id"), core.Date(c.Param("date")))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, day)
}

// listExports answers GET /v1/exports?from&to&location_id&limit&cursor:
// {"data":[...],"next_cursor":...}, one row per location and business day
// by date then location, with the export job's status (pending,
// processing, succeeded, failed; or open and not_scheduled for days
// without a job), message and external_ref. to defaults to today in the
// merchant's country, from to 30 days before to. 422 names each bad
// parameter.
func (s *server) listExports(c *gin.Context) {
	q := newQueryParams(c)
	lq := exports.ListQuery{From: q.date("from"), To: q.date("to"), LocationID: q.str("location_id"),
		Limit: q.limit(), Cursor: q.cursor(s.cursors)}
	if err := q.err(); err != nil {
		s.writeError(c, err)
		return
	}
	page, err := s.exports.List(c.Request.Context(), principal(c), lq)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.redactDays(page.Days)
	c.PureJSON(http.StatusOK, newList(page.Days, s.cursors.seal(c, page.NextCursor)))
}

// redactDays removes known credentials from the days' messages: provider
// errors are redacted before they are stored, but a message stored before
// that was done may still carry one.
func (s *server) redactDays(days []exports.Day) {
	for i := range days {
		days[i].Message = s.redactor.String(days[i].Message)
	}
}

// runExports answers POST /v1/exports/run {from, to, location_id?, days?}: 202 with
// {"queued": n, "data": [the re-queued days]}; the scheduler runs them
// next (see exports.Service.Run: failed days are retried, pending ones
// become due now, closed days without a job get one; with days, exactly
// those; location_id limits a run without days to one location). 422
// naming from, to, location_id or days[i]; 409 without an active
// bookkeeping integration, or naming days[i] when a chosen day is not
// closed.
func (s *server) runExports(c *gin.Context) {
	var req exports.RunRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	res, err := s.exports.Run(c.Request.Context(), principal(c), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if res.Days == nil {
		res.Days = []exports.Day{}
	}
	s.redactDays(res.Days)
	c.PureJSON(http.StatusAccepted, res)
}

// exportSIE answers GET /v1/exports/sie?from&to (both required, at most
// exports.MaxRange days): the vouchers booked for those business days as a
// SIE type 4I file (vouchers for import) in code page 437, as an attachment
// named exports.SIEFileName: ledgerbridge-<from>-<to>.si. 422 names from or
// to.
func (s *server) exportSIE(c *gin.Context) {
	q := newQueryParams(c)
	from, to := q.date("from"), q.date("to")
	for _, name := range []string{"from", "to"} {
		if q.str(name) == "" {
			q.fail(name, "is required: a date YYYY-MM-DD")
		}
	}
	if err := q.err(); err != nil {
		s.writeError(c, err)
		return
	}
	file, err := s.exports.SIE(c.Request.Context(), principal(c), from, to)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, exports.SIEFileName(from, to)))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, exports.SIEContentType, file)
}
