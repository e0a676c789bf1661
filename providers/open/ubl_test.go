package open

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/ubl/ubltest"
)

// TestInvoiceUBL writes the stored invoices of both countries (several
// rates, öresavrundning, a partial credit) as e-invoices, validates them by
// the official rules, and reconciles each with its PDF to the öre.
func TestInvoiceUBL(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	se := withSettings(withStart(connA, "1001"), pdfSeller())
	buyer := invoiceable("Solna kommun")
	buyer.OrganizationNumber = "212000-0142"
	buyer.BillingAddress = core.Address{Line1: "Box 1", PostalCode: "171 86", City: "Solna", Country: "SE"}
	seBuyer := mustCustomer(t, p, se, buyer)
	seInv, err := p.CreateInvoice(ctx, se, request("u1", seBuyer.ID, "2026-12-01",
		lineIn("Lunch", "12", 12900, "12"), lineIn("Kaffe att ta med", "7", 3500, "6"), lineIn("Vin", "2", 9900, "25"),
		lineIn("Ost kg", "0.345", 24900, "6")))
	if err != nil {
		t.Fatal(err)
	}
	if seInv.Rounding == 0 {
		t.Fatal("the fixture must need öresavrundning")
	}
	seCredit, err := p.CreditInvoice(ctx, se, core.CreditRequest{ExternalRef: "uc1", InvoiceID: seInv.ID, Date: "2026-12-05",
		Lines: []core.CreditLine{{Line: 1, Quantity: decimal.RequireFromString("2")}}})
	if err != nil {
		t.Fatal(err)
	}

	no := withSettings(withStart(core.Connection{MerchantID: "mer_no", Country: core.Norway, Currency: "NOK"}, "5001"), core.InvoiceSettings{
		BankAccount: "12345678903", RegisteredInForetaksregisteret: true,
		Company: core.Company{Name: "Bryggen Kafé AS", OrganizationNumber: "991825827", VATNumber: "NO991825827MVA",
			Address: core.Address{Line1: "Bryggen 1", PostalCode: "5003", City: "Bergen", Country: "NO"}},
	})
	nb := invoiceable("Bergen kommune")
	nb.OrganizationNumber = "964338531"
	nb.BillingAddress = core.Address{Line1: "Postboks 7700", PostalCode: "5020", City: "Bergen", Country: "NO"}
	noBuyer := mustCustomer(t, p, no, nb)
	noReq := request("u2", noBuyer.ID, "2026-12-01", lineIn("Kaffe, servering", "10", 4500, "25"), lineIn("Smørbrød", "3", 8900, "15"))
	noReq.Currency = "NOK"
	noInv, err := p.CreateInvoice(ctx, no, noReq)
	if err != nil {
		t.Fatal(err)
	}
	noCredit, err := p.CreditInvoice(ctx, no, core.CreditRequest{ExternalRef: "uc2", InvoiceID: noInv.ID, Date: "2026-12-05"})
	if err != nil {
		t.Fatal(err)
	}

	// A reverse-charge sale to a Danish business, with both parties'
	// Peppol ids, the buyer's VAT number and buyer reference (the
	// customers' and settings' e-invoice fields).
	rcConn := withSettings(withStart(core.Connection{MerchantID: "mer_rc", Country: core.Sweden, Currency: "SEK"}, "7001"),
		func() core.InvoiceSettings { s := pdfSeller(); s.PeppolID = "0007:5560160680"; return s }())
	dk := invoiceable("Kaffe ApS")
	dk.VATNumber, dk.PeppolID, dk.BuyerReference = "DK12345678", "0184:12345678", "Indkøb 7"
	dk.BillingAddress = core.Address{Line1: "Strøget 1", PostalCode: "1160", City: "København", Country: "DK"}
	dkBuyer := mustCustomer(t, p, rcConn, dk)
	rcReq := request("u3", dkBuyer.ID, "2026-12-01", lineIn("Rådgivning", "3", 95000, "0"))
	rcReq.VATTreatment = core.TreatmentReverseCharge
	rcInv, err := p.CreateInvoice(ctx, rcConn, rcReq)
	if err != nil {
		t.Fatal(err)
	}
	rcCredit, err := p.CreditInvoice(ctx, rcConn, core.CreditRequest{ExternalRef: "uc3", InvoiceID: rcInv.ID, Date: "2026-12-05"})
	if err != nil {
		t.Fatal(err)
	}

	docs := map[string][]byte{}
	for _, tc := range []struct {
		conn     core.Connection
		inv      core.Invoice
		filename string
	}{
		{se, seInv, "faktura-1001.xml"},
		{se, seCredit, "kreditfaktura-1002.xml"},
		{no, noInv, "faktura-5001.xml"},
		{no, noCredit, "kreditnota-5002.xml"},
		{rcConn, rcInv, "faktura-7001.xml"},
		{rcConn, rcCredit, "kreditfaktura-7002.xml"},
	} {
		doc, err := p.InvoiceUBL(ctx, tc.conn, tc.inv.ID)
		if err != nil {
			t.Fatalf("%s: %v", tc.filename, err)
		}
		if doc.Filename != tc.filename || doc.ContentType != "application/xml" {
			t.Errorf("document %q %q, want %q application/xml", doc.Filename, doc.ContentType, tc.filename)
		}
		docs[doc.Filename] = doc.Data
		reconcileWithPDF(t, p, tc.conn, tc.inv, doc.Data)
	}
	ubltest.Require(t, docs)
}

// reconcileWithPDF checks the e-invoice's totals are the stored invoice's
// and are printed on its PDF.
func reconcileWithPDF(t *testing.T, p *Provider, conn core.Connection, inv core.Invoice, data []byte) {
	t.Helper()
	var got struct {
		Original     string `xml:"BillingReference>InvoiceDocumentReference>ID"`
		OriginalDate string `xml:"BillingReference>InvoiceDocumentReference>IssueDate"`
		Net          string `xml:"LegalMonetaryTotal>LineExtensionAmount"`
		VAT          string `xml:"TaxTotal>TaxAmount"`
		Payable      string `xml:"LegalMonetaryTotal>PayableAmount"`
	}
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	sign := int64(1)
	if inv.Kind == core.KindCredit {
		sign = -1
		if got.Original == "" || got.OriginalDate != "2026-12-01" {
			t.Errorf("credit %d: original %q of %q", inv.Number, got.Original, got.OriginalDate)
		}
	}
	pdfDoc, err := p.InvoicePDF(context.Background(), conn, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(pdfText(t, pdfDoc.Data), "\u00a0", " ")
	for _, c := range []struct {
		what string
		ubl  string
		want int64
	}{
		{"net", got.Net, inv.NetTotal},
		{"VAT", got.VAT, inv.VATTotal},
		{"payable", got.Payable, inv.AmountDue()},
	} {
		minor := decimal.RequireFromString(c.ubl).Shift(2).IntPart()
		if minor != sign*c.want {
			t.Errorf("invoice %d %s: UBL %s, stored %d", inv.Number, c.what, c.ubl, c.want)
		}
		// The PDF prints the stored figure (a credit's negative, except
		// where it states no amount to pay).
		printed := strings.ReplaceAll(core.FormatAmount(c.want), ".", ",")
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(printed, " ", "")) &&
			!(inv.Kind == core.KindCredit && c.what == "payable") {
			t.Errorf("invoice %d %s: the PDF does not print %s", inv.Number, c.what, printed)
		}
	}
}
