package mapping

import (
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestRateFor(t *testing.T) {
	tests := []struct {
		country  core.Country
		kind     ProductGroupKind
		takeaway bool
		date     core.Date
		want     string
	}{
		// Sweden: the food cut starts on 2026-04-01 and ends after 2027-12-31.
		{core.Sweden, KindFood, true, "2025-01-01", "12"},
		{core.Sweden, KindFood, true, "2026-03-31", "12"},
		{core.Sweden, KindFood, true, "2026-04-01", "6"},
		{core.Sweden, KindFood, true, "2027-12-31", "6"},
		{core.Sweden, KindFood, true, "2028-01-01", "12"},
		{core.Sweden, KindRestaurant, true, "2026-04-01", "6"},
		{core.Sweden, KindRestaurant, true, "2026-03-31", "12"},
		// Eating on the premises is a restaurant service: 12 % throughout.
		{core.Sweden, KindFood, false, "2026-03-31", "12"},
		{core.Sweden, KindFood, false, "2026-04-01", "12"},
		{core.Sweden, KindRestaurant, false, "2026-04-01", "12"},
		{core.Sweden, KindRestaurant, false, "2027-12-31", "12"},
		{core.Sweden, KindAlcohol, true, "2026-04-01", "25"},
		{core.Sweden, KindAlcohol, false, "2026-04-01", "25"},
		{core.Sweden, KindGeneral, true, "2030-06-01", "25"},
		// Norway: take-away food 15 %, served food 25 %.
		{core.Norway, KindFood, true, "2026-04-01", "15"},
		{core.Norway, KindFood, false, "2026-04-01", "25"},
		{core.Norway, KindRestaurant, true, "2025-01-01", "15"},
		{core.Norway, KindRestaurant, false, "2025-01-01", "25"},
		{core.Norway, KindAlcohol, true, "2026-04-01", "25"},
		{core.Norway, KindGeneral, false, "2026-04-01", "25"},
	}
	for _, tt := range tests {
		got, err := RateFor(tt.country, tt.kind, tt.takeaway, tt.date)
		if err != nil {
			t.Errorf("RateFor(%s, %s, %v, %s): %v", tt.country, tt.kind, tt.takeaway, tt.date, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("RateFor(%s, %s, %v, %s) = %s, want %s", tt.country, tt.kind, tt.takeaway, tt.date, got, tt.want)
		}
	}
}

func TestRateForErrors(t *testing.T) {
	if _, err := RateFor(core.Sweden, KindFood, true, "2024-12-31"); core.Code(err) != core.CodeNotFound {
		t.Errorf("before the table: %v, want not_found", err)
	}
	_, err := RateFor("DK", "candy", false, "2026-13-01")
	if got := fields(t, err); len(got) != 3 || got[0] != "country" || got[1] != "date" || got[2] != "kind" {
		t.Errorf("fields = %v, want country, date, kind", got)
	}
}

// Every kind, country and takeaway flag has exactly one rate on every day
// from RulesFrom on: no gaps, no overlaps.
func TestVATRulesCoverEveryDayOnce(t *testing.T) {
	rules := VATRules()
	for _, c := range []core.Country{core.Sweden, core.Norway} {
		for _, k := range Kinds() {
			for _, takeaway := range []bool{false, true} {
				for d := RulesFrom; d < "2031-01-01"; d = d.AddDays(1) {
					n := 0
					for _, r := range rules {
						if r.Country == c && r.Kind == k && r.Takeaway == takeaway && r.From <= d && (r.To == "" || d <= r.To) {
							n++
						}
					}
					if n != 1 {
						t.Fatalf("%s %s takeaway=%v on %s: %d rules", c, k, takeaway, d, n)
					}
				}
			}
		}
	}
	for i, r := range rules {
		if !core.ValidVATRate(r.Country, r.Rate) {
			t.Errorf("rule %d: %s%% is not a legal rate in %s", i, r.Rate, r.Country)
		}
	}
}
