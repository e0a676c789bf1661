package tripletextest

import (
	"fmt"
	"slices"
	"testing"
)

func posting(row int, account int64, gross string, extra ...any) map[string]any {
	p := map[string]any{"row": row, "account": ref(account), "amountGross": jsonNum(gross), "amountGrossCurrency": jsonNum(gross)}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	return p
}

type jsonNum string

func (n jsonNum) MarshalJSON() ([]byte, error) { return []byte(n), nil }

func voucher(date string, postings ...map[string]any) map[string]any {
	if postings == nil {
		postings = []map[string]any{}
	}
	return map[string]any{"date": date, "description": "Dagsoppgjør " + date, "postings": postings}
}

func TestVoucherValidationRules(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	bank, sales, ar, ap := accountID(t, srv, 1920), accountID(t, srv, 3000), accountID(t, srv, 1500), accountID(t, srv, 2400)
	takeaway := accountID(t, srv, 3030)
	cust := id(c.mustDo(201, "POST", "/customer", map[string]any{"name": "Kunde AS"}))
	var invoiceType int64
	for _, vt := range srv.VoucherTypes() {
		if vt.Name == "Utgående faktura" {
			invoiceType = vt.ID
		}
	}
	tests := []struct {
		name string
		body map[string]any
		want []string // "field: message"
	}{
		{"row zero", voucher("2026-03-20", posting(0, bank, "100"), posting(1, sales, "-100", "vatType", ref(3))),
			[]string{"postings.row: " + msgRowZero, "postings: " + msgNoPostings}},
		{"row missing", voucher("2026-03-20", map[string]any{"account": ref(bank), "amountGross": 100}, posting(1, sales, "-100", "vatType", ref(3))),
			[]string{"postings.row: " + msgRowZero, "postings: " + msgNoPostings}},
		{"no postings", voucher("2026-03-20"), []string{"postings: " + msgNoPostings}},
		{"unbalanced", voucher("2026-03-20", posting(1, bank, "100"), posting(2, sales, "-90", "vatType", ref(3))),
			[]string{": Summen av posteringene for 2026-03-20 er ikke lik 0."}},
		{"balanced overall but not per date", voucher("2026-03-20", posting(1, bank, "100"), posting(2, sales, "-100", "vatType", ref(3), "date", "2026-03-21")),
			[]string{": Summen av posteringene for 2026-03-20 er ikke lik 0.", ": Summen av posteringene for 2026-03-21 er ikke lik 0."}},
		{"locked VAT", voucher("2026-03-20", posting(1, bank, "115"), posting(2, sales, "-115", "vatType", ref(31))),
			[]string{"postings.vatType.id: Kontoen 3000 Salgsinntekt, avgiftspliktig er låst til mva-kode 3: Utgående avgift, høy sats."}},
		{"VAT not legal on the account", voucher("2026-03-20", posting(1, bank, "112"), posting(2, takeaway, "-112", "vatType", ref(32))),
			[]string{"postings.vatType.id: " + msgInvalidVatType}},
		{"unknown VAT type", voucher("2026-03-20", posting(1, bank, "100"), posting(2, sales, "-100", "vatType", ref(33))),
			[]string{"postings.vatType.id: " + msgInvalidVatType}},
		{"customer ledger without customer", voucher("2026-03-20", posting(1, ar, "100"), posting(2, sales, "-100", "vatType", ref(3))),
			[]string{"postings.customer.id: " + msgCustomerMissing}},
		{"vendor ledger without supplier", voucher("2026-03-20", posting(1, bank, "100"), posting(2, ap, "-100")),
			[]string{"postings.supplier.id: " + msgSupplierMissing}},
		{"outgoing invoice voucher type", func() map[string]any {
			v := voucher("2026-03-20", posting(1, bank, "100"), posting(2, sales, "-100", "vatType", ref(3)))
			v["voucherType"] = ref(invoiceType)
			return v
		}(), []string{"voucherType.id: " + msgBadVoucherType}},
		{"missing date and description", map[string]any{"postings": []any{posting(1, bank, "0")}},
			[]string{"date: " + msgRequired, "description: " + msgRequired}},
		{"unknown account", voucher("2026-03-20", posting(1, 42, "100"), posting(2, sales, "-100", "vatType", ref(3))),
			[]string{"postings.account.id: " + msgNoSuchObject}},
		{"customer ledger with customer is fine", voucher("2026-03-20", posting(1, ar, "125", "customer", ref(cust)), posting(2, sales, "-125", "vatType", ref(3))), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			code, m := c.do("POST", "/ledger/voucher", tt.body)
			if tt.want == nil {
				if code != 201 {
					t.Fatalf("status %d: %v", code, m)
				}
				return
			}
			if code != 422 || num(m["code"]) != "18000" || m["message"] != "Validering feilet." {
				t.Fatalf("status %d: %v", code, m)
			}
			if got := messages(m); !slices.Equal(got, tt.want) {
				t.Errorf("messages\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	if n := len(srv.ManualVouchers()); n != 1 {
		t.Errorf("%d vouchers stored, want only the valid one", n)
	}
}

// TestVoucherRowZeroVAT is the sales-day voucher of research §8.3: gross
// amounts in, net amounts and system VAT rows out.
func TestVoucherRowZeroVAT(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	bank, eatIn, takeaway := accountID(t, srv, 1920), accountID(t, srv, 3000), accountID(t, srv, 3030)
	body := voucher("2026-03-20",
		posting(1, bank, "18250.00", "description", "Kortoppgjør"),
		posting(2, eatIn, "-12500.00", "vatType", ref(3), "description", "Salg servering 25%"),
		posting(3, takeaway, "-5750.00", "vatType", ref(31), "description", "Salg take-away 15%"))
	body["externalVoucherNumber"] = "pos/store1/2026-03-20"
	v := c.mustDo(201, "POST", "/ledger/voucher?sendToLedger=true", body)
	if num(v["number"]) != "1" || num(v["year"]) != "2026" || v["numberAsString"] != "1-2026" {
		t.Errorf("number %v year %v numberAsString %v", v["number"], v["year"], v["numberAsString"])
	}
	type row struct {
		row           string
		account       int64
		amount, gross string
		system        bool
	}
	var got []row
	for _, x := range v["postings"].([]any) {
		p := x.(map[string]any)
		got = append(got, row{num(p["row"]), id(p["account"].(map[string]any)), num(p["amount"]), num(p["amountGross"]), p["systemGenerated"].(bool)})
	}
	want := []row{
		{"1", bank, "18250.00", "18250.00", false},
		{"2", eatIn, "-10000.00", "-12500.00", false},
		{"3", takeaway, "-5000.00", "-5750.00", false},
		{"0", accountID(t, srv, 2700), "-2500.00", "-2500.00", true},
		{"0", accountID(t, srv, 2701), "-750.00", "-750.00", true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("postings\n got %v\nwant %v", got, want)
	}
	stored := srv.ManualVouchers()[0]
	if stored.Balance() != 0 || stored.GrossBalance() != 0 || stored.ExternalVoucherNumber != "pos/store1/2026-03-20" {
		t.Errorf("stored voucher %+v", stored)
	}
	// Rounding: 99.99 at 15 % → net 86.95, VAT 13.04.
	v = c.mustDo(201, "POST", "/ledger/voucher", voucher("2026-03-21", posting(1, bank, "99.99"), posting(2, takeaway, "-99.99", "vatType", ref(31))))
	ps := v["postings"].([]any)
	if num(ps[1].(map[string]any)["amount"]) != "-86.95" || num(ps[2].(map[string]any)["amount"]) != "-13.04" {
		t.Errorf("rounding: %v / %v", ps[1].(map[string]any)["amount"], ps[2].(map[string]any)["amount"])
	}
	// Numbers run per year; sendToLedger=false leaves the voucher unnumbered.
	if num(v["number"]) != "2" {
		t.Errorf("second voucher number %v", v["number"])
	}
	v = c.mustDo(201, "POST", "/ledger/voucher", voucher("2027-01-02", posting(1, bank, "10"), posting(2, bank, "-10")))
	if v["numberAsString"] != "1-2027" {
		t.Errorf("new year: %v", v["numberAsString"])
	}
	v = c.mustDo(201, "POST", "/ledger/voucher?sendToLedger=false", voucher("2026-03-22", posting(1, bank, "10"), posting(2, bank, "-10")))
	if num(v["number"]) != "0" || v["numberAsString"] != "<Ikke bokført 1>" {
		t.Errorf("non-posted: %v %v", v["number"], v["numberAsString"])
	}
	// GET returns stubs for postings and lists only posted vouchers.
	env := c.mustDo(200, "GET", "/ledger/voucher?dateFrom=2026-03-01&dateTo=2026-04-01", nil)
	if num(env["count"]) != "2" || num(env["totalNumberOfPostings"]) != "8" {
		t.Errorf("search: count %v totalNumberOfPostings %v", env["count"], env["totalNumberOfPostings"])
	}
	first := env["values"].([]any)[0].(map[string]any)
	if p := first["postings"].([]any)[0].(map[string]any); len(p) != 2 {
		t.Errorf("GET postings should be stubs: %v", p)
	}
	// dateTo is exclusive.
	env = c.mustDo(200, "GET", "/ledger/voucher?dateFrom=2026-03-01&dateTo=2026-03-20", nil)
	if num(env["count"]) != "0" {
		t.Errorf("dateTo exclusive: %v", env["count"])
	}
}

func TestExternalVoucherNumberLookup(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	bank, sales := accountID(t, srv, 1920), accountID(t, srv, 3000)
	for i, ext := range []string{"pos/a/2026-03-18", "pos/a/2026-03-19"} {
		b := voucher(fmt.Sprintf("2026-03-%d", 18+i), posting(1, bank, "125"), posting(2, sales, "-125", "vatType", ref(3)))
		b["externalVoucherNumber"] = ext
		c.mustDo(201, "POST", "/ledger/voucher", b)
	}
	env := c.mustDo(200, "GET", "/ledger/voucher/>externalVoucherNumber?externalVoucherNumber=pos%2Fa%2F2026-03-19", nil)
	vals := env["values"].([]any)
	if len(vals) != 1 || vals[0].(map[string]any)["externalVoucherNumber"] != "pos/a/2026-03-19" || vals[0].(map[string]any)["date"] != "2026-03-19" {
		t.Fatalf("lookup: %v", env)
	}
	env = c.mustDo(200, "GET", "/ledger/voucher/>externalVoucherNumber?externalVoucherNumber=pos%2Fa%2F2026-03-20", nil)
	if len(env["values"].([]any)) != 0 {
		t.Errorf("unknown number found: %v", env)
	}
}

func TestVoucherReverse(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	bank, sales := accountID(t, srv, 1920), accountID(t, srv, 3000)
	v := c.mustDo(201, "POST", "/ledger/voucher", voucher("2026-03-20", posting(1, bank, "125"), posting(2, sales, "-125", "vatType", ref(3))))
	r := c.mustDo(200, "PUT", fmt.Sprintf("/ledger/voucher/%d/:reverse?date=2026-03-21", id(v)), nil)
	if len(r["postings"].([]any)) != 3 {
		t.Errorf("reversal postings %v", r["postings"])
	}
	if code, _ := c.do("PUT", fmt.Sprintf("/ledger/voucher/%d/:reverse?date=2026-03-21", id(v)), nil); code != 422 {
		t.Errorf("second reversal: %d", code)
	}
	var total Amount
	for _, x := range srv.Vouchers() {
		if x.Balance() != 0 {
			t.Errorf("voucher %d unbalanced", x.ID)
		}
		for _, p := range x.Postings {
			if p.AccountNumber == 2700 {
				total += p.Amount
			}
		}
	}
	if total != 0 {
		t.Errorf("VAT after reversal %v", total)
	}
}
