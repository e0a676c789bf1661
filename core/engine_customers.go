package core

import (
	"context"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// Customers, through the merchant's invoicing provider.

// SearchCustomers searches the merchant's customers. Errors: CodeForbidden,
// CodeInvalid (limit, cursor), provider errors.
func (e *Engine) SearchCustomers(ctx context.Context, p Principal, q CustomerQuery) (CustomerPage, error) {
	s, err := e.invoicing(ctx, p, ActionSearchCustomers)
	if err != nil {
		return CustomerPage{}, err
	}
	if q.Limit, err = NormalizeLimit(q.Limit); err != nil {
		return CustomerPage{}, err
	}
	q.Q = strings.TrimSpace(q.Q)
	// A bounded q keeps the provider's search (trigrams, SQL variables)
	// bounded too.
	if fe := TextError("q", q.Q, MaxSearchLength, false); fe != nil {
		return CustomerPage{}, Invalid("invalid search", *fe)
	}
	page, err := call(ctx, e, s, func(conn Connection) (CustomerPage, error) {
		return s.provider.SearchCustomers(ctx, conn, q)
	})
	for i := range page.Customers {
		page.Customers[i].InvoiceDelivery = page.Customers[i].Delivery()
	}
	return page, err
}

// SyncCustomers refreshes, now, the copy of the merchant's customers that
// its invoicing provider keeps (Tripletex and Spiris refresh theirs every
// few minutes on their own). A provider that keeps none (the built-in
// open, whose customers are the gateway's) answers Copied false. Errors:
// CodeForbidden, provider errors.
func (e *Engine) SyncCustomers(ctx context.Context, p Principal) (CustomerSyncResult, error) {
	s, err := e.invoicing(ctx, p, ActionSyncCustomers)
	if err != nil {
		return CustomerSyncResult{}, err
	}
	page, err := call(ctx, e, s, func(conn Connection) (CustomerPage, error) {
		return s.provider.SearchCustomers(ctx, conn, CustomerQuery{Limit: 1, Refresh: true})
	})
	if err != nil {
		return CustomerSyncResult{}, err
	}
	out := CustomerSyncResult{Provider: s.desc.Name}
	if page.Sync != nil {
		out.Copied, out.CustomerSync = true, *page.Sync
	}
	return out, nil
}

// GetCustomer returns one of the merchant's customers. Errors:
// CodeForbidden, CodeNotFound.
func (e *Engine) GetCustomer(ctx context.Context, p Principal, id string) (Customer, error) {
	s, err := e.invoicing(ctx, p, ActionReadCustomer)
	if err != nil {
		return Customer{}, err
	}
	c, err := call(ctx, e, s, func(conn Connection) (Customer, error) { return s.provider.GetCustomer(ctx, conn, id) })
	c.InvoiceDelivery = c.Delivery()
	return c, err
}

// CreateCustomer creates a customer in the merchant's provider. Errors:
// CodeForbidden, CodeInvalid naming each bad field, CodeConflict when the
// provider owns the customer register; CodeUnavailable when the provider
// refused the integration's credentials (they are renewed, or the
// integration needs re-authorisation: the message says which; creating is
// not retried on its own).
func (e *Engine) CreateCustomer(ctx context.Context, p Principal, c Customer) (Customer, error) {
	s, err := e.invoicing(ctx, p, ActionCreateCustomer)
	if err != nil {
		return Customer{}, err
	}
	var billing []string
	if c.ParentCustomerID != "" {
		billing = append(billing, FieldParentCustomerID)
	}
	if c.CollectiveInvoicing != (CollectiveInvoicing{}) {
		billing = append(billing, FieldCollectiveInvoicing)
	}
	if err := authorizeBilling(p, billing); err != nil {
		return Customer{}, err
	}
	if s.desc.Capabilities.OwnsCustomers {
		return Customer{}, Errorf(CodeConflict, "customers are managed in %s; create the customer there", s.desc.DisplayName)
	}
	if c, err = validCustomer(s.merchant.Country, c, nil); err != nil {
		return Customer{}, err
	}
	created, err := s.provider.CreateCustomer(ctx, s.connection(), c)
	if Code(err) == CodeUnauthorized && s.integrationID != "" && e.conns != nil {
		// Not retried here (creating is not idempotent): the credentials
		// are renewed for the caller's next attempt.
		if err := e.reconnect(ctx, s); err != nil {
			return Customer{}, err
		}
		return Customer{}, Errorf(CodeUnavailable, "%s refused the connection's access token, which has now been renewed; create the customer again", s.desc.DisplayName)
	}
	created.InvoiceDelivery = created.Delivery()
	return created, err
}

// validCustomer checks a customer and normalises its organization number
// to digits, its VAT number and Peppol id to their canonical forms and an
// empty invoice delivery to e-mail (Customer.NormalizeEInvoiceFields).
// Swedish customers may be companies (organisationsnummer) or people
// (personnummer, samordningsnummer); Norwegian ones have a 9-digit
// organisasjonsnummer. Which country's rule applies is the billing
// address's country when it is SE or NO, else the merchant's country when
// the address names none; the organization number of a customer abroad
// (any other country) is free text. Errors: CodeInvalid naming each bad
// field.
func validCustomer(country Country, c Customer, only []string) (Customer, error) {
	c = c.NormalizeEInvoiceFields()
	var fields []FieldError
	if err := c.validate(only); err != nil {
		if Code(err) != CodeInvalid {
			return Customer{}, err
		}
		fields = AsError(err).Fields
	}
	orgCountry := Country(strings.ToUpper(strings.TrimSpace(c.BillingAddress.Country)))
	if orgCountry == "" {
		orgCountry = country
	}
	if c.OrganizationNumber != "" && orgCountry.Valid() && !fieldErrors(fields).has(FieldOrganizationNumber) {
		if n, nerr := nordic.ValidateOrganizationNumber(string(orgCountry), c.OrganizationNumber); nerr != nil {
			fields = append(fields, FieldError{Field: FieldOrganizationNumber, Message: nerr.Error()})
		} else {
			c.OrganizationNumber = n
		}
	}
	if err := Invalid("invalid customer", fields...); err != nil {
		return Customer{}, err
	}
	return c, nil
}

// authorizeBilling refuses, with CodeForbidden naming each field, a caller
// whose role may not set the billing fields (parent company, collective
// invoicing) it tried to set.
func authorizeBilling(p Principal, fields []string) error {
	if p.Role.Allows(ActionSetCustomerBilling) {
		return nil
	}
	var errs []FieldError
	for _, f := range fields {
		if f == FieldParentCustomerID || f == FieldCollectiveInvoicing {
			errs = append(errs, FieldError{Field: f, Message: "is set in BackOffice by an admin or accountant"})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &Error{Code: CodeForbidden, Message: "role " + string(p.Role) + " may not set a customer's parent company or collective invoicing", Fields: errs}
}

// UpdateCustomer patches a customer. When the provider owns customers only
// its adjustable fields may change; a cashier may not change the billing
// fields (parent company, collective invoicing). Errors: CodeForbidden
// (naming the billing fields), CodeNotFound, CodeInvalid, CodeConflict
// naming the fields that may not change.
func (e *Engine) UpdateCustomer(ctx context.Context, p Principal, id string, patch CustomerPatch) (Customer, error) {
	s, err := e.invoicing(ctx, p, ActionUpdateCustomer)
	if err != nil {
		return Customer{}, err
	}
	if err := authorizeBilling(p, patch.Fields()); err != nil {
		return Customer{}, err
	}
	reg := customerRegister(s.desc)
	var locked []FieldError
	for _, f := range patch.Fields() {
		if !reg.Writable(f) {
			locked = append(locked, FieldError{Field: f, Message: "is managed in " + s.desc.DisplayName})
		}
	}
	if len(locked) > 0 {
		return Customer{}, &Error{Code: CodeConflict, Message: "customers are managed in " + s.desc.DisplayName, Fields: locked}
	}
	current, err := call(ctx, e, s, func(conn Connection) (Customer, error) {
		return s.provider.GetCustomer(ctx, conn, id)
	})
	if err != nil {
		return Customer{}, err
	}
	// Only the patched fields' texts are checked: a customer stored before
	// the limits (or owned by a provider with other limits) can still be
	// changed.
	patched, err := validCustomer(s.merchant.Country, patch.Apply(current), patch.Fields())
	if err != nil {
		return Customer{}, err
	}
	if patch.OrganizationNumber != nil {
		patch.OrganizationNumber = &patched.OrganizationNumber
	}
	if patch.VATNumber != nil {
		patch.VATNumber = &patched.VATNumber
	}
	if patch.PeppolID != nil {
		patch.PeppolID = &patched.PeppolID
	}
	if patch.BuyerReference != nil {
		patch.BuyerReference = &patched.BuyerReference
	}
	if patch.InvoiceDelivery != nil {
		patch.InvoiceDelivery = &patched.InvoiceDelivery
	}
	updated, err := call(ctx, e, s, func(conn Connection) (Customer, error) {
		return s.provider.UpdateCustomer(ctx, conn, id, patch)
	})
	updated.InvoiceDelivery = updated.Delivery()
	return updated, err
}

// CustomerSyncResult answers POST /v1/customers/sync: the invoicing
// provider and, when it keeps a copy of the customers of the merchant's
// accounting system (Copied), what the refresh found.
type CustomerSyncResult struct {
	Provider string `json:"provider"`
	Copied   bool   `json:"copied"`
	CustomerSync
}
