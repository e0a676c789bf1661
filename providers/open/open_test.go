package open

import (
	"context"
	"maps"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
)

// connA and connB are Swedish merchants whose invoice settings are
// complete (coretest.Seller), so their invoices may be posted; bare(conn)
// is one without settings.
var (
	connA  = withSettings(core.Connection{MerchantID: "mer_a", Country: core.Sweden, Currency: "SEK"}, seller(core.Sweden))
	connB  = withSettings(core.Connection{MerchantID: "mer_b", Country: core.Sweden, Currency: "SEK"}, seller(core.Sweden))
	connNO = withSettings(core.Connection{MerchantID: "mer_no", Country: core.Norway, Currency: "NOK"}, seller(core.Norway))
)

// seller is the complete invoice settings of the test merchants of
// country, changed by each of mods.
func seller(country core.Country, mods ...func(*core.InvoiceSettings)) core.InvoiceSettings {
	s := coretest.Seller(country, "Kafé Test AB")
	for _, m := range mods {
		m(&s)
	}
	return s
}

// bare is conn without any settings.
func bare(conn core.Connection) core.Connection {
	conn.Settings = nil
	return conn
}

// newTestClock is a clock at a fixed time, nanoseconds included, that
// moves only when told to.
func newTestClock() *coretest.Clock {
	return coretest.NewClock(time.Date(2026, 1, 20, 9, 30, 0, 123456789, time.UTC))
}

func newProvider(t testing.TB) (*Provider, *coretest.Clock) {
	t.Helper()
	clock := newTestClock()
	p, err := Open(context.Background(), t.TempDir(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, clock
}

func wantCode(t *testing.T, err error, code core.ErrorCode, field string) {
	t.Helper()
	if core.Code(err) != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	if field == "" {
		return
	}
	for _, f := range core.AsError(err).Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("err = %v, want a field error naming %q", err, field)
}

func mustCustomer(t testing.TB, p *Provider, conn core.Connection, c core.Customer) core.Customer {
	t.Helper()
	out, err := p.CreateCustomer(context.Background(), conn, c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// invoiceable is a customer that may be invoiced with 30 days to pay, with
// the billing address a full invoice prints.
func invoiceable(name string) core.Customer {
	return core.Customer{Name: name, Active: true, InvoicingEnabled: true, DueDays: 30, BillingAddress: coretest.Address(core.Sweden)}
}

func lineIn(desc, qty string, unitPrice int64, rate string) core.LineInput {
	return core.LineInput{Description: desc, ProductGroup: "food", Quantity: decimal.RequireFromString(qty),
		UnitPrice: unitPrice, VATRate: decimal.RequireFromString(rate)}
}

// request prices lines like the engine does (shelf prices incl. VAT).
func request(ref, customerID string, date core.Date, lines ...core.LineInput) core.InvoiceRequest {
	pl := core.PriceLines(lines, true)
	return core.InvoiceRequest{
		ExternalRef: ref, CustomerID: customerID, InvoiceDate: date, Currency: "SEK",
		Reference: "PO-1", Comment: "thanks", LocationID: "loc_1", ReceiptID: "rcp_" + ref,
		Lines: pl.Lines, VATBreakdown: pl.Breakdown, NetTotal: pl.Net, VATTotal: pl.VAT, Total: pl.Total,
	}
}

// withStart is conn, keeping its other settings, with the series starting
// at n.
func withStart(conn core.Connection, n string) core.Connection {
	settings := maps.Clone(conn.Settings)
	if settings == nil {
		settings = map[string]string{}
	}
	settings[core.SettingInvoiceStartNumber] = n
	conn.Settings = settings
	return conn
}

func TestDescribe(t *testing.T) {
	p, _ := newProvider(t)
	d, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := core.Capabilities{Invoices: true, Drafts: true, RoutesCharges: true, CreditInvoices: true, CollectiveInvoices: true, PDF: true, UBL: true}
	if d.Name != "open" || d.DisplayName != "OPEN Invoice & Customers" || d.Version != Version ||
		d.Auth.Type != core.AuthNone || !reflect.DeepEqual(d.Capabilities, want) {
		t.Fatalf("descriptor = %+v", d)
	}
}

func TestUnsupportedAndConnection(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	if err := p.VerifyConnection(ctx, connA); err != nil {
		t.Fatalf("verify: %v", err)
	}
	wantCode(t, p.VerifyConnection(ctx, core.Connection{}), core.CodeInvalid, "merchant_id")
	wantCode(t, p.VerifyConnection(ctx, withStart(connA, "zero")), core.CodeInvalid, core.SettingInvoiceStartNumber)

	_, err := p.ListLedgerAccounts(ctx, connA)
	wantCode(t, err, core.CodeUnsupported, "")
	_, err = p.ListVATCodes(ctx, connA)
	wantCode(t, err, core.CodeUnsupported, "")
	_, err = p.ListPaymentTypes(ctx, connA)
	wantCode(t, err, core.CodeUnsupported, "")
	_, err = p.ExportSales(ctx, connA, core.Voucher{})
	wantCode(t, err, core.CodeUnsupported, "")
	if core.AsError(err).Message != noLedger {
		t.Fatalf("message = %q", core.AsError(err).Message)
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := mustCustomer(t, p, connA, invoiceable("Kept AB"))
	p.Close()
	p, err = Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	got, err := p.GetCustomer(ctx, connA, c.ID)
	if err != nil || got.Name != "Kept AB" {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if p.db.Path() != filepath.Join(dir, "open.db") {
		t.Fatalf("database at %s", p.db.Path())
	}
}
