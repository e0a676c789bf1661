package core

import (
	"time"

	"github.com/shopspring/decimal"
)

// InvoiceKind tells an invoice from a credit invoice.
type InvoiceKind string

// Invoice kinds.
const (
	KindInvoice InvoiceKind = "invoice"
	KindCredit  InvoiceKind = "credit"
)

// InvoiceStatus is where an invoice is in its life.
type InvoiceStatus string

// Invoice statuses. Overdue is derived (posted and past its due date), never
// stored. Credited is an invoice fully credited by refunds; void one
// cancelled whole by VoidInvoice (its credit invoice names it in
// CreditsInvoiceID).
const (
	StatusDraft    InvoiceStatus = "draft"
	StatusPosted   InvoiceStatus = "posted"
	StatusPaid     InvoiceStatus = "paid"
	StatusOverdue  InvoiceStatus = "overdue"
	StatusCredited InvoiceStatus = "credited"
	StatusVoid     InvoiceStatus = "void"
)

// Valid reports whether s is one of the contract's statuses.
func (s InvoiceStatus) Valid() bool {
	switch s {
	case StatusDraft, StatusPosted, StatusPaid, StatusOverdue, StatusCredited, StatusVoid:
		return true
	}
	return false
}

// LineInput is one line as the register or BackOffice sends it.
type LineInput struct {
	Description  string          `json:"description"`
	ProductGroup string          `json:"product_group"`
	Quantity     decimal.Decimal `json:"quantity"`
	UnitPrice    int64           `json:"unit_price"`
	VATRate      decimal.Decimal `json:"vat_rate"`
	Takeaway     bool            `json:"takeaway"`
}

// InvoiceLine is a priced line: Net + VAT = Total, in minor units.
type InvoiceLine struct {
	Description  string          `json:"description"`
	ProductGroup string          `json:"product_group"`
	Quantity     decimal.Decimal `json:"quantity"`
	UnitPrice    int64           `json:"unit_price"`
	VATRate      decimal.Decimal `json:"vat_rate"`
	Takeaway     bool            `json:"takeaway"`
	Net          int64           `json:"net"`
	VAT          int64           `json:"vat"`
	Total        int64           `json:"total"`
	// OrderID names the collected order a collective invoice line comes from.
	OrderID string `json:"order_id,omitempty"`
}

// Invoice is an invoice or credit invoice as its provider stores it.
type Invoice struct {
	ID           string        `json:"id"`
	Number       int64         `json:"number,omitempty"`
	Kind         InvoiceKind   `json:"kind"`
	Status       InvoiceStatus `json:"status"`
	InvoiceDate  Date          `json:"invoice_date"`
	DueDate      Date          `json:"due_date"`
	CustomerID   string        `json:"customer_id"`
	CustomerName string        `json:"customer_name"`
	Reference    string        `json:"reference"`
	Comment      string        `json:"comment"`
	Currency     Currency      `json:"currency"`
	NetTotal     int64         `json:"net_total"`
	VATTotal     int64         `json:"vat_total"`
	Total        int64         `json:"total"`
	VATBreakdown []VATAmount   `json:"vat_breakdown"`
	// VATTreatment is how VAT applies (see CheckVATTreatment): domestic,
	// reverse_charge, intra_community_supply or export. A credit invoice
	// has its original's. Empty (left out) from a provider that keeps
	// none: domestic.
	VATTreatment VATTreatment `json:"vat_treatment,omitempty"`
	OCR          string       `json:"ocr,omitempty"`
	PaidAt       Date         `json:"paid_at,omitempty"`
	// PaidAmount is the sum of the payments recorded on the invoice, in
	// minor units (on a settled credit invoice: its negative amount due).
	PaidAmount int64 `json:"paid_amount"`
	// OutstandingAmount is what the customer still owes: AmountDue less
	// its credit invoices' amounts due and PaidAmount, never below zero;
	// 0 on drafts, credit invoices and void or credited invoices.
	OutstandingAmount int64  `json:"outstanding_amount"`
	CreditsInvoiceID  string `json:"credits_invoice_id,omitempty"`
	// CreditInvoiceIDs are, on an invoice read alone, the credit invoices
	// issued for it (a refund's or the void's), oldest first.
	CreditInvoiceIDs []string `json:"credit_invoice_ids,omitempty"`
	// CreditsInvoiceNumber is the number of the credited invoice, which a
	// credit invoice must name (ML 17 kap. 22 §).
	CreditsInvoiceNumber int64 `json:"credits_invoice_number,omitempty"`
	// Rounding is the öresavrundning added to Total to reach the amount to
	// pay (AmountDue); VAT is never rounded.
	Rounding    int64         `json:"rounding,omitempty"`
	Lines       []InvoiceLine `json:"lines,omitempty"`
	EmailStatus string        `json:"email_status,omitempty"`
	// EInvoiceStatus and EInvoiceError are the delivery of the invoice's
	// Peppol e-invoice, for customers who receive e-invoices: the e-mail
	// statuses (queued, sending, sent, failed).
	EInvoiceStatus string `json:"einvoice_status,omitempty"`
	EInvoiceError  string `json:"einvoice_error,omitempty"`
	// EmailError is the last delivery error of the latest e-mail, if any.
	EmailError  string `json:"email_error,omitempty"`
	Provider    string `json:"provider"`
	ProviderRef string `json:"provider_ref,omitempty"`
	ExternalRef string `json:"external_ref,omitempty"`
	LocationID  string `json:"location_id,omitempty"`
	ReceiptID   string `json:"receipt_id,omitempty"`
	// OrderedByCustomerID is the customer who bought when the invoice goes
	// to its parent company (CustomerID).
	OrderedByCustomerID string `json:"ordered_by_customer_id,omitempty"`
	// OrderIDs are the orders a collective invoice lists.
	OrderIDs  []string  `json:"order_ids,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// AmountDue is what the customer pays: the total plus any öre rounding.
func (inv Invoice) AmountDue() int64 { return inv.Total + inv.Rounding }

// WithDerivedStatus returns inv with Status overdue when it is a posted
// invoice whose due date is before today. Providers store posted, paid and
// credited; overdue is a view of time.
func (inv Invoice) WithDerivedStatus(today Date) Invoice {
	if inv.Kind == KindInvoice && inv.Status == StatusPosted && inv.DueDate != "" && inv.DueDate < today {
		inv.Status = StatusOverdue
	}
	return inv
}

// InvoiceRequest asks a provider to create and post an invoice. Lines are
// already priced by PriceLines, so every provider books the same amounts.
//
// ExternalRef makes the call idempotent: a provider that already holds an
// invoice with this ExternalRef for the merchant returns it instead of
// creating another. The engine derives it from the register's
// Idempotency-Key, so a retry after a lost response or a crashed plugin never
// creates a second invoice.
type InvoiceRequest struct {
	// Draft stores an editable, unnumbered draft instead of posting.
	Draft bool `json:"draft"`
	// Route asks a provider with Capabilities.RoutesCharges to resolve
	// CustomerID as a register charge (see Capabilities.RoutesCharges).
	Route       bool   `json:"route"`
	ExternalRef string `json:"external_ref"`
	CustomerID  string `json:"customer_id"`
	// OrderedBy is the buying customer when CustomerID is its parent.
	OrderedBy    string        `json:"ordered_by"`
	InvoiceDate  Date          `json:"invoice_date"`
	Reference    string        `json:"reference"`
	Comment      string        `json:"comment"`
	Currency     Currency      `json:"currency"`
	LocationID   string        `json:"location_id"`
	ReceiptID    string        `json:"receipt_id"`
	Lines        []InvoiceLine `json:"lines"`
	VATBreakdown []VATAmount   `json:"vat_breakdown"`
	NetTotal     int64         `json:"net_total"`
	VATTotal     int64         `json:"vat_total"`
	Total        int64         `json:"total"`
	// VATTreatment is the checked treatment (CheckVATTreatment); empty is
	// domestic.
	VATTreatment VATTreatment `json:"vat_treatment"`
}

// CreditLine credits Quantity of line number Line (0-based) of the original.
type CreditLine struct {
	Line     int             `json:"line"`
	Quantity decimal.Decimal `json:"quantity"`
}

// CreditRequest asks a provider for a credit invoice of InvoiceID: the whole
// invoice when Lines is empty, else the listed quantities. ExternalRef makes
// it idempotent like InvoiceRequest.
//
// Void cancels the whole invoice (Lines must be empty): the original's
// status becomes void instead of credited, so a voided invoice is told
// apart from one refunded in full.
type CreditRequest struct {
	Void        bool         `json:"void"`
	ExternalRef string       `json:"external_ref"`
	InvoiceID   string       `json:"invoice_id"`
	Date        Date         `json:"date"`
	Lines       []CreditLine `json:"lines"`
}

// PaymentRequest records a payment of an invoice. Amount (minor units) is
// the payment; 0 pays everything outstanding. Method is free text such as
// "bank" or "card". ExternalRef, when set, makes the call idempotent: a
// payment already recorded with it is not recorded again.
type PaymentRequest struct {
	InvoiceID   string `json:"invoice_id"`
	PaidAt      Date   `json:"paid_at"`
	Amount      int64  `json:"amount"`
	Method      string `json:"method"`
	ExternalRef string `json:"external_ref"`
}

// Invoice list sort columns.
const (
	SortNumber      = "number"
	SortInvoiceDate = "invoice_date"
	SortDueDate     = "due_date"
	SortCustomer    = "customer"
	SortTotal       = "total"
	SortStatus      = "status"
)

// InvoiceSortColumns are the columns an invoice list can be sorted by.
var InvoiceSortColumns = []string{SortNumber, SortInvoiceDate, SortDueDate, SortCustomer, SortTotal, SortStatus}

// InvoiceQuery lists a merchant's invoices. From and To bound the invoice
// date inclusively; Status filters on the derived status as of Today. Sort
// is one of InvoiceSortColumns (default number); Desc reverses it; ties are
// broken by id so pages are stable.
type InvoiceQuery struct {
	From       Date
	To         Date
	Status     InvoiceStatus
	CustomerID string
	Sort       string
	Desc       bool
	Limit      int
	Cursor     string
	Today      Date
}

// InvoicePage is one page of an invoice list.
type InvoicePage struct {
	Invoices   []Invoice
	NextCursor string
}

// Document is a rendered file such as an invoice PDF.
type Document struct {
	ContentType string
	Filename    string
	Data        []byte
}

// NetUnitPrice is the line's unit price excluding VAT, in minor units, as
// the PDF and the BackOffice print it. The line amounts stay the engine's (core.PriceLines, or a credit's
// share of them); the unit price is derived so that it reconciles with them:
//
//   - when quantity × UnitPrice, rounded half away from zero, is the line's
//     net amount, UnitPrice is already net (an invoice priced excluding VAT,
//     or VAT 0 %) and is printed as it is;
//   - otherwise UnitPrice is the VAT-inclusive shelf price, and the net unit
//     price is the line's net amount ÷ quantity, rounded half away from zero
//     to whole öre/øre. Quantity × it then differs from the printed net
//     amount by at most |quantity| × ½ öre (2 × 133,04 = 266,08 against a
//     net of 266,07);
//   - a quantity of zero has no net amount to derive from: UnitPrice is
//     printed as it is.
func (ln InvoiceLine) NetUnitPrice() int64 {
	if ln.Quantity.IsZero() || RoundHalfAwayFromZero(ln.Quantity.Mul(decimal.NewFromInt(ln.UnitPrice))) == ln.Net {
		return ln.UnitPrice
	}
	return RoundHalfAwayFromZero(decimal.NewFromInt(ln.Net).Div(ln.Quantity))
}
