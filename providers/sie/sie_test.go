package sie

import (
	"context"
	"sync"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

func openTest(t *testing.T, dir string) *Provider {
	t.Helper()
	p, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

var seConn = core.Connection{MerchantID: "mer_1", Country: core.Sweden, Currency: "SEK"}

func voucher(ref string, amount int64) core.Voucher {
	return core.Voucher{ExternalRef: ref, Date: "2026-04-01", Description: "Sales", Currency: "SEK", Postings: []core.Posting{
		{Account: "1580", Amount: amount}, {Account: "3001", Amount: -(amount - amount/5), VATCode: "25"}, {Account: "2611", Amount: -amount / 5},
	}}
}

func TestDescribe(t *testing.T) {
	p := openTest(t, t.TempDir())
	d, err := p.Describe(context.Background())
	if err != nil || d.Name != Name || d.Auth.Type != core.AuthNone {
		t.Fatalf("%+v %v", d, err)
	}
	if c := d.Capabilities; !c.SalesExport || !c.LedgerAccounts || c.Invoices || c.OwnsCustomers || c.PDF || c.Drafts {
		t.Fatalf("capabilities %+v", c)
	}
}

// The chart holds every account the standard suggestion proposes, so a
// suggested mapping passes the wizard's chart check.
func TestChartCoversStandardSuggestion(t *testing.T) {
	methods := []string{"cash", "card", "swish", "vipps", "mobilepay", "gift_card", "kontant", "kort", "presentkort", "gavekort", "invoice", "other"}
	for _, country := range []core.Country{core.Sweden, core.Norway} {
		p := openTest(t, t.TempDir())
		accounts, err := p.ListLedgerAccounts(context.Background(), core.Connection{MerchantID: "m", Country: country})
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]core.LedgerAccount{}
		for i, a := range accounts {
			have[a.Number] = a
			if !a.Active || a.Name == "" || !mapping.ValidAccount(a.Number) {
				t.Errorf("%s: account %+v", country, a)
			}
			if i > 0 && accounts[i-1].Number >= a.Number {
				t.Errorf("%s: chart not sorted at %s", country, a.Number)
			}
		}
		for _, use := range mapping.StandardSuggestion(country, methods, []string{"food"}).Accounts() {
			if _, ok := have[use.Account]; !ok {
				t.Errorf("%s: suggested %s = %s is not in the chart", country, use.Path, use.Account)
			}
		}
	}
	if Chart("DK") != nil {
		t.Error("chart for an unserved country")
	}
}

func TestListVATCodes(t *testing.T) {
	p := openTest(t, t.TempDir())
	for country, want := range map[core.Country][]string{core.Sweden: {"0", "6", "12", "25"}, core.Norway: {"0", "12", "15", "25"}} {
		codes, err := p.ListVATCodes(context.Background(), core.Connection{MerchantID: "m", Country: country})
		if err != nil || len(codes) != len(want) {
			t.Fatalf("%s: %+v %v", country, codes, err)
		}
		for i, c := range codes {
			if c.Code != want[i] || c.Rate.String() != want[i] || c.Name == "" {
				t.Errorf("%s: code %+v", country, c)
			}
		}
	}
	_, err := p.ListVATCodes(context.Background(), core.Connection{MerchantID: "m"})
	if core.Code(err) != core.CodeInvalid {
		t.Fatalf("no country: %v", err)
	}
}

func TestExportSalesIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := openTest(t, dir)
	r1, err := p.ExportSales(ctx, seConn, voucher("ledgerbridge:loc_1:2026-04-01", 10000))
	if err != nil || r1.AlreadyExisted || r1.ProviderRef != "1" {
		t.Fatalf("first: %+v %v", r1, err)
	}
	r2, err := p.ExportSales(ctx, seConn, voucher("ledgerbridge:loc_2:2026-04-01", 500))
	if err != nil || r2.ProviderRef != "2" {
		t.Fatalf("second: %+v %v", r2, err)
	}
	// The same reference, even with other amounts, finds the first post.
	again, err := p.ExportSales(ctx, seConn, voucher("ledgerbridge:loc_1:2026-04-01", 999))
	if err != nil || !again.AlreadyExisted || again.ProviderRef != "1" {
		t.Fatalf("again: %+v %v", again, err)
	}
	// Another merchant has its own references and series.
	other := seConn
	other.MerchantID = "mer_2"
	r3, err := p.ExportSales(ctx, other, voucher("ledgerbridge:loc_1:2026-04-01", 10000))
	if err != nil || r3.AlreadyExisted || r3.ProviderRef != "1" {
		t.Fatalf("other merchant: %+v %v", r3, err)
	}
	p.Close()
	// Bookings survive a restart.
	p = openTest(t, dir)
	again, err = p.ExportSales(ctx, seConn, voucher("ledgerbridge:loc_2:2026-04-01", 1))
	if err != nil || !again.AlreadyExisted || again.ProviderRef != "2" {
		t.Fatalf("after reopen: %+v %v", again, err)
	}
	vs, err := p.Vouchers(ctx, "mer_1", "2026-01-01", "2026-12-31")
	if err != nil || len(vs) != 2 || vs[0].Postings[0].Amount != 10000 {
		t.Fatalf("vouchers %+v %v", vs, err)
	}
}

func TestExportSalesConcurrentSameRef(t *testing.T) {
	ctx := context.Background()
	p := openTest(t, t.TempDir())
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := p.ExportSales(ctx, seConn, voucher("ref", 100))
			if err != nil {
				t.Error(err)
				return
			}
			if !r.AlreadyExisted {
				mu.Lock()
				created++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	vs, _ := p.Vouchers(ctx, "mer_1", "2026-01-01", "2026-12-31")
	if created != 1 || len(vs) != 1 {
		t.Fatalf("created %d, stored %d", created, len(vs))
	}
}

func TestExportSalesRefusals(t *testing.T) {
	ctx := context.Background()
	p := openTest(t, t.TempDir())
	unbalanced := voucher("r", 100)
	unbalanced.Postings[0].Amount++
	nok := voucher("r", 100)
	nok.Currency = "NOK"
	for name, tc := range map[string]struct {
		conn  core.Connection
		v     core.Voucher
		field string
	}{
		"unbalanced":  {seConn, unbalanced, "postings"},
		"no ref":      {seConn, voucher("", 100), "external_ref"},
		"currency":    {seConn, nok, "currency"},
		"no merchant": {core.Connection{Country: core.Sweden}, voucher("r", 100), "merchant_id"},
	} {
		_, err := p.ExportSales(ctx, tc.conn, tc.v)
		e := core.AsError(err)
		if e == nil || e.Code != core.CodeInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Errorf("%s: %v", name, err)
		}
	}
	if vs, _ := p.Vouchers(ctx, "mer_1", "2000-01-01", "2100-01-01"); len(vs) != 0 {
		t.Fatalf("refused vouchers were stored: %v", vs)
	}
}

func TestInvoicingIsUnsupported(t *testing.T) {
	ctx := context.Background()
	p := openTest(t, t.TempDir())
	calls := map[string]error{}
	_, calls["SearchCustomers"] = p.SearchCustomers(ctx, seConn, core.CustomerQuery{})
	_, calls["GetCustomer"] = p.GetCustomer(ctx, seConn, "c")
	_, calls["CreateCustomer"] = p.CreateCustomer(ctx, seConn, core.Customer{})
	_, calls["UpdateCustomer"] = p.UpdateCustomer(ctx, seConn, "c", core.CustomerPatch{})
	_, calls["CreateInvoice"] = p.CreateInvoice(ctx, seConn, core.InvoiceRequest{})
	_, calls["UpdateDraft"] = p.UpdateDraft(ctx, seConn, "i", core.InvoiceRequest{})
	_, calls["PostInvoice"] = p.PostInvoice(ctx, seConn, "i", "2026-04-01")
	_, calls["GetInvoice"] = p.GetInvoice(ctx, seConn, "i")
	_, calls["ListInvoices"] = p.ListInvoices(ctx, seConn, core.InvoiceQuery{})
	_, calls["CreditInvoice"] = p.CreditInvoice(ctx, seConn, core.CreditRequest{})
	_, calls["MarkInvoicePaid"] = p.MarkInvoicePaid(ctx, seConn, core.PaymentRequest{InvoiceID: "i", PaidAt: "2026-04-01"})
	_, calls["InvoicePDF"] = p.InvoicePDF(ctx, seConn, "i")
	_, calls["CreateOrder"] = p.CreateOrder(ctx, seConn, core.InvoiceRequest{})
	_, calls["ListOrders"] = p.ListOrders(ctx, seConn, core.OrderQuery{})
	_, calls["InvoiceOrders"] = p.InvoiceOrders(ctx, seConn, core.CollectiveRequest{})
	_, calls["ListPaymentTypes"] = p.ListPaymentTypes(ctx, seConn)
	for name, err := range calls {
		if core.Code(err) != core.CodeUnsupported {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := p.VerifyConnection(ctx, seConn); err != nil {
		t.Fatal(err)
	}
	if err := p.VerifyConnection(ctx, core.Connection{}); core.Code(err) != core.CodeInvalid {
		t.Fatalf("empty connection: %v", err)
	}
}
