package accesspoint_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/einvoice"
	"github.com/ledgerbridge/ledgerbridge/einvoice/accesspoint"
	"github.com/ledgerbridge/ledgerbridge/einvoice/accesspoint/accesspointtest"
	"github.com/ledgerbridge/ledgerbridge/outbox"
)

const (
	seller = "0007:5560160680"
	buyer  = "0192:991825827"
)

func client(t *testing.T, url, token string) *accesspoint.Client {
	t.Helper()
	c, err := accesspoint.NewClient(accesspoint.Config{URL: url, Token: token, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func invoice(key string) einvoice.Transmission {
	return einvoice.Transmission{IdempotencyKey: key, Sender: seller, Receiver: buyer,
		DocumentType: core.EInvoiceInvoice, Document: accesspointtest.Invoice(seller, buyer)}
}

func TestTransmitDeliversInvoiceAndCreditNote(t *testing.T) {
	ap := accesspointtest.Start(t, accesspointtest.Options{})
	c := client(t, ap.URL+"/", accesspointtest.Token) // a trailing slash is fine
	ctx := context.Background()
	credit := einvoice.Transmission{IdempotencyKey: "k2", Sender: seller, Receiver: buyer,
		DocumentType: core.EInvoiceCreditNote, Document: accesspointtest.CreditNote(seller, buyer)}
	for _, tr := range []einvoice.Transmission{invoice("k1"), credit} {
		id, err := c.Transmit(ctx, tr)
		if err != nil || id == "" {
			t.Fatalf("%s: id %q, err %v; rejected: %+v", tr.DocumentType, id, err, ap.Rejected())
		}
	}
	got := ap.Delivered()
	if len(got) != 2 {
		t.Fatalf("delivered %d documents, want 2", len(got))
	}
	for i, want := range []struct{ root, docType string }{
		{"Invoice", accesspoint.InvoiceDocumentTypeID}, {"CreditNote", accesspoint.CreditNoteDocumentTypeID},
	} {
		d := got[i]
		if d.Root != want.root || d.DocumentTypeID != want.docType || d.Sender != seller || d.Receiver != buyer {
			t.Errorf("delivery %d = %+v", i, d)
		}
	}
	if !bytes.Equal(got[0].Document, accesspointtest.Invoice(seller, buyer)) {
		t.Error("the document did not arrive byte for byte")
	}
	if got[0].IdempotencyKey != "k1" {
		t.Errorf("idempotency key %q, want k1", got[0].IdempotencyKey)
	}
}

// TestTransmitErrors: which answers the outbox retries and which are
// final, and that the mock refuses documents that do not match their
// request — so a test delivering through it proves the document's shape.
func TestTransmitErrors(t *testing.T) {
	other := "0007:2021005489"
	for _, tc := range []struct {
		name      string
		token     string
		fail      int                          // FailNext status
		edit      func(*einvoice.Transmission) // of a good invoice
		permanent bool
		want      string // in the error
	}{
		{name: "wrong token", token: "nope", want: "HTTP 401"},
		{name: "access point down", fail: 503, want: "HTTP 503"},
		{name: "rate limited", fail: 429, want: "HTTP 429"},
		{name: "rejected", fail: 400, permanent: true, want: "rejected (HTTP 400)"},
		{name: "invoice sent as credit note", permanent: true,
			want: "root element is {" + accesspointtest.NamespaceInvoice + "}Invoice",
			edit: func(tr *einvoice.Transmission) { tr.DocumentType = core.EInvoiceCreditNote }},
		{name: "seller endpoint is not the sender", permanent: true,
			want: "AccountingSupplierParty/cac:Party/cbc:EndpointID is 0007:2021005489",
			edit: func(tr *einvoice.Transmission) { tr.Document = accesspointtest.Invoice(other, buyer) }},
		{name: "buyer endpoint is not the receiver", permanent: true,
			want: "AccountingCustomerParty/cac:Party/cbc:EndpointID is 0007:2021005489",
			edit: func(tr *einvoice.Transmission) { tr.Document = accesspointtest.Invoice(seller, other) }},
		{name: "not well-formed", permanent: true, want: "not well-formed XML",
			edit: func(tr *einvoice.Transmission) { tr.Document = replace(tr.Document, "</Invoice>", "") }},
		{name: "two roots", permanent: true, want: "2 root elements",
			edit: func(tr *einvoice.Transmission) { tr.Document = append(tr.Document, "<Invoice/>"...) }},
		{name: "not UBL 2.1", permanent: true, want: "root element is {urn:example}Invoice",
			edit: func(tr *einvoice.Transmission) {
				tr.Document = replace(tr.Document, `xmlns="`+accesspointtest.NamespaceInvoice+`"`, `xmlns="urn:example"`)
			}},
		{name: "not BIS Billing 3", permanent: true, want: "cbc:CustomizationID",
			edit: func(tr *einvoice.Transmission) {
				tr.Document = replace(tr.Document, "billing:3.0</cbc:Cust", "billing:2.0</cbc:Cust")
			}},
		{name: "no profile", permanent: true, want: "cbc:ProfileID",
			edit: func(tr *einvoice.Transmission) {
				tr.Document = replace(replace(tr.Document, "<cbc:ProfileID>", "<cbc:Note>"), "</cbc:ProfileID>", "</cbc:Note>")
			}},
		{name: "bad receiver", permanent: true, want: "invalid_receiver",
			edit: func(tr *einvoice.Transmission) { tr.Receiver = "991825827" }},
		{name: "no idempotency key", permanent: true, want: "idempotency_key_required",
			edit: func(tr *einvoice.Transmission) { tr.IdempotencyKey = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := accesspointtest.Start(t, accesspointtest.Options{})
			if tc.fail != 0 {
				ap.FailNext(1, tc.fail)
			}
			token := accesspointtest.Token
			if tc.token != "" {
				token = tc.token
			}
			tr := invoice("k")
			if tc.edit != nil {
				tc.edit(&tr)
			}
			_, err := client(t, ap.URL, token).Transmit(context.Background(), tr)
			if err == nil {
				t.Fatal("accepted")
			}
			if outbox.IsPermanent(err) != tc.permanent {
				t.Errorf("permanent = %v, want %v: %v", !tc.permanent, tc.permanent, err)
			}
			if want := core.CodeUnavailable; !tc.permanent && core.Code(err) != want {
				t.Errorf("code %s, want %s", core.Code(err), want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if n := len(ap.Delivered()); n != 0 {
				t.Errorf("%d documents delivered", n)
			}
		})
	}
}

// TestTransmitRetryAfterLostAnswerDeliversOnce: the access point took the
// document but its answer was lost; the retry with the same key gets the
// first answer, and the receiver one document.
func TestTransmitRetryAfterLostAnswerDeliversOnce(t *testing.T) {
	ap := accesspointtest.Start(t, accesspointtest.Options{})
	c := client(t, ap.URL, accesspointtest.Token)
	ctx := context.Background()
	ap.LoseAnswers(1)
	if _, err := c.Transmit(ctx, invoice("k1")); core.Code(err) != core.CodeUnavailable {
		t.Fatalf("lost answer: %v, want unavailable", err)
	}
	id, err := c.Transmit(ctx, invoice("k1"))
	if err != nil {
		t.Fatal(err)
	}
	got := ap.Delivered()
	if len(got) != 1 || got[0].ID != id {
		t.Fatalf("delivered %+v, want one document answered as %s", got, id)
	}
	// The same key with another request is refused, not delivered.
	changed := invoice("k1")
	changed.Document = accesspointtest.CreditNote(seller, buyer)
	changed.DocumentType = core.EInvoiceCreditNote
	if _, err := c.Transmit(ctx, changed); !outbox.IsPermanent(err) || !strings.Contains(err.Error(), "idempotency_key_reused") {
		t.Errorf("key reused with another document: %v", err)
	}
	if n := len(ap.Delivered()); n != 1 {
		t.Errorf("%d documents delivered, want 1", n)
	}
}

func TestTransmitTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c, err := accesspoint.NewClient(accesspoint.Config{URL: srv.URL, Token: "t", Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Transmit(context.Background(), invoice("k"))
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("hanging access point: %v, want a temporary timeout", err)
	}
}

func TestTransmitUnknownDocumentType(t *testing.T) {
	ap := accesspointtest.Start(t, accesspointtest.Options{})
	tr := invoice("k")
	tr.DocumentType = "order"
	_, err := client(t, ap.URL, accesspointtest.Token).Transmit(context.Background(), tr)
	if core.Code(err) != core.CodeInvalid || ap.Requests() != 0 {
		t.Errorf("unknown document type: %v after %d requests, want invalid before any", err, ap.Requests())
	}
}

func TestNewClientValidates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   accesspoint.Config
		field string
	}{
		{"no URL", accesspoint.Config{Token: "t"}, "peppol.access_point_url"},
		{"not a URL", accesspoint.Config{URL: "ap.example.com", Token: "t"}, "peppol.access_point_url"},
		{"plain http to a remote host", accesspoint.Config{URL: "http://ap.example.com", Token: "t"}, "peppol.access_point_url"},
		{"query", accesspoint.Config{URL: "https://ap.example.com/?x=1", Token: "t"}, "peppol.access_point_url"},
		{"no token", accesspoint.Config{URL: "https://ap.example.com"}, "peppol.access_point_token"},
		{"negative timeout", accesspoint.Config{URL: "https://ap.example.com", Token: "t", Timeout: -1}, "peppol.timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := accesspoint.NewClient(tc.cfg)
			e := core.AsError(err)
			if e == nil || e.Code != core.CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Errorf("NewClient = %v, want invalid %s", err, tc.field)
			}
		})
	}
	for _, ok := range []string{"https://ap.example.com/api", "http://127.0.0.1:8081", "http://localhost:8081", "http://[::1]:8081"} {
		if _, err := accesspoint.NewClient(accesspoint.Config{URL: ok, Token: "t"}); err != nil {
			t.Errorf("NewClient(%s) = %v", ok, err)
		}
	}
}

// replace replaces the one old in doc, or panics: a fixture edit that
// changes nothing would make its case pass for the wrong reason.
func replace(doc []byte, old, new string) []byte {
	if bytes.Count(doc, []byte(old)) != 1 {
		panic("fixture does not contain exactly one " + old)
	}
	return bytes.Replace(doc, []byte(old), []byte(new), 1)
}
