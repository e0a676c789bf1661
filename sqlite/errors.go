package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Error turns a database failure into a *core.Error for callers outside the
// storage package: *core.Error values raised inside a transaction pass
// through unchanged, a busy database or a cancelled call is CodeUnavailable
// (safe to retry), anything else CodeInternal. component and op name where
// it happened ("store", "begin idempotency record").
func Error(component, op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	switch {
	case IsBusy(err):
		return core.Errorf(core.CodeUnavailable, "%s: %s: database busy: %v", component, op, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return core.Errorf(core.CodeUnavailable, "%s: %s: %v", component, op, err)
	}
	return core.Errorf(core.CodeInternal, "%s: %s: %v", component, op, err)
}

// TimeLayout is how instants are stored: UTC, fixed width, so that text
// order is time order in indexes and ORDER BY.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// FormatTime is the stored form of t.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a stored instant (any RFC 3339 form). Errors:
// CodeInternal naming the malformed value.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, core.Errorf(core.CodeInternal, "malformed stored time %q", s)
	}
	return t.UTC(), nil
}
