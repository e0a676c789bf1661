package einvoice

import (
	"context"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Queue is the engine's core.EInvoiceQueue over an Outbox: e-invoices are
// stored with their document before Enqueue returns and delivered by Run.
type Queue struct{ Outbox *Outbox }

var _ core.EInvoiceQueue = Queue{}

// Enqueue queues e, idempotent per (merchant, invoice, receiver); see
// Outbox.Enqueue. Errors: CodeInvalid naming the bad field, the store's.
func (q Queue) Enqueue(ctx context.Context, e core.OutgoingEInvoice) error {
	_, _, err := q.Outbox.Enqueue(ctx, e)
	return err
}

// InvoiceEInvoiceStatus is the last queued delivery's status, last error
// and receiver; the zero value when the invoice was never queued.
func (q Queue) InvoiceEInvoiceStatus(ctx context.Context, merchantID, invoiceID string) (core.EInvoiceStatus, error) {
	ds, err := q.Outbox.Status(ctx, merchantID, invoiceID)
	if err != nil || len(ds) == 0 {
		return core.EInvoiceStatus{}, err
	}
	return core.EInvoiceStatus{Status: ds[0].Status, LastError: ds[0].LastError, Receiver: ds[0].Receiver}, nil
}
