package core

import (
	"net/mail"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/nordic"
)

// Address is a postal address.
type Address struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"`
}

// CollectiveInvoicing combines a customer's purchases into one invoice on a
// day of the month and/or when the outstanding amount passes Threshold
// (minor units).
type CollectiveInvoicing struct {
	Enabled    bool  `json:"enabled"`
	DayOfMonth int   `json:"day_of_month"`
	Threshold  int64 `json:"threshold"`
}

// Customer is an invoice customer of a merchant. Its ID is the owning
// provider's identifier; Number is the customer number shown to people.
type Customer struct {
	ID                  string              `json:"id"`
	Number              string              `json:"customer_number"`
	Name                string              `json:"name"`
	OrganizationNumber  string              `json:"organization_number"`
	Email               string              `json:"email"`
	Phone               string              `json:"phone"`
	BillingAddress      Address             `json:"billing_address"`
	Active              bool                `json:"active"`
	InvoicingEnabled    bool                `json:"invoicing_enabled"`
	DueDays             int                 `json:"due_days"`
	ParentCustomerID    string              `json:"parent_customer_id"`
	PurchaseInstruction string              `json:"purchase_instruction"`
	CollectiveInvoicing CollectiveInvoicing `json:"collective_invoicing"`
	// VATNumber is the buyer's VAT identification number in its canonical
	// form (nordic.ValidateBuyerVATNumber): SE556016068001,
	// NO991825827MVA, DE123456789, ... Printed on the invoice and required
	// by the reverse-charge and intra-community treatments (see
	// CheckVATTreatment).
	VATNumber string `json:"vat_number"`
	// PeppolID is the buyer's Peppol participant identifier, the
	// electronic address of an e-invoice, "scheme:value" in canonical
	// form (nordic.ParseParticipantID): 0007:5560160680, 0192:991825827.
	PeppolID string `json:"peppol_id"`
	// BuyerReference is the reference a (public) buyer asks to find on
	// every invoice (EN 16931 BT-10), free text.
	BuyerReference string `json:"buyer_reference"`
	// InvoiceDelivery says how the customer receives invoices: e-mail
	// (also when empty) or Peppol e-invoice, which needs PeppolID.
	InvoiceDelivery InvoiceDelivery `json:"invoice_delivery"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// CustomerPatch changes the non-nil fields of a customer.
type CustomerPatch struct {
	Name                *string              `json:"name,omitempty"`
	OrganizationNumber  *string              `json:"organization_number,omitempty"`
	Email               *string              `json:"email,omitempty"`
	Phone               *string              `json:"phone,omitempty"`
	BillingAddress      *Address             `json:"billing_address,omitempty"`
	Active              *bool                `json:"active,omitempty"`
	InvoicingEnabled    *bool                `json:"invoicing_enabled,omitempty"`
	DueDays             *int                 `json:"due_days,omitempty"`
	ParentCustomerID    *string              `json:"parent_customer_id,omitempty"`
	PurchaseInstruction *string              `json:"purchase_instruction,omitempty"`
	CollectiveInvoicing *CollectiveInvoicing `json:"collective_invoicing,omitempty"`
	VATNumber           *string              `json:"vat_number,omitempty"`
	PeppolID            *string              `json:"peppol_id,omitempty"`
	BuyerReference      *string              `json:"buyer_reference,omitempty"`
	InvoiceDelivery     *InvoiceDelivery     `json:"invoice_delivery,omitempty"`
}

// InvoiceDelivery is how a customer receives invoices.
type InvoiceDelivery string

// Invoice deliveries.
const (
	// DeliveryEmail e-mails the invoice PDF: the default, also for "".
	DeliveryEmail InvoiceDelivery = "email"
	// DeliveryPeppol sends a Peppol BIS Billing 3.0 e-invoice to the
	// customer's PeppolID.
	DeliveryPeppol InvoiceDelivery = "peppol"
)

// Valid reports whether d is a delivery ("" counts as DeliveryEmail).
func (d InvoiceDelivery) Valid() bool { return d == "" || d == DeliveryEmail || d == DeliveryPeppol }

// Delivery is how the customer receives invoices: DeliveryEmail when
// InvoiceDelivery is empty (customers stored before it existed, or of a
// provider that does not keep it).
func (c Customer) Delivery() InvoiceDelivery {
	if c.InvoiceDelivery == "" {
		return DeliveryEmail
	}
	return c.InvoiceDelivery
}

// Customer field names as used in CustomerPatch JSON and in
// Capabilities.AdjustableCustomerFields.
const (
	FieldName                = "name"
	FieldOrganizationNumber  = "organization_number"
	FieldEmail               = "email"
	FieldPhone               = "phone"
	FieldBillingAddress      = "billing_address"
	FieldActive              = "active"
	FieldInvoicingEnabled    = "invoicing_enabled"
	FieldDueDays             = "due_days"
	FieldParentCustomerID    = "parent_customer_id"
	FieldPurchaseInstruction = "purchase_instruction"
	FieldCollectiveInvoicing = "collective_invoicing"
	FieldVATNumber           = "vat_number"
	FieldPeppolID            = "peppol_id"
	FieldBuyerReference      = "buyer_reference"
	FieldInvoiceDelivery     = "invoice_delivery"
)

// Fields returns the names of the fields the patch sets.
func (p CustomerPatch) Fields() []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(p.Name != nil, FieldName)
	add(p.OrganizationNumber != nil, FieldOrganizationNumber)
	add(p.Email != nil, FieldEmail)
	add(p.Phone != nil, FieldPhone)
	add(p.BillingAddress != nil, FieldBillingAddress)
	add(p.Active != nil, FieldActive)
	add(p.InvoicingEnabled != nil, FieldInvoicingEnabled)
	add(p.DueDays != nil, FieldDueDays)
	add(p.ParentCustomerID != nil, FieldParentCustomerID)
	add(p.PurchaseInstruction != nil, FieldPurchaseInstruction)
	add(p.CollectiveInvoicing != nil, FieldCollectiveInvoicing)
	add(p.VATNumber != nil, FieldVATNumber)
	add(p.PeppolID != nil, FieldPeppolID)
	add(p.BuyerReference != nil, FieldBuyerReference)
	add(p.InvoiceDelivery != nil, FieldInvoiceDelivery)
	return out
}

// Apply returns c with the patch's fields set.
func (p CustomerPatch) Apply(c Customer) Customer {
	if p.Name != nil {
		c.Name = *p.Name
	}
	if p.OrganizationNumber != nil {
		c.OrganizationNumber = *p.OrganizationNumber
	}
	if p.Email != nil {
		c.Email = *p.Email
	}
	if p.Phone != nil {
		c.Phone = *p.Phone
	}
	if p.BillingAddress != nil {
		c.BillingAddress = *p.BillingAddress
	}
	if p.Active != nil {
		c.Active = *p.Active
	}
	if p.InvoicingEnabled != nil {
		c.InvoicingEnabled = *p.InvoicingEnabled
	}
	if p.DueDays != nil {
		c.DueDays = *p.DueDays
	}
	if p.ParentCustomerID != nil {
		c.ParentCustomerID = *p.ParentCustomerID
	}
	if p.PurchaseInstruction != nil {
		c.PurchaseInstruction = *p.PurchaseInstruction
	}
	if p.CollectiveInvoicing != nil {
		c.CollectiveInvoicing = *p.CollectiveInvoicing
	}
	if p.VATNumber != nil {
		c.VATNumber = *p.VATNumber
	}
	if p.PeppolID != nil {
		c.PeppolID = *p.PeppolID
	}
	if p.BuyerReference != nil {
		c.BuyerReference = *p.BuyerReference
	}
	if p.InvoiceDelivery != nil {
		c.InvoiceDelivery = *p.InvoiceDelivery
	}
	return c
}

// MaxDueDays bounds a customer's payment terms.
const MaxDueDays = 365

// Validate checks the fields a person types, returning an invalid error that
// names every bad field. Organization-number check digits are the providers'
// and the invoicing issue's concern; here only shape is checked.
func (c Customer) Validate() error { return c.validate(nil) }

// ValidatePatched is Validate for a customer after patch was applied: the
// texts of the fields the patch does not set are not checked, so a customer
// stored before the text limits (or copied from a provider with other
// limits) can still be changed.
func (c Customer) ValidatePatched(patch CustomerPatch) error { return c.validate(patch.Fields()) }

// validate is Validate with the text checks limited to the fields in only
// (all when nil).
func (c Customer) validate(only []string) error {
	errs := c.textErrors(only)
	if strings.TrimSpace(c.Name) == "" {
		errs.add(FieldName, "is required")
	}
	if c.Email != "" && !errs.has(FieldEmail) {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			errs.add(FieldEmail, "is not an e-mail address")
		}
	}
	if c.DueDays < 0 || c.DueDays > MaxDueDays {
		errs.add(FieldDueDays, "must be between 0 and %d", MaxDueDays)
	}
	ci := c.CollectiveInvoicing
	if ci.DayOfMonth < 0 || ci.DayOfMonth > 31 {
		errs.add("collective_invoicing.day_of_month", "must be between 1 and 31 (the month's last day in shorter months), or 0 for none")
	}
	if ci.Threshold < 0 {
		errs.add("collective_invoicing.threshold", "must not be negative")
	}
	if ci.Enabled && ci.DayOfMonth == 0 && ci.Threshold == 0 {
		errs.add("collective_invoicing", "needs a day of month, a threshold, or both")
	}
	c.eInvoiceErrors(&errs, only)
	return Invalid("invalid customer", errs...)
}

// eInvoiceErrors checks the VAT number, Peppol id and invoice delivery
// (with only non-nil, those of the fields in only): the VAT number must
// be a canonical buyer VAT number (nordic.ValidateBuyerVATNumber), the
// Peppol id a canonical participant id (nordic.ParseParticipantID), and
// delivery by Peppol needs a Peppol id, named invoice_delivery unless only
// the Peppol id changed.
func (c Customer) eInvoiceErrors(errs *fieldErrors, only []string) {
	check := func(field string) bool { return (only == nil || contains(only, field)) && !errs.has(field) }
	if c.VATNumber != "" && check(FieldVATNumber) {
		if n, _, err := nordic.ValidateBuyerVATNumber(c.VATNumber); err != nil {
			errs.add(FieldVATNumber, "%v", err)
		} else if n != c.VATNumber {
			errs.add(FieldVATNumber, "must be written %s: upper case, without spaces or separators", n)
		}
	}
	if c.PeppolID != "" && check(FieldPeppolID) {
		if scheme, value, err := nordic.ParseParticipantID(c.PeppolID); err != nil {
			errs.add(FieldPeppolID, "%v", err)
		} else if n := nordic.FormatParticipantID(scheme, value); n != c.PeppolID {
			errs.add(FieldPeppolID, "must be written %s", n)
		}
	}
	if !c.InvoiceDelivery.Valid() {
		errs.add(FieldInvoiceDelivery, "must be email or peppol")
	} else if c.InvoiceDelivery == DeliveryPeppol && BuyerParticipantID(c, "") == "" &&
		(only == nil || contains(only, FieldInvoiceDelivery) || contains(only, FieldPeppolID)) {
		field := FieldInvoiceDelivery
		if only != nil && !contains(only, FieldInvoiceDelivery) {
			field = FieldPeppolID // the patch cleared the Peppol id
		}
		errs.add(field, "peppol needs the customer's Peppol participant id (peppol_id), or a Swedish or Norwegian organization number and billing country to derive it from")
	}
}

// NormalizeEInvoiceFields returns c with its VAT number and Peppol id in
// canonical form when they are valid (nordic.NormalizeVATNumber,
// nordic.ParseParticipantID), and unchanged otherwise, so validation names
// them. An empty invoice delivery becomes DeliveryEmail.
func (c Customer) NormalizeEInvoiceFields() Customer {
	if n, _, err := nordic.ValidateBuyerVATNumber(c.VATNumber); err == nil {
		c.VATNumber = n
	} else if strings.TrimSpace(c.VATNumber) == "" {
		c.VATNumber = ""
	}
	if scheme, value, err := nordic.ParseParticipantID(c.PeppolID); err == nil {
		c.PeppolID = nordic.FormatParticipantID(scheme, value)
	} else if strings.TrimSpace(c.PeppolID) == "" {
		c.PeppolID = ""
	}
	c.BuyerReference = strings.TrimSpace(c.BuyerReference)
	if c.InvoiceDelivery == "" {
		c.InvoiceDelivery = DeliveryEmail
	}
	return c
}

// textErrors checks the length and characters of the customer's text
// fields; with only non-nil, just those fields (CustomerPatch.Fields names),
// so a patch is not refused for a field it does not touch.
func (c Customer) textErrors(only []string) fieldErrors {
	var errs fieldErrors
	check := func(field string) bool { return only == nil || contains(only, field) }
	for _, f := range []struct {
		name, value string
		max         int
		multiline   bool
	}{
		{FieldName, c.Name, MaxNameLength, false},
		{FieldOrganizationNumber, c.OrganizationNumber, MaxOrganizationNumberLength, false},
		{FieldEmail, c.Email, MaxEmailLength, false},
		{FieldPhone, c.Phone, MaxPhoneLength, false},
		{FieldParentCustomerID, c.ParentCustomerID, MaxIDLength, false},
		{FieldPurchaseInstruction, c.PurchaseInstruction, MaxPurchaseInstructionLen, true},
		{FieldVATNumber, c.VATNumber, MaxVATNumberLength, false},
		{FieldPeppolID, c.PeppolID, MaxPeppolIDLength, false},
		{FieldBuyerReference, c.BuyerReference, MaxBuyerReferenceLength, false},
	} {
		if check(f.name) {
			errs.text(f.name, f.value, f.max, f.multiline)
		}
	}
	if check(FieldBillingAddress) {
		errs = append(errs, c.BillingAddress.textErrors(FieldBillingAddress)...)
	}
	return errs
}

// textErrors checks an address's fields, named prefix.line1 and so on.
func (a Address) textErrors(prefix string) fieldErrors {
	var errs fieldErrors
	errs.text(prefix+".line1", a.Line1, MaxAddressLineLength, false)
	errs.text(prefix+".line2", a.Line2, MaxAddressLineLength, false)
	errs.text(prefix+".postal_code", a.PostalCode, MaxPostalCodeLength, false)
	errs.text(prefix+".city", a.City, MaxCityLength, false)
	errs.text(prefix+".country", a.Country, MaxCountryLength, false)
	return errs
}

// CustomerQuery searches a merchant's customers. Q matches the name
// (case-insensitive substring), the organization number (digits only, so
// "556016-0680" finds "5560160680") or the customer number (exact).
//
// Refresh asks a provider that keeps a local copy of the customers of the
// merchant's accounting system (Tripletex, Spiris) to read them from the
// system again before answering (POST /v1/customers/sync); the page's Sync
// then reports what changed. A provider without a copy ignores it.
type CustomerQuery struct {
	Q       string
	Limit   int
	Cursor  string
	Refresh bool
}

// CustomerPage is one page of a customer search, ordered by name then id.
// Sync is set when the search refreshed the provider's copy (Refresh).
type CustomerPage struct {
	Customers  []Customer
	NextCursor string
	Sync       *CustomerSync
}

// CustomerSync counts what a refresh of a provider's customer copy found:
// the customers the copy holds afterwards, and those it added, changed and
// removed.
type CustomerSync struct {
	Customers int `json:"customers"`
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Removed   int `json:"removed"`
}

// MaxPageBytes bounds one page of a list in bytes, as MaxListLimit bounds
// it in rows: a page of customers with long texts (or rows stored before
// the text limits) has fewer rows and a next cursor, so it always fits one
// plugin message and one modest HTTP answer. Far below the plugin message
// limit (providers.MaxResponseSize), so one oversized row still fits.
const MaxPageBytes = 1 << 20

// Size approximates the customer's encoded size in bytes, as JSON or as a
// plugin message: its texts plus an allowance for keys, numbers and times.
func (c Customer) Size() int {
	a := c.BillingAddress
	return 512 + len(c.ID) + len(c.Number) + len(c.Name) + len(c.OrganizationNumber) + len(c.Email) +
		len(c.Phone) + len(a.Line1) + len(a.Line2) + len(a.PostalCode) + len(a.City) + len(a.Country) +
		len(c.ParentCustomerID) + len(c.PurchaseInstruction) + len(c.VATNumber) + len(c.PeppolID) +
		len(c.BuyerReference) + len(c.InvoiceDelivery)
}

// PageBudget counts a page's rows and bytes for a provider that builds the
// page row by row: Take each row in order until it answers false, and then
// the page ends with a next cursor after the last row taken.
type PageBudget struct {
	limit, rows, bytes int
}

// NewPageBudget is the budget of a page of at most limit rows and
// MaxPageBytes bytes.
func NewPageBudget(limit int) *PageBudget { return &PageBudget{limit: limit} }

// Take reports whether a row of size bytes belongs on the page, and counts
// it when it does. The first row always does (a single row larger than the
// budget is served alone); later ones while the page has fewer than limit
// rows and stays within MaxPageBytes.
func (b *PageBudget) Take(size int) bool {
	if b.rows >= b.limit || (b.rows > 0 && b.bytes+size > MaxPageBytes) {
		return false
	}
	b.rows++
	b.bytes += size
	return true
}

// FitPage returns how many of rows, in order, make a page under a
// PageBudget of limit. Providers fetch limit+1 rows; when FitPage returns
// fewer than len(rows) the page has a next cursor after row FitPage-1.
func FitPage[T any](rows []T, limit int, size func(T) int) int {
	b := NewPageBudget(limit)
	for i, r := range rows {
		if !b.Take(size(r)) {
			return i
		}
	}
	return len(rows)
}

// InvoiceableRefusal is the one statement of who may be invoiced: why the
// customer named name (what is "customer" or "parent company") may not be,
// or "" when it may. A customer that does not exist, is not active, or is
// not enabled for invoicing is refused. The engine checks it before a
// charge; the built-in provider checks it again inside its write, where
// the customer cannot change underneath.
func InvoiceableRefusal(what, name string, found, active, invoicingEnabled bool) string {
	if name != "" {
		name = " " + name
	}
	switch {
	case !found:
		return "no such " + what
	case !active:
		return what + name + " is not active"
	case !invoicingEnabled:
		return "invoicing is not enabled for " + what + name
	}
	return ""
}
