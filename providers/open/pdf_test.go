package open

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func pdfSeller() core.InvoiceSettings {
	return core.InvoiceSettings{
		Bankgiro:     "5050-1055",
		FTaxApproved: true,
		Company: core.Company{
			Name: "Kafé Åkerö AB", OrganizationNumber: "556016-0680", VATNumber: "SE556016068001",
			Address: core.Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "SE"},
		},
		RoundToWholeKronor: true,
	}
}

// pdfText extracts the text of every page, one run of glyphs per "|" cell.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("read pdf: %v", err)
	}
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		var lastX, lastY float64
		for k, g := range r.Page(i).Content().Text {
			if k > 0 && (g.X != lastX || g.Y != lastY) {
				b.WriteString(" | ")
			}
			b.WriteString(g.S)
			lastX, lastY = g.X, g.Y
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestInvoicePDF(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	conn := withSettings(withStart(connA, "1001"), pdfSeller())
	parent := invoiceable("Koncern AB")
	parent.OrganizationNumber = "202100-5489"
	par := mustCustomer(t, p, conn, parent)
	sub := invoiceable("Dotter AB")
	sub.ParentCustomerID = par.ID
	child := mustCustomer(t, p, conn, sub)

	req := request("ch_1", par.ID, "2026-01-20", lineIn("Räksmörgås", "2", 14949, "12"))
	req.OrderedBy = child.ID
	inv, err := p.CreateInvoice(ctx, conn, req)
	if err != nil {
		t.Fatal(err)
	}
	credit, err := p.CreditInvoice(ctx, conn, core.CreditRequest{ExternalRef: "rf_1", InvoiceID: inv.ID})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		inv      core.Invoice
		filename string
		want     []string
		forbid   []string
	}{
		{"invoice to the parent", inv, "faktura-1001.pdf",
			[]string{"1001", inv.OCR, "Koncern AB", "202100-5489", "Beställare: Dotter AB", "Kafé Åkerö AB", "Räksmörgås", "Öresavrundning"}, nil},
		// A credit invoice is settled against the invoice it credits, in
		// the merchant's language: no payment reference, no amount to pay.
		{"credit invoice", credit, "kreditfaktura-1002.pdf",
			[]string{"1002", "Avser faktura nr 1001", "Koncern AB", "Kreditering av faktura 1001", "Krediteras mot faktura 1001"},
			[]string{"OCR-nummer", "Att betala", "Credit of invoice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := p.InvoicePDF(ctx, conn, tt.inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if doc.ContentType != "application/pdf" || doc.Filename != tt.filename || !bytes.HasPrefix(doc.Data, []byte("%PDF")) {
				t.Fatalf("document %s %s, %d bytes starting %q", doc.ContentType, doc.Filename, len(doc.Data), doc.Data[:min(8, len(doc.Data))])
			}
			text := pdfText(t, doc.Data)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			for _, f := range tt.forbid {
				if strings.Contains(text, f) {
					t.Errorf("PDF text has %q", f)
				}
			}
			if t.Failed() {
				t.Logf("PDF text:\n%s", text)
			}
		})
	}
	if inv.Total != 29898 || inv.Rounding != 2 {
		t.Fatalf("precondition: total %d rounded by %d; want 29898 rounded by 2", inv.Total, inv.Rounding)
	}

	// Without a company name the merchant is told to fill in the settings.
	for _, c := range []core.Connection{bare(connA), withSettings(connA, core.InvoiceSettings{Bankgiro: "5050-1055"})} {
		_, err = p.InvoicePDF(ctx, c, inv.ID)
		wantCode(t, err, core.CodeInvalid, "company.name")
		if !strings.Contains(core.AsError(err).Error(), "invoice settings") {
			t.Fatalf("error %v does not point at the invoice settings", err)
		}
	}
	_, err = p.InvoicePDF(ctx, conn, "inv_nope")
	wantCode(t, err, core.CodeNotFound, "")
	_, err = p.InvoicePDF(ctx, withSettings(connB, pdfSeller()), inv.ID)
	wantCode(t, err, core.CodeNotFound, "")
}
