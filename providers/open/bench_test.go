package open

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
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
			if _, err := stmt.Exec(id, connA.MerchantID, i, name, normalizeName(name), org, orgDigits(org), now, now); err != nil {
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
// customer number matches are index lookups; open orders and the invoice
// list by number are index ranges in order.
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
	byNumber := plan(`SELECT id FROM invoices WHERE merchant_id = ? ORDER BY number, id LIMIT ? OFFSET ?`, "m", 10, 0)
	if !strings.Contains(byNumber, "invoices_merchant_number_id") || strings.Contains(byNumber, "TEMP B-TREE") {
		t.Fatalf("the invoice list by number sorts:\n%s", byNumber)
	}
}
