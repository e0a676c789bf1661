package mapping

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The suggestion is exactly the reviewed table in
// docs/account-suggestions.md: every account it proposes, per country,
// for every payment method name the chart knows.
func TestStandardSuggestionEqualsTheReviewedTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/account-suggestions.md")
	if err != nil {
		t.Fatal(err)
	}
	table := map[core.Country]map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 5 {
			continue
		}
		country := core.Country(strings.TrimSpace(cells[0]))
		if country != core.Sweden && country != core.Norway {
			continue
		}
		path, account := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		if table[country] == nil {
			table[country] = map[string]string{}
		}
		if _, dup := table[country][path]; dup {
			t.Errorf("%s %s: listed twice", country, path)
		}
		table[country][path] = account
	}
	for country, chart := range map[core.Country]standardChart{core.Sweden: basChart, core.Norway: ns4102Chart} {
		var methods []string
		for m := range chart.methods {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		got := map[string]string{}
		for _, u := range StandardSuggestion(country, methods, nil).Accounts() {
			got[u.Path] = u.Account
		}
		if !reflect.DeepEqual(got, table[country]) {
			for p, a := range got {
				if table[country][p] != a {
					t.Errorf("%s %s: suggested %s, the table says %q", country, p, a, table[country][p])
				}
			}
			for p, a := range table[country] {
				if _, ok := got[p]; !ok {
					t.Errorf("%s %s: the table says %s, not suggested", country, p, a)
				}
			}
		}
	}
}
