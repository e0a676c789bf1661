package httpapi

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// invoiceFixture charges three customers on several dates and moves the
// clock to 2026-03-20, when the invoices of Beta (due in 10 days) and Gamma
// (15 days) are overdue and those of alfa (30 days) are not.
type invoiceFixture struct {
	s                 *testStack
	alfa, beta, gamma core.Customer
	byDate            map[string][]int64 // invoice date → numbers
}

func newInvoiceFixture(t *testing.T) invoiceFixture {
	s := newStack(t)
	f := invoiceFixture{s: s, byDate: map[string][]int64{}}
	f.alfa = s.createCustomer(s.a, `{"name":"alfa Catering","due_days":30}`)
	f.beta = s.createCustomer(s.a, `{"name":"Beta Bygg AB","due_days":10}`)
	f.gamma = s.createCustomer(s.a, `{"name":"Gamma Golf","due_days":15}`)
	charges := []struct {
		date  string
		cust  core.Customer
		price int64
	}{
		{"2026-03-01", f.beta, 30000},
		{"2026-03-02", f.alfa, 10000},
		{"2026-03-03", f.gamma, 50000},
		{"2026-03-05", f.alfa, 20000},
		{"2026-03-05", f.beta, 40000},
	}
	for i, c := range charges {
		s.clock.onDate(t, c.date)
		res := s.charge(s.a, fmt.Sprintf("inv-fixture-%d", i), chargeBody(c.cust.ID, c.price, fmt.Sprintf("r%d", i)))
		f.byDate[c.date] = append(f.byDate[c.date], res.Invoice.Number)
	}
	s.clock.onDate(t, "2026-03-20")
	return f
}

// list fetches every invoice of the query, following next_cursor.
func (f invoiceFixture) list(t *testing.T, query string) []core.Invoice {
	t.Helper()
	var out []core.Invoice
	path := "/v1/invoices?" + query
	for range 20 {
		r := f.s.run(t, scenario{name: "list", method: "GET", path: path, key: f.s.a.key(core.RoleAccountant), wantStatus: 200})
		var page listBody[core.Invoice]
		r.decode(t, &page)
		out = append(out, page.Data...)
		if page.NextCursor == "" {
			return out
		}
		path = "/v1/invoices?" + query + "&cursor=" + url.QueryEscape(page.NextCursor)
	}
	t.Fatalf("paging %s does not end", query)
	return nil
}

func numbers(invs []core.Invoice) []int64 {
	var out []int64
	for _, inv := range invs {
		out = append(out, inv.Number)
	}
	return out
}

func TestInvoiceDateFilter(t *testing.T) {
	f := newInvoiceFixture(t)
	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{1001, 1002, 1003, 1004, 1005}},
		{"from=2026-03-02&to=2026-03-03", []int64{1002, 1003}},
		{"from=2026-03-05", f.byDate["2026-03-05"]},
		{"to=2026-03-01", []int64{1001}},
		{"from=2026-03-05&to=2026-03-05", []int64{1004, 1005}},
		{"from=2026-03-04&to=2026-03-04", nil},
		{"from=2026-03-06", nil},
		{"status=overdue", []int64{1001, 1003, 1005}},
		{"status=posted", []int64{1002, 1004}},
		{"status=paid", nil},
		{"customer_id=" + f.alfa.ID, []int64{1002, 1004}},
		{"customer_id=" + f.beta.ID + "&from=2026-03-02", []int64{1005}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := numbers(f.list(t, tt.query))
			if !slices.Equal(got, tt.want) {
				t.Errorf("numbers %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInvoiceSort(t *testing.T) {
	f := newInvoiceFixture(t)
	keys := map[string]func(core.Invoice) any{
		"number":       func(i core.Invoice) any { return i.Number },
		"invoice_date": func(i core.Invoice) any { return string(i.InvoiceDate) },
		"due_date":     func(i core.Invoice) any { return string(i.DueDate) },
		"customer":     func(i core.Invoice) any { return strings.ToLower(i.CustomerName) },
		"total":        func(i core.Invoice) any { return i.Total },
		"status":       func(i core.Invoice) any { return string(i.Status) },
	}
	compare := func(a, b any) int {
		switch a := a.(type) {
		case int64:
			return cmp.Compare(a, b.(int64))
		case string:
			return cmp.Compare(a, b.(string))
		}
		panic("key type")
	}
	for _, col := range core.InvoiceSortColumns {
		key := keys[col]
		if key == nil {
			t.Fatalf("no sort key for column %s", col)
		}
		for _, order := range []string{"asc", "desc"} {
			t.Run(col+" "+order, func(t *testing.T) {
				all := f.list(t, "sort="+col+"&order="+order)
				paged := f.list(t, "sort="+col+"&order="+order+"&limit=2")
				if len(all) != 5 {
					t.Fatalf("%d invoices, want 5", len(all))
				}
				if !slices.Equal(numbers(all), numbers(paged)) {
					t.Errorf("paged order %v differs from one page %v", numbers(paged), numbers(all))
				}
				for i := 1; i < len(all); i++ {
					c := compare(key(all[i-1]), key(all[i]))
					if (order == "asc" && c > 0) || (order == "desc" && c < 0) {
						t.Errorf("%s %s: %v before %v (numbers %v)", col, order, key(all[i-1]), key(all[i]), numbers(all))
					}
				}
				first, last := key(all[0]), key(all[len(all)-1])
				if compare(first, last) == 0 {
					t.Errorf("fixture does not tell %s apart", col)
				}
			})
		}
	}
	if got := numbers(f.list(t, "")); !slices.Equal(got, []int64{1001, 1002, 1003, 1004, 1005}) {
		t.Errorf("default order %v", got)
	}
	if got := numbers(f.list(t, "sort=total&order=DESC")); !slices.Equal(got, []int64{1003, 1005, 1001, 1004, 1002}) {
		t.Errorf("total desc %v", got)
	}
}

func TestInvoiceQueryErrorsAndGet(t *testing.T) {
	f := newInvoiceFixture(t)
	s := f.s
	acct := s.a.key(core.RoleAccountant)
	runScenarios(t, s, []scenario{
		{name: "from not a date", method: "GET", path: "/v1/invoices?from=2026-13-01", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"from"`}},
		{name: "to in another format", method: "GET", path: "/v1/invoices?to=20%2F03%2F2026", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"to"`}},
		{name: "to before from", method: "GET", path: "/v1/invoices?from=2026-03-05&to=2026-03-01", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"to"`}},
		{name: "every bad parameter is named", method: "GET", path: "/v1/invoices?from=x&limit=abc&order=up", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"from"`, `"field":"limit"`, `"field":"order"`}},
		{name: "limit zero", method: "GET", path: "/v1/invoices?limit=0", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"limit"`}},
		{name: "unknown sort", method: "GET", path: "/v1/invoices?sort=colour", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"sort"`}},
		{name: "unknown status", method: "GET", path: "/v1/invoices?status=lost", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"status"`}},
		{name: "bad cursor", method: "GET", path: "/v1/invoices?cursor=nonsense", key: acct,
			wantStatus: 422, wantBody: []string{`"field":"cursor"`}},
		{name: "unknown invoice", method: "GET", path: "/v1/invoices/inv_nosuch", key: acct,
			wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
	})

	inv := f.list(t, "customer_id="+f.beta.ID)[0]
	s.run(t, scenario{name: "get with lines and derived status", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
		wantStatus: 200,
		wantBody: []string{`"number":1001`, `"kind":"invoice"`, `"status":"overdue"`, `"invoice_date":"2026-03-01"`,
			`"due_date":"2026-03-11"`, `"customer_name":"Beta Bygg AB"`, `"net_total":24000`, `"vat_total":6000`,
			`"total":30000`, `"vat_breakdown":[{"vat_rate":"25","net":24000,"vat":6000}]`,
			`"lines":[{"description":"Smörgåstårta","product_group":"food","quantity":"1","unit_price":30000,"vat_rate":"25"`,
			`"provider":"open"`, `"currency":"SEK"`}})
}
