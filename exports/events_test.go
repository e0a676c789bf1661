package exports_test

import (
	"context"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

// TestJobsEndingArePublished: a day that gives up is export.failed once,
// a retry before that is no event, and the re-run that books it is
// export.succeeded.
func TestJobsEndingArePublished(t *testing.T) {
	e := newEnv(t)
	pub := &coretest.Events{}
	e.opts.Events = pub
	e.svc = e.newService(e.store)
	e.prov.setHook(func(context.Context, core.Connection, core.Voucher, int) (core.ExportResult, error, bool) {
		return core.ExportResult{}, unavailable(0), true
	})
	e.record(receipt("r1", "loc_1", "2026-04-01", 11200))
	e.close("loc_1", "2026-04-01")
	for range e.opts.MaxAttempts {
		e.run()
		if n := len(pub.Published()); n != 0 && e.day("loc_1", "2026-04-01").Status != exports.StatusFailed {
			t.Fatalf("a retry published %+v", pub.Published())
		}
		e.clock.Advance(time.Hour)
	}
	e.prov.setHook(nil)
	if _, err := e.svc.Run(context.Background(), accountant, exports.RunRequest{From: "2026-04-01", To: "2026-04-01"}); err != nil {
		t.Fatal(err)
	}
	e.run()
	evs := pub.Published()
	if len(evs) != 2 || evs[0].Type != core.EventExportFailed || evs[1].Type != core.EventExportSucceeded {
		t.Fatalf("published %+v, want export.failed then export.succeeded", evs)
	}
	failed, ok := evs[0].Data.(exports.Event)
	if !ok || evs[0].MerchantID != merchantID || failed.LocationID != "loc_1" || failed.BusinessDate != "2026-04-01" ||
		failed.Status != exports.StatusFailed || failed.Message == "" || failed.ErrorCode != core.CodeUnavailable {
		t.Errorf("export.failed %+v", evs[0])
	}
	if ok := evs[1].Data.(exports.Event); ok.ProviderRef == "" || ok.Provider != "sie" {
		t.Errorf("export.succeeded %+v", evs[1])
	}
}
