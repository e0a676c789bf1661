package spiris

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

func names(cs []core.Customer) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestSearchCustomers(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "556016-0680", "10 dagar")
	e.customer("Bageriet i Byn AB", "5567778889", "")
	e.customer("acme Konsult HB", "", "")
	e.customer("Zeta Zoo", "9696969696", "")

	tests := []struct {
		q    string
		want []string
	}{
		{"", []string{"acme Konsult HB", "Acme AB", "Bageriet i Byn AB", "Zeta Zoo"}},
		{"ACME", []string{"acme Konsult HB", "Acme AB"}},
		{"byn", []string{"Bageriet i Byn AB"}},
		{"5560160680", []string{"Acme AB"}},
		{"556016-0680", []string{"Acme AB"}},
		{*acme.CustomerNumber, []string{"Acme AB"}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		got := names(page.Customers)
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("q %q: %v, want %v", tt.q, got, want)
		}
	}
	page, _ := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "acme ab"})
	c := page.Customers[0]
	if c.ID != acme.Id || c.OrganizationNumber != "556016-0680" || c.DueDays != 10 || !c.Active || !c.InvoicingEnabled ||
		c.BillingAddress.Line1 != "Storgatan 1" || c.BillingAddress.PostalCode != "11122" || c.BillingAddress.Country != "SE" || c.Email != "acme@example.se" {
		t.Fatalf("mapped customer %+v", c)
	}

	// Paging by name then id, with a cursor.
	var all []string
	cursor := ""
	for i := 0; i < 10; i++ {
		page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, names(page.Customers)...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []string{"Acme AB", "acme Konsult HB", "Bageriet i Byn AB", "Zeta Zoo"}) {
		t.Fatalf("paged %v", all)
	}
	_, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Cursor: "garbage!"})
	if ce := wantCode(t, err, core.CodeInvalid); !hasField(ce, "cursor") {
		t.Fatalf("bad cursor: %v", ce)
	}
	_, err = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Limit: -1})
	wantCode(t, err, core.CodeInvalid)

	// One sync for all of it: the copy answered, except the search it
	// missed ("nobody"), which asked Spiris once.
	if n := requests(e.srv, "GET", "/v2/customers"); n != 2 {
		t.Fatalf("%d customer requests, want 1 sync and 1 lookup", n)
	}

	// Another merchant has its own copy.
	other := e.conn
	other.MerchantID = "m2"
	if _, err := e.p.SearchCustomers(ctx(), other, core.CustomerQuery{}); err != nil {
		t.Fatal(err)
	}
	if n := requests(e.srv, "GET", "/v2/customers"); n != 3 {
		t.Fatalf("%d customer requests, want a second merchant's sync", n)
	}
}

func TestCustomerSyncPagesAndRemoves(t *testing.T) {
	e := setup(t)
	e.p.pageSize = 2
	for _, n := range []string{"A1", "B2", "C3", "D4", "E5"} {
		e.customer(n+" AB", "", "")
	}
	page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	if err != nil || len(page.Customers) != 5 {
		t.Fatalf("%v %v", names(page.Customers), err)
	}
	if n := requests(e.srv, "GET", "/v2/customers"); n != 3 {
		t.Fatalf("%d pages read, want 3", n)
	}
	// A customer added in Spiris appears once the copy is stale.
	e.customer("F6 AB", "", "")
	page, _ = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	if len(page.Customers) != 5 {
		t.Fatalf("fresh copy re-read: %v", names(page.Customers))
	}
	e.clk.Advance(DefaultCustomerSyncInterval + time.Second)
	page, _ = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	if len(page.Customers) != 6 {
		t.Fatalf("stale copy not refreshed: %v", names(page.Customers))
	}
}

func TestSearchAnswersFromCopyWhenSpirisIsDown(t *testing.T) {
	e := setup(t, func(o *Options) { o.SyncWait = 100 * time.Millisecond })
	e.customer("Acme AB", "5560160680", "")
	if _, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "acme"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)

	// Erroring: every attempt fails; the copy answers.
	e.srv.FailNext(100)
	page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "acme"})
	if err != nil || len(page.Customers) != 1 {
		t.Fatalf("while Spiris fails: %v %v", names(page.Customers), err)
	}
	if c, err := e.p.GetCustomer(ctx(), e.conn, page.Customers[0].ID); err != nil || c.Name != "Acme AB" {
		t.Fatalf("get while Spiris fails: %+v %v", c, err)
	}
	e.srv.ClearFaults()

	// Slow: the search does not wait for it.
	e.srv.SetLatency(2 * time.Second)
	start := time.Now()
	page, err = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "5560160680"})
	if err != nil || len(page.Customers) != 1 {
		t.Fatalf("while Spiris is slow: %v %v", names(page.Customers), err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("search waited %v for a slow Spiris", d)
	}
	e.srv.SetLatency(0)
}

func TestSearchWithoutCopyFailsWhenSpirisIsDown(t *testing.T) {
	e := setup(t)
	e.srv.FailNext(100)
	_, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	wantCode(t, err, core.CodeUnavailable)
	e.srv.ClearFaults()

	// A refused token is reported even when a copy exists.
	if _, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)
	bad := e.conn
	bad.Credentials = map[string]string{CredentialAccessToken: "revoked"}
	_, err = e.p.SearchCustomers(ctx(), bad, core.CustomerQuery{})
	wantCode(t, err, core.CodeUnauthorized)
}

func TestGetCustomer(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "", "30 dagar")
	c, err := e.p.GetCustomer(ctx(), e.conn, acme.Id)
	if err != nil || c.Name != "Acme AB" || c.DueDays != 30 {
		t.Fatalf("%+v %v", c, err)
	}
	// Fresh in the copy: no request.
	before := requests(e.srv, "GET", "/v2/customers/")
	if _, err := e.p.GetCustomer(ctx(), e.conn, acme.Id); err != nil {
		t.Fatal(err)
	}
	if requests(e.srv, "GET", "/v2/customers/") != before {
		t.Fatal("a fresh copy was read from Spiris again")
	}
	// Stale: refreshed.
	e.clk.Advance(time.Hour)
	if _, err := e.p.GetCustomer(ctx(), e.conn, acme.Id); err != nil {
		t.Fatal(err)
	}
	if requests(e.srv, "GET", "/v2/customers/") != before+1 {
		t.Fatal("a stale record was not refreshed")
	}
	for _, id := range []string{"not-a-uuid", "00000000-0000-4000-8000-000000000000"} {
		_, err := e.p.GetCustomer(ctx(), e.conn, id)
		wantCode(t, err, core.CodeNotFound)
	}
}

// TestCreateCustomerUnsupported: the register is Spiris's, so creating
// answers unsupported as the Provider contract says (the engine refuses
// with conflict before it gets here) and writes nothing.
func TestCreateCustomerUnsupported(t *testing.T) {
	e := setup(t)
	_, err := e.p.CreateCustomer(ctx(), e.conn, core.Customer{Name: "New AB"})
	ce := wantCode(t, err, core.CodeUnsupported)
	if !strings.Contains(ce.Message, "customers are managed in Visma Spiris") {
		t.Fatalf("message %q", ce.Message)
	}
	if len(e.srv.Customers()) != 0 || requests(e.srv, "POST", "/v2/customers") != 0 {
		t.Fatal("a customer was created")
	}
}

func TestUpdateCustomerBillingAddress(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "5560160680", "10 dagar")
	if _, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{}); err != nil {
		t.Fatal(err)
	}
	addr := core.Address{Line1: "Nya gatan 5", Line2: "Box 12", PostalCode: "41103", City: "Göteborg", Country: "se"}
	c, err := e.p.UpdateCustomer(ctx(), e.conn, acme.Id, core.CustomerPatch{BillingAddress: &addr})
	if err != nil {
		t.Fatal(err)
	}
	if c.BillingAddress != (core.Address{Line1: "Nya gatan 5", Line2: "Box 12", PostalCode: "41103", City: "Göteborg", Country: "SE"}) {
		t.Fatalf("returned address %+v", c.BillingAddress)
	}
	for _, sc := range e.srv.Customers() {
		if sc.Id != acme.Id {
			continue
		}
		if str(sc.InvoiceAddress1) != "Nya gatan 5" || str(sc.InvoiceAddress2) != "Box 12" || sc.InvoicePostalCode != "41103" || sc.InvoiceCity != "Göteborg" {
			t.Fatalf("Spiris holds %+v", sc)
		}
		// The full replace kept what the plugin did not change.
		if str(sc.CorporateIdentityNumber) != "5560160680" || str(sc.EmailAddress) != "acme@example.se" || sc.TermsOfPaymentId != acme.TermsOfPaymentId || str(sc.CustomerNumber) != str(acme.CustomerNumber) {
			t.Fatalf("PUT lost fields: %+v", sc)
		}
	}
	// The copy has it at once.
	page, _ := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "acme"})
	if page.Customers[0].BillingAddress.City != "Göteborg" {
		t.Fatalf("copy not updated: %+v", page.Customers[0])
	}

	name, days := "Other AB", 20
	_, err = e.p.UpdateCustomer(ctx(), e.conn, acme.Id, core.CustomerPatch{Name: &name, DueDays: &days, BillingAddress: &addr})
	ce := wantCode(t, err, core.CodeConflict)
	if !hasField(ce, "name") || !hasField(ce, "due_days") || hasField(ce, "billing_address") || !strings.Contains(ce.Message, "managed in Visma Spiris") {
		t.Fatalf("conflict %v", ce)
	}

	bad := core.Address{Line1: "x", PostalCode: "12345678901", City: ""}
	_, err = e.p.UpdateCustomer(ctx(), e.conn, acme.Id, core.CustomerPatch{BillingAddress: &bad})
	ce = wantCode(t, err, core.CodeInvalid)
	if !hasField(ce, "billing_address.postal_code") || !hasField(ce, "billing_address.city") {
		t.Fatalf("invalid %v", ce)
	}
	if got := requests(e.srv, "PUT", "/v2/customers/"); got != 1 {
		t.Fatalf("%d PUTs, want 1", got)
	}
	_, err = e.p.UpdateCustomer(ctx(), e.conn, "00000000-0000-4000-8000-000000000000", core.CustomerPatch{BillingAddress: &addr})
	wantCode(t, err, core.CodeNotFound)
}

// TestMerchantsInDifferentCompaniesAreIsolated connects two merchants of one
// provider to two Spiris companies: each finds only its own company's
// customers, and each invoice lands in its own merchant's company.
func TestMerchantsInDifferentCompaniesAreIsolated(t *testing.T) {
	e := setup(t)
	other := e.srv.AddCompany("Andra Bolaget AB")
	conn2 := core.Connection{MerchantID: "m2", Country: core.Sweden, Currency: "SEK",
		Credentials: map[string]string{CredentialAccessToken: other.IssueToken(DefaultScopes...).AccessToken}}
	a := e.customer("Acme AB", "5560160680", "")
	b := other.AddCustomer(spiristest.Customer{Name: "Bageriet AB", InvoicePostalCode: "41101", InvoiceCity: "Göteborg", IsActive: true})

	for _, tt := range []struct {
		conn core.Connection
		own  string
		not  string
	}{{e.conn, a.Id, b.Id}, {conn2, b.Id, a.Id}} {
		page, err := e.p.SearchCustomers(ctx(), tt.conn, core.CustomerQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Customers) != 1 || page.Customers[0].ID != tt.own {
			t.Errorf("%s sees %v", tt.conn.MerchantID, names(page.Customers))
		}
		if _, err := e.p.GetCustomer(ctx(), tt.conn, tt.not); err == nil {
			t.Errorf("%s reached the other company's customer", tt.conn.MerchantID)
		}
	}
	if _, err := e.p.CreateInvoice(ctx(), conn2, charge("ch_b", b.Id, line("Kaffe", "1", 12500, "25"))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.CreateInvoice(ctx(), conn2, charge("ch_x", a.Id, line("Kaffe", "1", 12500, "25"))); err == nil {
		t.Error("m2 invoiced m1's customer")
	}
	if len(other.Invoices()) != 1 || len(e.srv.Invoices()) != 0 {
		t.Fatalf("invoices: other company %d, m1's company %d", len(other.Invoices()), len(e.srv.Invoices()))
	}
}

// TestSearchAsksSpirisWhenTheCopyMisses: a customer created in Spiris
// after the copy was made is found by the register's next search (by name,
// customer number or organisation number, with or without its hyphen)
// without waiting for the next full copy; a miss while Spiris fails answers
// from the copy instead of failing.
func TestSearchAsksSpirisWhenTheCopyMisses(t *testing.T) {
	e := setup(t)
	e.customer("Acme AB", "556016-0680", "")
	if _, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "acme"}); err != nil { // the copy is made
		t.Fatal(err)
	}
	bryggan := e.customer("Kafé Bryggan AB", "5567778889", "")
	snickeri := e.customer("Snickeri Ek HB", "969696-9696", "")

	tests := []struct {
		q    string
		want []string
	}{
		{"bryggan", []string{bryggan.Id}},
		{"556777-8889", []string{bryggan.Id}},
		{"9696969696", []string{snickeri.Id}},
		{*snickeri.CustomerNumber, []string{snickeri.Id}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: tt.q})
		if err != nil {
			t.Fatalf("q %q: %v", tt.q, err)
		}
		var ids []string
		for _, c := range page.Customers {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("q %q: %v, want %v", tt.q, ids, tt.want)
		}
	}
	page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	if err != nil || len(page.Customers) != 3 {
		t.Fatalf("the copy holds %d customers (%v), want 3", len(page.Customers), err)
	}

	e.customer("Nordljus AB", "", "")
	e.srv.InjectFault(spiristest.Fault{Method: "GET", Path: "/v2/customers", Times: 10, Status: 500})
	page, err = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "nordljus"})
	if err != nil || len(page.Customers) != 0 {
		t.Fatalf("search while Spiris fails: %+v, %v; want the copy's empty answer", page, err)
	}
}

// TestRefreshCustomersCountsChanges: a search with Refresh (POST
// /v1/customers/sync) reads Spiris at once, although the copy is fresh, and
// counts the customers added, changed and removed since the copy was made.
func TestRefreshCustomersCountsChanges(t *testing.T) {
	e := setup(t)
	acme := e.customer("Acme AB", "556016-0680", "")
	gone := e.customer("Borta AB", "", "")
	e.customer("Oförändrad AB", "", "")
	page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	if err != nil || len(page.Customers) != 3 || page.Sync != nil {
		t.Fatalf("first search: %v, sync %+v, %v", names(page.Customers), page.Sync, err)
	}
	e.customer("Ny AB", "", "")
	// Changed in Spiris by someone else (another copy): this copy does not
	// know yet.
	other := e.newProvider(t.TempDir())
	if _, err := other.UpdateCustomer(ctx(), e.conn, acme.Id, core.CustomerPatch{
		BillingAddress: &core.Address{Line1: "Hamngatan 9", PostalCode: "21119", City: "Malmö", Country: "SE"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.call(ctx(), e.conn, request{method: "DELETE", path: "/customers/" + gone.Id}, nil); err != nil {
		t.Fatal(err)
	}

	page, err = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Refresh: true, Limit: 1})
	want := core.CustomerSync{Customers: 3, Added: 1, Updated: 1, Removed: 1}
	if err != nil || page.Sync == nil || *page.Sync != want {
		t.Fatalf("sync = %+v, %v; want %+v", page.Sync, err, want)
	}
	page, _ = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{Q: "acme"})
	if len(page.Customers) != 1 || page.Customers[0].BillingAddress.City != "Malmö" {
		t.Fatalf("copy after refresh: %+v", page.Customers)
	}
}

// TestCustomerRefreshFollowsTheChangeFeed: between full copies the
// periodic refresh asks Spiris only for customers changed since the latest
// change the copy has seen ($filter=ChangedUtc ge ...); once a day the copy
// is read in full, which also drops customers deleted in Spiris.
func TestCustomerRefreshFollowsTheChangeFeed(t *testing.T) {
	e := setup(t)
	e.customer("Acme AB", "", "")
	time.Sleep(5 * time.Millisecond) // distinct ChangedUtc stamps
	gone := e.customer("Borta AB", "", "")
	if _, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	e.customer("Ny AB", "", "")
	if _, err := e.p.call(ctx(), e.conn, request{method: "DELETE", path: "/customers/" + gone.Id}, nil); err != nil {
		t.Fatal(err)
	}

	lastCustomerList := func() spiristest.Request {
		var last spiristest.Request
		for _, r := range e.srv.Requests() {
			if r.Method == "GET" && strings.EqualFold(r.Path, "/v2/customers") {
				last = r
			}
		}
		return last
	}
	e.clk.Advance(DefaultCustomerSyncInterval + time.Second)
	page, err := e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// Only the changes were read: the new customer (and the latest one of
	// the copy, changed in the same instant as its stamp); the deleted one
	// stays until the next full copy.
	if got := names(page.Customers); !slices.Equal(got, []string{"Acme AB", "Borta AB", "Ny AB"}) {
		t.Fatalf("after the change feed: %v", got)
	}
	feed := lastCustomerList()
	if !strings.Contains(feed.Query, "ChangedUtc+ge+") && !strings.Contains(feed.Query, "ChangedUtc%20ge%20") {
		t.Fatalf("refresh query %q, want a ChangedUtc filter", feed.Query)
	}
	if strings.Contains(string(feed.Response), "Acme AB") || !strings.Contains(string(feed.Response), "Ny AB") {
		t.Fatalf("the change feed read %s", feed.Response)
	}

	e.clk.Advance(FullCustomerSyncInterval)
	page, err = e.p.SearchCustomers(ctx(), e.conn, core.CustomerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(page.Customers); !slices.Equal(got, []string{"Acme AB", "Ny AB"}) {
		t.Fatalf("after a day's full copy: %v", got)
	}
	if full := lastCustomerList(); strings.Contains(full.Query, "ChangedUtc") {
		t.Fatalf("the daily copy filtered: %q", full.Query)
	}
	if v := e.srv.SpecViolations(); len(v) != 0 {
		t.Fatalf("requests the document refuses: %+v", v)
	}
}
