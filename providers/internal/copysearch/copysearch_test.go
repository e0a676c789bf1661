package copysearch

import (
	"errors"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestSearch(t *testing.T) {
	hit := core.CustomerPage{Customers: []core.Customer{{ID: "c1"}}}
	for _, tc := range []struct {
		name     string
		q        core.CustomerQuery
		pages    []core.CustomerPage // the copy's answers, in turn
		found    int
		lookErr  error
		want     int // customers in the answer
		wantCode core.ErrorCode
		asked    bool
	}{
		{"copy has it", core.CustomerQuery{Q: "a"}, []core.CustomerPage{hit}, 0, nil, 1, "", false},
		{"blank text", core.CustomerQuery{}, []core.CustomerPage{{}}, 0, nil, 0, "", false},
		{"later page", core.CustomerQuery{Q: "a", Cursor: "x"}, []core.CustomerPage{{}}, 0, nil, 0, "", false},
		{"lookup adds", core.CustomerQuery{Q: "a"}, []core.CustomerPage{{}, hit}, 1, nil, 1, "", true},
		{"lookup finds none", core.CustomerQuery{Q: "a"}, []core.CustomerPage{{}}, 0, nil, 0, "", true},
		{"lookup down", core.CustomerQuery{Q: "a"}, []core.CustomerPage{{}}, 0, core.Errorf(core.CodeUnavailable, "down"), 0, "", true},
		{"lookup unauthorized", core.CustomerQuery{Q: "a"}, []core.CustomerPage{{}}, 0, core.Errorf(core.CodeUnauthorized, "no"), 0, core.CodeUnauthorized, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			searches, asked := 0, false
			page, err := Search(tc.q, func() (core.CustomerPage, error) {
				if searches >= len(tc.pages) {
					t.Fatalf("searched the copy %d times", searches+1)
				}
				searches++
				return tc.pages[searches-1], nil
			}, func() (int, error) { asked = true; return tc.found, tc.lookErr })
			if core.Code(err) != tc.wantCode || (tc.wantCode == "" && err != nil) {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if len(page.Customers) != tc.want || asked != tc.asked || searches != len(tc.pages) {
				t.Fatalf("%d customers, asked %v, %d searches; want %d, %v, %d", len(page.Customers), asked, searches, tc.want, tc.asked, len(tc.pages))
			}
		})
	}
	boom := errors.New("boom")
	if _, err := Search(core.CustomerQuery{Q: "a"}, func() (core.CustomerPage, error) { return core.CustomerPage{}, boom },
		func() (int, error) { t.Fatal("asked after a failed search"); return 0, nil }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestTally(t *testing.T) {
	before := map[string]int{"a": 1, "b": 1, "c": 1}
	got := Tally(before, []string{"a", "b", "d"}, []int{1, 2, 1})
	want := core.CustomerSync{Customers: 3, Added: 1, Updated: 1, Removed: 1}
	if got != want {
		t.Fatalf("Tally = %+v, want %+v", got, want)
	}
}
