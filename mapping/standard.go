package mapping

import (
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// standardChart is a country's default accounts in its standard chart.
type standardChart struct {
	methods     map[string]string // normalized method name → account
	fallback    string
	vatRates    map[string]string
	vatAccounts map[string]string
	events      map[string]string
}

// basChart is BAS (Sweden). Every account and its source is in the
// reviewed table docs/account-suggestions.md, which a test holds equal to
// this chart and ns4102Chart. Sources: spiris.md §6.2 (checked against
// bas.se kontoplan listings) unless noted.
//   - 1910 Kassa (cash); 1930 Företagskonto (Swish settles straight into
//     the bank account); 1580 Fordringar för kontokort och kuponger (card
//     takings until the acquirer pays out, spiris.md §6.5).
//   - Fallback 1580: a clearing account the accountant reconciles, so an
//     unknown method is visible rather than mixed into the bank. A choice,
//     not a BAS rule.
//   - 1510 Kundfordringar (invoice); 3001/3002/3003/3004 Försäljning inom
//     Sverige 25 %/12 %/6 %/momsfri; 2611/2621/2631 Utgående moms på
//     försäljning inom Sverige 25 %/12 %/6 %.
//   - Tips 2890 Övriga kortfristiga skulder: BAS has no tips account
//     (spiris.md §6.4); tips are the staff's, a liability.
//   - Rounding 3740 Öres- och kronutjämning; discounts 3730 Lämnade rabatter.
//   - Gift cards 2421 Ej inlösta presentkort (BAS 2020 and later, per FAR
//     "Redovisa rätt", faronline.se; not in spiris.md).
var basChart = standardChart{
	methods: map[string]string{
		"cash": "1910", "kontant": "1910", "kontanter": "1910",
		"card": "1580", "kort": "1580",
		"swish":     "1930",
		"gift_card": "2421", "presentkort": "2421",
	},
	fallback:    "1580",
	vatRates:    map[string]string{"25": "3001", "12": "3002", "6": "3003", "0": "3004"},
	vatAccounts: map[string]string{"25": "2611", "12": "2621", "6": "2631"},
	events: map[string]string{
		EventReceivables: "1510", EventTips: "2890", EventRounding: "3740",
		EventGiftCards: "2421", EventDiscounts: "3730",
	},
}

// ns4102Chart is NS 4102 (Norway) as in Tripletex's default company
// (tripletex.md §3.6, §7) unless noted.
//   - 1900 Kontanter; 1920 Bankinnskudd for card, Vipps and the fallback
//     (Tripletex's payment type "Betalt til bank"); 1500 Kundefordringer.
//   - Sales 3000 Salgsinntekt, avgiftspliktig (25 %; locked to VAT code 3
//     in Tripletex), 3100 Salgsinntekt, avgiftsfri (0 %). 15 %: 3030
//     "Salgsinntekt handelsvarer, avgiftspliktig, middels sats" is an
//     NS 4102 variant (kontohjelp.no); UNSURE whether Tripletex's default
//     chart has it. No 12 % sales account is suggested: restaurants rarely
//     sell at 12 %, and none was verified.
//   - Output VAT 2700 Utgående merverdiavgift, høy sats (verified); 2701
//     middels (15 %) and 2703 lav (12 %) follow the SAF-T standard
//     accounts: UNSURE, tripletex.md marks them "verify in sandbox".
//   - Tips 2910 Gjeld til ansatte (kontohjelp.no kontogruppe 29): UNSURE
//     that accountants prefer it to 2990/2999 for card tips.
//   - Rounding 7790 Øreavrunding, as Tripletex's default chart names it
//     (booked without VAT code).
//   - Gift cards 2900 Forskudd fra kunder (kontohjelp.no); Tripletex also
//     offers 2903 "Forskudd kunder tilgodelapp".
//   - No discounts account: none was verified.
var ns4102Chart = standardChart{
	methods: map[string]string{
		"cash": "1900", "kontant": "1900", "kontanter": "1900",
		"card": "1920", "kort": "1920",
		"vipps": "1920", "mobilepay": "1920",
		"gift_card": "2900", "gavekort": "2900",
	},
	fallback:    "1920",
	vatRates:    map[string]string{"25": "3000", "15": "3030", "0": "3100"},
	vatAccounts: map[string]string{"25": "2700", "15": "2701", "12": "2703"},
	events: map[string]string{
		EventReceivables: "1500", EventTips: "2910", EventRounding: "7790", EventGiftCards: "2900",
	},
}

// StandardSuggestion proposes a mapping from the country's standard chart
// (BAS for SE, NS 4102 for NO) for the payment methods and product groups a
// merchant's registers use. Every method is listed: a known one ("cash",
// "card", "swish", "vipps", "gift_card", and Swedish/Norwegian spellings)
// with its standard account, any other with the fallback account, so the
// wizard shows every row. MethodInvoice is left out of PaymentMethods: it is
// booked on Events["receivables"]. Every product group is listed with both
// sides empty, so revenue goes by VAT rate (whose standard accounts are
// named per rate) until the merchant picks group accounts: a group's rate
// can change with the date and with eat-in or takeaway, which a fixed
// per-group suggestion would get wrong. An unknown country yields empty
// maps. The result passes Validate.
func StandardSuggestion(country core.Country, methods []string, groups []string) Mapping {
	m := Mapping{
		PaymentMethods: map[string]string{},
		VATRates:       map[string]string{},
		ProductGroups:  map[string]GroupAccounts{},
		Events:         map[string]string{},
		VATAccounts:    map[string]string{},
	}
	var chart standardChart
	switch country {
	case core.Sweden:
		chart = basChart
	case core.Norway:
		chart = ns4102Chart
	default:
		return m
	}
	m.FallbackPaymentAccount = chart.fallback
	for _, method := range methods {
		if strings.TrimSpace(method) == "" || method == MethodInvoice {
			continue
		}
		acc, ok := chart.methods[strings.ToLower(strings.TrimSpace(method))]
		if !ok {
			acc = chart.fallback
		}
		m.PaymentMethods[method] = acc
	}
	for _, g := range groups {
		if strings.TrimSpace(g) != "" {
			m.ProductGroups[g] = GroupAccounts{}
		}
	}
	for k, v := range chart.vatRates {
		m.VATRates[k] = v
	}
	for k, v := range chart.vatAccounts {
		m.VATAccounts[k] = v
	}
	for k, v := range chart.events {
		m.Events[k] = v
	}
	return m
}
