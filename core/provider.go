package core

import (
	"context"
	"time"
)

// AuthType is how a merchant connects a provider.
type AuthType string

// Auth types.
const (
	AuthNone     AuthType = "none"
	AuthAPIToken AuthType = "api_token"
	AuthOAuth2   AuthType = "oauth2"
)

// AuthField is one credential a merchant enters for an api_token provider.
type AuthField struct {
	Name   string `json:"name"`
	Label  string `json:"label"`
	Secret bool   `json:"secret"`
}

// OAuth2Endpoints are an oauth2 provider's authorization server.
type OAuth2Endpoints struct {
	AuthorizeURL string   `json:"authorize_url"`
	TokenURL     string   `json:"token_url"`
	Scopes       []string `json:"scopes"`
}

// AuthScheme describes how to connect: none, api_token with Fields, or
// oauth2 with OAuth2.
type AuthScheme struct {
	Type   AuthType         `json:"type"`
	Fields []AuthField      `json:"fields,omitempty"`
	OAuth2 *OAuth2Endpoints `json:"oauth2,omitempty"`
}

// Capabilities say which Provider methods do real work. A method whose
// capability is false returns CodeUnsupported.
type Capabilities struct {
	// OwnsCustomers: the provider is the customer register; ledgerbridge
	// writes only AdjustableCustomerFields back to it.
	OwnsCustomers            bool     `json:"owns_customers"`
	AdjustableCustomerFields []string `json:"adjustable_customer_fields"`
	Invoices                 bool     `json:"invoices"`
	Drafts                   bool     `json:"drafts"`
	// RoutesCharges: CreateInvoice with InvoiceRequest.Route checks the
	// customer, bills its parent company, and refuses with ErrCollects a
	// customer whose purchases are collected, so a register charge usually
	// takes one provider call.
	RoutesCharges      bool `json:"routes_charges"`
	CreditInvoices     bool `json:"credit_invoices"`
	CollectiveInvoices bool `json:"collective_invoices"`
	PDF                bool `json:"pdf"`
	// UBL: InvoiceUBL writes PEPPOL BIS Billing 3.0 e-invoices.
	UBL            bool `json:"ubl"`
	SalesExport    bool `json:"sales_export"`
	LedgerAccounts bool `json:"ledger_accounts"`
}

// Descriptor is what a provider says about itself.
type Descriptor struct {
	Name         string       `json:"name"`
	DisplayName  string       `json:"display_name"`
	Version      string       `json:"version"`
	Auth         AuthScheme   `json:"auth"`
	Capabilities Capabilities `json:"capabilities"`
}

// Provider availability as reported by Engine.Providers.
const (
	ProviderAvailable   = "available"
	ProviderUnavailable = "unavailable"
)

// ProviderInfo is an installed provider as the gateway sees it: its
// descriptor when it answers, or, with Status unavailable, why it does not
// (a crashing plugin, a binary whose checksum does not match its pin).
type ProviderInfo struct {
	Descriptor
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Connection is one merchant's link to a provider, sent with every call so a
// single provider process serves every merchant. Settings are the
// integration's non-secret settings; Credentials its secrets (API tokens, a
// current OAuth2 access token).
type Connection struct {
	MerchantID  string            `json:"merchant_id"`
	Country     Country           `json:"country"`
	Currency    Currency          `json:"currency"`
	Settings    map[string]string `json:"settings,omitempty"`
	Credentials map[string]string `json:"credentials,omitempty"`
}

// Connection settings every provider understands.
const (
	// SettingInvoiceStartNumber is the first number of the invoice series,
	// used until the merchant's first invoice exists.
	SettingInvoiceStartNumber = "invoice_start_number"
	// SettingInvoiceSettings is the merchant's InvoiceSettings as JSON, for
	// providers that print or number invoices themselves.
	SettingInvoiceSettings = "invoice_settings"
)

// Provider is an accounting or invoicing system. Implementations live in
// providers/<name> and usually run out of process behind the plugin
// protocol; the engine cannot tell the difference.
//
// Every method is scoped to conn.MerchantID: an object of another merchant is
// CodeNotFound. Methods return *Error values; a provider's own refusal is
// CodeProviderError or CodeInvalid carrying the provider's message and field
// names, a provider that is down or timing out is CodeUnavailable, and a
// capability the provider lacks is CodeUnsupported.
type Provider interface {
	// Describe returns the provider's name, version, auth scheme and
	// capabilities. It never needs a connection.
	Describe(ctx context.Context) (Descriptor, error)

	// VerifyConnection checks the credentials and settings against the
	// provider. Errors: CodeInvalid (with the provider's message) for wrong
	// credentials, CodeUnavailable.
	VerifyConnection(ctx context.Context, conn Connection) error

	Invoicing
	Bookkeeping
}

// Invoicing is the invoicing role of a provider: its customer register,
// invoices and collective-invoice orders. A provider that only books (the
// SIE file) embeds UnsupportedInvoicing.
type Invoicing interface {
	// SearchCustomers finds customers by name, organization number or
	// customer number. Errors: CodeInvalid for a bad cursor.
	SearchCustomers(ctx context.Context, conn Connection, q CustomerQuery) (CustomerPage, error)
	// GetCustomer returns one customer. Errors: CodeNotFound.
	GetCustomer(ctx context.Context, conn Connection, id string) (Customer, error)
	// CreateCustomer stores a new customer and assigns its ID and Number.
	// Errors: CodeInvalid naming each bad field, CodeUnsupported when the
	// customer register lives in the provider and cannot be written.
	CreateCustomer(ctx context.Context, conn Connection, c Customer) (Customer, error)
	// UpdateCustomer applies a patch. Errors: CodeNotFound, CodeInvalid,
	// CodeConflict naming fields the provider does not let us change.
	UpdateCustomer(ctx context.Context, conn Connection, id string, p CustomerPatch) (Customer, error)

	// CreateInvoice creates and posts an invoice, numbered from the
	// merchant's series, idempotent on req.ExternalRef. Errors: CodeInvalid
	// naming customer_id (no such customer, inactive, or not enabled for
	// invoicing), CodeProviderError, CodeUnavailable.
	CreateInvoice(ctx context.Context, conn Connection, req InvoiceRequest) (Invoice, error)
	// UpdateDraft replaces a draft's customer, date, texts and lines.
	// Errors: CodeNotFound, CodeConflict (not a draft), CodeInvalid,
	// CodeUnsupported.
	UpdateDraft(ctx context.Context, conn Connection, id string, req InvoiceRequest) (Invoice, error)
	// PostInvoice posts a draft: it takes the next number of the series
	// and becomes immutable. Posting a posted invoice returns it unchanged.
	// Errors: CodeNotFound, CodeConflict (credited), CodeUnsupported.
	PostInvoice(ctx context.Context, conn Connection, id string, date Date) (Invoice, error)
	// GetInvoice returns one invoice with its lines. Errors: CodeNotFound.
	GetInvoice(ctx context.Context, conn Connection, id string) (Invoice, error)
	// ListInvoices returns a page of invoices without their lines.
	// Errors: CodeInvalid for a bad sort column or cursor.
	ListInvoices(ctx context.Context, conn Connection, q InvoiceQuery) (InvoicePage, error)
	// CreditInvoice issues a credit invoice referencing the original,
	// idempotent on req.ExternalRef. Errors: CodeNotFound, CodeInvalid
	// (over-crediting, bad line), CodeConflict (not a posted invoice).
	CreditInvoice(ctx context.Context, conn Connection, req CreditRequest) (Invoice, error)
	// MarkInvoicePaid records a payment of req.Amount (0: all that is
	// outstanding) on req.PaidAt, idempotent on req.ExternalRef when set;
	// the invoice is paid once nothing is outstanding. Errors:
	// CodeNotFound, CodeConflict (draft, void, credited), CodeInvalid naming
	// amount (more than outstanding) or paid_at, CodeUnsupported.
	MarkInvoicePaid(ctx context.Context, conn Connection, req PaymentRequest) (Invoice, error)
	// InvoicePDF renders the invoice. Errors: CodeNotFound, CodeUnsupported.
	InvoicePDF(ctx context.Context, conn Connection, id string) (Document, error)
	// InvoiceUBL writes a posted invoice or credit invoice as a PEPPOL BIS
	// Billing 3.0 UBL 2.1 document. Errors: CodeNotFound, CodeConflict (a
	// draft or void invoice), CodeInvalid naming what the document lacks
	// (an electronic address, a country code), CodeUnsupported.
	InvoiceUBL(ctx context.Context, conn Connection, id string) (Document, error)

	// CreateOrder collects a purchase of a customer with collective
	// invoicing, idempotent on req.ExternalRef. Errors: as CreateInvoice,
	// CodeUnsupported.
	CreateOrder(ctx context.Context, conn Connection, req InvoiceRequest) (Order, error)
	// RefundOrder takes a refund off an open order before it is invoiced,
	// idempotent on req.ExternalRef: each listed line's quantity (and its
	// amounts, in proportion) is reduced, or every line to zero when
	// req.Lines is empty; an order left with nothing is cancelled and no
	// collective invoice includes it. Errors: CodeNotFound (the order),
	// CodeInvalid naming lines[i].line or lines[i].quantity (more than is
	// left), CodeConflict (invoiced or cancelled), CodeUnsupported.
	RefundOrder(ctx context.Context, conn Connection, req OrderRefundRequest) (Order, error)
	// ListOrders lists orders oldest first. Errors: CodeInvalid (cursor).
	ListOrders(ctx context.Context, conn Connection, q OrderQuery) (OrderPage, error)
	// InvoiceOrders makes one posted invoice of every open order of
	// req.CustomerID, idempotent on req.ExternalRef. Errors: CodeNotFound
	// when there is nothing to invoice, CodeUnsupported.
	InvoiceOrders(ctx context.Context, conn Connection, req CollectiveRequest) (Invoice, error)
}

// Bookkeeping is the bookkeeping role of a provider: its chart of
// accounts, VAT codes and payment types, and the daily sales vouchers. A
// provider that only invoices embeds UnsupportedBookkeeping.
type Bookkeeping interface {
	// ListLedgerAccounts returns the chart of accounts. Errors:
	// CodeUnsupported for providers without a ledger.
	ListLedgerAccounts(ctx context.Context, conn Connection) ([]LedgerAccount, error)
	// CreateLedgerAccount adds an account to the chart (the wizard's "add a
	// new account from the list") and returns it as ListLedgerAccounts
	// lists it. Errors: CodeConflict naming number when the chart has it;
	// CodeInvalid naming number or name when the provider refuses them;
	// CodeUnsupported for providers without an editable ledger, and from a
	// plugin of protocol version 1, which lacks the call.
	CreateLedgerAccount(ctx context.Context, conn Connection, a NewLedgerAccount) (LedgerAccount, error)
	// ListVATCodes returns the provider's VAT codes. Errors: CodeUnsupported.
	ListVATCodes(ctx context.Context, conn Connection) ([]VATCode, error)
	// ListPaymentTypes returns the provider's payment types. Errors:
	// CodeUnsupported.
	ListPaymentTypes(ctx context.Context, conn Connection) ([]PaymentType, error)

	// ExportSales books one balanced voucher, idempotent on v.ExternalRef:
	// a voucher already booked under that reference is found, not booked
	// again. Errors: CodeInvalid (unbalanced, unknown account),
	// CodeProviderError, CodeUnsupported, CodeUnavailable, CodeRateLimited.
	ExportSales(ctx context.Context, conn Connection, v Voucher) (ExportResult, error)
}

// ProviderRegistry resolves provider names to running providers. Built-in
// and external providers look the same to its callers.
type ProviderRegistry interface {
	// Provider returns the named provider, starting it if needed. Errors:
	// CodeNotFound for an unknown name, CodeUnavailable when it cannot start.
	Provider(ctx context.Context, name string) (Provider, error)
	// Names lists the installed providers in a stable order.
	Names() []string
}

// Clock tells the time; tests replace it.
type Clock func() time.Time
