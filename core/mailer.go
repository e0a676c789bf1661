package core

import "context"

// OutgoingEmail is an invoice e-mail to queue. ID makes queuing idempotent:
// queuing the same ID twice sends once.
type OutgoingEmail struct {
	ID         string
	MerchantID string
	InvoiceID  string
	To         []string
	// Bcc receive a copy without the customer seeing them (the
	// accountant copy).
	Bcc     []string
	ReplyTo string
	Subject string
	Text    string
	// Attachments are the invoice PDF, then its UBL e-invoice when the
	// merchant attaches it.
	Attachments []Document
}

// Email delivery statuses as shown on an invoice.
const (
	EmailQueued  = "queued"
	EmailSending = "sending"
	EmailSent    = "sent"
	EmailFailed  = "failed"
	// EmailNoAddress: an automatic e-mail (the invoice, a reminder) was
	// not sent because the customer has no e-mail address.
	EmailNoAddress = "no_address"
)

// EmailStatus is the delivery state of an invoice's latest e-mail.
type EmailStatus struct {
	Status    string `json:"status"`
	LastError string `json:"last_error,omitempty"`
}

// Mailer durably queues invoice e-mails and reports their delivery; package
// mail implements it over SMTP with retries.
type Mailer interface {
	// Enqueue stores the e-mail for delivery and returns once it is
	// durable; a failing SMTP server never loses it. Errors: CodeInvalid
	// naming bad addresses, CodeUnavailable.
	Enqueue(ctx context.Context, e OutgoingEmail) error
	// InvoiceEmailStatus is the latest e-mail's status for an invoice;
	// the zero value when none was sent.
	InvoiceEmailStatus(ctx context.Context, merchantID, invoiceID string) (EmailStatus, error)
	// RecordNotSent records, idempotent on e.ID, that the e-mail e was not
	// sent and why (status, e.g. EmailNoAddress; reason in plain words),
	// so the invoice shows it as its latest e-mail status. Errors:
	// CodeInvalid, CodeUnavailable.
	RecordNotSent(ctx context.Context, e OutgoingEmail, status, reason string) error
}
