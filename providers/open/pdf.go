package open

import (
	"context"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/invoicepdf"
)

// InvoicePDF renders the merchant's posted, paid or credited invoice or
// credit invoice as a PDF with package invoicepdf: the seller is the
// merchant's invoice settings (conn.Settings[invoice_settings]), the buyer
// the invoiced customer (the parent company when the invoice went to the
// parent; the buying customer is then printed as the one who ordered), and
// the labels are in the language of conn.Country.
//
// A draft is not rendered: it has no number yet, and an invoice is printed
// with its number (invoicepdf refuses one without), so a draft is
// CodeConflict until it is posted.
//
// Errors: CodeNotFound; CodeConflict for a draft; CodeInvalid naming
// company.name when the invoice settings have no company name,
// invoice_settings when they are malformed, or what invoicepdf names.
func (p *Provider) InvoicePDF(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	seller, inv, buyer, err := p.issued(ctx, conn, id, "rendered as a PDF")
	if err != nil {
		return core.Document{}, err
	}
	if strings.TrimSpace(seller.Company.Name) == "" {
		return core.Document{}, core.Invalid("the invoice settings are incomplete", core.FieldError{Field: "company.name",
			Message: "is required on every invoice: fill in the company details in the invoice settings"})
	}
	if inv.OrderedByCustomerID != "" {
		// invoicepdf prints the invoice's customer name as the ordering
		// customer when it differs from the buyer's.
		if orderer, err := p.GetCustomer(ctx, conn, inv.OrderedByCustomerID); err == nil {
			inv.CustomerName = orderer.Name
		} else if core.Code(err) != core.CodeNotFound {
			return core.Document{}, err
		}
	}
	return invoicepdf.File(invoicepdf.Document{Invoice: inv, Seller: seller, Buyer: buyer, Country: conn.Country})
}

// issued loads what a document of the issued invoice id is made from: the
// seller's invoice settings, the invoice and its buyer. what names the
// document in the refusal of a draft.
//
// Errors: CodeInvalid (malformed settings), CodeNotFound, CodeConflict for
// a draft (it has no number yet).
func (p *Provider) issued(ctx context.Context, conn core.Connection, id, what string) (core.InvoiceSettings, core.Invoice, core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.InvoiceSettings{}, core.Invoice{}, core.Customer{}, err
	}
	seller, err := invoiceSettings(conn)
	if err != nil {
		return core.InvoiceSettings{}, core.Invoice{}, core.Customer{}, err
	}
	inv, err := p.GetInvoice(ctx, conn, id)
	if err != nil {
		return core.InvoiceSettings{}, core.Invoice{}, core.Customer{}, err
	}
	if inv.Status == core.StatusDraft {
		return core.InvoiceSettings{}, core.Invoice{}, core.Customer{}, core.Errorf(core.CodeConflict,
			"a draft has no invoice number yet; post it before it can be %s", what)
	}
	buyer, err := p.GetCustomer(ctx, conn, inv.CustomerID)
	if err != nil {
		return core.InvoiceSettings{}, core.Invoice{}, core.Customer{}, dbError("invoice document", err)
	}
	return seller, inv, buyer, nil
}
