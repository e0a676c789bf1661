package mail

import (
	"context"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// InvoiceMailer is the engine's core.Mailer over an Outbox: invoice e-mails
// are stored with their attachments before Enqueue returns and delivered by Run.
type InvoiceMailer struct{ Outbox *Outbox }

var _ core.Mailer = InvoiceMailer{}

// Enqueue queues e for delivery, idempotent on e.ID. Errors: CodeInvalid
// naming bad addresses, the store's errors.
func (m InvoiceMailer) Enqueue(ctx context.Context, e core.OutgoingEmail) error {
	msg := Message{To: e.To, Bcc: e.Bcc, ReplyTo: e.ReplyTo, Subject: e.Subject, Text: e.Text}
	for _, a := range e.Attachments {
		if len(a.Data) > 0 {
			msg.Attachments = append(msg.Attachments, Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data})
		}
	}
	_, _, err := m.Outbox.Enqueue(ctx, Email{ID: e.ID, MerchantID: e.MerchantID, InvoiceID: e.InvoiceID, Message: msg})
	return err
}

// InvoiceEmailStatus is the newest e-mail's status and last error.
func (m InvoiceMailer) InvoiceEmailStatus(ctx context.Context, merchantID, invoiceID string) (core.EmailStatus, error) {
	emails, err := m.Outbox.Status(ctx, merchantID, invoiceID)
	if err != nil || len(emails) == 0 {
		return core.EmailStatus{}, err
	}
	return core.EmailStatus{Status: InvoiceEmailStatus(emails), LastError: emails[0].LastError}, nil
}

// RecordNotSent records that e was not sent and why (status
// core.EmailNoAddress), idempotent on e.ID. Errors: CodeInvalid, the
// store's.
func (m InvoiceMailer) RecordNotSent(ctx context.Context, e core.OutgoingEmail, status, reason string) error {
	return m.Outbox.RecordNotSent(ctx, e.ID, e.MerchantID, e.InvoiceID, status, reason)
}
