package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpSink is a real SMTP server on loopback that keeps what it receives.
type smtpSink struct {
	addr string
	mu   sync.Mutex
	msgs []sunkMail
}

type sunkMail struct {
	rcpts []string
	data  []byte
}

type sinkSession struct {
	s     *smtpSink
	rcpts []string
}

func (s *sinkSession) Reset()                               { s.rcpts = nil }
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.s.mu.Lock()
	s.s.msgs = append(s.s.msgs, sunkMail{rcpts: s.rcpts, data: b})
	s.s.mu.Unlock()
	return err
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	sink := &smtpSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: sink}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sink
}

func (s *smtpSink) received() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.msgs...)
}

// pdfAttachment returns the first application/pdf part of a message.
func pdfAttachment(t *testing.T, raw []byte) (header mail.Header, pdf []byte) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no PDF attachment: %v", err)
		}
		if strings.HasPrefix(part.Header.Get("Content-Type"), "application/pdf") {
			b, _ := io.ReadAll(part) // multipart decodes quoted-printable, not base64
			if part.Header.Get("Content-Transfer-Encoding") == "base64" {
				b = decodeBase64(t, b)
			}
			return msg.Header, b
		}
	}
}

// TestInvoiceEmailedAutomaticallyWithAccountantCopy runs the gateway with a
// real SMTP server: a charge for a merchant that sends invoices
// automatically arrives as an e-mail with the PDF, copied to the accountant,
// and the invoice shows it sent.
func TestInvoiceEmailedAutomaticallyWithAccountantCopy(t *testing.T) {
	sink := startSMTPSink(t)
	dir := t.TempDir()
	host, port, _ := net.SplitHostPort(sink.addr)
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("smtp:\n  host: %s\n  port: %s\n  tls: none\n  from: \"Kafé Linnea <faktura@linnea.example>\"\nscheduler:\n  interval: 1s\n", host, port)), 0o600)
	m := createMerchant(t, dir, "Kafé Linnea AB", 1)
	g := startGateway(t, dir, "--config", cfg)
	g.must("PUT", "/v1/invoice-settings", m.Keys["admin"], map[string]any{
		"start_number": 1, "bankgiro": "5402-9681", "f_tax_approved": true, "auto_send": true,
		"payment_reference_text": "Ange OCR-numret.", "late_interest_text": "Dröjsmålsränta 8 % över referensräntan.",
		"company":         map[string]any{"name": "Kafé Linnea AB", "organization_number": "5561034249", "vat_number": "SE556103424901", "email": "hej@linnea.example"},
		"accountant_copy": map[string]any{"enabled": true, "emails": []string{"byran@redovisning.example"}},
	}, "", 200)
	var c struct {
		ID string `json:"id"`
	}
	g.must("POST", "/v1/customers", m.Keys["cashier"], map[string]any{
		"name": "Byggbolaget i Norden AB", "organization_number": "5560160680", "email": "faktura@bygg.example",
		"active": true, "invoicing_enabled": true, "due_days": 30,
	}, "", 201).decode(t, &c)
	var res chargeResult
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(c.ID, 1), "k-1", 201).decode(t, &res)

	waitFor(t, "the invoice e-mail", 20*time.Second, func() bool { return len(sink.received()) > 0 })
	got := sink.received()[0]
	if strings.Join(got.rcpts, ",") != "faktura@bygg.example,byran@redovisning.example" {
		t.Errorf("recipients %v, want the customer and the accountant", got.rcpts)
	}
	if strings.Contains(string(got.data), "byran@redovisning.example") {
		t.Errorf("the accountant copy shows in the message the customer gets; it must be a blind copy")
	}
	header, pdf := pdfAttachment(t, got.data)
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("attachment is not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(header.Get("Subject")); !strings.Contains(subj, "Faktura 1") {
		t.Errorf("subject %q", subj)
	}
	var inv struct {
		EmailStatus string `json:"email_status"`
		OCR         string `json:"ocr"`
	}
	waitFor(t, "email_status sent", 10*time.Second, func() bool {
		g.must("GET", "/v1/invoices/"+res.Invoice.ID, m.Keys["admin"], nil, "", 200).decode(t, &inv)
		return inv.EmailStatus == "sent"
	})
	if inv.OCR == "" {
		t.Errorf("posted invoice has no OCR reference")
	}
	pdfResp := g.must("GET", "/v1/invoices/"+res.Invoice.ID+"/pdf", m.Keys["accountant"], nil, "", 200)
	if ct := pdfResp.Header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(pdfResp.Body, []byte("%PDF")) {
		t.Errorf("GET pdf: %s %q", ct, pdfResp.Body[:min(len(pdfResp.Body), 10)])
	}
}

// TestCollectiveInvoiceMadeByTheScheduler: purchases of a collective-invoicing
// customer are collected as orders. Bought on the customer's invoice day,
// they wait for the next one (the day's invoice covers what was bought
// before it), however often the gateway's scheduler runs; when the merchant
// then switches collective invoicing off, the scheduler invoices the open
// orders at once, on one invoice, exactly once.
func TestCollectiveInvoiceMadeByTheScheduler(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	os.WriteFile(cfg, []byte("scheduler:\n  interval: 1s\n"), 0o600)
	m := createMerchant(t, dir, "Kafé Linnea AB", 1)
	g := startGateway(t, dir, "--config", cfg)
	day := time.Now().In(mustLoadLocation(t, "Europe/Stockholm")).Day()
	var c struct {
		ID string `json:"id"`
	}
	g.must("POST", "/v1/customers", m.Keys["admin"], map[string]any{
		"name": "Advokatbyrån Lind KB", "active": true, "invoicing_enabled": true, "due_days": 30,
		"collective_invoicing": map[string]any{"enabled": true, "day_of_month": day},
	}, "", 201).decode(t, &c)
	for i := 1; i <= 2; i++ {
		var res struct {
			Status string `json:"status"`
			Order  *struct {
				ID string `json:"id"`
			} `json:"order"`
		}
		g.must("POST", "/v1/charges", m.Keys["cashier"], charge(c.ID, i), fmt.Sprint("k-", i), 201).decode(t, &res)
		if res.Status != "collected" || res.Order == nil {
			t.Fatalf("charge %d: %+v, want collected with an order", i, res)
		}
	}
	time.Sleep(3 * time.Second) // several scheduler runs on the invoice day
	if invs := listInvoices(t, g, m.Keys["admin"]); len(invs) != 0 {
		t.Fatalf("orders bought on the invoice day were invoiced the same day: %v", invs)
	}
	g.must("PATCH", "/v1/customers/"+c.ID, m.Keys["admin"], map[string]any{
		"collective_invoicing": map[string]any{"enabled": false, "day_of_month": day},
	}, "", 200)
	var invs []int64
	waitFor(t, "the collective invoice", 20*time.Second, func() bool {
		invs = listInvoices(t, g, m.Keys["admin"])
		return len(invs) > 0
	})
	time.Sleep(2 * time.Second) // a few more scheduler runs must not invoice again
	assertContiguous(t, listInvoices(t, g, m.Keys["admin"]), 1, 1)
	var orders struct {
		Data []struct {
			Status    string `json:"status"`
			InvoiceID string `json:"invoice_id"`
		} `json:"data"`
	}
	g.must("GET", "/v1/orders?customer_id="+c.ID, m.Keys["accountant"], nil, "", 200).decode(t, &orders)
	if len(orders.Data) != 2 || orders.Data[0].Status != "invoiced" || orders.Data[0].InvoiceID != orders.Data[1].InvoiceID {
		t.Fatalf("orders = %+v, want both invoiced on one invoice", orders.Data)
	}
}

func mustLoadLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
