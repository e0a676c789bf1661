package einvoice_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/ubl"
)

// TestOutboxDeliversGeneratedDocuments: what package ubl writes for a
// posted invoice and its credit invoice passes the access point's checks
// (root, BIS 3 ids, endpoints equal to sender and receiver) when queued
// with the participants the engine will pass.
func TestOutboxDeliversGeneratedDocuments(t *testing.T) {
	h := newHarness(t)
	p := core.PriceLines([]core.LineInput{
		{Description: "Smörgåstårta", Quantity: decimal.NewFromInt(10), UnitPrice: 12500, VATRate: decimal.NewFromInt(12)},
	}, true)
	inv := core.Invoice{ID: "inv-1", Number: 1001, Kind: core.KindInvoice, Status: core.StatusPosted,
		InvoiceDate: "2026-03-02", DueDate: "2026-04-01", Currency: "SEK", CustomerName: "Uppsala kommun",
		NetTotal: p.Net, VATTotal: p.VAT, Total: p.Total, VATBreakdown: p.Breakdown, Lines: p.Lines}
	credit := inv
	credit.ID, credit.Number, credit.Kind, credit.DueDate, credit.CreditsInvoiceNumber = "inv-2", 1002, core.KindCredit, "", 1001
	settings := core.InvoiceSettings{Bankgiro: "5402-9681", FTaxApproved: true, Company: core.Company{
		Name: "Kafé Linnea AB", OrganizationNumber: "556016-0680", VATNumber: "SE556016068001",
		Address: core.Address{Line1: "Storgatan 1", PostalCode: "753 20", City: "Uppsala", Country: "SE"}}}
	buyer := core.Customer{ID: "c1", Number: "1001", Name: "Uppsala kommun", OrganizationNumber: "2120003005",
		BillingAddress: core.Address{Line1: "Box 1", PostalCode: "753 75", City: "Uppsala", Country: "SE"}}
	// Both participants derived from the organization numbers, as ubl does
	// when none is set.
	const receiver = "0007:2120003005"
	for _, tc := range []struct {
		inv     core.Invoice
		docType string
	}{{inv, core.EInvoiceInvoice}, {credit, core.EInvoiceCreditNote}} {
		doc, err := ubl.Build(ubl.Document{Invoice: tc.inv, Seller: settings, Buyer: buyer, Country: core.Sweden})
		if err != nil {
			t.Fatal(err)
		}
		h.enqueue(core.OutgoingEInvoice{MerchantID: "m1", InvoiceID: tc.inv.ID, Sender: seller, Receiver: receiver,
			DocumentType: tc.docType, Document: doc})
	}
	h.drain(2)
	if got := h.ap.Delivered(); len(got) != 2 {
		t.Fatalf("delivered %v; rejected %+v", got, h.ap.Rejected())
	}
}
