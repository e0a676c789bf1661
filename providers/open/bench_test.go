package open

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
)

var (
	benchFirst  = []string{"Nordic", "Svea", "Fjäll", "Göta", "Björk", "Havs", "Sol", "Ek", "Ström", "Berg", "Lund", "Dal"}
	benchSecond = []string{"Bygg", "Café", "Konsult", "Transport", "Data", "Måleri", "Bageri", "Handel", "Städ", "El", "Rör", "Frisör", "Bil"}
	benchForm   = []string{"AB", "HB", "KB", "Aktiebolag", "& Söner", "Group"}
)

func benchName(i int) string {
	return fmt.Sprintf("%s %s %d %s", benchFirst[i%len(benchFirst)], benchSecond[(i/len(benchFirst))%len(benchSecond)],
		i, benchForm[i%len(benchForm)])
}

// seedCustomers inserts n customers for merchant A in one transaction, with
// names like "Svea Bygg 123 AB" and distinct organization numbers, and
// their trigram postings and counts as CreateCustomer would write them.
func seedCustomers(tb testing.TB, p *Provider, n int) {
	tb.Helper()
	now := formatTime(p.nowUTC())
	err := p.db.Write(context.Background(), func(tx *sqlx.Tx) error {
		stmt, err := tx.Preparex(`INSERT INTO customers (id, merchant_id, number, name, name_lower, organization_number,
			org_digits, active, invoicing_enabled, due_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, 30, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		// Postings in key order: appending to the index is much faster
		// than inserting all over it.
		type post struct{ trigram, name, id string }
		var posts []post
		counts := map[string]int{}
		for i := 1; i <= n; i++ {
			name := benchName(i)
			org := fmt.Sprintf("55%04d-%04d", i/10000, i%10000)
			id := core.NewID("cus")
			if _, err := stmt.Exec(id, connA.MerchantID, i, name, normalizeName(name), org, nordic.Digits(org), now, now); err != nil {
				return err
			}
			for _, g := range nameTrigrams(normalizeName(name)) {
				posts = append(posts, post{g, normalizeName(name), id})
				counts[g]++
			}
		}
		sort.Slice(posts, func(i, j int) bool {
			a, b := posts[i], posts[j]
			if a.trigram != b.trigram {
				return a.trigram < b.trigram
			}
			if a.name != b.name {
				return a.name < b.name
			}
			return a.id < b.id
		})
		if _, err := tx.Exec(`INSERT INTO search_merchants (merchant_id) VALUES (?) ON CONFLICT DO NOTHING`, connA.MerchantID); err != nil {
			return err
		}
		var mkey int64
		if err := tx.Get(&mkey, `SELECT merchant_key FROM search_merchants WHERE merchant_id = ?`, connA.MerchantID); err != nil {
			return err
		}
		const batch = 200 // rows per INSERT: fewer calls into SQLite
		for len(posts) > 0 {
			k := min(batch, len(posts))
			args := make([]any, 0, 4*k)
			for _, x := range posts[:k] {
				args = append(args, mkey, x.trigram, x.name, x.id)
			}
			q := `INSERT INTO customer_trigrams (merchant_key, trigram, name_lower, customer_id) VALUES (?, ?, ?, ?)` +
				strings.Repeat(`, (?, ?, ?, ?)`, k-1)
			if _, err := tx.Exec(q, args...); err != nil {
				return err
			}
			posts = posts[k:]
		}
		for g, c := range counts {
			if _, err := tx.Exec(`INSERT INTO customer_trigram_counts (merchant_key, trigram, n) VALUES (?, ?, ?)
				ON CONFLICT (merchant_key, trigram) DO UPDATE SET n = n + excluded.n`, mkey, g, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSearchCustomers searches 100,000 customers of one merchant the
// ways the register does.
func BenchmarkSearchCustomers(b *testing.B) {
	p, _ := newProvider(b)
	const n = 100_000
	seedCustomers(b, p, n)
	ctx := context.Background()
	first, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Limit: 50})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name    string
		q       core.CustomerQuery
		atLeast int
	}{
		{"list", core.CustomerQuery{Limit: 50}, 50},
		{"list page 2", core.CustomerQuery{Limit: 50, Cursor: first.NextCursor}, 50},
		{"common substring", core.CustomerQuery{Q: "bygg", Limit: 50}, 50},
		{"rare substring", core.CustomerQuery{Q: "svea bygg 9", Limit: 50}, 1},
		{"unique name", core.CustomerQuery{Q: benchName(77770), Limit: 50}, 1},
		{"no match", core.CustomerQuery{Q: "zzzz", Limit: 50}, 0},
		{"org number", core.CustomerQuery{Q: "550004-2424", Limit: 50}, 1},
		{"customer number", core.CustomerQuery{Q: "98765", Limit: 50}, 1},
		{"one character", core.CustomerQuery{Q: "s", Limit: 50}, 50},
		{"two characters", core.CustomerQuery{Q: "yg", Limit: 50}, 50},
		{"rare two characters", core.CustomerQuery{Q: "ky", Limit: 50}, 0},
		{"three characters", core.CustomerQuery{Q: "söt", Limit: 50}, 0},
		{"common trigrams, rare whole", core.CustomerQuery{Q: "bygg 1 ab", Limit: 50}, 0},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				page, err := p.SearchCustomers(ctx, connA, c.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Customers) < c.atLeast {
					b.Fatalf("%d results, want at least %d", len(page.Customers), c.atLeast)
				}
			}
		})
	}
}

// BenchmarkCreateInvoice measures the register's hot path: invoice
// creation with three priced lines, one caller at a time and with 16
// concurrent callers per core (as behind an HTTP server).
func BenchmarkCreateInvoice(b *testing.B) {
	b.Run("serial", func(b *testing.B) { benchCreateInvoice(b, 0) })
	b.Run("parallel", func(b *testing.B) { benchCreateInvoice(b, 16) })
}

func benchCreateInvoice(b *testing.B, parallelism int) {
	p, _ := newProvider(b)
	ctx := context.Background()
	c := mustCustomer(b, p, connA, invoiceable("Hot Path AB"))
	base := request("", c.ID, "2026-01-20",
		lineIn("Coffee", "2", 3500, "6"), lineIn("Lunch", "1", 12900, "12"), lineIn("Wine", "0.5", 39900, "25"))
	var seq atomic.Int64
	b.ResetTimer()
	if parallelism == 0 {
		for b.Loop() {
			req := base
			req.ExternalRef = "ch_" + strconv.FormatInt(seq.Add(1), 10)
			if _, err := p.CreateInvoice(ctx, connA, req); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism(parallelism)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := base
			req.ExternalRef = "ch_" + strconv.FormatInt(seq.Add(1), 10)
			if _, err := p.CreateInvoice(ctx, connA, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestSearchPlans guards the plans the benchmarks rely on: the name walk
// follows the (merchant, name) index in order instead of sorting, the
// trigram search walks one posting list in order, the organization and
// customer number matches are index lookups; a customer's orders (open or
// all), open orders and the invoice list by number are index ranges in
// order.
func TestSearchPlans(t *testing.T) {
	p, _ := newProvider(t)
	plan := func(query string, args ...any) string {
		rows, err := p.db.Reader().Queryx("EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			out += detail + "\n"
		}
		return out
	}
	name := plan(`SELECT `+customerColumns+` FROM customers WHERE merchant_id = ? AND instr(name_lower, ?) > 0
		AND (name_lower, id) > (?, ?) ORDER BY name_lower, id LIMIT ?`, "m", "x", "", "", 10)
	if !strings.Contains(name, "customers_merchant_name") || strings.Contains(name, "TEMP B-TREE") {
		t.Fatalf("name search does not walk customers_merchant_name in order:\n%s", name)
	}
	ids := plan(`SELECT `+customerColumns+` FROM customers INDEXED BY customers_merchant_org WHERE merchant_id = ? AND org_digits = ?
		UNION SELECT `+customerColumns+` FROM customers INDEXED BY customers_merchant_number WHERE merchant_id = ? AND number = ?
		ORDER BY name_lower, id LIMIT ?`, "m", "1", "m", 1, 10)
	if !strings.Contains(ids, "customers_merchant_org") || !strings.Contains(ids, "customers_merchant_number") {
		t.Fatalf("number lookups do not use their indexes:\n%s", ids)
	}
	walk := plan(`SELECT `+customerColumnsC+` FROM customer_trigrams t CROSS JOIN customers c ON c.id = t.customer_id
		WHERE t.merchant_key = ? AND t.trigram = ? AND instr(t.name_lower, ?) > 0 AND (t.name_lower, t.customer_id) > (?, ?)
		AND c.merchant_id = ? ORDER BY t.name_lower, t.customer_id LIMIT ?`, 1, "abc", "abcd", "", "", "m", 10)
	if !strings.Contains(walk, "SEARCH t USING PRIMARY KEY (merchant_key=? AND trigram=? AND (name_lower,customer_id)>(?,?))") ||
		!strings.Contains(walk, "SEARCH c USING INDEX sqlite_autoindex_customers_1 (id=?)") || strings.Contains(walk, "TEMP B-TREE") {
		t.Fatalf("trigram search does not walk one posting list in order:\n%s", walk)
	}
	open := plan(`SELECT o.seq FROM orders o WHERE o.merchant_id = ? AND o.customer_id = ? AND o.status = 'open' ORDER BY o.seq`, "m", "c")
	if !strings.Contains(open, "orders_merchant_customer") || strings.Contains(open, "TEMP B-TREE") {
		t.Fatalf("open orders are not an index range in order:\n%s", open)
	}
	// With a status or without, a customer's orders are one index range in
	// arrival order, never a walk over all the merchant's orders.
	for _, c := range []struct{ filter, index string }{
		{"", "orders_merchant_customer_seq (merchant_id=? AND customer_id=?)"},
		{" AND o.status = ?", "orders_merchant_customer (merchant_id=? AND customer_id=? AND status=?)"},
	} {
		args := []any{"m", "c"}
		if c.filter != "" {
			args = append(args, "open")
		}
		mine := plan(`SELECT `+orderColumns+` FROM orders o WHERE o.merchant_id = ? AND o.customer_id = ?`+c.filter+`
			ORDER BY o.seq LIMIT ?`, append(args, 51)...)
		if !strings.Contains(mine, c.index) || strings.Contains(mine, "TEMP B-TREE") {
			t.Fatalf("a customer's orders (filter %q) are not a range of %s in order:\n%s", c.filter, c.index, mine)
		}
	}
	byNumber := plan(`SELECT id FROM invoices WHERE merchant_id = ? ORDER BY number, id LIMIT ? OFFSET ?`, "m", 10, 0)
	if !strings.Contains(byNumber, "invoices_merchant_number_id") || strings.Contains(byNumber, "TEMP B-TREE") {
		t.Fatalf("the invoice list by number sorts:\n%s", byNumber)
	}
}

// Volume benchmarks: posting 100,000 invoices, and the collective
// invoices of 10,000 customers with 100,000 collected orders, through the
// provider API. One op is a whole run on a fresh database, so run them
// once:
//
//	go test -run x -bench 'Post100k|Collective10k' -benchtime 1x ./providers/open
//
// They take minutes and are skipped with -short. Each checks its outcome
// once (a contiguous series, every order invoiced exactly once); the same
// helpers run at a small size in TestVolumeHelpers.

const (
	volumeInvoices            = 100_000
	volumeInvoiceCustomers    = 1_000
	volumeClients             = 16 // concurrent callers, as behind the HTTP server
	volumeCollectiveCustomers = 10_000
	volumeOrdersPerCustomer   = 10
	volumeInvoiceDate         = core.Date("2026-11-21")
	volumeCollectiveDate      = core.Date("2026-11-25")
)

// inParallel calls fn(i) for every i in [0, n) from workers goroutines and
// returns the first error; after an error no new calls start.
func inParallel(n, workers int, fn func(i int) error) error {
	var (
		next   atomic.Int64
		failed atomic.Bool
		mu     sync.Mutex
		first  error
		wg     sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// volumeCustomers creates n invoiceable customers of conn's merchant through
// CreateCustomer, from volumeClients goroutines; collective customers have
// collective invoicing on the 25th. ids[i] is the customer named
// benchName(i+1).
func volumeCustomers(p *Provider, conn core.Connection, n int, collective bool) ([]string, error) {
	ids := make([]string, n)
	err := inParallel(n, volumeClients, func(i int) error {
		c := invoiceable(benchName(i + 1))
		c.OrganizationNumber = fmt.Sprintf("55%04d-%04d", i/10000, i%10000)
		if collective {
			c.CollectiveInvoicing = core.CollectiveInvoicing{Enabled: true, DayOfMonth: 25}
		}
		out, err := p.CreateCustomer(context.Background(), conn, c)
		ids[i] = out.ID
		return err
	})
	return ids, err
}

// volumeRequest is purchase i: three lines at 6, 12 and 25 % VAT priced by
// core.PriceLines like the engine does, with quantities that vary with i.
func volumeRequest(ref, customerID string, date core.Date, i int) core.InvoiceRequest {
	pl := core.PriceLines([]core.LineInput{
		lineIn("Coffee", strconv.Itoa(1+i%4), 3500, "6"),
		lineIn("Lunch", "1", 12900+int64(i%7)*100, "12"),
		lineIn("Wine", []string{"0.5", "1", "1.5"}[i%3], 39900, "25"),
	}, true)
	return core.InvoiceRequest{
		ExternalRef: ref, CustomerID: customerID, InvoiceDate: date, Currency: "SEK",
		Reference: "PO-" + strconv.Itoa(i%50), LocationID: "loc_1", ReceiptID: "rcp_" + ref,
		Lines: pl.Lines, VATBreakdown: pl.Breakdown, NetTotal: pl.Net, VATTotal: pl.VAT, Total: pl.Total,
	}
}

// postVolume posts n invoices spread over customers from workers
// goroutines, each with CreateInvoice, or with drafts as a draft that
// PostInvoice then posts. It returns each invoice's number.
func postVolume(p *Provider, conn core.Connection, customers []string, n, workers int, drafts bool) ([]int64, error) {
	ctx := context.Background()
	numbers := make([]int64, n)
	err := inParallel(n, workers, func(i int) error {
		req := volumeRequest("ch_"+strconv.Itoa(i), customers[i%len(customers)], volumeInvoiceDate, i)
		req.Draft = drafts
		inv, err := p.CreateInvoice(ctx, conn, req)
		if err != nil {
			return err
		}
		if drafts {
			if inv.Status != core.StatusDraft || inv.Number != 0 {
				return fmt.Errorf("draft %d is %s #%d", i, inv.Status, inv.Number)
			}
			if inv, err = p.PostInvoice(ctx, conn, inv.ID, volumeInvoiceDate); err != nil {
				return err
			}
		}
		if inv.Status != core.StatusPosted || inv.Total != req.Total {
			return fmt.Errorf("invoice %d is %s with total %d, want posted with %d", i, inv.Status, inv.Total, req.Total)
		}
		numbers[i] = inv.Number
		return nil
	})
	return numbers, err
}

// checkSeries checks that numbers, as returned to the callers, are exactly
// 1..len(numbers), and that the merchant's stored invoices are those, all
// posted.
func checkSeries(p *Provider, conn core.Connection, numbers []int64) error {
	n := int64(len(numbers))
	seen := make([]bool, n+1)
	for i, k := range numbers {
		if k < 1 || k > n || seen[k] {
			return fmt.Errorf("call %d got number %d: not a fresh number in 1..%d", i, k, n)
		}
		seen[k] = true
	}
	var st struct {
		Count    int64 `db:"count"`
		Min      int64 `db:"lo"`
		Max      int64 `db:"hi"`
		Unposted int64 `db:"unposted"`
	}
	err := p.db.Reader().Get(&st, `SELECT count(*) AS count, COALESCE(min(number), 0) AS lo, COALESCE(max(number), 0) AS hi,
		COALESCE(sum(status <> 'posted' OR number = 0), 0) AS unposted FROM invoices WHERE merchant_id = ?`, conn.MerchantID)
	if err != nil {
		return err
	}
	if st.Count != n || st.Min != 1 || st.Max != n || st.Unposted != 0 {
		return fmt.Errorf("stored: %d invoices numbered %d..%d, %d not posted; want %d numbered 1..%d, all posted",
			st.Count, st.Min, st.Max, st.Unposted, n, n)
	}
	return nil
}

// BenchmarkPost100kInvoices posts 100,000 invoices with three priced lines
// for 1,000 customers from 16 concurrent callers, directly (CreateInvoice)
// and as drafts that are then posted (CreateInvoice with Draft, then
// PostInvoice), and checks that the series is 1..100000 without a gap.
func BenchmarkPost100kInvoices(b *testing.B) {
	if testing.Short() {
		b.Skip("volume benchmark")
	}
	b.Run("create", func(b *testing.B) { benchPostVolume(b, false) })
	b.Run("draft then post", func(b *testing.B) { benchPostVolume(b, true) })
}

func benchPostVolume(b *testing.B, drafts bool) {
	for range b.N {
		b.StopTimer()
		p, err := Open(context.Background(), b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		customers, err := volumeCustomers(p, connA, volumeInvoiceCustomers, false)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		numbers, err := postVolume(p, connA, customers, volumeInvoices, volumeClients, drafts)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if err := checkSeries(p, connA, numbers); err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
	b.ReportMetric(float64(b.N*volumeInvoices)/b.Elapsed().Seconds(), "invoices/s")
}

// collectVolume stores perCustomer open orders for each customer through
// CreateOrder from volumeClients goroutines, the customers' purchases
// interleaved and dated over the first 20 days of November 2026.
func collectVolume(p *Provider, conn core.Connection, customers []string, perCustomer int) error {
	ctx := context.Background()
	return inParallel(len(customers)*perCustomer, volumeClients, func(i int) error {
		day := 1 + (i/len(customers))*20/perCustomer
		date := core.Date(fmt.Sprintf("2026-11-%02d", day))
		o, err := p.CreateOrder(ctx, conn, volumeRequest("ord_"+strconv.Itoa(i), customers[i%len(customers)], date, i))
		if err == nil && o.Status != core.OrderOpen {
			err = fmt.Errorf("order %d is %s", i, o.Status)
		}
		return err
	})
}

// invoiceCollectedVolume makes the collective invoice of every customer
// with one InvoiceOrders call each under the month's reference, as the
// gateway's collective run does, from workers goroutines. With scheduler it
// also makes the provider calls that core.Engine.RunCollectiveInvoicing
// makes around them: one listing of every open order, and per customer
// GetCustomer and a listing of its open orders. It returns the invoice of
// customers[i] at i.
func invoiceCollectedVolume(p *Provider, conn core.Connection, customers []string, workers int, scheduler bool) ([]core.Invoice, error) {
	ctx := context.Background()
	if scheduler {
		q := core.OrderQuery{Status: core.OrderOpen, Limit: core.MaxListLimit}
		for {
			page, err := p.ListOrders(ctx, conn, q)
			if err != nil {
				return nil, err
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
	}
	invs := make([]core.Invoice, len(customers))
	err := inParallel(len(customers), workers, func(i int) error {
		id := customers[i]
		if scheduler {
			if _, err := p.GetCustomer(ctx, conn, id); err != nil {
				return err
			}
			page, err := p.ListOrders(ctx, conn, core.OrderQuery{CustomerID: id, Status: core.OrderOpen, Limit: core.MaxListLimit})
			if err != nil {
				return err
			}
			if len(page.Orders) == 0 {
				return fmt.Errorf("customer %d has no open orders", i)
			}
		}
		inv, err := p.InvoiceOrders(ctx, conn, core.CollectiveRequest{
			ExternalRef: "collective:" + id + ":month:" + string(volumeCollectiveDate)[:7],
			CustomerID:  id, BillToCustomerID: id, InvoiceDate: volumeCollectiveDate,
		})
		invs[i] = inv
		return err
	})
	return invs, err
}

// checkInvoicedOnce checks that invs (the invoice of customers[i] at i)
// list every one of the merchant's orders exactly once, perCustomer orders
// of their own customer each with all their lines, that the stored orders
// agree (none open, each invoiced by the invoice that lists it), and that
// the invoices are numbered 1..len(invs).
func checkInvoicedOnce(p *Provider, conn core.Connection, customers []string, invs []core.Invoice, perCustomer int) error {
	byOrder := make(map[string]string, len(customers)*perCustomer)
	numbers := make([]int64, len(invs))
	for i, inv := range invs {
		if inv.CustomerID != customers[i] || len(inv.OrderIDs) != perCustomer || len(inv.Lines) != 3*perCustomer {
			return fmt.Errorf("invoice of customer %d: customer %s, %d orders, %d lines; want %s, %d, %d",
				i, inv.CustomerID, len(inv.OrderIDs), len(inv.Lines), customers[i], perCustomer, 3*perCustomer)
		}
		for _, id := range inv.OrderIDs {
			if prev, ok := byOrder[id]; ok {
				return fmt.Errorf("order %s is on invoices %s and %s", id, prev, inv.ID)
			}
			byOrder[id] = inv.ID
		}
		numbers[i] = inv.Number
	}
	var stored []struct {
		ID        string `db:"id"`
		Status    string `db:"status"`
		InvoiceID string `db:"invoice_id"`
	}
	if err := p.db.Reader().Select(&stored, `SELECT id, status, COALESCE(invoice_id, '') AS invoice_id FROM orders
		WHERE merchant_id = ?`, conn.MerchantID); err != nil {
		return err
	}
	if len(stored) != len(byOrder) {
		return fmt.Errorf("%d orders stored, %d invoiced", len(stored), len(byOrder))
	}
	for _, o := range stored {
		if o.Status != core.OrderInvoiced || o.InvoiceID == "" || o.InvoiceID != byOrder[o.ID] {
			return fmt.Errorf("order %s is %s by %q; listed on %q", o.ID, o.Status, o.InvoiceID, byOrder[o.ID])
		}
	}
	return checkSeries(p, conn, numbers)
}

// BenchmarkCollective10kCustomers100kOrders makes the collective invoices
// of 10,000 customers with 10 open orders each (100,000 orders, 300,000
// lines): one InvoiceOrders per customer, sequentially as
// core.Engine.RunCollectiveInvoicing does today and from 4 workers, and
// sequentially with the scheduler's reads (see invoiceCollectedVolume).
// The customers and orders are made once, through the provider API, and
// every run starts from a copy of that database. Each run checks that
// every order was invoiced exactly once.
func BenchmarkCollective10kCustomers100kOrders(b *testing.B) {
	if testing.Short() {
		b.Skip("volume benchmark")
	}
	fixture := b.TempDir()
	p, err := Open(context.Background(), fixture, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	customers, err := volumeCustomers(p, connA, volumeCollectiveCustomers, true)
	if err != nil {
		b.Fatal(err)
	}
	made := time.Since(start)
	start = time.Now()
	if err := collectVolume(p, connA, customers, volumeOrdersPerCustomer); err != nil {
		b.Fatal(err)
	}
	collected := time.Since(start)
	b.Logf("set-up, %d clients: %d customers in %v (%.0f/s), %d orders in %v (%.0f/s)", volumeClients,
		len(customers), made.Round(time.Millisecond), float64(len(customers))/made.Seconds(),
		len(customers)*volumeOrdersPerCustomer, collected.Round(time.Millisecond),
		float64(len(customers)*volumeOrdersPerCustomer)/collected.Seconds())
	if err := p.Close(); err != nil { // checkpoints the WAL into open.db
		b.Fatal(err)
	}
	// Listing one customer's orders among the 100,000, as GET /v1/orders
	// does, before they are invoiced: one op lists those of 1,000
	// customers spread over the table.
	for _, bc := range []struct {
		name   string
		status string
	}{
		{"list a customer's orders", ""},
		{"list a customer's open orders", core.OrderOpen},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := openCopy(b, fixture)
			defer p.Close()
			ctx := context.Background()
			const listings = 1000
			for b.Loop() {
				for i := range listings {
					id := customers[i*7919%len(customers)] // 7919 is prime: all different
					page, err := p.ListOrders(ctx, connA, core.OrderQuery{CustomerID: id, Status: bc.status})
					if err != nil {
						b.Fatal(err)
					}
					if len(page.Orders) != volumeOrdersPerCustomer {
						b.Fatalf("%d orders, want %d", len(page.Orders), volumeOrdersPerCustomer)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*listings), "µs/listing")
		})
	}
	for _, bc := range []struct {
		name      string
		workers   int
		scheduler bool
	}{
		{"sequential", 1, false},
		{"4 workers", 4, false},
		{"sequential with scheduler reads", 1, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				p := openCopy(b, fixture)
				b.StartTimer()
				invs, err := invoiceCollectedVolume(p, connA, customers, bc.workers, bc.scheduler)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if err := checkInvoicedOnce(p, connA, customers, invs, volumeOrdersPerCustomer); err != nil {
					b.Fatal(err)
				}
				p.Close()
			}
			s := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N*len(customers))/s, "invoices/s")
			b.ReportMetric(float64(b.N*len(customers)*volumeOrdersPerCustomer)/s, "orders/s")
		})
	}
}

// openCopy opens a copy of the closed database in dir.
func openCopy(tb testing.TB, dir string) *Provider {
	tb.Helper()
	to := tb.TempDir()
	for _, name := range []string{"open.db", "open.db-wal"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) && name != "open.db" {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	p, err := Open(context.Background(), to, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestVolumeHelpers runs the volume benchmarks' steps at a small size, so
// plain go test covers them, and shows their checks catch a gap in the
// series and an order left open.
func TestVolumeHelpers(t *testing.T) {
	for _, drafts := range []bool{false, true} {
		p, _ := newProvider(t)
		customers, err := volumeCustomers(p, connA, 7, false)
		if err != nil {
			t.Fatal(err)
		}
		numbers, err := postVolume(p, connA, customers, 300, 8, drafts)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkSeries(p, connA, numbers); err != nil {
			t.Fatalf("drafts %v: %v", drafts, err)
		}
		numbers[5] = 301
		if checkSeries(p, connA, numbers) == nil {
			t.Fatal("checkSeries accepted a number past the series")
		}
	}

	p, _ := newProvider(t)
	customers, err := volumeCustomers(p, connA, 12, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := collectVolume(p, connA, customers, 3); err != nil {
		t.Fatal(err)
	}
	fixture := p.db.Path()
	p.Close()
	for _, workers := range []int{1, 4} {
		for _, scheduler := range []bool{false, true} {
			p := openCopy(t, filepath.Dir(fixture))
			invs, err := invoiceCollectedVolume(p, connA, customers, workers, scheduler)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkInvoicedOnce(p, connA, customers, invs, 3); err != nil {
				t.Fatalf("%d workers, scheduler %v: %v", workers, scheduler, err)
			}
			p.Close()
		}
	}
	// An order collected after the run is open: the check must notice.
	p = openCopy(t, filepath.Dir(fixture))
	defer p.Close()
	invs, err := invoiceCollectedVolume(p, connA, customers, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateOrder(context.Background(), connA, volumeRequest("late", customers[0], "2026-11-24", 0)); err != nil {
		t.Fatal(err)
	}
	if checkInvoicedOnce(p, connA, customers, invs, 3) == nil {
		t.Fatal("checkInvoicedOnce accepted an open order")
	}
}
