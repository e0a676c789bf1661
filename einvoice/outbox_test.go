package einvoice_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/einvoice"
	"github.com/ledgerbridge/ledgerbridge/einvoice/accesspoint"
	"github.com/ledgerbridge/ledgerbridge/einvoice/accesspoint/accesspointtest"
	"github.com/ledgerbridge/ledgerbridge/outbox"
)

const (
	seller = "0007:5560160680"
	buyer  = "0192:991825827"
)

// harness is an outbox over a real SQLite file and a real access point
// client talking to the checking mock on loopback. Tests drive delivery
// with Drain, so "nothing happens before the backoff" needs no waiting,
// and move the outbox's clock, clk, only while no worker runs.
type harness struct {
	t     *testing.T
	dir   string
	store *einvoice.SQLiteStore
	ap    *accesspointtest.Server
	apc   *accesspoint.Client
	clk   *coretest.Clock
	box   *einvoice.Outbox
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), ap: accesspointtest.Start(t, accesspointtest.Options{}),
		clk: coretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	var err error
	h.apc, err = accesspoint.NewClient(accesspoint.Config{URL: h.ap.URL, Token: accesspointtest.Token, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.store = h.openStore()
	h.box = h.outbox(h.store)
	return h
}

func (h *harness) openStore() *einvoice.SQLiteStore {
	h.t.Helper()
	s, err := einvoice.OpenSQLiteStore(context.Background(), h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { s.Close() })
	return s
}

func (h *harness) outbox(s einvoice.Store) *einvoice.Outbox {
	return einvoice.NewOutbox(s, h.apc, outbox.Config{Now: h.clk.Now, PollInterval: 5 * time.Millisecond,
		Redact: core.NewRedactor(accesspointtest.Token).String})
}

func outgoing(invoiceID string) core.OutgoingEInvoice {
	return core.OutgoingEInvoice{MerchantID: "m1", InvoiceID: invoiceID, Sender: seller, Receiver: buyer,
		DocumentType: core.EInvoiceInvoice, Document: accesspointtest.Invoice(seller, buyer)}
}

func (h *harness) enqueue(e core.OutgoingEInvoice) einvoice.Delivery {
	h.t.Helper()
	d, queued, err := h.box.Enqueue(context.Background(), e)
	if err != nil || !queued {
		h.t.Fatalf("enqueue: queued=%v err=%v", queued, err)
	}
	return d
}

// get reads an invoice's one delivery through the status view.
func (h *harness) get(invoiceID string) einvoice.Delivery {
	h.t.Helper()
	ds, err := h.box.Status(context.Background(), "m1", invoiceID)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(ds) != 1 {
		h.t.Fatalf("invoice %s has %d deliveries, want 1", invoiceID, len(ds))
	}
	return ds[0]
}

func (h *harness) drain(want int) {
	h.t.Helper()
	if n := h.box.Drain(context.Background()); n != want {
		h.t.Fatalf("drain sent %d, want %d", n, want)
	}
}

func TestOutboxDeliversInvoiceAndCreditNote(t *testing.T) {
	h := newHarness(t)
	h.enqueue(outgoing("inv-1"))
	h.clk.Advance(time.Second) // first queued, first sent
	credit := outgoing("inv-2")
	credit.DocumentType, credit.Document = core.EInvoiceCreditNote, accesspointtest.CreditNote(seller, buyer)
	h.enqueue(credit)
	h.drain(2)
	got := h.ap.Delivered()
	if len(got) != 2 || got[0].Root != "Invoice" || got[1].Root != "CreditNote" {
		t.Fatalf("delivered %d documents (want an Invoice, then a CreditNote); rejected %+v", len(got), h.ap.Rejected())
	}
	if !bytes.Equal(got[1].Document, credit.Document) {
		t.Error("the credit note did not arrive byte for byte")
	}
	for i, inv := range []string{"inv-1", "inv-2"} {
		d := h.get(inv)
		if d.Status != core.EInvoiceSent || d.Attempts != 1 || d.TransmissionID != got[i].ID ||
			!d.SentAt.Equal(h.clk.Now()) || d.LastError != "" || d.DocumentType != []string{core.EInvoiceInvoice, core.EInvoiceCreditNote}[i] {
			t.Errorf("%s after delivery: %+v", inv, d)
		}
		if got[i].IdempotencyKey != d.ID+".0" {
			t.Errorf("%s idempotency key %q, want %s.0", inv, got[i].IdempotencyKey, d.ID)
		}
	}
	h.clk.Advance(24 * time.Hour)
	h.drain(0)
}

func TestOutboxRetriesWithBackoffThenDeliversOnce(t *testing.T) {
	h := newHarness(t)
	h.ap.FailNext(2, 503)
	start := h.clk.Now()
	h.enqueue(outgoing("inv-1"))

	h.drain(1)
	d := h.get("inv-1")
	if d.Status != core.EInvoiceQueued || d.Attempts != 1 || !strings.Contains(d.LastError, "HTTP 503") ||
		!d.NextAttemptAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("after the first failure: %+v, want queued for 1 min later with the 503", d)
	}
	h.clk.Advance(59 * time.Second)
	h.drain(0) // not before the backoff

	h.clk.Advance(time.Second)
	h.drain(1)
	if d := h.get("inv-1"); d.Attempts != 2 || !d.NextAttemptAt.Equal(h.clk.Now().Add(2*time.Minute)) {
		t.Fatalf("after the second failure: %+v, want 2 min backoff", d)
	}
	h.clk.Advance(2 * time.Minute)
	h.drain(1)
	if d := h.get("inv-1"); d.Status != core.EInvoiceSent || d.Attempts != 3 || d.LastError != "" {
		t.Fatalf("after delivery: %+v", d)
	}
	if n := len(h.ap.Delivered()); n != 1 {
		t.Errorf("delivered %d, want 1", n)
	}
}

// TestOutboxPermanentFailureThenQueuedAgain: a rejected document is not
// retried; queuing the invoice again (a fixed document) delivers it under
// a new idempotency key.
func TestOutboxPermanentFailureThenQueuedAgain(t *testing.T) {
	h := newHarness(t)
	bad := outgoing("inv-1")
	bad.Document = accesspointtest.Invoice(seller, "0192:123456785") // buyer endpoint is not the receiver
	first := h.enqueue(bad)
	h.drain(1)
	d := h.get("inv-1")
	if d.Status != core.EInvoiceFailed || d.Attempts != 1 || !strings.Contains(d.LastError, "cbc:EndpointID is 0192:123456785") {
		t.Fatalf("after rejection: %+v, want failed with the access point's reason", d)
	}
	h.clk.Advance(48 * time.Hour)
	h.drain(0)
	if n := h.ap.Requests(); n != 1 {
		t.Fatalf("access point saw %d requests, want 1: a rejection is final", n)
	}

	again, queued, err := h.box.Enqueue(context.Background(), outgoing("inv-1"))
	if err != nil || !queued || again.ID != first.ID || again.Revision != 1 || again.Status != core.EInvoiceQueued ||
		again.Attempts != 0 || again.LastError != "" {
		t.Fatalf("queued again: %+v queued=%v err=%v", again, queued, err)
	}
	h.drain(1)
	got := h.ap.Delivered()
	if len(got) != 1 || got[0].IdempotencyKey != first.ID+".1" {
		t.Fatalf("delivered %+v, want the fixed document under key %s.1", got, first.ID)
	}
	if d := h.get("inv-1"); d.Status != core.EInvoiceSent || d.TransmissionID != got[0].ID {
		t.Errorf("after delivery: %+v", d)
	}
}

func TestOutboxLostAnswerDeliversOnce(t *testing.T) {
	h := newHarness(t)
	h.ap.LoseAnswers(1)
	h.enqueue(outgoing("inv-1"))
	h.drain(1)
	if d := h.get("inv-1"); d.Status != core.EInvoiceQueued || d.LastError == "" {
		t.Fatalf("after the lost answer: %+v, want queued for retry", d)
	}
	h.clk.Advance(time.Minute)
	h.drain(1)
	got := h.ap.Delivered()
	if len(got) != 1 {
		t.Fatalf("delivered %d documents, want 1", len(got))
	}
	if d := h.get("inv-1"); d.Status != core.EInvoiceSent || d.TransmissionID != got[0].ID {
		t.Errorf("after the retry: %+v, want sent as %s", d, got[0].ID)
	}
}

// TestOutboxCrashAfterTransmitDeliversOnce: a worker handed the document to
// the access point and died before recording it. After its lease the
// e-invoice is sent again, with the same key, and the receiver gets one.
func TestOutboxCrashAfterTransmitDeliversOnce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.enqueue(outgoing("inv-1"))
	claimed, err := h.store.Claim(ctx, h.clk.Now(), 10, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	c := claimed[0]
	if _, err := h.apc.Transmit(ctx, einvoice.Transmission{IdempotencyKey: c.IdempotencyKey(), Sender: c.Sender,
		Receiver: c.Receiver, DocumentType: c.DocumentType, Document: c.Document}); err != nil {
		t.Fatal(err)
	}
	h.store.Close()

	h.store = h.openStore()
	h.box = h.outbox(h.store)
	h.drain(0) // the dead worker's lease (15 min by default) still holds
	h.clk.Advance(15 * time.Minute)
	h.drain(1)
	if d := h.get("inv-1"); d.Status != core.EInvoiceSent || d.Attempts != 2 {
		t.Errorf("after the lease: %+v", d)
	}
	if n := len(h.ap.Delivered()); n != 1 {
		t.Errorf("delivered %d documents, want 1", n)
	}
}

// TestOutboxSurvivesRestart: e-invoices queued while the access point is
// down are delivered by the next process, with Run woken by nothing but
// its poll.
func TestOutboxSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	h.ap.FailNext(1, 502)
	h.enqueue(outgoing("inv-1"))
	h.enqueue(outgoing("inv-2"))
	h.ap.FailNext(1, 502)
	h.drain(2)
	h.store.Close()

	h.store = h.openStore()
	h.box = h.outbox(h.store)
	h.clk.Advance(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.box.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for h.get("inv-1").Status != core.EInvoiceSent || h.get("inv-2").Status != core.EInvoiceSent {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered after the restart: %+v %+v", h.get("inv-1"), h.get("inv-2"))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if n := len(h.ap.Delivered()); n != 2 {
		t.Errorf("delivered %d, want 2", n)
	}
}

func TestOutboxEnqueueIsIdempotentPerReceiver(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	first := h.enqueue(outgoing("inv-1"))
	again, queued, err := h.box.Enqueue(ctx, outgoing("inv-1"))
	if err != nil || queued || again.ID != first.ID {
		t.Fatalf("second enqueue while queued: %+v queued=%v err=%v", again, queued, err)
	}
	h.drain(1)
	again, queued, err = h.box.Enqueue(ctx, outgoing("inv-1"))
	if err != nil || queued || again.Status != core.EInvoiceSent {
		t.Fatalf("enqueue after delivery: %+v queued=%v err=%v", again, queued, err)
	}
	h.clk.Advance(time.Second)
	other := outgoing("inv-1")
	other.Receiver, other.Document = "0007:2021005489", accesspointtest.Invoice(seller, "0007:2021005489")
	h.enqueue(other)
	otherMerchant := outgoing("inv-1")
	otherMerchant.MerchantID = "m2"
	h.enqueue(otherMerchant)
	h.drain(2)
	if n := len(h.ap.Delivered()); n != 3 {
		t.Errorf("delivered %d, want 3: once per merchant, invoice and receiver", n)
	}
	ds, err := h.box.Status(ctx, "m1", "inv-1")
	if err != nil || len(ds) != 2 || ds[0].Receiver != "0007:2021005489" || ds[1].Receiver != buyer {
		t.Errorf("status = %+v %v, want m1's two deliveries, last queued first", ds, err)
	}
	if ds[0].Document != nil {
		t.Error("status carries the document")
	}
}

func TestOutboxEnqueueValidates(t *testing.T) {
	h := newHarness(t)
	_, _, err := h.box.Enqueue(context.Background(), core.OutgoingEInvoice{Sender: "5560160680", Receiver: "0192: 9918", DocumentType: "order"})
	e := core.AsError(err)
	var fields []string
	if e != nil {
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
	}
	if want := "merchant_id invoice_id sender receiver document_type document"; e == nil || e.Code != core.CodeInvalid || strings.Join(fields, " ") != want {
		t.Errorf("Enqueue = %v (fields %v), want invalid %s", err, fields, want)
	}
	h.drain(0)
}

// TestOutboxStoresFailuresRedacted: an access point answer that echoes the
// token is stored, and shown on the invoice, without it.
func TestOutboxStoresFailuresRedacted(t *testing.T) {
	h := newHarness(t)
	box := einvoice.NewOutbox(h.store, echoing{}, outbox.Config{Now: h.clk.Now,
		Redact: core.NewRedactor(accesspointtest.Token).String})
	if _, _, err := box.Enqueue(context.Background(), outgoing("inv-1")); err != nil {
		t.Fatal(err)
	}
	box.Drain(context.Background())
	d := h.get("inv-1")
	if d.Status != core.EInvoiceFailed || strings.Contains(d.LastError, accesspointtest.Token) || !strings.Contains(d.LastError, core.Redacted) {
		t.Errorf("stored %q: want the rejection with the token redacted", d.LastError)
	}
}

type echoing struct{}

func (echoing) Transmit(context.Context, einvoice.Transmission) (string, error) {
	return "", core.Errorf(core.CodeProviderError, "accesspoint: rejected (HTTP 400): bad header Authorization: Bearer %s", accesspointtest.Token)
}

func TestQueueReportsTheInvoiceStatus(t *testing.T) {
	h := newHarness(t)
	q := einvoice.Queue{Outbox: h.box}
	ctx := context.Background()
	var _ core.EInvoiceQueue = q
	if st, err := q.InvoiceEInvoiceStatus(ctx, "m1", "inv-1"); err != nil || st != (core.EInvoiceStatus{}) {
		t.Fatalf("never queued: %+v %v", st, err)
	}
	if err := q.Enqueue(ctx, outgoing("inv-1")); err != nil {
		t.Fatal(err)
	}
	if st, _ := q.InvoiceEInvoiceStatus(ctx, "m1", "inv-1"); st.Status != core.EInvoiceQueued || st.Receiver != buyer {
		t.Errorf("queued: %+v", st)
	}
	h.drain(1)
	if st, _ := q.InvoiceEInvoiceStatus(ctx, "m1", "inv-1"); st.Status != core.EInvoiceSent || st.LastError != "" {
		t.Errorf("sent: %+v", st)
	}
	if err := q.Enqueue(ctx, core.OutgoingEInvoice{}); core.Code(err) != core.CodeInvalid {
		t.Errorf("empty e-invoice: %v, want invalid", err)
	}
}
