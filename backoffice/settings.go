package backoffice

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// The invoice settings page (Finance → Invoice settings): every field of
// core.InvoiceSettings. An admin edits; an accountant reads. The numbers
// with check digits (Bankgiro, Plusgiro, the Norwegian account number,
// IBAN, organization and VAT numbers) are checked as they are typed, by the engine's own validation
// (core.CheckInvoiceSettings), and again on save. Once the first invoice
// is posted, the start number is shown locked with the reason.
func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		g.GET("/invoice-settings", s.allow(core.ActionReadSettings), s.invoiceSettings)
		g.POST("/invoice-settings", s.allow(core.ActionWriteSettings), s.saveInvoiceSettings)
		g.POST("/invoice-settings/check", s.allow(core.ActionWriteSettings), s.checkInvoiceSetting)
	})
}

// checkedFields are the fields checked inline, with their labels and hints.
var checkedFields = map[string][2]string{
	"bankgiro":                    {"settings.bankgiro", "settings.bankgiro_hint"},
	"plusgiro":                    {"settings.plusgiro", "settings.plusgiro_hint"},
	"bank_account":                {"settings.bank_account", "settings.bank_account_hint"},
	"iban":                        {"settings.iban", "settings.iban_hint"},
	"company.organization_number": {"settings.organization_number", "settings.organization_number_hint"},
	"company.vat_number":          {"settings.vat_number", "settings.vat_number_hint"},
	"peppol_id":                   {"settings.peppol_id", "settings.peppol_id_hint"},
}

// settingsForm is the settings as the form shows them: numbers as typed,
// so a refused form shows what the person wrote.
type settingsForm struct {
	core.InvoiceSettings
	StartNumber      string
	ReminderDays     string
	AccountantEmails string
}

type settingsData struct {
	Form settingsForm
	// Locked: the series has started; the start number cannot change.
	Locked  bool
	CanEdit bool
	Swedish bool
}

// checkData is one inline-checked field.
type checkData struct {
	Name, Label, Hint, Value string
	// OK: the value was checked and is valid.
	OK      bool
	CanEdit bool
}

func settingsFormOf(st core.InvoiceSettings) settingsForm {
	f := settingsForm{InvoiceSettings: st, StartNumber: strconv.FormatInt(st.StartNumber, 10),
		AccountantEmails: strings.Join(st.AccountantCopy.Emails, ", ")}
	if st.ReminderDaysAfterDue != 0 {
		f.ReminderDays = strconv.Itoa(st.ReminderDaysAfterDue)
	}
	// Saved as digits and the electronic IBAN; shown as printed.
	if n, err := nordic.FormatNorwegianAccountNumber(st.BankAccount); err == nil {
		f.BankAccount = n
	}
	if n, err := nordic.FormatIBAN(st.IBAN); err == nil {
		f.IBAN = n
	}
	return f
}

// settingsFormFrom reads the posted form.
func settingsFormFrom(c *gin.Context) settingsForm {
	v := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
	text := func(k string) string { return strings.TrimSpace(strings.ReplaceAll(c.PostForm(k), "\r\n", "\n")) }
	on := func(k string) bool { return c.PostForm(k) == "on" }
	f := settingsForm{StartNumber: v("start_number"), ReminderDays: v("reminder_days_after_due"),
		AccountantEmails: v("accountant_copy.emails")}
	f.LateInterestText, f.PaymentReferenceText = text("late_interest_text"), text("payment_reference_text")
	f.Bankgiro, f.Plusgiro, f.FTaxApproved = v("bankgiro"), v("plusgiro"), on("f_tax_approved")
	f.BankAccount, f.IBAN, f.BIC = v("bank_account"), v("iban"), v("bic")
	f.RegisteredInForetaksregisteret = on("registered_in_foretaksregisteret")
	f.PeppolID = v("peppol_id")
	f.Company = core.Company{Name: v("company.name"), OrganizationNumber: v("company.organization_number"),
		VATNumber: v("company.vat_number"), Email: v("company.email"), Phone: v("company.phone"),
		Address: core.Address{Line1: v("company.address.line1"), Line2: v("company.address.line2"),
			PostalCode: v("company.address.postal_code"), City: v("company.address.city"),
			Country: strings.ToUpper(v("company.address.country"))}}
	f.AccountantCopy.Enabled = on("accountant_copy.enabled")
	f.AccountantCopy.Emails = append([]string{}, splitList(f.AccountantEmails)...)
	f.AutoSend, f.RoundToWholeKronor = on("auto_send"), on("round_to_whole_kronor")
	f.AttachUBL = on("attach_ubl")
	return f
}

// settings converts the form, or returns CodeInvalid naming the numbers
// that are not numbers (the engine judges everything else).
func (f settingsForm) settings(l *localizer) (core.InvoiceSettings, error) {
	st := f.InvoiceSettings
	var errs []core.FieldError
	if n, err := strconv.ParseInt(f.StartNumber, 10, 64); err != nil {
		errs = append(errs, core.FieldError{Field: "start_number", Message: l.T("settings.not_a_number")})
	} else {
		st.StartNumber = n
	}
	st.ReminderDaysAfterDue = 0
	if f.ReminderDays != "" {
		if n, err := strconv.Atoi(f.ReminderDays); err != nil {
			errs = append(errs, core.FieldError{Field: "reminder_days_after_due", Message: l.T("settings.not_a_number")})
		} else {
			st.ReminderDaysAfterDue = n
		}
	}
	return st, core.Invalid("invalid invoice settings", errs...)
}

func (s *server) settingsData(c *gin.Context, f settingsForm) (settingsData, error) {
	info, _ := sessionOf(c)
	locked, err := s.engine.InvoiceSeriesStarted(c.Request.Context(), principal(c))
	return settingsData{Form: f, Locked: locked, CanEdit: info.User.Role.Allows(core.ActionWriteSettings),
		Swedish: info.Merchant.Country == core.Sweden}, err
}

func (s *server) invoiceSettings(c *gin.Context) {
	st, err := s.engine.InvoiceSettings(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.settingsData(c, settingsFormOf(st))
	if err != nil {
		s.fail(c, err)
		return
	}
	p := s.newPage(c, "settings.title", "nav.invoice_settings")
	p.Data = d
	s.render(c, http.StatusOK, "settings", p)
}

func (s *server) saveInvoiceSettings(c *gin.Context) {
	if !s.parseForm(c) {
		return
	}
	p := s.newPage(c, "settings.title", "nav.invoice_settings")
	f := settingsFormFrom(c)
	st, err := f.settings(p.L)
	if err == nil {
		_, err = s.engine.UpdateInvoiceSettings(c.Request.Context(), principal(c), st)
	}
	if err != nil {
		var dataErr error
		s.formFailed(c, p, collapseIndexed(err, "accountant_copy.emails", f.AccountantCopy.Emails), "settings", func() {
			localizeNordic(p, "bankgiro", "plusgiro", "bank_account", "iban", "bic", "company.organization_number", "company.vat_number", "peppol_id")
			p.Data, dataErr = s.settingsData(c, f)
		})
		if dataErr != nil {
			s.log.Error("backoffice: invoice series", "error", dataErr)
		}
		return
	}
	s.done(c, Prefix+"/invoice-settings", "settings_saved")
}

// checkInvoiceSetting is the htmx check of one field as it is typed: the
// whole form is validated by the engine's rule and the field's message (or
// that it is right) replaces the field.
func (s *server) checkInvoiceSetting(c *gin.Context) {
	if !s.parseForm(c) {
		return
	}
	name := c.Query("field")
	meta, ok := checkedFields[name]
	if !ok {
		s.notFound(c)
		return
	}
	p := s.newPage(c, "settings.title", "nav.invoice_settings")
	f := settingsFormFrom(c)
	value := c.PostForm(name)
	st, _ := f.settings(p.L)
	if _, err := core.CheckInvoiceSettings(p.Merchant.Country, st); err != nil {
		if core.Code(err) != core.CodeInvalid {
			s.fail(c, err)
			return
		}
		for _, fe := range core.AsError(err).Fields {
			if fe.Field == name {
				p.Fields[name] = fe.Message
			}
		}
	}
	localizeNordic(p, name)
	p.Data = checkData{Name: name, Label: meta[0], Hint: meta[1], Value: value,
		OK: p.Fields[name] == "" && strings.TrimSpace(value) != "", CanEdit: true}
	s.renderBlock(c, http.StatusOK, "settings", "check-response", p)
}

// collapseIndexed names errors of list items (field[0], field[1]...) by
// the list's field, which is one input on the form, with the item the
// message is about.
func collapseIndexed(err error, field string, items []string) error {
	ce := core.AsError(err)
	if ce == nil || len(ce.Fields) == 0 {
		return err
	}
	out := *ce
	out.Fields = nil
	for _, fe := range ce.Fields {
		if rest, ok := strings.CutPrefix(fe.Field, field+"["); ok {
			if i, err := strconv.Atoi(strings.TrimSuffix(rest, "]")); err == nil && i >= 0 && i < len(items) {
				fe.Message = items[i] + ": " + fe.Message
			}
			fe.Field = field
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}

// nordicTexts are the catalogue keys of package nordic's refusals, which
// the engine reports (in English) for numbers with check digits; the more
// specific first.
var nordicTexts = []struct {
	err error
	key string
}{
	{nordic.ErrLengthDigit, "settings.nordic.length_digit"},
	{nordic.ErrCheckDigit, "settings.nordic.check_digit"},
	{nordic.ErrLength, "settings.nordic.length"},
	{nordic.ErrCharacters, "settings.nordic.characters"},
	{nordic.ErrFormat, "settings.nordic.format"},
	{nordic.ErrDate, "settings.nordic.date"},
	{nordic.ErrCountry, "settings.nordic.country"},
	{nordic.ErrScheme, "settings.nordic.scheme"},
	{nordic.ErrOtherCountry, "settings.nordic.other_country"},
}

// mismatchedVAT is nordic.MatchVATNumber's ErrMismatch refusal; its
// submatch is the VAT number the organization number has.
var mismatchedVAT = regexp.MustCompile(regexp.QuoteMeta(nordic.ErrMismatch.Error()) + `: .* is ([A-Z]{2}[0-9]+(?:01|MVA))$`)

// localizeNordic writes the messages of the named fields that are one of
// package nordic's refusals in the user's language; a VAT number that is
// not the organization number's says which it should be.
func localizeNordic(p *page, names ...string) {
	for _, name := range names {
		msg := p.Fields[name]
		if m := mismatchedVAT.FindStringSubmatch(msg); m != nil {
			p.Fields[name] = p.L.T("settings.nordic.mismatch", m[1])
			continue
		}
		for _, t := range nordicTexts {
			if msg != "" && strings.Contains(msg, t.err.Error()) {
				p.Fields[name] = p.L.T(t.key)
				break
			}
		}
	}
}
