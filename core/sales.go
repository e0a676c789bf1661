package core

import "github.com/shopspring/decimal"

// SalesLine is the amount (gross, minor units) sold in one product group at
// one VAT rate on a receipt; negative for a refund.
type SalesLine struct {
	ProductGroup string          `json:"product_group"`
	VATRate      decimal.Decimal `json:"vat_rate"`
	Takeaway     bool            `json:"takeaway"`
	Amount       int64           `json:"amount"`
}

// SalesPayment is the amount paid by one method on a receipt.
type SalesPayment struct {
	Method string `json:"method"`
	Amount int64  `json:"amount"`
}

// SalesReceipt is one register receipt. Lines plus Tips plus Rounding equal
// the sum of Payments.
type SalesReceipt struct {
	ReceiptID    string         `json:"receipt_id"`
	LocationID   string         `json:"location_id"`
	BusinessDate Date           `json:"business_date"`
	Currency     Currency       `json:"currency"`
	Lines        []SalesLine    `json:"lines"`
	Payments     []SalesPayment `json:"payments"`
	Tips         int64          `json:"tips"`
	Rounding     int64          `json:"rounding"`
}

// Posting is one row of a voucher: Amount > 0 debits the account, < 0
// credits it.
type Posting struct {
	Account     string `json:"account"`
	Amount      int64  `json:"amount"`
	VATCode     string `json:"vat_code,omitempty"`
	Description string `json:"description,omitempty"`
	CustomerID  string `json:"customer_id,omitempty"`
}

// Voucher is one balanced journal entry, e.g. a location's day of sales.
// ExternalRef identifies it at the provider so a retried export finds the
// earlier post instead of booking the day twice.
type Voucher struct {
	ExternalRef string    `json:"external_ref"`
	Date        Date      `json:"date"`
	Description string    `json:"description"`
	Currency    Currency  `json:"currency"`
	Postings    []Posting `json:"postings"`
}

// Validate checks that the voucher balances to zero and is complete.
func (v Voucher) Validate() error {
	var errs fieldErrors
	if v.ExternalRef == "" {
		errs.add("external_ref", "is required")
	}
	if !v.Date.Valid() {
		errs.add("date", "must be a date YYYY-MM-DD")
	}
	if !v.Currency.Valid() {
		errs.add("currency", "must be an ISO 4217 code")
	}
	if len(v.Postings) < 2 {
		errs.add("postings", "needs at least two rows")
	}
	var sum int64
	for i, p := range v.Postings {
		if p.Account == "" {
			errs.add(indexed("postings", i, "account"), "is required")
		}
		sum += p.Amount
	}
	if sum != 0 {
		errs.add("postings", "debits and credits differ by %d minor units", sum)
	}
	return Invalid("invalid voucher", errs...)
}

// ExportResult tells where a voucher landed. AlreadyExisted is true when the
// provider found an earlier post with the same ExternalRef and booked nothing.
type ExportResult struct {
	ProviderRef    string `json:"provider_ref"`
	AlreadyExisted bool   `json:"already_existed"`
}
