// Package copysearch is the customer search shared by the providers that
// answer from a local copy of the accounting system's customers (Spiris,
// Tripletex): search the copy, and when a first page for a text finds
// nothing, ask the provider for that text and search the copy again.
package copysearch

import (
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Search answers q from the copy with search. When that finds no customer
// for a non-blank text on a first page (no cursor), lookUp asks the
// provider for the text and adds what it finds to the copy, returning how
// many customers it added; the copy is then searched again. A lookup that
// adds nothing, or fails for any reason but CodeUnauthorized, leaves the
// copy's answer standing (the provider's own refresh tries again);
// CodeUnauthorized is returned, as the merchant must reconnect.
func Search(q core.CustomerQuery, search func() (core.CustomerPage, error), lookUp func() (int, error)) (core.CustomerPage, error) {
	page, err := search()
	if err != nil || len(page.Customers) > 0 || strings.TrimSpace(q.Q) == "" || q.Cursor != "" {
		return page, err
	}
	found, err := lookUp()
	if core.Code(err) == core.CodeUnauthorized {
		return core.CustomerPage{}, err
	}
	if found == 0 {
		return page, nil
	}
	return search()
}

// Tally counts what a full copy changed, for POST /v1/customers/sync:
// before maps each customer id the copy held to a value that changes with
// the customer (its stored data, its version in the provider); ids and now
// are the customers just read, in step. A customer is added when before
// lacks it, updated when its value moved, and removed when the read lacks
// it.
func Tally[V comparable](before map[string]V, ids []string, now []V) core.CustomerSync {
	sync := core.CustomerSync{Customers: len(ids)}
	kept := 0
	for i, id := range ids {
		prev, ok := before[id]
		switch {
		case !ok:
			sync.Added++
		case prev != now[i]:
			kept++
			sync.Updated++
		default:
			kept++
		}
	}
	sync.Removed = len(before) - kept
	return sync
}
