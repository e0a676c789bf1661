package core

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrorCode classifies an Error. Callers branch on codes, never on messages.
type ErrorCode string

// The error codes of the HTTP contract, plus unsupported.
const (
	CodeInvalid       ErrorCode = "invalid"        // the request is wrong; Fields say where
	CodeUnauthorized  ErrorCode = "unauthorized"   // no or unknown credentials
	CodeForbidden     ErrorCode = "forbidden"      // the caller's role lacks the right
	CodeNotFound      ErrorCode = "not_found"      // no such object for this merchant
	CodeConflict      ErrorCode = "conflict"       // the object's state forbids the change
	CodeRateLimited   ErrorCode = "rate_limited"   // try again after RetryAfter
	CodeProviderError ErrorCode = "provider_error" // the accounting system refused or failed
	CodeUnavailable   ErrorCode = "unavailable"    // a dependency is down; safe to retry
	CodeUnsupported   ErrorCode = "unsupported"    // the provider lacks this capability
	CodeInternal      ErrorCode = "internal"       // a bug or an unexpected failure
	// CodeMethodNotAllowed is HTTP's own: the path exists, the method
	// does not (the answer's Allow header lists those that do).
	CodeMethodNotAllowed ErrorCode = "method_not_allowed"
)

// FieldError names one bad input field with a JSON path such as
// "lines[0].vat_rate".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type that crosses package and process boundaries.
// Syntax marks an invalid request that could not even be parsed (HTTP 400
// rather than 422). The HTTP status of each code is httpapi's (StatusOf).
type Error struct {
	Code       ErrorCode
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration
	Syntax     bool
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an invalid-input error listing every bad field. It returns
// nil when fields is empty, so validators can end with `return Invalid(msg, errs...)`.
func Invalid(message string, fields ...FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Message: message, Fields: fields}
}

// ErrNotFound returns the not-found error for an object kind, e.g. "customer".
func ErrNotFound(kind, id string) *Error {
	return Errorf(CodeNotFound, "%s %q not found", kind, id)
}

// AsError returns err as an *Error. Errors of other types become internal
// errors whose message is err's text.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: err.Error()}
}

// Code returns err's code, or "" for nil, or CodeInternal for foreign errors.
func Code(err error) ErrorCode {
	if err == nil {
		return ""
	}
	return AsError(err).Code
}

// Retryable reports whether an operation that failed with err may succeed
// unchanged later: the dependency was down, busy or rate limiting.
func Retryable(err error) bool {
	switch Code(err) {
	case CodeUnavailable, CodeRateLimited:
		return true
	}
	return false
}

// fieldErrors accumulates validation failures with a path prefix.
type fieldErrors []FieldError

func (f *fieldErrors) add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// has reports whether a field already has an error.
func (f fieldErrors) has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}
