package backoffice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// benchInvoices is how many invoices the page must stay fast with.
const benchInvoices = 10_000

// BenchmarkInvoicesPage measures the invoice list as a signed-in accountant
// reads it, over the real store and open provider holding 10,000 invoices
// (charged through the engine, 50 customers): the first page, a filtered
// and sorted page (customer by name, status, sort by total descending), a
// later page by cursor, and one invoice's page.
func BenchmarkInvoicesPage(b *testing.B) {
	ctx := context.Background()
	s := newStack(b)
	engine, admin := s.engine, s.admin()
	var customers []core.Customer
	for i := range 50 {
		cu, err := engine.CreateCustomer(ctx, admin, core.Customer{Name: fmt.Sprintf("Kund %02d AB", i), Active: true, InvoicingEnabled: true, DueDays: 30})
		if err != nil {
			b.Fatal(err)
		}
		customers = append(customers, cu)
	}
	start := time.Now()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < benchInvoices; i += workers {
				_, _, err := engine.Charge(ctx, admin, fmt.Sprintf("k%d", i), core.ChargeRequest{
					CustomerID: customers[i%len(customers)].ID, LocationID: "loc-1", ReceiptID: fmt.Sprintf("r%d", i),
					Lines: []core.LineInput{{Description: "Lunch", ProductGroup: "food", Quantity: decimal.NewFromInt(1),
						UnitPrice: int64(1000 + i%997), VATRate: decimal.NewFromInt(12)}},
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.Logf("%d invoices charged through the engine in %s", benchInvoices, time.Since(start).Round(time.Millisecond))

	c := s.signedIn("accountant@a.example")
	get := func(b *testing.B, path string) string { return c.in(b).must(path, http.StatusOK).body }

	first := get(b, "/backoffice/invoices")
	if n := len(invRows(first)); n != invoicePageSize {
		b.Fatalf("first page lists %d invoices", n)
	}
	next := strings.ReplaceAll(strings.SplitN(strings.SplitN(first, `" rel="next"`, 2)[0], `<a href="`, -1)[len(strings.SplitN(strings.SplitN(first, `" rel="next"`, 2)[0], `<a href="`, -1))-1], "&amp;", "&")
	filtered := "/backoffice/invoices?" + url.Values{"customer": {"Kund 07 AB"}, "status": {"posted"}, "sort": {"total"}, "order": {"desc"}}.Encode()
	if n := len(invRows(get(b, filtered))); n != invoicePageSize {
		b.Fatalf("filtered page lists %d invoices", n)
	}
	page, err := engine.ListInvoices(ctx, admin, core.InvoiceQuery{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"first_page", "/backoffice/invoices"},
		{"customer_status_sorted_by_total", filtered},
		{"sorted_by_customer_desc", "/backoffice/invoices?sort=customer&order=desc"},
		{"second_page", next},
		{"one_invoice", "/backoffice/invoices/" + page.Invoices[0].ID},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				get(b, bc.path)
			}
		})
	}
}
