package tripletex

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

func TestSearchCustomers(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	e.p.pageSize = 2
	colline := e.customer("Colline SARL", "939137599")
	e.customer("Bakeriet AS", "912345674")
	e.customer("Åsen Kafé", "")
	e.srv.AddCustomer(tripletextest.Customer{Name: "Gammel AS", IsInactive: true})

	tests := []struct {
		q    string
		want []string
	}{
		{"", []string{"Bakeriet AS", "Colline SARL", "Åsen Kafé"}},
		{"coll", []string{"Colline SARL"}},
		{"ÅSEN", []string{"Åsen Kafé"}},
		{"939 137", []string{"Colline SARL"}},
		{"10002", []string{"Bakeriet AS"}},
		{"gammel", nil},
		{"nobody", nil},
	}
	for _, tc := range tests {
		page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Q: tc.q}))
		var names []string
		for _, c := range page.Customers {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("search %q = %v, want %v", tc.q, names, tc.want)
		}
	}
	page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Limit: 2}))
	if len(page.Customers) != 2 || page.NextCursor == "" {
		t.Fatalf("page 1 = %+v", page)
	}
	page = must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Limit: 2, Cursor: page.NextCursor}))
	if len(page.Customers) != 1 || page.Customers[0].Name != "Åsen Kafé" || page.NextCursor != "" {
		t.Fatalf("page 2 = %+v", page)
	}
	_, err := e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Cursor: "garbage"})
	wantCode(t, err, core.CodeInvalid)

	c := must[core.Customer](t)(e.p.GetCustomer(e.ctx, e.conn, colline))
	if c.Number != "10001" || c.OrganizationNumber != "939137599" || c.Email != "post@example.no" || !c.Active ||
		!c.InvoicingEnabled || c.DueDays != 14 || c.BillingAddress.City != "Oslo" || c.BillingAddress.Country != "NO" {
		t.Fatalf("customer = %+v", c)
	}
	_, err = e.p.GetCustomer(e.ctx, e.conn, "123")
	wantCode(t, err, core.CodeNotFound)
	_, err = e.p.GetCustomer(e.ctx, e.conn, "abc")
	wantCode(t, err, core.CodeNotFound)
}

// The register's search answers from the local copy while Tripletex is
// slow; the copy is refreshed in the background.
func TestSearchCustomersWhileTripletexIsSlow(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	e.customer("Colline SARL", "939137599")
	must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Q: "coll"}))

	added := e.customer("Ny Kunde AS", "")
	e.p.customerSyncInterval = 0 // every search finds the copy stale
	e.srv.SlowDown("GET", "/customer", 1500*time.Millisecond, 1)
	ctx, cancel := context.WithTimeout(e.ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	page, err := e.p.SearchCustomers(ctx, e.conn, core.CustomerQuery{Q: "coll"})
	if err != nil {
		t.Fatalf("search while Tripletex is slow: %v", err)
	}
	if d := time.Since(start); d > 250*time.Millisecond || len(page.Customers) != 1 {
		t.Fatalf("search took %v, found %d", d, len(page.Customers))
	}
	// The background refresh completes after the slow answer.
	deadline := time.Now().Add(5 * time.Second)
	for {
		page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Q: "ny kunde"}))
		if len(page.Customers) == 1 && page.Customers[0].ID == added {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background refresh never brought the new customer")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUpdateCustomer(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	id := e.customer("Colline SARL", "939137599")
	name := "Other"
	_, err := e.p.UpdateCustomer(e.ctx, e.conn, id, core.CustomerPatch{Name: &name, BillingAddress: &core.Address{City: "Bergen"}})
	ce := wantCode(t, err, core.CodeConflict)
	if len(ce.Fields) != 1 || ce.Fields[0].Field != core.FieldName || ce.Message != "customers are managed in Tripletex; only the billing address can be changed here" {
		t.Fatalf("error = %+v", ce)
	}
	// The register is Tripletex's: creating answers unsupported, as the
	// Provider contract says (the engine refuses with conflict before).
	_, err = e.p.CreateCustomer(e.ctx, e.conn, core.Customer{Name: "New"})
	wantCode(t, err, core.CodeUnsupported)

	addr := core.Address{Line1: "Strandkaien 2", Line2: "3. etasje", PostalCode: "5013", City: "Bergen", Country: "NO"}
	c := must[core.Customer](t)(e.p.UpdateCustomer(e.ctx, e.conn, id, core.CustomerPatch{BillingAddress: &addr}))
	if c.BillingAddress != addr {
		t.Fatalf("address = %+v", c.BillingAddress)
	}
	var mock tripletextest.Customer
	for _, x := range e.srv.Customers() {
		if idString(x.ID) == id {
			mock = x
		}
	}
	if a := mock.PostalAddress; a.AddressLine1 != "Strandkaien 2" || a.City != "Bergen" || a.PostalCode != "5013" || mock.Name != "Colline SARL" {
		t.Fatalf("mock customer = %+v", mock)
	}
	// The copy has it too.
	page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Q: "colline"}))
	if page.Customers[0].BillingAddress.City != "Bergen" {
		t.Fatalf("copy = %+v", page.Customers[0])
	}
	_, err = e.p.UpdateCustomer(e.ctx, e.conn, "424242", core.CustomerPatch{BillingAddress: &addr})
	wantCode(t, err, core.CodeNotFound)
	sweden := core.Address{City: "Stockholm", Country: "SE"}
	_, err = e.p.UpdateCustomer(e.ctx, e.conn, id, core.CustomerPatch{BillingAddress: &sweden})
	if ce := wantCode(t, err, core.CodeInvalid); ce.Fields[0].Field != "billing_address.country" {
		t.Fatalf("error = %+v", ce)
	}
}

// TestSearchAsksTripletexWhenTheCopyMisses: a customer created in
// Tripletex after the copy was made is found by the register's next search
// (by name, customer number or organization number) without waiting for
// the five-minute refresh; a miss while Tripletex is down answers from the
// copy instead of failing.
func TestSearchAsksTripletexWhenTheCopyMisses(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	e.customer("Colline SARL", "939137599")
	must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Q: "coll"})) // the copy is made
	fjord := e.customer("Vestfjord AS", "912345674")                                              // number 10002
	bakst := e.customer("Bakst og Brød AS", "")                                                   // number 10003
	e.srv.AddCustomer(tripletextest.Customer{Name: "Vestfjord Gammel AS", IsInactive: true})

	tests := []struct {
		q    string
		want []string
	}{
		{"vestfjord", []string{fjord}},
		{"912 345 674", []string{fjord}},
		{"10003", []string{bakst}},
		{"BAKST", []string{bakst}},
		{"nobody", nil},
	}
	for _, tc := range tests {
		page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Q: tc.q}))
		var ids []string
		for _, c := range page.Customers {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("search %q = %v, want %v", tc.q, ids, tc.want)
		}
	}
	// Found once, the customer is in the copy: the list shows it.
	page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{}))
	if len(page.Customers) != 3 {
		t.Errorf("the copy holds %d customers, want 3", len(page.Customers))
	}

	e.customer("Nordlys AS", "")
	e.srv.FailNext("GET", "/customer", 5)
	page, err := e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Q: "nordlys"})
	if err != nil || len(page.Customers) != 0 {
		t.Fatalf("search while Tripletex fails: %+v, %v; want the copy's empty answer", page, err)
	}
}

// TestRefreshCustomersCountsChanges: a search with Refresh (POST
// /v1/customers/sync) reads Tripletex at once, although the copy is fresh,
// and counts the customers added, changed (their version moved) and
// removed since the copy was made.
func TestRefreshCustomersCountsChanges(t *testing.T) {
	e := newEnv(t, tripletextest.Options{})
	colline := e.customer("Colline SARL", "939137599")
	gone := e.customer("Borte AS", "")
	e.customer("Uendret AS", "")
	page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{}))
	if len(page.Customers) != 3 || page.Sync != nil {
		t.Fatalf("first search: %d customers, sync %+v", len(page.Customers), page.Sync)
	}
	e.customer("Ny AS", "")
	// Renamed in Tripletex (not through the provider, so the copy does not
	// know yet).
	var cur ttCustomer
	if err := e.p.getValue(e.ctx, e.conn, "/customer/"+colline, url.Values{"fields": {"id,version"}}, &cur); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.call(e.ctx, e.conn, request{method: "PUT", path: "/customer/" + colline,
		body: map[string]any{"version": cur.Version, "name": "Colline Nord SARL"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.call(e.ctx, e.conn, request{method: "DELETE", path: "/customer/" + gone}); err != nil {
		t.Fatal(err)
	}

	page = must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{Refresh: true, Limit: 1}))
	want := core.CustomerSync{Customers: 3, Added: 1, Updated: 1, Removed: 1}
	if page.Sync == nil || *page.Sync != want {
		t.Fatalf("sync = %+v, want %+v", page.Sync, want)
	}
	all := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{}))
	var names []string
	for _, c := range all.Customers {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"Colline Nord SARL", "Ny AS", "Uendret AS"}) {
		t.Fatalf("copy after refresh: %v", names)
	}
}

// TestCustomerRefreshFollowsChangedSince: between full reads the periodic
// refresh asks Tripletex only for customers changed since the previous
// refresh (changedSince, less an overlap): changed active ones are stored,
// those made inactive leave the copy. Once a day the copy is read in full.
func TestCustomerRefreshFollowsChangedSince(t *testing.T) {
	var mu sync.Mutex
	now := fixedNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e := newEnv(t, tripletextest.Options{Now: clock})
	e.customer("Alfa AS", "")
	beta := e.customer("Beta AS", "")
	must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{})) // read in full

	advance(time.Hour)
	e.customer("Gamma AS", "")
	var cur ttCustomer
	if err := e.p.getValue(e.ctx, e.conn, "/customer/"+beta, url.Values{"fields": {"id,version"}}, &cur); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.call(e.ctx, e.conn, request{method: "PUT", path: "/customer/" + beta,
		body: map[string]any{"version": cur.Version, "isInactive": true}}); err != nil {
		t.Fatal(err)
	}
	logged := len(e.srv.Requests())

	// The stale copy answers at once and is refreshed in the background.
	waitFor := func(want []string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			page := must[core.CustomerPage](t)(e.p.SearchCustomers(e.ctx, e.conn, core.CustomerQuery{}))
			var names []string
			for _, c := range page.Customers {
				names = append(names, c.Name)
			}
			if slices.Equal(names, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("copy %v, want %v", names, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor([]string{"Alfa AS", "Gamma AS"})
	var lists []string
	for _, r := range e.srv.Requests()[logged:] {
		if r.Method == "GET" && r.Path == "/v2/customer" {
			lists = append(lists, r.Query)
		}
	}
	// changedSince is the full read's start less the overlap, in UTC.
	since := url.QueryEscape(fixedNow.Add(-changeOverlap).UTC().Format(time.RFC3339))
	if len(lists) != 2 || !strings.Contains(lists[0], "changedSince="+since) || !strings.Contains(lists[1], "isInactive=true") {
		t.Fatalf("refresh read %q, want the changes since %s (active, then inactive)", lists, since)
	}

	// A day on, the copy is read in full again.
	advance(fullCustomerSyncInterval)
	logged = len(e.srv.Requests())
	e.p.refreshIfStale(e.ctx, e.conn)
	e.p.bg.Wait()
	for _, r := range e.srv.Requests()[logged:] {
		if r.Path == "/v2/customer" && strings.Contains(r.Query, "changedSince") {
			t.Fatalf("the daily read filtered: %q", r.Query)
		}
	}
	if v := e.srv.SpecViolations(); len(v) != 0 {
		t.Fatalf("requests the document refuses: %+v", v)
	}
}
