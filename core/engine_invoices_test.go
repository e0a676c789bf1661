package core

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestFormatAmount(t *testing.T) {
	for minor, want := range map[int64]string{
		0: "0,00", 5: "0,05", -5: "-0,05", 100: "1,00", 123450: "1 234,50", -123450: "-1 234,50",
		100000000: "1 000 000,00", 99999: "999,99", -9223372036854775808: "-92 233 720 368 547 758,08",
	} {
		if got := FormatAmount(minor); got != want {
			t.Errorf("FormatAmount(%d) = %q, want %q", minor, got, want)
		}
	}
}

func TestInvoiceJournalBalancesAndReversesForCredits(t *testing.T) {
	accounts := JournalAccounts{Receivables: "1510", Rounding: "3740",
		Sales: map[string]string{"25": "3001", "12": "3002"}, OutputVAT: map[string]string{"25": "2611", "12": "2621"}}
	priced := PriceLines([]LineInput{line("1", 12500, "25"), line("3", 3333, "12")}, true)
	inv := Invoice{ID: "inv_1", Number: 1001, Kind: KindInvoice, Status: StatusPosted, InvoiceDate: "2026-11-21", Currency: "SEK",
		NetTotal: priced.Net, VATTotal: priced.VAT, Total: priced.Total, VATBreakdown: priced.Breakdown, Rounding: 1}
	v, err := InvoiceJournal(inv, accounts, Sweden)
	if err != nil {
		t.Fatal(err)
	}
	byAccount := map[string]int64{}
	for _, p := range v.Postings {
		byAccount[p.Account] += p.Amount
	}
	want := map[string]int64{"1510": 22500, "3001": -10000, "2611": -2500, "3002": -(9999 - 1071), "2621": -1071, "3740": -1}
	for acct, amount := range want {
		if byAccount[acct] != amount {
			t.Errorf("account %s: %d, want %d (all: %v)", acct, byAccount[acct], amount, byAccount)
		}
	}
	credit := inv
	credit.Kind, credit.Total, credit.NetTotal, credit.VATTotal, credit.Rounding = KindCredit, -inv.Total, -inv.NetTotal, -inv.VATTotal, -1
	credit.VATBreakdown = nil
	for _, b := range inv.VATBreakdown {
		credit.VATBreakdown = append(credit.VATBreakdown, VATAmount{VATRate: b.VATRate, Net: -b.Net, VAT: -b.VAT})
	}
	cv, err := InvoiceJournal(credit, accounts, Sweden)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cv.Postings {
		byAccount[p.Account] += p.Amount
	}
	for acct, sum := range byAccount {
		if sum != 0 {
			t.Errorf("invoice + credit leave %d on %s", sum, acct)
		}
	}
	if _, err := InvoiceJournal(inv, JournalAccounts{Receivables: "1510"}, Sweden); Code(err) != CodeInvalid || !strings.Contains(err.Error(), "accounts.sales.25") {
		t.Errorf("missing sales account: %v", err)
	}
	draft := inv
	draft.Status = StatusDraft
	if _, err := InvoiceJournal(draft, accounts, Sweden); Code(err) != CodeConflict {
		t.Errorf("draft journal: %v", err)
	}
}

// TestInvoiceJournalTextsFollowTheCountry: a Norwegian merchant's journal
// entries are in Norwegian, a Swedish merchant's in Swedish.
func TestInvoiceJournalTextsFollowTheCountry(t *testing.T) {
	accounts := JournalAccounts{Receivables: "1500", Rounding: "7790",
		Sales: map[string]string{"25": "3000"}, OutputVAT: map[string]string{"25": "2700"}}
	priced := PriceLines([]LineInput{line("1", 12500, "25")}, true)
	inv := Invoice{ID: "inv_1", Number: 7, Kind: KindInvoice, Status: StatusPosted, InvoiceDate: "2026-11-21", Currency: "NOK", CustomerName: "Kunde AS",
		NetTotal: priced.Net, VATTotal: priced.VAT, Total: priced.Total, VATBreakdown: priced.Breakdown, Rounding: 1}
	credit := inv
	credit.Kind = KindCredit
	tests := []struct {
		country Country
		inv     Invoice
		want    []string // voucher text, then the postings' texts in order
	}{
		{Norway, inv, []string{"Faktura 7 Kunde AS", "Kundefordring", "Salg 25 %", "Utgående mva 25 %", "Øreavrunding"}},
		{Norway, credit, []string{"Kreditnota 7 Kunde AS"}},
		{Sweden, inv, []string{"Faktura 7 Kunde AS", "Kundfordran", "Försäljning 25 %", "Utgående moms 25 %", "Öresavrundning"}},
		{Sweden, credit, []string{"Kreditfaktura 7 Kunde AS"}},
	}
	for _, tt := range tests {
		v, err := InvoiceJournal(tt.inv, accounts, tt.country)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{v.Description}
		for _, p := range v.Postings {
			got = append(got, p.Description)
		}
		if !slices.Equal(got[:len(tt.want)], tt.want) {
			t.Errorf("%s %s: %q, want %q", tt.country, tt.inv.Kind, got, tt.want)
		}
	}
}

func TestValidateInvoiceSettingsNamesEveryField(t *testing.T) {
	bad := InvoiceSettings{
		StartNumber: 0, Bankgiro: "5402-9682", Plusgiro: "410 54 68-6",
		Company:              Company{OrganizationNumber: "5560160681", VATNumber: "SE5560160680", Email: "not-an-address"},
		AccountantCopy:       AccountantCopy{Enabled: true, Emails: []string{"revisor@example.se", "x"}},
		ReminderDaysAfterDue: -1, RoundToWholeKronor: true,
	}
	_, err := CheckInvoiceSettings(Norway, bad)
	got := map[string]bool{}
	for _, f := range AsError(err).Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"start_number", "company.name", "bankgiro", "plusgiro", "company.organization_number",
		"company.vat_number", "company.email", "accountant_copy.emails[1]", "reminder_days_after_due", "round_to_whole_kronor"} {
		if !got[f] {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
	good := InvoiceSettings{StartNumber: 1001, Bankgiro: "54029681", Plusgiro: "4105468-5",
		Company: Company{Name: "Kafé Linnea AB", OrganizationNumber: "556016-0680", VATNumber: "SE556016068001"}}
	out, err := CheckInvoiceSettings(Sweden, good)
	if err != nil {
		t.Fatal(err)
	}
	if out.Bankgiro != "5402-9681" || out.Plusgiro != "410 54 68-5" || out.Company.OrganizationNumber != "5560160680" {
		t.Errorf("not normalised: %+v", out)
	}
}

// The Norwegian account number, IBAN and BIC are checked
// and normalised, each bad one named; Foretaksregisteret and the
// kontonummer are Norwegian only; Swedish settings without them still save.
func TestValidateInvoiceSettingsBankFields(t *testing.T) {
	no := func() InvoiceSettings {
		return InvoiceSettings{StartNumber: 1001, Company: Company{Name: "Kafé Fjord AS", OrganizationNumber: "923609016", VATNumber: "NO923609016MVA"}}
	}
	fields := func(err error) []string {
		var out []string
		for _, f := range AsError(err).Fields {
			out = append(out, f.Field)
		}
		return out
	}
	s := no()
	s.BankAccount, s.IBAN, s.BIC, s.RegisteredInForetaksregisteret = "1234.56.78903", "no93 8601 1117 947", "dnbanokk", true
	out, err := CheckInvoiceSettings(Norway, s)
	if err != nil {
		t.Fatal(err)
	}
	if out.BankAccount != "12345678903" || out.IBAN != "NO9386011117947" || out.BIC != "DNBANOKK" || !out.RegisteredInForetaksregisteret {
		t.Errorf("not normalised: %+v", out)
	}
	for _, tt := range []struct {
		name    string
		country Country
		set     func(*InvoiceSettings)
		want    []string
	}{
		{"bad check digits", Norway, func(s *InvoiceSettings) {
			s.BankAccount, s.IBAN, s.BIC = "1234.56.78904", "NO9486011117947", "DNBA"
		}, []string{"bank_account", "iban", "bic"}},
		{"wrong IBAN length", Norway, func(s *InvoiceSettings) { s.IBAN = "SE45500000000583982574" }, []string{"iban"}},
		{"BIC without IBAN", Norway, func(s *InvoiceSettings) { s.BIC = "DNBANOKK" }, []string{"bic"}},
		{"kontonummer and Foretaksregisteret in Sweden", Sweden, func(s *InvoiceSettings) {
			s.Company = Company{Name: "Kafé Linnea AB"}
			s.BankAccount, s.RegisteredInForetaksregisteret = "12345678903", true
		}, []string{"bank_account", "registered_in_foretaksregisteret"}},
	} {
		s := no()
		tt.set(&s)
		_, err := CheckInvoiceSettings(tt.country, s)
		if Code(err) != CodeInvalid || !slices.Equal(fields(err), tt.want) {
			t.Errorf("%s: %v, want invalid %v", tt.name, err, tt.want)
		}
	}
	se := InvoiceSettings{StartNumber: 1001, Bankgiro: "5402-9681", IBAN: "SE4550000000058398257466", BIC: "ESSESESS",
		Company: Company{Name: "Kafé Linnea AB", OrganizationNumber: "5560160680", VATNumber: "SE556016068001"}}
	if out, err := CheckInvoiceSettings(Sweden, se); err != nil || out.IBAN != se.IBAN {
		t.Errorf("Swedish settings with IBAN: %+v, %v", out, err)
	}
	se.IBAN, se.BIC = "", ""
	if _, err := CheckInvoiceSettings(Sweden, se); err != nil {
		t.Errorf("Swedish settings without the new fields: %v", err)
	}
}

func TestChargeRefusesCustomersThatCannotBeInvoiced(t *testing.T) {
	e, prov, ps := newTestEngine(t)
	for id, want := range map[string]string{"cus_inactive": "is not active", "cus_unknown": "no such customer"} {
		req := validCharge()
		req.CustomerID = id
		_, _, err := e.Charge(context.Background(), ps[RoleCashier], "k-"+id, req)
		fields := AsError(err).Fields
		if Code(err) != CodeInvalid || len(fields) != 1 || fields[0].Field != "customer_id" || !strings.Contains(fields[0].Message, want) {
			t.Errorf("%s: %v, want invalid customer_id %q", id, err, want)
		}
	}
	if prov.calls != 0 {
		t.Errorf("provider asked to invoice %d times for refused customers", prov.calls)
	}
}

func TestChargeReturnsDeliveryNote(t *testing.T) {
	e, _, ps := newTestEngine(t)
	req := validCharge()
	req.Reference = "Anna Svensson"
	req.Lines = append(req.Lines, LineInput{Description: "Kanelbulle", Quantity: decimal.NewFromInt(3), UnitPrice: 3500, VATRate: decimal.NewFromInt(6)})
	res, _, err := e.Charge(context.Background(), ps[RoleCashier], "k", req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Receipt == nil {
		t.Fatal("no delivery note")
	}
	for _, want := range []string{"FÖLJESEDEL", "Kafé Test", "Kund cus_1 (1)", "Er referens:", "Anna Svensson", "Kaffe", "2 x 35,00", "70,00",
		"Kanelbulle", "Varav moms 6 %", "Varav moms 12 %", "Totalt SEK", "175,00", "Faktura nr", "Förfallodag"} {
		if !strings.Contains(res.Receipt.Text, want) {
			t.Errorf("delivery note lacks %q:\n%s", want, res.Receipt.Text)
		}
	}
	for _, l := range strings.Split(strings.TrimRight(res.Receipt.Text, "\n"), "\n") {
		if n := len([]rune(l)); n > noteWidth {
			t.Errorf("line wider than %d columns (%d): %q", noteWidth, n, l)
		}
	}
}

func TestValidCustomerChecksOrganizationNumbers(t *testing.T) {
	tests := []struct {
		country Country
		number  string
		want    string // normalised, or "" for an error
	}{
		{Sweden, "556016-0680", "5560160680"},
		{Sweden, "5560160681", ""},
		{Sweden, "20000229-2399", "0002292399"},
		{Norway, "991 825 827", "991825827"},
		{Norway, "123456786", ""},
		{Sweden, "", ""},
	}
	for _, tt := range tests {
		c, err := validCustomer(tt.country, Customer{Name: "Kund", OrganizationNumber: tt.number}, nil)
		switch {
		case tt.number == "":
			if err != nil || c.OrganizationNumber != "" {
				t.Errorf("no number: %v %q", err, c.OrganizationNumber)
			}
		case tt.want == "":
			if f := AsError(err); f == nil || len(f.Fields) != 1 || f.Fields[0].Field != FieldOrganizationNumber {
				t.Errorf("%s %s: %v, want invalid organization_number", tt.country, tt.number, err)
			}
		case err != nil || c.OrganizationNumber != tt.want:
			t.Errorf("%s %s: %q, %v; want %q", tt.country, tt.number, c.OrganizationNumber, err, tt.want)
		}
	}
	if _, err := validCustomer(Sweden, Customer{OrganizationNumber: "1"}, nil); len(AsError(err).Fields) != 2 {
		t.Errorf("want name and organization_number errors together, got %v", err)
	}
}

// TestPaymentInputValidate names every bad field of a payment.
func TestPaymentInputValidate(t *testing.T) {
	amount := func(v int64) *int64 { return &v }
	const today = Date("2026-03-02")
	for _, c := range []struct {
		name string
		in   PaymentInput
		want []string
	}{
		{"full payment", PaymentInput{PaidAt: today}, nil},
		{"a part with a method", PaymentInput{PaidAt: "2026-03-01", Amount: amount(1), Method: "bank"}, nil},
		{"nothing", PaymentInput{}, []string{"paid_at"}},
		{"malformed date", PaymentInput{PaidAt: "2026-3-1"}, []string{"paid_at"}},
		{"future date", PaymentInput{PaidAt: "2026-03-03"}, []string{"paid_at"}},
		{"zero amount", PaymentInput{PaidAt: today, Amount: amount(0)}, []string{"amount"}},
		{"negative amount, long method", PaymentInput{PaidAt: today, Amount: amount(-5), Method: strings.Repeat("m", MaxPaymentMethodLength+1)}, []string{"amount", "method"}},
	} {
		err := c.in.Validate(today)
		var got []string
		if e := AsError(err); e != nil {
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: fields %v, want %v (%v)", c.name, got, c.want, err)
		}
	}
}
