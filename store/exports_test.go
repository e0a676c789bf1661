package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

func closeDays(t *testing.T, s *Store, queue bool, days ...exports.DayKey) {
	t.Helper()
	for _, d := range days {
		if _, err := s.CloseSalesDay(context.Background(), "mer_1", d, salesT0, queue); err != nil {
			t.Fatal(err)
		}
	}
}

func day(loc string, date core.Date) exports.DayKey {
	return exports.DayKey{LocationID: loc, BusinessDate: date}
}

func TestQueueClosedDays(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	closeDays(t, s, false, day("loc_1", "2026-03-30"), day("loc_1", "2026-04-01"), day("loc_2", "2026-04-01"))
	if _, _, err := s.SaveSalesReceipt(ctx, storedReceipt("r1", "loc_1", "2026-04-02", 100)); err != nil {
		t.Fatal(err)
	}
	ids, err := s.MerchantsWithUnqueuedDays(ctx)
	if err != nil || len(ids) != 1 || ids[0] != "mer_1" {
		t.Fatalf("merchants %v err=%v", ids, err)
	}
	n, err := s.QueueClosedDays(ctx, "mer_1", "2026-04-01", salesT0)
	if err != nil || n != 2 {
		t.Fatalf("queued %d err=%v", n, err)
	}
	if n, _ := s.QueueClosedDays(ctx, "mer_1", "2026-04-01", salesT0); n != 0 {
		t.Fatalf("queued again: %d", n)
	}
	// The day before the start date stays unscheduled, so the merchant is
	// still listed.
	if ids, _ := s.MerchantsWithUnqueuedDays(ctx); len(ids) != 1 {
		t.Fatalf("merchants %v", ids)
	}
	days, err := s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-03-01", To: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range days {
		got = append(got, fmt.Sprintf("%s %s %s", d.BusinessDate, d.LocationID, d.Status))
	}
	want := []string{"2026-03-30 loc_1 not_scheduled", "2026-04-01 loc_1 pending", "2026-04-01 loc_2 pending", "2026-04-02 loc_1 open"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("days\n got %v\nwant %v", got, want)
	}
	// Paging continues after a day.
	page, err := s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-03-01", To: "2026-04-30",
		After: &exports.DayKey{LocationID: "loc_1", BusinessDate: "2026-04-01"}, Limit: 1})
	if err != nil || len(page) != 1 || page[0].LocationID != "loc_2" {
		t.Fatalf("page %+v err=%v", page, err)
	}
	loc, err := s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-03-01", To: "2026-04-30", LocationID: "loc_2"})
	if err != nil || len(loc) != 1 {
		t.Fatalf("location filter %+v err=%v", loc, err)
	}
}

func TestClaimLeaseAndFinish(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	closeDays(t, s, true, day("loc_1", "2026-04-02"), day("loc_1", "2026-04-01"))
	lease := salesT0.Add(5 * time.Minute)
	j1, found, err := s.ClaimExportJob(ctx, "mer_1", salesT0, lease, "a")
	if err != nil || !found || j1.BusinessDate != "2026-04-01" || j1.Attempts != 1 || j1.Voucher != nil {
		t.Fatalf("claim 1: %+v %v %v", j1, found, err)
	}
	j2, found, err := s.ClaimExportJob(ctx, "mer_1", salesT0, lease, "b")
	if err != nil || !found || j2.BusinessDate != "2026-04-02" {
		t.Fatalf("claim 2: %+v %v %v", j2, found, err)
	}
	if _, found, _ := s.ClaimExportJob(ctx, "mer_1", salesT0, lease, "c"); found {
		t.Fatal("claimed a leased job")
	}
	if ids, _ := s.DueExportMerchants(ctx, salesT0); len(ids) != 0 {
		t.Fatalf("due merchants while leased: %v", ids)
	}
	v := &core.Voucher{ExternalRef: j1.ExternalRef, Date: j1.BusinessDate, Currency: "SEK",
		Postings: []core.Posting{{Account: "1910", Amount: 100}, {Account: "3001", Amount: -100, VATCode: "25"}}}
	ok, err := s.FinishExportJob(ctx, exports.JobUpdate{MerchantID: "mer_1", LocationID: "loc_1", BusinessDate: j1.BusinessDate,
		LeaseToken: "wrong", Status: exports.StatusSucceeded, Now: salesT0})
	if err != nil || ok {
		t.Fatalf("finish with a foreign token applied=%v err=%v", ok, err)
	}
	ok, err = s.FinishExportJob(ctx, exports.JobUpdate{MerchantID: "mer_1", LocationID: "loc_1", BusinessDate: j1.BusinessDate,
		LeaseToken: "a", Status: exports.StatusSucceeded, Message: "booked", ProviderRef: "7", Provider: "sie", Voucher: v, Now: salesT0})
	if err != nil || !ok {
		t.Fatalf("finish applied=%v err=%v", ok, err)
	}
	// Once the lease of j2 ends, it is due and claimed again with its
	// attempt counted.
	after := lease.Add(time.Second)
	if ids, _ := s.DueExportMerchants(ctx, after); len(ids) != 1 {
		t.Fatalf("due merchants after lease: %v", ids)
	}
	j2b, found, err := s.ClaimExportJob(ctx, "mer_1", after, after.Add(time.Minute), "d")
	if err != nil || !found || j2b.BusinessDate != "2026-04-02" || j2b.Attempts != 2 {
		t.Fatalf("reclaim: %+v %v %v", j2b, found, err)
	}
	// The first engine's late result is dropped.
	if ok, _ := s.FinishExportJob(ctx, exports.JobUpdate{MerchantID: "mer_1", LocationID: "loc_1", BusinessDate: "2026-04-02",
		LeaseToken: "b", Status: exports.StatusFailed, Now: after}); ok {
		t.Fatal("a lost lease finished the job")
	}
	// A retry keeps the voucher that may be booked; the next claim gets it.
	ok, err = s.FinishExportJob(ctx, exports.JobUpdate{MerchantID: "mer_1", LocationID: "loc_1", BusinessDate: "2026-04-02",
		LeaseToken: "d", Status: exports.StatusPending, Message: "retry", ErrorCode: core.CodeUnavailable,
		Voucher: &core.Voucher{ExternalRef: "x", Date: "2026-04-02", Currency: "SEK", Postings: v.Postings},
		DueAt:   after.Add(time.Minute), Now: after})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, found, _ := s.ClaimExportJob(ctx, "mer_1", after, after.Add(time.Minute), "e"); found {
		t.Fatal("claimed a job before its retry time")
	}
	j2c, found, err := s.ClaimExportJob(ctx, "mer_1", after.Add(time.Minute), after.Add(2*time.Minute), "f")
	if err != nil || !found || j2c.Voucher == nil || j2c.Voucher.ExternalRef != "x" || j2c.Attempts != 3 {
		t.Fatalf("claim after retry: %+v %v %v", j2c, found, err)
	}
	vs, err := s.ExportedVouchers(ctx, "mer_1", "2026-04-01", "2026-04-30")
	if err != nil || len(vs) != 1 || vs[0].ExternalRef != j1.ExternalRef || len(vs[0].Postings) != 2 {
		t.Fatalf("exported vouchers %+v err=%v", vs, err)
	}
	days, _ := s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-04-01", To: "2026-04-01"})
	if d := days[0]; d.Status != exports.StatusSucceeded || d.ProviderRef != "7" || d.Message != "booked" || d.Provider != "sie" {
		t.Fatalf("finished day %+v", d)
	}
	_, err = s.FinishExportJob(ctx, exports.JobUpdate{Status: "processing"})
	wantCode(t, err, core.CodeInvalid)
}

// Concurrent claims from two handles on one file (two processes) never get
// the same job.
func TestClaimConcurrent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openTest(t, dir)
	m, keys := testMerchant("mer_1", salesT0)
	if err := a.CreateMerchant(ctx, m, keys); err != nil {
		t.Fatal(err)
	}
	b := openTest(t, dir)
	const n = 40
	for i := range n {
		closeDays(t, a, true, day(fmt.Sprintf("loc_%02d", i), "2026-04-01"))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, found, err := s.ClaimExportJob(ctx, "mer_1", salesT0, salesT0.Add(time.Minute), core.NewID("lease"))
				if err != nil {
					t.Error(err)
					return
				}
				if !found {
					return
				}
				mu.Lock()
				seen[j.LocationID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct jobs, want %d", len(seen), n)
	}
	for loc, c := range seen {
		if c != 1 {
			t.Errorf("%s claimed %d times", loc, c)
		}
	}
}

func TestPauseExportJobs(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	closeDays(t, s, true, day("loc_1", "2026-04-01"), day("loc_1", "2026-04-02"))
	if _, found, _ := s.ClaimExportJob(ctx, "mer_1", salesT0, salesT0.Add(time.Minute), "a"); !found {
		t.Fatal("no claim")
	}
	// Before the lease ends only the pending job is paused.
	n, err := s.PauseExportJobs(ctx, "mer_1", salesT0, "paused")
	if err != nil || n != 1 {
		t.Fatalf("paused %d err=%v", n, err)
	}
	if n, _ := s.PauseExportJobs(ctx, "mer_1", salesT0, "paused"); n != 0 {
		t.Fatalf("paused again: %d", n)
	}
	later := salesT0.Add(2 * time.Minute)
	if n, _ := s.PauseExportJobs(ctx, "mer_1", later, "paused"); n != 1 {
		t.Fatalf("expired lease not paused: %d", n)
	}
	days, _ := s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-04-01", To: "2026-04-02"})
	for _, d := range days {
		if d.Status != exports.StatusPending || d.Message != "paused" {
			t.Errorf("day %+v", d)
		}
	}
}

func TestRequeueExportJobs(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	closeDays(t, s, true, day("loc_1", "2026-04-01"), day("loc_1", "2026-04-02"), day("loc_1", "2026-04-03"))
	closeDays(t, s, false, day("loc_1", "2026-03-31"), day("loc_1", "2026-04-04"))
	if _, _, err := s.SaveSalesReceipt(ctx, storedReceipt("r1", "loc_1", "2026-04-05", 100)); err != nil {
		t.Fatal(err)
	}
	finish := func(status string) {
		t.Helper()
		j, found, err := s.ClaimExportJob(ctx, "mer_1", salesT0, salesT0.Add(time.Minute), "tok-"+status)
		if err != nil || !found {
			t.Fatal(found, err)
		}
		u := exports.JobUpdate{MerchantID: "mer_1", LocationID: j.LocationID, BusinessDate: j.BusinessDate,
			LeaseToken: j.LeaseToken, Status: status, Message: status, Now: salesT0}
		if status == exports.StatusSucceeded {
			u.ProviderRef = "1"
		}
		if ok, err := s.FinishExportJob(ctx, u); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	finish(exports.StatusSucceeded) // 04-01
	finish(exports.StatusFailed)    // 04-02
	// 04-03 stays pending; 03-31 and 04-04 are closed without jobs.
	now := salesT0.Add(time.Hour)
	// Another location's run leaves loc_1's days alone.
	if got, err := s.RequeueExportJobs(ctx, "mer_1", exports.Requeue{From: "2026-03-01", To: "2026-04-30", StartDate: "2026-04-01",
		LocationID: "loc_9", Now: now}); err != nil || len(got) != 0 {
		t.Fatalf("run of loc_9 re-queued %v, err=%v", got, err)
	}
	got, err := s.RequeueExportJobs(ctx, "mer_1", exports.Requeue{From: "2026-03-01", To: "2026-04-30", StartDate: "2026-04-01", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[{loc_1 2026-04-02} {loc_1 2026-04-03} {loc_1 2026-04-04}]" {
		t.Fatalf("re-queued %v", got)
	}
	days, _ := s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-03-01", To: "2026-04-30"})
	status := map[core.Date]string{}
	for _, d := range days {
		status[d.BusinessDate] = d.Status
		if d.BusinessDate == "2026-04-02" && (d.Attempts != 0 || d.Message != "re-queued by request") {
			t.Errorf("re-queued failed day %+v", d)
		}
	}
	want := map[core.Date]string{"2026-03-31": "not_scheduled", "2026-04-01": "succeeded", "2026-04-02": "pending",
		"2026-04-03": "pending", "2026-04-04": "pending", "2026-04-05": "open"}
	if fmt.Sprint(status) != fmt.Sprint(want) {
		t.Fatalf("statuses %v, want %v", status, want)
	}
	// Chosen days: a booked day and a day before the start date are
	// queued; an open day is a conflict and nothing changes.
	_, err = s.RequeueExportJobs(ctx, "mer_1", exports.Requeue{From: "2026-03-01", To: "2026-04-30", Now: now,
		Days: []exports.DayKey{day("loc_1", "2026-04-01"), day("loc_1", "2026-04-05"), day("loc_9", "2026-04-01")}})
	wantCode(t, err, core.CodeConflict)
	if f := core.AsError(err).Fields; len(f) != 2 || f[0].Field != "days[1]" || f[1].Field != "days[2]" {
		t.Fatalf("conflict fields %v", f)
	}
	got, err = s.RequeueExportJobs(ctx, "mer_1", exports.Requeue{From: "2026-03-01", To: "2026-04-30", Now: now,
		Days: []exports.DayKey{day("loc_1", "2026-04-01"), day("loc_1", "2026-03-31"), day("loc_1", "2026-04-01")}})
	if err != nil || fmt.Sprint(got) != "[{loc_1 2026-03-31} {loc_1 2026-04-01}]" {
		t.Fatalf("chosen: %v err=%v", got, err)
	}
	days, _ = s.ExportDays(ctx, "mer_1", exports.DayQuery{From: "2026-04-01", To: "2026-04-01"})
	if d := days[0]; d.Status != exports.StatusPending || d.ProviderRef != "1" {
		t.Fatalf("re-run of a booked day %+v", d)
	}
}

// TestExportJobStats: jobs are counted by status, every status present,
// and the oldest unfinished job (pending or processing) is found; finished
// ones do not count as waiting.
func TestExportJobStats(t *testing.T) {
	ctx := context.Background()
	s := salesStore(t)
	st, err := s.ExportJobStats(ctx)
	if err != nil || !st.OldestPending.IsZero() ||
		fmt.Sprint(st.ByStatus) != "map[failed:0 pending:0 processing:0 succeeded:0]" {
		t.Fatalf("empty: %+v, %v", st, err)
	}
	// Two jobs at salesT0, a third an hour later; the first is booked,
	// the second is being booked.
	closeDays(t, s, true, day("loc_1", "2026-04-01"), day("loc_2", "2026-04-01"))
	closeDays(t, s, false, day("loc_1", "2026-04-02"))
	if _, err := s.QueueClosedDays(ctx, "mer_1", "2026-04-01", salesT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	lease := salesT0.Add(5 * time.Minute)
	j, _, err := s.ClaimExportJob(ctx, "mer_1", salesT0, lease, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishExportJob(ctx, exports.JobUpdate{MerchantID: "mer_1", LocationID: j.LocationID,
		BusinessDate: j.BusinessDate, LeaseToken: "a", Status: exports.StatusSucceeded, Now: salesT0}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimExportJob(ctx, "mer_1", salesT0, lease, "b"); err != nil {
		t.Fatal(err)
	}
	st, err = s.ExportJobStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(st.ByStatus); got != "map[failed:0 pending:1 processing:1 succeeded:1]" {
		t.Errorf("by status %s", got)
	}
	if !st.OldestPending.Equal(salesT0) {
		t.Errorf("oldest pending created %s, want %s (the processing job)", st.OldestPending, salesT0)
	}
}
