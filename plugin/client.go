package plugin

import (
	"context"

	"google.golang.org/grpc"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// MaxResponseSize bounds one answer from a plugin (an invoice PDF is the
// largest). gRPC's default of 4 MiB is too tight for a long invoice's PDF.
const MaxResponseSize = 64 << 20

// client is the host-side adapter: core.Provider over the generated gRPC
// client.
type client struct {
	rpc pb.ProviderClient
	// done is closed when the plugin process has exited; nil when unknown.
	done <-chan struct{}
	// version is the protocol version negotiated with the plugin; 0 means
	// the current one (ProtocolVersion).
	version int
}

// NewClient returns a core.Provider that calls a provider plugin over cc.
// Every error it returns is a *core.Error (see ErrorFromStatus); an answer
// that lacks its result message or carries a malformed decimal is
// CodeInternal, a plugin bug the caller cannot fix. The caller's context
// deadline and cancellation reach the plugin.
func NewClient(cc grpc.ClientConnInterface) core.Provider {
	return &client{rpc: pb.NewProviderClient(cc)}
}

// callOptions apply to every call.
var callOptions = []grpc.CallOption{grpc.MaxCallRecvMsgSize(MaxResponseSize)}

// alive returns CodeUnavailable once go-plugin has seen the process exit, so
// callers get a clear message instead of a transport error.
func (c *client) alive() error {
	if c.done == nil {
		return nil
	}
	select {
	case <-c.done:
		return core.Errorf(core.CodeUnavailable, "provider process has exited")
	default:
		return nil
	}
}

func missing(method, what string) error {
	return core.Errorf(core.CodeInternal, "provider plugin answered %s without %s", method, what)
}

// badResponse reports decimals in an answer that did not parse.
func badResponse(method string, d *decoder) error {
	if err := d.err("provider plugin sent a malformed " + method + " response"); err != nil {
		e := core.AsError(err)
		e.Code = core.CodeInternal
		return e
	}
	return nil
}

func (c *client) Describe(ctx context.Context) (core.Descriptor, error) {
	if err := c.alive(); err != nil {
		return core.Descriptor{}, err
	}
	resp, err := c.rpc.Describe(ctx, &pb.DescribeRequest{}, callOptions...)
	if err != nil {
		return core.Descriptor{}, ErrorFromStatus(err)
	}
	if resp.GetProvider() == nil {
		return core.Descriptor{}, missing("Describe", "a descriptor")
	}
	return descriptorFromPB(resp.GetProvider()), nil
}

func (c *client) VerifyConnection(ctx context.Context, conn core.Connection) error {
	if err := c.alive(); err != nil {
		return err
	}
	_, err := c.rpc.VerifyConnection(ctx, &pb.VerifyConnectionRequest{Connection: connectionToPB(conn)}, callOptions...)
	return ErrorFromStatus(err)
}

func (c *client) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	if err := c.alive(); err != nil {
		return core.CustomerPage{}, err
	}
	resp, err := c.rpc.SearchCustomers(ctx, &pb.SearchCustomersRequest{
		Connection: connectionToPB(conn),
		Query:      customerQueryToPB(q),
	}, callOptions...)
	if err != nil {
		return core.CustomerPage{}, ErrorFromStatus(err)
	}
	return core.CustomerPage{
		Customers:  customersFromPB(resp.GetCustomers(), resp.GetCustomersPresent()),
		NextCursor: resp.GetNextCursor(),
		Sync:       customerSyncFromPB(resp.GetSync()),
	}, nil
}

func (c *client) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	if err := c.alive(); err != nil {
		return core.Customer{}, err
	}
	resp, err := c.rpc.GetCustomer(ctx, &pb.GetCustomerRequest{Connection: connectionToPB(conn), Id: id}, callOptions...)
	if err != nil {
		return core.Customer{}, ErrorFromStatus(err)
	}
	if resp.GetCustomer() == nil {
		return core.Customer{}, missing("GetCustomer", "a customer")
	}
	return customerFromPB(resp.GetCustomer()), nil
}

func (c *client) CreateCustomer(ctx context.Context, conn core.Connection, cust core.Customer) (core.Customer, error) {
	if err := c.alive(); err != nil {
		return core.Customer{}, err
	}
	resp, err := c.rpc.CreateCustomer(ctx, &pb.CreateCustomerRequest{
		Connection: connectionToPB(conn),
		Customer:   customerToPB(cust),
	}, callOptions...)
	if err != nil {
		return core.Customer{}, ErrorFromStatus(err)
	}
	if resp.GetCustomer() == nil {
		return core.Customer{}, missing("CreateCustomer", "a customer")
	}
	return customerFromPB(resp.GetCustomer()), nil
}

func (c *client) UpdateCustomer(ctx context.Context, conn core.Connection, id string, p core.CustomerPatch) (core.Customer, error) {
	if err := c.alive(); err != nil {
		return core.Customer{}, err
	}
	resp, err := c.rpc.UpdateCustomer(ctx, &pb.UpdateCustomerRequest{
		Connection: connectionToPB(conn),
		Id:         id,
		Patch:      patchToPB(p),
	}, callOptions...)
	if err != nil {
		return core.Customer{}, ErrorFromStatus(err)
	}
	if resp.GetCustomer() == nil {
		return core.Customer{}, missing("UpdateCustomer", "a customer")
	}
	return customerFromPB(resp.GetCustomer()), nil
}

// invoiceResult decodes the invoice of a single-invoice answer.
func invoiceResult(method string, p *pb.Invoice) (core.Invoice, error) {
	if p == nil {
		return core.Invoice{}, missing(method, "an invoice")
	}
	var d decoder
	inv := d.invoice("", p)
	if err := badResponse(method, &d); err != nil {
		return core.Invoice{}, err
	}
	return inv, nil
}

func (c *client) CreateInvoice(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Invoice, error) {
	if err := c.alive(); err != nil {
		return core.Invoice{}, err
	}
	resp, err := c.rpc.CreateInvoice(ctx, &pb.CreateInvoiceRequest{
		Connection: connectionToPB(conn),
		Request:    invoiceRequestToPB(req),
	}, callOptions...)
	if err != nil {
		return core.Invoice{}, ErrorFromStatus(err)
	}
	return invoiceResult("CreateInvoice", resp.GetInvoice())
}

func (c *client) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	if err := c.alive(); err != nil {
		return core.Invoice{}, err
	}
	resp, err := c.rpc.UpdateDraft(ctx, &pb.UpdateDraftRequest{
		Connection: connectionToPB(conn),
		Id:         id,
		Request:    invoiceRequestToPB(req),
	}, callOptions...)
	if err != nil {
		return core.Invoice{}, ErrorFromStatus(err)
	}
	return invoiceResult("UpdateDraft", resp.GetInvoice())
}

func (c *client) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	if err := c.alive(); err != nil {
		return core.Invoice{}, err
	}
	resp, err := c.rpc.PostInvoice(ctx, &pb.PostInvoiceRequest{
		Connection: connectionToPB(conn),
		Id:         id,
		Date:       string(date),
	}, callOptions...)
	if err != nil {
		return core.Invoice{}, ErrorFromStatus(err)
	}
	return invoiceResult("PostInvoice", resp.GetInvoice())
}

func (c *client) GetInvoice(ctx context.Context, conn core.Connection, id string) (core.Invoice, error) {
	if err := c.alive(); err != nil {
		return core.Invoice{}, err
	}
	resp, err := c.rpc.GetInvoice(ctx, &pb.GetInvoiceRequest{Connection: connectionToPB(conn), Id: id}, callOptions...)
	if err != nil {
		return core.Invoice{}, ErrorFromStatus(err)
	}
	return invoiceResult("GetInvoice", resp.GetInvoice())
}

func (c *client) ListInvoices(ctx context.Context, conn core.Connection, q core.InvoiceQuery) (core.InvoicePage, error) {
	if err := c.alive(); err != nil {
		return core.InvoicePage{}, err
	}
	resp, err := c.rpc.ListInvoices(ctx, &pb.ListInvoicesRequest{
		Connection: connectionToPB(conn),
		Query:      invoiceQueryToPB(q),
	}, callOptions...)
	if err != nil {
		return core.InvoicePage{}, ErrorFromStatus(err)
	}
	var d decoder
	page := core.InvoicePage{
		Invoices:   d.invoices(resp.GetInvoices(), resp.GetInvoicesPresent()),
		NextCursor: resp.GetNextCursor(),
	}
	if err := badResponse("ListInvoices", &d); err != nil {
		return core.InvoicePage{}, err
	}
	return page, nil
}

func (c *client) CreditInvoice(ctx context.Context, conn core.Connection, req core.CreditRequest) (core.Invoice, error) {
	if err := c.alive(); err != nil {
		return core.Invoice{}, err
	}
	resp, err := c.rpc.CreditInvoice(ctx, &pb.CreditInvoiceRequest{
		Connection: connectionToPB(conn),
		Request:    creditRequestToPB(req),
	}, callOptions...)
	if err != nil {
		return core.Invoice{}, ErrorFromStatus(err)
	}
	return invoiceResult("CreditInvoice", resp.GetInvoice())
}

func (c *client) MarkInvoicePaid(ctx context.Context, conn core.Connection, req core.PaymentRequest) (core.Invoice, error) {
	if err := c.alive(); err != nil {
		return core.Invoice{}, err
	}
	resp, err := c.rpc.MarkInvoicePaid(ctx, &pb.MarkInvoicePaidRequest{
		Connection:  connectionToPB(conn),
		Id:          req.InvoiceID,
		PaidAt:      string(req.PaidAt),
		Amount:      req.Amount,
		Method:      req.Method,
		ExternalRef: req.ExternalRef,
	}, callOptions...)
	if err != nil {
		return core.Invoice{}, ErrorFromStatus(err)
	}
	return invoiceResult("MarkInvoicePaid", resp.GetInvoice())
}

func (c *client) InvoicePDF(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return c.document("InvoicePDF", func() (*pb.Document, error) {
		resp, err := c.rpc.InvoicePDF(ctx, &pb.InvoicePDFRequest{Connection: connectionToPB(conn), Id: id}, callOptions...)
		return resp.GetDocument(), err
	})
}

// InvoiceUBL is protocol version 3: a plugin that negotiated an older
// version is not asked, and the answer is CodeUnsupported.
func (c *client) InvoiceUBL(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	if c.version != 0 && c.version < 3 {
		return core.Document{}, core.Errorf(core.CodeUnsupported,
			"the provider plugin speaks protocol version %d, which cannot write e-invoices; update the plugin to version %d", c.version, ProtocolVersion)
	}
	return c.document("InvoiceUBL", func() (*pb.Document, error) {
		resp, err := c.rpc.InvoiceUBL(ctx, &pb.InvoiceUBLRequest{Connection: connectionToPB(conn), Id: id}, callOptions...)
		return resp.GetDocument(), err
	})
}

// document makes a call that answers one document; a nil document is a
// protocol error of the plugin.
func (c *client) document(method string, call func() (*pb.Document, error)) (core.Document, error) {
	if err := c.alive(); err != nil {
		return core.Document{}, err
	}
	doc, err := call()
	if err != nil {
		return core.Document{}, ErrorFromStatus(err)
	}
	if doc == nil {
		return core.Document{}, missing(method, "a document")
	}
	return documentFromPB(doc), nil
}

func (c *client) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	if err := c.alive(); err != nil {
		return core.Order{}, err
	}
	resp, err := c.rpc.CreateOrder(ctx, &pb.CreateOrderRequest{
		Connection: connectionToPB(conn),
		Request:    invoiceRequestToPB(req),
	}, callOptions...)
	if err != nil {
		return core.Order{}, ErrorFromStatus(err)
	}
	if resp.GetOrder() == nil {
		return core.Order{}, missing("CreateOrder", "an order")
	}
	var d decoder
	o := d.order("", resp.GetOrder())
	if err := badResponse("CreateOrder", &d); err != nil {
		return core.Order{}, err
	}
	return o, nil
}

func (c *client) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	if err := c.alive(); err != nil {
		return core.OrderPage{}, err
	}
	resp, err := c.rpc.ListOrders(ctx, &pb.ListOrdersRequest{
		Connection: connectionToPB(conn),
		Query:      orderQueryToPB(q),
	}, callOptions...)
	if err != nil {
		return core.OrderPage{}, ErrorFromStatus(err)
	}
	var d decoder
	page := core.OrderPage{
		Orders:     d.orders(resp.GetOrders(), resp.GetOrdersPresent()),
		NextCursor: resp.GetNextCursor(),
	}
	if err := badResponse("ListOrders", &d); err != nil {
		return core.OrderPage{}, err
	}
	return page, nil
}

func (c *client) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	if err := c.alive(); err != nil {
		return core.Order{}, err
	}
	resp, err := c.rpc.RefundOrder(ctx, orderRefundRequestToPB(conn, req), callOptions...)
	if err != nil {
		return core.Order{}, ErrorFromStatus(err)
	}
	if resp.GetOrder() == nil {
		return core.Order{}, missing("RefundOrder", "an order")
	}
	var d decoder
	o := d.order("", resp.GetOrder())
	if err := badResponse("RefundOrder", &d); err != nil {
		return core.Order{}, err
	}
	return o, nil
}

func (c *client) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	if err := c.alive(); err != nil {
		return core.Invoice{}, err
	}
	resp, err := c.rpc.InvoiceOrders(ctx, &pb.InvoiceOrdersRequest{
		Connection: connectionToPB(conn),
		Request:    collectiveRequestToPB(req),
	}, callOptions...)
	if err != nil {
		return core.Invoice{}, ErrorFromStatus(err)
	}
	return invoiceResult("InvoiceOrders", resp.GetInvoice())
}

func (c *client) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := c.alive(); err != nil {
		return nil, err
	}
	resp, err := c.rpc.ListLedgerAccounts(ctx, &pb.ListLedgerAccountsRequest{Connection: connectionToPB(conn)}, callOptions...)
	if err != nil {
		return nil, ErrorFromStatus(err)
	}
	return ledgerAccountsFromPB(resp.GetAccounts(), resp.GetAccountsPresent()), nil
}

// CreateLedgerAccount is protocol version 2: a plugin that negotiated
// version 1 is not asked, and the answer is CodeUnsupported saying so.
func (c *client) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	if c.version != 0 && c.version < 2 {
		return core.LedgerAccount{}, core.Errorf(core.CodeUnsupported,
			"the provider plugin speaks protocol version %d, which cannot add ledger accounts; update the plugin to version %d", c.version, ProtocolVersion)
	}
	if err := c.alive(); err != nil {
		return core.LedgerAccount{}, err
	}
	resp, err := c.rpc.CreateLedgerAccount(ctx, &pb.CreateLedgerAccountRequest{Connection: connectionToPB(conn), Number: a.Number, Name: a.Name}, callOptions...)
	if err != nil {
		return core.LedgerAccount{}, ErrorFromStatus(err)
	}
	if resp.GetAccount() == nil {
		return core.LedgerAccount{}, missing("CreateLedgerAccount", "an account")
	}
	return ledgerAccountFromPB(resp.GetAccount()), nil
}

func (c *client) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := c.alive(); err != nil {
		return nil, err
	}
	resp, err := c.rpc.ListVATCodes(ctx, &pb.ListVATCodesRequest{Connection: connectionToPB(conn)}, callOptions...)
	if err != nil {
		return nil, ErrorFromStatus(err)
	}
	var d decoder
	out := d.vatCodes(resp.GetVatCodes(), resp.GetVatCodesPresent())
	if err := badResponse("ListVATCodes", &d); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *client) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	if err := c.alive(); err != nil {
		return nil, err
	}
	resp, err := c.rpc.ListPaymentTypes(ctx, &pb.ListPaymentTypesRequest{Connection: connectionToPB(conn)}, callOptions...)
	if err != nil {
		return nil, ErrorFromStatus(err)
	}
	return paymentTypesFromPB(resp.GetPaymentTypes(), resp.GetPaymentTypesPresent()), nil
}

func (c *client) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	if err := c.alive(); err != nil {
		return core.ExportResult{}, err
	}
	resp, err := c.rpc.ExportSales(ctx, &pb.ExportSalesRequest{
		Connection: connectionToPB(conn),
		Voucher:    voucherToPB(v),
	}, callOptions...)
	if err != nil {
		return core.ExportResult{}, ErrorFromStatus(err)
	}
	if resp.GetResult() == nil {
		return core.ExportResult{}, missing("ExportSales", "a result")
	}
	return exportResultFromPB(resp.GetResult()), nil
}
