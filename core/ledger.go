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

// VATCode is a provider's VAT code with its rate. Account, when the
// provider links the code to one (Spiris's RelatedAccounts: MP1 to 2611),
// is the account the code's VAT is booked on; an account locked to the code
// is then that VAT account, and output VAT of the code's rate belongs there.
type VATCode struct {
	Code    string          `json:"code"`
	Name    string          `json:"name"`
	Rate    decimal.Decimal `json:"rate"`
	Account string          `json:"account,omitempty"`
}

// PaymentType is a provider's way of recording a payment (Tripletex
// "paymentType", Spiris payment accounts).
type PaymentType struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	AccountNumber string `json:"account_number"`
}
