package pluginhost

import (
	"context"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The supervisor is the core.Provider callers hold for an out-of-process
// provider. Every method goes through call: start on demand, a deadline,
// crash detection, restart, and one retry where the method is safe to
// repeat (see retrySafe). Errors are the provider's own, or CodeUnavailable.
var _ core.Provider = (*supervisor)(nil)

// empty stands in for the result of methods that return only an error.
type empty struct{}

// Describe implements core.Provider.
func (s *supervisor) Describe(ctx context.Context) (core.Descriptor, error) {
	return call(s, ctx, "Describe", func(ctx context.Context, p core.Provider) (core.Descriptor, error) {
		return p.Describe(ctx)
	})
}

// VerifyConnection implements core.Provider.
func (s *supervisor) VerifyConnection(ctx context.Context, conn core.Connection) error {
	_, err := call(s, ctx, "VerifyConnection", func(ctx context.Context, p core.Provider) (empty, error) {
		return empty{}, p.VerifyConnection(ctx, conn)
	})
	return err
}

// SearchCustomers implements core.Provider.
func (s *supervisor) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	return call(s, ctx, "SearchCustomers", func(ctx context.Context, p core.Provider) (core.CustomerPage, error) {
		return p.SearchCustomers(ctx, conn, q)
	})
}

// GetCustomer implements core.Provider.
func (s *supervisor) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	return call(s, ctx, "GetCustomer", func(ctx context.Context, p core.Provider) (core.Customer, error) {
		return p.GetCustomer(ctx, conn, id)
	})
}

// CreateCustomer implements core.Provider. It is never repeated after a
// crash: without an idempotency key a repeat could create a duplicate.
func (s *supervisor) CreateCustomer(ctx context.Context, conn core.Connection, c core.Customer) (core.Customer, error) {
	return call(s, ctx, "CreateCustomer", func(ctx context.Context, p core.Provider) (core.Customer, error) {
		return p.CreateCustomer(ctx, conn, c)
	})
}

// UpdateCustomer implements core.Provider.
func (s *supervisor) UpdateCustomer(ctx context.Context, conn core.Connection, id string, patch core.CustomerPatch) (core.Customer, error) {
	return call(s, ctx, "UpdateCustomer", func(ctx context.Context, p core.Provider) (core.Customer, error) {
		return p.UpdateCustomer(ctx, conn, id, patch)
	})
}

// CreateInvoice implements core.Provider.
func (s *supervisor) CreateInvoice(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Invoice, error) {
	return call(s, ctx, "CreateInvoice", func(ctx context.Context, p core.Provider) (core.Invoice, error) {
		return p.CreateInvoice(ctx, conn, req)
	})
}

// UpdateDraft implements core.Provider. It is repeated after a crash: it
// replaces the draft wholesale, so a repeat leaves the same draft.
func (s *supervisor) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	return call(s, ctx, "UpdateDraft", func(ctx context.Context, p core.Provider) (core.Invoice, error) {
		return p.UpdateDraft(ctx, conn, id, req)
	})
}

// PostInvoice implements core.Provider. It is repeated after a crash:
// posting a posted invoice returns it unchanged.
func (s *supervisor) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	return call(s, ctx, "PostInvoice", func(ctx context.Context, p core.Provider) (core.Invoice, error) {
		return p.PostInvoice(ctx, conn, id, date)
	})
}

// GetInvoice implements core.Provider.
func (s *supervisor) GetInvoice(ctx context.Context, conn core.Connection, id string) (core.Invoice, error) {
	return call(s, ctx, "GetInvoice", func(ctx context.Context, p core.Provider) (core.Invoice, error) {
		return p.GetInvoice(ctx, conn, id)
	})
}

// ListInvoices implements core.Provider.
func (s *supervisor) ListInvoices(ctx context.Context, conn core.Connection, q core.InvoiceQuery) (core.InvoicePage, error) {
	return call(s, ctx, "ListInvoices", func(ctx context.Context, p core.Provider) (core.InvoicePage, error) {
		return p.ListInvoices(ctx, conn, q)
	})
}

// CreditInvoice implements core.Provider.
func (s *supervisor) CreditInvoice(ctx context.Context, conn core.Connection, req core.CreditRequest) (core.Invoice, error) {
	return call(s, ctx, "CreditInvoice", func(ctx context.Context, p core.Provider) (core.Invoice, error) {
		return p.CreditInvoice(ctx, conn, req)
	})
}

// MarkInvoicePaid implements core.Provider.
func (s *supervisor) MarkInvoicePaid(ctx context.Context, conn core.Connection, req core.PaymentRequest) (core.Invoice, error) {
	return call(s, ctx, "MarkInvoicePaid", func(ctx context.Context, p core.Provider) (core.Invoice, error) {
		return p.MarkInvoicePaid(ctx, conn, req)
	})
}

// InvoiceUBL implements core.Provider.
func (s *supervisor) InvoiceUBL(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return call(s, ctx, "InvoiceUBL", func(ctx context.Context, p core.Provider) (core.Document, error) {
		return p.InvoiceUBL(ctx, conn, id)
	})
}

// InvoicePDF implements core.Provider.
func (s *supervisor) InvoicePDF(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	return call(s, ctx, "InvoicePDF", func(ctx context.Context, p core.Provider) (core.Document, error) {
		return p.InvoicePDF(ctx, conn, id)
	})
}

// CreateOrder implements core.Provider. It is repeated after a crash: it is
// idempotent on req.ExternalRef.
func (s *supervisor) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	return call(s, ctx, "CreateOrder", func(ctx context.Context, p core.Provider) (core.Order, error) {
		return p.CreateOrder(ctx, conn, req)
	})
}

// ListOrders implements core.Provider.
func (s *supervisor) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	return call(s, ctx, "ListOrders", func(ctx context.Context, p core.Provider) (core.OrderPage, error) {
		return p.ListOrders(ctx, conn, q)
	})
}

// InvoiceOrders implements core.Provider. It is repeated after a crash: it
// is idempotent on req.ExternalRef.
func (s *supervisor) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	return call(s, ctx, "InvoiceOrders", func(ctx context.Context, p core.Provider) (core.Invoice, error) {
		return p.InvoiceOrders(ctx, conn, req)
	})
}

// RefundOrder implements core.Provider. It is repeated after a crash: it is
// idempotent on req.ExternalRef.
func (s *supervisor) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	return call(s, ctx, "RefundOrder", func(ctx context.Context, p core.Provider) (core.Order, error) {
		return p.RefundOrder(ctx, conn, req)
	})
}

// ListLedgerAccounts implements core.Provider.
func (s *supervisor) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	return call(s, ctx, "ListLedgerAccounts", func(ctx context.Context, p core.Provider) ([]core.LedgerAccount, error) {
		return p.ListLedgerAccounts(ctx, conn)
	})
}

// CreateLedgerAccount implements core.Provider. It is never repeated after
// a crash: the chart would refuse the repeat as a duplicate.
func (s *supervisor) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	return call(s, ctx, "CreateLedgerAccount", func(ctx context.Context, p core.Provider) (core.LedgerAccount, error) {
		return p.CreateLedgerAccount(ctx, conn, a)
	})
}

// ListVATCodes implements core.Provider.
func (s *supervisor) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	return call(s, ctx, "ListVATCodes", func(ctx context.Context, p core.Provider) ([]core.VATCode, error) {
		return p.ListVATCodes(ctx, conn)
	})
}

// ListPaymentTypes implements core.Provider.
func (s *supervisor) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	return call(s, ctx, "ListPaymentTypes", func(ctx context.Context, p core.Provider) ([]core.PaymentType, error) {
		return p.ListPaymentTypes(ctx, conn)
	})
}

// ExportSales implements core.Provider.
func (s *supervisor) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	return call(s, ctx, "ExportSales", func(ctx context.Context, p core.Provider) (core.ExportResult, error) {
		return p.ExportSales(ctx, conn, v)
	})
}
