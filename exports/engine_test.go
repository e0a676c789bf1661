package exports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

func dates(from core.Date, n int) []core.Date {
	out := make([]core.Date, n)
	for i := range out {
		out[i] = from.AddDays(i)
	}
	return out
}

// From receipts to a balanced voucher at the provider, one per location
// and day, equal to what mapping.BuildVoucher makes of the day.
func TestPipeline(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string][]core.SalesReceipt{}
	for _, loc := range []string{"loc_1", "loc_2"} {
		for _, d := range dates("2026-04-01", 3) {
			rs := genReceipts(rng, loc, d, 30)
			if loc == "loc_1" && d == "2026-04-01" {
				inv := receipt("inv-1", loc, d, 25000)
				inv.Payments[0].Method = mapping.MethodInvoice
				rs = append(rs, inv)
			}
			e.record(rs...)
			e.close(loc, d)
			for i := range rs {
				rs[i].Currency = "SEK"
			}
			want[mapping.ExternalRef(loc, d)] = rs
		}
	}
	e.close("loc_1", "2026-04-04") // no receipts
	res := e.run()
	if res.Claimed != 7 || res.Succeeded != 7 || res.Failed+res.Retrying+res.Lost != 0 {
		t.Fatalf("result %+v", res)
	}
	booked := e.booked()
	if len(booked) != 6 {
		t.Fatalf("%d vouchers booked, want 6", len(booked))
	}
	days := e.days("2026-04-01", "2026-04-04")
	for ref, rs := range want {
		got := booked[ref]
		if len(got) != 1 {
			t.Fatalf("%s booked %d times", ref, len(got))
		}
		if err := got[0].Validate(); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		exp, err := mapping.BuildVoucher(core.Sweden, rs[0].BusinessDate, rs[0].LocationID, "SEK", rs, testMapping(), mapping.BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if jsonOf(t, got[0]) != jsonOf(t, exp) {
			t.Errorf("%s booked\n%s\nwant\n%s", ref, jsonOf(t, got[0]), jsonOf(t, exp))
		}
		d := days[rs[0].LocationID+" "+string(rs[0].BusinessDate)]
		if d.Status != exports.StatusSucceeded || d.ProviderRef == "" || d.Attempts != 1 || d.ExternalRef != ref ||
			d.Provider != "sie" || d.IntegrationID != "int_1" || !strings.HasPrefix(d.Message, "booked in sie as ") || d.Receipts != len(rs) {
			t.Errorf("day %+v", d)
		}
	}
	// The invoice sale is debited to receivables (1510) when bookkeeping is
	// not the invoicing system.
	if !hasAccount(booked[mapping.ExternalRef("loc_1", "2026-04-01")][0], "1510") {
		t.Error("invoice sale not booked on receivables")
	}
	if d := days["loc_1 2026-04-04"]; d.Status != exports.StatusSucceeded || !strings.HasPrefix(d.Message, "nothing to book") || d.ProviderRef != "" {
		t.Errorf("empty day %+v", d)
	}
	if res := e.run(); res.Claimed != 0 {
		t.Fatalf("second run claimed %+v", res)
	}
}

func hasAccount(v core.Voucher, account string) bool {
	for _, p := range v.Postings {
		if p.Account == account {
			return true
		}
	}
	return false
}

// When the bookkeeping system also invoices, invoice sales are left out.
func TestSameAsInvoicingExcludesInvoiceSales(t *testing.T) {
	e := newEnv(t)
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.SameAsInvoicing = true })
	inv := receipt("inv-1", "loc_1", "2026-04-01", 25000)
	inv.Payments[0].Method = mapping.MethodInvoice
	e.record(inv, receipt("r1", "loc_1", "2026-04-01", 11200))
	inv2 := receipt("inv-2", "loc_1", "2026-04-02", 5000)
	inv2.Payments[0].Method = mapping.MethodInvoice
	e.record(inv2)
	e.close("loc_1", "2026-04-01", "2026-04-02")
	e.run()
	v := e.booked()[mapping.ExternalRef("loc_1", "2026-04-01")]
	if len(v) != 1 || hasAccount(v[0], "1510") || v[0].Postings[0].Account != "1580" || v[0].Postings[0].Amount != 11200 {
		t.Fatalf("voucher %+v", v)
	}
	if d := e.day("loc_1", "2026-04-02"); d.Status != exports.StatusSucceeded || !strings.HasPrefix(d.Message, "nothing to book") {
		t.Fatalf("invoice-only day %+v", d)
	}
}

func unavailable(retryAfter time.Duration) error {
	return &core.Error{Code: core.CodeUnavailable, Message: "provider down", RetryAfter: retryAfter}
}

func TestRetryWithBackoff(t *testing.T) {
	e := newEnv(t)
	e.prov.setHook(func(ctx context.Context, conn core.Connection, v core.Voucher, call int) (core.ExportResult, error, bool) {
		switch call {
		case 1:
			return core.ExportResult{}, unavailable(0), true
		case 2:
			return core.ExportResult{}, &core.Error{Code: core.CodeRateLimited, Message: "slow down", RetryAfter: 10 * time.Minute}, true
		}
		return core.ExportResult{}, nil, false
	})
	e.record(receipt("r1", "loc_1", "2026-04-01", 11200))
	e.close("loc_1", "2026-04-01")
	if res := e.run(); res.Retrying != 1 || res.Claimed != 1 {
		t.Fatalf("run 1: %+v", res)
	}
	d := e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusPending || d.Attempts != 1 || d.ErrorCode != core.CodeUnavailable ||
		d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(t0.Add(time.Minute)) || !strings.Contains(d.Message, "attempt 1 failed") {
		t.Fatalf("after attempt 1: %+v", d)
	}
	if res := e.run(); res.Claimed != 0 {
		t.Fatalf("ran before the backoff ended: %+v", res)
	}
	e.clock.Advance(time.Minute)
	e.run()
	// The second backoff would be 2 minutes; the provider asked for 10.
	d = e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusPending || d.Attempts != 2 || !d.NextAttemptAt.Equal(e.clock.Now().Add(10*time.Minute)) || d.ErrorCode != core.CodeRateLimited {
		t.Fatalf("after attempt 2: %+v", d)
	}
	e.clock.Advance(9 * time.Minute)
	if res := e.run(); res.Claimed != 0 {
		t.Fatalf("ignored RetryAfter: %+v", res)
	}
	e.clock.Advance(time.Minute)
	if res := e.run(); res.Succeeded != 1 {
		t.Fatalf("run 3: %+v", res)
	}
	d = e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusSucceeded || d.Attempts != 3 || d.ErrorCode != "" || d.ProviderRef != "1" {
		t.Fatalf("after success: %+v", d)
	}
	if n := len(e.booked()); n != 1 {
		t.Fatalf("%d vouchers", n)
	}
}

func TestGiveUpAfterMaxAttemptsThenRerun(t *testing.T) {
	e := newEnv(t)
	e.prov.setHook(func(context.Context, core.Connection, core.Voucher, int) (core.ExportResult, error, bool) {
		return core.ExportResult{}, unavailable(0), true
	})
	e.record(receipt("r1", "loc_1", "2026-04-01", 11200))
	e.close("loc_1", "2026-04-01")
	for i := range e.opts.MaxAttempts {
		if res := e.run(); res.Claimed != 1 {
			t.Fatalf("attempt %d: %+v", i+1, res)
		}
		e.clock.Advance(time.Hour)
	}
	d := e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusFailed || d.Attempts != 4 || !strings.HasPrefix(d.Message, "gave up after 4 attempts: provider down") {
		t.Fatalf("after giving up: %+v", d)
	}
	if res := e.run(); res.Claimed != 0 {
		t.Fatalf("a failed day ran again: %+v", res)
	}
	e.prov.setHook(nil)
	rr, err := e.svc.Run(context.Background(), accountant, exports.RunRequest{From: "2026-04-01", To: "2026-04-30"})
	if err != nil || rr.Queued != 1 || len(rr.Days) != 1 || rr.Days[0].Status != exports.StatusPending || rr.Days[0].Attempts != 0 {
		t.Fatalf("re-run: %+v %v", rr, err)
	}
	e.run()
	if d := e.day("loc_1", "2026-04-01"); d.Status != exports.StatusSucceeded || d.Attempts != 1 {
		t.Fatalf("after re-run: %+v", d)
	}
}

// A day the mapping cannot book, or the provider refuses, fails with the
// reason; after the mapping is fixed a re-run rebuilds the voucher.
func TestRefusedDayIsRebuiltOnRerun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { delete(t.Mapping.Events, mapping.EventTips) })
	r := receipt("r1", "loc_1", "2026-04-01", 11200)
	r.Tips, r.Payments[0].Amount = 1000, 12200
	e.record(r)
	e.close("loc_1", "2026-04-01")
	if res := e.run(); res.Failed != 1 {
		t.Fatalf("run: %+v", res)
	}
	d := e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusFailed || d.ErrorCode != core.CodeInvalid || !strings.Contains(d.Message, "events.tips: is required") || e.prov.totalCalls() != 0 {
		t.Fatalf("unmappable day: %+v (calls %d)", d, e.prov.totalCalls())
	}
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.Mapping = testMapping() })
	e.prov.setHook(func(context.Context, core.Connection, core.Voucher, int) (core.ExportResult, error, bool) {
		return core.ExportResult{}, &core.Error{Code: core.CodeProviderError, Message: "Konto 1580 är låst"}, true
	})
	if _, err := e.svc.Run(ctx, admin, exports.RunRequest{From: "2026-04-01", To: "2026-04-01"}); err != nil {
		t.Fatal(err)
	}
	e.run()
	if d := e.day("loc_1", "2026-04-01"); d.Status != exports.StatusFailed || d.Message != "Konto 1580 är låst" || d.ErrorCode != core.CodeProviderError {
		t.Fatalf("refused day: %+v", d)
	}
	e.prov.setHook(nil)
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.Mapping.PaymentMethods["card"] = "1930" })
	if _, err := e.svc.Run(ctx, admin, exports.RunRequest{From: "2026-04-01", To: "2026-04-01"}); err != nil {
		t.Fatal(err)
	}
	e.run()
	v := e.booked()[mapping.ExternalRef("loc_1", "2026-04-01")]
	if len(v) != 1 || !hasAccount(v[0], "1930") || hasAccount(v[0], "1580") {
		t.Fatalf("rebuilt voucher %+v", v)
	}
}

// The provider books the day but its answer is lost: the retry resends the
// same voucher, the provider finds it by its reference, and the day is
// booked once, even though the mapping changed in between.
func TestLostResponseIsBookedOnce(t *testing.T) {
	e := newEnv(t)
	e.prov.setHook(func(ctx context.Context, conn core.Connection, v core.Voucher, call int) (core.ExportResult, error, bool) {
		if call == 1 {
			if _, err := e.sie.ExportSales(ctx, conn, v); err != nil {
				t.Error(err)
			}
			return core.ExportResult{}, unavailable(0), true
		}
		return core.ExportResult{}, nil, false
	})
	e.record(receipt("r1", "loc_1", "2026-04-01", 11200))
	e.close("loc_1", "2026-04-01")
	if res := e.run(); res.Retrying != 1 {
		t.Fatalf("run 1: %+v", res)
	}
	first := e.booked()[mapping.ExternalRef("loc_1", "2026-04-01")]
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.Mapping.PaymentMethods["card"] = "1930" })
	e.clock.Advance(time.Minute)
	if res := e.run(); res.Succeeded != 1 {
		t.Fatalf("run 2: %+v", res)
	}
	booked := e.booked()[mapping.ExternalRef("loc_1", "2026-04-01")]
	if len(booked) != 1 || e.prov.totalCalls() != 2 {
		t.Fatalf("booked %d times in %d calls", len(booked), e.prov.totalCalls())
	}
	d := e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusSucceeded || !strings.HasPrefix(d.Message, "already booked in sie as 1") || d.ProviderRef != "1" {
		t.Fatalf("day %+v", d)
	}
	// What the gateway keeps (and writes to SIE) is what the provider holds.
	stored, err := e.store.ExportedVouchers(context.Background(), merchantID, "2026-04-01", "2026-04-01")
	if err != nil || len(stored) != 1 || jsonOf(t, stored[0]) != jsonOf(t, first[0]) {
		t.Fatalf("stored voucher %+v, booked %+v (%v)", stored, first, err)
	}
}

// The gateway dies after the provider booked a day and before it recorded
// the result: after a restart the job is taken up once its lease ends and
// every day ends booked exactly once.
func TestCrashMidExportResumesAfterLease(t *testing.T) {
	e := newEnv(t)
	days := dates("2026-04-01", 10)
	for i, d := range days {
		e.record(receipt(fmt.Sprintf("r%d", i), "loc_1", d, 1000+int64(i)))
		e.close("loc_1", d)
	}
	crashRef := mapping.ExternalRef("loc_1", days[4])
	e.prov.setHook(func(ctx context.Context, conn core.Connection, v core.Voucher, call int) (core.ExportResult, error, bool) {
		if v.ExternalRef == crashRef && call == 1 {
			if _, err := e.sie.ExportSales(ctx, conn, v); err != nil {
				t.Error(err)
			}
			runtime.Goexit() // the worker dies with the job processing
		}
		return core.ExportResult{}, nil, false
	})
	res := e.run()
	if res.Claimed != 10 || res.Succeeded != 9 {
		t.Fatalf("run with a crash: %+v", res)
	}
	if d := e.day("loc_1", days[4]); d.Status != exports.StatusProcessing || d.Attempts != 1 {
		t.Fatalf("crashed day %+v", d)
	}
	e.reopen()
	if res := e.run(); res.Claimed != 0 {
		t.Fatalf("took a leased job: %+v", res)
	}
	e.clock.Advance(exports.DefaultLease + time.Second)
	if res := e.run(); res.Claimed != 1 || res.Succeeded != 1 {
		t.Fatalf("resume: %+v", res)
	}
	d := e.day("loc_1", days[4])
	if d.Status != exports.StatusSucceeded || d.Attempts != 2 || !strings.HasPrefix(d.Message, "already booked") {
		t.Fatalf("resumed day %+v", d)
	}
	booked := e.booked()
	if len(booked) != 10 {
		t.Fatalf("%d days booked", len(booked))
	}
	for ref, vs := range booked {
		if len(vs) != 1 {
			t.Errorf("%s booked %d times", ref, len(vs))
		}
	}
}

// Two engines (two processes on one database) running at once never run
// the same job.
func TestConcurrentRunOnce(t *testing.T) {
	e := newEnv(t)
	for _, loc := range []string{"loc_1", "loc_2", "loc_3"} {
		for i, d := range dates("2026-04-01", 15) {
			e.record(receipt(fmt.Sprintf("%s-%d", loc, i), loc, d, 1000+int64(i)))
			e.close(loc, d)
		}
	}
	e.prov.setHook(func(context.Context, core.Connection, core.Voucher, int) (core.ExportResult, error, bool) {
		time.Sleep(time.Millisecond)
		return core.ExportResult{}, nil, false
	})
	first := e.svc
	e.reopen()
	second := e.svc
	var wg sync.WaitGroup
	results := make([]exports.Result, 4)
	for i := range results {
		svc := first
		if i%2 == 1 {
			svc = second
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := svc.RunOnce(context.Background())
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	claimed, succeeded := 0, 0
	for _, r := range results {
		claimed += r.Claimed
		succeeded += r.Succeeded
	}
	if claimed != 45 || succeeded != 45 {
		t.Fatalf("claimed %d, succeeded %d: %+v", claimed, succeeded, results)
	}
	for ref, n := range e.prov.calls {
		if n != 1 {
			t.Errorf("%s sent %d times", ref, n)
		}
	}
	if len(e.prov.calls) != 45 || len(e.booked()) != 45 {
		t.Fatalf("%d refs sent, %d booked", len(e.prov.calls), len(e.booked()))
	}
}

func TestNeedsReauthPausesExports(t *testing.T) {
	e := newEnv(t)
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.Connection.Status = core.IntegrationNeedsReauth })
	for i, d := range dates("2026-04-01", 2) {
		e.record(receipt(fmt.Sprintf("r%d", i), "loc_1", d, 1000))
		e.close("loc_1", d)
	}
	if res := e.run(); res.Paused != 2 || res.Claimed != 0 {
		t.Fatalf("run while needs_reauth: %+v", res)
	}
	for _, d := range e.days("2026-04-01", "2026-04-02") {
		if d.Status != exports.StatusPending || !strings.Contains(d.Message, "needs to be re-authorised") || d.Attempts != 0 {
			t.Fatalf("paused day %+v", d)
		}
	}
	e.clock.Advance(time.Hour)
	if res := e.run(); res.Paused != 0 || res.Claimed != 0 || e.prov.totalCalls() != 0 {
		t.Fatalf("second run while needs_reauth: %+v, %d calls", res, e.prov.totalCalls())
	}
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.Connection.Status = core.IntegrationActive })
	if res := e.run(); res.Succeeded != 2 {
		t.Fatalf("run after reconnecting: %+v", res)
	}
	// Without any integration, queued jobs wait too.
	e.record(receipt("r9", "loc_1", "2026-04-03", 1000))
	e.close("loc_1", "2026-04-03")
	target, _, _ := e.books.ActiveBookkeeping(context.Background(), merchantID)
	e.books.remove(merchantID)
	if res := e.run(); res.Paused != 1 || res.Claimed != 0 {
		t.Fatalf("run without integration: %+v", res)
	}
	if d := e.day("loc_1", "2026-04-03"); d.Status != exports.StatusPending || !strings.Contains(d.Message, "no active bookkeeping") {
		t.Fatalf("waiting day %+v", d)
	}
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { *t = target })
	if res := e.run(); res.Succeeded != 1 {
		t.Fatalf("run after activation: %+v", res)
	}
}

func TestExportStartDateRespected(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.ExportStartDate = "2026-04-03" })
	for i, d := range dates("2026-04-01", 5) {
		e.record(receipt(fmt.Sprintf("r%d", i), "loc_1", d, 1000))
		e.close("loc_1", d)
	}
	days := e.days("2026-04-01", "2026-04-05")
	for _, d := range []core.Date{"2026-04-01", "2026-04-02"} {
		if r := days["loc_1 "+string(d)]; r.Status != exports.StatusNotScheduled || r.Message != "before the export start date 2026-04-03" {
			t.Fatalf("day before start %+v", r)
		}
	}
	if res := e.run(); res.Succeeded != 3 || res.Queued != 0 {
		t.Fatalf("run: %+v", res)
	}
	booked := e.booked()
	if len(booked) != 3 || booked[mapping.ExternalRef("loc_1", "2026-04-02")] != nil {
		t.Fatalf("booked %v", booked)
	}
	// A run of the range leaves days before the start date alone ...
	rr, err := e.svc.Run(ctx, admin, exports.RunRequest{From: "2026-04-01", To: "2026-04-05"})
	if err != nil || rr.Queued != 0 {
		t.Fatalf("run range: %+v %v", rr, err)
	}
	// ... a chosen one is exported.
	rr, err = e.svc.Run(ctx, admin, exports.RunRequest{From: "2026-04-01", To: "2026-04-05",
		Days: []exports.DayKey{{LocationID: "loc_1", BusinessDate: "2026-04-01"}}})
	if err != nil || rr.Queued != 1 || rr.Days[0].Status != exports.StatusPending {
		t.Fatalf("run chosen: %+v %v", rr, err)
	}
	e.run()
	if len(e.booked()) != 4 {
		t.Fatalf("booked %d", len(e.booked()))
	}
}

// Re-running a booked day books nothing: the provider finds the voucher.
func TestRerunOfBookedDay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.record(receipt("r1", "loc_1", "2026-04-01", 1000))
	e.close("loc_1", "2026-04-01")
	e.run()
	// A plain run of the range leaves succeeded days alone.
	if rr, err := e.svc.Run(ctx, admin, exports.RunRequest{From: "2026-04-01", To: "2026-04-01"}); err != nil || rr.Queued != 0 {
		t.Fatalf("range run: %+v %v", rr, err)
	}
	rr, err := e.svc.Run(ctx, accountant, exports.RunRequest{From: "2026-04-01", To: "2026-04-01",
		Days: []exports.DayKey{{LocationID: "loc_1", BusinessDate: "2026-04-01"}}})
	if err != nil || rr.Queued != 1 || rr.Days[0].Status != exports.StatusPending || rr.Days[0].ProviderRef != "1" {
		t.Fatalf("chosen run: %+v %v", rr, err)
	}
	if vs, _ := e.store.ExportedVouchers(ctx, merchantID, "2026-04-01", "2026-04-01"); len(vs) != 1 {
		t.Fatal("a re-queued booked day left the SIE export")
	}
	e.run()
	d := e.day("loc_1", "2026-04-01")
	if d.Status != exports.StatusSucceeded || !strings.HasPrefix(d.Message, "already booked in sie as 1") || len(e.booked()) != 1 || e.prov.totalCalls() != 2 {
		t.Fatalf("after re-run: %+v, %d calls", d, e.prov.totalCalls())
	}
}

func TestRunRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.record(receipt("r1", "loc_1", "2026-04-01", 1000))
	for _, tc := range []struct {
		name   string
		req    exports.RunRequest
		code   core.ErrorCode
		fields []string
	}{
		{"no range", exports.RunRequest{}, core.CodeInvalid, []string{"from", "to"}},
		{"reversed", exports.RunRequest{From: "2026-04-02", To: "2026-04-01"}, core.CodeInvalid, []string{"to"}},
		{"too long", exports.RunRequest{From: "2024-01-01", To: "2026-04-01"}, core.CodeInvalid, []string{"to"}},
		{"day outside", exports.RunRequest{From: "2026-04-01", To: "2026-04-01",
			Days: []exports.DayKey{{LocationID: "", BusinessDate: "2026-04-02"}}}, core.CodeInvalid,
			[]string{"days[0].location_id", "days[0].business_date"}},
		{"location too long", exports.RunRequest{From: "2026-04-01", To: "2026-04-01",
			Days: []exports.DayKey{{LocationID: strings.Repeat("l", core.MaxIDLength+1), BusinessDate: "2026-04-01"}}}, core.CodeInvalid,
			[]string{"days[0].location_id"}},
		{"location with a control character", exports.RunRequest{From: "2026-04-01", To: "2026-04-01",
			Days: []exports.DayKey{{LocationID: "loc\x00", BusinessDate: "2026-04-01"}}}, core.CodeInvalid,
			[]string{"days[0].location_id"}},
		{"run location too long", exports.RunRequest{From: "2026-04-01", To: "2026-04-01",
			LocationID: strings.Repeat("l", core.MaxIDLength+1)}, core.CodeInvalid, []string{"location_id"}},
		{"open day", exports.RunRequest{From: "2026-04-01", To: "2026-04-01",
			Days: []exports.DayKey{{LocationID: "loc_1", BusinessDate: "2026-04-01"}}}, core.CodeConflict, []string{"days[0]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Run(ctx, admin, tc.req)
			wantCode(t, err, tc.code, tc.fields...)
		})
	}
	_, err := e.svc.Run(ctx, cashier, exports.RunRequest{From: "2026-04-01", To: "2026-04-01"})
	wantCode(t, err, core.CodeForbidden)
	e.books.remove(merchantID)
	_, err = e.svc.Run(ctx, admin, exports.RunRequest{From: "2026-04-01", To: "2026-04-01"})
	wantCode(t, err, core.CodeConflict)
}

func TestListPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, loc := range []string{"loc_a", "loc_b", "loc_c"} {
		for i, d := range dates("2026-04-01", 4) {
			e.record(receipt(fmt.Sprintf("%s-%d", loc, i), loc, d, 1000))
		}
	}
	var got []string
	cursor := ""
	pages := 0
	for {
		page, err := e.svc.List(ctx, admin, exports.ListQuery{From: "2026-04-01", To: "2026-04-04", Limit: 5, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, d := range page.Days {
			got = append(got, string(d.BusinessDate)+" "+d.LocationID)
			if d.Status != exports.StatusOpen || d.Receipts != 1 || d.ExternalRef == "" || d.Currency != "SEK" {
				t.Errorf("row %+v", d)
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if pages != 3 || len(got) != 12 || got[0] != "2026-04-01 loc_a" || got[3] != "2026-04-02 loc_a" || got[11] != "2026-04-04 loc_c" {
		t.Fatalf("%d pages: %v", pages, got)
	}
	// The default range is the last 30 days up to today (2026-04-20).
	page, err := e.svc.List(ctx, accountant, exports.ListQuery{LocationID: "loc_b"})
	if err != nil || len(page.Days) != 4 {
		t.Fatalf("default range: %+v %v", page, err)
	}
	_, err = e.svc.List(ctx, admin, exports.ListQuery{From: "x", To: "2026-04-01", Limit: 501, Cursor: "!"})
	wantCode(t, err, core.CodeInvalid, "from", "limit", "cursor")
	_, err = e.svc.List(ctx, cashier, exports.ListQuery{})
	wantCode(t, err, core.CodeForbidden)
}

// Loop runs the engine when a day is closed, without waiting for its tick.
func TestLoopWakesOnClose(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		e.svc.Loop(ctx, time.Hour)
		close(done)
	}()
	e.record(receipt("r1", "loc_1", "2026-04-01", 1000))
	e.close("loc_1", "2026-04-01")
	deadline := time.Now().Add(5 * time.Second)
	for e.day("loc_1", "2026-04-01").Status != exports.StatusSucceeded {
		if time.Now().After(deadline) {
			t.Fatal("the loop did not export the closed day")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

// An integration disabled while a run books the merchant's backlog stops
// the run after the day in flight; the other days wait, days closed
// meanwhile too, and re-activation books each of them exactly once.
func TestDisabledIntegrationPausesTheRunAndResumesOnce(t *testing.T) {
	e := newEnv(t)
	e.opts.Workers = 1
	e.svc = e.newService(e.store)
	days := dates("2026-04-01", 4)
	for i, d := range days {
		e.record(receipt(fmt.Sprintf("r%d", i), "loc_1", d, 1000+int64(i)))
		e.close("loc_1", d)
	}
	target, _, _ := e.books.ActiveBookkeeping(context.Background(), merchantID)
	e.prov.setHook(func(_ context.Context, _ core.Connection, v core.Voucher, _ int) (core.ExportResult, error, bool) {
		// The administrator disables the integration while the first
		// day is being booked.
		e.books.remove(merchantID)
		return core.ExportResult{}, nil, false
	})
	res := e.run()
	if res.Claimed != 1 || res.Succeeded != 1 || res.Paused != 3 {
		t.Fatalf("run disabled during the first export: %+v", res)
	}
	e.prov.setHook(nil)
	for _, d := range days[1:] {
		if got := e.day("loc_1", d); got.Status != exports.StatusPending || got.Attempts != 0 || !strings.Contains(got.Message, "no active bookkeeping") {
			t.Fatalf("day %s while disabled: %+v", d, got)
		}
	}
	// While disabled: nothing runs; a day closed now is kept for later.
	e.record(receipt("r9", "loc_1", "2026-04-05", 900))
	e.close("loc_1", "2026-04-05")
	e.clock.Advance(time.Hour)
	if res := e.run(); res.Claimed != 0 || res.Queued != 0 {
		t.Fatalf("run while disabled: %+v", res)
	}
	if got := e.day("loc_1", "2026-04-05"); got.Status != exports.StatusNotScheduled {
		t.Fatalf("day closed while disabled: %+v", got)
	}
	// Activated again: every waiting day is booked, each once.
	e.books.set(merchantID, func(t *exports.BookkeepingTarget) { *t = target })
	if res := e.run(); res.Queued != 1 || res.Succeeded != 4 || res.Failed+res.Retrying+res.Lost != 0 {
		t.Fatalf("run after re-activation: %+v", res)
	}
	booked := e.booked()
	for _, d := range append(days, "2026-04-05") {
		ref := mapping.ExternalRef("loc_1", d)
		if len(booked[ref]) != 1 || e.prov.calls[ref] != 1 {
			t.Errorf("%s booked %d times in %d calls, want once", ref, len(booked[ref]), e.prov.calls[ref])
		}
		if got := e.day("loc_1", d); got.Status != exports.StatusSucceeded {
			t.Errorf("day %s = %+v", d, got)
		}
	}
}
