package exports_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// tokenAPI makes e.prov accept only the access token it holds, refusing
// others with CodeUnauthorized as a provider's API does.
type tokenAPI struct {
	mu      sync.Mutex
	valid   string
	refused int
}

func (a *tokenAPI) set(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.valid = token
}

func (a *tokenAPI) refusals() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refused
}

func withToken(ac *core.ActiveConnection, token string) {
	ac.Credentials = map[string]string{"access_token": token}
}

// newTokenEnv is an env with one worker whose integration holds the
// access token "old", which the provider has stopped accepting.
func newTokenEnv(t *testing.T, valid string) (*env, *tokenAPI) {
	e := newEnv(t)
	e.opts.Workers = 1
	e.svc = e.newService(e.store)
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { withToken(&t.Connection, "old") })
	api := &tokenAPI{valid: valid}
	e.prov.setHook(func(_ context.Context, conn core.Connection, _ core.Voucher, _ int) (core.ExportResult, error, bool) {
		api.mu.Lock()
		defer api.mu.Unlock()
		if conn.Credentials["access_token"] != api.valid {
			api.refused++
			return core.ExportResult{}, core.Errorf(core.CodeUnauthorized, "the provider refused the access token"), true
		}
		return core.ExportResult{}, nil, false
	})
	for i, d := range dates("2026-04-01", 3) {
		e.record(receipt(fmt.Sprintf("r%d", i), "loc_1", d, 11200))
		e.close("loc_1", d)
	}
	return e, api
}

// The provider expired the access token early: the refusal is reported,
// the token renewed and every day booked in the same run.
func TestRefusedTokenIsRenewedAndTheDayBooked(t *testing.T) {
	e, api := newTokenEnv(t, "new")
	e.books.onReport = func(t *exports.BookkeepingTarget) { withToken(&t.Connection, "new") }
	if res := e.run(); res.Succeeded != 3 || res.Failed != 0 || res.Paused != 0 {
		t.Fatalf("run: %+v", res)
	}
	if e.books.reportCount() != 1 || api.refusals() != 1 || e.prov.totalCalls() != 4 {
		t.Fatalf("%d reports, %d refusals, %d calls; want 1, 1 and 4", e.books.reportCount(), api.refusals(), e.prov.totalCalls())
	}
	for _, d := range dates("2026-04-01", 3) {
		if n := len(e.booked()[mapping.ExternalRef("loc_1", d)]); n != 1 {
			t.Errorf("%s booked %d times", d, n)
		}
	}
}

// The grant was revoked: the export pauses (pending, not failed) until the
// integration is reconnected, then books every day once, the paused day
// with the voucher it was first sent with.
func TestRevokedGrantPausesExportsUntilReconnected(t *testing.T) {
	e, api := newTokenEnv(t, "")
	e.books.onReport = func(t *exports.BookkeepingTarget) { t.Connection.Status = core.IntegrationNeedsReauth }
	res := e.run()
	if res.Claimed != 1 || res.Paused != 1 || res.Failed != 0 || res.Retrying != 0 {
		t.Fatalf("run: %+v, want one job claimed and paused, no more claimed", res)
	}
	d := e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusPending || d.ErrorCode != core.CodeUnauthorized ||
		!strings.Contains(d.Message, "needs to be re-authorised in BackOffice") || !strings.Contains(d.Message, "refused the access token") {
		t.Fatalf("paused day %+v", d)
	}
	// Further runs hold every day without calling the provider.
	e.clock.Advance(time.Hour)
	calls := e.prov.totalCalls()
	if res := e.run(); res.Claimed != 0 || res.Paused != 3 || e.prov.totalCalls() != calls {
		t.Fatalf("run while needs_reauth: %+v, %d calls", res, e.prov.totalCalls()-calls)
	}
	for _, d := range e.days("2026-04-01", "2026-04-03") {
		if d.Status != exports.StatusPending || !strings.Contains(d.Message, "re-authorised") {
			t.Fatalf("day while needs_reauth %+v", d)
		}
	}

	// The mapping changes meanwhile; the paused day keeps the voucher it
	// was sent with.
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.Mapping.PaymentMethods["card"] = "1930" })
	// Reconnected: a new token, active again.
	api.set("new")
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) {
		t.Connection.Status = core.IntegrationActive
		withToken(&t.Connection, "new")
	})
	if res := e.run(); res.Succeeded != 3 || res.Failed != 0 {
		t.Fatalf("run after reconnecting: %+v", res)
	}
	for i, d := range dates("2026-04-01", 3) {
		v := e.booked()[mapping.ExternalRef("loc_1", d)]
		if len(v) != 1 {
			t.Fatalf("%s booked %d times", d, len(v))
		}
		if resent := i == 0; hasAccount(v[0], "1930") == resent {
			t.Errorf("%s booked on card account 1930: %v, want %v", d, hasAccount(v[0], "1930"), !resent)
		}
		if got := e.day("loc_1", d); got.Status != exports.StatusSucceeded || got.ErrorCode != "" {
			t.Errorf("%s after reconnecting: %+v", d, got)
		}
	}
}

// Refused again with the renewed token: retried later, like an
// unavailable provider, not failed at once.
func TestRefusedAfterRenewalIsRetriedLater(t *testing.T) {
	e, api := newTokenEnv(t, "")
	e.books.onReport = func(t *exports.BookkeepingTarget) { withToken(&t.Connection, "new") }
	res := e.run()
	if res.Retrying != 3 || res.Failed != 0 {
		t.Fatalf("run: %+v", res)
	}
	d := e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusPending || d.ErrorCode != core.CodeUnauthorized || !strings.Contains(d.Message, "retrying at") {
		t.Fatalf("day %+v", d)
	}
	api.set("new")
	e.clock.Advance(time.Hour)
	if res := e.run(); res.Succeeded != 3 {
		t.Fatalf("run after the provider accepts the token: %+v", res)
	}
}
