package core

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// accountingProvider is a provider that owns the customers and makes the
// invoice in the merchant's accounting system, pricing it itself: its VAT is
// one öre above the register's, as Visma Spiris's per-line VAT can be.
type accountingProvider struct {
	*fakeProvider
	name string
}

func (p accountingProvider) Describe(context.Context) (Descriptor, error) {
	return Descriptor{Name: "open", DisplayName: p.name, Capabilities: Capabilities{Invoices: true, OwnsCustomers: true}}, nil
}

func (p accountingProvider) CreateInvoice(ctx context.Context, conn Connection, req InvoiceRequest) (Invoice, error) {
	inv, err := p.fakeProvider.CreateInvoice(ctx, conn, req)
	if err != nil {
		return inv, err
	}
	inv.Lines = append([]InvoiceLine(nil), req.Lines...)
	inv.Lines[0].VAT++
	inv.Lines[0].Net--
	inv.VATBreakdown = append([]VATAmount(nil), req.VATBreakdown...)
	inv.VATBreakdown[0].VAT++
	inv.VATBreakdown[0].Net--
	inv.NetTotal, inv.VATTotal, inv.Total = req.NetTotal-1, req.VATTotal+1, req.Total
	inv.Rounding = 40
	return inv, nil
}

// TestChargeNoteIsAProFormaFromTheProvidersInvoice: with the built-in
// invoicing the note is a delivery note priced by the register; when the
// merchant's accounting system makes the invoice, the note is a pro forma
// invoice (Sweden, seed 001) or pro forma receipt (Norway, seed 002) with the
// VAT, net and amount due of the provider's invoice.
func TestChargeNoteIsAProFormaFromTheProvidersInvoice(t *testing.T) {
	tests := []struct {
		name     string
		country  Country
		provider string // "" for the built-in invoicing
		want     []string
		not      []string
	}{
		{"built-in, Sweden", Sweden, "", []string{"FÖLJESEDEL", "Varav moms 12 %", "7,50", "Totalt SEK", "70,00"},
			[]string{"PROFORMA", "Netto", "inte en faktura"}},
		{"Visma Spiris, Sweden", Sweden, "Visma Spiris", []string{"PROFORMAFAKTURA", "Netto", "62,49", "Varav moms 12 %", "7,51",
			"Öresavrundning", "0,40", "Totalt SEK", "70,40", "Faktura nr", "Detta är inte en faktura. Fakturan", "från Visma Spiris."},
			[]string{"FÖLJESEDEL", "7,50"}},
		{"Tripletex, Norway", Norway, "Tripletex", []string{"PROFORMAKVITTERING", "Netto", "60,86", "Herav mva 15 %", "9,14", "Øreavrunding",
			"Totalt NOK", "70,40", "Dette er ikke en faktura. Fakturaen", "fra Tripletex."}, []string{"FØLGESEDDEL", "9,13"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeProvider{byRef: map[string]Invoice{}}
			var prov Provider = fake
			if tt.provider != "" {
				prov = accountingProvider{fakeProvider: fake, name: tt.provider}
			}
			e := NewEngine(newMemStore(), oneRegistry{prov}, EngineOptions{Clock: func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }})
			cm, err := e.CreateMerchant(context.Background(), NewMerchant{Name: "Kafé Test", Country: tt.country})
			if err != nil {
				t.Fatal(err)
			}
			p, err := e.Authenticate(context.Background(), cm.APIKeys[RoleCashier])
			if err != nil {
				t.Fatal(err)
			}
			req := validCharge() // 2 x 35,00 at 12 %: VAT 7,50
			if tt.country == Norway {
				req.Lines[0].VATRate = decimal.NewFromInt(15) // VAT 9,13
			}
			res, _, err := e.Charge(context.Background(), p, "k", req)
			if err != nil {
				t.Fatal(err)
			}
			text := res.Receipt.Text
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("note lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("note has %q:\n%s", w, text)
				}
			}
			if tt.provider != "" && !strings.HasPrefix(res.Receipt.Title, "PROFORMA") {
				t.Errorf("title %q", res.Receipt.Title)
			}
			for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
				if n := len([]rune(l)); n > noteWidth {
					t.Errorf("line wider than %d columns (%d): %q", noteWidth, n, l)
				}
			}
		})
	}
}
