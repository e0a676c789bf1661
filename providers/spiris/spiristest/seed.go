package spiristest

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Seeded data: a Swedish aktiebolag on the BAS chart, as research §8 lists.
// The VAT code strings (MP1, …) are invented: the real Swedish codes were
// not found, so clients must identify codes by rate and related accounts.

type basAccount struct {
	number  int64
	name    string
	vatCode string // key into the seeded VAT codes, "" for none
}

var basAccounts = []basAccount{
	{1510, "Kundfordringar", ""},
	{1580, "Fordringar för kontokort och kuponger", ""},
	{1910, "Kassa", ""},
	{1930, "Företagskonto/checkkonto/affärskonto", ""},
	{1940, "Övriga bankkonton", ""},
	{2611, "Utgående moms på försäljning inom Sverige, 25 %", "MP1"},
	{2621, "Utgående moms på försäljning inom Sverige, 12 %", "MP2"},
	{2631, "Utgående moms på försäljning inom Sverige, 6 %", "MP3"},
	{2641, "Debiterad ingående moms", "IP1"},
	{2650, "Redovisningskonto för moms", ""},
	{2890, "Övriga kortfristiga skulder", ""},
	{3001, "Försäljning inom Sverige, 25 % moms", "MP1"},
	{3002, "Försäljning inom Sverige, 12 % moms", "MP2"},
	{3003, "Försäljning inom Sverige, 6 % moms", "MP3"},
	{3004, "Försäljning inom Sverige, momsfri", "MF"},
	{3041, "Försäljning tjänst inom Sverige, 25 % moms", "MP1"},
	{3105, "Försäljning varor till land utanför EU", "MF"},
	{3106, "Försäljning varor till annat EU-land, momspliktig", "MP1"},
	{3108, "Försäljning varor till annat EU-land, momsfri", "MF"},
	{3231, "Försäljning inom byggsektorn, omvänd skattskyldighet moms", "MF"},
	{3305, "Försäljning tjänster till land utanför EU", "MF"},
	{3308, "Försäljning tjänster till annat EU-land", "MF"},
	{3540, "Faktureringsavgifter", "MP1"},
	{3730, "Lämnade rabatter", ""},
	{3740, "Öres- och kronutjämning", ""},
	{4010, "Inköp material och varor", "IP1"},
	{6570, "Bankkostnader", ""},
}

type seedVat struct {
	key, code, description string
	percent                int64
	related                int64
}

var seedVatCodes = []seedVat{
	{"MP1", "MP1", "Utgående moms 25 %", 25, 2611},
	{"MP2", "MP2", "Utgående moms 12 %", 12, 2621},
	{"MP3", "MP3", "Utgående moms 6 %", 6, 2631},
	{"MF", "MF", "Momsfri försäljning", 0, 0},
	{"IP1", "IP1", "Ingående moms 25 %", 25, 2641},
}

// seed fills the current company (s.companyData) with the seeded Swedish
// company: reference data keeps the same ids in every company.
func (s *Server) seed(name, identifier string) {
	now := s.opts.Now()
	stamp := utcStamp(now)

	s.terms = []*TermsOfPayment{
		{Id: seedID("terms/30"), Name: ptr("30 dagar"), NameEnglish: ptr("30 days"), NumberOfDays: 30, TermsOfPaymentTypeId: 0, TermsOfPaymentTypeText: ptr("Normal"), AvailableForSales: true, AvailableForPurchase: true},
		{Id: seedID("terms/10"), Name: ptr("10 dagar"), NameEnglish: ptr("10 days"), NumberOfDays: 10, TermsOfPaymentTypeId: 0, TermsOfPaymentTypeText: ptr("Normal"), AvailableForSales: true, AvailableForPurchase: true},
		{Id: seedID("terms/20"), Name: ptr("20 dagar"), NameEnglish: ptr("20 days"), NumberOfDays: 20, TermsOfPaymentTypeId: 0, TermsOfPaymentTypeText: ptr("Normal"), AvailableForSales: true, AvailableForPurchase: true},
		{Id: seedID("terms/cash"), Name: ptr("Kontant"), NameEnglish: ptr("Cash"), NumberOfDays: 0, TermsOfPaymentTypeId: 2, TermsOfPaymentTypeText: ptr("Cash"), AvailableForSales: true, AvailableForPurchase: true},
		{Id: seedID("terms/card"), Name: ptr("Kortbetalning"), NameEnglish: ptr("Card payment"), NumberOfDays: 0, TermsOfPaymentTypeId: 3, TermsOfPaymentTypeText: ptr("CardPayment"), AvailableForSales: true, AvailableForPurchase: false},
	}
	s.units = []*Unit{
		{Id: seedID("unit/st"), Name: "Styck", Code: "st", Abbreviation: "st", AbbreviationEnglish: "pcs"},
		{Id: seedID("unit/h"), Name: "Timme", Code: "h", Abbreviation: "h", AbbreviationEnglish: "h"},
		{Id: seedID("unit/kg"), Name: "Kilogram", Code: "kg", Abbreviation: "kg", AbbreviationEnglish: "kg"},
	}
	for _, v := range seedVatCodes {
		vc := &VatCode{Id: seedID("vat/" + v.key), Code: ptr(v.code), Description: ptr(v.description), VatRate: Amount{decimal.NewFromInt(v.percent)}}
		if v.related != 0 {
			vc.RelatedAccounts.AccountNumber1 = ptr(v.related)
		}
		s.vatCodes = append(s.vatCodes, vc)
	}
	coding := func(key, name, english, typ string, percent int64, domestic, exempt, euVat, euFree, outside int64) *ArticleAccountCoding {
		return &ArticleAccountCoding{
			Id: seedID("coding/" + key), Name: ptr(name), NameEnglish: ptr(english), Type: ptr(typ),
			VatRate: ptr(fmt.Sprint(percent)), IsActive: true, VatRatePercent: Amount{decimal.New(percent, -2)},
			DomesticSalesSubjectToVatAccountNumber:                     ptr(domestic),
			DomesticSalesVatExemptAccountNumber:                        ptr(exempt),
			DomesticSalesVatCodeExemptAccountNumber:                    ptr(exempt),
			DomesticSalesSubjectToReversedConstructionVatAccountNumber: ptr(int64(3231)),
			ForeignSalesSubjectToVatWithinEuAccountNumber:              ptr(euVat),
			ForeignSalesVatExemptWithinEuAccountNumber:                 ptr(euFree),
			ForeignSalesSubjectToThirdPartySalesAccountNumber:          ptr(euFree),
			ForeignSalesVatExemptOutsideEuAccountNumber:                ptr(outside),
			ChangedUtc: stamp,
		}
	}
	s.codings = []*ArticleAccountCoding{
		coding("goods25", "Varor 25 %", "Goods 25 %", "Goods", 25, 3001, 3004, 3106, 3108, 3105),
		coding("goods12", "Varor 12 %", "Goods 12 %", "Goods", 12, 3002, 3004, 3106, 3108, 3105),
		coding("goods6", "Varor 6 %", "Goods 6 %", "Goods", 6, 3003, 3004, 3106, 3108, 3105),
		coding("goods0", "Varor momsfri", "Goods VAT exempt", "Goods", 0, 3004, 3004, 3108, 3108, 3105),
		coding("services25", "Tjänster 25 %", "Services 25 %", "Service", 25, 3041, 3004, 3106, 3308, 3305),
		coding("services12", "Tjänster 12 %", "Services 12 %", "Service", 12, 3002, 3004, 3106, 3308, 3305),
		coding("services6", "Tjänster 6 %", "Services 6 %", "Service", 6, 3003, 3004, 3106, 3308, 3305),
	}

	year := now.Year()
	s.addFiscalYearLocked(time.Date(year-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year-1, 12, 31, 0, 0, 0, 0, time.UTC))
	s.addFiscalYearLocked(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
	s.lockedTo = time.Date(year-2, 12, 31, 0, 0, 0, 0, time.UTC)

	s.company = CompanySettings{
		Name: name, Email: ptr("ekonomi@mockbolaget.se"), Phone: ptr("08-123 456 78"),
		Address1: "Storgatan 1", CountryCode: "SE", PostalCode: "11122", City: "Stockholm",
		CurrencyCode: ptr("SEK"), TermsOfPaymentId: s.terms[0].Id,
		CorporateIdentityNumber: ptr("5566778899"), VatCode: ptr("SE556677889901"), BankGiro: ptr("123-4567"),
		AccountNumberDigits: 4, AccountingLockInterval: 0, ProductVariant: ptr(5), TypeOfBusiness: 1, VatPeriod: 2,
		ActivatedModules: []string{}, NextCustomerNumber: 1, NextSupplierNumber: 1, NextCustomerInvoiceNumber: 1,
		NextQuoteNumber: 1, NextOrderNumber: 1, ShowPricesExclVatPC: true, DomesticCurrencyRounding: 1,
		CompanyStatus: 1, CompanyIdentifier: ptr(identifier), KeepOriginalDraftDate: ptr(false),
		UseAutomaticVatCalculation: ptr(false),
	}
}

// addFiscalYearLocked adds a fiscal year with the BAS chart. Called with
// s.mu held (or before serving).
func (s *Server) addFiscalYearLocked(start, end time.Time) *FiscalYear {
	fy := &FiscalYear{Id: seedID("fy/" + start.Format("2006-01-02")), StartDate: dateString(start), EndDate: dateString(end)}
	s.fiscalYears = append(s.fiscalYears, fy)
	stamp := utcStamp(s.opts.Now())
	var accs []*Account
	for _, a := range basAccounts {
		acc := &Account{Name: a.name, Number: fmt.Sprint(a.number), FiscalYearId: fy.Id, IsActive: true,
			AllowTransactionText: true, CreatedUtc: stamp, ModifiedUtc: stamp}
		if a.vatCode != "" {
			vc := s.vatCodeByKey(a.vatCode)
			acc.VatCodeId = ptr(vc.Id)
			acc.VatCodeDescription = vc.Description
		}
		accs = append(accs, acc)
	}
	s.accounts[fy.Id] = accs
	return fy
}

func (s *Server) vatCodeByKey(key string) *VatCode {
	id := seedID("vat/" + key)
	for _, v := range s.vatCodes {
		if v.Id == id {
			return v
		}
	}
	panic("spiristest: unknown seeded VAT code " + key)
}

// dateString formats a date the way the API answers dates.
func dateString(t time.Time) string { return t.Format("2006-01-02") + "T00:00:00" }

// utcStamp formats a *Utc timestamp.
func utcStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
