package spiristest

// Resource types, shaped as the API's JSON (PascalCase field names are the
// wire names). Pointer fields are nullable in the API document.

// TermsOfPayment is a terms-of-payment entry (TermsOfPaymentApi).
type TermsOfPayment struct {
	Id                     string
	Name                   *string
	NameEnglish            *string
	NumberOfDays           int
	TermsOfPaymentTypeId   int
	TermsOfPaymentTypeText *string
	AvailableForSales      bool
	AvailableForPurchase   bool
}

// Unit is an article unit (UnitApi).
type Unit struct {
	Id                  string
	Name                string
	Code                string
	Abbreviation        string
	AbbreviationEnglish string
}

// ArticleAccountCoding decides an article's VAT rate and sales accounts
// (ArticleAccountCodingApi). VatRatePercent is a fraction (0.25).
type ArticleAccountCoding struct {
	Id                                                         string
	Name                                                       *string
	NameEnglish                                                *string
	Type                                                       *string // "Goods" or "Service"
	VatRate                                                    *string
	IsActive                                                   bool
	VatRatePercent                                             Amount
	DomesticSalesSubjectToReversedConstructionVatAccountNumber *int64
	DomesticSalesSubjectToVatAccountNumber                     *int64
	DomesticSalesVatExemptAccountNumber                        *int64
	ForeignSalesSubjectToMossAccountNumber                     *int64
	ForeignSalesSubjectToThirdPartySalesAccountNumber          *int64
	ForeignSalesSubjectToVatWithinEuAccountNumber              *int64
	ForeignSalesVatExemptOutsideEuAccountNumber                *int64
	ForeignSalesVatExemptWithinEuAccountNumber                 *int64
	DomesticSalesVatCodeExemptAccountNumber                    *int64
	ChangedUtc                                                 string
}

// Article is a sales article (ArticleApi).
type Article struct {
	Id               string
	IsActive         bool
	Number           string
	Name             string
	NameEnglish      *string
	NetPrice         Amount
	GrossPrice       Amount
	CodingId         string
	CodingName       *string
	UnitId           string
	UnitName         *string
	UnitAbbreviation *string
	StockBalance     Amount
	CreatedUtc       string
	ChangedUtc       string
	HouseWorkType    *int
	PurchasePrice    Amount
	SendToWebshop    bool
	UsesMoss         bool
	Note             *string
	IsStock          bool
	IsServiceArticle bool
}

// Customer is a customer (CustomerApi). CustomerNumber is assigned from the
// company's series when omitted.
type Customer struct {
	Id                                  string
	CustomerNumber                      *string
	CorporateIdentityNumber             *string
	VatNumber                           *string
	Name                                string
	InvoiceAddress1                     *string
	InvoiceAddress2                     *string
	InvoicePostalCode                   string
	InvoiceCity                         string
	InvoiceCountryCode                  *string
	CurrencyCode                        *string
	EmailAddress                        *string
	EmailAddresses                      []string
	Telephone                           *string
	MobilePhone                         *string
	ContactPersonName                   *string
	ContactPersonEmail                  *string
	ContactPersonPhone                  *string
	ContactPersonMobile                 *string
	DeliveryCustomerName                *string
	DeliveryAddress1                    *string
	DeliveryAddress2                    *string
	DeliveryPostalCode                  *string
	DeliveryCity                        *string
	DeliveryCountryCode                 *string
	TermsOfPaymentId                    string
	TermsOfPayment                      *TermsOfPayment
	IsPrivatePerson                     bool
	IsActive                            bool
	ReverseChargeOnConstructionServices bool
	ForceBookkeepVat                    bool
	DeliveryBasedVat                    bool
	DiscountPercentage                  Amount
	Note                                *string
	WwwAddress                          *string
	ElectronicAddress                   *string
	ElectronicReference                 *string
	EdiGlnNumber                        *string
	SalesDocumentLanguage               *string
	ChangedUtc                          *string
	LastInvoiceDate                     *string
	UnpaidInvoicesAmount                Amount
	IsFutureInvoiceDateAllowed          bool
}

// InvoiceDraftRow is a row of a customer invoice draft (CustomerInvoiceDraftRowApi).
type InvoiceDraftRow struct {
	Id                                  string
	LineNumber                          *int
	ArticleId                           *string
	ArticleNumber                       *string
	IsServiceArticle                    bool
	IsTextRow                           bool
	Text                                *string
	UnitPrice                           Amount
	DiscountPercentage                  Amount
	Quantity                            Amount
	ReversedConstructionServicesVatFree bool
	UnitId                              *string
	UnitName                            *string
	UnitAbbreviation                    *string
	VatRateId                           *string
	VatRate                             *Amount
	Amount                              Amount
	CostCenterItemId1                   *string
	CostCenterItemId2                   *string
	CostCenterItemId3                   *string
	ProjectId                           *string
}

// InvoiceDraft is a customer invoice draft (CustomerInvoiceDraftApi).
type InvoiceDraft struct {
	Id                         string
	CustomerId                 string
	CreatedUtc                 *string
	IsCreditInvoice            bool
	RotReducedInvoicingType    int
	Rows                       []InvoiceDraftRow
	YourReference              *string
	OurReference               *string
	BuyersOrderReference       *string
	ElectronicReference        *string
	InvoiceCustomerName        *string
	InvoiceAddress1            *string
	InvoiceAddress2            *string
	InvoicePostalCode          *string
	InvoiceCity                *string
	InvoiceCountryCode         *string
	InvoiceCurrencyCode        *string
	TermsOfPaymentId           *string
	EuThirdParty               bool
	CustomerIsPrivatePerson    bool
	InvoiceDate                *string
	DueDate                    *string
	DeliveryDate               *string
	TotalAmount                Amount
	TotalVatAmount             Amount
	TotalRoundings             Amount
	TotalAmountBaseCurrency    Amount
	TotalVatAmountBaseCurrency Amount
	CustomerNumber             *string
	CustomerName               *string
	IncludesVat                bool
	ReplaceUnitPriceWhenZero   bool
	UsesGreenTechnology        bool
}

// InvoiceRow is a row of a customer invoice (CustomerInvoiceRowApi).
// PercentVat is a fraction (0.25); VatRate is the same rate in percent (25).
type InvoiceRow struct {
	Id                 string
	LineNumber         int
	ArticleId          *string
	ArticleNumber      *string
	IsServiceArticle   bool
	IsTextRow          bool
	Text               *string
	UnitPrice          Amount
	DiscountPercentage Amount
	Quantity           Amount
	IsVatFree          bool
	AmountNoVat        Amount
	PercentVat         Amount
	VatRate            *Amount
	Amount             Amount
	UnitId             *string
	UnitAbbreviation   *string
	CostCenterItemId1  *string
	CostCenterItemId2  *string
	CostCenterItemId3  *string
	ProjectId          *string
}

// VatSpecification sums an invoice per VAT rate (CustomerInvoiceVatApi).
type VatSpecification struct {
	AmountInvoiceCurrency    Amount
	VatAmountInvoiceCurrency Amount
	VatPercent               Amount
}

// CreditedBy links an invoice to a credit invoice raised against it.
type CreditedBy struct {
	CreditInvoiceId string
}

// Invoice is a booked customer invoice (CustomerInvoiceApi).
type Invoice struct {
	Id                             string
	InvoiceNumber                  int
	CustomerId                     string
	CustomerNumber                 *string
	CustomerName                   *string
	CustomerEmail                  *string
	CustomerIsPrivatePerson        bool
	EuThirdParty                   bool
	IsCreditInvoice                bool
	CurrencyCode                   *string
	CurrencyRate                   *Amount
	RotReducedInvoicingType        int
	Rows                           []InvoiceRow
	VatSpecification               []VatSpecification
	InvoiceDate                    *string
	DueDate                        *string
	DeliveryDate                   *string
	TermsOfPaymentId               string
	YourReference                  *string
	OurReference                   *string
	BuyersOrderReference           *string
	ElectronicReference            *string
	InvoiceCustomerName            *string
	InvoiceAddress1                *string
	InvoiceAddress2                *string
	InvoicePostalCode              *string
	InvoiceCity                    *string
	InvoiceCountryCode             *string
	TotalAmount                    Amount
	TotalVatAmount                 Amount
	TotalRoundings                 Amount
	TotalAmountInvoiceCurrency     Amount
	TotalVatAmountInvoiceCurrency  Amount
	SetOffAmountInvoiceCurrency    Amount
	RemainingAmount                Amount
	RemainingAmountInvoiceCurrency Amount
	PaymentStatus                  int
	PaymentDate                    *string
	ReferringInvoiceId             *string
	CreditedBy                     []CreditedBy
	CreatedFromDraftId             *string
	VoucherId                      string
	VoucherNumber                  *string
	SendType                       *int
	IncludesVat                    bool
	CreatedUtc                     *string
	ModifiedUtc                    *string
}

// FiscalYear is a fiscal year (FiscalYearApi).
type FiscalYear struct {
	Id                    string
	StartDate             string
	EndDate               string
	IsLockedForAccounting bool
	BookkeepingMethod     int
}

// Account is a ledger account of one fiscal year (AccountApi). Number is a
// string here, unlike AccountNumber on voucher rows.
type Account struct {
	Name                       string
	Number                     string
	VatCodeId                  *string
	VatCodeDescription         *string
	FiscalYearId               string
	IsActive                   bool
	AllowTransactionText       bool
	IsFirstCostCenterMandatory bool
	IsProjectAllowed           bool
	IsCostCenterAllowed        bool
	IsBlockedForManualBooking  bool
	CreatedUtc                 string
	ModifiedUtc                string
}

// RelatedAccounts are the VAT accounts a VAT code posts to.
type RelatedAccounts struct {
	AccountNumber1 *int64
	AccountNumber2 *int64
	AccountNumber3 *int64
}

// VatCode is a VAT code (VatCodeApi). VatRate is in percent (25).
type VatCode struct {
	Id              string
	Code            *string
	Description     *string
	VatRate         Amount
	OssCodeType     int
	RelatedAccounts RelatedAccounts
}

// VoucherRow is one row of a voucher (VoucherRowApi).
type VoucherRow struct {
	AccountNumber      int64
	AccountDescription *string
	DebitAmount        Amount
	CreditAmount       Amount
	TransactionText    *string
	VatCodeId          *string
	VatCodeAndPercent  *string
	CostCenterItemId1  *string
	CostCenterItemId2  *string
	CostCenterItemId3  *string
	ProjectId          *string
}

// Voucher is a bookkept voucher (VoucherApi). FiscalYearId is not part of
// the wire format.
type Voucher struct {
	Id                    string
	VoucherDate           string
	VoucherText           string
	Rows                  []VoucherRow
	NumberAndNumberSeries *string
	NumberSeries          *string
	ImportedVoucherNumber *string
	VoucherType           int
	SourceId              *string
	CreatedUtc            string
	ModifiedUtc           *string
	FiscalYearId          string `json:"-"`
}

// CompanySettings are the company's settings (CompanySettingsApi, subset).
type CompanySettings struct {
	Name                       string
	Email                      *string
	Phone                      *string
	Address1                   string
	Address2                   *string
	CountryCode                string
	PostalCode                 string
	City                       string
	Website                    *string
	CurrencyCode               *string
	TermsOfPaymentId           string
	CorporateIdentityNumber    *string
	VatCode                    *string
	BankGiro                   *string
	PlusGiro                   *string
	AccountNumberDigits        int
	AccountingLockedTo         string
	AccountingLockInterval     int
	ProductVariant             *int
	TypeOfBusiness             int
	VatPeriod                  int
	ActivatedModules           []string
	NextCustomerNumber         int
	NextSupplierNumber         int
	NextCustomerInvoiceNumber  int
	NextQuoteNumber            int
	NextOrderNumber            int
	ShowPricesExclVatPC        bool
	UsesPaymentReferenceNumber bool
	UsesRotReducedInvoicing    bool
	DomesticCurrencyRounding   int
	CompanyStatus              int
	CompanyIdentifier          *string
	KeepOriginalDraftDate      *bool
	UseAutomaticVatCalculation *bool
}

func ptr[T any](v T) *T { return &v }
