package backoffice

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
	"github.com/ledgerbridge/ledgerbridge/store"
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
	dir := b.TempDir()
	st, err := store.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	prov, err := open.Open(ctx, dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer prov.Close()
	sieProv, err := sie.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer sieProv.Close()
	reg := registry{open.Name: prov, sie.Name: sieProv}
	engine := core.NewEngine(st, reg, nil)
	sealer, err := integrations.NewSealer(bytes.Repeat([]byte{7}, integrations.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	svc := integrations.NewService(st, reg, sealer, nil)
	ex := exports.New(st, st, booksOf{svc}, reg, exports.Options{})
	pages := New(engine, Options{Integrations: svc, Exports: ex})
	srv := httptest.NewServer(httpapi.New(engine, httpapi.Options{Integrations: svc, Exports: ex, BackOffice: pages}))
	defer srv.Close()

	cm, err := engine.CreateMerchant(ctx, core.NewMerchant{Name: "Kafé Alfa AB", Country: core.Sweden, InvoiceStartNumber: 1001})
	if err != nil {
		b.Fatal(err)
	}
	admin, err := engine.Authenticate(ctx, cm.APIKeys[core.RoleAdmin])
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := engine.CreateUser(ctx, admin, core.NewUser{Email: "accountant@a.example", Role: core.RoleAccountant, Password: testPassword}); err != nil {
		b.Fatal(err)
	}
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

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(b *testing.B, path string) string {
		resp, err := hc.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return string(body)
	}
	login := get(b, "/backoffice/login")
	tok := csrfInput.FindStringSubmatch(login)
	if tok == nil {
		b.Fatal("no sign-in token")
	}
	resp, err := hc.PostForm(srv.URL+"/backoffice/login", url.Values{"email": {"accountant@a.example"}, "password": {testPassword}, csrfField: {tok[1]}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %v %v", resp, err)
	}
	resp.Body.Close()

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
