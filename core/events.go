package core

import (
	"context"
	"slices"
	"time"
)

// Webhook event types: what a merchant's webhook endpoints may subscribe
// to (POST /v1/webhook-endpoints) and what an Event's Type is.
const (
	// EventExportFailed: a day's export job failed for good (retries
	// exhausted, or the provider refused the voucher).
	EventExportFailed = "export.failed"
	// EventExportSucceeded: a day's sales were booked (or had nothing to
	// book).
	EventExportSucceeded = "export.succeeded"
	// EventIntegrationNeedsReauth: the provider refused an active
	// integration's credentials; work through it pauses until an
	// administrator reconnects it.
	EventIntegrationNeedsReauth = "integration.needs_reauth"
	// EventInvoicePosted: an invoice or credit invoice was posted
	// (numbered): by a charge, a collective invoice, POST .../post, a
	// refund or a void.
	EventInvoicePosted = "invoice.posted"
	// EventInvoicePaid: an invoice became paid in full.
	EventInvoicePaid = "invoice.paid"
	// EventInvoiceOverdue: a posted invoice passed its due date unpaid
	// (found by the scheduler; once per invoice).
	EventInvoiceOverdue = "invoice.overdue"
)

// EventTypes lists every event type, in the order the documentation gives
// them.
var EventTypes = []string{EventExportFailed, EventExportSucceeded, EventIntegrationNeedsReauth,
	EventInvoicePosted, EventInvoicePaid, EventInvoiceOverdue}

// ValidEventType reports whether t is one of EventTypes.
func ValidEventType(t string) bool { return slices.Contains(EventTypes, t) }

// Event is something that happened to a merchant's data, published to the
// merchant's webhook endpoints.
type Event struct {
	MerchantID string
	// Type is one of EventTypes.
	Type string
	// Key names the happening, e.g. "invoice.posted:inv_1": publishing a
	// merchant's event with a key already published publishes nothing, so
	// the places that publish may do so again after a retry or a replay.
	Key string
	// OccurredAt is when it happened (the publisher's clock when zero).
	OccurredAt time.Time
	// Data is the object the event is about, encoded as JSON into the
	// delivery's data: the invoice, the export day, the integration.
	Data any
}

// EventPublisher durably queues events for delivery to the merchants'
// webhook endpoints; package webhooks implements it with signed HTTP
// deliveries and retries. Publishing is best effort for the caller: the
// happening it reports has already taken place, so callers log a failure
// and go on.
type EventPublisher interface {
	// Publish stores ev and queues one delivery to each of the merchant's
	// endpoints subscribed to ev.Type, returning once they are durable;
	// a key published before queues nothing. Errors: CodeInvalid naming
	// merchant_id, type or key; CodeUnavailable, CodeInternal.
	Publish(ctx context.Context, ev Event) error
	// Subscribed reports whether any endpoint of the merchant subscribes
	// to eventType, so that a publisher can skip work (such as listing
	// overdue invoices) nobody listens for. Errors: CodeUnavailable,
	// CodeInternal.
	Subscribed(ctx context.Context, merchantID, eventType string) (bool, error)
}
