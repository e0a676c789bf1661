package mail

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
)

// newClock is the outbox's clock in tests: it moves only when told to.
func newClock() *coretest.Clock {
	return coretest.NewClock(time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC))
}

// harness is an outbox over a real SQLite file and a real Sender talking to
// a real SMTP server on loopback.
type harness struct {
	t      *testing.T
	srv    *smtpServer
	store  *SQLiteStore
	sender *Sender
	clock  *coretest.Clock
	dir    string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, srv: startSMTPServer(t), clock: newClock(), dir: t.TempDir()}
	h.store = h.openStore()
	var err error
	h.sender, err = NewSender(SMTPConfig{Host: "127.0.0.1", Port: h.srv.port(), TLS: TLSNone,
		From: "Åkes Café <faktura@example.se>", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) openStore() *SQLiteStore {
	h.t.Helper()
	s, err := OpenSQLiteStore(context.Background(), h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { s.Close() })
	return s
}

func (h *harness) outbox(store Store) *Outbox {
	return NewOutbox(store, h.sender, OutboxConfig{Now: h.clock.Now, PollInterval: 5 * time.Millisecond})
}

// run starts a worker that stops when the test ends.
func (h *harness) run(o *Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.Run(ctx); close(done) }()
	h.t.Cleanup(func() { cancel(); <-done })
}

func (h *harness) email(id, invoiceID string) Email {
	return Email{
		ID: id, MerchantID: "m1", InvoiceID: invoiceID,
		Message: Message{
			To:      []string{"kund@example.com"},
			Cc:      []string{"revisor@example.org"},
			Subject: "Faktura " + invoiceID,
			Text:    "Här kommer fakturan.",
			Attachments: []Attachment{
				{Filename: "faktura-" + invoiceID + ".pdf", ContentType: "application/pdf", Data: testPDF(h.t)},
			},
		},
	}
}

// get reads one e-mail's state through the status view.
func (h *harness) get(invoiceID string) Email {
	h.t.Helper()
	got, err := h.store.ByInvoice(context.Background(), "m1", invoiceID)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(got) != 1 {
		h.t.Fatalf("invoice %s has %d e-mails, want 1", invoiceID, len(got))
	}
	return got[0]
}

// waitFor polls cond in real time; the outbox's own clock is fake.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// settle gives the worker many polls' worth of real time in which nothing
// is supposed to happen.
func settle() { time.Sleep(60 * time.Millisecond) }

func TestOutboxRetriesWhileServerDownThenDeliversOnce(t *testing.T) {
	h := newHarness(t)
	o := h.outbox(h.store)
	h.srv.stop()
	h.run(o)
	ctx := context.Background()

	e := h.email("e1", "inv-1")
	if _, _, err := o.Enqueue(ctx, e); err != nil {
		t.Fatal(err)
	}
	start := h.clock.Now()

	h.waitFor("first failure", func() bool { g := h.get("inv-1"); return g.Status == StatusQueued && g.Attempts == 1 })
	g := h.get("inv-1")
	if g.LastError == "" || !strings.Contains(g.LastError, "unavailable") {
		t.Errorf("last error after a refused connection = %q", g.LastError)
	}
	if want := start.Add(time.Minute); !g.NextAttemptAt.Equal(want) {
		t.Errorf("next attempt %v, want %v (1 min backoff)", g.NextAttemptAt, want)
	}

	// Not before the backoff has passed.
	h.clock.Advance(59 * time.Second)
	settle()
	if g := h.get("inv-1"); g.Attempts != 1 || g.Status != StatusQueued {
		t.Fatalf("retried before its backoff: %+v", g)
	}

	// Second failure doubles the backoff.
	h.clock.Advance(time.Second)
	h.waitFor("second failure", func() bool { g := h.get("inv-1"); return g.Status == StatusQueued && g.Attempts == 2 })
	if g, want := h.get("inv-1"), h.clock.Now().Add(2*time.Minute); !g.NextAttemptAt.Equal(want) {
		t.Errorf("next attempt %v, want %v (2 min backoff)", g.NextAttemptAt, want)
	}
	if n := len(h.srv.messages()); n != 0 {
		t.Fatalf("server down but %d messages received", n)
	}

	h.srv.start()
	h.clock.Advance(2 * time.Minute)
	h.waitFor("delivery", func() bool { return h.get("inv-1").Status == StatusSent })
	g = h.get("inv-1")
	if g.LastError != "" || g.Attempts != 3 || !g.SentAt.Equal(h.clock.Now()) {
		t.Errorf("after delivery: %+v", g)
	}

	// Nothing is sent again, however long we wait.
	for range 5 {
		h.clock.Advance(time.Hour)
		o.Wake()
		settle()
	}
	msgs := h.srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want exactly 1", len(msgs))
	}
	p := parseMail(t, msgs[0].Data)
	if len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0].Data, e.Message.Attachments[0].Data) {
		t.Errorf("the PDF did not survive the outbox intact")
	}
	if len(msgs[0].Rcpts) != 2 || msgs[0].Rcpts[1] != "revisor@example.org" {
		t.Errorf("recipients %v, want the customer and the accountant", msgs[0].Rcpts)
	}
	if id := p.Header.Get("Message-ID"); id != "<e1@example.se>" {
		t.Errorf("Message-ID = %q, want the outbox ID", id)
	}
}

func TestOutboxPermanentFailureIsNotRetried(t *testing.T) {
	h := newHarness(t)
	o := h.outbox(h.store)
	h.srv.setReply(550)
	h.run(o)
	if _, _, err := o.Enqueue(context.Background(), h.email("e1", "inv-1")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("failure", func() bool { return h.get("inv-1").Status == StatusFailed })
	g := h.get("inv-1")
	if g.Attempts != 1 || !strings.Contains(g.LastError, "550") {
		t.Errorf("after 550: %+v", g)
	}
	h.srv.setReply(0)
	for range 3 {
		h.clock.Advance(2 * time.Hour)
		o.Wake()
		settle()
	}
	if mails, _ := h.srv.counts(); mails != 1 {
		t.Errorf("server saw %d MAIL commands, want 1: a 550 must not be retried", mails)
	}
	if g := h.get("inv-1"); g.Status != StatusFailed || g.Attempts != 1 {
		t.Errorf("failed e-mail changed: %+v", g)
	}
}

func TestOutboxTemporaryReplyIsRetried(t *testing.T) {
	h := newHarness(t)
	o := h.outbox(h.store)
	h.srv.setReply(451)
	h.run(o)
	if _, _, err := o.Enqueue(context.Background(), h.email("e1", "inv-1")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("failure", func() bool { return h.get("inv-1").Attempts == 1 && h.get("inv-1").Status == StatusQueued })
	if g := h.get("inv-1"); !strings.Contains(g.LastError, "451") {
		t.Errorf("last error = %q, want the 451 reply", g.LastError)
	}
	h.srv.setReply(0)
	h.clock.Advance(time.Minute)
	h.waitFor("delivery", func() bool { return h.get("inv-1").Status == StatusSent })
	if n := len(h.srv.messages()); n != 1 {
		t.Errorf("received %d messages, want 1", n)
	}
}

func TestOutboxRetriesAfterCrashMidSend(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	// A first worker claims the e-mail (status sending) and dies before
	// recording the outcome: nothing but the claim reaches the database.
	first := h.outbox(h.store)
	if _, _, err := first.Enqueue(ctx, h.email("e1", "inv-1")); err != nil {
		t.Fatal(err)
	}
	claimed, err := h.store.Claim(ctx, h.clock.Now(), 10, first.cfg.Lease)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	h.store.Close()

	// The restarted process opens the file again and runs a new worker.
	h.store = h.openStore()
	if g := h.get("inv-1"); g.Status != StatusSending || g.Attempts != 1 {
		t.Fatalf("after the crash: %+v", g)
	}
	o := h.outbox(h.store)
	h.run(o)
	h.clock.Advance(o.cfg.Lease - time.Second)
	settle()
	if n := len(h.srv.messages()); n != 0 {
		t.Fatalf("re-sent while the lease still held: %d messages", n)
	}
	h.clock.Advance(time.Second)
	h.waitFor("delivery after the lease", func() bool { return h.get("inv-1").Status == StatusSent })
	if g := h.get("inv-1"); g.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", g.Attempts)
	}
	if n := len(h.srv.messages()); n != 1 {
		t.Errorf("received %d messages, want 1", n)
	}
}

func TestOutboxConcurrentWorkersDoNotDoubleSend(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	// Two "processes" (each its own connection pools on the same file),
	// each with two workers.
	other := h.openStore()
	a, b := h.outbox(h.store), h.outbox(other)
	for _, o := range []*Outbox{a, a, b, b} {
		h.run(o)
	}
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			o := a
			if i%2 == 1 {
				o = b
			}
			if _, _, err := o.Enqueue(ctx, h.email(fmt.Sprintf("e%02d", i), fmt.Sprintf("inv-%02d", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	h.waitFor("all delivered", func() bool { return len(h.srv.messages()) >= n })
	for i := range n {
		h.waitFor("marked sent", func() bool { return h.get(fmt.Sprintf("inv-%02d", i)).Status == StatusSent })
	}
	settle()
	msgs := h.srv.messages()
	seen := map[string]int{}
	for _, m := range msgs {
		seen[parseMail(t, m.Data).Header.Get("Message-ID")]++
	}
	if len(msgs) != n || len(seen) != n {
		t.Errorf("received %d messages with %d distinct IDs, want %d of each", len(msgs), len(seen), n)
	}
	for i := range n {
		if g := h.get(fmt.Sprintf("inv-%02d", i)); g.Attempts != 1 {
			t.Errorf("%s attempts = %d, want 1", g.ID, g.Attempts)
		}
	}
}

func TestOutboxEnqueueIsIdempotentOnID(t *testing.T) {
	h := newHarness(t)
	o := h.outbox(h.store)
	ctx := context.Background()
	e := h.email("auto:inv-1", "inv-1")
	first, created, err := o.Enqueue(ctx, e)
	if err != nil || !created || first.Status != StatusQueued {
		t.Fatalf("first enqueue: %+v %v %v", first, created, err)
	}
	h.run(o)
	h.waitFor("delivery", func() bool { return h.get("inv-1").Status == StatusSent })

	e.Message.Subject = "changed"
	again, created, err := o.Enqueue(ctx, e)
	if err != nil || created {
		t.Fatalf("second enqueue: created=%v err=%v", created, err)
	}
	if again.Status != StatusSent || again.Message.Subject != "Faktura inv-1" {
		t.Errorf("second enqueue returned %+v, want the stored, sent e-mail", again)
	}
	o.Wake()
	settle()
	if n := len(h.srv.messages()); n != 1 {
		t.Errorf("received %d messages, want 1", n)
	}
}

func TestOutboxEnqueueValidates(t *testing.T) {
	h := newHarness(t)
	o := h.outbox(h.store)
	_, _, err := o.Enqueue(context.Background(), Email{Message: Message{To: []string{"nope"}}})
	assertFields(t, err, []string{"merchant_id", "message.to[0]", "message.subject"})
	if got, _ := h.store.ByInvoice(context.Background(), "", ""); len(got) != 0 {
		t.Errorf("an invalid e-mail was stored: %+v", got)
	}
}

func TestOutboxStatus(t *testing.T) {
	h := newHarness(t)
	o := h.outbox(h.store)
	ctx := context.Background()
	if got, err := o.Status(ctx, "m1", "inv-1"); err != nil || len(got) != 0 || InvoiceEmailStatus(got) != "" {
		t.Fatalf("never e-mailed: %v %v", got, err)
	}
	old := h.email("old", "inv-1")
	if _, _, err := o.Enqueue(ctx, old); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Second)
	newer := h.email("new", "inv-1")
	if _, _, err := o.Enqueue(ctx, newer); err != nil {
		t.Fatal(err)
	}
	other := h.email("other", "inv-1")
	other.MerchantID = "m2"
	if _, _, err := o.Enqueue(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, err := o.Status(ctx, "m1", "inv-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "new" || got[1].ID != "old" {
		t.Fatalf("status = %+v, want m1's two e-mails newest first", got)
	}
	if InvoiceEmailStatus(got) != StatusQueued {
		t.Errorf("invoice e-mail status = %q", InvoiceEmailStatus(got))
	}
	a := got[0].Message.Attachments
	if len(a) != 1 || a[0].Filename != "faktura-inv-1.pdf" || a[0].ContentType != "application/pdf" || a[0].Data != nil {
		t.Errorf("status attachments = %+v, want metadata without bytes", a)
	}
	if m := got[0].Message; m.To[0] != "kund@example.com" || m.Cc[0] != "revisor@example.org" || m.Subject != "Faktura inv-1" {
		t.Errorf("status message = %+v", m)
	}
}

func TestOutboxStoresAttachmentsDurably(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	e := h.email("e1", "inv-1")
	e.Message.Attachments = append(e.Message.Attachments, Attachment{Filename: "empty.txt", ContentType: "text/plain"})
	if _, _, err := h.outbox(h.store).Enqueue(ctx, e); err != nil {
		t.Fatal(err)
	}
	h.store.Close()
	h.store = h.openStore()
	got, err := h.store.Claim(ctx, h.clock.Now(), 10, time.Minute)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim after reopen: %v %v", got, err)
	}
	a := got[0].Message.Attachments
	if len(a) != 2 || !bytes.Equal(a[0].Data, e.Message.Attachments[0].Data) || a[1].Filename != "empty.txt" || len(a[1].Data) != 0 {
		t.Errorf("attachments after reopen differ")
	}
}

func TestStoreMarkFailedIsFencedByAttempt(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, _, err := h.outbox(h.store).Enqueue(ctx, h.email("e1", "inv-1")); err != nil {
		t.Fatal(err)
	}
	now := h.clock.Now()
	if got, _ := h.store.Claim(ctx, now, 10, time.Minute); len(got) != 1 || got[0].Attempts != 1 {
		t.Fatalf("first claim: %+v", got)
	}
	if got, _ := h.store.Claim(ctx, now.Add(59*time.Second), 10, time.Minute); len(got) != 0 {
		t.Fatalf("claimed again within the lease: %+v", got)
	}
	if got, _ := h.store.Claim(ctx, now.Add(time.Minute), 10, time.Minute); len(got) != 1 || got[0].Attempts != 2 {
		t.Fatalf("claim after the lease: %+v", got)
	}
	// The first, slow worker reports its failure late: it must not undo
	// the second claim.
	err := h.store.MarkFailed(ctx, "e1", 1, now.Add(time.Hour), "late", false)
	if core.Code(err) != core.CodeConflict {
		t.Errorf("stale MarkFailed = %v, want conflict", err)
	}
	if g := h.get("inv-1"); g.Status != StatusSending || g.LastError != "" {
		t.Errorf("stale MarkFailed changed the e-mail: %+v", g)
	}
	if err := h.store.MarkFailed(ctx, "nope", 1, now, "x", false); core.Code(err) != core.CodeNotFound {
		t.Errorf("MarkFailed of unknown = %v, want not_found", err)
	}
	if err := h.store.MarkSent(ctx, "nope", now); core.Code(err) != core.CodeNotFound {
		t.Errorf("MarkSent of unknown = %v, want not_found", err)
	}
	// A send that outlived its lease still delivered: MarkSent wins, and
	// the first SentAt is kept.
	if err := h.store.MarkSent(ctx, "e1", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := h.store.MarkSent(ctx, "e1", now.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if g := h.get("inv-1"); g.Status != StatusSent || !g.SentAt.Equal(now.Add(2*time.Minute)) {
		t.Errorf("after MarkSent: %+v", g)
	}
	if err := h.store.MarkFailed(ctx, "e1", 2, now, "late", false); core.Code(err) != core.CodeConflict {
		t.Errorf("MarkFailed after sent = %v, want conflict", err)
	}
}

func TestBackoff(t *testing.T) {
	o := NewOutbox(nil, nil, OutboxConfig{})
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{
		{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {4, 8 * time.Minute},
		{5, 16 * time.Minute}, {6, 32 * time.Minute}, {7, time.Hour}, {8, time.Hour}, {1000, time.Hour},
	} {
		if got := o.Backoff(tc.attempt); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.attempt, got, tc.want)
		}
	}
}

func TestOutboxStopMidSendRequeues(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	blocked := &blockingMailer{started: make(chan struct{}), release: make(chan struct{})}
	o := NewOutbox(h.store, blocked, OutboxConfig{Now: h.clock.Now, PollInterval: 5 * time.Millisecond})
	if _, _, err := o.Enqueue(ctx, h.email("e1", "inv-1")); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { o.Run(runCtx); close(done) }()
	<-blocked.started
	cancel()
	close(blocked.release)
	<-done
	g := h.get("inv-1")
	if g.Status != StatusQueued || !g.NextAttemptAt.Equal(h.clock.Now()) || g.LastError == "" {
		t.Errorf("after stopping mid-send: %+v, want queued for now with the error", g)
	}
}

// blockingMailer blocks until released, then fails with its context's
// error, like a send interrupted by shutdown.
type blockingMailer struct {
	once             sync.Once
	started, release chan struct{}
}

func (b *blockingMailer) Send(ctx context.Context, _ Message) error {
	b.once.Do(func() { close(b.started) })
	<-b.release
	if err := ctx.Err(); err != nil {
		return core.Errorf(core.CodeUnavailable, "interrupted: %v", err)
	}
	return nil
}

// echoingMailer refuses every message with an answer that echoes a secret,
// as an SMTP server repeating the credentials it was sent would.
type echoingMailer struct{ secret string }

func (m echoingMailer) Send(context.Context, Message) error {
	return core.Errorf(core.CodeProviderError, "535 5.7.8 authentication failed for faktura@example.se with %s", m.secret)
}

// TestOutboxStoresFailuresRedacted: a failed send's error is stored, and so
// shown as the invoice's email_error, with OutboxConfig.Redact applied.
func TestOutboxStoresFailuresRedacted(t *testing.T) {
	h := newHarness(t)
	const secret = "smtp-pass-Zq81xW"
	o := NewOutbox(h.store, echoingMailer{secret}, OutboxConfig{Now: h.clock.Now, PollInterval: 5 * time.Millisecond,
		Redact: core.NewRedactor(secret).String})
	h.run(o)
	if _, _, err := o.Enqueue(context.Background(), h.email("e1", "inv-1")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("failure", func() bool { return h.get("inv-1").Status == StatusFailed })
	g := h.get("inv-1")
	if !strings.Contains(g.LastError, "535 5.7.8") || strings.Contains(g.LastError, secret) || !strings.Contains(g.LastError, core.Redacted) {
		t.Errorf("stored last error %q: want the server's answer with the password redacted", g.LastError)
	}
}
