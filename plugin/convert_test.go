package plugin

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// Fixtures shared by the conversion and the end-to-end tests. They fill
// every field, mix nil and empty lists, and use decimals whose written form
// matters ("1.500", "12.5", "-2.25").

var stockholm = time.FixedZone("CEST", 2*3600)

var fullPayment = core.PaymentRequest{InvoiceID: "inv_1", PaidAt: "2026-04-20", Amount: 5000, Method: "bank", ExternalRef: "pay_1"}

var fullConn = core.Connection{
	MerchantID: "m_1",
	Country:    core.Sweden,
	Currency:   "SEK",
	Settings:   map[string]string{core.SettingInvoiceStartNumber: "1001", "blank": ""},
	Credentials: map[string]string{
		"api_token":    "secret-token",
		"access_token": "oauth-access",
	},
}

// emptyConn has empty, non-nil settings and credentials maps.
var emptyConn = core.Connection{MerchantID: "m_2", Country: core.Norway, Currency: "NOK",
	Settings: map[string]string{}, Credentials: map[string]string{}}

// emptyListsDescriptor has every list empty but not nil.
var emptyListsDescriptor = core.Descriptor{Auth: core.AuthScheme{Type: core.AuthNone, Fields: []core.AuthField{},
	OAuth2: &core.OAuth2Endpoints{Scopes: []string{}}}, Capabilities: core.Capabilities{AdjustableCustomerFields: []string{}}}

var fullCustomer = core.Customer{
	ID:                 "cust_1",
	Number:             "10042",
	Name:               "Kafé Ängen AB",
	OrganizationNumber: "5560160680",
	Email:              "ekonomi@angen.se",
	Phone:              "+46 8 123 45",
	BillingAddress: core.Address{
		Line1: "Storgatan 1", Line2: "c/o Berg", PostalCode: "111 22", City: "Stockholm", Country: "SE",
	},
	Active:              true,
	InvoicingEnabled:    true,
	DueDays:             30,
	ParentCustomerID:    "cust_0",
	PurchaseInstruction: "Ange PO-nummer",
	CollectiveInvoicing: core.CollectiveInvoicing{Enabled: true, DayOfMonth: 28, Threshold: 500000},
	VATNumber:           "SE556016068001",
	PeppolID:            "0007:5560160680",
	BuyerReference:      "Avd 12",
	InvoiceDelivery:     core.DeliveryPeppol,
	CreatedAt:           time.Date(2026, 4, 1, 9, 30, 15, 123456789, stockholm),
	UpdatedAt:           time.Date(2026, 4, 2, 10, 0, 0, 1, time.UTC),
}

var fullDescriptor = core.Descriptor{
	Name:        "spiris",
	DisplayName: "Spiris (Visma eAccounting)",
	Version:     "1.2.3",
	Auth: core.AuthScheme{
		Type: core.AuthOAuth2,
		OAuth2: &core.OAuth2Endpoints{
			AuthorizeURL: "https://identity.example/connect/authorize",
			TokenURL:     "https://identity.example/connect/token",
			Scopes:       []string{"ea:api", "offline_access"},
		},
	},
	Capabilities: core.Capabilities{
		OwnsCustomers:            true,
		AdjustableCustomerFields: []string{},
		Invoices:                 true,
		Drafts:                   true,
		RoutesCharges:            true,
		CreditInvoices:           true,
		CollectiveInvoices:       true,
		PDF:                      true,
		UBL:                      true,
		SalesExport:              true,
		LedgerAccounts:           true,
	},
}

var tokenDescriptor = core.Descriptor{
	Name: "tripletex", DisplayName: "Tripletex", Version: "0.1.0",
	Auth: core.AuthScheme{Type: core.AuthAPIToken, Fields: []core.AuthField{
		{Name: "consumer_token", Label: "Consumer token", Secret: true},
		{Name: "company_id", Label: "Company", Secret: false},
	}},
	Capabilities: core.Capabilities{AdjustableCustomerFields: []string{core.FieldEmail, core.FieldDueDays}},
}

var fullLines = []core.InvoiceLine{
	{Description: "Kaffe", ProductGroup: "drinks", Quantity: dec("12.5"), UnitPrice: 3500, VATRate: dec("12"), Takeaway: true, Net: 39063, VAT: 4687, Total: 43750},
	{Description: "Bulle", ProductGroup: "bakery", Quantity: dec("1.500"), UnitPrice: 2500, VATRate: dec("6"), Net: 3538, VAT: 212, Total: 3750},
	{Description: "Rättelse", Quantity: dec("-2.25"), UnitPrice: 100, VATRate: dec("25"), Net: -180, VAT: -45, Total: -225},
	{Description: "Gratis", Quantity: dec("0"), VATRate: dec("0"), OrderID: "ord_1"},
}

var fullBreakdown = []core.VATAmount{
	{VATRate: dec("6"), Net: 3538, VAT: 212},
	{VATRate: dec("12"), Net: 39063, VAT: 4687},
	{VATRate: dec("12.5"), Net: 1, VAT: 0},
	{VATRate: dec("25"), Net: -180, VAT: -45},
}

var fullInvoice = core.Invoice{
	ID: "inv_1", Number: 1001, Kind: core.KindInvoice, Status: core.StatusPosted,
	InvoiceDate: "2026-04-01", DueDate: "2026-05-01",
	CustomerID: "cust_1", CustomerName: "Kafé Ängen AB", Reference: "PO 77", Comment: "Tack!",
	Currency: "SEK", NetTotal: 42422, VATTotal: 4854, Total: 47276,
	VATBreakdown: fullBreakdown, OCR: "100100", PaidAt: "2026-04-20", CreditsInvoiceID: "inv_0", CreditsInvoiceNumber: 1000, Rounding: -25,
	PaidAmount: 5000, OutstandingAmount: 7475, CreditInvoiceIDs: []string{"inv_5", "inv_6"},
	Lines: fullLines, EmailStatus: "sent", EmailError: "mailbox full", EInvoiceStatus: "failed", EInvoiceError: "receiver unknown", Provider: "open", ProviderRef: "P-1001",
	ExternalRef: "idem-1", LocationID: "loc_1", ReceiptID: "rcpt_9",
	OrderedByCustomerID: "cust_2", OrderIDs: []string{"ord_1", "ord_2"}, VATTreatment: core.TreatmentReverseCharge,
	CreatedAt: time.Date(2026, 4, 1, 12, 0, 0, 0, stockholm),
}

// listedInvoice is an invoice as ListInvoices returns it: no lines (nil) and
// an empty, non-nil breakdown.
var listedInvoice = core.Invoice{ID: "inv_2", Number: 1002, Kind: core.KindCredit, Status: core.StatusCredited,
	VATBreakdown: []core.VATAmount{}, Currency: "SEK"}

var fullInvoiceRequest = core.InvoiceRequest{
	Draft: true, Route: true, ExternalRef: "idem-1", CustomerID: "cust_1", OrderedBy: "cust_2", InvoiceDate: "2026-04-01", Reference: "PO 77", Comment: "c",
	Currency: "SEK", LocationID: "loc_1", ReceiptID: "rcpt_9", Lines: fullLines, VATBreakdown: fullBreakdown,
	NetTotal: 42422, VATTotal: 4854, Total: 47276, VATTreatment: core.TreatmentExport,
}

var fullOrder = core.Order{
	ID: "ord_1", CustomerID: "cust_1", CustomerName: "Kafé Ängen AB", Status: core.OrderInvoiced,
	OrderDate: "2026-04-02", Reference: "PO 78", Comment: "Leverans bakdörren", Currency: "SEK",
	NetTotal: 42422, VATTotal: 4854, Total: 47276, VATBreakdown: fullBreakdown, Lines: fullLines,
	InvoiceID: "inv_1", LocationID: "loc_1", ReceiptID: "rcpt_10", ExternalRef: "idem-2",
	CreatedAt: time.Date(2026, 4, 2, 8, 15, 0, 999, stockholm),
}

// listedOrder is an order as ListOrders may return it: no lines (nil) and an
// empty, non-nil breakdown.
var listedOrder = core.Order{ID: "ord_2", CustomerID: "cust_1", Status: core.OrderOpen,
	VATBreakdown: []core.VATAmount{}, Currency: "SEK"}

var fullOrderQuery = core.OrderQuery{CustomerID: "cust_1", Status: core.OrderOpen, Limit: 100, Cursor: "o-cur"}

var fullCollectiveRequest = core.CollectiveRequest{
	ExternalRef: "collective-cust_1-2026-04", CustomerID: "cust_1", BillToCustomerID: "cust_0", InvoiceDate: "2026-04-28",
	OrdersBefore: "2026-04-25",
}

var fullOrderRefundRequest = core.OrderRefundRequest{
	ExternalRef: "or_1", OrderID: "ord_1", Lines: []core.CreditLine{{Line: 2, Quantity: dec("1.500")}},
}

var fullCustomerQuery = core.CustomerQuery{Q: "556016-0680", Limit: 50, Cursor: "c", Refresh: true}

// fullCustomerPage is a page of a search that refreshed the copy.
var fullCustomerPage = core.CustomerPage{Customers: []core.Customer{fullCustomer, {}}, NextCursor: "n",
	Sync: &core.CustomerSync{Customers: 12, Added: 2, Updated: 3, Removed: 1}}

var fullPatch = core.CustomerPatch{
	Name: strPtr("Nytt namn"), OrganizationNumber: strPtr(""), Email: strPtr("a@b.se"), Phone: strPtr("1"),
	BillingAddress: &core.Address{Line1: "Karl Johans gate 1", Line2: "3. etg", PostalCode: "0154", City: "Oslo", Country: "NO"}, Active: boolPtr(false), InvoicingEnabled: boolPtr(true),
	DueDays: intPtr(0), ParentCustomerID: strPtr("p"), PurchaseInstruction: strPtr("pi"),
	CollectiveInvoicing: &core.CollectiveInvoicing{Enabled: true, DayOfMonth: 15, Threshold: 100000},
	VATNumber:           strPtr(""), PeppolID: strPtr("0192:991825827"), BuyerReference: strPtr("ref"),
	InvoiceDelivery: func() *core.InvoiceDelivery { d := core.DeliveryEmail; return &d }(),
}

var fullVoucher = core.Voucher{
	ExternalRef: "sales-loc_1-2026-04-01", Date: "2026-04-01", Description: "Dagskassa", Currency: "SEK",
	Postings: []core.Posting{
		{Account: "1910", Amount: 47276, Description: "Kort"},
		{Account: "3001", Amount: -42422, VATCode: "05", CustomerID: "cust_1"},
		{Account: "2611", Amount: -4854},
	},
}

// wire marshals m and unmarshals it into a fresh message, as the network does.
func wire[M proto.Message](t *testing.T, m M, fresh M) M {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if err := proto.Unmarshal(b, fresh); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return fresh
}

func TestConvertRoundTrip(t *testing.T) {
	noErr := func(t *testing.T, d *decoder) {
		t.Helper()
		if err := d.err("x"); err != nil {
			t.Fatalf("decode: %v", err)
		}
	}
	t.Run("descriptor", func(t *testing.T) {
		for _, d := range []core.Descriptor{fullDescriptor, tokenDescriptor, emptyListsDescriptor, {}} {
			got := descriptorFromPB(wire(t, descriptorToPB(d), &pb.Descriptor{}))
			assertSame(t, "descriptor", d, got)
		}
	})
	t.Run("connection", func(t *testing.T) {
		for _, c := range []core.Connection{fullConn, emptyConn, {}} {
			assertSame(t, "connection", c, connectionFromPB(wire(t, connectionToPB(c), &pb.Connection{})))
		}
	})
	t.Run("customer", func(t *testing.T) {
		for _, c := range []core.Customer{fullCustomer, {}} {
			assertSame(t, "customer", c, customerFromPB(wire(t, customerToPB(c), &pb.Customer{})))
		}
	})
	t.Run("patch", func(t *testing.T) {
		for _, p := range []core.CustomerPatch{fullPatch, {}, {Email: strPtr("")}} {
			assertSame(t, "patch", p, patchFromPB(wire(t, patchToPB(p), &pb.CustomerPatch{})))
		}
	})
	t.Run("patch shares no memory", func(t *testing.T) {
		p := core.CustomerPatch{Name: strPtr("a")}
		m := patchToPB(p)
		*m.Name = "changed"
		if *p.Name != "a" {
			t.Fatal("patchToPB aliases the caller's pointer")
		}
	})
	t.Run("invoice", func(t *testing.T) {
		for _, inv := range []core.Invoice{fullInvoice, listedInvoice, {Lines: []core.InvoiceLine{}, OrderIDs: []string{}}, {}} {
			var d decoder
			got := d.invoice("", wire(t, invoiceToPB(inv), &pb.Invoice{}))
			noErr(t, &d)
			assertSame(t, "invoice", inv, got)
		}
	})
	t.Run("invoice request", func(t *testing.T) {
		empty := core.InvoiceRequest{Lines: []core.InvoiceLine{}, VATBreakdown: []core.VATAmount{}}
		for _, r := range []core.InvoiceRequest{fullInvoiceRequest, empty, {}} {
			var d decoder
			got := d.invoiceRequest(wire(t, invoiceRequestToPB(r), &pb.InvoiceRequest{}))
			noErr(t, &d)
			assertSame(t, "request", r, got)
		}
	})
	t.Run("order", func(t *testing.T) {
		for _, o := range []core.Order{fullOrder, listedOrder, {Lines: []core.InvoiceLine{}}, {}} {
			var d decoder
			got := d.order("", wire(t, orderToPB(o), &pb.Order{}))
			noErr(t, &d)
			assertSame(t, "order", o, got)
		}
	})
	t.Run("order query", func(t *testing.T) {
		for _, q := range []core.OrderQuery{fullOrderQuery, {}} {
			assertSame(t, "order query", q, orderQueryFromPB(wire(t, orderQueryToPB(q), &pb.OrderQuery{})))
		}
	})
	t.Run("collective request", func(t *testing.T) {
		for _, r := range []core.CollectiveRequest{fullCollectiveRequest, {}} {
			assertSame(t, "collective", r, collectiveRequestFromPB(wire(t, collectiveRequestToPB(r), &pb.CollectiveRequest{})))
		}
	})
	t.Run("credit request", func(t *testing.T) {
		rs := []core.CreditRequest{
			{Void: true, ExternalRef: "x", InvoiceID: "inv_1", Date: "2026-04-03", Lines: []core.CreditLine{{Line: 0, Quantity: dec("1.250")}, {Line: 3, Quantity: dec("2")}}},
			{InvoiceID: "inv_1", Lines: []core.CreditLine{}},
			{},
		}
		for _, r := range rs {
			var d decoder
			got := d.creditRequest(wire(t, creditRequestToPB(r), &pb.CreditRequest{}))
			noErr(t, &d)
			assertSame(t, "credit", r, got)
		}
	})
	t.Run("order refund request", func(t *testing.T) {
		for _, r := range []core.OrderRefundRequest{fullOrderRefundRequest, {OrderID: "ord_1", Lines: []core.CreditLine{}}, {}} {
			var d decoder
			got := d.orderRefundRequest(wire(t, orderRefundRequestToPB(fullConn, r), &pb.RefundOrderRequest{}))
			noErr(t, &d)
			assertSame(t, "order refund", r, got)
		}
	})
	t.Run("invoice query", func(t *testing.T) {
		q := core.InvoiceQuery{From: "2026-01-01", To: "2026-12-31", Status: core.StatusOverdue, CustomerID: "c",
			Sort: core.SortTotal, Desc: true, Limit: 500, Cursor: "abc", Today: "2026-06-01"}
		for _, q := range []core.InvoiceQuery{q, {}} {
			assertSame(t, "query", q, invoiceQueryFromPB(wire(t, invoiceQueryToPB(q), &pb.InvoiceQuery{})))
		}
	})
	t.Run("document", func(t *testing.T) {
		docs := []core.Document{
			{ContentType: "application/pdf", Filename: "1001.pdf", Data: []byte("%PDF-1.7\x00\xff")},
			{ContentType: "application/pdf", Data: []byte{}},
			{},
		}
		for _, doc := range docs {
			assertSame(t, "document", doc, documentFromPB(wire(t, documentToPB(doc), &pb.Document{})))
		}
	})
	t.Run("ledger", func(t *testing.T) {
		accounts := []core.LedgerAccount{
			{Number: "3000", Name: "Försäljning", Active: true, LockedVATCode: "3"},
			{Number: "3001", Name: "x", AllowedVATCodes: []string{"05", "06"}},
			{Number: "3002", AllowedVATCodes: []string{}},
		}
		m := wire(t, &pb.ListLedgerAccountsResponse{Accounts: sliceToPB(accounts, ledgerAccountToPB), AccountsPresent: true}, &pb.ListLedgerAccountsResponse{})
		assertSame(t, "accounts", accounts, ledgerAccountsFromPB(m.Accounts, m.AccountsPresent))

		codes := []core.VATCode{fullVATCode, {Code: "X", Rate: dec("12.50")}, {Code: "0"}}
		var d decoder
		assertSame(t, "vat codes", codes, d.vatCodes(sliceToPB(codes, vatCodeToPB), true))
		noErr(t, &d)

		types := []core.PaymentType{{ID: "1", Name: "Bank", AccountNumber: "1920"}}
		assertSame(t, "payment types", types, paymentTypesFromPB(sliceToPB(types, paymentTypeToPB), false))
		assertSame(t, "no payment types", []core.PaymentType{}, paymentTypesFromPB(nil, true))
	})
	t.Run("voucher", func(t *testing.T) {
		for _, v := range []core.Voucher{fullVoucher, {Postings: []core.Posting{}}, {}} {
			assertSame(t, "voucher", v, voucherFromPB(wire(t, voucherToPB(v), &pb.Voucher{})))
		}
		r := core.ExportResult{ProviderRef: "V-9", AlreadyExisted: true}
		assertSame(t, "result", r, exportResultFromPB(wire(t, exportResultToPB(r), &pb.ExportResult{})))
	})
	t.Run("error", func(t *testing.T) {
		e := &core.Error{Code: core.CodeRateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond, Syntax: true,
			Fields: []core.FieldError{{Field: "lines[0].vat_rate", Message: "bad"}, {Field: "x", Message: ""}}}
		assertSame(t, "error", e, errorFromPB(wire(t, errorToPB(e), &pb.Error{})))
	})
}

func TestDecimalKeepsItsDecimalPlaces(t *testing.T) {
	for _, s := range []string{"12.5", "1.500", "0", "0.000", "-2.25", "25", "100000000000.001"} {
		if got := formatDecimal(dec(s)); got != s {
			t.Errorf("formatDecimal(%s) = %s", s, got)
		}
	}
	var d decoder
	if got := d.decimal("q", ""); !got.IsZero() || len(d.errs) != 0 {
		t.Errorf(`"" decodes to %s with errors %v; want zero, none`, got, d.errs)
	}
}

func TestRetryAfterNeverRoundsToZero(t *testing.T) {
	if got := durationToMillis(time.Microsecond); got != 1 {
		t.Errorf("1µs → %d ms, want 1", got)
	}
	if got := durationToMillis(2 * time.Second); got != 2000 {
		t.Errorf("2s → %d ms, want 2000", got)
	}
}

func TestDecodeNamesMalformedDecimals(t *testing.T) {
	m := invoiceToPB(fullInvoice)
	m.Lines[1].Quantity = "1,5"
	m.VatBreakdown[0].VatRate = "six"
	var d decoder
	d.invoices([]*pb.Invoice{invoiceToPB(listedInvoice), m}, true)
	err := core.AsError(d.err("bad"))
	if err == nil || err.Code != core.CodeInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	want := []core.FieldError{
		{Field: "invoices[1].vat_breakdown[0].vat_rate", Message: `"six" is not a decimal number`},
		{Field: "invoices[1].lines[1].quantity", Message: `"1,5" is not a decimal number`},
	}
	assertSame(t, "fields", want, err.Fields)

	o := orderToPB(fullOrder)
	o.Lines[3].VatRate = "0%"
	var od decoder
	od.orders([]*pb.Order{o}, true)
	oerr := core.AsError(od.err("bad"))
	if oerr == nil || oerr.Code != core.CodeInvalid {
		t.Fatalf("orders: err = %v, want invalid", oerr)
	}
	assertSame(t, "order fields", []core.FieldError{{Field: "orders[0].lines[3].vat_rate", Message: `"0%" is not a decimal number`}}, oerr.Fields)
}

// Every decoder takes a nil message as the zero value without panicking.
func TestDecodeNilMessages(t *testing.T) {
	var d decoder
	assertSame(t, "descriptor", core.Descriptor{}, descriptorFromPB(nil))
	assertSame(t, "connection", core.Connection{}, connectionFromPB(nil))
	assertSame(t, "customer", core.Customer{}, customerFromPB(nil))
	assertSame(t, "patch", core.CustomerPatch{}, patchFromPB(nil))
	assertSame(t, "customer query", core.CustomerQuery{}, customerQueryFromPB(nil))
	assertSame(t, "invoice", core.Invoice{}, d.invoice("", nil))
	assertSame(t, "invoice request", core.InvoiceRequest{}, d.invoiceRequest(nil))
	assertSame(t, "credit request", core.CreditRequest{}, d.creditRequest(nil))
	assertSame(t, "invoice query", core.InvoiceQuery{}, invoiceQueryFromPB(nil))
	assertSame(t, "order", core.Order{}, d.order("", nil))
	assertSame(t, "order query", core.OrderQuery{}, orderQueryFromPB(nil))
	assertSame(t, "collective request", core.CollectiveRequest{}, collectiveRequestFromPB(nil))
	assertSame(t, "document", core.Document{}, documentFromPB(nil))
	assertSame(t, "voucher", core.Voucher{}, voucherFromPB(nil))
	assertSame(t, "export", core.ExportResult{}, exportResultFromPB(nil))
	if e := errorFromPB(nil); e != nil {
		t.Errorf("errorFromPB(nil) = %v", e)
	}
	// nil elements inside lists, as a hand-written plugin could send.
	inv := d.invoice("", &pb.Invoice{Lines: []*pb.InvoiceLine{nil}, VatBreakdown: []*pb.VATAmount{nil}})
	if len(inv.Lines) != 1 || len(inv.VATBreakdown) != 1 {
		t.Errorf("nil list elements: %+v", inv)
	}
	if err := d.err("x"); err != nil {
		t.Errorf("decode errors: %v", err)
	}
}
