package mapping

import (
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/shopspring/decimal"
)

// ProductGroupKind classifies goods for VAT: what the goods are, not what the
// merchant calls the group.
type ProductGroupKind string

// The kinds of goods whose VAT rate the rules know.
const (
	// KindFood is food and non-alcoholic drink (livsmedel, næringsmidler).
	KindFood ProductGroupKind = "food"
	// KindRestaurant is a served meal or catering: a restaurant service
	// when eaten on the premises, food when taken away.
	KindRestaurant ProductGroupKind = "restaurant"
	// KindAlcohol is spirits, wine and strong beer (SE) and alcoholic
	// drink (NO): never food.
	KindAlcohol ProductGroupKind = "alcohol"
	// KindGeneral is everything else at the standard rate.
	KindGeneral ProductGroupKind = "general"
)

// Kinds lists the product-group kinds the rules cover.
func Kinds() []ProductGroupKind {
	return []ProductGroupKind{KindAlcohol, KindFood, KindGeneral, KindRestaurant}
}

// VATRule says that goods of Kind, taken away or not, are sold at Rate in
// Country from From to To, both inclusive. An empty To is open-ended.
type VATRule struct {
	Country  core.Country     `json:"country"`
	Kind     ProductGroupKind `json:"kind"`
	Takeaway bool             `json:"takeaway"`
	Rate     decimal.Decimal  `json:"rate"`
	From     core.Date        `json:"from"`
	To       core.Date        `json:"to,omitempty"`
}

// RulesFrom is the first date the rule table covers. Earlier rates were not
// researched; RateFor answers not_found before it.
const RulesFrom core.Date = "2025-01-01"

// vatRules is the table, as data so a rate change is one more row.
//
// Sweden (nordic-rules.md §0.1, §1.8; Prop. 2025/26:55): food 12 % until
// 2026-03-31, 6 % from 2026-04-01 to 2027-12-31; the cut is temporary, so
// the table returns to 12 % on 2028-01-01 (re-check before then: the
// Riksdag may extend it). Take-away counts as food; eating on the premises
// is a restaurant service at 12 % throughout (the split is [secondary]:
// PwC's reading of the proposition). Spirits, wine, strong beer and
// everything else: 25 %.
//
// Norway (nordic-rules.md §3.4; mval. § 5-2, fmva. § 5-2-5): food 15 %; food
// served for consumption on the spot is a serving service at 25 %;
// take-away 15 %; alcohol, tobacco and everything else 25 %.
var vatRules = buildRules()

func buildRules() []VATRule {
	r := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	var rules []VATRule
	add := func(c core.Country, k ProductGroupKind, takeaway bool, rate string, from, to core.Date) {
		rules = append(rules, VATRule{Country: c, Kind: k, Takeaway: takeaway, Rate: r(rate), From: from, To: to})
	}
	both := func(c core.Country, k ProductGroupKind, rate string) {
		add(c, k, false, rate, RulesFrom, "")
		add(c, k, true, rate, RulesFrom, "")
	}
	for _, k := range []ProductGroupKind{KindFood, KindRestaurant} {
		add(core.Sweden, k, true, "12", RulesFrom, "2026-03-31")
		add(core.Sweden, k, true, "6", "2026-04-01", "2027-12-31")
		add(core.Sweden, k, true, "12", "2028-01-01", "")
		add(core.Sweden, k, false, "12", RulesFrom, "")
		add(core.Norway, k, true, "15", RulesFrom, "")
		add(core.Norway, k, false, "25", RulesFrom, "")
	}
	for _, c := range []core.Country{core.Sweden, core.Norway} {
		both(c, KindAlcohol, "25")
		both(c, KindGeneral, "25")
	}
	return rules
}

// VATRules returns a copy of the rule table.
func VATRules() []VATRule { return append([]VATRule(nil), vatRules...) }

// RateFor returns the VAT rate (percent) of goods of kind, taken away or
// not, sold in country on date. Errors: invalid naming country, kind or
// date when one is not known or malformed; not_found when no rule covers the
// date (before RulesFrom).
func RateFor(country core.Country, kind ProductGroupKind, takeaway bool, date core.Date) (decimal.Decimal, error) {
	var errs []core.FieldError
	if !country.Valid() {
		errs = append(errs, core.FieldError{Field: "country", Message: "must be SE or NO"})
	}
	known := false
	for _, k := range Kinds() {
		known = known || k == kind
	}
	if !known {
		errs = append(errs, core.FieldError{Field: "kind", Message: "must be one of alcohol, food, general, restaurant"})
	}
	if !date.Valid() {
		errs = append(errs, core.FieldError{Field: "date", Message: "must be a date YYYY-MM-DD"})
	}
	if err := core.Invalid("invalid VAT rule query", errs...); err != nil {
		return decimal.Zero, err
	}
	for _, rule := range vatRules {
		if rule.Country == country && rule.Kind == kind && rule.Takeaway == takeaway &&
			rule.From <= date && (rule.To == "" || date <= rule.To) {
			return rule.Rate, nil
		}
	}
	return decimal.Zero, core.Errorf(core.CodeNotFound, "no VAT rule for %s %s (takeaway %v) on %s", country, kind, takeaway, date)
}
