package main

import (
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The demo merchants' invoices can be posted: their settings validate and
// carry every seller item of a full invoice, and every demo customer the
// buyer's (core.CheckInvoiceContent).
func TestDemoMerchantsCanPostFullInvoices(t *testing.T) {
	for _, d := range []struct {
		country  core.Country
		settings core.InvoiceSettings
	}{{core.Sweden, demoInvoiceSettings}, {core.Norway, demoNorwayInvoiceSettings}} {
		if _, err := core.CheckInvoiceSettings(d.country, d.settings); err != nil {
			t.Errorf("%s demo settings: %v", d.country, err)
		}
		full := core.Invoice{Kind: core.KindInvoice, Currency: d.country.Currency(), NetTotal: 7200_00, VATTotal: 1800_00, Total: 9000_00}
		for _, c := range demoCustomers {
			if err := core.CheckInvoiceContent(d.country, d.settings, c, full); err != nil {
				t.Errorf("%s demo invoice to %s: %v", d.country, c.Name, err)
			}
		}
	}
}
