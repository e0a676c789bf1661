package spiris

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/copysearch"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Customers are owned by Spiris. Each merchant's customers are copied into
// spiris.db and refreshed when the copy is older than
// Options.CustomerSyncInterval (done by the call that needs it, shared by
// concurrent callers, and continued in the background when Spiris is slow):
// from Spiris's change feed (ChangedUtc) between full copies, in full once
// every FullCustomerSyncInterval and on POST /v1/customers/sync. Single
// records are refreshed by GetCustomer, and a search the copy misses asks
// Spiris at once. Searches answer from the copy,
// so the register stays fast, and keep answering from it while Spiris is
// slow or down.

const msgCustomersInSpiris = "customers are managed in Visma Spiris"

// customerOf maps a Spiris customer. Invoicing is enabled for every active
// customer; DueDays are the days of its terms of payment (0 for cash, card
// and other immediate terms).
func customerOf(c apiCustomer) core.Customer {
	out := core.Customer{
		ID:                 c.Id,
		Number:             str(c.CustomerNumber),
		Name:               c.Name,
		OrganizationNumber: str(c.CorporateIdentityNumber),
		Email:              str(c.EmailAddress),
		Phone:              str(c.Telephone),
		BillingAddress: core.Address{
			Line1:      str(c.InvoiceAddress1),
			Line2:      str(c.InvoiceAddress2),
			PostalCode: c.InvoicePostalCode,
			City:       c.InvoiceCity,
			Country:    str(c.InvoiceCountryCode),
		},
		Active:           c.IsActive,
		InvoicingEnabled: c.IsActive,
		UpdatedAt:        apiTime(c.ChangedUtc),
	}
	if out.Phone == "" {
		out.Phone = str(c.MobilePhone)
	}
	if t := c.TermsOfPayment; t != nil && (t.TermsOfPaymentTypeId == 0 || t.TermsOfPaymentTypeId == 1) {
		out.DueDays = t.NumberOfDays
	}
	// Spiris keeps no creation time; the last change stands in for it.
	out.CreatedAt = out.UpdatedAt
	return out
}

// storeCustomers upserts customers into the merchant's copy inside tx.
func storeCustomers(ctx context.Context, tx *sqlx.Tx, merchantID string, cs []core.Customer, at string) error {
	stmt, err := tx.PreparexContext(ctx, `INSERT INTO customers (merchant_id, id, number, name_lower, org_digits, data, synced_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (merchant_id, id) DO UPDATE SET number = excluded.number, name_lower = excluded.name_lower,
			org_digits = excluded.org_digits, data = excluded.data, synced_at = excluded.synced_at`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range cs {
		data, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, merchantID, c.ID, c.Number, strings.ToLower(c.Name), nordic.Digits(c.OrganizationNumber), string(data), at); err != nil {
			return err
		}
	}
	return nil
}

// syncCustomers copies every customer of the merchant's Spiris company into
// the copy, removing those Spiris no longer has, and counts what changed.
func (p *Provider) syncCustomers(ctx context.Context, conn core.Connection) (core.CustomerSync, error) {
	list, err := listAll[apiCustomer](ctx, p, conn, "/customers", nil)
	if err != nil {
		return core.CustomerSync{}, err
	}
	cs := make([]core.Customer, len(list))
	for i, c := range list {
		cs[i] = customerOf(c)
	}
	at := sqlite.FormatTime(p.now())
	var sync core.CustomerSync
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		var old []struct {
			ID   string `db:"id"`
			Data string `db:"data"`
		}
		if err := tx.SelectContext(ctx, &old, `SELECT id, data FROM customers WHERE merchant_id = ?`, conn.MerchantID); err != nil {
			return err
		}
		before := make(map[string]string, len(old))
		for _, o := range old {
			before[o.ID] = o.Data
		}
		ids, datas := make([]string, len(cs)), make([]string, len(cs))
		for i, c := range cs {
			data, err := json.Marshal(c)
			if err != nil {
				return err
			}
			ids[i], datas[i] = c.ID, string(data)
		}
		sync = copysearch.Tally(before, ids, datas)
		if err := storeCustomers(ctx, tx, conn.MerchantID, cs, at); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE merchant_id = ? AND synced_at != ?`, conn.MerchantID, at); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO customer_syncs (merchant_id, synced_at, customers, changed_since, refreshed_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (merchant_id) DO UPDATE SET synced_at = excluded.synced_at, customers = excluded.customers,
				changed_since = excluded.changed_since, refreshed_at = excluded.refreshed_at`,
			conn.MerchantID, at, len(cs), latestChange(list, ""), at)
		return err
	})
	return sync, dbError("store customer copy", err)
}

// FullCustomerSyncInterval is how often the copy is read in full; between
// full copies it follows Spiris's change feed, which does not show deleted
// customers (a full copy, or POST /v1/customers/sync, removes them).
const FullCustomerSyncInterval = 24 * time.Hour

// latestChange is the latest ChangedUtc among list and since, as Spiris
// wrote it ("" when none is known).
func latestChange(list []apiCustomer, since string) string {
	latest, latestT := since, apiTime(&since)
	for _, c := range list {
		if c.ChangedUtc == nil {
			continue
		}
		if t := apiTime(c.ChangedUtc); !t.IsZero() && (latest == "" || t.After(latestT)) {
			latest, latestT = *c.ChangedUtc, t
		}
	}
	return latest
}

// syncChangedCustomers brings the copy up to date from Spiris's change
// feed: the customers whose ChangedUtc is on or after the latest change the
// copy has seen (ge, not gt: customers changed in the same instant are read
// again rather than missed). Errors: the API's.
func (p *Provider) syncChangedCustomers(ctx context.Context, conn core.Connection, since string) error {
	stamp := apiTime(&since).UTC().Format("2006-01-02T15:04:05.000Z")
	list, err := listAll[apiCustomer](ctx, p, conn, "/customers", url.Values{"$filter": {"ChangedUtc ge " + stamp}})
	if err != nil {
		return err
	}
	cs := make([]core.Customer, len(list))
	for i, c := range list {
		cs[i] = customerOf(c)
	}
	at := sqlite.FormatTime(p.now())
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		if err := storeCustomers(ctx, tx, conn.MerchantID, cs, at); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE customer_syncs SET changed_since = ?, refreshed_at = ?,
			customers = (SELECT count(*) FROM customers WHERE merchant_id = ?) WHERE merchant_id = ?`,
			latestChange(list, since), at, conn.MerchantID, conn.MerchantID)
		return err
	})
	return dbError("store changed customers", err)
}

// syncState is how up to date the merchant's copy is: when it was last
// copied in full and last refreshed (in full or by changes), and the
// latest change it has seen. All zero: never copied.
type syncState struct {
	full, refreshed time.Time
	changedSince    string
}

func (p *Provider) syncState(ctx context.Context, merchantID string) (syncState, error) {
	var row struct {
		SyncedAt     string `db:"synced_at"`
		RefreshedAt  string `db:"refreshed_at"`
		ChangedSince string `db:"changed_since"`
	}
	err := p.db.Reader().GetContext(ctx, &row, `SELECT synced_at, refreshed_at, changed_since FROM customer_syncs WHERE merchant_id = ?`, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return syncState{}, nil
	}
	if err != nil {
		return syncState{}, dbError("read customer sync", err)
	}
	st := syncState{changedSince: row.ChangedSince}
	if st.full, err = sqlite.ParseTime(row.SyncedAt); err != nil {
		return syncState{}, err
	}
	st.refreshed = st.full
	if row.RefreshedAt != "" {
		if st.refreshed, err = sqlite.ParseTime(row.RefreshedAt); err != nil {
			return syncState{}, err
		}
	}
	return st, nil
}

// ensureCustomers makes sure the merchant's copy is usable: fresh copies are
// used as they are; a stale one is refreshed, waiting at most SyncWait (the
// refresh continues in the background) and falling back to the copy when
// Spiris is slow, down or rate limiting. Without any copy yet it waits for
// the first sync. Errors: those of the sync when there is no copy to fall
// back on, or when Spiris refuses the connection (CodeUnauthorized, ...).
func (p *Provider) ensureCustomers(ctx context.Context, conn core.Connection) error {
	st, err := p.syncState(ctx, conn.MerchantID)
	if err != nil {
		return err
	}
	last := st.full
	if !last.IsZero() && p.now().Sub(st.refreshed) < p.opts.CustomerSyncInterval {
		return nil
	}
	// Between full copies only the changes are read.
	changesOnly := !last.IsZero() && st.changedSince != "" && p.now().Sub(last) < FullCustomerSyncInterval
	// The sync outlives this call (a slow Spiris keeps being read in the
	// background), so it runs on the provider's context with its own
	// deadline, not the caller's.
	f := p.syncs.start(conn.MerchantID, &p.bgGroup, func() error {
		sctx, cancel := context.WithTimeout(p.bg, 5*time.Minute)
		defer cancel()
		if changesOnly {
			return p.syncChangedCustomers(sctx, conn, st.changedSince)
		}
		_, err := p.syncCustomers(sctx, conn)
		return err
	})
	var timeout <-chan time.Time
	if !last.IsZero() {
		t := time.NewTimer(p.opts.SyncWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-f.done:
		if f.err == nil || (!last.IsZero() && core.Retryable(f.err)) {
			return nil
		}
		return f.err
	case <-timeout:
		return nil
	case <-ctx.Done():
		if !last.IsZero() {
			return nil
		}
		return core.Errorf(core.CodeUnavailable, "reading the customers from Visma Spiris: %v", ctx.Err())
	}
}

// customerCursor is the position after the last customer of a page.
type customerCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// SearchCustomers returns a page of the merchant's Spiris customers from the
// local copy, ordered by name (case-insensitively) then id. An empty q lists
// every customer; otherwise a customer matches when q is a case-insensitive
// substring of its name, when q's digits equal its organisation number's
// digits, or when q is its customer number. A stale copy is refreshed first
// (see ensureCustomers); while Spiris is slow or down the copy answers. A
// search the copy has no answer for asks Spiris at once (lookUpCustomers),
// so a customer created in Spiris a moment ago is found without waiting for
// the next full copy.
// Errors: CodeInvalid naming merchant_id, limit or cursor; CodeUnauthorized
// and CodeUnavailable when there is no copy yet and Spiris cannot be read;
// CodeUnauthorized from the lookup.
func (p *Provider) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	if err := checkConn(conn); err != nil {
		return core.CustomerPage{}, err
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		return core.CustomerPage{}, err
	}
	var cur customerCursor
	if q.Cursor != "" {
		if err := core.DecodeCursor(q.Cursor, &cur); err != nil {
			return core.CustomerPage{}, err
		}
		if cur.ID == "" {
			return core.CustomerPage{}, core.Invalid("invalid cursor", core.FieldError{Field: "cursor", Message: "is not a cursor from a previous page"})
		}
	}
	if q.Refresh {
		// POST /v1/customers/sync: read Spiris now and say what changed.
		sync, err := p.syncCustomers(ctx, conn)
		if err != nil {
			return core.CustomerPage{}, err
		}
		page, err := p.searchCopy(ctx, conn, q.Q, cur, limit)
		page.Sync = &sync
		return page, err
	}
	if err := p.ensureCustomers(ctx, conn); err != nil {
		return core.CustomerPage{}, err
	}
	return copysearch.Search(q,
		func() (core.CustomerPage, error) { return p.searchCopy(ctx, conn, q.Q, cur, limit) },
		func() (int, error) { return p.lookUpCustomers(ctx, conn, q.Q) })
}

// searchCopy answers a search from the local copy.
func (p *Provider) searchCopy(ctx context.Context, conn core.Connection, q string, cur customerCursor, limit int) (core.CustomerPage, error) {
	text := strings.TrimSpace(q)
	lower := strings.ToLower(text)
	digits := ""
	if text != "" && strings.IndexFunc(text, func(r rune) bool { return unicode.IsLetter(r) }) < 0 {
		digits = nordic.Digits(text)
	}
	var rows []struct {
		Name string `db:"name_lower"`
		ID   string `db:"id"`
		Data string `db:"data"`
	}
	err := p.db.Reader().SelectContext(ctx, &rows, `SELECT name_lower, id, data FROM customers
		WHERE merchant_id = ?
		  AND (? = '' OR instr(name_lower, ?) > 0 OR (? != '' AND org_digits = ?) OR number = ?)
		  AND (? = '' OR name_lower > ? OR (name_lower = ? AND id > ?))
		ORDER BY name_lower, id LIMIT ?`,
		conn.MerchantID, lower, lower, digits, digits, text,
		cur.ID, cur.Name, cur.Name, cur.ID, limit+1)
	if err != nil {
		return core.CustomerPage{}, dbError("search customers", err)
	}
	// A page is bounded in rows and in bytes, so customers with long
	// texts make shorter pages, never an oversized plugin message.
	var page core.CustomerPage
	budget := core.NewPageBudget(limit)
	for i, r := range rows {
		var c core.Customer
		if err := json.Unmarshal([]byte(r.Data), &c); err != nil {
			return core.CustomerPage{}, core.Errorf(core.CodeInternal, "spiris provider: stored customer %s: %v", r.ID, err)
		}
		if !budget.Take(c.Size()) {
			last := rows[i-1]
			page.NextCursor = core.EncodeCursor(customerCursor{Name: last.Name, ID: last.ID})
			break
		}
		page.Customers = append(page.Customers, c)
	}
	return page, nil
}

// lookUpCustomers asks Spiris for the customers a search term names, with
// one OData $filter as GET /customers takes it: part of the name
// (contains(Name,...)), the customer number (CustomerNumber eq) and, for a
// term of an organisation number's ten digits, CorporateIdentityNumber
// written with or without its hyphen. What it finds is added to the copy;
// it returns how many customers that was. One page of at most 100: a search
// names few.
func (p *Provider) lookUpCustomers(ctx context.Context, conn core.Connection, q string) (int, error) {
	term := strings.TrimSpace(q)
	filters := []string{"contains(Name," + odataString(term) + ")", "CustomerNumber eq " + odataString(term)}
	if d := nordic.Digits(term); len(d) == 10 && !strings.ContainsFunc(term, unicode.IsLetter) {
		filters = append(filters, "CorporateIdentityNumber eq "+odataString(d),
			"CorporateIdentityNumber eq "+odataString(d[:6]+"-"+d[6:]))
	}
	query := url.Values{"$filter": {strings.Join(filters, " or ")}, "$page": {"1"}, "$pagesize": {"100"}}
	var env envelope[apiCustomer]
	if err := p.get(ctx, conn, "/customers", query, &env); err != nil {
		return 0, err
	}
	if len(env.Data) == 0 {
		return 0, nil
	}
	cs := make([]core.Customer, len(env.Data))
	for i, c := range env.Data {
		cs[i] = customerOf(c)
	}
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		return storeCustomers(ctx, tx, conn.MerchantID, cs, sqlite.FormatTime(p.now()))
	})
	if err != nil {
		return 0, dbError("store customers", err)
	}
	return len(cs), nil
}

// copiedCustomer reads one customer from the copy; ok is false when absent.
func (p *Provider) copiedCustomer(ctx context.Context, merchantID, id string) (c core.Customer, syncedAt time.Time, ok bool, err error) {
	var row struct {
		Data     string `db:"data"`
		SyncedAt string `db:"synced_at"`
	}
	err = p.db.Reader().GetContext(ctx, &row, `SELECT data, synced_at FROM customers WHERE merchant_id = ? AND id = ?`, merchantID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Customer{}, time.Time{}, false, nil
	}
	if err != nil {
		return core.Customer{}, time.Time{}, false, dbError("read customer", err)
	}
	if err := json.Unmarshal([]byte(row.Data), &c); err != nil {
		return core.Customer{}, time.Time{}, false, core.Errorf(core.CodeInternal, "spiris provider: stored customer %s: %v", id, err)
	}
	syncedAt, err = sqlite.ParseTime(row.SyncedAt)
	return c, syncedAt, true, err
}

// fetchCustomer reads one customer from Spiris and updates the copy (or
// removes it from the copy when Spiris no longer has it).
func (p *Provider) fetchCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	var ac apiCustomer
	_, err := p.call(ctx, conn, request{method: http.MethodGet, path: "/customers/" + id, idempotent: true, notFound: "customer", id: id}, &ac)
	if core.Code(err) == core.CodeNotFound {
		if derr := p.db.Write(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE merchant_id = ? AND id = ?`, conn.MerchantID, id)
			return err
		}); derr != nil {
			return core.Customer{}, dbError("remove customer", derr)
		}
		return core.Customer{}, err
	}
	if err != nil {
		return core.Customer{}, err
	}
	c := customerOf(ac)
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		return storeCustomers(ctx, tx, conn.MerchantID, []core.Customer{c}, sqlite.FormatTime(p.now()))
	})
	return c, dbError("store customer", err)
}

// GetCustomer returns one customer from the copy, refreshed from Spiris when
// the record is older than CustomerSyncInterval or missing from the copy.
// When the refresh fails because Spiris is slow or down, the copy answers.
// Errors: CodeNotFound; CodeInvalid naming merchant_id; CodeUnauthorized;
// CodeUnavailable when the customer is not in the copy and Spiris cannot be
// read.
func (p *Provider) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	if !isUUID(id) {
		return core.Customer{}, core.ErrNotFound("customer", id)
	}
	c, syncedAt, ok, err := p.copiedCustomer(ctx, conn.MerchantID, id)
	if err != nil {
		return core.Customer{}, err
	}
	if ok && p.now().Sub(syncedAt) < p.opts.CustomerSyncInterval {
		return c, nil
	}
	if !ok {
		return p.fetchCustomer(ctx, conn, id)
	}
	fctx, cancel := context.WithTimeout(ctx, p.opts.SyncWait)
	defer cancel()
	fresh, err := p.fetchCustomer(fctx, conn, id)
	if err != nil && core.Retryable(err) {
		return c, nil
	}
	return fresh, err
}

// CreateCustomer always returns CodeUnsupported, as the Provider contract
// says for a provider that owns the customer register: customers are
// created in Visma Spiris and appear here with the next sync.
func (p *Provider) CreateCustomer(ctx context.Context, conn core.Connection, c core.Customer) (core.Customer, error) {
	return core.Customer{}, core.Errorf(core.CodeUnsupported, "%s; create the customer in Visma Spiris, it appears here within %s",
		msgCustomersInSpiris, p.opts.CustomerSyncInterval)
}

// Spiris's length limits of the customer's invoice address (CustomerApi).
const (
	maxAddressLine = 50
	maxPostalCode  = 10
	maxCity        = 50
)

// UpdateCustomer writes a changed billing address back to Spiris (GET, modify,
// PUT: Spiris replaces the whole customer) and updates the copy. Only
// billing_address may be changed; a patch setting any other field changes
// nothing. Errors: CodeConflict naming every other field the patch sets
// ("customers are managed in Visma Spiris"); CodeInvalid naming
// billing_address.* (Spiris requires a postal code and city; lines at most
// 50 characters, postal code 10, city 50, country a two-letter code);
// CodeNotFound; CodeUnauthorized, CodeUnavailable, CodeProviderError.
func (p *Provider) UpdateCustomer(ctx context.Context, conn core.Connection, id string, patch core.CustomerPatch) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	var locked []core.FieldError
	for _, f := range patch.Fields() {
		if f != core.FieldBillingAddress {
			locked = append(locked, core.FieldError{Field: f, Message: "is managed in Visma Spiris and cannot be changed here"})
		}
	}
	if len(locked) > 0 {
		return core.Customer{}, &core.Error{Code: core.CodeConflict,
			Message: msgCustomersInSpiris + "; only the billing address can be changed here", Fields: locked}
	}
	if !isUUID(id) {
		return core.Customer{}, core.ErrNotFound("customer", id)
	}
	if patch.BillingAddress == nil {
		return p.GetCustomer(ctx, conn, id)
	}
	a := *patch.BillingAddress
	a.Line1, a.Line2, a.PostalCode, a.City = strings.TrimSpace(a.Line1), strings.TrimSpace(a.Line2), strings.TrimSpace(a.PostalCode), strings.TrimSpace(a.City)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	var errs []core.FieldError
	check := func(field, v string, max int, required bool) {
		switch {
		case required && v == "":
			errs = append(errs, core.FieldError{Field: "billing_address." + field, Message: "is required by Visma Spiris"})
		case utf8.RuneCountInString(v) > max:
			errs = append(errs, core.FieldError{Field: "billing_address." + field, Message: "must be at most " + strconv.Itoa(max) + " characters in Visma Spiris"})
		}
	}
	check("line1", a.Line1, maxAddressLine, false)
	check("line2", a.Line2, maxAddressLine, false)
	check("postal_code", a.PostalCode, maxPostalCode, true)
	check("city", a.City, maxCity, true)
	if a.Country != "" && (len(a.Country) != 2 || strings.IndexFunc(a.Country, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
		errs = append(errs, core.FieldError{Field: "billing_address.country", Message: "must be a two-letter country code"})
	}
	if err := core.Invalid("invalid billing address", errs...); err != nil {
		return core.Customer{}, err
	}

	// GET-modify-PUT on the raw object, so fields this plugin does not know
	// survive the full replace; the read-only ones are dropped, since
	// Spiris refuses them in a request.
	raw, err := p.call(ctx, conn, request{method: http.MethodGet, path: "/customers/" + id, idempotent: true, notFound: "customer", id: id}, nil)
	if err != nil {
		return core.Customer{}, err
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return core.Customer{}, core.Errorf(core.CodeProviderError, "Visma Spiris answered GET /customers/%s with an unreadable body: %v", id, err)
	}
	dropReadOnly(obj, customerReadOnly)
	set := func(key string, v any) { b, _ := json.Marshal(v); obj[key] = b }
	set("InvoiceAddress1", optional(a.Line1))
	set("InvoiceAddress2", optional(a.Line2))
	set("InvoicePostalCode", a.PostalCode)
	set("InvoiceCity", a.City)
	if a.Country != "" {
		set("InvoiceCountryCode", a.Country)
	}
	fields := func(f string) string {
		switch f {
		case "InvoiceAddress1":
			return "billing_address.line1"
		case "InvoiceAddress2":
			return "billing_address.line2"
		case "InvoicePostalCode":
			return "billing_address.postal_code"
		case "InvoiceCity":
			return "billing_address.city"
		case "InvoiceCountryCode":
			return "billing_address.country"
		}
		return f
	}
	var updated apiCustomer
	if _, err := p.call(ctx, conn, request{method: http.MethodPut, path: "/customers/" + id, body: obj, idempotent: true,
		fields: fields, notFound: "customer", id: id}, &updated); err != nil {
		return core.Customer{}, err
	}
	c := customerOf(updated)
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		return storeCustomers(ctx, tx, conn.MerchantID, []core.Customer{c}, sqlite.FormatTime(p.now()))
	})
	return c, dbError("store customer", err)
}
