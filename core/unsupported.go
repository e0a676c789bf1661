package core

import "context"

// Unsupported is an embeddable base for a provider (built in or a
// third-party plugin) that answers CodeUnsupported for every Invoicing and
// Bookkeeping method it does not define itself: embed it, write Describe,
// VerifyConnection and the methods of the capabilities it declares, and
// the type is a Provider. It holds no state.
//
//	type Journal struct{ core.Unsupported }
//	func (j *Journal) Describe(ctx context.Context) (core.Descriptor, error) { … }
//	func (j *Journal) VerifyConnection(ctx context.Context, conn core.Connection) error { … }
//	func (j *Journal) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) { … }
type Unsupported struct {
	UnsupportedInvoicing
	UnsupportedBookkeeping
}

// UnsupportedInvoicing answers CodeUnsupported for every Invoicing method.
type UnsupportedInvoicing struct{}

// UnsupportedBookkeeping answers CodeUnsupported for every Bookkeeping
// method.
type UnsupportedBookkeeping struct{}

var (
	_ Invoicing   = UnsupportedInvoicing{}
	_ Bookkeeping = UnsupportedBookkeeping{}
)

// unsupported is the refusal of method by a provider that lacks it.
func unsupported(method string) error {
	return Errorf(CodeUnsupported, "this provider does not support %s", method)
}

func (UnsupportedInvoicing) SearchCustomers(context.Context, Connection, CustomerQuery) (CustomerPage, error) {
	return CustomerPage{}, unsupported("searching customers")
}

func (UnsupportedInvoicing) GetCustomer(context.Context, Connection, string) (Customer, error) {
	return Customer{}, unsupported("customers")
}

func (UnsupportedInvoicing) CreateCustomer(context.Context, Connection, Customer) (Customer, error) {
	return Customer{}, unsupported("creating customers")
}

func (UnsupportedInvoicing) UpdateCustomer(context.Context, Connection, string, CustomerPatch) (Customer, error) {
	return Customer{}, unsupported("changing customers")
}

func (UnsupportedInvoicing) CreateInvoice(context.Context, Connection, InvoiceRequest) (Invoice, error) {
	return Invoice{}, unsupported("invoices")
}

func (UnsupportedInvoicing) UpdateDraft(context.Context, Connection, string, InvoiceRequest) (Invoice, error) {
	return Invoice{}, unsupported("invoice drafts")
}

func (UnsupportedInvoicing) PostInvoice(context.Context, Connection, string, Date) (Invoice, error) {
	return Invoice{}, unsupported("invoice drafts")
}

func (UnsupportedInvoicing) GetInvoice(context.Context, Connection, string) (Invoice, error) {
	return Invoice{}, unsupported("invoices")
}

func (UnsupportedInvoicing) ListInvoices(context.Context, Connection, InvoiceQuery) (InvoicePage, error) {
	return InvoicePage{}, unsupported("invoices")
}

func (UnsupportedInvoicing) CreditInvoice(context.Context, Connection, CreditRequest) (Invoice, error) {
	return Invoice{}, unsupported("credit invoices")
}

func (UnsupportedInvoicing) MarkInvoicePaid(context.Context, Connection, PaymentRequest) (Invoice, error) {
	return Invoice{}, unsupported("recording payments")
}

func (UnsupportedInvoicing) InvoicePDF(context.Context, Connection, string) (Document, error) {
	return Document{}, unsupported("invoice PDFs")
}

func (UnsupportedInvoicing) InvoiceUBL(context.Context, Connection, string) (Document, error) {
	return Document{}, unsupported("e-invoices")
}

func (UnsupportedInvoicing) CreateOrder(context.Context, Connection, InvoiceRequest) (Order, error) {
	return Order{}, unsupported("collective invoicing")
}

func (UnsupportedInvoicing) RefundOrder(context.Context, Connection, OrderRefundRequest) (Order, error) {
	return Order{}, unsupported("collective invoicing")
}

func (UnsupportedInvoicing) ListOrders(context.Context, Connection, OrderQuery) (OrderPage, error) {
	return OrderPage{}, unsupported("collective invoicing")
}

func (UnsupportedInvoicing) InvoiceOrders(context.Context, Connection, CollectiveRequest) (Invoice, error) {
	return Invoice{}, unsupported("collective invoicing")
}

func (UnsupportedBookkeeping) ListLedgerAccounts(context.Context, Connection) ([]LedgerAccount, error) {
	return nil, unsupported("a chart of accounts")
}

func (UnsupportedBookkeeping) CreateLedgerAccount(context.Context, Connection, NewLedgerAccount) (LedgerAccount, error) {
	return LedgerAccount{}, unsupported("adding ledger accounts")
}

func (UnsupportedBookkeeping) ListVATCodes(context.Context, Connection) ([]VATCode, error) {
	return nil, unsupported("VAT codes")
}

func (UnsupportedBookkeeping) ListPaymentTypes(context.Context, Connection) ([]PaymentType, error) {
	return nil, unsupported("payment types")
}

func (UnsupportedBookkeeping) ExportSales(context.Context, Connection, Voucher) (ExportResult, error) {
	return ExportResult{}, unsupported("booking sales")
}
