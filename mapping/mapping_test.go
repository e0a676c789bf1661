package mapping

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// fields returns the field names of an invalid error, sorted.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := core.AsError(err)
	if e.Code != core.CodeInvalid {
		t.Fatalf("code = %s, want invalid (%v)", e.Code, err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

func TestValidate(t *testing.T) {
	good := seMapping()
	tests := []struct {
		name   string
		change func(m *Mapping)
		want   []string
	}{
		{"good", func(m *Mapping) {}, nil},
		{"bad payment account", func(m *Mapping) { m.PaymentMethods["card"] = "15x0" }, []string{"payment_methods.card"}},
		{"empty payment account", func(m *Mapping) { m.PaymentMethods["card"] = "" }, []string{"payment_methods.card"}},
		{"empty method name", func(m *Mapping) { m.PaymentMethods[" "] = "1910" }, []string{"payment_methods"}},
		{"missing fallback", func(m *Mapping) { m.FallbackPaymentAccount = "" }, []string{"fallback_payment_account"}},
		{"short fallback", func(m *Mapping) { m.FallbackPaymentAccount = "193" }, []string{"fallback_payment_account"}},
		{"bad rate key", func(m *Mapping) { m.VATRates["high"] = "3001" }, []string{"vat_rates.high"}},
		{"rate of 100", func(m *Mapping) { m.VATAccounts["100"] = "2611" }, []string{"vat_accounts.100"}},
		{"negative rate", func(m *Mapping) { m.VATRates["-6"] = "3003" }, []string{"vat_rates.-6"}},
		{"duplicate rate", func(m *Mapping) { m.VATRates["25.0"] = "3001" }, []string{"vat_rates.25.0"}},
		{"bad vat account", func(m *Mapping) { m.VATAccounts["12"] = "2621 " }, []string{"vat_accounts.12"}},
		{"bad takeaway account", func(m *Mapping) { m.ProductGroups["food"] = GroupAccounts{EatIn: "3010", Takeaway: "abc"} }, []string{"product_groups.food.takeaway"}},
		{"empty sides are fine", func(m *Mapping) { m.ProductGroups["misc"] = GroupAccounts{} }, nil},
		{"empty group name", func(m *Mapping) { m.ProductGroups[""] = GroupAccounts{EatIn: "3010"} }, []string{"product_groups"}},
		{"unknown event", func(m *Mapping) { m.Events["fees"] = "6570" }, []string{"events.fees"}},
		{"empty event account", func(m *Mapping) { m.Events["tips"] = "" }, []string{"events.tips"}},
		{"several at once", func(m *Mapping) {
			m.PaymentMethods["swish"] = "x"
			m.ProductGroups["food"] = GroupAccounts{EatIn: "1", Takeaway: "2"}
		}, []string{"payment_methods.swish", "product_groups.food.eat_in", "product_groups.food.takeaway"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := clone(good)
			tt.change(&m)
			if got := fields(t, m.Validate()); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMappingJSON(t *testing.T) {
	body := `{"payment_methods":{"card":"1580"},"fallback_payment_account":"1930",
		"vat_rates":{"25":"3001"},"product_groups":{"food":{"eat_in":"3010","takeaway":"3011"}},
		"events":{"tips":"2890","rounding":"3740"},"vat_accounts":{"25":"2611"}}`
	var m Mapping
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	if m.ProductGroups["food"].Takeaway != "3011" || m.Events[EventRounding] != "3740" || m.FallbackPaymentAccount != "1930" {
		t.Fatalf("decoded %+v", m)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestAccounts(t *testing.T) {
	m := Mapping{
		PaymentMethods:         map[string]string{"card": "1580"},
		FallbackPaymentAccount: "1930",
		VATRates:               map[string]string{"25.0": "3001"},
		ProductGroups:          map[string]GroupAccounts{"food": {EatIn: "3010"}},
		Events:                 map[string]string{"tips": "2890"},
		VATAccounts:            map[string]string{"12": "2621"},
	}
	want := []AccountUse{
		{Path: "events.tips", Account: "2890", Role: RoleEvent},
		{Path: "fallback_payment_account", Account: "1930", Role: RolePayment},
		{Path: "payment_methods.card", Account: "1580", Role: RolePayment},
		{Path: "product_groups.food.eat_in", Account: "3010", Role: RoleGroupSales},
		{Path: "vat_accounts.12", Account: "2621", Role: RoleOutputVAT, VATRate: "12"},
		{Path: "vat_rates.25.0", Account: "3001", Role: RoleSales, VATRate: "25"},
	}
	got := m.Accounts()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Accounts() =\n%+v\nwant\n%+v", got, want)
	}
	for _, u := range got {
		if taxable := u.Role == RoleSales || u.Role == RoleGroupSales; u.Taxable() != taxable {
			t.Errorf("%s: Taxable() = %v", u.Path, u.Taxable())
		}
	}
}

func TestStandardSuggestion(t *testing.T) {
	methods := []string{"cash", "card", "swish", "vipps", "invoice", "gift_card", "Klarna"}
	groups := []string{"food", "drinks"}
	tests := []struct {
		country core.Country
		want    map[string]string // path → account
		absent  []string
	}{
		{core.Sweden, map[string]string{
			"payment_methods.cash": "1910", "payment_methods.card": "1580", "payment_methods.swish": "1930",
			"payment_methods.gift_card": "2421", "payment_methods.Klarna": "1580", "payment_methods.vipps": "1580",
			"fallback_payment_account": "1580", "events.receivables": "1510", "events.tips": "2890",
			"events.rounding": "3740", "events.gift_cards": "2421", "events.discounts": "3730",
			"vat_rates.25": "3001", "vat_rates.12": "3002", "vat_rates.6": "3003", "vat_rates.0": "3004",
			"vat_accounts.25": "2611", "vat_accounts.12": "2621", "vat_accounts.6": "2631",
		}, []string{"payment_methods.invoice"}},
		{core.Norway, map[string]string{
			"payment_methods.cash": "1900", "payment_methods.card": "1920", "payment_methods.vipps": "1920",
			"payment_methods.gift_card": "2900", "payment_methods.Klarna": "1920", "payment_methods.swish": "1920",
			"fallback_payment_account": "1920", "events.receivables": "1500", "events.tips": "2910",
			"events.rounding": "7790", "events.gift_cards": "2900",
			"vat_rates.25": "3000", "vat_rates.15": "3030", "vat_rates.0": "3100",
			"vat_accounts.25": "2700", "vat_accounts.15": "2701", "vat_accounts.12": "2703",
		}, []string{"payment_methods.invoice", "events.discounts"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.country), func(t *testing.T) {
			m := StandardSuggestion(tt.country, methods, groups)
			if err := m.Validate(); err != nil {
				t.Fatalf("suggestion does not validate: %v", err)
			}
			got := map[string]string{}
			for _, u := range m.Accounts() {
				got[u.Path] = u.Account
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("accounts =\n%v\nwant\n%v", got, tt.want)
			}
			for _, p := range tt.absent {
				if _, ok := got[p]; ok {
					t.Errorf("%s should not be suggested", p)
				}
			}
			if len(m.ProductGroups) != 2 || m.ProductGroups["food"] != (GroupAccounts{}) {
				t.Errorf("product groups = %v, want both listed and unmapped", m.ProductGroups)
			}
		})
	}
	if m := StandardSuggestion("DK", methods, groups); len(m.PaymentMethods)+len(m.VATRates)+len(m.Events) != 0 || m.PaymentMethods == nil {
		t.Errorf("unknown country: %+v, want empty non-nil maps", m)
	}
}

// A suggested mapping books a Swedish day without further setup.
func TestStandardSuggestionBooksADay(t *testing.T) {
	m := StandardSuggestion(core.Sweden, []string{"card", "cash"}, []string{"food"})
	receipts := []core.SalesReceipt{
		receipt("r1", line("food", "6", true, 10600), line("food", "12", false, 11200), pay("card", 21800)),
	}
	v, err := BuildVoucher(core.Sweden, day, "loc_1", "SEK", receipts, m, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []core.Posting{
		{Account: "1580", Amount: 21800},
		{Account: "2621", Amount: -1200},
		{Account: "2631", Amount: -600},
		{Account: "3002", Amount: -10000, VATCode: "12"},
		{Account: "3003", Amount: -10000, VATCode: "6"},
	}
	assertPostings(t, v.Postings, want)
}

func clone(m Mapping) Mapping {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	var out Mapping
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
