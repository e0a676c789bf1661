package einvoice

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
	"github.com/ledgerbridge/ledgerbridge/outbox"
)

// Delivery is one e-invoice in the outbox, with its delivery state.
type Delivery struct {
	ID           string `json:"id"`
	MerchantID   string `json:"merchant_id"`
	InvoiceID    string `json:"invoice_id"`
	Sender       string `json:"sender"`
	Receiver     string `json:"receiver"`
	DocumentType string `json:"document_type"`
	// Document is the UBL XML; Status leaves it out.
	Document []byte `json:"-"`
	// Revision counts the times a failed delivery was queued again.
	Revision int `json:"revision"`
	// Attempts counts the transmissions started in this revision,
	// including one in progress.
	Attempts  int    `json:"attempts"`
	Status    string `json:"status"`
	LastError string `json:"last_error,omitempty"`
	// TransmissionID is the access point's id of the delivery, once sent.
	TransmissionID string    `json:"transmission_id,omitempty"`
	NextAttemptAt  time.Time `json:"next_attempt_at"`
	CreatedAt      time.Time `json:"created_at"`
	// QueuedAt is when it was last queued: CreatedAt, or when a failed
	// delivery was queued again.
	QueuedAt time.Time `json:"queued_at"`
	SentAt   time.Time `json:"sent_at,omitzero"`
}

// IdempotencyKey is what every attempt of this revision of the delivery
// sends as its idempotency key: the same on each retry, so the access
// point delivers once; another after a failed delivery is queued again
// (an access point may remember its rejection under the old key).
func (d Delivery) IdempotencyKey() string { return d.ID + "." + strconv.Itoa(d.Revision) }

// Store is the outbox's durable queue; SQLiteStore implements it. Every
// error is a *core.Error.
type Store interface {
	outbox.Store[Delivery]
	// Enqueue stores d (ID, MerchantID, InvoiceID, Sender, Receiver,
	// DocumentType, Document) as queued and due at now, unless a delivery
	// of the invoice to that receiver exists: then it returns the stored
	// one and changes nothing — except that a failed one is queued again
	// with d's sender, document type and document, its next revision and
	// no attempts. queued says whether this call queued something (new or
	// again). The returned delivery has no Document.
	Enqueue(ctx context.Context, d Delivery, now time.Time) (stored Delivery, queued bool, err error)
	// ByInvoice returns a merchant's deliveries of an invoice, last queued
	// first, without documents.
	ByInvoice(ctx context.Context, merchantID, invoiceID string) ([]Delivery, error)
}

// Transmission is one e-invoice handed to a Transmitter.
type Transmission struct {
	// IdempotencyKey is the same for every attempt at one delivery
	// (Delivery.IdempotencyKey).
	IdempotencyKey string
	Sender         string // participant "scheme:value"
	Receiver       string // participant "scheme:value"
	DocumentType   string // core.EInvoiceInvoice or core.EInvoiceCreditNote
	Document       []byte
}

// Transmitter hands an e-invoice to the PEPPOL network; *accesspoint.Client
// is the real one.
type Transmitter interface {
	// Transmit sends t and returns the network's id for the transmission.
	// Errors (outbox.IsPermanent tells them apart): CodeInvalid or
	// CodeProviderError when the document, sender or receiver was
	// rejected, which retrying cannot cure; any other code (CodeUnavailable
	// for an unreachable or failing access point, refused credentials,
	// timeouts) is retried.
	Transmit(ctx context.Context, t Transmission) (transmissionID string, err error)
}

// Outbox queues e-invoices durably and delivers them with retries; see
// the package documentation. Delivery is at least once to the access
// point, and once to the receiver when the access point honours the
// idempotency key.
type Outbox struct {
	store  Store
	now    func() time.Time
	worker *outbox.Worker[Delivery]
}

// NewOutbox returns an outbox over store that delivers through t (cfg
// as for every outbox: clock, poll interval, lease, backoff, logger,
// redaction of stored errors). Start delivery with Run; without a
// Transmitter (no access point configured) e-invoices are queued, and
// shown as queued, but Run must not be started.
func NewOutbox(store Store, t Transmitter, cfg outbox.Config) *Outbox {
	w := outbox.NewWorker(outbox.Queue[Delivery]{
		Name:  "einvoice",
		Store: store,
		Key: func(d Delivery) outbox.Key {
			return outbox.Key{ID: d.ID, Attempt: d.Attempts,
				LogAttrs: []any{"invoice_id", d.InvoiceID, "receiver", d.Receiver, "revision", d.Revision}}
		},
		Send: func(ctx context.Context, d Delivery) (string, error) {
			if t == nil {
				return "", core.Errorf(core.CodeUnavailable, "einvoice: no access point is configured")
			}
			return t.Transmit(ctx, Transmission{IdempotencyKey: d.IdempotencyKey(), Sender: d.Sender,
				Receiver: d.Receiver, DocumentType: d.DocumentType, Document: d.Document})
		},
	}, cfg)
	return &Outbox{store: store, now: w.Config().Now, worker: w}
}

// Enqueue stores e for delivery as soon as possible and wakes a worker;
// see Store.Enqueue for what happens when the invoice was queued to the
// same receiver before (the stored delivery is returned, queued=false,
// unless it had failed). Once Enqueue returns nil the e-invoice survives a
// crash. Errors: CodeInvalid naming merchant_id, invoice_id, sender,
// receiver, document_type or document; the store's.
func (o *Outbox) Enqueue(ctx context.Context, e core.OutgoingEInvoice) (stored Delivery, queued bool, err error) {
	var fields []core.FieldError
	add := func(field, msg string) { fields = append(fields, core.FieldError{Field: field, Message: msg}) }
	if strings.TrimSpace(e.MerchantID) == "" {
		add("merchant_id", "is required")
	}
	if strings.TrimSpace(e.InvoiceID) == "" {
		add("invoice_id", "is required")
	}
	for _, p := range []struct{ field, value string }{{"sender", e.Sender}, {"receiver", e.Receiver}} {
		// The one participant-id check (customers' and settings' too).
		if _, _, err := nordic.ParseParticipantID(p.value); err != nil {
			add(p.field, "must be a PEPPOL participant identifier scheme:value, e.g. 0007:5560160680: "+err.Error())
		}
	}
	if e.DocumentType != core.EInvoiceInvoice && e.DocumentType != core.EInvoiceCreditNote {
		add("document_type", "must be "+core.EInvoiceInvoice+" or "+core.EInvoiceCreditNote)
	}
	if len(e.Document) == 0 {
		add("document", "is required")
	}
	if err := core.Invalid("invalid e-invoice", fields...); err != nil {
		return Delivery{}, false, err
	}
	stored, queued, err = o.store.Enqueue(ctx, Delivery{
		ID: core.NewID("einv"), MerchantID: e.MerchantID, InvoiceID: e.InvoiceID,
		Sender: e.Sender, Receiver: e.Receiver, DocumentType: e.DocumentType, Document: e.Document,
	}, o.now().UTC())
	if err != nil {
		return Delivery{}, false, err
	}
	if queued {
		o.Wake()
	}
	return stored, queued, nil
}

// Status returns a merchant's deliveries of an invoice, last queued first,
// with status, attempts, last error and transmission id, without
// documents. Errors: the store's (CodeUnavailable, CodeInternal).
func (o *Outbox) Status(ctx context.Context, merchantID, invoiceID string) ([]Delivery, error) {
	return o.store.ByInvoice(ctx, merchantID, invoiceID)
}

// Wake makes a waiting worker look for due e-invoices now. It never
// blocks.
func (o *Outbox) Wake() { o.worker.Wake() }

// Run delivers due e-invoices until ctx ends (outbox.Worker.Run). Several
// Run calls may work the same store at once.
func (o *Outbox) Run(ctx context.Context) { o.worker.Run(ctx) }

// Drain delivers what is due now and returns how many it tried
// (outbox.Worker.Drain).
func (o *Outbox) Drain(ctx context.Context) int { return o.worker.Drain(ctx) }
