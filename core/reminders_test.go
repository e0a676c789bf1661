package core_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// recordingMailer keeps queued e-mails, idempotent on ID like the outbox.
type recordingMailer struct {
	mu      sync.Mutex
	byID    map[string]core.OutgoingEmail
	notSent map[string]string // e-mail id → status
}

func (m *recordingMailer) Enqueue(_ context.Context, e core.OutgoingEmail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[e.ID]; !ok {
		m.byID[e.ID] = e
	}
	return nil
}

func (m *recordingMailer) InvoiceEmailStatus(context.Context, string, string) (core.EmailStatus, error) {
	return core.EmailStatus{}, nil
}

func (m *recordingMailer) RecordNotSent(_ context.Context, e core.OutgoingEmail, status, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.notSent == nil {
		m.notSent = map[string]string{}
	}
	m.notSent[e.ID] = status
	return nil
}

func (m *recordingMailer) withPrefix(p string) []core.OutgoingEmail {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []core.OutgoingEmail
	for id, e := range m.byID {
		if strings.HasPrefix(id, p) {
			out = append(out, e)
		}
	}
	return out
}

func TestRemindersAreSentOnceAfterTheConfiguredDays(t *testing.T) {
	mailer := &recordingMailer{byID: map[string]core.OutgoingEmail{}}
	e, clk, admin, cashier := newStack(t, func(o *core.EngineOptions) { o.Mailer = mailer })
	settings, _ := e.InvoiceSettings(context.Background(), admin)
	settings.ReminderDaysAfterDue = 15
	settings.Company.Name = "Kafé Linnea AB"
	if _, err := e.UpdateInvoiceSettings(context.Background(), admin, settings); err != nil {
		t.Fatal(err)
	}
	cust, err := e.CreateCustomer(context.Background(), admin, core.Customer{
		Name: "Byggbolaget AB", Email: "faktura@bygg.example", Active: true, InvoicingEnabled: true, DueDays: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	paid := chargeFor(t, e, cashier, cust.ID, "paid", 10000)
	unpaid := chargeFor(t, e, cashier, cust.ID, "unpaid", 20000)
	if _, _, err := e.MarkPaid(context.Background(), admin, "", paid.Invoice.ID, core.PaymentInput{PaidAt: "2026-11-10"}); err != nil {
		t.Fatal(err)
	}
	// Due 2026-11-20; the reminder is due 15 days later, on 2026-12-05.
	clk.Set(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	if n, err := e.RunReminders(context.Background()); err != nil || n != 0 {
		t.Fatalf("a day early: %d reminders, %v", n, err)
	}
	clk.Set(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	for i := 0; i < 3; i++ {
		if _, err := e.RunReminders(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got := mailer.withPrefix("reminder:")
	if len(got) != 1 || got[0].InvoiceID != unpaid.Invoice.ID {
		t.Fatalf("reminders = %+v, want one, for the unpaid invoice", got)
	}
	if !strings.HasPrefix(got[0].Subject, "Påminnelse: faktura") || got[0].To[0] != "faktura@bygg.example" ||
		len(got[0].Attachments) != 1 || !strings.HasPrefix(string(got[0].Attachments[0].Data), "%PDF") {
		t.Errorf("reminder = subject %q to %v, attachments %d, want the PDF only", got[0].Subject, got[0].To, len(got[0].Attachments))
	}
}

func TestVoidNotifiesTheCustomerOnce(t *testing.T) {
	mailer := &recordingMailer{byID: map[string]core.OutgoingEmail{}}
	e, _, admin, cashier := newStack(t, func(o *core.EngineOptions) { o.Mailer = mailer })
	cust, _ := e.CreateCustomer(context.Background(), admin, core.Customer{
		Name: "Byggbolaget AB", Email: "faktura@bygg.example", Active: true, InvoicingEnabled: true, DueDays: 10,
	})
	inv := chargeFor(t, e, cashier, cust.ID, "a", 10000).Invoice
	first, err := e.VoidInvoice(context.Background(), admin, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.VoidInvoice(context.Background(), admin, inv.ID)
	if err != nil || again.ID != first.ID {
		t.Fatalf("second void: %v, %s vs %s", err, again.ID, first.ID)
	}
	got := mailer.withPrefix("void:")
	if len(got) != 1 || got[0].InvoiceID != first.ID || !strings.HasPrefix(got[0].Subject, "Kreditfaktura") {
		t.Fatalf("void notifications = %+v, want one carrying the credit invoice", got)
	}
}
