package plugin

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/hashicorp/go-hclog"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// server is the plugin-side adapter: the generated gRPC service over a
// core.Provider.
type server struct {
	pb.UnimplementedProviderServer
	impl core.Provider
}

// NewServer returns the gRPC service that serves impl. Every error impl
// returns leaves as a gRPC status carrying a pb.Error detail (see
// StatusFromError); a panic in impl is recovered, logged with its stack to
// stderr, and answered as CodeInternal so one bad call does not kill the
// process that serves every merchant. A request whose decimal fields do not
// parse is refused, before impl is called, with CodeInvalid (Syntax set)
// naming each such field.
func NewServer(impl core.Provider) pb.ProviderServer {
	return &server{impl: impl}
}

// guard turns a panic in impl into a CodeInternal status in *err.
func (s *server) guard(method string, err *error) {
	if r := recover(); r != nil {
		// hclog.Default is the plugin's stderr logger once Serve has run.
		hclog.Default().Error("provider panicked", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = StatusFromError(core.Errorf(core.CodeInternal, "provider panicked in %s: %v", method, r))
	}
}

// badRequest answers a request whose fields did not decode.
func badRequest(d *decoder) error {
	if err := d.err("malformed request"); err != nil {
		e := core.AsError(err)
		e.Syntax = true
		return StatusFromError(e)
	}
	return nil
}

func (s *server) Describe(ctx context.Context, _ *pb.DescribeRequest) (resp *pb.DescribeResponse, err error) {
	defer s.guard("Describe", &err)
	d, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.DescribeResponse{Provider: descriptorToPB(d)}, nil
}

func (s *server) VerifyConnection(ctx context.Context, req *pb.VerifyConnectionRequest) (resp *pb.VerifyConnectionResponse, err error) {
	defer s.guard("VerifyConnection", &err)
	if err := s.impl.VerifyConnection(ctx, connectionFromPB(req.GetConnection())); err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.VerifyConnectionResponse{}, nil
}

func (s *server) SearchCustomers(ctx context.Context, req *pb.SearchCustomersRequest) (resp *pb.SearchCustomersResponse, err error) {
	defer s.guard("SearchCustomers", &err)
	page, err := s.impl.SearchCustomers(ctx, connectionFromPB(req.GetConnection()), customerQueryFromPB(req.GetQuery()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.SearchCustomersResponse{
		Customers:        sliceToPB(page.Customers, customerToPB),
		CustomersPresent: page.Customers != nil,
		NextCursor:       page.NextCursor,
		Sync:             customerSyncToPB(page.Sync),
	}, nil
}

func (s *server) GetCustomer(ctx context.Context, req *pb.GetCustomerRequest) (resp *pb.GetCustomerResponse, err error) {
	defer s.guard("GetCustomer", &err)
	c, err := s.impl.GetCustomer(ctx, connectionFromPB(req.GetConnection()), req.GetId())
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.GetCustomerResponse{Customer: customerToPB(c)}, nil
}

func (s *server) CreateCustomer(ctx context.Context, req *pb.CreateCustomerRequest) (resp *pb.CreateCustomerResponse, err error) {
	defer s.guard("CreateCustomer", &err)
	c, err := s.impl.CreateCustomer(ctx, connectionFromPB(req.GetConnection()), customerFromPB(req.GetCustomer()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.CreateCustomerResponse{Customer: customerToPB(c)}, nil
}

func (s *server) UpdateCustomer(ctx context.Context, req *pb.UpdateCustomerRequest) (resp *pb.UpdateCustomerResponse, err error) {
	defer s.guard("UpdateCustomer", &err)
	c, err := s.impl.UpdateCustomer(ctx, connectionFromPB(req.GetConnection()), req.GetId(), patchFromPB(req.GetPatch()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.UpdateCustomerResponse{Customer: customerToPB(c)}, nil
}

func (s *server) CreateInvoice(ctx context.Context, req *pb.CreateInvoiceRequest) (resp *pb.CreateInvoiceResponse, err error) {
	defer s.guard("CreateInvoice", &err)
	var d decoder
	r := d.invoiceRequest(req.GetRequest())
	if err := badRequest(&d); err != nil {
		return nil, err
	}
	inv, err := s.impl.CreateInvoice(ctx, connectionFromPB(req.GetConnection()), r)
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.CreateInvoiceResponse{Invoice: invoiceToPB(inv)}, nil
}

func (s *server) UpdateDraft(ctx context.Context, req *pb.UpdateDraftRequest) (resp *pb.UpdateDraftResponse, err error) {
	defer s.guard("UpdateDraft", &err)
	var d decoder
	r := d.invoiceRequest(req.GetRequest())
	if err := badRequest(&d); err != nil {
		return nil, err
	}
	inv, err := s.impl.UpdateDraft(ctx, connectionFromPB(req.GetConnection()), req.GetId(), r)
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.UpdateDraftResponse{Invoice: invoiceToPB(inv)}, nil
}

func (s *server) PostInvoice(ctx context.Context, req *pb.PostInvoiceRequest) (resp *pb.PostInvoiceResponse, err error) {
	defer s.guard("PostInvoice", &err)
	inv, err := s.impl.PostInvoice(ctx, connectionFromPB(req.GetConnection()), req.GetId(), core.Date(req.GetDate()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.PostInvoiceResponse{Invoice: invoiceToPB(inv)}, nil
}

func (s *server) GetInvoice(ctx context.Context, req *pb.GetInvoiceRequest) (resp *pb.GetInvoiceResponse, err error) {
	defer s.guard("GetInvoice", &err)
	inv, err := s.impl.GetInvoice(ctx, connectionFromPB(req.GetConnection()), req.GetId())
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.GetInvoiceResponse{Invoice: invoiceToPB(inv)}, nil
}

func (s *server) ListInvoices(ctx context.Context, req *pb.ListInvoicesRequest) (resp *pb.ListInvoicesResponse, err error) {
	defer s.guard("ListInvoices", &err)
	page, err := s.impl.ListInvoices(ctx, connectionFromPB(req.GetConnection()), invoiceQueryFromPB(req.GetQuery()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.ListInvoicesResponse{
		Invoices:        sliceToPB(page.Invoices, invoiceToPB),
		InvoicesPresent: page.Invoices != nil,
		NextCursor:      page.NextCursor,
	}, nil
}

func (s *server) CreditInvoice(ctx context.Context, req *pb.CreditInvoiceRequest) (resp *pb.CreditInvoiceResponse, err error) {
	defer s.guard("CreditInvoice", &err)
	var d decoder
	r := d.creditRequest(req.GetRequest())
	if err := badRequest(&d); err != nil {
		return nil, err
	}
	inv, err := s.impl.CreditInvoice(ctx, connectionFromPB(req.GetConnection()), r)
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.CreditInvoiceResponse{Invoice: invoiceToPB(inv)}, nil
}

func (s *server) MarkInvoicePaid(ctx context.Context, req *pb.MarkInvoicePaidRequest) (resp *pb.MarkInvoicePaidResponse, err error) {
	defer s.guard("MarkInvoicePaid", &err)
	inv, err := s.impl.MarkInvoicePaid(ctx, connectionFromPB(req.GetConnection()), core.PaymentRequest{
		InvoiceID:   req.GetId(),
		PaidAt:      core.Date(req.GetPaidAt()),
		Amount:      req.GetAmount(),
		Method:      req.GetMethod(),
		ExternalRef: req.GetExternalRef(),
	})
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.MarkInvoicePaidResponse{Invoice: invoiceToPB(inv)}, nil
}

func (s *server) InvoicePDF(ctx context.Context, req *pb.InvoicePDFRequest) (resp *pb.InvoicePDFResponse, err error) {
	defer s.guard("InvoicePDF", &err)
	doc, err := s.impl.InvoicePDF(ctx, connectionFromPB(req.GetConnection()), req.GetId())
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.InvoicePDFResponse{Document: documentToPB(doc)}, nil
}

func (s *server) InvoiceUBL(ctx context.Context, req *pb.InvoiceUBLRequest) (resp *pb.InvoiceUBLResponse, err error) {
	defer s.guard("InvoiceUBL", &err)
	doc, err := s.impl.InvoiceUBL(ctx, connectionFromPB(req.GetConnection()), req.GetId())
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.InvoiceUBLResponse{Document: documentToPB(doc)}, nil
}

func (s *server) CreateOrder(ctx context.Context, req *pb.CreateOrderRequest) (resp *pb.CreateOrderResponse, err error) {
	defer s.guard("CreateOrder", &err)
	var d decoder
	r := d.invoiceRequest(req.GetRequest())
	if err := badRequest(&d); err != nil {
		return nil, err
	}
	o, err := s.impl.CreateOrder(ctx, connectionFromPB(req.GetConnection()), r)
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.CreateOrderResponse{Order: orderToPB(o)}, nil
}

func (s *server) RefundOrder(ctx context.Context, req *pb.RefundOrderRequest) (resp *pb.RefundOrderResponse, err error) {
	defer s.guard("RefundOrder", &err)
	var d decoder
	r := d.orderRefundRequest(req)
	if err := badRequest(&d); err != nil {
		return nil, err
	}
	o, err := s.impl.RefundOrder(ctx, connectionFromPB(req.GetConnection()), r)
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.RefundOrderResponse{Order: orderToPB(o)}, nil
}

func (s *server) ListOrders(ctx context.Context, req *pb.ListOrdersRequest) (resp *pb.ListOrdersResponse, err error) {
	defer s.guard("ListOrders", &err)
	page, err := s.impl.ListOrders(ctx, connectionFromPB(req.GetConnection()), orderQueryFromPB(req.GetQuery()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.ListOrdersResponse{
		Orders:        sliceToPB(page.Orders, orderToPB),
		OrdersPresent: page.Orders != nil,
		NextCursor:    page.NextCursor,
	}, nil
}

func (s *server) InvoiceOrders(ctx context.Context, req *pb.InvoiceOrdersRequest) (resp *pb.InvoiceOrdersResponse, err error) {
	defer s.guard("InvoiceOrders", &err)
	inv, err := s.impl.InvoiceOrders(ctx, connectionFromPB(req.GetConnection()), collectiveRequestFromPB(req.GetRequest()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.InvoiceOrdersResponse{Invoice: invoiceToPB(inv)}, nil
}

func (s *server) ListLedgerAccounts(ctx context.Context, req *pb.ListLedgerAccountsRequest) (resp *pb.ListLedgerAccountsResponse, err error) {
	defer s.guard("ListLedgerAccounts", &err)
	accounts, err := s.impl.ListLedgerAccounts(ctx, connectionFromPB(req.GetConnection()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.ListLedgerAccountsResponse{
		Accounts:        sliceToPB(accounts, ledgerAccountToPB),
		AccountsPresent: accounts != nil,
	}, nil
}

func (s *server) CreateLedgerAccount(ctx context.Context, req *pb.CreateLedgerAccountRequest) (resp *pb.CreateLedgerAccountResponse, err error) {
	defer s.guard("CreateLedgerAccount", &err)
	a, err := s.impl.CreateLedgerAccount(ctx, connectionFromPB(req.GetConnection()), core.NewLedgerAccount{Number: req.GetNumber(), Name: req.GetName()})
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.CreateLedgerAccountResponse{Account: ledgerAccountToPB(a)}, nil
}

func (s *server) ListVATCodes(ctx context.Context, req *pb.ListVATCodesRequest) (resp *pb.ListVATCodesResponse, err error) {
	defer s.guard("ListVATCodes", &err)
	vatCodes, err := s.impl.ListVATCodes(ctx, connectionFromPB(req.GetConnection()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.ListVATCodesResponse{
		VatCodes:        sliceToPB(vatCodes, vatCodeToPB),
		VatCodesPresent: vatCodes != nil,
	}, nil
}

func (s *server) ListPaymentTypes(ctx context.Context, req *pb.ListPaymentTypesRequest) (resp *pb.ListPaymentTypesResponse, err error) {
	defer s.guard("ListPaymentTypes", &err)
	types, err := s.impl.ListPaymentTypes(ctx, connectionFromPB(req.GetConnection()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.ListPaymentTypesResponse{
		PaymentTypes:        sliceToPB(types, paymentTypeToPB),
		PaymentTypesPresent: types != nil,
	}, nil
}

func (s *server) ExportSales(ctx context.Context, req *pb.ExportSalesRequest) (resp *pb.ExportSalesResponse, err error) {
	defer s.guard("ExportSales", &err)
	res, err := s.impl.ExportSales(ctx, connectionFromPB(req.GetConnection()), voucherFromPB(req.GetVoucher()))
	if err != nil {
		return nil, StatusFromError(err)
	}
	return &pb.ExportSalesResponse{Result: exportResultToPB(res)}, nil
}
