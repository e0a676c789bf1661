package spiris

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Wire types: the subset of the API's PascalCase resources the plugin reads
// and writes (research spiris.md §4). Unknown fields are ignored.

// money is a JSON number read and written exactly (amounts, quantities,
// rates); null reads as zero.
type money struct{ decimal.Decimal }

func (m money) MarshalJSON() ([]byte, error) { return []byte(m.Decimal.String()), nil }

func (m *money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		m.Decimal = decimal.Zero
		return nil
	}
	d, err := decimal.NewFromString(strings.Trim(string(b), `"`))
	if err != nil {
		return fmt.Errorf("spiris: not a number: %s", b)
	}
	m.Decimal = d
	return nil
}

// minor is the amount in minor units, rounded half away from zero.
func (m money) minor() int64 { return core.RoundHalfAwayFromZero(m.Shift(2)) }

// fromMinor is an amount of minor units as kronor with two decimals.
func fromMinor(minor int64) money { return money{decimal.New(minor, -2)} }

// percent reads a VAT rate the API gives either as a fraction (0.25) or as
// a percentage (25): Spiris uses both (PercentVat, VatRatePercent are
// fractions; VatCode.VatRate and VatPercent are percentages). No real rate
// is 1 % or less, so a value of at most 1 is a fraction.
func percent(d decimal.Decimal) decimal.Decimal {
	if d.Abs().LessThanOrEqual(decimal.NewFromInt(1)) {
		return d.Shift(2)
	}
	return d
}

// apiDate reads the date part of an API date ("2026-03-31T00:00:00",
// "2026-03-31" or RFC 3339).
func apiDate(s *string) core.Date {
	if s == nil || len(*s) < 10 {
		return ""
	}
	d := core.Date((*s)[:10])
	if !d.Valid() {
		return ""
	}
	return d
}

// apiTime reads a *Utc timestamp; malformed or missing reads as zero.
func apiTime(s *string) time.Time {
	if s == nil {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, *s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

// optional is nil for an empty string.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type apiCompanySettings struct {
	Name                     string
	CountryCode              string
	CurrencyCode             *string
	AccountingLockedTo       *string
	DomesticCurrencyRounding int
	CompanyStatus            *int
}

type apiTerms struct {
	Id                   string
	Name                 *string
	NameEnglish          *string
	NumberOfDays         int
	TermsOfPaymentTypeId int
	AvailableForSales    bool
}

type apiCustomer struct {
	Id                      string
	CustomerNumber          *string
	CorporateIdentityNumber *string
	Name                    string
	InvoiceAddress1         *string
	InvoiceAddress2         *string
	InvoicePostalCode       string
	InvoiceCity             string
	InvoiceCountryCode      *string
	CurrencyCode            *string
	EmailAddress            *string
	Telephone               *string
	MobilePhone             *string
	TermsOfPaymentId        string
	TermsOfPayment          *apiTerms
	IsPrivatePerson         bool
	IsActive                bool
	ChangedUtc              *string
}

type apiCoding struct {
	Id             string
	Name           *string
	Type           *string
	IsActive       bool
	VatRatePercent money
}

type apiUnit struct {
	Id           string
	Name         string
	Code         string
	Abbreviation string
}

type apiArticle struct {
	Id       string `json:",omitempty"`
	IsActive bool
	Number   string
	Name     string
	CodingId string
	UnitId   string
}

// apiInvoiceRow is a row as sent. A text row has no ArticleId.
type apiInvoiceRow struct {
	ArticleId *string `json:",omitempty"`
	Text      *string `json:",omitempty"`
	UnitPrice *money  `json:",omitempty"`
	Quantity  *money  `json:",omitempty"`
}

// rowWire is an invoice row as read.
type rowWire struct {
	ArticleId   *string
	Text        *string
	UnitPrice   money
	Quantity    money
	IsTextRow   bool
	AmountNoVat money
	PercentVat  money
	LineNumber  int
}

// apiInvoiceRequest is the body of POST /customerinvoices.
type apiInvoiceRequest struct {
	CustomerId              string
	EuThirdParty            bool
	RotReducedInvoicingType int
	IsCreditInvoice         bool
	InvoiceDate             string
	DueDate                 string  `json:",omitempty"`
	TermsOfPaymentId        string  `json:",omitempty"`
	YourReference           *string `json:",omitempty"`
	OurReference            *string `json:",omitempty"`
	Rows                    []apiInvoiceRow
}

type apiVatSpec struct {
	AmountInvoiceCurrency    money
	VatAmountInvoiceCurrency money
	VatPercent               money
}

type apiInvoice struct {
	Id                             string
	InvoiceNumber                  int64
	CustomerId                     string
	CustomerName                   *string
	IsCreditInvoice                bool
	CurrencyCode                   *string
	Rows                           []rowWire
	VatSpecification               []apiVatSpec
	InvoiceDate                    *string
	DueDate                        *string
	TermsOfPaymentId               string
	YourReference                  *string
	OurReference                   *string
	TotalAmountInvoiceCurrency     money
	TotalVatAmountInvoiceCurrency  money
	TotalRoundings                 money
	RemainingAmountInvoiceCurrency money
	PaymentStatus                  int
	PaymentDate                    *string
	PaymentReferenceNumber         *string
	ReferringInvoiceId             *string
	CreatedUtc                     *string
}

type apiFiscalYear struct {
	Id                    string
	StartDate             string
	EndDate               string
	IsLockedForAccounting bool
}

type apiAccount struct {
	Name                      string
	Number                    string
	VatCodeId                 *string
	IsActive                  bool
	IsBlockedForManualBooking bool
}

type apiVatCode struct {
	Id              string
	Code            *string
	Description     *string
	VatRate         money
	RelatedAccounts struct {
		// AccountNumber1 is the account the code's VAT is booked on
		// (2611 for MP1).
		AccountNumber1 *int64
	}
}

type apiVoucherRow struct {
	AccountNumber   int64
	DebitAmount     money
	CreditAmount    money
	TransactionText *string `json:",omitempty"`
}

type apiVoucher struct {
	Id                    string `json:",omitempty"`
	VoucherDate           string
	VoucherText           string
	Rows                  []apiVoucherRow
	NumberAndNumberSeries *string `json:",omitempty"`
}

// The properties the published document marks readOnly (server-set) in the
// objects this plugin updates by GET-modify-PUT. Spiris refuses a request
// carrying them, so dropReadOnly removes them before the PUT. TermsOfPayment
// is the embedded terms object, whose Id is read-only; the customer's terms
// are written through TermsOfPaymentId.
var (
	customerReadOnly = []string{"Id", "PayToAccountId", "LastInvoiceDate", "ChangedUtc", "MessageThreads", "Notes",
		"IsFutureInvoiceDateAllowed", "UnpaidInvoicesAmount", "TermsOfPayment"}
	articleReadOnly = []string{"Id", "CodingName", "UnitName", "UnitAbbreviation", "StockBalanceManuallyChangedUtc",
		"StockBalanceReserved", "StockBalanceAvailable", "CreatedUtc", "ChangedUtc", "PurchasePriceManuallyChangedUtc",
		"MessageThreads", "Notes", "ShowStockInformation", "IsServiceArticle", "FreightCostsManuallyChangedUtc", "StockValue"}
)

// dropReadOnly removes the read-only properties from an object read with GET
// (property names match case-insensitively, as the API's do).
func dropReadOnly(obj map[string]json.RawMessage, readOnly []string) {
	for k := range obj {
		for _, ro := range readOnly {
			if strings.EqualFold(k, ro) {
				delete(obj, k)
			}
		}
	}
}
