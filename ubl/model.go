package ubl

import "encoding/xml"

// The UBL 2.1 elements a PEPPOL BIS Billing 3.0 invoice or credit note
// uses, in the order the UBL schema fixes. Element names carry their
// namespace prefix (cbc: basic, cac: aggregate), declared on the root.
// One struct serves both document types: fields only one of them has are
// omitted when empty.

const (
	nsInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCAC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	nsCBC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

	// CustomizationID is the specification identifier (BT-24) of
	// PEPPOL BIS Billing 3.0, which is also EHF Billing 3.0.
	CustomizationID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	// ProfileID is the business process (BT-23): billing.
	ProfileID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
)

type document struct {
	XMLName xml.Name
	NS      string `xml:"xmlns,attr"`
	NSCAC   string `xml:"xmlns:cac,attr"`
	NSCBC   string `xml:"xmlns:cbc,attr"`

	CustomizationID    string            `xml:"cbc:CustomizationID"`
	ProfileID          string            `xml:"cbc:ProfileID"`
	ID                 string            `xml:"cbc:ID"`
	IssueDate          string            `xml:"cbc:IssueDate"`
	DueDate            string            `xml:"cbc:DueDate,omitempty"`
	InvoiceTypeCode    string            `xml:"cbc:InvoiceTypeCode,omitempty"`
	CreditNoteTypeCode string            `xml:"cbc:CreditNoteTypeCode,omitempty"`
	Note               string            `xml:"cbc:Note,omitempty"`
	Currency           string            `xml:"cbc:DocumentCurrencyCode"`
	BuyerReference     string            `xml:"cbc:BuyerReference,omitempty"`
	OrderReference     *orderReference   `xml:"cac:OrderReference"`
	BillingReference   *billingReference `xml:"cac:BillingReference"`
	Supplier           party             `xml:"cac:AccountingSupplierParty>cac:Party"`
	Customer           party             `xml:"cac:AccountingCustomerParty>cac:Party"`
	Delivery           *delivery         `xml:"cac:Delivery"`
	PaymentMeans       []paymentMeans    `xml:"cac:PaymentMeans"`
	PaymentTerms       *note             `xml:"cac:PaymentTerms"`
	TaxTotal           taxTotal          `xml:"cac:TaxTotal"`
	Totals             monetaryTotal     `xml:"cac:LegalMonetaryTotal"`
	InvoiceLines       []line            `xml:"cac:InvoiceLine"`
	CreditNoteLines    []line            `xml:"cac:CreditNoteLine"`
}

type orderReference struct {
	ID string `xml:"cbc:ID"`
}

type billingReference struct {
	ID        string `xml:"cac:InvoiceDocumentReference>cbc:ID"`
	IssueDate string `xml:"cac:InvoiceDocumentReference>cbc:IssueDate,omitempty"`
}

type identifier struct {
	Scheme string `xml:"schemeID,attr,omitempty"`
	Value  string `xml:",chardata"`
}

type party struct {
	Endpoint       identifier  `xml:"cbc:EndpointID"`
	Identification *identifier `xml:"cac:PartyIdentification>cbc:ID"`
	Name           string      `xml:"cac:PartyName>cbc:Name"`
	Address        address     `xml:"cac:PostalAddress"`
	TaxSchemes     []partyTax  `xml:"cac:PartyTaxScheme"`
	LegalEntity    legalEntity `xml:"cac:PartyLegalEntity"`
	Contact        *contact    `xml:"cac:Contact"`
}

type address struct {
	Street     string `xml:"cbc:StreetName,omitempty"`
	Additional string `xml:"cbc:AdditionalStreetName,omitempty"`
	City       string `xml:"cbc:CityName,omitempty"`
	PostalZone string `xml:"cbc:PostalZone,omitempty"`
	Country    string `xml:"cac:Country>cbc:IdentificationCode"`
}

type partyTax struct {
	CompanyID string `xml:"cbc:CompanyID"`
	Scheme    string `xml:"cac:TaxScheme>cbc:ID"`
}

type legalEntity struct {
	Name      string      `xml:"cbc:RegistrationName"`
	CompanyID *identifier `xml:"cbc:CompanyID"`
}

type contact struct {
	Name      string `xml:"cbc:Name,omitempty"`
	Telephone string `xml:"cbc:Telephone,omitempty"`
	Email     string `xml:"cbc:ElectronicMail,omitempty"`
}

type delivery struct {
	Date     string   `xml:"cbc:ActualDeliveryDate,omitempty"`
	Location *address `xml:"cac:DeliveryLocation>cac:Address"`
}

type paymentMeans struct {
	Code    string        `xml:"cbc:PaymentMeansCode"`
	ID      string        `xml:"cbc:PaymentID,omitempty"`
	Account *payeeAccount `xml:"cac:PayeeFinancialAccount"`
}

type payeeAccount struct {
	ID     string  `xml:"cbc:ID"`
	Name   string  `xml:"cbc:Name,omitempty"`
	Branch *branch `xml:"cac:FinancialInstitutionBranch"`
}

type branch struct {
	ID string `xml:"cbc:ID"`
}

type note struct {
	Note string `xml:"cbc:Note"`
}

type amount struct {
	Currency string `xml:"currencyID,attr"`
	Value    string `xml:",chardata"`
}

type taxTotal struct {
	Amount    amount        `xml:"cbc:TaxAmount"`
	Subtotals []taxSubtotal `xml:"cac:TaxSubtotal"`
}

type taxSubtotal struct {
	Taxable  amount      `xml:"cbc:TaxableAmount"`
	Amount   amount      `xml:"cbc:TaxAmount"`
	Category taxCategory `xml:"cac:TaxCategory"`
}

type taxCategory struct {
	ID                  string `xml:"cbc:ID"`
	Percent             string `xml:"cbc:Percent,omitempty"`
	ExemptionReasonCode string `xml:"cbc:TaxExemptionReasonCode,omitempty"`
	ExemptionReason     string `xml:"cbc:TaxExemptionReason,omitempty"`
	Scheme              string `xml:"cac:TaxScheme>cbc:ID"`
}

type monetaryTotal struct {
	LineExtension amount  `xml:"cbc:LineExtensionAmount"`
	TaxExclusive  amount  `xml:"cbc:TaxExclusiveAmount"`
	TaxInclusive  amount  `xml:"cbc:TaxInclusiveAmount"`
	Rounding      *amount `xml:"cbc:PayableRoundingAmount"`
	Payable       amount  `xml:"cbc:PayableAmount"`
}

type quantity struct {
	Unit  string `xml:"unitCode,attr"`
	Value string `xml:",chardata"`
}

type line struct {
	ID               string    `xml:"cbc:ID"`
	InvoicedQuantity *quantity `xml:"cbc:InvoicedQuantity"`
	CreditedQuantity *quantity `xml:"cbc:CreditedQuantity"`
	Net              amount    `xml:"cbc:LineExtensionAmount"`
	Item             item      `xml:"cac:Item"`
	Price            amount    `xml:"cac:Price>cbc:PriceAmount"`
}

type item struct {
	Name        string      `xml:"cbc:Name"`
	TaxCategory taxCategory `xml:"cac:ClassifiedTaxCategory"`
}
