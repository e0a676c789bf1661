package core

import "time"

// Country is an ISO 3166-1 alpha-2 code of a merchant's country.
type Country string

// The countries ledgerbridge serves.
const (
	Sweden Country = "SE"
	Norway Country = "NO"
)

// Valid reports whether ledgerbridge serves merchants in c.
func (c Country) Valid() bool { return c == Sweden || c == Norway }

// Currency is the country's currency.
func (c Country) Currency() Currency {
	if c == Norway {
		return "NOK"
	}
	return "SEK"
}

// Location is the country's civil time zone, used to decide which calendar
// day a sale or invoice belongs to. It falls back to UTC if the zone database
// is missing (cmd/ledgerbridge embeds it).
func (c Country) Location() *time.Location {
	name := "Europe/Stockholm"
	if c == Norway {
		name = "Europe/Oslo"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Merchant is a point-of-sale customer of ledgerbridge: one company with its
// locations, API keys and integrations.
type Merchant struct {
	ID       string   `json:"id" db:"id"`
	Name     string   `json:"name" db:"name"`
	Country  Country  `json:"country" db:"country"`
	Currency Currency `json:"currency" db:"currency"`
	// InvoicingProvider names the provider that invoices register charges.
	InvoicingProvider string `json:"invoicing_provider" db:"invoicing_provider"`
	// InvoiceStartNumber is the first number of the merchant's invoice series.
	InvoiceStartNumber int64     `json:"invoice_start_number" db:"invoice_start_number"`
	CreatedAt          time.Time `json:"created_at" db:"created_at"`
}
