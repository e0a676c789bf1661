package backoffice

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// validSettingsForm is a complete, valid settings form for merchant A.
func validSettingsForm() url.Values {
	return url.Values{
		"start_number": {"1001"}, "late_interest_text": {"8 % + referensränta"},
		"payment_reference_text": {"Ange fakturanumret"}, "bankgiro": {"54029681"}, "plusgiro": {"90 20 03-3"},
		"f_tax_approved": {"on"}, "company.name": {"Kafé Alfa AB"}, "company.organization_number": {"556103-4249"},
		"company.vat_number": {"SE556103424901"}, "company.email": {"faktura@alfa.example"}, "company.phone": {"08-1234"},
		"company.address.line1": {"Storgatan 1"}, "company.address.postal_code": {"111 22"},
		"company.address.city": {"Stockholm"}, "company.address.country": {"se"},
		"accountant_copy.enabled": {"on"}, "accountant_copy.emails": {"byra@revision.example, kopia@revision.example"},
		"auto_send": {"on"}, "attach_ubl": {"on"}, "reminder_days_after_due": {"10"}, "round_to_whole_kronor": {"on"},
	}
}

func (s *stack) settingsA() core.InvoiceSettings {
	s.t.Helper()
	st, err := s.engine.InvoiceSettings(s.t.Context(), s.admin())
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

// TestInvoiceSettingsSave: an admin reads the defaults and saves every
// field; the giro numbers come back in their printed form.
func TestInvoiceSettingsSave(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/invoice-settings", http.StatusOK)
	mustContain(t, "settings page", a.body, `value="Kafé Alfa AB"`, `value="1001"`, `name="bankgiro"`, `name="round_to_whole_kronor"`,
		`hx-post="/backoffice/invoice-settings/check?field=bankgiro"`)
	if strings.Contains(a.body, "readonly") {
		t.Error("the start number is read-only before any invoice")
	}
	a = c.post("/backoffice/invoice-settings", validSettingsForm())
	if a.status != http.StatusSeeOther || a.location != "/backoffice/invoice-settings?done=settings_saved" {
		t.Fatalf("save = %d %q\n%s", a.status, a.location, a.body)
	}
	st := s.settingsA()
	if st.Bankgiro != "5402-9681" || st.Plusgiro != "90 20 03-3" || !st.FTaxApproved || st.Company.OrganizationNumber != "5561034249" ||
		st.Company.Address.Country != "SE" || len(st.AccountantCopy.Emails) != 2 || !st.AutoSend || !st.AttachUBL || st.ReminderDaysAfterDue != 10 ||
		!st.RoundToWholeKronor || st.LateInterestText != "8 % + referensränta" {
		t.Fatalf("saved %+v", st)
	}
	a = c.must(a.location, http.StatusOK)
	mustContain(t, "page after saving", a.body, "Fakturainställningarna är sparade.", `value="5402-9681"`,
		`value="byra@revision.example, kopia@revision.example"`)
}

// TestInvoiceSettingsInvalid: bad check digits and other refusals are
// named beside their fields with 422, and nothing is saved.
func TestInvoiceSettingsInvalid(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/invoice-settings", http.StatusOK)
	before := s.settingsA()
	for field, value := range map[string]string{
		"bankgiro": "5402-9682", "plusgiro": "90 20 03-4", "company.organization_number": "556103-4248",
		"company.vat_number": "SE12", "start_number": "one", "company.name": "", "accountant_copy.emails": "byra@revision.example, nope",
		"reminder_days_after_due": "-1",
	} {
		form := validSettingsForm()
		form.Set(field, value)
		a := c.post("/backoffice/invoice-settings", form)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-`+field+`"`) {
			t.Errorf("%s=%q = %d, want 422 naming the field", field, value, a.status)
		}
	}
	if a := c.post("/backoffice/invoice-settings", validSettingsForm()); a.status != http.StatusSeeOther {
		t.Fatalf("valid save = %d", a.status)
	}
	form := validSettingsForm()
	form.Set("bankgiro", "1234-5678")
	a := c.post("/backoffice/invoice-settings", form)
	mustContain(t, "refused form", a.body, `value="1234-5678"`, `value="Kafé Alfa AB"`)
	if st := s.settingsA(); st.Bankgiro != "5402-9681" {
		t.Fatalf("a refused save changed the bankgiro to %q (before any save: %q)", st.Bankgiro, before.Bankgiro)
	}
}

// TestInvoiceSettingsInlineCheck: the htmx check answers the field with the
// engine's message, or that the check digit is right.
func TestInvoiceSettingsInlineCheck(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	check := func(field, value string) answer {
		form := validSettingsForm()
		form.Set(field, value)
		return c.post("/backoffice/invoice-settings/check?field="+field, form)
	}
	a := check("bankgiro", "5402-9682")
	if a.status != http.StatusOK || !strings.Contains(a.body, `id="e-bankgiro"`) || strings.Contains(a.body, "<html") {
		t.Fatalf("bad bankgiro check = %d\n%s", a.status, a.body)
	}
	mustContain(t, "bad bankgiro check", a.body, `value="5402-9682"`, "Kontrollsiffran stämmer inte.", `hx-post="/backoffice/invoice-settings/check?field=bankgiro"`)
	if a := check("bankgiro", "5402-9681"); !strings.Contains(a.body, "Kontrollsiffran stämmer.") || strings.Contains(a.body, "field-error") {
		t.Fatalf("good bankgiro check:\n%s", a.body)
	}
	if a := check("company.organization_number", "556103-4248"); !strings.Contains(a.body, `id="e-company.organization_number"`) {
		t.Fatalf("bad organization number check:\n%s", a.body)
	}
	// Only the asked field is judged: another bad field says nothing here.
	form := validSettingsForm()
	form.Set("plusgiro", "1")
	if a := c.post("/backoffice/invoice-settings/check?field=bankgiro", form); strings.Contains(a.body, "field-error") {
		t.Fatalf("the bankgiro check shows another field's error:\n%s", a.body)
	}
	if a := check("company.name", "x"); a.status != http.StatusNotFound {
		t.Errorf("check of an unchecked field = %d, want 404", a.status)
	}
}

// TestInvoiceSettingsSeriesLock: once an invoice is posted the start number
// is read-only with the reason, and a changed one is refused beside it.
func TestInvoiceSettingsSeriesLock(t *testing.T) {
	s := newStack(t)
	cu := s.createA(core.Customer{Name: "Kund AB", Active: true, InvoicingEnabled: true, DueDays: 30})
	draft, err := s.engine.CreateDraft(t.Context(), s.admin(), core.DraftRequest{CustomerID: cu.ID,
		Lines: []core.LineInput{{Description: "Fika", Quantity: decimal.NewFromInt(1), UnitPrice: 5000, VATRate: decimal.NewFromInt(12)}}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.signedIn("admin@a.example")
	if a := c.must("/backoffice/invoice-settings", http.StatusOK); strings.Contains(a.body, "Låst:") {
		t.Fatal("a draft locks the series")
	}
	if _, err := s.engine.PostInvoice(t.Context(), s.admin(), draft.ID); err != nil {
		t.Fatal(err)
	}
	a := c.must("/backoffice/invoice-settings", http.StatusOK)
	mustContain(t, "locked settings", a.body, "Låst: den första fakturan är redan utfärdad")
	if !strings.Contains(a.body, `name="start_number" type="number" value="1001"`) || !strings.Contains(a.body, `readonly aria-readonly="true"`) {
		t.Errorf("the start number is not read-only:\n%s", a.body)
	}
	form := validSettingsForm()
	form.Set("start_number", "5000")
	a = c.post("/backoffice/invoice-settings", form)
	if a.status != http.StatusConflict || !strings.Contains(a.body, `id="e-start_number"`) {
		t.Fatalf("changing a started series = %d\n%s", a.status, a.body)
	}
	if st := s.settingsA(); st.StartNumber != 1001 || st.Bankgiro != "" {
		t.Fatalf("a refused save changed the settings: %+v", st)
	}
	if a := c.post("/backoffice/invoice-settings", validSettingsForm()); a.status != http.StatusSeeOther {
		t.Fatalf("saving with the same start number = %d\n%s", a.status, a.body)
	}
}

// TestInvoiceSettingsRoles: an accountant reads the settings in a disabled
// form and cannot save or check; a cashier cannot open them; another
// merchant sees its own.
func TestInvoiceSettingsRoles(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("accountant@a.example")
	a := c.must("/backoffice/invoice-settings", http.StatusOK)
	mustContain(t, "accountant's settings", a.body, "<fieldset disabled>", "Du kan läsa inställningarna men inte ändra dem")
	if strings.Contains(a.body, "hx-post") || strings.Contains(a.body, `type="submit">Spara ändringar`) {
		t.Error("the accountant's form can be checked or saved")
	}
	if a := c.post("/backoffice/invoice-settings", validSettingsForm()); a.status != http.StatusForbidden {
		t.Errorf("accountant save = %d, want 403", a.status)
	}
	if a := c.post("/backoffice/invoice-settings/check?field=bankgiro", validSettingsForm()); a.status != http.StatusForbidden {
		t.Errorf("accountant check = %d, want 403", a.status)
	}
	if st := s.settingsA(); st.Bankgiro != "" {
		t.Fatalf("the accountant changed the settings: %+v", st)
	}
	s.signedIn("cashier@a.example").must("/backoffice/invoice-settings", http.StatusForbidden)

	admin := s.signedIn("admin@a.example")
	admin.must("/backoffice/invoice-settings", http.StatusOK)
	if a := admin.post("/backoffice/invoice-settings", validSettingsForm()); a.status != http.StatusSeeOther {
		t.Fatal(a.status)
	}
	a = s.signedIn("admin@b.example").must("/backoffice/invoice-settings", http.StatusOK)
	mustContain(t, "merchant B's settings", a.body, `value="Bakeri Beta AS"`)
	if strings.Contains(a.body, `value="5402-9681"`) || strings.Contains(a.body, "Kafé Alfa") || strings.Contains(a.body, `name="round_to_whole_kronor"`) {
		t.Error("merchant B's page shows merchant A's settings or Swedish rounding")
	}
}

// norwegianSettingsForm is a complete, valid settings form for merchant B
// (Norwegian), with its bank fields (kontonummer, IBAN, BIC).
func norwegianSettingsForm() url.Values {
	return url.Values{
		"start_number": {"1"}, "company.name": {"Bakeri Beta AS"}, "company.organization_number": {"923609016"},
		"company.vat_number": {"NO923609016MVA"}, "bank_account": {"1234 56 78903"}, "iban": {"no93 8601 1117 947"},
		"bic": {"dnbanokk"}, "registered_in_foretaksregisteret": {"on"},
	}
}

// TestInvoiceSettingsBankFields: a Norwegian merchant saves its
// kontonummer, IBAN, BIC and Foretaksregisteret, checked as typed and
// refused beside their fields; a Swedish merchant sees no kontonummer or
// Foretaksregisteret but can save an IBAN.
func TestInvoiceSettingsBankFields(t *testing.T) {
	s := newStack(t)
	b := s.signedIn("admin@b.example")
	a := b.must("/backoffice/invoice-settings", http.StatusOK)
	mustContain(t, "Norwegian settings page", a.body, `name="bank_account"`, `name="iban"`, `name="bic"`,
		`name="registered_in_foretaksregisteret"`, `hx-post="/backoffice/invoice-settings/check?field=bank_account"`,
		`hx-post="/backoffice/invoice-settings/check?field=iban"`, "Kontonummer", "Registrert i Foretaksregisteret")

	check := func(field, value string) answer {
		form := norwegianSettingsForm()
		form.Set(field, value)
		return b.post("/backoffice/invoice-settings/check?field="+field, form)
	}
	if a := check("bank_account", "1234.56.78904"); a.status != http.StatusOK || !strings.Contains(a.body, `id="e-bank_account"`) ||
		!strings.Contains(a.body, "Kontrollsifferet stemmer ikke") {
		t.Fatalf("bad kontonummer check = %d\n%s", a.status, a.body)
	}
	if a := check("bank_account", "1234.56.78903"); strings.Contains(a.body, "field-error") || !strings.Contains(a.body, "check-ok") {
		t.Fatalf("good kontonummer check:\n%s", a.body)
	}
	if a := check("iban", "NO9486011117947"); !strings.Contains(a.body, `id="e-iban"`) {
		t.Fatalf("bad IBAN check:\n%s", a.body)
	}
	if a := check("iban", "NO93 8601 1117 947"); strings.Contains(a.body, "field-error") || !strings.Contains(a.body, "check-ok") {
		t.Fatalf("good IBAN check:\n%s", a.body)
	}

	for field, value := range map[string]string{"bank_account": "1234.56.78904", "iban": "NO938601111794", "bic": "DNB"} {
		form := norwegianSettingsForm()
		form.Set(field, value)
		if a := b.post("/backoffice/invoice-settings", form); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-`+field+`"`) ||
			!strings.Contains(a.body, `value="`+value+`"`) {
			t.Errorf("%s=%q = %d, want 422 naming the field", field, value, a.status)
		}
	}
	form := norwegianSettingsForm()
	form.Del("iban")
	if a := b.post("/backoffice/invoice-settings", form); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-bic"`) {
		t.Errorf("BIC without IBAN = %d, want 422 naming bic", a.status)
	}

	if a := b.post("/backoffice/invoice-settings", norwegianSettingsForm()); a.status != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", a.status, a.body)
	}
	st, _, err := s.store.GetInvoiceSettings(t.Context(), s.b)
	if err != nil {
		t.Fatal(err)
	}
	if st.BankAccount != "12345678903" || st.IBAN != "NO9386011117947" || st.BIC != "DNBANOKK" || !st.RegisteredInForetaksregisteret {
		t.Fatalf("saved %+v", st)
	}
	a = b.must("/backoffice/invoice-settings", http.StatusOK)
	mustContain(t, "page after saving", a.body, `value="1234.56.78903"`, `value="NO93 8601 1117 947"`, `value="DNBANOKK"`,
		`name="registered_in_foretaksregisteret" id="f-registered_in_foretaksregisteret" checked`)

	// Swedish: no kontonummer or Foretaksregisteret, IBAN and BIC saved.
	c := s.signedIn("admin@a.example")
	a = c.must("/backoffice/invoice-settings", http.StatusOK)
	mustContain(t, "Swedish settings page", a.body, `name="iban"`, `name="bic"`)
	if strings.Contains(a.body, `name="bank_account"`) || strings.Contains(a.body, `name="registered_in_foretaksregisteret"`) {
		t.Error("the Swedish page offers the Norwegian account number or Foretaksregisteret")
	}
	se := validSettingsForm()
	se.Set("iban", "SE45 5000 0000 0583 9825 7466")
	se.Set("bic", "ESSESESS")
	if a := c.post("/backoffice/invoice-settings", se); a.status != http.StatusSeeOther {
		t.Fatalf("Swedish save with IBAN = %d\n%s", a.status, a.body)
	}
	if st := s.settingsA(); st.IBAN != "SE4550000000058398257466" || st.BIC != "ESSESESS" || st.BankAccount != "" {
		t.Fatalf("Swedish saved %+v", st)
	}
	se.Set("bank_account", "12345678903")
	if a := c.post("/backoffice/invoice-settings", se); a.status != http.StatusUnprocessableEntity {
		t.Errorf("Swedish save with a kontonummer = %d, want 422", a.status)
	}
}

// TestInvoiceSettingsPeppolID: the seller's Peppol id is on the settings
// page, checked as it is typed, refused beside the field in the user's
// language, and saved as scheme:value.
func TestInvoiceSettingsPeppolID(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	mustContain(t, "settings page", c.must("/backoffice/invoice-settings", http.StatusOK).body, `name="peppol_id"`, "Peppol-ID")
	for _, tt := range []struct{ value, text string }{
		{"0007:5561034248", "Kontrollsiffran stämmer inte."},
		{"9999:1", "Identifierartypen"},
		{"5561034249", "Numret har inte rätt format."},
	} {
		form := validSettingsForm()
		form.Set("peppol_id", tt.value)
		a := c.post("/backoffice/invoice-settings/check?field=peppol_id", form)
		mustContain(t, "check "+tt.value, a.body, `id="e-peppol_id"`, tt.text)
		a = c.post("/backoffice/invoice-settings", form)
		if a.status != http.StatusUnprocessableEntity {
			t.Errorf("save %q = %d, want 422", tt.value, a.status)
		}
		mustContain(t, "save "+tt.value, a.body, `id="e-peppol_id"`, tt.text)
	}
	form := validSettingsForm()
	form.Set("peppol_id", "0007:556103-4249")
	if a := c.post("/backoffice/invoice-settings", form); a.status != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", a.status, a.body)
	}
	if got := s.settingsA().PeppolID; got != "0007:5561034249" {
		t.Fatalf("saved Peppol id %q", got)
	}
	mustContain(t, "settings page after saving", c.must("/backoffice/invoice-settings", http.StatusOK).body, `value="0007:5561034249"`)
}

// A VAT number of another company or country is refused
// beside its field, in the user's language, with the number the
// organization number has; nothing is saved.
func TestInvoiceSettingsVATNumberMustMatch(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/invoice-settings", http.StatusOK)
	before := s.settingsA()
	for value, want := range map[string]string{
		"SE556016068001": "Momsregistreringsnumret hör inte till organisationsnumret; det ska vara SE556103424901.",
		"NO991825827MVA": "Numret hör till ett annat land än företagets.",
	} {
		form := validSettingsForm()
		form.Set("company.vat_number", value)
		a := c.post("/backoffice/invoice-settings", form)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-company.vat_number"`) {
			t.Errorf("%s: %d, want 422 beside the VAT number", value, a.status)
		}
		mustContain(t, value, a.body, want)
		if a := c.post("/backoffice/invoice-settings/check?field=company.vat_number", form); !strings.Contains(a.body, want) {
			t.Errorf("inline check of %s:\n%s", value, a.body)
		}
	}
	if st := s.settingsA(); !reflect.DeepEqual(st, before) {
		t.Fatalf("a refused save changed the settings: %+v", st)
	}
}
