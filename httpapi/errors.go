package httpapi

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// errorBody is the contract's error envelope.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    core.ErrorCode    `json:"code"`
	Message string            `json:"message"`
	Fields  []core.FieldError `json:"fields,omitempty"`
}

// writeError is the one place errors become HTTP answers: the status comes
// from errorStatus, rate limits carry Retry-After in whole
// seconds (rounded up), and internal errors are logged with the request id
// while the caller sees only that id, never the error's text. It aborts the
// gin chain.
func (s *server) writeError(c *gin.Context, err error) {
	e, status, body := s.publicError(c, err)
	if e.RetryAfter > 0 {
		secs := int64(math.Ceil(e.RetryAfter.Seconds()))
		c.Header("Retry-After", strconv.FormatInt(secs, 10))
	}
	c.Abort()
	c.PureJSON(status, errorBody{Error: body})
}

// publicError is what the caller may learn of err: its *core.Error, HTTP
// status and envelope detail. An internal error (or an unknown code: a bug
// whose text may hold paths, SQL or secrets) is logged here with the
// request id, and its detail says only "internal error (request id …)".
func (s *server) publicError(c *gin.Context, err error) (*core.Error, int, errorDetail) {
	e := core.AsError(err)
	if e == nil {
		e = core.Errorf(core.CodeInternal, "writeError called without an error")
	}
	e = core.AsError(s.redactor.Error(e))
	status := errorStatus(e)
	body := errorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields}
	if status >= 500 && e.Code != core.CodeUnavailable && e.Code != core.CodeProviderError && e.Code != core.CodeUnsupported {
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "internal error",
			slog.String("error", e.Error()), slog.String("request_id", requestIDOf(c)),
			slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path))
		body = errorDetail{Code: core.CodeInternal, Message: "internal error (request id " + requestIDOf(c) + ")"}
	}
	return e, status, body
}

// statusByCode is the one translation of error codes to HTTP status codes.
var statusByCode = map[core.ErrorCode]int{
	core.CodeInvalid:          http.StatusUnprocessableEntity,
	core.CodeUnauthorized:     http.StatusUnauthorized,
	core.CodeForbidden:        http.StatusForbidden,
	core.CodeNotFound:         http.StatusNotFound,
	core.CodeConflict:         http.StatusConflict,
	core.CodeRateLimited:      http.StatusTooManyRequests,
	core.CodeProviderError:    http.StatusBadGateway,
	core.CodeUnavailable:      http.StatusServiceUnavailable,
	core.CodeUnsupported:      http.StatusNotImplemented,
	core.CodeInternal:         http.StatusInternalServerError,
	core.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
}

// StatusOf is code's HTTP status, for this API and the BackOffice pages
// alike. An unknown code is 500.
func StatusOf(code core.ErrorCode) int {
	if status, ok := statusByCode[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// errorStatus is e's HTTP status: StatusOf its code, except that an invalid
// request that could not even be parsed (e.Syntax) is 400.
func errorStatus(e *core.Error) int {
	if e.Code == core.CodeInvalid && e.Syntax {
		return http.StatusBadRequest
	}
	return StatusOf(e.Code)
}
