package exports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/exports"
)

// BenchmarkExportYear exports a year of 20 locations (7,300 closed days) of
// realistic café receipts into the sie provider through the real store:
// each day is claimed, its receipts read and decoded, its voucher built,
// booked at the provider and recorded. Ingesting and closing the days is
// setup, outside the timer; its rate is reported as ingest-receipts/s.
// LEDGERBRIDGE_BENCH_RECEIPTS sets the receipts per location and day
// (default 20, i.e. 146,000 receipts; the issue's ~3M receipts is about
// 410).
func BenchmarkExportYear(b *testing.B) {
	perDay := 20
	if s := os.Getenv("LEDGERBRIDGE_BENCH_RECEIPTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("LEDGERBRIDGE_BENCH_RECEIPTS=%q", s)
		}
		perDay = n
	}
	const locations, days = 20, 365
	ctx := context.Background()
	var exported, ingested time.Duration
	var receipts int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		e.clock.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC))
		e.opts.Workers = 4
		e.svc = e.newService(e.store)
		e.books.set(merchantID, func(t *exports.BookkeepingTarget) { t.ExportStartDate = "2026-01-01" })
		start := time.Now()
		n := ingestYear(b, e, locations, days, perDay)
		ingested += time.Since(start)
		receipts += n
		b.StartTimer()
		start = time.Now()
		res, err := e.svc.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		exported += time.Since(start)
		b.StopTimer()
		if res.Succeeded != locations*days {
			b.Fatalf("exported %d days: %+v", res.Succeeded, res)
		}
	}
	b.ReportMetric(float64(receipts)/exported.Seconds(), "receipts/s")
	b.ReportMetric(float64(b.N*locations*days)/exported.Seconds(), "days/s")
	// The setup's rate, for comparison: RecordSale and CloseDay from 20
	// concurrent registers (one per location).
	b.ReportMetric(float64(receipts)/ingested.Seconds(), "ingest-receipts/s")
}

// ingestYear records perDay receipts for every location and day of 2026
// and closes each day; it returns the number of receipts.
func ingestYear(b *testing.B, e *env, locations, days, perDay int) int {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, locations)
	for l := range locations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(l), 7))
			loc := fmt.Sprintf("loc_%02d", l)
			for _, d := range dates("2026-01-01", days) {
				for _, r := range genReceipts(rng, loc, d, perDay) {
					if _, _, err := e.svc.RecordSale(ctx, cashier, r); err != nil {
						errs <- err
						return
					}
				}
				if _, err := e.svc.CloseDay(ctx, cashier, loc, d); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return locations * days * perDay
}
