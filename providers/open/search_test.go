package open

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

func TestTrigrams(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"ab", nil},
		{"abc", []string{"abc"}},
		{"aaaa", []string{"aaa"}},
		{"åre ab", []string{"åre", "re ", "e a", " ab"}},
	}
	for _, tt := range tests {
		if got := trigramsOf(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("trigramsOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Padded, every substring of one or two characters starts a trigram.
	got := nameTrigrams("åb")
	if want := []string{"åb\x01", "b\x01\x01"}; !reflect.DeepEqual(got, want) {
		t.Errorf("nameTrigrams(åb) = %q, want %q", got, want)
	}
}

// indexState is every posting and count of merchant A, as sorted strings.
func indexState(t *testing.T, p *Provider) (postings, counts []string) {
	t.Helper()
	const key = `(SELECT merchant_key FROM search_merchants WHERE merchant_id = ?)`
	rows, err := p.db.Reader().Queryx(`SELECT trigram || '|' || name_lower || '|' || customer_id FROM customer_trigrams WHERE merchant_key = `+key, connA.MerchantID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		postings = append(postings, s)
	}
	rows.Close()
	if err := p.db.Reader().Select(&counts, `SELECT trigram || '|' || n FROM customer_trigram_counts WHERE merchant_key = `+key+` AND n > 0`, connA.MerchantID); err != nil {
		t.Fatal(err)
	}
	sort.Strings(postings)
	sort.Strings(counts)
	return postings, counts
}

// wantIndex is the index that the customers' current names call for.
func wantIndex(t *testing.T, p *Provider) (postings, counts []string) {
	t.Helper()
	var cs []struct {
		ID   string `db:"id"`
		Name string `db:"name_lower"`
	}
	if err := p.db.Reader().Select(&cs, `SELECT id, name_lower FROM customers WHERE merchant_id = ?`, connA.MerchantID); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, c := range cs {
		for _, g := range nameTrigrams(c.Name) {
			postings = append(postings, g+"|"+c.Name+"|"+c.ID)
			n[g]++
		}
	}
	for g, k := range n {
		counts = append(counts, g+"|"+strconv.Itoa(k))
	}
	sort.Strings(postings)
	sort.Strings(counts)
	return postings, counts
}

func assertIndex(t *testing.T, p *Provider) {
	t.Helper()
	gotP, gotC := indexState(t, p)
	wantP, wantC := wantIndex(t, p)
	if !reflect.DeepEqual(gotP, wantP) {
		t.Fatalf("postings:\n got %q\nwant %q", gotP, wantP)
	}
	if !reflect.DeepEqual(gotC, wantC) {
		t.Fatalf("counts:\n got %q\nwant %q", gotC, wantC)
	}
}

// TestTrigramIndexMaintained renames customers and checks that the index
// follows: postings of the new name only, counts equal to the postings,
// and searches that find the new name and not the old.
func TestTrigramIndexMaintained(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	a := mustCustomer(t, p, connA, invoiceable("Åkesson Bygg AB"))
	b := mustCustomer(t, p, connA, invoiceable("Bygg & Betong AB"))
	mustCustomer(t, p, connB, invoiceable("Åkesson Bygg AB"))
	assertIndex(t, p)
	for _, rename := range []struct {
		id, name string
	}{
		{a.ID, "Åkesson Måleri AB"}, // shares some trigrams with the old name
		{b.ID, "Zeta"},              // shares none
		{b.ID, "ZETA"},              // the same key: nothing to do
		{a.ID, "Xy"},                // shorter than a trigram
	} {
		if _, err := p.UpdateCustomer(ctx, connA, rename.id, core.CustomerPatch{Name: ptr(rename.name)}); err != nil {
			t.Fatal(err)
		}
		assertIndex(t, p)
	}
	// A patch without a name leaves the index alone.
	if _, err := p.UpdateCustomer(ctx, connA, a.ID, core.CustomerPatch{Email: ptr("x@example.com")}); err != nil {
		t.Fatal(err)
	}
	assertIndex(t, p)
	for q, want := range map[string]int{"bygg": 0, "åkesson": 0, "zet": 1, "xy": 1, "y": 1, "eta": 1, "ab": 0} {
		page, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Q: q})
		if err != nil || len(page.Customers) != want {
			t.Errorf("q=%q: %v, %v; want %d", q, names(page.Customers), err, want)
		}
	}
}

// TestShortQueryOrder: a one- or two-character query read from the postings
// of several trigrams (which are in trigram order) returns the names in
// name order, each once, and pages through them.
func TestShortQueryOrder(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	var want []string
	// Each name has "qz" before a different character, the early names
	// before late characters, and one has it twice.
	for _, n := range []string{"a qzz", "b qzy", "c qzx qzw", "d qz", "e aqzb", "f QZa", "ö qzå"} {
		want = append(want, mustCustomer(t, p, connA, invoiceable(n)).ID)
	}
	spaced := mustCustomer(t, p, connA, invoiceable("q z")).ID // has "z", not "qz"
	for _, q := range []string{"qz", "QZ", "z"} {
		want := want
		if q == "z" {
			want = append(append(append([]string{}, want[:6]...), spaced), want[6:]...)
		}
		for _, limit := range []int{50, 2} {
			var got []string
			cursor := ""
			for {
				page, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Q: q, Limit: limit, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Customers {
					got = append(got, c.ID)
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("q=%q limit %d: got %v, want %v", q, limit, got, want)
			}
		}
	}
}

// bruteForce is the search contract written directly: every customer of
// merchant A whose name key contains q's, whose organization number digits
// equal q's digits, or whose number is q, ordered by name key then id.
type bruteCustomer struct {
	ID        string `db:"id"`
	NameLower string `db:"name_lower"`
	OrgDigits string `db:"org_digits"`
	Number    int64  `db:"number"`
}

func bruteForce(all []bruteCustomer, q string) []string {
	text := strings.TrimSpace(q)
	key := normalizeName(text)
	digits := nordic.Digits(text)
	var out []bruteCustomer
	for _, c := range all {
		if strings.Contains(c.NameLower, key) || (digits != "" && c.OrgDigits == digits) || strconv.FormatInt(c.Number, 10) == text {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].NameLower != out[j].NameLower {
			return out[i].NameLower < out[j].NameLower
		}
		return out[i].ID < out[j].ID
	})
	ids := make([]string, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	return ids
}

// TestSearchMatchesBruteForce searches 100,000 customers the register's
// ways and pages through the results: every page equals the brute-force
// filter's.
func TestSearchMatchesBruteForce(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 customers")
	}
	p, _ := newProvider(t)
	ctx := context.Background()
	seedCustomers(t, p, 100_000)
	// Customers created the ordinary way, with the awkward names.
	for _, n := range []string{"Ab", "x", "Same", "same", "SAME", "Åre Ölkafé", "ÅRE", "Kvarn 6 AB", "aaaa", "Svea Bygg 9 Café"} {
		mustCustomer(t, p, connA, invoiceable(n))
	}
	mustCustomer(t, p, connB, invoiceable("Svea Bygg 1 AB"))
	var all []bruteCustomer
	if err := p.db.Reader().Select(&all, `SELECT id, name_lower, org_digits, number FROM customers WHERE merchant_id = ?`, connA.MerchantID); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"", "s", "S", "x", "å", "ö", "yg", "ky", "ab", "AB", "bygg", "svea bygg 9", benchName(77770), "zzzz",
		"550004-2424", "5500042424", "98765", "1", "12", "123", "6", " ab", "söner", "& s", "group", "ström",
		"bygg 1 ab", "same", "åre", "aaa", "aaaa", "9 café", "77770", "100001", "100010", "55", "gg 12",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			want := bruteForce(all, q)
			for _, limit := range []int{50, 7} {
				var got []string
				cursor := ""
				for pages := 0; pages < 3; pages++ {
					page, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Q: q, Limit: limit, Cursor: cursor})
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range page.Customers {
						got = append(got, c.ID)
					}
					wantN := min(len(want), (pages+1)*limit)
					if len(got) != wantN || !slices.Equal(got, want[:wantN]) {
						t.Fatalf("limit %d, page %d: %d results, want %d\n got %v\nwant %v", limit, pages, len(got), wantN,
							got[:min(len(got), 10)], want[:min(wantN, 10)])
					}
					if (page.NextCursor != "") != (len(want) > wantN) {
						t.Fatalf("limit %d, page %d: next cursor %q with %d of %d results", limit, pages, page.NextCursor, wantN, len(want))
					}
					if page.NextCursor == "" {
						break
					}
					cursor = page.NextCursor
				}
			}
		})
	}
}

// TestMigrationIndexesExistingCustomers opens a database of the first
// schema version, with customers and a credit invoice in it, under the
// current provider: the migration builds the same trigram index the
// provider maintains, and the credit names the credited number.
func TestMigrationIndexesExistingCustomers(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := fs.ReadFile(migrationFiles, "migrations/00001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "open.db"), fstest.MapFS{"00001_init.sql": {Data: first}})
	if err != nil {
		t.Fatal(err)
	}
	now := formatTime(newTestClock().Now())
	err = db.Write(ctx, func(tx *sqlx.Tx) error {
		for i, name := range []string{"Åkesson Bygg AB", "Ab", "x", "Ölkafé Ümlaut ß", "aaaa"} {
			if _, err := tx.Exec(`INSERT INTO customers (id, merchant_id, number, name, name_lower, active, invoicing_enabled,
				due_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1, 30, ?, ?)`,
				fmt.Sprintf("cus_%d", i), connA.MerchantID, i+1, name, normalizeName(name), now, now); err != nil {
				return err
			}
		}
		for _, inv := range []struct {
			id, kind, credits string
			number            int
		}{{"inv_1", "invoice", "", 7}, {"inv_2", "credit", "inv_1", 8}} {
			if _, err := tx.Exec(`INSERT INTO invoices (id, merchant_id, number, kind, status, invoice_date, due_date,
				customer_id, customer_name, currency, net_total, vat_total, total, credits_invoice_id, created_at)
				VALUES (?, ?, ?, ?, 'posted', '2026-01-20', '2026-01-20', 'cus_0', 'Åkesson Bygg AB', 'SEK', 0, 0, 0, ?, ?)`,
				inv.id, connA.MerchantID, inv.number, inv.kind, nullIfEmpty(inv.credits), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	p, err := Open(ctx, dir, newTestClock().Now)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	assertIndex(t, p)
	page, err := p.SearchCustomers(ctx, connA, core.CustomerQuery{Q: "BYGG"})
	if err != nil || len(page.Customers) != 1 || page.Customers[0].ID != "cus_0" {
		t.Fatalf("search after migration: %v, %v", names(page.Customers), err)
	}
	credit, err := p.GetInvoice(ctx, connA, "inv_2")
	if err != nil || credit.CreditsInvoiceNumber != 7 || credit.OCR != "" { // a credit invoice has no payment reference
		t.Fatalf("migrated credit: %+v, %v", credit, err)
	}
}
