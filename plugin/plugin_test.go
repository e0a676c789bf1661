package plugin

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// connect serves fake through go-plugin's in-memory gRPC plumbing and
// returns the host-side provider.
func connect(t *testing.T, fake core.Provider) core.Provider {
	t.Helper()
	client, _ := goplugin.TestPluginGRPCConn(t, false, map[string]goplugin.Plugin{
		PluginName: &GRPCPlugin{Impl: fake},
	})
	// Close also stops the server, through go-plugin's controller service;
	// stopping it here as well would race with that.
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatalf("dispense: %v", err)
	}
	p, ok := raw.(core.Provider)
	if !ok {
		t.Fatalf("dispensed %T, not a core.Provider", raw)
	}
	return p
}

// Every method carries its arguments to the plugin and its result back
// without losing a field.
func TestEveryMethodRoundTrips(t *testing.T) {
	fake := newFake()
	p := connect(t, fake)
	ctx := context.Background()

	tests := []struct {
		name string
		ret  any
		call func() (any, error)
		args []any
	}{
		{"Describe", fullDescriptor, func() (any, error) { return p.Describe(ctx) }, nil},
		{"Describe", tokenDescriptor, func() (any, error) { return p.Describe(ctx) }, nil},
		{"Describe", emptyListsDescriptor, func() (any, error) { return p.Describe(ctx) }, nil},
		{"VerifyConnection", nil, func() (any, error) { return nil, p.VerifyConnection(ctx, fullConn) }, []any{fullConn}},
		{"VerifyConnection", nil, func() (any, error) { return nil, p.VerifyConnection(ctx, emptyConn) }, []any{emptyConn}},
		{"SearchCustomers", core.CustomerPage{Customers: []core.Customer{fullCustomer, {}}, NextCursor: "n"},
			func() (any, error) {
				return p.SearchCustomers(ctx, fullConn, core.CustomerQuery{Q: "556016-0680", Limit: 50, Cursor: "c"})
			},
			[]any{fullConn, core.CustomerQuery{Q: "556016-0680", Limit: 50, Cursor: "c"}}},
		{"SearchCustomers", fullCustomerPage,
			func() (any, error) { return p.SearchCustomers(ctx, fullConn, fullCustomerQuery) },
			[]any{fullConn, fullCustomerQuery}},
		{"SearchCustomers", core.CustomerPage{Customers: []core.Customer{}},
			func() (any, error) { return p.SearchCustomers(ctx, emptyConn, core.CustomerQuery{}) },
			[]any{emptyConn, core.CustomerQuery{}}},
		{"SearchCustomers", core.CustomerPage{},
			func() (any, error) { return p.SearchCustomers(ctx, core.Connection{}, core.CustomerQuery{}) },
			[]any{core.Connection{}, core.CustomerQuery{}}},
		{"GetCustomer", fullCustomer, func() (any, error) { return p.GetCustomer(ctx, fullConn, "cust_1") }, []any{fullConn, "cust_1"}},
		{"GetCustomer", core.Customer{}, func() (any, error) { return p.GetCustomer(ctx, fullConn, "") }, []any{fullConn, ""}},
		{"CreateCustomer", fullCustomer, func() (any, error) { return p.CreateCustomer(ctx, fullConn, fullCustomer) }, []any{fullConn, fullCustomer}},
		{"CreateCustomer", fullCustomer, func() (any, error) { return p.CreateCustomer(ctx, fullConn, core.Customer{}) }, []any{fullConn, core.Customer{}}},
		{"UpdateCustomer", fullCustomer, func() (any, error) { return p.UpdateCustomer(ctx, fullConn, "cust_1", fullPatch) }, []any{fullConn, "cust_1", fullPatch}},
		{"UpdateCustomer", fullCustomer, func() (any, error) { return p.UpdateCustomer(ctx, fullConn, "cust_1", core.CustomerPatch{}) }, []any{fullConn, "cust_1", core.CustomerPatch{}}},
		{"CreateInvoice", fullInvoice, func() (any, error) { return p.CreateInvoice(ctx, fullConn, fullInvoiceRequest) }, []any{fullConn, fullInvoiceRequest}},
		{"CreateInvoice", fullInvoice, func() (any, error) {
			return p.CreateInvoice(ctx, emptyConn, core.InvoiceRequest{Lines: []core.InvoiceLine{}})
		}, []any{emptyConn, core.InvoiceRequest{Lines: []core.InvoiceLine{}}}},
		{"UpdateDraft", fullInvoice, func() (any, error) { return p.UpdateDraft(ctx, fullConn, "inv_1", fullInvoiceRequest) }, []any{fullConn, "inv_1", fullInvoiceRequest}},
		{"UpdateDraft", core.Invoice{ID: "inv_4", Status: core.StatusDraft, OrderIDs: []string{}}, func() (any, error) {
			return p.UpdateDraft(ctx, emptyConn, "inv_4", core.InvoiceRequest{Draft: true, VATBreakdown: []core.VATAmount{}})
		}, []any{emptyConn, "inv_4", core.InvoiceRequest{Draft: true, VATBreakdown: []core.VATAmount{}}}},
		{"PostInvoice", fullInvoice, func() (any, error) { return p.PostInvoice(ctx, fullConn, "inv_1", "2026-04-03") }, []any{fullConn, "inv_1", core.Date("2026-04-03")}},
		{"PostInvoice", listedInvoice, func() (any, error) { return p.PostInvoice(ctx, fullConn, "", "") }, []any{fullConn, "", core.Date("")}},
		{"GetInvoice", fullInvoice, func() (any, error) { return p.GetInvoice(ctx, fullConn, "inv_1") }, []any{fullConn, "inv_1"}},
		{"GetInvoice", listedInvoice, func() (any, error) { return p.GetInvoice(ctx, fullConn, "inv_2") }, []any{fullConn, "inv_2"}},
		{"GetInvoice", core.Invoice{ID: "inv_3", Lines: []core.InvoiceLine{}}, func() (any, error) { return p.GetInvoice(ctx, fullConn, "inv_3") }, []any{fullConn, "inv_3"}},
		{"ListInvoices", core.InvoicePage{Invoices: []core.Invoice{listedInvoice, fullInvoice}, NextCursor: "next"},
			func() (any, error) {
				return p.ListInvoices(ctx, fullConn, core.InvoiceQuery{From: "2026-01-01", To: "2026-01-31", Status: core.StatusPaid,
					CustomerID: "c", Sort: core.SortDueDate, Desc: true, Limit: 10, Cursor: "x", Today: "2026-02-01"})
			},
			[]any{fullConn, core.InvoiceQuery{From: "2026-01-01", To: "2026-01-31", Status: core.StatusPaid,
				CustomerID: "c", Sort: core.SortDueDate, Desc: true, Limit: 10, Cursor: "x", Today: "2026-02-01"}}},
		{"ListInvoices", core.InvoicePage{Invoices: []core.Invoice{}},
			func() (any, error) { return p.ListInvoices(ctx, fullConn, core.InvoiceQuery{}) },
			[]any{fullConn, core.InvoiceQuery{}}},
		{"CreditInvoice", fullInvoice,
			func() (any, error) {
				return p.CreditInvoice(ctx, fullConn, core.CreditRequest{ExternalRef: "cr", InvoiceID: "inv_1", Date: "2026-04-02",
					Lines: []core.CreditLine{{Line: 1, Quantity: dec("0.500")}}})
			},
			[]any{fullConn, core.CreditRequest{ExternalRef: "cr", InvoiceID: "inv_1", Date: "2026-04-02",
				Lines: []core.CreditLine{{Line: 1, Quantity: dec("0.500")}}}}},
		{"CreditInvoice", fullInvoice,
			func() (any, error) { return p.CreditInvoice(ctx, fullConn, core.CreditRequest{InvoiceID: "inv_1"}) },
			[]any{fullConn, core.CreditRequest{InvoiceID: "inv_1"}}},
		{"MarkInvoicePaid", fullInvoice, func() (any, error) { return p.MarkInvoicePaid(ctx, fullConn, fullPayment) }, []any{fullConn, fullPayment}},
		{"InvoicePDF", core.Document{ContentType: "application/pdf", Filename: "1001.pdf", Data: []byte("%PDF-1.7 \x00\x01")},
			func() (any, error) { return p.InvoicePDF(ctx, fullConn, "inv_1") }, []any{fullConn, "inv_1"}},
		{"InvoicePDF", core.Document{ContentType: "application/pdf", Data: []byte{}},
			func() (any, error) { return p.InvoicePDF(ctx, fullConn, "inv_1") }, []any{fullConn, "inv_1"}},
		{"InvoiceUBL", core.Document{ContentType: "application/xml", Filename: "faktura-1001.xml", Data: []byte("<Invoice/>")},
			func() (any, error) { return p.InvoiceUBL(ctx, fullConn, "inv_1") }, []any{fullConn, "inv_1"}},
		{"CreateOrder", fullOrder, func() (any, error) { return p.CreateOrder(ctx, fullConn, fullInvoiceRequest) }, []any{fullConn, fullInvoiceRequest}},
		{"CreateOrder", listedOrder, func() (any, error) {
			return p.CreateOrder(ctx, emptyConn, core.InvoiceRequest{Lines: []core.InvoiceLine{}})
		}, []any{emptyConn, core.InvoiceRequest{Lines: []core.InvoiceLine{}}}},
		{"ListOrders", core.OrderPage{Orders: []core.Order{listedOrder, fullOrder}, NextCursor: "next"},
			func() (any, error) { return p.ListOrders(ctx, fullConn, fullOrderQuery) }, []any{fullConn, fullOrderQuery}},
		{"ListOrders", core.OrderPage{Orders: []core.Order{}},
			func() (any, error) { return p.ListOrders(ctx, fullConn, core.OrderQuery{}) }, []any{fullConn, core.OrderQuery{}}},
		{"ListOrders", core.OrderPage{},
			func() (any, error) { return p.ListOrders(ctx, emptyConn, core.OrderQuery{Status: core.OrderInvoiced}) },
			[]any{emptyConn, core.OrderQuery{Status: core.OrderInvoiced}}},
		{"InvoiceOrders", fullInvoice, func() (any, error) { return p.InvoiceOrders(ctx, fullConn, fullCollectiveRequest) }, []any{fullConn, fullCollectiveRequest}},
		{"RefundOrder", fullOrder, func() (any, error) { return p.RefundOrder(ctx, fullConn, fullOrderRefundRequest) }, []any{fullConn, fullOrderRefundRequest}},
		{"RefundOrder", listedOrder, func() (any, error) { return p.RefundOrder(ctx, fullConn, core.OrderRefundRequest{OrderID: "ord_2"}) },
			[]any{fullConn, core.OrderRefundRequest{OrderID: "ord_2"}}},
		{"InvoiceOrders", core.Invoice{}, func() (any, error) { return p.InvoiceOrders(ctx, fullConn, core.CollectiveRequest{}) }, []any{fullConn, core.CollectiveRequest{}}},
		{"ListLedgerAccounts", []core.LedgerAccount{{Number: "3000", Name: "Sales", Active: true, LockedVATCode: "3"}, {Number: "1920", AllowedVATCodes: []string{"0"}}},
			func() (any, error) { return p.ListLedgerAccounts(ctx, fullConn) }, []any{fullConn}},
		{"ListLedgerAccounts", []core.LedgerAccount{}, func() (any, error) { return p.ListLedgerAccounts(ctx, fullConn) }, []any{fullConn}},
		{"ListLedgerAccounts", []core.LedgerAccount(nil), func() (any, error) { return p.ListLedgerAccounts(ctx, fullConn) }, []any{fullConn}},
		{"CreateLedgerAccount", core.LedgerAccount{Number: "2910", Name: "Gjeld til ansatte", Active: true, AllowedVATCodes: []string{"0"}},
			func() (any, error) {
				return p.CreateLedgerAccount(ctx, fullConn, core.NewLedgerAccount{Number: "2910", Name: "Gjeld til ansatte"})
			}, []any{fullConn, core.NewLedgerAccount{Number: "2910", Name: "Gjeld til ansatte"}}},
		{"ListVATCodes", []core.VATCode{{Code: "3", Name: "Utgående høy sats", Rate: dec("25")}, {Code: "31", Rate: dec("15.0")}, {Code: "x", Rate: dec("12.5")}},
			func() (any, error) { return p.ListVATCodes(ctx, emptyConn) }, []any{emptyConn}},
		{"ListVATCodes", []core.VATCode{}, func() (any, error) { return p.ListVATCodes(ctx, emptyConn) }, []any{emptyConn}},
		{"ListPaymentTypes", []core.PaymentType{{ID: "7", Name: "Betalt til bank", AccountNumber: "1920"}, {}},
			func() (any, error) { return p.ListPaymentTypes(ctx, fullConn) }, []any{fullConn}},
		{"ListPaymentTypes", []core.PaymentType{}, func() (any, error) { return p.ListPaymentTypes(ctx, fullConn) }, []any{fullConn}},
		{"ListPaymentTypes", []core.PaymentType(nil), func() (any, error) { return p.ListPaymentTypes(ctx, fullConn) }, []any{fullConn}},
		{"ExportSales", core.ExportResult{ProviderRef: "V-1", AlreadyExisted: true}, func() (any, error) { return p.ExportSales(ctx, fullConn, fullVoucher) }, []any{fullConn, fullVoucher}},
		{"ExportSales", core.ExportResult{}, func() (any, error) { return p.ExportSales(ctx, fullConn, core.Voucher{}) }, []any{fullConn, core.Voucher{}}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.answer(tt.ret, nil)
			got, err := tt.call()
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			method, args := fake.last()
			if method != tt.name {
				t.Fatalf("plugin saw %s, want %s", method, tt.name)
			}
			assertSame(t, "args", tt.args, args)
			assertSame(t, "result", tt.ret, got)
			seen[tt.name] = true
		})
	}
	// The table must cover the whole interface, including methods added
	// to core.Provider later.
	iface := reflect.TypeOf((*core.Provider)(nil)).Elem()
	for i := 0; i < iface.NumMethod(); i++ {
		if m := iface.Method(i).Name; !seen[m] {
			t.Errorf("no passing round trip for %s", m)
		}
	}
}

// A *core.Error keeps every field across the process boundary, for every code.
func TestErrorsSurviveTheTrip(t *testing.T) {
	fake := newFake()
	p := connect(t, fake)
	ctx := context.Background()

	full := &core.Error{
		Code:    core.CodeInvalid,
		Message: "invalid invoice",
		Fields: []core.FieldError{
			{Field: "lines[0].vat_rate", Message: "7% is not a VAT rate in SE"},
			{Field: "customer_id", Message: "customer is inactive"},
		},
		RetryAfter: 1500 * time.Millisecond,
		Syntax:     true,
	}
	tests := []struct {
		name string
		err  error
		want *core.Error
	}{
		{"every field", full, full},
		{"invalid", core.Invalid("bad", core.FieldError{Field: "f", Message: "m"}), &core.Error{Code: core.CodeInvalid, Message: "bad", Fields: []core.FieldError{{Field: "f", Message: "m"}}}},
		{"unauthorized", core.Errorf(core.CodeUnauthorized, "token expired"), core.Errorf(core.CodeUnauthorized, "token expired")},
		{"forbidden", core.Errorf(core.CodeForbidden, "no"), core.Errorf(core.CodeForbidden, "no")},
		{"not found", core.ErrNotFound("invoice", "inv_9"), core.ErrNotFound("invoice", "inv_9")},
		{"conflict", core.Errorf(core.CodeConflict, "already credited"), core.Errorf(core.CodeConflict, "already credited")},
		{"rate limited", &core.Error{Code: core.CodeRateLimited, Message: "429", RetryAfter: 30 * time.Second}, &core.Error{Code: core.CodeRateLimited, Message: "429", RetryAfter: 30 * time.Second}},
		{"provider error", core.Errorf(core.CodeProviderError, "Tripletex said no"), core.Errorf(core.CodeProviderError, "Tripletex said no")},
		{"unavailable", core.Errorf(core.CodeUnavailable, "down"), core.Errorf(core.CodeUnavailable, "down")},
		{"unsupported", core.Errorf(core.CodeUnsupported, "no PDF"), core.Errorf(core.CodeUnsupported, "no PDF")},
		{"internal", core.Errorf(core.CodeInternal, "bug"), core.Errorf(core.CodeInternal, "bug")},
		{"wrapped", errors.Join(errors.New("context"), core.ErrNotFound("customer", "c")), core.ErrNotFound("customer", "c")},
		{"foreign", errors.New("boom"), core.Errorf(core.CodeInternal, "boom")},
		{"plugin-side timeout", context.DeadlineExceeded, core.Errorf(core.CodeUnavailable, "provider call timed out: context deadline exceeded")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.answer(nil, tt.err)
			_, err := p.GetInvoice(ctx, fullConn, "inv_1")
			var got *core.Error
			if !errors.As(err, &got) {
				t.Fatalf("err = %T %v, want *core.Error", err, err)
			}
			assertSame(t, "error", tt.want, got)
		})
	}
	// VerifyConnection has no result, only an error.
	fake.answer(nil, full)
	assertSame(t, "verify", full, p.VerifyConnection(ctx, fullConn))
	fake.answer(nil, nil)
	if err := p.VerifyConnection(ctx, fullConn); err != nil {
		t.Errorf("VerifyConnection success = %v (%T), want nil", err, err)
	}
}

// The host's deadline and cancellation reach the plugin, and the host gets
// CodeUnavailable promptly.
func TestHostCancellationReachesThePlugin(t *testing.T) {
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		sawErr error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(150*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			fake.block = true
			p := connect(t, fake)
			ctx, cancel := tt.ctx()
			defer cancel()

			start := time.Now()
			_, err := p.ExportSales(ctx, fullConn, fullVoucher)
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("host waited %s", elapsed)
			}
			if core.Code(err) != core.CodeUnavailable {
				t.Errorf("host err = %v, want unavailable", err)
			}
			select {
			case saw := <-fake.canceled:
				// The plugin sees cancellation; a deadline may reach it as
				// either its own deadline or the host's cancel.
				if saw == nil || (tt.sawErr == context.Canceled && saw != context.Canceled) {
					t.Errorf("plugin saw %v, want %v", saw, tt.sawErr)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("plugin never saw the cancellation")
			}
		})
	}
}

func TestPanicInProviderIsAnInternalError(t *testing.T) {
	fake := newFake()
	p := connect(t, fake)
	fake.mu.Lock()
	fake.panics = true
	fake.mu.Unlock()
	_, err := p.GetCustomer(context.Background(), fullConn, "c")
	if e := core.AsError(err); e == nil || e.Code != core.CodeInternal || !strings.Contains(e.Message, "fake provider exploded") {
		t.Fatalf("err = %v, want internal naming the panic", err)
	}
	fake.mu.Lock()
	fake.panics = false
	fake.mu.Unlock()
	fake.answer(fullCustomer, nil)
	if _, err := p.GetCustomer(context.Background(), fullConn, "c"); err != nil {
		t.Fatalf("the plugin did not survive the panic: %v", err)
	}
}

// rawServer answers every call with an empty response, as a careless
// hand-written plugin might, or with a canned error.
type rawServer struct {
	pb.UnimplementedProviderServer
	err     error
	invoice *pb.Invoice
	order   *pb.Order
}

func (s *rawServer) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	return &pb.DescribeResponse{}, s.err
}
func (s *rawServer) GetCustomer(context.Context, *pb.GetCustomerRequest) (*pb.GetCustomerResponse, error) {
	return &pb.GetCustomerResponse{}, s.err
}
func (s *rawServer) SearchCustomers(context.Context, *pb.SearchCustomersRequest) (*pb.SearchCustomersResponse, error) {
	return nil, s.err
}
func (s *rawServer) GetInvoice(context.Context, *pb.GetInvoiceRequest) (*pb.GetInvoiceResponse, error) {
	return &pb.GetInvoiceResponse{Invoice: s.invoice}, s.err
}
func (s *rawServer) ListInvoices(context.Context, *pb.ListInvoicesRequest) (*pb.ListInvoicesResponse, error) {
	return &pb.ListInvoicesResponse{Invoices: []*pb.Invoice{s.invoice}}, s.err
}
func (s *rawServer) InvoicePDF(context.Context, *pb.InvoicePDFRequest) (*pb.InvoicePDFResponse, error) {
	return &pb.InvoicePDFResponse{}, s.err
}
func (s *rawServer) ExportSales(context.Context, *pb.ExportSalesRequest) (*pb.ExportSalesResponse, error) {
	return &pb.ExportSalesResponse{}, s.err
}
func (s *rawServer) UpdateDraft(context.Context, *pb.UpdateDraftRequest) (*pb.UpdateDraftResponse, error) {
	return &pb.UpdateDraftResponse{Invoice: s.invoice}, s.err
}
func (s *rawServer) PostInvoice(context.Context, *pb.PostInvoiceRequest) (*pb.PostInvoiceResponse, error) {
	return &pb.PostInvoiceResponse{Invoice: s.invoice}, s.err
}
func (s *rawServer) CreateOrder(context.Context, *pb.CreateOrderRequest) (*pb.CreateOrderResponse, error) {
	return &pb.CreateOrderResponse{Order: s.order}, s.err
}
func (s *rawServer) ListOrders(context.Context, *pb.ListOrdersRequest) (*pb.ListOrdersResponse, error) {
	return &pb.ListOrdersResponse{Orders: []*pb.Order{s.order}}, s.err
}
func (s *rawServer) InvoiceOrders(context.Context, *pb.InvoiceOrdersRequest) (*pb.InvoiceOrdersResponse, error) {
	return &pb.InvoiceOrdersResponse{Invoice: s.invoice}, s.err
}
func (s *rawServer) RefundOrder(context.Context, *pb.RefundOrderRequest) (*pb.RefundOrderResponse, error) {
	return &pb.RefundOrderResponse{Order: s.order}, s.err
}
func (s *rawServer) ListVATCodes(context.Context, *pb.ListVATCodesRequest) (*pb.ListVATCodesResponse, error) {
	return &pb.ListVATCodesResponse{VatCodes: []*pb.VATCode{{Code: "1", Rate: "25%"}}}, s.err
}

func rawConnect(t *testing.T, s *rawServer) core.Provider {
	t.Helper()
	conn, server := goplugin.TestGRPCConn(t, func(g *grpc.Server) { pb.RegisterProviderServer(g, s) })
	t.Cleanup(func() {
		conn.Close()
		server.Stop()
	})
	return NewClient(conn)
}

// Answers without their result message, or with nil lists, never panic the
// host: a missing result is an internal error, missing lists are nil.
func TestHostHandlesMissingMessages(t *testing.T) {
	p := rawConnect(t, &rawServer{})
	ctx := context.Background()
	checks := []struct {
		name string
		call func() error
	}{
		{"Describe", func() error { _, err := p.Describe(ctx); return err }},
		{"GetCustomer", func() error { _, err := p.GetCustomer(ctx, fullConn, "c"); return err }},
		{"GetInvoice", func() error { _, err := p.GetInvoice(ctx, fullConn, "i"); return err }},
		{"InvoicePDF", func() error { _, err := p.InvoicePDF(ctx, fullConn, "i"); return err }},
		{"ExportSales", func() error { _, err := p.ExportSales(ctx, fullConn, fullVoucher); return err }},
		{"UpdateDraft", func() error { _, err := p.UpdateDraft(ctx, fullConn, "i", fullInvoiceRequest); return err }},
		{"PostInvoice", func() error { _, err := p.PostInvoice(ctx, fullConn, "i", "2026-04-03"); return err }},
		{"CreateOrder", func() error { _, err := p.CreateOrder(ctx, fullConn, fullInvoiceRequest); return err }},
		{"InvoiceOrders", func() error { _, err := p.InvoiceOrders(ctx, fullConn, fullCollectiveRequest); return err }},
		{"RefundOrder", func() error { _, err := p.RefundOrder(ctx, fullConn, fullOrderRefundRequest); return err }},
	}
	for _, c := range checks {
		if err := c.call(); core.Code(err) != core.CodeInternal {
			t.Errorf("%s: err = %v, want internal", c.name, err)
		}
	}
	page, err := p.SearchCustomers(ctx, fullConn, core.CustomerQuery{})
	if err != nil || page.Customers != nil {
		t.Errorf("SearchCustomers with a nil answer = %+v, %v; want empty page", page, err)
	}
	// A nil invoice inside a list decodes as a zero invoice.
	inv, err := p.ListInvoices(ctx, fullConn, core.InvoiceQuery{})
	if err != nil || len(inv.Invoices) != 1 {
		t.Errorf("ListInvoices = %+v, %v", inv, err)
	}
	orders, err := p.ListOrders(ctx, fullConn, core.OrderQuery{})
	if err != nil || len(orders.Orders) != 1 {
		t.Errorf("ListOrders = %+v, %v", orders, err)
	}
}

func TestHostRejectsMalformedDecimals(t *testing.T) {
	bad := invoiceToPB(fullInvoice)
	bad.Lines[0].Quantity = "12,5"
	badOrder := orderToPB(fullOrder)
	badOrder.VatBreakdown[2].VatRate = "12.5.0"
	p := rawConnect(t, &rawServer{invoice: bad, order: badOrder})
	_, err := p.GetInvoice(context.Background(), fullConn, "i")
	e := core.AsError(err)
	if e == nil || e.Code != core.CodeInternal || len(e.Fields) != 1 || e.Fields[0].Field != "lines[0].quantity" {
		t.Errorf("GetInvoice = %v, want internal naming lines[0].quantity", err)
	}
	_, err = p.ListInvoices(context.Background(), fullConn, core.InvoiceQuery{})
	if e := core.AsError(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "invoices[0].lines[0].quantity" {
		t.Errorf("ListInvoices = %v, want a field invoices[0].lines[0].quantity", err)
	}
	_, err = p.ListVATCodes(context.Background(), fullConn)
	if e := core.AsError(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "vat_codes[0].rate" {
		t.Errorf("ListVATCodes = %v, want a field vat_codes[0].rate", err)
	}
	for name, call := range map[string]func() error{
		"UpdateDraft": func() error {
			_, err := p.UpdateDraft(context.Background(), fullConn, "i", core.InvoiceRequest{})
			return err
		},
		"PostInvoice": func() error { _, err := p.PostInvoice(context.Background(), fullConn, "i", ""); return err },
		"InvoiceOrders": func() error {
			_, err := p.InvoiceOrders(context.Background(), fullConn, core.CollectiveRequest{})
			return err
		},
	} {
		e := core.AsError(call())
		if e == nil || e.Code != core.CodeInternal || len(e.Fields) != 1 || e.Fields[0].Field != "lines[0].quantity" {
			t.Errorf("%s = %v, want internal naming lines[0].quantity", name, e)
		}
	}
	_, err = p.CreateOrder(context.Background(), fullConn, core.InvoiceRequest{})
	if e := core.AsError(err); e == nil || e.Code != core.CodeInternal || len(e.Fields) != 1 || e.Fields[0].Field != "vat_breakdown[2].vat_rate" {
		t.Errorf("CreateOrder = %v, want internal naming vat_breakdown[2].vat_rate", err)
	}
	_, err = p.ListOrders(context.Background(), fullConn, core.OrderQuery{})
	if e := core.AsError(err); e == nil || e.Code != core.CodeInternal || len(e.Fields) != 1 || e.Fields[0].Field != "orders[0].vat_breakdown[2].vat_rate" {
		t.Errorf("ListOrders = %v, want internal naming orders[0].vat_breakdown[2].vat_rate", err)
	}
}

// Statuses without the Error detail map by gRPC code.
func TestStatusWithoutDetail(t *testing.T) {
	withDetail, _ := status.New(codes.Internal, "x").WithDetails(&pb.Error{Code: "teapot", Message: "short and stout"})
	tests := []struct {
		name string
		err  error
		want core.ErrorCode
	}{
		{"unavailable", status.Error(codes.Unavailable, "connection refused"), core.CodeUnavailable},
		{"deadline", status.Error(codes.DeadlineExceeded, "slow"), core.CodeUnavailable},
		{"canceled", status.Error(codes.Canceled, "gone"), core.CodeUnavailable},
		{"unimplemented", status.Error(codes.Unimplemented, "method Foo not implemented"), core.CodeUnsupported},
		{"other", status.Error(codes.DataLoss, "eh"), core.CodeInternal},
		{"unknown code in detail", withDetail.Err(), core.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rawConnect(t, &rawServer{err: tt.err})
			_, err := p.GetCustomer(context.Background(), fullConn, "c")
			if core.Code(err) != tt.want {
				t.Errorf("err = %v, want %s", err, tt.want)
			}
			if tt.want == core.CodeUnavailable && !strings.Contains(err.Error(), "provider") {
				t.Errorf("message %q does not say the provider is the problem", err)
			}
		})
	}
	// A method the plugin does not implement at all (an older plugin).
	p := rawConnect(t, &rawServer{})
	if _, err := p.ListPaymentTypes(context.Background(), fullConn); core.Code(err) != core.CodeUnsupported {
		t.Errorf("unimplemented RPC: err = %v, want unsupported", err)
	}
	// A plugin without InvoiceUBL (protocol 3) is unsupported, not broken.
	if _, err := p.InvoiceUBL(context.Background(), fullConn, "i"); core.Code(err) != core.CodeUnsupported {
		t.Errorf("InvoiceUBL on an older plugin: err = %v, want unsupported", err)
	}
}

func TestHostDetectsExitedPlugin(t *testing.T) {
	done := make(chan struct{})
	close(done)
	c := &client{rpc: pb.NewProviderClient(nil), done: done}
	if _, err := c.Describe(context.Background()); core.Code(err) != core.CodeUnavailable {
		t.Errorf("err = %v, want unavailable", err)
	}
}

// The plugin side refuses malformed decimals in a request before calling the
// provider, naming each field.
func TestServerRejectsMalformedRequest(t *testing.T) {
	fake := newFake()
	s := NewServer(fake)
	req := invoiceRequestToPB(fullInvoiceRequest)
	req.Lines[2].VatRate = "25 %"
	_, err := s.CreateInvoice(context.Background(), &pb.CreateInvoiceRequest{Connection: connectionToPB(fullConn), Request: req})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("code = %s, want InvalidArgument", status.Code(err))
	}
	e := core.AsError(ErrorFromStatus(err))
	if e.Code != core.CodeInvalid || !e.Syntax || len(e.Fields) != 1 || e.Fields[0].Field != "lines[2].vat_rate" {
		t.Errorf("err = %#v, want invalid syntax error naming lines[2].vat_rate", e)
	}
	if m, _ := fake.last(); m != "" {
		t.Errorf("provider was called (%s) with a malformed request", m)
	}
	_, err = s.CreditInvoice(context.Background(), &pb.CreditInvoiceRequest{Request: &pb.CreditRequest{Lines: []*pb.CreditLine{{Quantity: "x"}}}})
	if e := core.AsError(ErrorFromStatus(err)); len(e.Fields) != 1 || e.Fields[0].Field != "lines[0].quantity" {
		t.Errorf("credit: err = %v, want a field lines[0].quantity", err)
	}
	_, err = s.UpdateDraft(context.Background(), &pb.UpdateDraftRequest{Id: "inv_1", Request: req})
	if e := core.AsError(ErrorFromStatus(err)); e.Code != core.CodeInvalid || !e.Syntax || len(e.Fields) != 1 || e.Fields[0].Field != "lines[2].vat_rate" {
		t.Errorf("update draft: err = %#v, want invalid syntax error naming lines[2].vat_rate", e)
	}
	_, err = s.CreateOrder(context.Background(), &pb.CreateOrderRequest{Request: req})
	if e := core.AsError(ErrorFromStatus(err)); e.Code != core.CodeInvalid || !e.Syntax || len(e.Fields) != 1 || e.Fields[0].Field != "lines[2].vat_rate" {
		t.Errorf("create order: err = %#v, want invalid syntax error naming lines[2].vat_rate", e)
	}
	if m, _ := fake.last(); m != "" {
		t.Errorf("provider was called (%s) with a malformed request", m)
	}
}

// Requests with their messages missing reach the provider as zero values.
func TestServerHandlesMissingMessages(t *testing.T) {
	fake := newFake()
	s := NewServer(fake)
	ctx := context.Background()
	if _, err := s.UpdateCustomer(ctx, &pb.UpdateCustomerRequest{Id: "c"}); err != nil {
		t.Fatal(err)
	}
	_, args := fake.last()
	assertSame(t, "args", []any{core.Connection{}, "c", core.CustomerPatch{}}, args)
	if _, err := s.ExportSales(ctx, &pb.ExportSalesRequest{}); err != nil {
		t.Fatal(err)
	}
	_, args = fake.last()
	assertSame(t, "args", []any{core.Connection{}, core.Voucher{}}, args)
	if _, err := s.UpdateDraft(ctx, &pb.UpdateDraftRequest{Id: "d"}); err != nil {
		t.Fatal(err)
	}
	_, args = fake.last()
	assertSame(t, "args", []any{core.Connection{}, "d", core.InvoiceRequest{}}, args)
	if _, err := s.CreateOrder(ctx, &pb.CreateOrderRequest{}); err != nil {
		t.Fatal(err)
	}
	_, args = fake.last()
	assertSame(t, "args", []any{core.Connection{}, core.InvoiceRequest{}}, args)
	if _, err := s.ListOrders(ctx, &pb.ListOrdersRequest{}); err != nil {
		t.Fatal(err)
	}
	_, args = fake.last()
	assertSame(t, "args", []any{core.Connection{}, core.OrderQuery{}}, args)
	if _, err := s.InvoiceOrders(ctx, &pb.InvoiceOrdersRequest{}); err != nil {
		t.Fatal(err)
	}
	_, args = fake.last()
	assertSame(t, "args", []any{core.Connection{}, core.CollectiveRequest{}}, args)
}

func TestGRPCCodes(t *testing.T) {
	want := map[core.ErrorCode]codes.Code{
		core.CodeInvalid: codes.InvalidArgument, core.CodeUnauthorized: codes.Unauthenticated,
		core.CodeForbidden: codes.PermissionDenied, core.CodeNotFound: codes.NotFound,
		core.CodeConflict: codes.FailedPrecondition, core.CodeRateLimited: codes.ResourceExhausted,
		core.CodeProviderError: codes.Unknown, core.CodeUnavailable: codes.Unavailable,
		core.CodeUnsupported: codes.Unimplemented, core.CodeInternal: codes.Internal,
	}
	for c, g := range want {
		if got := status.Code(StatusFromError(core.Errorf(c, "m"))); got != g {
			t.Errorf("%s → %s, want %s", c, got, g)
		}
	}
	if StatusFromError(nil) != nil || ErrorFromStatus(nil) != nil {
		t.Error("nil error must stay nil")
	}
}

func TestVersionedPlugins(t *testing.T) {
	if len(Handshake.MagicCookieValue) != 64 || Handshake.ProtocolVersion != ProtocolVersion {
		t.Errorf("handshake %+v", Handshake)
	}
	sets := VersionedPlugins(nil)
	if len(sets) != ProtocolVersion {
		t.Errorf("%d versions served, want 1 to %d", len(sets), ProtocolVersion)
	}
	for v := 1; v <= ProtocolVersion; v++ {
		if p, ok := sets[v][PluginName].(*GRPCPlugin); !ok || len(sets[v]) != 1 || p.Version != v {
			t.Errorf("plugin set %d = %#v", v, sets[v])
		}
	}
}
