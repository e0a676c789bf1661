// Package pagetest checks, for the providers' tests, that a listing is
// bounded in bytes: every page fits core.MaxPageBytes and the pages list
// every row exactly once.
package pagetest

import (
	"encoding/json"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Walk lists from the first page (cursor "") on with list until a page has
// no next cursor. It fails t when a page's rows marshal to more than
// core.MaxPageBytes (a page of one row may, when oneMayPass: a single
// order with its lines can be that large), when a row is on two pages,
// when a page with a next cursor is empty or the pages never end, or when
// the pages do not list exactly want rows on at least two pages.
func Walk[T any](t testing.TB, want int, oneMayPass bool, id func(T) string, list func(cursor string) ([]T, string, error)) {
	t.Helper()
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		rows, next, err := list(cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if b, _ := json.Marshal(rows); len(b) > core.MaxPageBytes && !(oneMayPass && len(rows) == 1) {
			t.Fatalf("page %d: %d rows, %d bytes, over %d", pages, len(rows), len(b), core.MaxPageBytes)
		}
		for _, r := range rows {
			if seen[id(r)] {
				t.Fatalf("row %s on two pages", id(r))
			}
			seen[id(r)] = true
		}
		if next == "" {
			break
		}
		if len(rows) == 0 || pages > want {
			t.Fatalf("page %d is empty or the pages never end", pages)
		}
		cursor = next
	}
	if len(seen) != want || pages < 2 {
		t.Fatalf("%d pages listed %d rows, want %d on at least 2 pages", pages, len(seen), want)
	}
}

// CustomerID is the id of a customer, for Walk.
func CustomerID(c core.Customer) string { return c.ID }
