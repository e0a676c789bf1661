package core

import (
	"regexp"
	"strconv"
	"strings"
)

// JournalAccounts are the accounts an invoice is booked on: receivables,
// sales and output VAT per VAT rate ("25" → "3001"), and öre rounding.
type JournalAccounts struct {
	Receivables string
	Sales       map[string]string
	OutputVAT   map[string]string
	Rounding    string
}

// InvoiceJournal returns the balanced entry of a posted invoice or credit
// invoice: receivables debited with the amount to pay, each VAT rate's net
// credited to its sales account and its VAT to its output VAT account, the
// öre rounding to the rounding account. A credit invoice's negative amounts
// reverse the entry. Errors: CodeConflict for a draft; CodeInvalid naming
// the VAT rate or account with no account in the chart. The texts are in the
// language of the merchant's country (Swedish, Norwegian).
func InvoiceJournal(inv Invoice, a JournalAccounts, country Country) (Voucher, error) {
	t, ok := journalTexts[country]
	if !ok {
		t = journalTexts[Sweden]
	}
	if inv.Status == StatusDraft {
		return Voucher{}, Errorf(CodeConflict, "a draft has no journal entries; post it first")
	}
	v := Voucher{
		ExternalRef: "invoice:" + inv.ID, Date: inv.InvoiceDate, Currency: inv.Currency,
		Description: journalText(inv, country),
	}
	var errs fieldErrors
	if a.Receivables == "" {
		errs.add("accounts.receivables", "no receivables account in the chart")
	}
	v.Postings = append(v.Postings, Posting{Account: a.Receivables, Amount: inv.AmountDue(), CustomerID: inv.CustomerID, Description: t.receivables})
	for _, b := range inv.VATBreakdown {
		rate := b.VATRate.String()
		sales, vat := a.Sales[rate], a.OutputVAT[rate]
		if sales == "" {
			errs.add("accounts.sales."+rate, "no sales account for %s%% VAT", rate)
		}
		if b.Net != 0 {
			v.Postings = append(v.Postings, Posting{Account: sales, Amount: -b.Net, VATCode: rate, Description: t.sales + " " + rate + " %"})
		}
		if b.VAT != 0 {
			if vat == "" {
				errs.add("accounts.output_vat."+rate, "no output VAT account for %s%% VAT", rate)
			}
			v.Postings = append(v.Postings, Posting{Account: vat, Amount: -b.VAT, Description: t.outputVAT + " " + rate + " %"})
		}
	}
	if inv.Rounding != 0 {
		if a.Rounding == "" {
			errs.add("accounts.rounding", "no öre rounding account in the chart")
		}
		v.Postings = append(v.Postings, Posting{Account: a.Rounding, Amount: -inv.Rounding, Description: t.rounding})
	}
	if err := Invalid("incomplete chart of accounts", errs...); err != nil {
		return Voucher{}, err
	}
	return v, v.Validate()
}

// journalLabels are the texts of an invoice's journal entry in one language.
type journalLabels struct {
	receivables, sales, outputVAT, rounding string
}

var journalTexts = map[Country]journalLabels{
	Sweden: {"Kundfordran", "Försäljning", "Utgående moms", "Öresavrundning"},
	Norway: {"Kundefordring", "Salg", "Utgående mva", "Øreavrunding"},
}

func journalText(inv Invoice, country Country) string {
	return invoiceKindName(country, inv.Kind) + " " + itoa(int(inv.Number)) + " " + inv.CustomerName
}

// invoiceKindName is what an invoice of kind is called in country's
// language, capitalised: Faktura; a credit invoice is a Kreditfaktura in
// Sweden, a Kreditnota in Norway. The journal entry and the e-mails share
// it.
func invoiceKindName(country Country, kind InvoiceKind) string {
	switch {
	case kind != KindCredit:
		return "Faktura"
	case country == Norway:
		return "Kreditnota"
	}
	return "Kreditfaktura"
}

// InvoiceFileName is the name an invoice's document is served under: its
// kind in country's language, lower-case, and its number, then ext
// ("faktura-1001.pdf", "kreditfaktura-1002.xml", "kreditnota-5002.pdf"). An
// invoice without a number (a draft) is named by its ID, reduced to
// letters, digits, '-' and '_'. The PDF and the e-invoice share it.
func InvoiceFileName(inv Invoice, country Country, ext string) string {
	stem := strings.ToLower(invoiceKindName(country, inv.Kind))
	id := strconv.FormatInt(inv.Number, 10)
	if inv.Number <= 0 {
		id = unsafeFileChars.ReplaceAllString(inv.ID, "")
	}
	if id == "" {
		return stem + ext
	}
	return stem + "-" + id + ext
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
