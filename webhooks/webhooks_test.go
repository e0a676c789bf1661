package webhooks_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/seal"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
	"github.com/ledgerbridge/ledgerbridge/webhooks/webhookstest"
)

var (
	admin   = core.Principal{MerchantID: "mer_a", Role: core.RoleAdmin, KeyID: "key_a"}
	otherM  = core.Principal{MerchantID: "mer_b", Role: core.RoleAdmin, KeyID: "key_b"}
	cashier = core.Principal{MerchantID: "mer_a", Role: core.RoleCashier, KeyID: "key_c"}
)

// harness is a service over a real SQLite file; tests drive delivery with
// Drain and move the clock only while no worker runs.
type harness struct {
	t     *testing.T
	dir   string
	clk   *coretest.Clock
	store *webhooks.SQLiteStore
	svc   *webhooks.Service
}

// newHarness delivers to loopback receivers, so it allows private networks;
// newGuardedHarness does not.
func newHarness(t *testing.T) *harness { return newHarnessWith(t, true) }

func newGuardedHarness(t *testing.T) *harness { return newHarnessWith(t, false) }

func newHarnessWith(t *testing.T, allowPrivate bool) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clk: coretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	var err error
	h.store, err = webhooks.OpenSQLiteStore(context.Background(), h.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.store.Close() })
	h.svc = webhooks.New(h.store, seal.Random("credentials key"), webhooks.Config{MaxAttempts: 4,
		Outbox: outbox.Config{Now: h.clk.Now, Redact: core.NewRedactor("s3cret-token").String}, AllowPrivateNetworks: allowPrivate})
	return h
}

func (h *harness) drain(want int) {
	h.t.Helper()
	if n := h.svc.Drain(context.Background()); n != want {
		h.t.Fatalf("drain tried %d deliveries, want %d", n, want)
	}
}

// endpoint registers r for events as admin and gives r the secret.
func (h *harness) endpoint(r *webhookstest.Receiver, events ...string) webhooks.CreatedEndpoint {
	h.t.Helper()
	e, err := h.svc.CreateEndpoint(context.Background(), admin, webhooks.EndpointInput{URL: r.URL + "/hook", Events: events})
	if err != nil {
		h.t.Fatal(err)
	}
	r.SetSecret(e.Secret)
	return e
}

func (h *harness) publish(typ, key string, data any) {
	h.t.Helper()
	if err := h.svc.Publish(context.Background(), core.Event{MerchantID: admin.MerchantID, Type: typ, Key: key, Data: data}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) log(endpointID string) []webhooks.Delivery {
	h.t.Helper()
	page, err := h.svc.Deliveries(context.Background(), admin, endpointID, 0, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return page.Deliveries
}

func TestDeliversSignedEventOnce(t *testing.T) {
	h := newHarness(t)
	r := webhookstest.Start(t, h.clk.Now)
	e := h.endpoint(r, core.EventInvoicePosted, core.EventInvoicePaid)
	inv := core.Invoice{ID: "inv_1", Number: 1001, Status: core.StatusPosted, Total: 12500, Currency: "SEK"}
	h.publish(core.EventInvoicePosted, "invoice.posted:inv_1", inv)
	h.publish(core.EventExportFailed, "export.failed:x", map[string]string{"a": "b"}) // not subscribed
	h.drain(1)
	got := r.Events(t)
	if len(got) != 1 {
		t.Fatalf("delivered %d, want 1", len(got))
	}
	p := got[0]
	var data core.Invoice
	if err := json.Unmarshal(p.Data, &data); err != nil || data.ID != "inv_1" || data.Total != 12500 {
		t.Errorf("data %s (%v), want the invoice", p.Data, err)
	}
	if !strings.HasPrefix(p.ID, "evt_") || p.Type != core.EventInvoicePosted || p.MerchantID != admin.MerchantID || !p.CreatedAt.Equal(h.clk.Now()) {
		t.Errorf("payload %+v", p)
	}
	hd := r.Headers()[0]
	if hd.Get(webhooks.EventIDHeader) != p.ID || hd.Get(webhooks.EventTypeHeader) != p.Type || hd.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", hd)
	}
	log := h.log(e.ID)
	if len(log) != 1 || log[0].Status != outbox.StatusSent || log[0].Attempts != 1 || log[0].ResponseStatus != 204 ||
		log[0].EventID != p.ID || log[0].SentAt == nil || log[0].NextAttemptAt != nil {
		t.Errorf("delivery log %+v", log)
	}
	h.clk.Advance(48 * time.Hour)
	h.drain(0)
}

// TestReceiverDownThenUp: a receiver that answers 503 for a while gets
// the event once, after retries with backoff, each attempt freshly signed.
func TestReceiverDownThenUp(t *testing.T) {
	h := newHarness(t)
	r := webhookstest.Start(t, h.clk.Now)
	e := h.endpoint(r, core.EventExportFailed)
	r.Down(2)
	h.publish(core.EventExportFailed, "export.failed:lease_1", map[string]string{"location_id": "loc-1"})

	h.drain(1)
	d := h.log(e.ID)[0]
	if d.Status != outbox.StatusQueued || d.Attempts != 1 || !strings.Contains(d.LastError, "HTTP 503: maintenance") ||
		d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(h.clk.Now().Add(time.Minute)) {
		t.Fatalf("after the first failure: %+v, want queued a minute later with the 503", d)
	}
	h.clk.Advance(59 * time.Second)
	h.drain(0) // not before the backoff
	h.clk.Advance(time.Second)
	h.drain(1)
	if d := h.log(e.ID)[0]; d.Attempts != 2 || !d.NextAttemptAt.Equal(h.clk.Now().Add(2*time.Minute)) {
		t.Fatalf("after the second failure: %+v, want 2 min backoff", d)
	}
	h.clk.Advance(2 * time.Minute)
	h.drain(1)
	if d := h.log(e.ID)[0]; d.Status != outbox.StatusSent || d.Attempts != 3 || d.LastError != "" || d.ResponseStatus != 204 {
		t.Fatalf("after delivery: %+v", d)
	}
	if n := len(r.Events(t)); n != 1 || r.Requests() != 3 {
		t.Errorf("delivered %d in %d requests, want 1 in 3", n, r.Requests())
	}
	h.clk.Advance(time.Hour)
	h.drain(0)
}

// TestGivesUpAfterMaxAttempts: a receiver that never recovers fails the
// delivery for good after MaxAttempts (4 here).
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	h := newHarness(t)
	r := webhookstest.Start(t, h.clk.Now)
	e := h.endpoint(r, core.EventInvoicePaid)
	r.Down(100)
	h.publish(core.EventInvoicePaid, "invoice.paid:inv_1", map[string]string{})
	for range 4 {
		h.drain(1)
		h.clk.Advance(time.Hour)
	}
	h.drain(0)
	d := h.log(e.ID)[0]
	if d.Status != outbox.StatusFailed || d.Attempts != 4 || !strings.Contains(d.LastError, "gave up after 4 attempts") {
		t.Errorf("after 4 failures: %+v", d)
	}
}

// TestReplayedEventIsNotDeliveredTwice: publishing the same happening
// again (a retried request, a scheduler run) queues nothing; one event
// to two endpoints carries the same event id.
func TestReplayedEventIsNotDeliveredTwice(t *testing.T) {
	h := newHarness(t)
	r1, r2 := webhookstest.Start(t, h.clk.Now), webhookstest.Start(t, h.clk.Now)
	h.endpoint(r1, core.EventInvoiceOverdue)
	h.endpoint(r2, core.EventInvoiceOverdue)
	h.publish(core.EventInvoiceOverdue, "invoice.overdue:inv_1", map[string]string{"id": "inv_1"})
	h.drain(2)
	h.publish(core.EventInvoiceOverdue, "invoice.overdue:inv_1", map[string]string{"id": "inv_1"})
	h.clk.Advance(time.Hour)
	h.drain(0)
	a, b := r1.Events(t), r2.Events(t)
	if len(a) != 1 || len(b) != 1 || a[0].ID != b[0].ID {
		t.Fatalf("delivered %v and %v, want one event each with the same id", a, b)
	}
	// The same key of another merchant is another event.
	if ok, err := h.svc.Subscribed(context.Background(), otherM.MerchantID, core.EventInvoiceOverdue); err != nil || ok {
		t.Errorf("Subscribed(other merchant) = %v, %v", ok, err)
	}
}

func TestEndpointInputErrorsNameTheField(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name   string
		in     webhooks.EndpointInput
		fields string
	}{
		{"no url", webhooks.EndpointInput{Events: []string{core.EventInvoicePaid}}, "url"},
		{"plain http", webhooks.EndpointInput{URL: "http://example.com/hook", Events: []string{core.EventInvoicePaid}}, "url"},
		{"ftp", webhooks.EndpointInput{URL: "ftp://example.com/hook", Events: []string{core.EventInvoicePaid}}, "url"},
		{"relative", webhooks.EndpointInput{URL: "/hook", Events: []string{core.EventInvoicePaid}}, "url"},
		{"credentials", webhooks.EndpointInput{URL: "https://u:p@example.com/hook", Events: []string{core.EventInvoicePaid}}, "url"},
		{"no events", webhooks.EndpointInput{URL: "https://example.com/hook"}, "events"},
		{"unknown event", webhooks.EndpointInput{URL: "https://example.com/hook", Events: []string{"invoice.eaten"}}, "events[0]"},
		{"repeated event", webhooks.EndpointInput{URL: "https://example.com/hook", Events: []string{core.EventInvoicePaid, core.EventInvoicePaid}}, "events[1]"},
		{"both", webhooks.EndpointInput{URL: "gopher://x", Events: []string{"x"}}, "url events[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.CreateEndpoint(context.Background(), admin, tc.in)
			e := core.AsError(err)
			var fields []string
			if e != nil {
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
			}
			if e == nil || e.Code != core.CodeInvalid || strings.Join(fields, " ") != tc.fields {
				t.Errorf("CreateEndpoint = %v (fields %v), want invalid naming %s", err, fields, tc.fields)
			}
		})
	}
	for _, ok := range []string{"https://example.com/hook?x=1", "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/h"} {
		if _, err := h.svc.CreateEndpoint(context.Background(), admin, webhooks.EndpointInput{URL: ok, Events: []string{core.EventInvoicePaid}}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestEndpointsBelongToTheirMerchant(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	r := webhookstest.Start(t, h.clk.Now)
	e := h.endpoint(r, core.EventInvoicePaid)
	if _, err := h.svc.DeleteEndpoint(ctx, otherM, e.ID); core.Code(err) != core.CodeNotFound {
		t.Errorf("delete by another merchant: %v, want not found", err)
	}
	if _, err := h.svc.Deliveries(ctx, otherM, e.ID, 0, ""); core.Code(err) != core.CodeNotFound {
		t.Errorf("deliveries for another merchant: %v, want not found", err)
	}
	if es, err := h.svc.ListEndpoints(ctx, otherM); err != nil || len(es) != 0 {
		t.Errorf("other merchant lists %v, %v", es, err)
	}
	if _, err := h.svc.ListEndpoints(ctx, cashier); core.Code(err) != core.CodeForbidden {
		t.Errorf("cashier lists: %v, want forbidden", err)
	}
	// Another merchant's events never reach the endpoint.
	if err := h.svc.Publish(ctx, core.Event{MerchantID: otherM.MerchantID, Type: core.EventInvoicePaid, Key: "k", Data: 1}); err != nil {
		t.Fatal(err)
	}
	h.drain(0)
	// Deleted, it gets nothing more and its log is gone.
	h.publish(core.EventInvoicePaid, "invoice.paid:inv_9", 1)
	if _, err := h.svc.DeleteEndpoint(ctx, admin, e.ID); err != nil {
		t.Fatal(err)
	}
	h.drain(0)
	if _, err := h.svc.Deliveries(ctx, admin, e.ID, 0, ""); core.Code(err) != core.CodeNotFound {
		t.Errorf("deleted endpoint's log: %v, want not found", err)
	}
}

// TestSecretIsStoredSealed: the database file never holds the secret.
func TestSecretIsStoredSealed(t *testing.T) {
	h := newHarness(t)
	e := h.endpoint(webhookstest.Start(t, h.clk.Now), core.EventInvoicePaid)
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(h.dir, webhooks.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored []byte
	if err := db.QueryRow(`SELECT secret FROM endpoints WHERE id = ?`, e.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.Secret, "whsec_") || len(stored) == 0 || bytes.Contains(stored, []byte(e.Secret)) ||
		bytes.Contains(stored, []byte(strings.TrimPrefix(e.Secret, "whsec_"))) {
		t.Errorf("secret %q stored as %q", e.Secret, stored)
	}
	es, err := h.svc.ListEndpoints(context.Background(), admin)
	if err != nil || len(es) != 1 {
		t.Fatal(es, err)
	}
	if b, _ := json.Marshal(es); bytes.Contains(b, []byte(e.Secret)) {
		t.Errorf("list shows the secret: %s", b)
	}
}

func TestDeliveryLogPages(t *testing.T) {
	h := newHarness(t)
	r := webhookstest.Start(t, h.clk.Now)
	e := h.endpoint(r, core.EventInvoicePosted)
	for _, id := range []string{"a", "b", "c"} {
		h.publish(core.EventInvoicePosted, "invoice.posted:"+id, id)
		h.clk.Advance(time.Second)
	}
	var seen []string
	cursor := ""
	for range 3 {
		page, err := h.svc.Deliveries(context.Background(), admin, e.ID, 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Deliveries {
			seen = append(seen, d.CreatedAt.Format("05"))
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(seen, " ") != "02 01 00" {
		t.Errorf("pages gave %v, want newest first, each once", seen)
	}
	if _, err := h.svc.Deliveries(context.Background(), admin, e.ID, 0, "garbage"); core.Code(err) != core.CodeInvalid {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_772_000_000, 0)
	body := []byte(`{"id":"evt_1"}`)
	good := webhooks.Sign("whsec_x", now, body)
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
		secret string
		at     time.Time
		want   error
	}{
		{"valid", good, body, "whsec_x", now, nil},
		{"valid within tolerance", good, body, "whsec_x", now.Add(4 * time.Minute), nil},
		{"rotated: any v1 may match", good + ",v1=00", body, "whsec_x", now, nil},
		{"replayed late", good, body, "whsec_x", now.Add(6 * time.Minute), webhooks.ErrTooOld},
		{"from the future", good, body, "whsec_x", now.Add(-6 * time.Minute), webhooks.ErrTooOld},
		{"tampered body", good, []byte(`{"id":"evt_2"}`), "whsec_x", now, webhooks.ErrBadSignature},
		{"other secret", good, body, "whsec_y", now, webhooks.ErrBadSignature},
		{"no header", "", body, "whsec_x", now, webhooks.ErrNoSignature},
		{"no v1", "t=1772000000", body, "whsec_x", now, webhooks.ErrNoSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := webhooks.Verify(tc.header, tc.body, tc.secret, 0, tc.at); !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	if !strings.HasPrefix(good, "t=1772000000,v1=") || len(good) != len("t=1772000000,v1=")+64 {
		t.Errorf("header %q", good)
	}
}

func TestPublishRefusesBadEvents(t *testing.T) {
	h := newHarness(t)
	err := h.svc.Publish(context.Background(), core.Event{Type: "nope", Data: func() {}})
	e := core.AsError(err)
	var fields []string
	if e != nil {
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
	}
	if strings.Join(fields, " ") != "merchant_id type key data" {
		t.Errorf("Publish = %v (fields %v)", err, fields)
	}
}

// TestNoRequestsToPrivateNetworks: without allow_private_networks an
// endpoint cannot make the gateway call its own network: literal loopback,
// private, link-local (cloud metadata) and carrier-grade NAT addresses and
// plain http are refused when saved, and a name that resolves to loopback
// is refused when the delivery connects; the receiver never hears of it.
func TestNoRequestsToPrivateNetworks(t *testing.T) {
	h := newGuardedHarness(t)
	for _, u := range []string{
		"http://127.0.0.1:8080/hook", "https://127.0.0.1/hook", "https://[::1]/hook", "https://10.1.2.3/hook",
		"https://192.168.0.10/hook", "https://172.20.0.1/hook", "https://169.254.169.254/latest/meta-data",
		"https://100.64.0.1/hook", "https://0.0.0.0/hook", "https://[fd00::1]/hook", "http://example.com/hook",
	} {
		_, err := h.svc.CreateEndpoint(context.Background(), admin, webhooks.EndpointInput{URL: u, Events: []string{core.EventInvoicePaid}})
		if core.Code(err) != core.CodeInvalid || !strings.Contains(err.Error(), "url") {
			t.Errorf("%s: %v, want 422 naming url", u, err)
		}
	}
	if _, err := h.svc.CreateEndpoint(context.Background(), admin, webhooks.EndpointInput{URL: "https://hooks.example.com/x", Events: []string{core.EventInvoicePaid}}); err != nil {
		t.Errorf("a public name: %v", err)
	}

	r := webhookstest.Start(t, h.clk.Now)
	port := r.URL[strings.LastIndex(r.URL, ":")+1:]
	e, err := h.svc.CreateEndpoint(context.Background(), admin, webhooks.EndpointInput{URL: "https://localhost:" + port + "/hook", Events: []string{core.EventInvoicePosted}})
	if err != nil {
		t.Fatalf("a name is checked when the delivery connects, not when saved: %v", err)
	}
	h.publish(core.EventInvoicePosted, "inv-1", map[string]any{"id": "inv_1"})
	h.drain(1)
	log := h.log(e.ID)
	if len(log) != 1 || log[0].Status != "failed" || !strings.Contains(log[0].LastError, "loopback, private or link-local") {
		t.Fatalf("delivery to a loopback name: %+v", log)
	}
	if n := r.Requests(); n != 0 {
		t.Fatalf("the receiver on loopback was called %d times", n)
	}
}
