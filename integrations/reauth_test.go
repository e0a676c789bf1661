package integrations_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

// refused reports whether the mock's API refuses the access token.
func (f *oauthFixture) refused(t *testing.T, ac core.ActiveConnection) bool {
	t.Helper()
	err := f.spiris.VerifyConnection(ctx, core.Connection{Credentials: ac.Credentials})
	if err != nil && core.Code(err) != core.CodeInvalid {
		t.Fatal(err)
	}
	return err != nil
}

func TestReportUnauthorizedRefreshesOnceForConcurrentReports(t *testing.T) {
	f := newOAuthFixture(t)
	id := f.activeSpiris(t)
	before, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing) // cached from now on
	if err != nil {
		t.Fatal(err)
	}
	// The provider expires the token on its side: the gateway still
	// believes it valid for almost an hour.
	f.mock.ExpireAccessTokens()
	if !f.refused(t, before) {
		t.Fatal("the mock still accepts the expired access token")
	}
	if again, _, _ := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); again.Credentials[integrations.CredentialAccessToken] != before.Credentials[integrations.CredentialAccessToken] {
		t.Fatal("refreshed before anything was reported")
	}

	const n = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f.svc.ReportUnauthorized(ctx, id)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
	}
	if spends := f.mock.RefreshSpends(); len(spends) != 1 || !spends[0].OK {
		t.Fatalf("refresh-token spends %+v, want one that succeeded", spends)
	}
	after, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || after.Status != core.IntegrationActive {
		t.Fatalf("after the reports: %s %v", after.Status, err)
	}
	if got := after.Credentials[integrations.CredentialAccessToken]; got != f.lastIssue(t).AccessToken || f.refused(t, after) {
		t.Fatalf("access token %q after the reports, want the new %q that the API accepts", got, f.lastIssue(t).AccessToken)
	}

	// A late report of the same rejection finds the token just renewed.
	if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mock.RefreshSpends()); n != 1 {
		t.Fatalf("%d refresh-token spends after a late report, want 1", n)
	}
	// A rejection reported later is a new one: refreshed again.
	f.clock.Advance(time.Minute)
	if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
		t.Fatal(err)
	}
	if spends := f.mock.RefreshSpends(); len(spends) != 2 || !spends[1].OK {
		t.Fatalf("spends %+v, want a second successful one", spends)
	}
	wantCode(t, f.svc.ReportUnauthorized(ctx, "int_unknown"), core.CodeNotFound)
}

func TestReportUnauthorizedWithRevokedGrantNeedsReauthThenReconnects(t *testing.T) {
	f := newOAuthFixture(t)
	id := f.activeSpiris(t)
	if _, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); err != nil {
		t.Fatal(err)
	}
	f.mock.RevokeAllRefreshTokens()
	f.mock.ExpireAccessTokens()
	if ac, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); err != nil || ac.Status != core.IntegrationActive {
		t.Fatalf("before the report: %s %v, want still active", ac.Status, err)
	}

	if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
		t.Fatal(err)
	}
	spends := f.mock.RefreshSpends()
	if len(spends) != 1 || spends[0].OK || spends[0].Error != "invalid_grant" {
		t.Fatalf("spends %+v, want one refused with invalid_grant", spends)
	}
	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || !found || ac.Status != core.IntegrationNeedsReauth {
		t.Fatalf("after the report: %s %v %v, want needs_reauth", ac.Status, found, err)
	}
	in, err := f.svc.Get(ctx, f.admin, id)
	if err != nil || in.Status != core.IntegrationNeedsReauth || !strings.Contains(in.StatusReason, "reconnect Spiris in BackOffice") {
		t.Fatalf("integration %s %q (%v)", in.Status, in.StatusReason, err)
	}
	// Reporting again changes nothing and asks the token endpoint nothing.
	if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mock.RefreshSpends()); n != 1 {
		t.Fatalf("%d refresh attempts, want 1", n)
	}

	got := f.connect(t, f.admin, id)
	if got.Status != core.IntegrationActive {
		t.Fatalf("after reconnecting: %s", got.Status)
	}
	ac, _, err = f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || ac.Status != core.IntegrationActive || f.refused(t, ac) {
		t.Fatalf("after reconnecting: %+v %v", ac, err)
	}
}

func TestReportUnauthorizedMarksAPITokenIntegrationNeedsReauth(t *testing.T) {
	f := newFixture(t)
	id := ready(t, f, f.admin, "ledger", both)
	activate(t, f, f.admin, id)
	bt, found, err := f.svc.ActiveBookkeeping(ctx, "m1")
	if err != nil || !found || bt.Connection.Status != core.IntegrationActive {
		t.Fatalf("bookkeeping %+v %v %v", bt.Connection, found, err)
	}

	if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
		t.Fatal(err)
	}
	in, err := f.svc.Get(ctx, f.admin, id)
	if err != nil || in.Status != core.IntegrationNeedsReauth || !strings.Contains(in.StatusReason, "enter new credentials in BackOffice") {
		t.Fatalf("integration %s %q (%v)", in.Status, in.StatusReason, err)
	}
	for _, mode := range []core.IntegrationMode{core.ModeInvoicing, core.ModeBookkeeping} {
		if ac, _, err := f.svc.ActiveConnection(ctx, "m1", mode); err != nil || ac.Status != core.IntegrationNeedsReauth {
			t.Fatalf("%s connection %s %v, want needs_reauth", mode, ac.Status, err)
		}
	}

	// New credentials the provider accepts make it active again.
	got, err := f.svc.PutCredentials(ctx, f.admin, id, map[string]string{"employee_token": goodToken})
	if err != nil || got.Status != core.IntegrationActive || got.StatusReason != "" {
		t.Fatalf("after new credentials: %s %q (%v)", got.Status, got.StatusReason, err)
	}
	if ac, _, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); err != nil || ac.Status != core.IntegrationActive {
		t.Fatalf("connection after new credentials: %s %v", ac.Status, err)
	}

	// An integration that is not active is left alone.
	setup, err := f.svc.Create(ctx, f.admin2, "ledger", invoicing)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ReportUnauthorized(ctx, setup.ID); err != nil {
		t.Fatal(err)
	}
	if in, err := f.svc.Get(ctx, f.admin2, setup.ID); err != nil || in.Status != core.IntegrationSetup {
		t.Fatalf("setup integration became %s (%v)", in.Status, err)
	}
}
