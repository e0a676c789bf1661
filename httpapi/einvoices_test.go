package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/einvoice"
	"github.com/ledgerbridge/ledgerbridge/einvoice/accesspoint"
	"github.com/ledgerbridge/ledgerbridge/einvoice/accesspoint/accesspointtest"
	"github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/ubl/ubltest"
)

// withEInvoices gives the stack's engine an e-invoice outbox that
// transmits to a loopback access point mock, which checks every document.
func (s *testStack) withEInvoices(t *testing.T) (*einvoice.Outbox, *accesspointtest.Server) {
	t.Helper()
	ap := accesspointtest.Start(t, accesspointtest.Options{})
	client, err := accesspoint.NewClient(accesspoint.Config{URL: ap.URL, Token: accesspointtest.Token, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, err := einvoice.OpenSQLiteStore(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box := einvoice.NewOutbox(st, client, outbox.Config{Now: s.clock.Now})
	s.reconfigure(func(o *core.EngineOptions) { o.EInvoices = einvoice.Queue{Outbox: box} })
	return box, ap
}

// TestSendEInvoice: sending the invoice of a customer who receives
// e-invoices queues its Peppol document, addressed as the document says,
// which the access point accepts, the official rules pass and the invoice
// shows sent; sending again delivers nothing new. A customer who receives
// e-mail gets the PDF and, with attach_ubl, the same e-invoice beside it.
func TestSendEInvoice(t *testing.T) {
	s := newStack(t)
	box, ap := s.withEInvoices(t)
	s.configureInvoicing(s.a, strings.Replace(validSettings, `"auto_send":false`, `"auto_send":false,"attach_ubl":true`, 1))
	acct := s.a.key(core.RoleAccountant)
	kommun := s.createCustomer(s.a, `{"name":"Solna kommun","email":"fakturor@solna.example","organization_number":"212000-0142",
		"invoice_delivery":"peppol","buyer_reference":"Avd 12",
		"billing_address":{"line1":"Box 1","postal_code":"171 86","city":"Solna","country":"SE"}}`)
	inv := s.charge(s.a, "e-1", chargeBody(kommun.ID, 22400, "r1")).Invoice

	send := "/v1/invoices/" + inv.ID + "/email"
	s.run(t, scenario{name: "queued as an e-invoice", method: "POST", path: send, key: acct, wantStatus: 202, wantBody: []string{`"status":"queued"`}})
	if n := box.Drain(context.Background()); n != 1 {
		t.Fatalf("drained %d e-invoices, want 1", n)
	}
	got := ap.Delivered()
	if len(got) != 1 {
		t.Fatalf("delivered %v; rejected %+v", got, ap.Rejected())
	}
	if d := got[0]; d.Sender != "0007:5560160680" || d.Receiver != "0007:2120000142" || d.Root != "Invoice" || !strings.Contains(string(d.Document), "<cbc:BuyerReference>Avd 12<") {
		t.Errorf("delivered %v", d)
	}
	ubltest.Require(t, map[string][]byte{"sent.xml": got[0].Document})
	s.run(t, scenario{name: "the invoice shows it sent, and no e-mail", method: "GET", path: "/v1/invoices/" + inv.ID, key: acct,
		wantStatus: 200, wantBody: []string{`"einvoice_status":"sent"`}, notBody: []string{`"email_status"`}})
	s.run(t, scenario{name: "sending again", method: "POST", path: send, key: acct, wantStatus: 202, wantBody: []string{`"status":"sent"`}})
	box.Drain(context.Background())
	if n := len(ap.Delivered()); n != 1 {
		t.Fatalf("sending again delivered %d documents in all, want 1", n)
	}

	// An e-mail customer: the PDF, and the e-invoice attached.
	mailed := s.createCustomer(s.a, `{"name":"Bygg AB","email":"ekonomi@bygg.example","organization_number":"556103-4249",
		"billing_address":{"line1":"Gatan 2","postal_code":"111 22","city":"Stockholm","country":"SE"}}`)
	inv2 := s.charge(s.a, "e-2", chargeBody(mailed.ID, 10000, "r2")).Invoice
	s.run(t, scenario{name: "e-mailed", method: "POST", path: "/v1/invoices/" + inv2.ID + "/email", key: acct, wantStatus: 202})
	m := s.deliverMail(t, 1)[0]
	if len(m.Attachments) != 2 || m.Attachments[0].ContentType != "application/pdf" ||
		m.Attachments[1].ContentType != "application/xml" || m.Attachments[1].Filename != "faktura-1002.xml" {
		t.Fatalf("attachments %+v, want the PDF and faktura-1002.xml", m.Attachments)
	}
	if len(ap.Delivered()) != 1 {
		t.Fatal("an e-mail customer's invoice went to the access point")
	}
}

// TestSendEInvoiceRefusals: a customer who receives e-invoices but whose
// invoice cannot be addressed, or a gateway without e-invoicing, is told
// so, and nothing is queued.
func TestSendEInvoiceRefusals(t *testing.T) {
	s := newStack(t)
	s.configureInvoicing(s.a, validSettings)
	acct := s.a.key(core.RoleAccountant)
	c := s.createCustomer(s.a, `{"name":"Solna kommun","organization_number":"212000-0142","invoice_delivery":"peppol",
		"billing_address":{"line1":"Box 1","postal_code":"171 86","city":"Solna","country":"SE"}}`)
	inv := s.charge(s.a, "e-1", chargeBody(c.ID, 22400, "r1")).Invoice
	s.run(t, scenario{name: "no e-invoicing on the gateway", method: "POST", path: "/v1/invoices/" + inv.ID + "/email", key: acct,
		wantStatus: 501, wantBody: []string{"peppol.access_point_url"}})
	box, ap := s.withEInvoices(t)
	s.run(t, scenario{name: "now queued", method: "POST", path: "/v1/invoices/" + inv.ID + "/email", key: acct, wantStatus: 202})
	box.Drain(context.Background())
	if len(ap.Delivered()) != 1 {
		t.Fatalf("delivered %v", ap.Delivered())
	}
}
