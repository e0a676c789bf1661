package core

import "time"

// Order statuses.
const (
	OrderOpen     = "open"     // waiting for the customer's collective invoice
	OrderInvoiced = "invoiced" // included in InvoiceID
	// OrderCancelled: refunded whole before it was invoiced; no collective
	// invoice includes it.
	OrderCancelled = "cancelled"
)

// OrderRefundRequest takes a register refund off an open order
// (Provider.RefundOrder): the listed quantities of its lines (Line is the
// 0-based index of the order's line), or everything left when Lines is
// empty. ExternalRef makes it idempotent: a refund already applied under
// the reference is not applied again.
type OrderRefundRequest struct {
	ExternalRef string       `json:"external_ref"`
	OrderID     string       `json:"order_id"`
	Lines       []CreditLine `json:"lines"`
}

// Order is a purchase by a customer with collective invoicing: it is
// collected instead of invoiced, and a later collective invoice lists every
// open order of the customer.
type Order struct {
	ID           string        `json:"id"`
	CustomerID   string        `json:"customer_id"`
	CustomerName string        `json:"customer_name"`
	Status       string        `json:"status"`
	OrderDate    Date          `json:"order_date"`
	Reference    string        `json:"reference"`
	Comment      string        `json:"comment"`
	Currency     Currency      `json:"currency"`
	NetTotal     int64         `json:"net_total"`
	VATTotal     int64         `json:"vat_total"`
	Total        int64         `json:"total"`
	VATBreakdown []VATAmount   `json:"vat_breakdown"`
	Lines        []InvoiceLine `json:"lines,omitempty"`
	InvoiceID    string        `json:"invoice_id,omitempty"`
	LocationID   string        `json:"location_id,omitempty"`
	ReceiptID    string        `json:"receipt_id,omitempty"`
	ExternalRef  string        `json:"external_ref,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
}

// Size approximates the order's encoded size in bytes, lines included (see
// Customer.Size and MaxPageBytes).
func (o Order) Size() int {
	n := 512 + len(o.ID) + len(o.CustomerID) + len(o.CustomerName) + len(o.Reference) + len(o.Comment) +
		len(o.InvoiceID) + len(o.LocationID) + len(o.ReceiptID) + len(o.ExternalRef) + 64*len(o.VATBreakdown)
	for _, l := range o.Lines {
		n += 256 + len(l.Description) + len(l.ProductGroup) + len(l.OrderID)
	}
	return n
}

// OrderQuery lists a merchant's orders, oldest first.
type OrderQuery struct {
	CustomerID string
	Status     string // "", open, invoiced or cancelled
	Limit      int
	Cursor     string
}

// CheckOrderStatus refuses an order-list status filter that is none of the
// order statuses ("" lists every order). Errors: CodeInvalid naming status.
func CheckOrderStatus(status string) error {
	switch status {
	case "", OrderOpen, OrderInvoiced, OrderCancelled:
		return nil
	}
	return Invalid("invalid order query", FieldError{Field: "status", Message: "must be open, invoiced or cancelled"})
}

// OrderPage is one page of orders.
type OrderPage struct {
	Orders     []Order
	NextCursor string
}

// CollectiveRequest asks a provider to invoice every open order of
// CustomerID (dated before OrdersBefore, when set) on one invoice to
// BillToCustomerID (the customer itself, or its parent company).
// ExternalRef makes it idempotent: a collective invoice already made under
// the reference is returned and no other is made, so concurrent triggers
// invoice a set of orders exactly once.
type CollectiveRequest struct {
	ExternalRef      string `json:"external_ref"`
	CustomerID       string `json:"customer_id"`
	BillToCustomerID string `json:"bill_to_customer_id"`
	InvoiceDate      Date   `json:"invoice_date"`
	// OrdersBefore, when set, leaves out orders dated on or after it: the
	// invoice day's invoice covers the purchases made before that day.
	OrdersBefore Date `json:"orders_before,omitempty"`
}

// collectsMessage marks the refusal ErrCollects.
const collectsMessage = "the customer collects purchases for a collective invoice"

// ErrCollects is how a provider that routes charges refuses to invoice a
// customer with collective invoicing: the charge must become an order.
func ErrCollects() *Error {
	return &Error{Code: CodeConflict, Message: collectsMessage,
		Fields: []FieldError{{Field: "customer_id", Message: "collects orders for a collective invoice"}}}
}

// IsCollects reports whether err is ErrCollects.
func IsCollects(err error) bool {
	e := AsError(err)
	return e != nil && e.Code == CodeConflict && e.Message == collectsMessage
}
