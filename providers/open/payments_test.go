package open

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// TestPartialPayments pays an invoice in parts: it stays posted with
// paid_amount until nothing is outstanding, a payment's external ref is
// recorded once, overpaying is refused naming amount, and credits reduce
// what is outstanding.
func TestPartialPayments(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "100")
	cust := mustCustomer(t, p, conn, invoiceable("Payer AB"))
	inv, err := p.CreateInvoice(ctx, conn, request("ch_pay", cust.ID, "2026-02-10", lineIn("Item", "4", 2500, "25")))
	if err != nil {
		t.Fatal(err)
	}
	if inv.PaidAmount != 0 || inv.OutstandingAmount != 10000 {
		t.Fatalf("new invoice: paid %d, outstanding %d", inv.PaidAmount, inv.OutstandingAmount)
	}
	// A refund of one of the four items takes 2500 off what is owed.
	if _, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID, Date: "2026-02-12",
		Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name        string
		req         core.PaymentRequest
		code        core.ErrorCode
		field       string
		status      core.InvoiceStatus
		paid, owed  int64
		paidAt      core.Date
		paymentRows int
	}{
		{"credit reduces what is owed", core.PaymentRequest{}, "", "", core.StatusPosted, 0, 7500, "", 0},
		{"part payment", core.PaymentRequest{PaidAt: "2026-02-15", Amount: 2000, Method: "bank", ExternalRef: "pay_1"}, "", "", core.StatusPosted, 2000, 5500, "", 1},
		{"same payment again is recorded once", core.PaymentRequest{PaidAt: "2026-02-15", Amount: 2000, Method: "bank", ExternalRef: "pay_1"}, "", "", core.StatusPosted, 2000, 5500, "", 1},
		{"overpayment refused", core.PaymentRequest{PaidAt: "2026-02-16", Amount: 5501, ExternalRef: "pay_2"}, core.CodeInvalid, "amount", core.StatusPosted, 2000, 5500, "", 1},
		{"negative amount refused", core.PaymentRequest{PaidAt: "2026-02-16", Amount: -1, ExternalRef: "pay_3"}, core.CodeInvalid, "amount", core.StatusPosted, 2000, 5500, "", 1},
		{"method too long refused", core.PaymentRequest{PaidAt: "2026-02-16", Amount: 1, Method: string(make([]byte, core.MaxPaymentMethodLength+1)), ExternalRef: "pay_4"}, core.CodeInvalid, "method", core.StatusPosted, 2000, 5500, "", 1},
		{"before the invoice date refused", core.PaymentRequest{PaidAt: "2026-02-01", Amount: 1, ExternalRef: "pay_5"}, core.CodeInvalid, "paid_at", core.StatusPosted, 2000, 5500, "", 1},
		{"second part", core.PaymentRequest{PaidAt: "2026-02-20", Amount: 500, Method: "card", ExternalRef: "pay_6"}, "", "", core.StatusPosted, 2500, 5000, "", 2},
		{"the rest without amount pays it", core.PaymentRequest{PaidAt: "2026-02-25", ExternalRef: "pay_7"}, "", "", core.StatusPaid, 7500, 0, "2026-02-25", 3},
		{"nothing more to pay", core.PaymentRequest{PaidAt: "2026-02-26", Amount: 1, ExternalRef: "pay_8"}, core.CodeInvalid, "amount", core.StatusPaid, 7500, 0, "2026-02-25", 3},
		{"paid again in full only moves the date", core.PaymentRequest{PaidAt: "2026-02-24", ExternalRef: "pay_9"}, "", "", core.StatusPaid, 7500, 0, "2026-02-24", 3},
	}
	for _, s := range steps {
		if s.req.PaidAt != "" {
			s.req.InvoiceID = inv.ID
			_, err := p.MarkInvoicePaid(ctx, conn, s.req)
			if s.code != "" {
				wantCode(t, err, s.code, s.field)
			} else if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		got, err := p.GetInvoice(ctx, conn, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != s.status || got.PaidAmount != s.paid || got.OutstandingAmount != s.owed || got.PaidAt != s.paidAt {
			t.Fatalf("%s: status %s paid %d outstanding %d paid_at %q, want %s %d %d %q",
				s.name, got.Status, got.PaidAmount, got.OutstandingAmount, got.PaidAt, s.status, s.paid, s.owed, s.paidAt)
		}
		var rows int
		if err := p.db.Reader().GetContext(ctx, &rows, `SELECT count(*) FROM payments WHERE invoice_id = ?`, inv.ID); err != nil {
			t.Fatal(err)
		}
		if rows != s.paymentRows {
			t.Fatalf("%s: %d payment rows, want %d", s.name, rows, s.paymentRows)
		}
	}
	// The list carries the same amounts.
	page, err := p.ListInvoices(ctx, conn, core.InvoiceQuery{Status: core.StatusPaid})
	if err != nil || len(page.Invoices) != 1 || page.Invoices[0].PaidAmount != 7500 || page.Invoices[0].OutstandingAmount != 0 {
		t.Fatalf("paid list: %+v, %v", page.Invoices, err)
	}
	var method string
	if err := p.db.Reader().GetContext(ctx, &method, `SELECT method FROM payments WHERE external_ref = 'pay_6'`); err != nil || method != "card" {
		t.Fatalf("stored method %q, %v", method, err)
	}
}

// TestPaidByPaymentsAndCredits: an invoice paid in part and credited for the
// rest owes nothing, so it is paid (not left to fall overdue and be
// reminded of), dated by its last payment.
func TestPaidByPaymentsAndCredits(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "100")
	cust := mustCustomer(t, p, conn, invoiceable("Rest AB"))
	inv, err := p.CreateInvoice(ctx, conn, request("ch_rest", cust.ID, "2026-02-10", lineIn("Item", "2", 2500, "25")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.MarkInvoicePaid(ctx, conn, core.PaymentRequest{InvoiceID: inv.ID, PaidAt: "2026-02-14", Amount: 2500, ExternalRef: "pay_r"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_rest", InvoiceID: inv.ID, Date: "2026-02-15",
		Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}}); err != nil {
		t.Fatal(err)
	}
	got, err := p.GetInvoice(ctx, conn, inv.ID)
	if err != nil || got.Status != core.StatusPaid || got.PaidAt != "2026-02-14" || got.OutstandingAmount != 0 || got.PaidAmount != 2500 {
		t.Fatalf("paid and credited: %s paid_at %q outstanding %d paid %d (%v)", got.Status, got.PaidAt, got.OutstandingAmount, got.PaidAmount, err)
	}
}

// TestVoidIsNotCredited: a voided invoice is void, one refunded in full is
// credited, and lists filter on each.
func TestVoidIsNotCredited(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withStart(connA, "100")
	cust := mustCustomer(t, p, conn, invoiceable("Void AB"))
	mk := func(ref string) core.Invoice {
		inv, err := p.CreateInvoice(ctx, conn, request(ref, cust.ID, "2026-02-10", lineIn("Item", "2", 2500, "25")))
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	voided, refunded := mk("ch_v"), mk("ch_r")
	_, err := p.CreditInvoice(ctx, conn, core.CreditRequest{Void: true, ExternalRef: "void:x", InvoiceID: voided.ID, Date: "2026-02-11",
		Lines: []core.CreditLine{{Line: 0, Quantity: dec("1")}}})
	wantCode(t, err, core.CodeInvalid, "lines")
	credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{Void: true, ExternalRef: "void:" + voided.ID, InvoiceID: voided.ID, Date: "2026-02-11"})
	if err != nil {
		t.Fatal(err)
	}
	if credit.CreditsInvoiceID != voided.ID || credit.Kind != core.KindCredit {
		t.Fatalf("void credit = %+v", credit)
	}
	if _, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_r", InvoiceID: refunded.ID, Date: "2026-02-11"}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]core.InvoiceStatus{voided.ID: core.StatusVoid, refunded.ID: core.StatusCredited} {
		got, err := p.GetInvoice(ctx, conn, id)
		if err != nil || got.Status != want || got.OutstandingAmount != 0 {
			t.Fatalf("%s: status %s outstanding %d, want %s 0 (%v)", id, got.Status, got.OutstandingAmount, want, err)
		}
	}
	if got, _ := p.GetInvoice(ctx, conn, voided.ID); len(got.CreditInvoiceIDs) != 1 || got.CreditInvoiceIDs[0] != credit.ID {
		t.Fatalf("the void invoice names %v, want its credit invoice %s", got.CreditInvoiceIDs, credit.ID)
	}
	for status, want := range map[core.InvoiceStatus]string{core.StatusVoid: voided.ID, core.StatusCredited: refunded.ID} {
		page, err := p.ListInvoices(ctx, conn, core.InvoiceQuery{Status: status})
		if err != nil || len(page.Invoices) != 1 || page.Invoices[0].ID != want {
			t.Fatalf("status=%s: %+v, %v", status, page.Invoices, err)
		}
	}
	// A void invoice takes no payment and no further credit.
	_, err = p.MarkInvoicePaid(ctx, conn, core.PaymentRequest{InvoiceID: voided.ID, PaidAt: "2026-02-20"})
	wantCode(t, err, core.CodeConflict, "")
	// Voiding again returns the same credit invoice.
	again, err := p.CreditInvoice(ctx, conn, core.CreditRequest{Void: true, ExternalRef: "void:" + voided.ID, InvoiceID: voided.ID, Date: "2026-02-11"})
	if err != nil || again.ID != credit.ID {
		t.Fatalf("void again: %+v, %v", again, err)
	}
}

// TestPaymentsMigration opens a database of schema version 3 with invoices
// marked paid before payments existed and a partly credited one: the
// migration records each paid invoice as paid in full once and the credits
// as taken off what is owed.
func TestPaymentsMigration(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	old := fstest.MapFS{}
	for _, name := range []string{"00001_init.sql", "00002_invoicing.sql", "00003_orders_by_customer.sql"} {
		data, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: data}
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "open.db"), old)
	if err != nil {
		t.Fatal(err)
	}
	now := formatTime(newTestClock().Now())
	err = db.Write(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`INSERT INTO customers (id, merchant_id, number, name, name_lower, active, invoicing_enabled,
			due_days, created_at, updated_at) VALUES ('cus_0', ?, 1, 'Gammal AB', 'gammal ab', 1, 1, 30, ?, ?)`, connA.MerchantID, now, now); err != nil {
			return err
		}
		for _, inv := range []struct {
			id, kind, status, credits, paidAt string
			number, total, rounding           int64
		}{
			{"inv_paid", "invoice", "paid", "", "2026-01-25", 1, 10050, -50},
			{"inv_part", "invoice", "paid", "", "2026-01-26", 2, 10000, 0},
			{"inv_part_cr", "credit", "posted", "inv_part", "", 3, -2500, 0},
			{"inv_open", "invoice", "posted", "", "", 4, 8000, 0},
			{"inv_open_cr", "credit", "paid", "inv_open", "2026-01-27", 5, -3000, 0},
		} {
			if _, err := tx.Exec(`INSERT INTO invoices (id, merchant_id, number, kind, status, invoice_date, due_date,
				customer_id, customer_name, currency, net_total, vat_total, total, rounding, paid_at, credits_invoice_id, created_at)
				VALUES (?, ?, ?, ?, ?, '2026-01-20', '2026-02-19', 'cus_0', 'Gammal AB', 'SEK', 0, 0, ?, ?, ?, ?, ?)`,
				inv.id, connA.MerchantID, inv.number, inv.kind, inv.status, inv.total, inv.rounding, inv.paidAt, nullIfEmpty(inv.credits), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	p, err := Open(ctx, dir, newTestClock().Now)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for id, want := range map[string]struct{ paid, owed int64 }{
		"inv_paid":    {10000, 0},
		"inv_part":    {7500, 0},
		"inv_open":    {0, 5000},
		"inv_open_cr": {-3000, 0},
	} {
		got, err := p.GetInvoice(ctx, connA, id)
		if err != nil || got.PaidAmount != want.paid || got.OutstandingAmount != want.owed {
			t.Fatalf("%s: paid %d outstanding %d, want %d %d (%v)", id, got.PaidAmount, got.OutstandingAmount, want.paid, want.owed, err)
		}
	}
	var rows int
	if err := p.db.Reader().GetContext(ctx, &rows, `SELECT count(*) FROM payments`); err != nil || rows != 3 {
		t.Fatalf("%d migrated payments, %v", rows, err)
	}
}
