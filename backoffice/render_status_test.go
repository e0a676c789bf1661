package backoffice

import (
	"errors"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestStatusOf pins the statuses the pages answer a refusal with; they are
// the API's (httpapi.StatusOf), including 403 for a refused form naming fields.
func TestStatusOf(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{core.Errorf(core.CodeInvalid, "x"), 422},
		{core.Errorf(core.CodeConflict, "x"), 409},
		{core.Errorf(core.CodeForbidden, "x"), 403},
		{core.Errorf(core.CodeRateLimited, "x"), 429},
		{core.Errorf(core.CodeProviderError, "x"), 502},
		{core.Errorf(core.CodeUnavailable, "x"), 503},
		{core.Errorf(core.CodeUnsupported, "x"), 501},
		{core.Errorf(core.CodeUnauthorized, "x"), 401},
		{core.Errorf(core.CodeInternal, "x"), 500},
		{errors.New("foreign"), 500},
	}
	for _, tt := range tests {
		if got := statusOf(tt.err); got != tt.want {
			t.Errorf("statusOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
