package open

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestCreateInvoiceFailureAfterNumbering makes some invoices fail after they
// took their number (a trigger refuses their lines), while they share
// transactions with good ones: each failure gives its number back, so the
// good invoices are numbered 1..n with no gap, and nothing of the failed
// ones is stored.
func TestCreateInvoiceFailureAfterNumbering(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	c := mustCustomer(t, p, connA, invoiceable("Trigger AB"))
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`CREATE TRIGGER explode BEFORE INSERT ON invoice_lines
			WHEN NEW.description = 'explode' BEGIN SELECT RAISE(ABORT, 'exploded'); END`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Hold the writer so the creates below queue up and run as groups.
	holding, release := make(chan struct{}), make(chan struct{})
	go p.db.Write(ctx, func(tx *sqlx.Tx) error {
		close(holding)
		<-release
		return nil
	})
	<-holding

	const calls = 30
	results := make([]core.Invoice, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			desc := "Bun"
			if i%3 == 1 {
				desc = "explode"
			}
			results[i], errs[i] = p.CreateInvoice(ctx, connA,
				request(fmt.Sprintf("ch_%d", i), c.ID, "2026-01-20", lineIn(desc, "1", 2900, "6")))
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them queue
	close(release)
	wg.Wait()

	numbers := map[int64]bool{}
	for i := range calls {
		if i%3 == 1 {
			if core.Code(errs[i]) != core.CodeInternal {
				t.Errorf("call %d: %v, want an internal error", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		numbers[results[i].Number] = true
	}
	good := int64(calls - calls/3)
	for n := int64(1); n <= good; n++ {
		if !numbers[n] {
			t.Fatalf("numbers %v: %d missing", numbers, n)
		}
	}
	var stored, lines int
	if err := p.db.Reader().Get(&stored, `SELECT count(*) FROM invoices`); err != nil || stored != int(good) {
		t.Fatalf("%d invoices stored, %v; want %d", stored, err, good)
	}
	if err := p.db.Reader().Get(&lines, `SELECT count(*) FROM invoice_lines`); err != nil || lines != int(good) {
		t.Fatalf("%d lines stored, %v; want %d", lines, err, good)
	}
	var next int64
	if err := p.db.Reader().Get(&next, `SELECT next_number FROM invoice_series`); err != nil || next != good+1 {
		t.Fatalf("series next = %d, %v; want %d", next, err, good+1)
	}
}
