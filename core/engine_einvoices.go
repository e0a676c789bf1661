package core

import "context"

// sendEInvoice queues inv as a Peppol e-invoice to cust: the provider
// writes the document (Provider.InvoiceUBL) and the queue delivers it from
// the merchant's electronic address to the customer's, the same ones the
// document states (SellerParticipantID, BuyerParticipantID). Idempotent:
// the queue delivers an invoice to a receiver once.
//
// Errors: CodeUnsupported without a queue or when the provider writes no
// e-invoices; the provider's (CodeConflict for a void invoice, CodeInvalid
// naming what the document lacks); the queue's.
func (e *Engine) sendEInvoice(ctx context.Context, s session, inv Invoice, cust Customer) error {
	if e.einvoices == nil {
		return Errorf(CodeUnsupported, "e-invoicing is not configured on this gateway (peppol.access_point_url)")
	}
	doc, err := call(ctx, e, s, func(conn Connection) (Document, error) { return s.provider.InvoiceUBL(ctx, conn, inv.ID) })
	if err != nil {
		return err
	}
	kind := EInvoiceInvoice
	if inv.Kind == KindCredit {
		kind = EInvoiceCreditNote
	}
	return e.einvoices.Enqueue(ctx, OutgoingEInvoice{
		MerchantID: s.merchant.ID, InvoiceID: inv.ID,
		Sender:       SellerParticipantID(s.settings, s.merchant.Country),
		Receiver:     BuyerParticipantID(cust, s.merchant.Country),
		DocumentType: kind, Document: doc.Data,
	})
}
