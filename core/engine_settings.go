package core

import (
	"context"
	"net/mail"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// invoiceSettings returns the merchant's saved settings, or the defaults a
// new merchant starts with: its start number and company name.
func (e *Engine) invoiceSettings(ctx context.Context, m Merchant) (InvoiceSettings, error) {
	s, found, err := e.store.GetInvoiceSettings(ctx, m.ID)
	if err != nil {
		return InvoiceSettings{}, err
	}
	if !found {
		s = InvoiceSettings{StartNumber: m.InvoiceStartNumber, Company: Company{Name: m.Name}}
	}
	return s, nil
}

// InvoiceSettings returns the merchant's built-in invoicing settings.
// Errors: CodeForbidden.
func (e *Engine) InvoiceSettings(ctx context.Context, p Principal) (InvoiceSettings, error) {
	if err := p.Authorize(ActionReadSettings); err != nil {
		return InvoiceSettings{}, err
	}
	m, err := e.store.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return InvoiceSettings{}, err
	}
	return e.invoiceSettings(ctx, m)
}

// UpdateInvoiceSettings validates and saves the settings whole. Giro
// numbers are normalised to their printed form. The start number cannot
// change once the first invoice is posted.
//
// Errors: CodeForbidden; CodeInvalid naming every bad field (Bankgiro,
// Plusgiro, the Norwegian bank account, IBAN, BIC, the Peppol id
// (nordic.ParseParticipantID, stored as scheme:value) and organization
// numbers with their check digits or form, a VAT number of another country
// or organization number, e-mail addresses, ...); CodeConflict naming
// start_number. A refused update changes nothing stored.
func (e *Engine) UpdateInvoiceSettings(ctx context.Context, p Principal, in InvoiceSettings) (InvoiceSettings, error) {
	s, err := e.invoicing(ctx, p, ActionWriteSettings)
	if err != nil {
		return InvoiceSettings{}, err
	}
	out, err := CheckInvoiceSettings(s.merchant.Country, in)
	if err != nil {
		return InvoiceSettings{}, err
	}
	if out.StartNumber != s.settings.StartNumber {
		started, err := e.seriesStarted(ctx, s)
		if err != nil {
			return InvoiceSettings{}, err
		}
		if started {
			return InvoiceSettings{}, &Error{Code: CodeConflict, Message: "the invoice series has started and cannot change",
				Fields: []FieldError{{Field: "start_number", Message: "cannot change after the first invoice is posted"}}}
		}
	}
	if err := e.store.PutInvoiceSettings(ctx, s.merchant.ID, out); err != nil {
		return InvoiceSettings{}, err
	}
	return out, nil
}

// CheckInvoiceSettings validates settings as UpdateInvoiceSettings does
// for a merchant in country (check digits of Bankgiro, Plusgiro,
// organization and VAT numbers, a VAT number of country that matches the
// organization number (nordic.MatchVATNumber), e-mail addresses, lengths),
// without saving:
// BackOffice checks a field as it is typed with the same rule. It returns
// the settings normalised, or CodeInvalid naming every bad field.
func CheckInvoiceSettings(country Country, in InvoiceSettings) (InvoiceSettings, error) {
	var errs fieldErrors
	out := in
	errs.text("late_interest_text", in.LateInterestText, MaxInvoiceTextLength, true)
	errs.text("payment_reference_text", in.PaymentReferenceText, MaxInvoiceTextLength, true)
	errs.text("bankgiro", in.Bankgiro, MaxGiroLength, false)
	errs.text("plusgiro", in.Plusgiro, MaxGiroLength, false)
	errs.text("bank_account", in.BankAccount, MaxBankAccountLength, false)
	errs.text("iban", in.IBAN, MaxIBANLength, false)
	errs.text("bic", in.BIC, MaxBICLength, false)
	errs.text("company.name", in.Company.Name, MaxNameLength, false)
	errs.text("company.organization_number", in.Company.OrganizationNumber, MaxOrganizationNumberLength, false)
	errs.text("company.vat_number", in.Company.VATNumber, MaxVATNumberLength, false)
	errs.text("company.email", in.Company.Email, MaxEmailLength, false)
	errs.text("company.phone", in.Company.Phone, MaxPhoneLength, false)
	errs = append(errs, in.Company.Address.textErrors("company.address")...)
	for i, addr := range in.AccountantCopy.Emails {
		errs.text(indexed("accountant_copy.emails", i, ""), addr, MaxEmailLength, false)
	}
	if in.StartNumber < 1 || in.StartNumber > MaxInvoiceStartNumber {
		errs.add("start_number", "must be between 1 and %d", int64(MaxInvoiceStartNumber))
	}
	if strings.TrimSpace(in.Company.Name) == "" {
		errs.add("company.name", "is required: it is printed on every invoice")
	}
	if in.Bankgiro != "" && !errs.has("bankgiro") {
		if bg, err := nordic.FormatBankgiro(in.Bankgiro); err != nil {
			errs.add("bankgiro", "%v", err)
		} else {
			out.Bankgiro = bg
		}
	}
	if in.Plusgiro != "" && !errs.has("plusgiro") {
		if pg, err := nordic.FormatPlusgiro(in.Plusgiro); err != nil {
			errs.add("plusgiro", "%v", err)
		} else {
			out.Plusgiro = pg
		}
	}
	if in.BankAccount != "" && !errs.has("bank_account") {
		if country != Norway {
			errs.add("bank_account", "is a Norwegian account number (kontonummer): Swedish invoices are paid to Bankgiro, Plusgiro or IBAN")
		} else if n, err := nordic.ValidateNorwegianAccountNumber(in.BankAccount); err != nil {
			errs.add("bank_account", "%v", err)
		} else {
			out.BankAccount = n
		}
	}
	if in.IBAN != "" && !errs.has("iban") {
		if n, err := nordic.ValidateIBAN(in.IBAN); err != nil {
			errs.add("iban", "%v", err)
		} else {
			out.IBAN = n
		}
	}
	if in.BIC != "" && !errs.has("bic") {
		if n, err := nordic.ValidateBIC(in.BIC); err != nil {
			errs.add("bic", "%v", err)
		} else if in.IBAN == "" {
			errs.add("bic", "is printed with the IBAN: give the IBAN too")
		} else {
			out.BIC = n
		}
	}
	if in.RegisteredInForetaksregisteret && country != Norway {
		errs.add("registered_in_foretaksregisteret", "Foretaksregisteret is the Norwegian register: it applies to Norwegian sellers only")
	}
	if in.Company.OrganizationNumber != "" && !errs.has("company.organization_number") {
		if n, err := nordic.ValidateOrganizationNumber(string(country), in.Company.OrganizationNumber); err != nil {
			errs.add("company.organization_number", "%v", err)
		} else {
			out.Company.OrganizationNumber = n
		}
	}
	if in.Company.VATNumber != "" && !errs.has("company.vat_number") {
		// The VAT number is the merchant's country's and, with a valid
		// organization number, the one derived from it.
		org := out.Company.OrganizationNumber
		if errs.has("company.organization_number") {
			org = ""
		}
		if err := nordic.MatchVATNumber(string(country), org, in.Company.VATNumber); err != nil {
			errs.add("company.vat_number", "%v", err)
		}
	}
	errs.text("peppol_id", in.PeppolID, MaxPeppolIDLength, false)
	if strings.TrimSpace(in.PeppolID) == "" {
		out.PeppolID = ""
	} else if !errs.has("peppol_id") {
		if scheme, value, err := nordic.ParseParticipantID(in.PeppolID); err != nil {
			errs.add("peppol_id", "%v", err)
		} else {
			out.PeppolID = nordic.FormatParticipantID(scheme, value)
		}
	}
	if in.Company.Email != "" && !errs.has("company.email") && !validEmail(in.Company.Email) {
		errs.add("company.email", "is not an e-mail address")
	}
	if in.AccountantCopy.Enabled && len(in.AccountantCopy.Emails) == 0 {
		errs.add("accountant_copy.emails", "needs at least one address when the copy is enabled")
	}
	for i, addr := range in.AccountantCopy.Emails {
		if !errs.has(indexed("accountant_copy.emails", i, "")) && !validEmail(addr) {
			errs.add(indexed("accountant_copy.emails", i, ""), "is not an e-mail address")
		}
	}
	if in.ReminderDaysAfterDue < 0 || in.ReminderDaysAfterDue > MaxDueDays {
		errs.add("reminder_days_after_due", "must be between 0 (no reminder) and %d", MaxDueDays)
	}
	if in.RoundToWholeKronor && country != Sweden {
		errs.add("round_to_whole_kronor", "öre rounding applies to Swedish invoices only")
	}
	return out, Invalid("invalid invoice settings", errs...)
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
