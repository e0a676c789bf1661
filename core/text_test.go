package core

import (
	"context"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestTextError(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         string
		max       int
		multiline bool
		bad       bool
	}{
		{"empty", "", 10, false, false},
		{"at the limit", strings.Repeat("a", 10), 10, false, false},
		{"over the limit", strings.Repeat("a", 11), 10, false, true},
		{"runes, not bytes", strings.Repeat("ö", 10), 10, false, false},
		{"NUL", "a\x00b", 10, false, true},
		{"escape", "a\x1bb", 10, false, true},
		{"DEL", "a\x7fb", 10, false, true},
		{"C1", "a\u0085b", 10, false, true},
		{"line separator", "a\u2028b", 10, true, true},
		{"newline in a one-line field", "a\nb", 10, false, true},
		{"tab in a one-line field", "a\tb", 10, false, true},
		{"newline and tab in a multi-line field", "a\n\tb\r\n", 10, true, false},
		{"NUL in a multi-line field", "a\x00", 10, true, true},
		{"invalid UTF-8", "a\xffb", 10, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := TextError("f", tc.s, tc.max, tc.multiline)
			if (got != nil) != tc.bad {
				t.Fatalf("TextError(%q) = %v, want bad=%v", tc.s, got, tc.bad)
			}
			if got != nil && got.Field != "f" {
				t.Fatalf("field = %q, want f", got.Field)
			}
		})
	}
}

// TestTextErrorMessages pins which problem a text with several is reported
// by: invalid UTF-8 first, then length, then control characters, and that
// a valid U+FFFD is not mistaken for invalid UTF-8.
func TestTextErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		s         string
		max       int
		multiline bool
		want      string
	}{
		{strings.Repeat("a", 20) + "\x00\xff", 10, false, "must be valid UTF-8"},
		{"\x00" + strings.Repeat("a", 20), 10, false, "must be at most 10 characters"},
		{"a\x00b", 10, false, "must not contain control characters"},
		{"a\x00b", 10, true, "must not contain control characters other than tab and newline"},
		{"a\uFFFDb", 10, false, ""},
	} {
		got := ""
		if fe := TextError("f", tc.s, tc.max, tc.multiline); fe != nil {
			got = fe.Message
		}
		if got != tc.want {
			t.Errorf("TextError(%q, %d, %v) = %q, want %q", tc.s, tc.max, tc.multiline, got, tc.want)
		}
	}
}

// wantOnlyField asserts err is CodeInvalid naming field (and nothing else).
func wantOnlyField(t *testing.T, err error, field string) {
	t.Helper()
	e := AsError(err)
	if e == nil || e.Code != CodeInvalid || e.Syntax {
		t.Fatalf("err = %v, want invalid (422) naming %s", err, field)
	}
	if len(e.Fields) != 1 || e.Fields[0].Field != field {
		t.Fatalf("fields = %+v, want exactly %s", e.Fields, field)
	}
}

func TestCustomerTextFields(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n+1) }
	for _, tc := range []struct {
		field string
		set   func(*Customer, string)
		max   int
	}{
		{"name", func(c *Customer, s string) { c.Name = s }, MaxNameLength},
		{"email", func(c *Customer, s string) { c.Email = s }, MaxEmailLength},
		{"phone", func(c *Customer, s string) { c.Phone = s }, MaxPhoneLength},
		{"organization_number", func(c *Customer, s string) { c.OrganizationNumber = s }, MaxOrganizationNumberLength},
		{"billing_address.line1", func(c *Customer, s string) { c.BillingAddress.Line1 = s }, MaxAddressLineLength},
		{"billing_address.line2", func(c *Customer, s string) { c.BillingAddress.Line2 = s }, MaxAddressLineLength},
		{"billing_address.postal_code", func(c *Customer, s string) { c.BillingAddress.PostalCode = s }, MaxPostalCodeLength},
		{"billing_address.city", func(c *Customer, s string) { c.BillingAddress.City = s }, MaxCityLength},
		{"billing_address.country", func(c *Customer, s string) { c.BillingAddress.Country = s }, MaxCountryLength},
		{"parent_customer_id", func(c *Customer, s string) { c.ParentCustomerID = s }, MaxIDLength},
		{"purchase_instruction", func(c *Customer, s string) { c.PurchaseInstruction = s }, MaxPurchaseInstructionLen},
		{"vat_number", func(c *Customer, s string) { c.VATNumber = s }, MaxVATNumberLength},
		{"peppol_id", func(c *Customer, s string) { c.PeppolID = s }, MaxPeppolIDLength},
		{"buyer_reference", func(c *Customer, s string) { c.BuyerReference = s }, MaxBuyerReferenceLength},
	} {
		t.Run(tc.field+"/too long", func(t *testing.T) {
			c := Customer{Name: "Snickeri Ek AB"}
			tc.set(&c, long(tc.max))
			wantOnlyField(t, c.Validate(), tc.field)
		})
		t.Run(tc.field+"/control character", func(t *testing.T) {
			c := Customer{Name: "Snickeri Ek AB"}
			tc.set(&c, "a\x00b")
			wantOnlyField(t, c.Validate(), tc.field)
		})
	}
	c := Customer{Name: "Snickeri Ek AB", PurchaseInstruction: "Line one\nLine two\tindented"}
	if err := c.Validate(); err != nil {
		t.Fatalf("a multi-line purchase instruction: %v", err)
	}
}

func TestChargeAndDraftTextFields(t *testing.T) {
	base := func() ChargeRequest {
		return ChargeRequest{CustomerID: "c1", LocationID: "store-1", ReceiptID: "r1",
			Lines: []LineInput{
				{Description: "Kaffe", Quantity: decimal.NewFromInt(1), UnitPrice: 100, VATRate: decimal.NewFromInt(6)},
				{Description: "Bulle", Quantity: decimal.NewFromInt(1), UnitPrice: 100, VATRate: decimal.NewFromInt(6)},
			}}
	}
	for _, tc := range []struct {
		field string
		set   func(*ChargeRequest, string)
		max   int
		draft bool // also a draft field
	}{
		{"customer_id", func(r *ChargeRequest, s string) { r.CustomerID = s }, MaxIDLength, true},
		{"location_id", func(r *ChargeRequest, s string) { r.LocationID = s }, MaxIDLength, false},
		{"receipt_id", func(r *ChargeRequest, s string) { r.ReceiptID = s }, MaxReceiptIDLength, false},
		{"reference", func(r *ChargeRequest, s string) { r.Reference = s }, MaxReferenceLength, true},
		{"comment", func(r *ChargeRequest, s string) { r.Comment = s }, MaxCommentLength, true},
		{"lines[1].description", func(r *ChargeRequest, s string) { r.Lines[1].Description = s }, MaxLineDescriptionLength, true},
		{"lines[1].product_group", func(r *ChargeRequest, s string) { r.Lines[1].ProductGroup = s }, MaxProductGroupLength, true},
	} {
		for _, v := range []struct{ name, s string }{
			{"too long", strings.Repeat("x", tc.max+1)},
			{"control character", "a\x01b"},
		} {
			t.Run(tc.field+"/"+v.name, func(t *testing.T) {
				r := base()
				tc.set(&r, v.s)
				wantOnlyField(t, r.Validate(Sweden), tc.field)
				if tc.draft {
					d := DraftRequest{CustomerID: r.CustomerID, Reference: r.Reference, Comment: r.Comment, Lines: r.Lines}
					wantOnlyField(t, d.Validate(Sweden), tc.field)
				}
			})
		}
	}
	r := base()
	r.Comment = "Fika\nfor the workshop"
	if err := r.Validate(Sweden); err != nil {
		t.Fatalf("a multi-line comment: %v", err)
	}
}

func TestRefundTextFields(t *testing.T) {
	for _, id := range []string{strings.Repeat("x", MaxIDLength+1), "inv\x00"} {
		wantOnlyField(t, RefundRequest{InvoiceID: id}.Validate(), "invoice_id")
	}
}

func TestInvoiceSettingsTextFields(t *testing.T) {
	base := func() InvoiceSettings {
		return InvoiceSettings{StartNumber: 1, Company: Company{Name: "Kafé Linnea AB"}}
	}
	for _, tc := range []struct {
		field string
		set   func(*InvoiceSettings, string)
		max   int
	}{
		{"late_interest_text", func(s *InvoiceSettings, v string) { s.LateInterestText = v }, MaxInvoiceTextLength},
		{"payment_reference_text", func(s *InvoiceSettings, v string) { s.PaymentReferenceText = v }, MaxInvoiceTextLength},
		{"bankgiro", func(s *InvoiceSettings, v string) { s.Bankgiro = v }, MaxGiroLength},
		{"plusgiro", func(s *InvoiceSettings, v string) { s.Plusgiro = v }, MaxGiroLength},
		{"bank_account", func(s *InvoiceSettings, v string) { s.BankAccount = v }, MaxBankAccountLength},
		{"iban", func(s *InvoiceSettings, v string) { s.IBAN = v }, MaxIBANLength},
		{"bic", func(s *InvoiceSettings, v string) { s.BIC = v }, MaxBICLength},
		{"company.name", func(s *InvoiceSettings, v string) { s.Company.Name = v }, MaxNameLength},
		{"company.organization_number", func(s *InvoiceSettings, v string) { s.Company.OrganizationNumber = v }, MaxOrganizationNumberLength},
		{"company.vat_number", func(s *InvoiceSettings, v string) { s.Company.VATNumber = v }, MaxVATNumberLength},
		{"company.email", func(s *InvoiceSettings, v string) { s.Company.Email = v }, MaxEmailLength},
		{"company.phone", func(s *InvoiceSettings, v string) { s.Company.Phone = v }, MaxPhoneLength},
		{"company.address.line1", func(s *InvoiceSettings, v string) { s.Company.Address.Line1 = v }, MaxAddressLineLength},
		{"company.address.line2", func(s *InvoiceSettings, v string) { s.Company.Address.Line2 = v }, MaxAddressLineLength},
		{"company.address.postal_code", func(s *InvoiceSettings, v string) { s.Company.Address.PostalCode = v }, MaxPostalCodeLength},
		{"company.address.city", func(s *InvoiceSettings, v string) { s.Company.Address.City = v }, MaxCityLength},
		{"company.address.country", func(s *InvoiceSettings, v string) { s.Company.Address.Country = v }, MaxCountryLength},
		{"peppol_id", func(s *InvoiceSettings, v string) { s.PeppolID = v }, MaxPeppolIDLength},
	} {
		for _, v := range []struct{ name, s string }{
			{"too long", strings.Repeat("1", tc.max+1)},
			{"control character", "1\x00"},
		} {
			t.Run(tc.field+"/"+v.name, func(t *testing.T) {
				s := base()
				tc.set(&s, v.s)
				_, err := CheckInvoiceSettings(Sweden, s)
				wantOnlyField(t, err, tc.field)
			})
		}
	}
	s := base()
	s.AccountantCopy = AccountantCopy{Enabled: true, Emails: []string{"a@example.se", strings.Repeat("a", MaxEmailLength) + "@example.se"}}
	_, err := CheckInvoiceSettings(Sweden, s)
	wantOnlyField(t, err, "accountant_copy.emails[1]")
}

func TestSearchAndAPIKeyTextFields(t *testing.T) {
	e, _, p := newTestEngine(t)
	ctx := context.Background()
	for _, q := range []string{strings.Repeat("snickeri ", 7000), "a\x00"} {
		_, err := e.SearchCustomers(ctx, p[RoleCashier], CustomerQuery{Q: q})
		wantOnlyField(t, err, "q")
	}
	for _, name := range []string{strings.Repeat("k", MaxAPIKeyNameLength+1), "till\x00"} {
		_, _, err := e.CreateAPIKey(ctx, p[RoleAdmin], name, RoleCashier)
		wantOnlyField(t, err, "name")
	}
}

func TestRefundQuantityPrecision(t *testing.T) {
	for _, q := range []string{"0.0000001", "1.0001"} {
		r := RefundRequest{InvoiceID: "inv_1", Lines: []CreditLine{{Line: 0, Quantity: decimal.NewFromInt(1)}, {Line: 1, Quantity: decimal.RequireFromString(q)}}}
		wantOnlyField(t, r.Validate(), "lines[1].quantity")
	}
	r := RefundRequest{InvoiceID: "inv_1", Lines: []CreditLine{{Line: 0, Quantity: decimal.RequireFromString("0.125")}}}
	if err := r.Validate(); err != nil {
		t.Fatalf("3 decimals: %v", err)
	}
}

func TestInvoiceStartNumberIsBounded(t *testing.T) {
	s := InvoiceSettings{StartNumber: 9223372036854775000, Company: Company{Name: "Kafé Linnea AB"}}
	_, err := CheckInvoiceSettings(Sweden, s)
	wantOnlyField(t, err, "start_number")
	s.StartNumber = MaxInvoiceStartNumber
	if _, err := CheckInvoiceSettings(Sweden, s); err != nil {
		t.Fatalf("the largest start number: %v", err)
	}
	e, _, _ := newTestEngine(t)
	_, err = e.CreateMerchant(context.Background(), NewMerchant{Name: "Stor AB", Country: Sweden, InvoiceStartNumber: MaxInvoiceStartNumber + 1})
	wantOnlyField(t, err, "invoice_start_number")
}

func TestFitPage(t *testing.T) {
	size := func(n int) int { return n }
	for _, tc := range []struct {
		name  string
		rows  []int
		limit int
		want  int
	}{
		{"fewer than the limit", []int{10, 10}, 5, 2},
		{"limit+1 rows", []int{10, 10, 10}, 2, 2},
		{"bytes cut before the limit", []int{MaxPageBytes / 2, MaxPageBytes / 2, 1, 1}, 10, 2},
		{"one huge row is served alone", []int{2 * MaxPageBytes, 1}, 10, 1},
		{"exactly the budget", []int{MaxPageBytes - 1, 1, 1}, 10, 2},
		{"empty", nil, 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FitPage(tc.rows, tc.limit, size); got != tc.want {
				t.Fatalf("FitPage = %d, want %d", got, tc.want)
			}
		})
	}
}
