package tripletextest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Account is a ledger account of the seeded chart (NS 4102 as in a fresh
// Tripletex company). Ids are large and random, as in Tripletex, so clients
// must resolve accounts by number.
type Account struct {
	ID                int64
	Number            int
	Name              string
	Type              string // ASSETS, LIABILITIES, OPERATING_REVENUES, ...
	LedgerType        string // GENERAL, CUSTOMER, VENDOR, EMPLOYEE
	VatTypeID         int64  // default VAT type
	VatLocked         bool   // postings must use VatTypeID
	LegalVatTypeIDs   []int64
	IsBankAccount     bool
	IsInvoiceAccount  bool
	BankAccountNumber string
	SaftCode          string
}

// VatType is a VAT code. ID and Number differ for some codes (id 32 is
// code "33"), as in Tripletex.
type VatType struct {
	ID         int64
	Number     string
	Name       string
	Percentage decimal.Decimal
	// Kind is OUTGOING, INCOMING or "" (no VAT treatment); it drives the
	// typeOfVat filter and which VAT account system rows post to.
	Kind string
}

// PaymentType is an incoming payment type (GET /invoice/paymentType).
type PaymentType struct {
	ID                 int64
	Description        string
	DebitAccountNumber int
	Sequence           int
}

// VoucherType is one of the 17 voucher types of a fresh company.
type VoucherType struct {
	ID   int64
	Name string
}

// Address is a customer's postal or physical address.
type Address struct {
	ID           int64
	AddressLine1 string
	AddressLine2 string
	PostalCode   string
	City         string
	CountryID    int64
}

// Customer is a customer as stored by the mock.
type Customer struct {
	ID                    int64
	Version               int
	CustomerNumber        int
	Name                  string
	OrganizationNumber    string
	Email                 string
	InvoiceEmail          string
	OverdueNoticeEmail    string
	PhoneNumber           string
	PhoneNumberMobile     string
	Description           string
	Language              string
	Website               string
	IsInactive            bool
	IsPrivateIndividual   bool
	IsSupplier            bool
	SingleCustomerInvoice bool
	InvoiceSendMethod     string
	EmailAttachmentType   string
	InvoicesDueIn         int
	InvoicesDueInType     string
	PostalAddress         Address
	PhysicalAddress       Address
	// Changed is when the customer was created or last changed: GET
	// /customer?changedSince= returns those changed since a time.
	Changed time.Time
}

// Order is a sales order with its lines.
type Order struct {
	ID                              int64
	Version                         int
	Number                          string
	CustomerID                      int64
	OrderDate                       string
	DeliveryDate                    string
	Reference                       string
	InvoiceComment                  string
	ReceiverEmail                   string
	DeliveryComment                 string
	IsPrioritizeAmountsIncludingVat bool
	InvoicesDueIn                   int
	InvoicesDueInType               string
	IsClosed                        bool
	Lines                           []*OrderLine
	InvoiceID                       int64 // 0 until invoiced
}

// OrderLine is one line of an order (and of the invoice made from it).
type OrderLine struct {
	ID                    int64
	OrderID               int64
	Description           string
	Count                 decimal.Decimal
	UnitPriceExcludingVat decimal.Decimal
	UnitPriceIncludingVat decimal.Decimal
	Discount              decimal.Decimal // percent
	VatTypeID             int64
	AmountExcludingVat    Amount
	AmountIncludingVat    Amount
}

// Payment is one registered payment on an invoice.
type Payment struct {
	Date          string
	PaymentTypeID int64
	Amount        Amount
	VoucherID     int64
}

// Invoice is an invoice or a credit note.
type Invoice struct {
	ID                 int64
	Version            int
	InvoiceNumber      int
	InvoiceDate        string
	InvoiceDueDate     string
	CustomerID         int64
	OrderIDs           []int64
	Lines              []*OrderLine
	Comment            string
	InvoiceComment     string
	Amount             Amount // incl. VAT
	AmountExcludingVat Amount
	AmountOutstanding  Amount
	IsCreditNote       bool
	IsCredited         bool
	CreditedInvoiceID  int64 // on a credit note: the invoice it credits
	CreditNoteID       int64 // on a credited invoice: its credit note
	VoucherID          int64
	SentToCustomer     bool   // sendToCustomer was true (the default) or :send was called
	SendType           string // EMAIL, EHF, ... when sent
	Payments           []Payment
}

// Posting is one line of a voucher.
type Posting struct {
	ID              int64
	Row             int
	Date            string
	Description     string
	AccountID       int64
	AccountNumber   int
	VatTypeID       int64
	CustomerID      int64
	SupplierID      int64
	EmployeeID      int64
	Amount          Amount // net
	AmountGross     Amount
	SystemGenerated bool
	InvoiceNumber   string
	TermOfPayment   string
}

// Voucher is a ledger voucher (bilag).
type Voucher struct {
	ID                    int64
	Version               int
	Number                int // per year, 0 until sent to ledger
	TempNumber            int
	Year                  int
	Date                  string
	Description           string
	VoucherTypeID         int64
	ExternalVoucherNumber string
	VendorInvoiceNumber   string
	Postings              []*Posting
	Posted                bool
	ReverseVoucherID      int64 // the voucher that reverses this one
	// Source says how the voucher came about: SourceVoucher (a client's
	// POST /ledger/voucher), SourceInvoice, SourceCreditNote, SourcePayment
	// or SourceReversal.
	Source string
}

// Voucher sources.
const (
	SourceVoucher    = "voucher"
	SourceInvoice    = "invoice"
	SourceCreditNote = "creditNote"
	SourcePayment    = "payment"
	SourceReversal   = "reversal"
)

type session struct {
	id         int64
	token      string
	expiration string    // YYYY-MM-DD as given
	expiresAt  time.Time // Oslo midnight starting the expiration date
	revoked    bool
}

type state struct {
	clock func() time.Time
	rng   *rand.Rand
	used  map[int64]bool
	host  string

	companyID    int64
	companyName  string
	employeeID   int64
	consumerID   int64
	employeeTok  int64
	sessions     map[string]*session
	sessionCount int

	accounts     []*Account // by number
	vatTypes     []*VatType
	paymentTypes []*PaymentType
	voucherTypes []*VoucherType

	customers  []*Customer
	orders     []*Order
	invoices   []*Invoice
	vouchers   []*Voucher
	addresses  map[int64]*Address
	orderLines map[int64]*OrderLine

	nextCustomerNumber int
	nextOrderNumber    int
	nextInvoiceNumber  int
	voucherNumbers     map[int]int // year → last number
	tempNumbers        map[int]int

	rate struct {
		start time.Time
		used  int
	}
}

var oslo = mustLocation("Europe/Oslo")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func newState(opts Options) *state {
	st := &state{
		clock:              opts.Now,
		rng:                rand.New(rand.NewPCG(opts.Seed, 0x7472697065)),
		used:               map[int64]bool{},
		sessions:           map[string]*session{},
		addresses:          map[int64]*Address{},
		orderLines:         map[int64]*OrderLine{},
		nextCustomerNumber: 10001,
		nextOrderNumber:    1,
		nextInvoiceNumber:  1,
		voucherNumbers:     map[int]int{},
		tempNumbers:        map[int]int{},
		host:               "127.0.0.1",
		companyName:        "Mock Kafé AS",
	}
	st.companyID = st.newID()
	st.employeeID = st.newID()
	st.consumerID = st.newID()
	st.employeeTok = st.newID()
	st.seed(opts)
	return st
}

// newID returns a fresh random id in the range real Tripletex ids live in
// (nine or ten digits, below 2^31 because some id fields are int32).
func (st *state) newID() int64 {
	for {
		id := 100_000_000 + st.rng.Int64N(1_900_000_000)
		if !st.used[id] {
			st.used[id] = true
			return id
		}
	}
}

func (st *state) today() string { return st.clock().In(oslo).Format(time.DateOnly) }

// url is a host-relative reference like Tripletex's
// "tripletex.no/v2/customer/108284978".
func (st *state) url(kind string, id int64) string {
	return st.host + "/v2/" + kind + "/" + strconv.FormatInt(id, 10)
}

func (st *state) stub(kind string, id int64) any {
	if id == 0 {
		return nil
	}
	return map[string]any{"id": id, "url": st.url(kind, id)}
}

// The seeded VAT types, exactly as a fresh company lists them (research
// §3.7): note id 32 ↔ number "33" and id 12 ↔ number "13".
var seedVatTypes = []VatType{
	{ID: 0, Number: "0", Name: "Ingen avgiftsbehandling", Percentage: decimal.Zero},
	{ID: 1, Number: "1", Name: "Fradrag inngående avgift, høy sats", Percentage: decimal.NewFromInt(25), Kind: "INCOMING"},
	{ID: 11, Number: "11", Name: "Fradrag inngående avgift, middels sats", Percentage: decimal.NewFromInt(15), Kind: "INCOMING"},
	{ID: 12, Number: "13", Name: "Fradrag inngående avgift, lav sats", Percentage: decimal.NewFromInt(12), Kind: "INCOMING"},
	{ID: 3, Number: "3", Name: "Utgående avgift, høy sats", Percentage: decimal.NewFromInt(25), Kind: "OUTGOING"},
	{ID: 31, Number: "31", Name: "Utgående avgift, middels sats", Percentage: decimal.NewFromInt(15), Kind: "OUTGOING"},
	{ID: 32, Number: "33", Name: "Utgående avgift, lav sats", Percentage: decimal.NewFromInt(12), Kind: "OUTGOING"},
	{ID: 5, Number: "5", Name: "Ingen utgående avgift (innenfor mva-loven)", Percentage: decimal.Zero, Kind: "OUTGOING"},
	{ID: 52, Number: "52", Name: "Avgiftsfri utførsel av varer og tjenester", Percentage: decimal.Zero, Kind: "OUTGOING"},
	{ID: 6, Number: "6", Name: "Ingen utgående avgift (utenfor mva-loven)", Percentage: decimal.Zero, Kind: "OUTGOING"},
	{ID: 7, Number: "7", Name: "Ingen avgiftsbehandling (inntekter)", Percentage: decimal.Zero},
	{ID: 51, Number: "51", Name: "Avgiftsfritt innenlands salg med omvendt avgiftsplikt", Percentage: decimal.Zero},
}

// activeOutgoing are the codes GET /ledger/vatType?typeOfVat=OUTGOING lists
// in the observed company (research §3.7).
var activeOutgoing = map[int64]bool{3: true, 31: true, 32: true, 5: true, 52: true, 6: true}

// vatAccount is where system-generated VAT rows post, per VAT type id.
var vatAccount = map[int64]int{3: 2700, 31: 2701, 32: 2703, 1: 2710, 11: 2711, 12: 2713}

// salesAccount is the income account an invoice line posts to, per VAT type.
var salesAccount = map[int64]int{3: 3000, 31: 3030, 32: 3033, 5: 3100, 6: 3200, 52: 3100, 0: 3100, 7: 3100, 51: 3100}

var seedVoucherTypes = []string{
	"Utgående faktura", "Leverandørfaktura", "Purring", "Betaling", "Lønnsbilag", "Terminoppgave",
	"Mva-melding", "Betaling med KID-nummer", "Remittering", "Bankavstemming", "Reiseregning",
	"Ansattutlegg", "Åpningsbalanse", "Tolldeklarasjon", "Pensjon", "Refusjon av sykepenger", "Øreavrunding",
}

// addAccount stores a with a fresh id, its SAF-T code defaulting to its
// number and its legal VAT types to its default type when locked or unset.
func (st *state) addAccount(a Account) *Account {
	a.ID = st.newID()
	if a.SaftCode == "" {
		a.SaftCode = strconv.Itoa(a.Number)
	}
	if a.VatLocked || len(a.LegalVatTypeIDs) == 0 {
		a.LegalVatTypeIDs = []int64{a.VatTypeID}
	}
	st.accounts = append(st.accounts, &a)
	return &a
}

func (st *state) seed(opts Options) {
	for i := range seedVatTypes {
		v := seedVatTypes[i]
		st.vatTypes = append(st.vatTypes, &v)
	}
	outgoing := []int64{0, 3, 31, 32, 5, 6, 52, 51, 7}
	incoming := []int64{0, 1, 11, 12}
	bank := DefaultBankAccountNumber
	if opts.NoBankAccount {
		bank = ""
	}
	// Accounts as observed in a fresh company (research §3.6/§7). 3030 and
	// 3033 (15 % and 12 % sales) are the mock's assumption of where the
	// middle and low rates go; 3000 is locked to code 3 as in Tripletex.
	accts := []Account{
		{Number: 1500, Name: "Kundefordringer", Type: "ASSETS", LedgerType: "CUSTOMER", VatLocked: true, SaftCode: "1500"},
		{Number: 1900, Name: "Kontanter", Type: "ASSETS", LedgerType: "GENERAL", LegalVatTypeIDs: []int64{0}},
		{Number: 1920, Name: "Bankinnskudd", Type: "ASSETS", LedgerType: "GENERAL", VatLocked: true, IsBankAccount: true, IsInvoiceAccount: true, BankAccountNumber: bank},
		{Number: 2400, Name: "Leverandørgjeld", Type: "LIABILITIES", LedgerType: "VENDOR", VatLocked: true},
		{Number: 2700, Name: "Utgående merverdiavgift, høy sats", Type: "LIABILITIES", LedgerType: "GENERAL", VatLocked: true},
		{Number: 2701, Name: "Utgående merverdiavgift, middels sats", Type: "LIABILITIES", LedgerType: "GENERAL", VatLocked: true},
		{Number: 2703, Name: "Utgående merverdiavgift, lav sats", Type: "LIABILITIES", LedgerType: "GENERAL", VatLocked: true},
		{Number: 2710, Name: "Inngående merverdiavgift, høy sats", Type: "LIABILITIES", LedgerType: "GENERAL", VatLocked: true},
		{Number: 2711, Name: "Inngående merverdiavgift, middels sats", Type: "LIABILITIES", LedgerType: "GENERAL", VatLocked: true},
		{Number: 2713, Name: "Inngående merverdiavgift, lav sats", Type: "LIABILITIES", LedgerType: "GENERAL", VatLocked: true},
		{Number: 2740, Name: "Oppgjørskonto merverdiavgift", Type: "LIABILITIES", LedgerType: "GENERAL", VatLocked: true},
		{Number: 3000, Name: "Salgsinntekt, avgiftspliktig", Type: "OPERATING_REVENUES", LedgerType: "GENERAL", VatTypeID: 3, VatLocked: true},
		{Number: 3030, Name: "Salgsinntekt handelsvarer, avgiftspliktig, middels sats", Type: "OPERATING_REVENUES", LedgerType: "GENERAL", VatTypeID: 31, LegalVatTypeIDs: []int64{31, 3, 0}},
		{Number: 3033, Name: "Salgsinntekt, avgiftspliktig, lav sats", Type: "OPERATING_REVENUES", LedgerType: "GENERAL", VatTypeID: 32, LegalVatTypeIDs: []int64{32, 0}},
		{Number: 3100, Name: "Salgsinntekt, avgiftsfri", Type: "OPERATING_REVENUES", LedgerType: "GENERAL", VatTypeID: 5, LegalVatTypeIDs: []int64{5, 6, 52, 51, 7, 0}},
		{Number: 3200, Name: "Salgsinntekt, unntatt avgiftsplikt", Type: "OPERATING_REVENUES", LedgerType: "GENERAL", VatTypeID: 6, LegalVatTypeIDs: []int64{6, 5, 0}},
		{Number: 3900, Name: "Annen driftsrelatert inntekt", Type: "OPERATING_REVENUES", LedgerType: "GENERAL", LegalVatTypeIDs: outgoing},
		{Number: 6340, Name: "Lys, varme", Type: "OPERATING_EXPENSES", LedgerType: "GENERAL", VatTypeID: 1, LegalVatTypeIDs: incoming},
		{Number: 7770, Name: "Bank og kortgebyrer", Type: "OPERATING_EXPENSES", LedgerType: "GENERAL", LegalVatTypeIDs: incoming},
		{Number: 7790, Name: "Øreavrunding", Type: "OPERATING_EXPENSES", LedgerType: "GENERAL", LegalVatTypeIDs: []int64{0}},
	}
	for _, a := range accts {
		st.addAccount(a)
	}
	st.paymentTypes = []*PaymentType{
		{ID: st.newID(), Description: "Kontant", DebitAccountNumber: 1900, Sequence: 1},
		{ID: st.newID(), Description: "Betalt til bank", DebitAccountNumber: 1920, Sequence: 2},
	}
	for _, n := range seedVoucherTypes {
		st.voucherTypes = append(st.voucherTypes, &VoucherType{ID: st.newID(), Name: n})
	}
}

func (st *state) accountByID(id int64) *Account {
	for _, a := range st.accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (st *state) accountByNumber(n int) *Account {
	for _, a := range st.accounts {
		if a.Number == n {
			return a
		}
	}
	return nil
}

func (st *state) vatType(id int64) *VatType {
	for _, v := range st.vatTypes {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (st *state) voucherTypeByName(name string) *VoucherType {
	for _, v := range st.voucherTypes {
		if v.Name == name {
			return v
		}
	}
	return nil
}

func (st *state) voucherType(id int64) *VoucherType {
	for _, v := range st.voucherTypes {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (st *state) paymentType(id int64) *PaymentType {
	for _, p := range st.paymentTypes {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (st *state) customer(id int64) *Customer {
	for _, c := range st.customers {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (st *state) order(id int64) *Order {
	for _, o := range st.orders {
		if o.ID == id {
			return o
		}
	}
	return nil
}

func (st *state) invoice(id int64) *Invoice {
	for _, i := range st.invoices {
		if i.ID == id {
			return i
		}
	}
	return nil
}

func (st *state) voucher(id int64) *Voucher {
	for _, v := range st.vouchers {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (st *state) posting(id int64) (*Voucher, *Posting) {
	for _, v := range st.vouchers {
		for _, p := range v.Postings {
			if p.ID == id {
				return v, p
			}
		}
	}
	return nil, nil
}

// resolve returns the full object behind a reference path such as
// "customer/123", for fields expansion.
func (st *state) resolve(path string) map[string]any {
	i := strings.LastIndex(path, "/")
	if i < 0 {
		return nil
	}
	id, err := strconv.ParseInt(path[i+1:], 10, 64)
	if err != nil {
		return nil
	}
	switch path[:i] {
	case "customer":
		if c := st.customer(id); c != nil {
			return st.customerJSON(c)
		}
	case "address":
		if a := st.addresses[id]; a != nil {
			return st.addressJSON(a)
		}
	case "order":
		if o := st.order(id); o != nil {
			return st.orderJSON(o)
		}
	case "order/orderline":
		if l := st.orderLines[id]; l != nil {
			return st.orderLineJSON(l)
		}
	case "invoice":
		if inv := st.invoice(id); inv != nil {
			return st.invoiceJSON(inv)
		}
	case "ledger/voucher":
		if v := st.voucher(id); v != nil {
			return st.voucherJSON(v, false)
		}
	case "ledger/posting":
		if v, p := st.posting(id); p != nil {
			return st.postingJSON(v, p)
		}
	case "ledger/account":
		if a := st.accountByID(id); a != nil {
			return st.accountJSON(a)
		}
	case "ledger/vatType":
		if v := st.vatType(id); v != nil {
			return st.vatTypeJSON(v)
		}
	case "ledger/voucherType":
		if v := st.voucherType(id); v != nil {
			return st.voucherTypeJSON(v)
		}
	case "invoice/paymentType":
		if p := st.paymentType(id); p != nil {
			return st.paymentTypeJSON(p)
		}
	case "currency":
		if id == 1 {
			return st.currencyJSON()
		}
	case "country":
		if id == 161 {
			return st.countryJSON()
		}
	case "company":
		if id == st.companyID {
			return st.companyJSON()
		}
	case "employee":
		if id == st.employeeID {
			return st.employeeJSON()
		}
	}
	return nil
}

func (st *state) currencyJSON() map[string]any {
	return map[string]any{"id": 1, "version": 0, "url": st.url("currency", 1), "code": "NOK",
		"description": "Norske kroner", "factor": 1, "displayName": "NOK", "isDisabled": false}
}

func (st *state) countryJSON() map[string]any {
	return map[string]any{"id": 161, "version": 0, "url": st.url("country", 161), "name": "Norge",
		"displayName": "Norge", "isoAlpha2Code": "NO", "isoAlpha3Code": "NOR", "isoNumericCode": "578"}
}

func (st *state) companyJSON() map[string]any {
	return map[string]any{"id": st.companyID, "version": 1, "url": st.url("company", st.companyID),
		"name": st.companyName, "displayName": st.companyName, "organizationNumber": "999999999",
		"startDate": "2020-01-01", "endDate": "", "type": "AS", "currency": st.stub("currency", 1)}
}

func (st *state) employeeJSON() map[string]any {
	return map[string]any{"id": st.employeeID, "version": 1, "url": st.url("employee", st.employeeID),
		"firstName": "Mock", "lastName": "Bruker", "displayName": "Mock Bruker", "email": "mock@example.no",
		"employeeNumber": "1", "company": st.stub("company", st.companyID)}
}

// vatStubs references VAT types; id 0 is a real type ("Ingen
// avgiftsbehandling"), so it is a reference like any other, never null.
func (st *state) vatStubs(ids []int64) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, st.vatStub(id))
	}
	return out
}

func (st *state) accountJSON(a *Account) map[string]any {
	var currency any
	if a.IsBankAccount {
		currency = st.stub("currency", 1)
	}
	return map[string]any{
		"id": a.ID, "version": 1, "url": st.url("ledger/account", a.ID),
		"number": a.Number, "numberPretty": strconv.Itoa(a.Number), "name": a.Name, "description": "",
		"type": a.Type, "ledgerType": a.LedgerType, "legalVatTypes": st.vatStubs(a.LegalVatTypeIDs),
		"vatType": st.vatStub(a.VatTypeID), "vatLocked": a.VatLocked, "currency": currency,
		"isCloseable": false, "isApplicableForSupplierInvoice": a.Type == "OPERATING_EXPENSES",
		"requireReconciliation": a.IsBankAccount || a.LedgerType != "GENERAL", "isInactive": false,
		"isBankAccount": a.IsBankAccount, "isInvoiceAccount": a.IsInvoiceAccount,
		"bankAccountNumber": a.BankAccountNumber, "bankAccountCountry": nil, "bankName": "",
		"bankAccountIBAN": "", "bankAccountSWIFT": "", "saftCode": a.SaftCode, "groupingCode": "",
		"displayName": fmt.Sprintf("%d %s", a.Number, a.Name), "requiresDepartment": false,
		"requiresProject": false, "isPostingsExist": st.accountUsed(a.ID),
	}
}

// vatStub references a VAT type; id 0 is a real type, so never null.
func (st *state) vatStub(id int64) any {
	return map[string]any{"id": id, "url": st.url("ledger/vatType", id)}
}

func (st *state) accountUsed(id int64) bool {
	for _, v := range st.vouchers {
		for _, p := range v.Postings {
			if p.AccountID == id {
				return true
			}
		}
	}
	return false
}

func (st *state) vatTypeJSON(v *VatType) map[string]any {
	return map[string]any{
		"id": v.ID, "version": 0, "url": st.url("ledger/vatType", v.ID), "name": v.Name, "number": v.Number,
		"displayName": fmt.Sprintf("%s: (%s%%) %s", v.Number, v.Percentage.String(), v.Name),
		"percentage":  decJSON(v.Percentage), "deductionPercentage": 100, "parentType": nil,
	}
}

func (st *state) paymentTypeJSON(p *PaymentType) map[string]any {
	a := st.accountByNumber(p.DebitAccountNumber)
	return map[string]any{
		"id": p.ID, "version": 0, "url": st.url("invoice/paymentType", p.ID), "description": p.Description,
		"displayName": p.Description, "debitAccount": st.stub("ledger/account", a.ID), "creditAccount": nil,
		"vatType": st.vatStub(0), "sequence": p.Sequence, "customer": nil, "supplier": nil,
		"currencyId": 1, "currencyCode": "NOK",
	}
}

func (st *state) voucherTypeJSON(v *VoucherType) map[string]any {
	return map[string]any{"id": v.ID, "version": 0, "url": st.url("ledger/voucherType", v.ID), "name": v.Name, "displayName": v.Name}
}

func (st *state) addressJSON(a *Address) map[string]any {
	return map[string]any{"id": a.ID, "version": 1, "url": st.url("address", a.ID),
		"addressLine1": a.AddressLine1, "addressLine2": a.AddressLine2, "postalCode": a.PostalCode,
		"city": a.City, "country": st.stub("country", a.CountryID)}
}

func (st *state) customerJSON(c *Customer) map[string]any {
	return map[string]any{
		"id": c.ID, "version": c.Version, "url": st.url("customer", c.ID), "name": c.Name,
		"organizationNumber": c.OrganizationNumber, "globalLocationNumber": 0, "supplierNumber": 0,
		"customerNumber": c.CustomerNumber, "isSupplier": c.IsSupplier, "isCustomer": true,
		"isInactive": c.IsInactive, "accountManager": nil, "department": nil, "email": c.Email,
		"invoiceEmail": c.InvoiceEmail, "overdueNoticeEmail": c.OverdueNoticeEmail,
		"phoneNumber": c.PhoneNumber, "phoneNumberMobile": c.PhoneNumberMobile, "description": c.Description,
		"language": c.Language, "displayName": fmt.Sprintf("%s (%d)", c.Name, c.CustomerNumber),
		"isPrivateIndividual": c.IsPrivateIndividual, "singleCustomerInvoice": c.SingleCustomerInvoice,
		"invoiceSendMethod": c.InvoiceSendMethod, "emailAttachmentType": c.EmailAttachmentType,
		"postalAddress": st.stub("address", c.PostalAddress.ID), "physicalAddress": st.stub("address", c.PhysicalAddress.ID),
		"deliveryAddress": nil, "category1": nil, "category2": nil, "category3": nil,
		"invoicesDueIn": c.InvoicesDueIn, "invoicesDueInType": c.InvoicesDueInType,
		"currency": st.stub("currency", 1), "bankAccountPresentation": []any{},
		"ledgerAccount": st.stub("ledger/account", st.accountByNumber(1500).ID), "isFactoring": false,
		"invoiceSendSMSNotification": false, "isAutomaticSoftReminderEnabled": false,
		"isAutomaticReminderEnabled": false, "isAutomaticNoticeOfDebtCollectionEnabled": false,
		"discountPercentage": 0, "website": c.Website,
	}
}

func (st *state) orderLineJSON(l *OrderLine) map[string]any {
	return map[string]any{
		"id": l.ID, "version": 1, "url": st.url("order/orderline", l.ID), "product": nil,
		"description": l.Description, "count": decJSON(l.Count), "unitCostCurrency": 0,
		"unitPriceExcludingVatCurrency": decJSON(l.UnitPriceExcludingVat),
		"unitPriceIncludingVatCurrency": decJSON(l.UnitPriceIncludingVat),
		"currency":                      st.stub("currency", 1), "markup": 0, "discount": decJSON(l.Discount),
		"vatType": st.vatStub(l.VatTypeID), "amountExcludingVatCurrency": l.AmountExcludingVat,
		"amountIncludingVatCurrency": l.AmountIncludingVat, "order": st.stub("order", l.OrderID),
		"isSubscription": false, "sortIndex": 0,
	}
}

func (st *state) orderJSON(o *Order) map[string]any {
	lines := make([]any, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = st.stub("order/orderline", l.ID)
	}
	return map[string]any{
		"id": o.ID, "version": o.Version, "url": st.url("order", o.ID), "customer": st.stub("customer", o.CustomerID),
		"contact": nil, "attn": nil, "receiverEmail": o.ReceiverEmail, "overdueNoticeEmail": "",
		"number": o.Number, "reference": o.Reference, "ourContact": nil, "ourContactEmployee": nil,
		"department": nil, "orderDate": o.OrderDate, "project": nil, "invoiceComment": o.InvoiceComment,
		"currency": st.stub("currency", 1), "invoicesDueIn": o.InvoicesDueIn, "invoicesDueInType": o.InvoicesDueInType,
		"isShowOpenPostsOnInvoices": false, "isClosed": o.IsClosed, "deliveryDate": o.DeliveryDate,
		"deliveryAddress": nil, "deliveryComment": o.DeliveryComment, "isPrioritizeAmountsIncludingVat": o.IsPrioritizeAmountsIncludingVat,
		"orderLineSorting": "ID", "orderLines": lines, "isSubscription": false, "preliminaryInvoice": nil,
		"displayName": o.Number, "sendMethodDescription": "",
	}
}

func (st *state) invoiceJSON(inv *Invoice) map[string]any {
	orders := refs(st, "order", inv.OrderIDs)
	lines := make([]any, len(inv.Lines))
	for i, l := range inv.Lines {
		lines[i] = st.stub("order/orderline", l.ID)
	}
	var postings []any
	if v := st.voucher(inv.VoucherID); v != nil {
		for _, p := range v.Postings {
			if p.CustomerID != 0 {
				postings = append(postings, st.stub("ledger/posting", p.ID))
			}
		}
	}
	for _, pay := range inv.Payments {
		if v := st.voucher(pay.VoucherID); v != nil {
			for _, p := range v.Postings {
				if p.CustomerID != 0 {
					postings = append(postings, st.stub("ledger/posting", p.ID))
				}
			}
		}
	}
	if postings == nil {
		postings = []any{}
	}
	deliveryDate := ""
	if len(inv.OrderIDs) > 0 {
		if o := st.order(inv.OrderIDs[0]); o != nil {
			deliveryDate = o.DeliveryDate
		}
	}
	return map[string]any{
		"id": inv.ID, "version": inv.Version, "url": st.url("invoice", inv.ID), "invoiceNumber": inv.InvoiceNumber,
		"invoiceDate": inv.InvoiceDate, "customer": st.stub("customer", inv.CustomerID),
		"creditedInvoice": inv.CreditedInvoiceID, "isCredited": inv.IsCredited, "invoiceDueDate": inv.InvoiceDueDate,
		"kid": "", "invoiceComment": inv.InvoiceComment, "comment": inv.Comment, "orders": orders,
		"orderLines": lines, "travelReports": []any{}, "projectInvoiceDetails": []any{},
		"voucher": st.stub("ledger/voucher", inv.VoucherID), "deliveryDate": deliveryDate,
		"amount": inv.Amount, "amountCurrency": inv.Amount, "amountExcludingVat": inv.AmountExcludingVat,
		"amountExcludingVatCurrency": inv.AmountExcludingVat, "amountRoundoff": Amount(0), "amountRoundoffCurrency": Amount(0),
		"amountOutstanding": inv.AmountOutstanding, "amountCurrencyOutstanding": inv.AmountOutstanding,
		"amountOutstandingTotal": inv.AmountOutstanding, "amountCurrencyOutstandingTotal": inv.AmountOutstanding,
		"sumRemits": Amount(0), "currency": st.stub("currency", 1), "isCreditNote": inv.IsCreditNote,
		"isCharged": true, "isApproved": true, "postings": postings, "reminders": []any{},
		"invoiceRemarks": "", "invoiceRemark": nil, "paymentTypeId": 0, "paidAmount": 0,
		"isPeriodizationPossible": false, "documentId": 0,
	}
}

func (st *state) voucherJSON(v *Voucher, fullPostings bool) map[string]any {
	ps := make([]any, len(v.Postings))
	for i, p := range v.Postings {
		if fullPostings {
			ps[i] = st.postingJSON(v, p)
		} else {
			ps[i] = st.stub("ledger/posting", p.ID)
		}
	}
	numberAsString := fmt.Sprintf("%d-%d", v.Number, v.Year)
	if !v.Posted {
		numberAsString = fmt.Sprintf("<Ikke bokført %d>", v.TempNumber)
	}
	var vt, rev any
	if v.VoucherTypeID != 0 {
		vt = st.stub("ledger/voucherType", v.VoucherTypeID)
	}
	if v.ReverseVoucherID != 0 {
		rev = st.stub("ledger/voucher", v.ReverseVoucherID)
	}
	return map[string]any{
		"id": v.ID, "version": v.Version, "url": st.url("ledger/voucher", v.ID), "date": v.Date,
		"number": v.Number, "tempNumber": v.TempNumber, "year": v.Year, "description": v.Description,
		"voucherType": vt, "reverseVoucher": rev, "postings": ps, "document": nil, "attachment": nil,
		"externalVoucherNumber": v.ExternalVoucherNumber, "ediDocument": nil, "wasAutoMatched": false,
		"vendorInvoiceNumber": v.VendorInvoiceNumber, "displayName": numberAsString + " " + v.Description,
		"numberAsString": numberAsString,
	}
}

func (st *state) postingJSON(v *Voucher, p *Posting) map[string]any {
	var cust, sup, emp any
	if p.CustomerID != 0 {
		cust = st.stub("customer", p.CustomerID)
	}
	if p.SupplierID != 0 {
		sup = st.stub("supplier", p.SupplierID)
	}
	if p.EmployeeID != 0 {
		emp = st.stub("employee", p.EmployeeID)
	}
	return map[string]any{
		"id": p.ID, "version": 1, "url": st.url("ledger/posting", p.ID), "voucher": st.stub("ledger/voucher", v.ID),
		"date": p.Date, "description": p.Description, "account": st.stub("ledger/account", p.AccountID),
		"customer": cust, "supplier": sup, "employee": emp, "project": nil, "product": nil, "department": nil,
		"vatType": st.vatStub(p.VatTypeID), "amount": p.Amount, "amountCurrency": p.Amount,
		"amountGross": p.AmountGross, "amountGrossCurrency": p.AmountGross, "currency": st.stub("currency", 1),
		"closeGroup": nil, "invoiceNumber": p.InvoiceNumber, "termOfPayment": p.TermOfPayment, "row": p.Row,
		"type": nil, "externalRef": "", "systemGenerated": p.SystemGenerated, "matched": false,
		"isVatReadonly": p.SystemGenerated, "isAmountVatClosed": false,
	}
}

func refs(st *state, kind string, ids []int64) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, st.stub(kind, id))
	}
	return out
}
