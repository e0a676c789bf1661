package core

import (
	"strings"

	"github.com/shopspring/decimal"
)

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

// NewLedgerAccount is an account to add to a provider's chart: a number of
// MaxLedgerAccountNumberLength digits in classes 1 to 8 and a name (see
// ValidateNewLedgerAccount).
type NewLedgerAccount struct {
	Number string `json:"number"`
	Name   string `json:"name"`
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

// ValidateNewLedgerAccount checks an account to add for country's standard
// chart (BAS, NS 4102): a four-digit number in classes 1 to 8 (class 9 is
// cost accounting in both) and a name of one line, at most
// MaxLedgerAccountNameLength characters. It trims both and returns the
// account, or a *Error with code invalid naming every bad field.
func ValidateNewLedgerAccount(a NewLedgerAccount) (NewLedgerAccount, error) {
	a.Number, a.Name = strings.TrimSpace(a.Number), strings.TrimSpace(a.Name)
	var errs []FieldError
	switch {
	case a.Number == "":
		errs = append(errs, FieldError{Field: "number", Message: "is required"})
	case len(a.Number) != MaxLedgerAccountNumberLength || strings.Trim(a.Number, "0123456789") != "":
		errs = append(errs, FieldError{Field: "number", Message: "must be an account number of " + itoa(MaxLedgerAccountNumberLength) + " digits"})
	case a.Number[0] < '1' || a.Number[0] > '8':
		errs = append(errs, FieldError{Field: "number", Message: "must be in account classes 1 to 8 (1000 to 8999)"})
	}
	if a.Name == "" {
		errs = append(errs, FieldError{Field: "name", Message: "is required"})
	} else if e := TextError("name", a.Name, MaxLedgerAccountNameLength, false); e != nil {
		errs = append(errs, *e)
	}
	if err := Invalid("invalid ledger account", errs...); err != nil {
		return a, err
	}
	return a, nil
}
