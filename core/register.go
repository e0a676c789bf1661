package core

import "context"

// CustomerRegister says who keeps a merchant's customers: the gateway's
// built-in invoicing, or an invoicing provider that owns them (Tripletex,
// Spiris), to which only some fields are written back. BackOffice shows
// the other fields read-only, with the reason, instead of letting a person
// type changes that UpdateCustomer would refuse.
type CustomerRegister struct {
	// Provider and DisplayName name the merchant's invoicing provider.
	Provider    string `json:"provider"`
	DisplayName string `json:"display_name"`
	// OwnsCustomers: customers are created and changed in the provider;
	// only AdjustableFields may change here.
	OwnsCustomers    bool     `json:"owns_customers"`
	AdjustableFields []string `json:"adjustable_fields"`
}

// Writable reports whether a customer's field (a CustomerPatch field name)
// may be changed through the gateway: all of them, unless the provider owns
// the customers. It is the one rule: UpdateCustomer refuses by it too.
func (r CustomerRegister) Writable(field string) bool {
	return !r.OwnsCustomers || contains(r.AdjustableFields, field)
}

// customerRegister is who keeps the customers of a provider described by d.
func customerRegister(d Descriptor) CustomerRegister {
	c := d.Capabilities
	return CustomerRegister{Provider: d.Name, DisplayName: d.DisplayName,
		OwnsCustomers: c.OwnsCustomers, AdjustableFields: append([]string(nil), c.AdjustableCustomerFields...)}
}

// CustomerRegister returns who keeps the merchant's customers (the
// provider invoicing goes through now). Errors: CodeForbidden;
// CodeUnavailable when the invoicing integration needs re-authorisation.
func (e *Engine) CustomerRegister(ctx context.Context, p Principal) (CustomerRegister, error) {
	s, err := e.invoicing(ctx, p, ActionSearchCustomers)
	if err != nil {
		return CustomerRegister{}, err
	}
	return customerRegister(s.desc), nil
}

// InvoiceSeriesStarted reports whether the merchant's invoice series has
// started (an invoice has been posted and numbered): from then on the
// start number of UpdateInvoiceSettings cannot change. Errors:
// CodeForbidden (a role that may not read the settings), provider errors.
func (e *Engine) InvoiceSeriesStarted(ctx context.Context, p Principal) (bool, error) {
	s, err := e.invoicing(ctx, p, ActionReadSettings)
	if err != nil {
		return false, err
	}
	return e.seriesStarted(ctx, s)
}

// seriesStarted asks the provider for the highest-numbered invoice.
func (e *Engine) seriesStarted(ctx context.Context, s session) (bool, error) {
	posted, err := call(ctx, e, s, func(conn Connection) (InvoicePage, error) {
		return s.provider.ListInvoices(ctx, conn, InvoiceQuery{Sort: SortNumber, Desc: true, Limit: 1, Today: s.today(e.now())})
	})
	if err != nil {
		return false, err
	}
	return len(posted.Invoices) > 0 && posted.Invoices[0].Number > 0, nil
}
