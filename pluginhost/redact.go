package pluginhost

import (
	"context"
	"io"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// redacting is the core.Provider the registry hands out: the boundary where
// credentials go to a provider and its messages come back into the gateway.
// Before each call it tells the Redactor the connection's credentials; every
// error the call returns has them (and the operator's secrets) replaced, so
// no answer, stored job message or log line built from a provider's error
// can carry a credential the provider was given, whatever the provider put
// in its message.
type redacting struct {
	p core.Provider
	r *core.Redactor
}

var _ core.Provider = redacting{}

// through runs one provider call for conn with redaction.
func through[T any](r *core.Redactor, conn core.Connection, fn func() (T, error)) (T, error) {
	r.Remember(conn.Credentials)
	v, err := fn()
	if err != nil {
		return v, r.Error(err)
	}
	return v, nil
}

func (x redacting) Describe(ctx context.Context) (core.Descriptor, error) {
	return through(x.r, core.Connection{}, func() (core.Descriptor, error) { return x.p.Describe(ctx) })
}

func (x redacting) VerifyConnection(ctx context.Context, conn core.Connection) error {
	_, err := through(x.r, conn, func() (empty, error) { return empty{}, x.p.VerifyConnection(ctx, conn) })
	return err
}

func (x redacting) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	return through(x.r, conn, func() (core.CustomerPage, error) { return x.p.SearchCustomers(ctx, conn, q) })
}

func (x redacting) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	return through(x.r, conn, func() (core.Customer, error) { return x.p.GetCustomer(ctx, conn, id) })
}

func (x redacting) CreateCustomer(ctx context.Context, conn core.Connection, c core.Customer) (core.Customer, error) {
	return through(x.r, conn, func() (core.Customer, error) { return x.p.CreateCustomer(ctx, conn, c) })
}

func (x redacting) UpdateCustomer(ctx context.Context, conn core.Connection, id string, patch core.CustomerPatch) (core.Customer, error) {
	return through(x.r, conn, func() (core.Customer, error) { return x.p.UpdateCustomer(ctx, conn, id, patch) })
}

func (x redacting) CreateInvoice(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Invoice, error) {
	return through(x.r, conn, func() (core.Invoice, error) { return x.p.CreateInvoice(ctx, conn, req) })
}

func (x redacting) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	return through(x.r, conn, func() (core.Invoice, error) { return x.p.UpdateDraft(ctx, conn, id, req) })
}

func (x redacting) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	return through(x.r, conn, func() (core.Invoice, error) { return x.p.PostInvoice(ctx, conn, id, date) })
}

func (x redacting) GetInvoice(ctx context.Context, conn core.Connection, id string) (core.Invoice, error) {
	return through(x.r, conn, func() (core.Invoice, error) { return x.p.GetInvoice(ctx, conn, id) })
}

func (x redacting) ListInvoices(ctx context.Context, conn core.Connection, q core.InvoiceQuery) (core.InvoicePage, error) {
	return through(x.r, conn, func() (core.InvoicePage, error) { return x.p.ListInvoices(ctx, conn, q) })
}

func (x redacting) CreditInvoice(ctx context.Context, conn core.Connection, req core.CreditRequest) (core.Invoice, error) {
	return through(x.r, conn, func() (core.Invoice, error) { return x.p.CreditInvoice(ctx, conn, req) })
}

func (x redacting) MarkInvoicePaid(ctx context.Context, conn core.Connection, req core.PaymentRequest) (core.Invoice, error) {
	return through(x.r, conn, func() (core.Invoice, error) { return x.p.MarkInvoicePaid(ctx, conn, req) })
}

func (x redacting) InvoiceUBL(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return through(x.r, conn, func() (core.Document, error) { return x.p.InvoiceUBL(ctx, conn, id) })
}

func (x redacting) InvoicePDF(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return through(x.r, conn, func() (core.Document, error) { return x.p.InvoicePDF(ctx, conn, id) })
}

func (x redacting) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	return through(x.r, conn, func() (core.Order, error) { return x.p.CreateOrder(ctx, conn, req) })
}

func (x redacting) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	return through(x.r, conn, func() (core.OrderPage, error) { return x.p.ListOrders(ctx, conn, q) })
}

func (x redacting) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	return through(x.r, conn, func() (core.Invoice, error) { return x.p.InvoiceOrders(ctx, conn, req) })
}

func (x redacting) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	return through(x.r, conn, func() (core.Order, error) { return x.p.RefundOrder(ctx, conn, req) })
}

func (x redacting) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	return through(x.r, conn, func() ([]core.LedgerAccount, error) { return x.p.ListLedgerAccounts(ctx, conn) })
}

func (x redacting) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	return through(x.r, conn, func() (core.LedgerAccount, error) { return x.p.CreateLedgerAccount(ctx, conn, a) })
}

func (x redacting) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	return through(x.r, conn, func() ([]core.VATCode, error) { return x.p.ListVATCodes(ctx, conn) })
}

func (x redacting) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	return through(x.r, conn, func() ([]core.PaymentType, error) { return x.p.ListPaymentTypes(ctx, conn) })
}

func (x redacting) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	return through(x.r, conn, func() (core.ExportResult, error) { return x.p.ExportSales(ctx, conn, v) })
}

// redactWriter redacts what a plugin writes on its stdout and stderr
// before it reaches the gateway's log.
type redactWriter struct {
	r *core.Redactor
	w io.Writer
}

func (w redactWriter) Write(p []byte) (int, error) {
	if _, err := w.w.Write([]byte(w.r.String(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}
