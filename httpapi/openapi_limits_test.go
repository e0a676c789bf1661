package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// textLimits are the maxLength openapi.json must document for each request
// text field, by schema and property: core's constants, so the document and
// the validation cannot drift apart.
var textLimits = map[string]map[string]int{
	"Address": {"line1": core.MaxAddressLineLength, "line2": core.MaxAddressLineLength,
		"postal_code": core.MaxPostalCodeLength, "city": core.MaxCityLength, "country": core.MaxCountryLength},
	"CustomerInput": customerLimits,
	"CustomerPatch": customerLimits,
	"LineInput":     {"description": core.MaxLineDescriptionLength, "product_group": core.MaxProductGroupLength},
	"ChargeRequest": {"customer_id": core.MaxIDLength, "location_id": core.MaxIDLength, "receipt_id": core.MaxReceiptIDLength,
		"reference": core.MaxReferenceLength, "comment": core.MaxCommentLength},
	"APIKeyRequest": {"name": core.MaxAPIKeyNameLength},
	"Company": {"name": core.MaxNameLength, "organization_number": core.MaxOrganizationNumberLength,
		"vat_number": core.MaxVATNumberLength, "email": core.MaxEmailLength, "phone": core.MaxPhoneLength},
	"InvoiceSettings": {"late_interest_text": core.MaxInvoiceTextLength, "payment_reference_text": core.MaxInvoiceTextLength,
		"bankgiro": core.MaxGiroLength, "plusgiro": core.MaxGiroLength, "bank_account": core.MaxBankAccountLength,
		"iban": core.MaxIBANLength, "bic": core.MaxBICLength, "peppol_id": core.MaxPeppolIDLength},
	"DraftRequest":       {"customer_id": core.MaxIDLength, "reference": core.MaxReferenceLength, "comment": core.MaxCommentLength},
	"RefundRequest":      {"invoice_id": core.MaxIDLength, "order_id": core.MaxIDLength},
	"IntegrationRequest": {"provider": core.MaxIDLength},
	"SalesLine":          {"product_group": core.MaxProductGroupLength},
	"SalesPayment":       {"method": core.MaxPaymentMethodLength},
	"SalesReceipt":       {"receipt_id": core.MaxReceiptIDLength, "location_id": core.MaxIDLength},
	"DayKey":             {"location_id": core.MaxIDLength},
	"RunRequest":         {"location_id": core.MaxIDLength},
	"PaymentMethod":      {"method": core.MaxPaymentMethodLength},
	"NewLedgerAccount":   {"number": core.MaxLedgerAccountNumberLength, "name": core.MaxLedgerAccountNameLength},
}

var customerLimits = map[string]int{"name": core.MaxNameLength, "organization_number": core.MaxOrganizationNumberLength,
	"email": core.MaxEmailLength, "phone": core.MaxPhoneLength, "parent_customer_id": core.MaxIDLength,
	"purchase_instruction": core.MaxPurchaseInstructionLen, "vat_number": core.MaxVATNumberLength,
	"peppol_id": core.MaxPeppolIDLength, "buyer_reference": core.MaxBuyerReferenceLength}

type schemaLimit struct {
	Type      string            `json:"type"`
	MaxLength *int              `json:"maxLength"`
	Enum      []string          `json:"enum"`
	Format    string            `json:"format"`
	Items     *schemaLimit      `json:"items"`
	AddProps  json.RawMessage   `json:"additionalProperties"`
	OneOf     []json.RawMessage `json:"oneOf"`
}

// TestOpenAPITextLimitsAreCores: every request text field documents a
// maxLength equal to the core constant that enforces it, and no string
// property of a request body is left without one (unless it is an enum or
// a date, which are bounded by their values).
func TestOpenAPITextLimitsAreCores(t *testing.T) {
	doc := loadOpenAPI(t)
	for schema, props := range textLimits {
		s, ok := doc.Components.Schemas[schema]
		if !ok {
			t.Errorf("openapi.json has no schema %s", schema)
			continue
		}
		for prop, want := range props {
			var p schemaLimit
			if err := json.Unmarshal(s.Properties[prop], &p); err != nil {
				t.Errorf("%s.%s: %v", schema, prop, err)
				continue
			}
			if p.MaxLength == nil || *p.MaxLength != want {
				t.Errorf("%s.%s maxLength = %v, want %d (core)", schema, prop, p.MaxLength, want)
			}
		}
		for prop, raw := range s.Properties {
			var p schemaLimit
			_ = json.Unmarshal(raw, &p)
			// currency must equal the merchant's: bounded by its value.
			if p.Type == "string" && p.Enum == nil && p.Format != "date" && props[prop] == 0 && prop != "currency" {
				t.Errorf("%s.%s is a request string without a limit in textLimits", schema, prop)
			}
		}
	}
	var emails schemaLimit
	_ = json.Unmarshal(doc.Components.Schemas["AccountantCopy"].Properties["emails"], &emails)
	if emails.Items == nil || emails.Items.MaxLength == nil || *emails.Items.MaxLength != core.MaxEmailLength {
		t.Errorf("AccountantCopy.emails items maxLength, want %d", core.MaxEmailLength)
	}
	var methods struct {
		MaxItems int `json:"maxItems"`
	}
	_ = json.Unmarshal(doc.Components.Schemas["PaymentMethods"].Properties["payment_methods"], &methods)
	if methods.MaxItems != core.MaxPaymentMethods {
		t.Errorf("PaymentMethods.payment_methods maxItems = %d, want %d", methods.MaxItems, core.MaxPaymentMethods)
	}
	var locations struct {
		MaxItems int          `json:"maxItems"`
		Items    *schemaLimit `json:"items"`
	}
	_ = json.Unmarshal(doc.Components.Schemas["PaymentMethod"].Properties["location_ids"], &locations)
	if locations.MaxItems != core.MaxPaymentMethodLocations || locations.Items == nil || locations.Items.MaxLength == nil ||
		*locations.Items.MaxLength != core.MaxIDLength {
		t.Errorf("PaymentMethod.location_ids: maxItems %d, items %+v; want %d items of maxLength %d",
			locations.MaxItems, locations.Items, core.MaxPaymentMethodLocations, core.MaxIDLength)
	}
	var start struct {
		Maximum int64 `json:"maximum"`
	}
	_ = json.Unmarshal(doc.Components.Schemas["InvoiceSettings"].Properties["start_number"], &start)
	if start.Maximum != core.MaxInvoiceStartNumber {
		t.Errorf("InvoiceSettings.start_number maximum = %d, want %d", start.Maximum, core.MaxInvoiceStartNumber)
	}
}
