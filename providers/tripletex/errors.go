package tripletex

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// apiError is Tripletex's error envelope.
type apiError struct {
	Status             int                 `json:"status"`
	Code               int                 `json:"code"`
	Message            *string             `json:"message"`
	DeveloperMessage   *string             `json:"developerMessage"`
	ValidationMessages []validationMessage `json:"validationMessages"`
	RequestID          string              `json:"requestId"`
}

type validationMessage struct {
	Field   *string `json:"field"`
	Message string  `json:"message"`
	Path    *string `json:"path"`
}

// fieldNames translates the few Tripletex field names that stand for a
// ledgerbridge input.
var fieldNames = map[string]string{
	"arg:employeeToken": FieldEmployeeToken,
	"employeeToken":     FieldEmployeeToken,
}

// decodeError turns a non-2xx answer into a *core.Error: 404 CodeNotFound,
// 409 CodeConflict, 422 CodeInvalid with validationMessages as fields
// (Tripletex's names; business-rule messages without a field become the
// message), 429 CodeRateLimited, 5xx CodeUnavailable, anything else (400, 403)
// CodeProviderError. The message starts with "Tripletex:" and ends with
// Tripletex's request id, which its support asks for.
func decodeError(resp *response) *core.Error {
	var env apiError
	_ = json.Unmarshal(resp.body, &env)
	if env.RequestID == "" {
		env.RequestID = resp.header.Get("x-tlx-request-id")
	}
	msg := ""
	if env.Message != nil {
		msg = strings.TrimSpace(*env.Message)
	}
	var fields []core.FieldError
	var loose []string
	for _, v := range env.ValidationMessages {
		name := ""
		if v.Field != nil {
			name = strings.TrimSpace(*v.Field)
		}
		if name == "" && v.Path != nil {
			name = strings.TrimSpace(*v.Path)
		}
		if n, ok := fieldNames[name]; ok {
			name = n
		}
		if name == "" {
			loose = append(loose, v.Message)
			continue
		}
		fields = append(fields, core.FieldError{Field: name, Message: v.Message})
	}
	if len(loose) > 0 {
		msg = strings.Join(loose, " ")
	}
	if msg == "" {
		msg = http.StatusText(resp.status)
	}
	if env.DeveloperMessage != nil {
		if d := strings.TrimSpace(*env.DeveloperMessage); d != "" && d != "VALIDATION_ERROR" && d != msg {
			msg += " (" + d + ")"
		}
	}
	full := "Tripletex: " + msg
	if env.RequestID != "" {
		full += " [request " + env.RequestID + "]"
	}
	e := &core.Error{Code: core.CodeProviderError, Message: full, Fields: fields}
	switch {
	case resp.status == http.StatusNotFound:
		e.Code = core.CodeNotFound
	case resp.status == http.StatusConflict:
		e.Code = core.CodeConflict
	case resp.status == http.StatusUnprocessableEntity:
		e.Code = core.CodeInvalid
	case resp.status == http.StatusTooManyRequests:
		e.Code = core.CodeRateLimited
	case resp.status == http.StatusForbidden:
		// A missing entitlement or module in the merchant's Tripletex, not
		// the caller's role in ledgerbridge.
		e.Message += ": the Tripletex user of the employee token lacks an entitlement for this"
	case resp.status >= 500:
		e.Code = core.CodeUnavailable
	}
	return e
}

func parseDecimal(s string) (decimal.Decimal, error) {
	return decimal.NewFromString(strings.TrimSpace(s))
}

// unknownOutcome reports whether a write that failed with err may have
// happened anyway: Tripletex did not answer, or answered 5xx.
func unknownOutcome(err error) bool { return core.Code(err) == core.CodeUnavailable }
