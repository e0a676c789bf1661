package open

import (
	"context"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/ubl"
)

// InvoiceUBL writes the merchant's posted, paid or credited invoice or
// credit invoice as a PEPPOL BIS Billing 3.0 UBL document (package ubl):
// the seller is the merchant's invoice settings, the buyer the invoiced
// customer, and a credit invoice references its original with the
// original's date. Its amounts are the stored invoice's, as on the PDF.
//
// Errors: CodeNotFound; CodeConflict for a draft or void invoice;
// CodeInvalid for malformed invoice settings or what ubl.Build names.
func (p *Provider) InvoiceUBL(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	seller, inv, buyer, err := p.issued(ctx, conn, id, "sent as an e-invoice")
	if err != nil {
		return core.Document{}, err
	}
	d := ubl.Document{Invoice: inv, Seller: seller, Buyer: buyer, Country: conn.Country}
	if inv.CreditsInvoiceID != "" {
		orig, err := p.GetInvoice(ctx, conn, inv.CreditsInvoiceID)
		if err != nil {
			return core.Document{}, err
		}
		d.OriginalDate = orig.InvoiceDate
	}
	data, err := ubl.Build(d)
	if err != nil {
		return core.Document{}, err
	}
	return core.Document{ContentType: ubl.ContentType, Filename: ubl.FileName(inv, conn.Country), Data: data}, nil
}
