package core

// Company is the seller as printed on invoices.
type Company struct {
	Name               string  `json:"name"`
	OrganizationNumber string  `json:"organization_number"`
	VATNumber          string  `json:"vat_number"`
	Address            Address `json:"address"`
	Email              string  `json:"email"`
	Phone              string  `json:"phone"`
}

// AccountantCopy sends a copy of every invoice e-mail to the accountant.
type AccountantCopy struct {
	Enabled bool     `json:"enabled"`
	Emails  []string `json:"emails"`
}

// MaxInvoiceStartNumber bounds the first number of an invoice series (nine
// digits): the series, its OCR/KID references and their check digits stay
// far from int64's limit, where every charge used to fail.
const MaxInvoiceStartNumber = 999_999_999

// InvoiceSettings are a merchant's built-in invoicing settings: what every
// invoice says about the seller and how invoices are numbered and sent.
type InvoiceSettings struct {
	// StartNumber is the first number of the series; it cannot change once
	// the first invoice is posted.
	StartNumber          int64  `json:"start_number"`
	LateInterestText     string `json:"late_interest_text"`
	PaymentReferenceText string `json:"payment_reference_text"`
	Bankgiro             string `json:"bankgiro"`
	Plusgiro             string `json:"plusgiro"`
	FTaxApproved         bool   `json:"f_tax_approved"`
	// BankAccount is a Norwegian seller's account number (kontonummer,
	// 11 digits with a MOD11 check digit), stored as the digits and
	// printed 1234.56.78903: what Norwegian customers pay to with the
	// KID. Swedish sellers use Bankgiro or Plusgiro and cannot set it.
	//
	// It is optional, like every payment account here: the rules a
	// Norwegian invoice must follow (bokføringsforskriften § 5-1-1,
	// research notes §3.2) name no payment account, and a merchant
	// paid by card or cash needs none. Setting it is what makes a
	// Norwegian invoice payable by bank transfer.
	BankAccount string `json:"bank_account"`
	// IBAN and BIC are printed for payments from abroad (both
	// countries). IBAN is stored in its electronic form, without spaces,
	// and printed in groups of four; a BIC is printed only with an IBAN.
	IBAN string `json:"iban"`
	BIC  string `json:"bic"`
	// RegisteredInForetaksregisteret prints "Foretaksregisteret" after a
	// Norwegian seller's organization number (foretaksregisterloven
	// § 10-2: AS, ASA, NUF and others registered there must). Norway only.
	RegisteredInForetaksregisteret bool `json:"registered_in_foretaksregisteret"`
	// PeppolID is the seller's Peppol participant identifier, the
	// electronic address of its e-invoices (BT-34), "scheme:value" in
	// canonical form (nordic.ParseParticipantID): 0007:5560160680 for a
	// Swedish seller, 0192:991825827 for a Norwegian one.
	PeppolID       string         `json:"peppol_id"`
	Company        Company        `json:"company"`
	AccountantCopy AccountantCopy `json:"accountant_copy"`
	AutoSend       bool           `json:"auto_send"`
	// AttachUBL attaches the invoice's Peppol e-invoice (UBL) to every
	// invoice e-mail beside the PDF, for customers whose bookkeeping reads
	// it, when the invoicing provider writes e-invoices.
	AttachUBL bool `json:"attach_ubl"`
	// ReminderDaysAfterDue sends a reminder e-mail this many days after
	// the due date; 0 sends none.
	ReminderDaysAfterDue int `json:"reminder_days_after_due"`
	// RoundToWholeKronor applies öresavrundning to the amount to pay
	// (never to the VAT), per lag (1970:1029).
	RoundToWholeKronor bool `json:"round_to_whole_kronor"`
}
