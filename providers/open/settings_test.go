package open

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// withSettings returns conn carrying the invoice settings s.
func withSettings(conn core.Connection, s core.InvoiceSettings) core.Connection {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	settings := map[string]string{}
	for k, v := range conn.Settings {
		settings[k] = v
	}
	settings[core.SettingInvoiceSettings] = string(b)
	conn.Settings = settings
	return conn
}

func TestRounding(t *testing.T) {
	tests := []struct {
		total    int64
		currency core.Currency
		round    bool
		want     int64
	}{
		{10049, "SEK", true, -49}, // x.49 down
		{10050, "SEK", true, 50},  // x.50 up
		{10001, "SEK", true, -1},
		{10099, "SEK", true, 1},
		{10000, "SEK", true, 0},
		{49, "SEK", true, -49},
		{50, "SEK", true, 50},
		{0, "SEK", true, 0},
		{-10049, "SEK", true, 49}, // a credit mirrors its invoice
		{-10050, "SEK", true, -50},
		{-1, "SEK", true, 1},
		{10049, "SEK", false, 0}, // not asked for
		{10049, "NOK", true, 0},  // öresavrundning is Swedish
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s %v", tt.total, tt.currency, tt.round), func(t *testing.T) {
			got := rounding(tt.total, tt.currency, tt.round)
			if got != tt.want {
				t.Fatalf("rounding = %d, want %d", got, tt.want)
			}
			if tt.round && tt.currency == "SEK" && (tt.total+got)%100 != 0 {
				t.Fatalf("%d + %d is not whole kronor", tt.total, got)
			}
		})
	}
}

// TestRoundingOnInvoices posts invoices of 100.49 and 100.50 kr with
// rounding on, and credits the first: the amounts to pay are whole kronor,
// the VAT is untouched and the credit's rounding mirrors the invoice's.
func TestRoundingOnInvoices(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withSettings(connA, seller(core.Sweden, func(s *core.InvoiceSettings) { s.RoundToWholeKronor = true }))
	c := mustCustomer(t, p, conn, invoiceable("Round AB"))

	down, err := p.CreateInvoice(ctx, conn, request("ch_1", c.ID, "2026-01-20", lineIn("Cake", "1", 10049, "12")))
	if err != nil {
		t.Fatal(err)
	}
	up, err := p.CreateInvoice(ctx, conn, request("ch_2", c.ID, "2026-01-20", lineIn("Cake", "1", 10050, "12")))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := p.CreateInvoice(ctx, connA, request("ch_3", c.ID, "2026-01-20", lineIn("Cake", "1", 10049, "12")))
	if err != nil {
		t.Fatal(err)
	}
	credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: down.ID, Date: "2026-01-21"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		inv            core.Invoice
		rounding, due  int64
		total, vatWant int64
	}{
		{"x.49 rounds down", down, -49, 10000, 10049, down.VATTotal},
		{"x.50 rounds up", up, 50, 10100, 10050, up.VATTotal},
		{"without the setting", plain, 0, 10049, 10049, plain.VATTotal},
		{"credit mirrors", credit, 49, -10000, -10049, -down.VATTotal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.inv.Rounding != tt.rounding || tt.inv.AmountDue() != tt.due || tt.inv.Total != tt.total || tt.inv.VATTotal != tt.vatWant {
				t.Fatalf("rounding %d, due %d, total %d, VAT %d; want %d, %d, %d, %d",
					tt.inv.Rounding, tt.inv.AmountDue(), tt.inv.Total, tt.inv.VATTotal, tt.rounding, tt.due, tt.total, tt.vatWant)
			}
			stored, err := p.GetInvoice(ctx, conn, tt.inv.ID)
			if err != nil || stored.Rounding != tt.rounding {
				t.Fatalf("stored rounding %d, %v; want %d", stored.Rounding, err, tt.rounding)
			}
		})
	}
	// VAT is never rounded: 100.49 kr at 12 % has VAT 10.77 kr.
	if down.VATTotal != 1077 {
		t.Fatalf("VAT %d, want 1077", down.VATTotal)
	}

	_, err = p.CreateInvoice(ctx, func() core.Connection {
		c := connA
		c.Settings = map[string]string{core.SettingInvoiceSettings: "{not json"}
		return c
	}(), request("ch_4", c.ID, "2026-01-20", lineIn("Cake", "1", 100, "12")))
	wantCode(t, err, core.CodeInvalid, core.SettingInvoiceSettings)
}

// TestOCR checks the payment reference of invoices, credit invoices and
// posted drafts: a Swedish OCR with length digit for SE merchants, a KID
// with MOD10 for NO merchants, built from the invoice number.
func TestOCR(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		conn     core.Connection
		validate func(string) error
	}{
		{"SE", withStart(connA, "98"), func(s string) error { return nordic.ValidateOCR(s, true) }},
		{"NO", withStart(connNO, "98"), nordic.ValidateKIDMod10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCustomer(t, p, tt.conn, invoiceable("Ref AB"))
			req := func(ref string) core.InvoiceRequest {
				r := request(ref, c.ID, "2026-01-20", lineIn("Cake", "1", 10000, "12"))
				r.Currency = tt.conn.Currency
				return r
			}
			inv, err := p.CreateInvoice(ctx, tt.conn, req("ch_1"))
			if err != nil {
				t.Fatal(err)
			}
			draftReq := req("ch_2")
			draftReq.Draft = true
			draft, err := p.CreateInvoice(ctx, tt.conn, draftReq)
			if err != nil {
				t.Fatal(err)
			}
			if draft.OCR != "" {
				t.Fatalf("draft has OCR %q", draft.OCR)
			}
			posted, err := p.PostInvoice(ctx, tt.conn, draft.ID, "2026-01-21")
			if err != nil {
				t.Fatal(err)
			}
			credit, err := p.CreditInvoice(ctx, tt.conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID})
			if err != nil {
				t.Fatal(err)
			}
			if credit.OCR != "" || credit.DueDate != "" {
				t.Fatalf("credit invoice %d has OCR %q and due date %q: it is settled against the invoice", credit.Number, credit.OCR, credit.DueDate)
			}
			seen := map[string]bool{}
			for _, got := range []core.Invoice{inv, posted} {
				want, err := nordic.InvoiceReference(string(tt.conn.Country), got.Number)
				if err != nil {
					t.Fatal(err)
				}
				if got.OCR != want {
					t.Fatalf("invoice %d: OCR %q, want %q", got.Number, got.OCR, want)
				}
				if err := tt.validate(got.OCR); err != nil {
					t.Fatalf("invoice %d: OCR %q fails its check: %v", got.Number, got.OCR, err)
				}
				if seen[got.OCR] {
					t.Fatalf("OCR %q used twice", got.OCR)
				}
				seen[got.OCR] = true
				stored, err := p.GetInvoice(ctx, tt.conn, got.ID)
				if err != nil || stored.OCR != got.OCR {
					t.Fatalf("stored OCR %q, %v", stored.OCR, err)
				}
			}
		})
	}
	// The reference check digit catches a changed digit.
	inv, err := p.CreateInvoice(ctx, connA, request("ch_x", mustCustomer(t, p, connA, invoiceable("X AB")).ID, "2026-01-20",
		lineIn("Cake", "1", 100, "12")))
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(inv.OCR)
	b[0] = '0' + (b[0]-'0'+1)%10
	if nordic.ValidateOCR(string(b), true) == nil {
		t.Fatalf("altered OCR %s still validates", b)
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
