package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestInvoiceSettings(t *testing.T) {
	s := newStack(t)
	admin, acct := s.a.key(core.RoleAdmin), s.a.key(core.RoleAccountant)
	runScenarios(t, s, []scenario{
		{name: "a new merchant's defaults", method: "GET", path: "/v1/invoice-settings", key: acct, wantStatus: 200,
			wantBody: []string{`"start_number":1001`, `"name":"Kafé Alfa AB"`, `"auto_send":false`}},
		{name: "bad giro and org numbers are each named", method: "PUT", path: "/v1/invoice-settings", key: admin,
			body: `{"start_number":1001,"bankgiro":"5402-9682","plusgiro":"410 54 68-6",
				"company":{"name":"Kafé Alfa AB","organization_number":"556016-0681","email":"not an address"},
				"accountant_copy":{"enabled":true,"emails":[]}}`,
			wantStatus: 422,
			wantBody: []string{`"code":"invalid"`, `"field":"bankgiro"`, `"field":"plusgiro"`,
				`"field":"company.organization_number"`, `"field":"company.email"`, `"field":"accountant_copy.emails"`},
			notBody: []string{`"field":"start_number"`, `"field":"company.name"`}},
		{name: "start number and company name are required", method: "PUT", path: "/v1/invoice-settings", key: admin,
			body: `{"start_number":0,"company":{"name":" "}}`, wantStatus: 422,
			wantBody: []string{`"field":"start_number"`, `"field":"company.name"`}},
		{name: "an unknown field is 400", method: "PUT", path: "/v1/invoice-settings", key: admin,
			body: `{"start_number":1001,"company":{"name":"A","fax":"x"},"logo":"x"}`, wantStatus: 400,
			wantBody: []string{`"field":"company.fax"`, `"field":"logo"`}},
		{name: "a wrong type is 400", method: "PUT", path: "/v1/invoice-settings", key: admin,
			body: `{"start_number":"1001","company":{"name":"A"}}`, wantStatus: 400,
			wantBody: []string{`"field":"start_number"`}},
		{name: "a bad Peppol id is named", method: "PUT", path: "/v1/invoice-settings", key: admin,
			body: `{"start_number":1001,"peppol_id":"0007:5560160681","company":{"name":"Kafé Alfa AB"}}`, wantStatus: 422,
			wantBody: []string{`"field":"peppol_id"`}},
		{name: "the refused settings were not saved", method: "GET", path: "/v1/invoice-settings", key: admin, wantStatus: 200,
			notBody: []string{"5402-9682", "5560160681"}},
		{name: "the Peppol id is saved as scheme:value", method: "PUT", path: "/v1/invoice-settings", key: admin,
			body: `{"start_number":1001,"peppol_id":" 0007:556016-0680 ","company":{"name":"Kafé Alfa AB"}}`, wantStatus: 200,
			wantBody: []string{`"peppol_id":"0007:5560160680"`}},
		{name: "and read back", method: "GET", path: "/v1/invoice-settings", key: acct, wantStatus: 200,
			wantBody: []string{`"peppol_id":"0007:5560160680"`}},
	})

	// Saved whole, numbers normalised.
	s.run(t, scenario{name: "valid settings", method: "PUT", path: "/v1/invoice-settings", key: admin,
		body: strings.Replace(validSettings, `"plusgiro":""`, `"plusgiro":"2865434"`, 1), wantStatus: 200,
		wantBody: []string{`"bankgiro":"5402-9681"`, `"plusgiro":"28 65 43-4"`, `"organization_number":"5560160680"`,
			`"f_tax_approved":true`, `"email":"faktura@alfa.example"`}})
	s.run(t, scenario{name: "read back", method: "GET", path: "/v1/invoice-settings", key: acct, wantStatus: 200,
		wantBody: []string{`"bankgiro":"5402-9681"`, `"plusgiro":"28 65 43-4"`, `"late_interest_text":"Dröjsmålsränta enligt räntelagen"`}})

	// The series may move while only drafts exist ...
	cust := s.createCustomer(s.a, `{"name":"Serie AB"}`)
	s.createDraft(s.a, draftBody(cust.ID, 1000))
	moved := strings.Replace(validSettings, `"start_number":1001`, `"start_number":5001`, 1)
	s.run(t, scenario{name: "start number moves before the first posted invoice", method: "PUT", path: "/v1/invoice-settings",
		key: admin, body: moved, wantStatus: 200, wantBody: []string{`"start_number":5001`}})
	first := s.charge(s.a, "settings-1", chargeBody(cust.ID, 1000, "r1")).Invoice
	if first.Number != 5001 {
		t.Errorf("first invoice after moving the series is %d, want 5001", first.Number)
	}
	// ... but not once an invoice is posted.
	s.run(t, scenario{name: "start number is fixed after the first posted invoice", method: "PUT", path: "/v1/invoice-settings",
		key: admin, body: validSettings, wantStatus: 409,
		wantBody: []string{`"code":"conflict"`, `"field":"start_number"`}})
	s.run(t, scenario{name: "other settings still change", method: "PUT", path: "/v1/invoice-settings", key: admin,
		body: strings.Replace(moved, `"auto_send":false`, `"auto_send":true`, 1), wantStatus: 200,
		wantBody: []string{`"start_number":5001`, `"auto_send":true`}})
	s.run(t, scenario{name: "another merchant's settings are its own", method: "GET", path: "/v1/invoice-settings",
		key: s.b.key(core.RoleAdmin), wantStatus: 200,
		wantBody: []string{`"start_number":1001`, `"name":"Bageri Beta AB"`}, notBody: []string{"5402-9681"}})
}

// A Norwegian merchant's kontonummer, IBAN, BIC and
// Foretaksregisteret round-trip in snake_case, normalised; bad ones are
// each named, 422, and Swedish merchants cannot set the Norwegian ones.
func TestInvoiceSettingsBankFields(t *testing.T) {
	s := newStack(t)
	cm, err := s.engine.CreateMerchant(context.Background(), core.NewMerchant{Name: "Kafé Fjord AS", Country: core.Norway, InvoiceStartNumber: 1001})
	if err != nil {
		t.Fatal(err)
	}
	no := testMerchant{id: cm.Merchant.ID, keys: cm.APIKeys}
	admin := no.key(core.RoleAdmin)
	body := `{"start_number":1001,"bank_account":"1234 56 78903","iban":"no93 8601 1117 947","bic":"dnbanokk",
		"registered_in_foretaksregisteret":true,
		"company":{"name":"Kafé Fjord AS","organization_number":"923609016","vat_number":"NO923609016MVA"}}`
	runScenarios(t, s, []scenario{
		{name: "bad bank fields are each named", method: "PUT", path: "/v1/invoice-settings", key: admin,
			body: `{"start_number":1001,"bank_account":"1234.56.78904","iban":"NO9486011117947","bic":"DNB",
				"company":{"name":"Kafé Fjord AS"}}`, wantStatus: 422,
			wantBody: []string{`"code":"invalid"`, `"field":"bank_account"`, `"field":"iban"`, `"field":"bic"`}},
		{name: "saved normalised", method: "PUT", path: "/v1/invoice-settings", key: admin, body: body, wantStatus: 200,
			wantBody: []string{`"bank_account":"12345678903"`, `"iban":"NO9386011117947"`, `"bic":"DNBANOKK"`,
				`"registered_in_foretaksregisteret":true`}},
		{name: "read back", method: "GET", path: "/v1/invoice-settings", key: no.key(core.RoleAccountant), wantStatus: 200,
			wantBody: []string{`"bank_account":"12345678903"`, `"iban":"NO9386011117947"`, `"bic":"DNBANOKK"`,
				`"registered_in_foretaksregisteret":true`}},
		{name: "a Swedish merchant has no kontonummer or Foretaksregisteret", method: "PUT", path: "/v1/invoice-settings",
			key: s.a.key(core.RoleAdmin), body: strings.Replace(validSettings, `"plusgiro":""`,
				`"plusgiro":"","bank_account":"12345678903","registered_in_foretaksregisteret":true,"iban":"SE4550000000058398257466"`, 1),
			wantStatus: 422, wantBody: []string{`"field":"bank_account"`, `"field":"registered_in_foretaksregisteret"`},
			notBody: []string{`"field":"iban"`}},
	})
}

// A VAT number that is not the organization number's, or
// not of the merchant's country, is refused naming company.vat_number; the
// saved settings stay as they were.
func TestInvoiceSettingsVATNumberMustMatch(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	before := s.run(t, scenario{name: "saved", method: "GET", path: "/v1/invoice-settings", key: admin, wantStatus: 200})
	for _, vat := range []string{"SE202100548901", "NO991825827MVA"} {
		s.run(t, scenario{name: vat, method: "PUT", path: "/v1/invoice-settings", key: admin,
			body:       `{"start_number":1001,"company":{"name":"Kafé Alfa AB","organization_number":"5560160680","vat_number":"` + vat + `"}}`,
			wantStatus: 422, wantBody: []string{`"code":"invalid"`, `"field":"company.vat_number"`}})
	}
	s.run(t, scenario{name: "unchanged", method: "GET", path: "/v1/invoice-settings", key: admin, wantStatus: 200,
		wantBody: []string{before.body}})
}
