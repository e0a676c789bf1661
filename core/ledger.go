package core

import "github.com/shopspring/decimal"

// LedgerAccount is an account of a provider's chart of accounts. When
// LockedVATCode is set, postings to the account must carry that VAT code
// (Tripletex locks 3000 to code 3); otherwise AllowedVATCodes, when not
// empty, lists the codes it accepts.
type LedgerAccount struct {
	Number          string   `json:"number"`
	Name            string   `json:"name"`
	Active          bool     `json:"active"`
	LockedVATCode   string   `json:"locked_vat_code,omitempty"`
	AllowedVATCodes []string `json:"allowed_vat_codes,omitempty"`
}

// VATCode is a provider's VAT code with its rate.
type VATCode struct {
	Code string          `json:"code"`
	Name string          `json:"name"`
	Rate decimal.Decimal `json:"rate"`
}

// PaymentType is a provider's way of recording a payment (Tripletex
// "paymentType", Spiris payment accounts).
type PaymentType struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	AccountNumber string `json:"account_number"`
}
