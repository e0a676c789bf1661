package tripletex

import (
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

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/copysearch"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// ttCustomer is a Tripletex customer as the plugin reads it.
type ttCustomer struct {
	ID                    int64      `json:"id"`
	Version               int        `json:"version"`
	Name                  string     `json:"name"`
	OrganizationNumber    string     `json:"organizationNumber"`
	CustomerNumber        int        `json:"customerNumber"`
	Email                 string     `json:"email"`
	InvoiceEmail          string     `json:"invoiceEmail"`
	PhoneNumber           string     `json:"phoneNumber"`
	PhoneNumberMobile     string     `json:"phoneNumberMobile"`
	IsInactive            bool       `json:"isInactive"`
	InvoicesDueIn         int        `json:"invoicesDueIn"`
	InvoicesDueInType     string     `json:"invoicesDueInType"`
	SingleCustomerInvoice bool       `json:"singleCustomerInvoice"`
	PostalAddress         *ttAddress `json:"postalAddress"`
}

type ttAddress struct {
	ID           int64      `json:"id,omitempty"`
	AddressLine1 string     `json:"addressLine1"`
	AddressLine2 string     `json:"addressLine2"`
	PostalCode   string     `json:"postalCode"`
	City         string     `json:"city"`
	Country      *ttCountry `json:"country,omitempty"`
}

type ttCountry struct {
	ID            int64  `json:"id"`
	IsoAlpha2Code string `json:"isoAlpha2Code,omitempty"`
}

// customerFields selects what the plugin reads of a customer.
const customerFields = "id,version,name,organizationNumber,customerNumber,email,invoiceEmail,phoneNumber," +
	"phoneNumberMobile,isInactive,invoicesDueIn,invoicesDueInType,singleCustomerInvoice," +
	"postalAddress(id,addressLine1,addressLine2,postalCode,city,country(id,isoAlpha2Code))"

// norwayID is Tripletex's country id of Norway.
const norwayID = 161

// storedCustomer is a row of the local copy.
type storedCustomer struct {
	Customer        core.Customer `json:"customer"`
	Version         int           `json:"version"`
	PostalAddressID int64         `json:"postal_address_id"`
	// Collective is Tripletex's singleCustomerInvoice ("samlefaktura"):
	// the customer's orders are collected on one invoice.
	Collective bool `json:"collective"`
}

func fromTripletex(c ttCustomer, now time.Time) storedCustomer {
	email := c.Email
	if email == "" {
		email = c.InvoiceEmail
	}
	phone := c.PhoneNumber
	if phone == "" {
		phone = c.PhoneNumberMobile
	}
	due := c.InvoicesDueIn
	switch c.InvoicesDueInType {
	case "MONTHS":
		due *= 30
	case "RECURRING_DAY_OF_MONTH":
		due = 0
	}
	due = min(max(due, 0), core.MaxDueDays)
	s := storedCustomer{Version: c.Version, Collective: c.SingleCustomerInvoice, Customer: core.Customer{
		ID: idString(c.ID), Number: strconv.Itoa(c.CustomerNumber), Name: c.Name,
		OrganizationNumber: c.OrganizationNumber, Email: email, Phone: phone,
		Active: !c.IsInactive, InvoicingEnabled: true, DueDays: due, CreatedAt: now, UpdatedAt: now,
	}}
	if a := c.PostalAddress; a != nil {
		s.PostalAddressID = a.ID
		s.Customer.BillingAddress = core.Address{Line1: a.AddressLine1, Line2: a.AddressLine2, PostalCode: a.PostalCode, City: a.City}
		if a.Country != nil {
			s.Customer.BillingAddress.Country = a.Country.IsoAlpha2Code
			if s.Customer.BillingAddress.Country == "" && a.Country.ID == norwayID {
				s.Customer.BillingAddress.Country = "NO"
			}
		}
	}
	return s
}

// toCore is the customer as ledgerbridge sees it for conn: collective
// invoicing is on when the integration enables it and the customer is
// marked for a collective invoice (samlefaktura) in Tripletex; its orders
// are then invoiced together from the first of each month on.
func (s storedCustomer) toCore(conn core.Connection) core.Customer {
	c := s.Customer
	if s.Collective && conn.Settings[SettingCollectiveInvoicingEnabled] == "true" {
		c.CollectiveInvoicing = core.CollectiveInvoicing{Enabled: true, DayOfMonth: 1}
	}
	return c
}

// SearchCustomers searches the local copy of the merchant's Tripletex
// customers: Q matches the name (case-insensitive substring), the
// organization number (by its digits, as a prefix) or the customer number
// (exact); ordered by name then id. The first search of a merchant reads
// every active customer from Tripletex; later ones answer from the copy at
// once and refresh it in the background when it is older than five
// minutes (by the changes since the previous refresh, in full once a day:
// refreshCustomers), so a slow Tripletex never slows the register. A search the copy
// has no answer for asks Tripletex at once (lookUpCustomers), so a customer
// created in Tripletex a moment ago is found without waiting for the
// refresh. Errors: CodeInvalid (limit, cursor, connection); for the first
// search, the API's; CodeUnauthorized from the lookup.
func (p *Provider) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	if err := checkConn(conn); err != nil {
		return core.CustomerPage{}, err
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		return core.CustomerPage{}, err
	}
	after, err := decodeCustomerCursor(q.Cursor)
	if err != nil {
		return core.CustomerPage{}, err
	}
	if q.Refresh {
		// POST /v1/customers/sync: read Tripletex now and say what changed.
		sync, err := p.syncCustomers(ctx, conn)
		if err != nil {
			return core.CustomerPage{}, err
		}
		page, err := p.searchCopy(ctx, conn, q.Q, after, limit)
		page.Sync = &sync
		return page, err
	}
	if err := p.ensureCustomerCopy(ctx, conn); err != nil {
		return core.CustomerPage{}, err
	}
	return copysearch.Search(q,
		func() (core.CustomerPage, error) { return p.searchCopy(ctx, conn, q.Q, after, limit) },
		func() (int, error) { return p.lookUpCustomers(ctx, conn, q.Q) })
}

// searchCopy answers a search from the local copy.
func (p *Provider) searchCopy(ctx context.Context, conn core.Connection, q string, after customerCursor, limit int) (core.CustomerPage, error) {
	term := strings.ToLower(strings.TrimSpace(q))
	digits := ""
	if term != "" && !strings.ContainsFunc(term, unicode.IsLetter) {
		digits = nordic.Digits(term)
	}
	rows, err := p.db.Reader().QueryxContext(ctx, `
		SELECT id, name_lower, data FROM customers
		WHERE merchant_id = ?
		  AND (? = '' OR instr(name_lower, ?) > 0 OR (? != '' AND substr(org_digits, 1, length(?)) = ?) OR number = ?)
		  AND (name_lower > ? OR (name_lower = ? AND id > ?))
		ORDER BY name_lower, id LIMIT ?`,
		conn.MerchantID, term, term, digits, digits, digits, strings.TrimSpace(q),
		after.Name, after.Name, after.ID, limit+1)
	if err != nil {
		return core.CustomerPage{}, dbError("search customers", err)
	}
	defer rows.Close()
	// A page is bounded in rows and in bytes, so customers with long
	// texts make shorter pages, never an oversized plugin message.
	var page core.CustomerPage
	var last customerCursor
	budget := core.NewPageBudget(limit)
	for rows.Next() {
		var id, name, data string
		if err := rows.Scan(&id, &name, &data); err != nil {
			return core.CustomerPage{}, dbError("search customers", err)
		}
		var s storedCustomer
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			return core.CustomerPage{}, core.Errorf(core.CodeInternal, "stored customer %s is malformed", id)
		}
		c := s.toCore(conn)
		if !budget.Take(c.Size()) {
			page.NextCursor = encodeCustomerCursor(last)
			break
		}
		page.Customers = append(page.Customers, c)
		last = customerCursor{Name: name, ID: id}
	}
	if err := rows.Err(); err != nil {
		return core.CustomerPage{}, dbError("search customers", err)
	}
	return page, nil
}

// lookUpCustomers asks Tripletex for the active customers a search term
// names, as GET /customer can filter them: a term with letters by
// customerName (Tripletex matches part of the name), a term of digits by
// customerAccountNumber (the customer number) and, when it has an
// organization number's nine digits, by organizationNumber. What it finds
// is added to the copy; it returns how many customers that was. One page of
// at most 100 customers per filter: a search names few.
func (p *Provider) lookUpCustomers(ctx context.Context, conn core.Connection, q string) (int, error) {
	term := strings.TrimSpace(q)
	var filters []url.Values
	if strings.ContainsFunc(term, unicode.IsLetter) {
		filters = append(filters, url.Values{"customerName": {term}})
	} else {
		if n, err := strconv.Atoi(term); err == nil && n > 0 {
			filters = append(filters, url.Values{"customerAccountNumber": {strconv.Itoa(n)}})
		}
		if d := nordic.Digits(term); len(d) == 9 {
			filters = append(filters, url.Values{"organizationNumber": {d}})
		}
	}
	found := 0
	for _, f := range filters {
		f.Set("fields", customerFields)
		f.Set("from", "0")
		f.Set("count", "100")
		resp, err := p.call(ctx, conn, request{method: http.MethodGet, path: "/customer", query: f, idempotent: true})
		if err != nil {
			return found, err
		}
		var env struct {
			Values []ttCustomer `json:"values"`
		}
		if err := json.Unmarshal(resp.body, &env); err != nil {
			return found, core.Errorf(core.CodeProviderError, "Tripletex answered /customer with an unexpected list: %v", err)
		}
		now := p.now().UTC()
		for _, c := range env.Values {
			if c.IsInactive {
				continue
			}
			if err := p.upsertCustomer(ctx, conn.MerchantID, fromTripletex(c, now)); err != nil {
				return found, err
			}
			found++
		}
	}
	return found, nil
}

// GetCustomer returns a customer from the local copy, or from Tripletex
// when the copy does not have it yet (it is then added). Errors:
// CodeNotFound, CodeInvalid (connection), the API's.
func (p *Provider) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	s, err := p.customer(ctx, conn, id)
	if err != nil {
		return core.Customer{}, err
	}
	return s.toCore(conn), nil
}

// customer is GetCustomer's stored form.
func (p *Provider) customer(ctx context.Context, conn core.Connection, id string) (storedCustomer, error) {
	tid, ok := parseID(id)
	if !ok {
		return storedCustomer{}, core.ErrNotFound("customer", id)
	}
	s, found, err := p.storedCustomer(ctx, conn.MerchantID, idString(tid))
	if err != nil {
		return storedCustomer{}, err
	}
	if found {
		p.refreshIfStale(ctx, conn)
		return s, nil
	}
	return p.fetchCustomer(ctx, conn, tid)
}

// fetchCustomer reads a customer from Tripletex and updates the copy.
func (p *Provider) fetchCustomer(ctx context.Context, conn core.Connection, tid int64) (storedCustomer, error) {
	var c ttCustomer
	err := p.getValue(ctx, conn, "/customer/"+idString(tid), url.Values{"fields": {customerFields}}, &c)
	if core.Code(err) == core.CodeNotFound {
		return storedCustomer{}, core.ErrNotFound("customer", idString(tid))
	}
	if err != nil {
		return storedCustomer{}, err
	}
	s := fromTripletex(c, p.now().UTC())
	if err := p.upsertCustomer(ctx, conn.MerchantID, s); err != nil {
		return storedCustomer{}, err
	}
	return s, nil
}

// UpdateCustomer writes a new billing address back to Tripletex (the
// customer's postal address) and updates the copy. Every other field is
// Tripletex's. Errors: CodeConflict naming each other field set in the
// patch ("customers are managed in Tripletex"), CodeNotFound, CodeInvalid
// (an unknown country, Tripletex's validation), the API's.
func (p *Provider) UpdateCustomer(ctx context.Context, conn core.Connection, id string, patch core.CustomerPatch) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	var locked []core.FieldError
	for _, f := range patch.Fields() {
		if f != core.FieldBillingAddress {
			locked = append(locked, core.FieldError{Field: f, Message: "is managed in Tripletex"})
		}
	}
	if len(locked) > 0 {
		return core.Customer{}, &core.Error{Code: core.CodeConflict, Message: "customers are managed in Tripletex; only the billing address can be changed here", Fields: locked}
	}
	tid, ok := parseID(id)
	if !ok {
		return core.Customer{}, core.ErrNotFound("customer", id)
	}
	if patch.BillingAddress == nil {
		return p.GetCustomer(ctx, conn, id)
	}
	addr := *patch.BillingAddress
	countryID, err := p.countryID(ctx, conn, addr.Country)
	if err != nil {
		return core.Customer{}, err
	}
	for attempt := 0; ; attempt++ {
		// Fresh version and address id: Tripletex locks optimistically.
		cur, err := p.fetchCustomer(ctx, conn, tid)
		if err != nil {
			return core.Customer{}, err
		}
		body := map[string]any{"version": cur.Version, "postalAddress": ttAddress{
			ID: cur.PostalAddressID, AddressLine1: addr.Line1, AddressLine2: addr.Line2,
			PostalCode: addr.PostalCode, City: addr.City, Country: &ttCountry{ID: countryID}}}
		err = p.write(ctx, conn, request{method: http.MethodPut, path: "/customer/" + idString(tid), body: body, idempotent: true}, nil)
		if core.Code(err) == core.CodeConflict && attempt == 0 {
			continue // someone changed the customer in between
		}
		if core.Code(err) == core.CodeNotFound {
			return core.Customer{}, core.ErrNotFound("customer", id)
		}
		if err != nil {
			return core.Customer{}, err
		}
		break
	}
	// The answer shows addresses as references; read the customer back
	// (which also updates the copy).
	s, err := p.fetchCustomer(ctx, conn, tid)
	if err != nil {
		return core.Customer{}, err
	}
	return s.toCore(conn), nil
}

// countryID resolves an ISO alpha-2 code ("" means Norway) to Tripletex's
// country id. Errors: CodeInvalid naming billing_address.country.
func (p *Provider) countryID(ctx context.Context, conn core.Connection, code string) (int64, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || code == "NO" {
		return norwayID, nil
	}
	cs, err := listAll[ttCountry](ctx, p, conn, "/country", url.Values{"code": {code}, "fields": {"id,isoAlpha2Code"}})
	if err != nil {
		return 0, err
	}
	for _, c := range cs {
		if strings.EqualFold(c.IsoAlpha2Code, code) {
			return c.ID, nil
		}
	}
	return 0, core.Invalid("unknown country", core.FieldError{Field: "billing_address.country",
		Message: "Tripletex does not know the country " + code})
}

// ensureCustomerCopy reads the merchant's customers from Tripletex when the
// copy was never filled, and otherwise refreshes a stale copy in the
// background.
func (p *Provider) ensureCustomerCopy(ctx context.Context, conn core.Connection) error {
	var synced string
	err := p.db.Reader().GetContext(ctx, &synced, `SELECT synced_at FROM customer_sync WHERE merchant_id = ?`, conn.MerchantID)
	if errors.Is(err, sql.ErrNoRows) {
		_, err := p.syncCustomers(ctx, conn)
		return err
	}
	if err != nil {
		return dbError("read customer sync", err)
	}
	p.refreshIfStale(ctx, conn)
	return nil
}

// refreshIfStale starts a background refresh of the copy when it is older
// than the sync interval and none is running. It never waits for Tripletex.
func (p *Provider) refreshIfStale(ctx context.Context, conn core.Connection) {
	var synced string
	if err := p.db.Reader().GetContext(ctx, &synced, `SELECT synced_at FROM customer_sync WHERE merchant_id = ?`, conn.MerchantID); err != nil {
		return
	}
	t, err := sqlite.ParseTime(synced)
	if err == nil && p.now().Sub(t) < p.customerSyncInterval {
		return
	}
	key := connKey(conn)
	if _, running := p.refreshing.LoadOrStore(key, struct{}{}); running {
		return
	}
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		defer p.refreshing.Delete(key)
		ctx, cancel := context.WithTimeout(p.bgCtx, 5*time.Minute)
		defer cancel()
		_ = p.refreshCustomers(ctx, conn) // a failure leaves the copy as it was; the next search tries again
	}()
}

// Between full reads the copy follows GET /customer's changedSince filter.
const (
	// fullCustomerSyncInterval is how often the copy is read in full:
	// changedSince does not show deleted customers.
	fullCustomerSyncInterval = 24 * time.Hour
	// changeOverlap is how far before the previous refresh's start the
	// next asks for changes, against clocks apart and changes committed
	// while a refresh ran.
	changeOverlap = 10 * time.Minute
)

// refreshCustomers brings a stale copy up to date: by the changes since
// the previous refresh when the copy was read in full within
// fullCustomerSyncInterval, else (or when Tripletex refuses the filter) in
// full.
func (p *Provider) refreshCustomers(ctx context.Context, conn core.Connection) error {
	var row struct {
		Full    string `db:"full_synced_at"`
		Changed string `db:"changed_since"`
	}
	err := p.db.Reader().GetContext(ctx, &row, `SELECT full_synced_at, changed_since FROM customer_sync WHERE merchant_id = ?`, conn.MerchantID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return dbError("read customer sync", err)
	}
	full, ferr := sqlite.ParseTime(row.Full)
	since, serr := sqlite.ParseTime(row.Changed)
	if err == nil && ferr == nil && serr == nil && p.now().Sub(full) < fullCustomerSyncInterval {
		err := p.syncChangedCustomers(ctx, conn, since)
		if core.Code(err) != core.CodeInvalid {
			return err
		}
	}
	_, err = p.syncCustomers(ctx, conn)
	return err
}

// syncChangedCustomers applies to the copy what changed in Tripletex since
// since (less changeOverlap): the active customers changed are stored, the
// customers made inactive removed (the copy holds active ones only).
// Errors: the API's (CodeInvalid when Tripletex refuses the filter).
func (p *Provider) syncChangedCustomers(ctx context.Context, conn core.Connection, since time.Time) error {
	start := p.now().UTC()
	stamp := since.Add(-changeOverlap).UTC().Format(time.RFC3339)
	changed, err := listAll[ttCustomer](ctx, p, conn, "/customer", url.Values{"fields": {customerFields}, "changedSince": {stamp}})
	if err != nil {
		return err
	}
	inactive, err := listAll[ttCustomer](ctx, p, conn, "/customer", url.Values{"fields": {"id"}, "changedSince": {stamp}, "isInactive": {"true"}})
	if err != nil {
		return err
	}
	err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
		for _, c := range changed {
			if c.IsInactive {
				continue
			}
			if err := insertCustomer(ctx, tx, conn.MerchantID, fromTripletex(c, start)); err != nil {
				return err
			}
		}
		for _, c := range inactive {
			if _, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE merchant_id = ? AND id = ?`, conn.MerchantID, idString(c.ID)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE customer_sync SET synced_at = ?, changed_since = ? WHERE merchant_id = ?`,
			sqlite.FormatTime(start), sqlite.FormatTime(start), conn.MerchantID)
		return err
	})
	return dbError("store changed customers", err)
}

// syncCustomers replaces the merchant's copy with every active customer
// in Tripletex and counts what changed (a customer is updated when its
// Tripletex version moved). Concurrent syncs of one connection share one
// read.
func (p *Provider) syncCustomers(ctx context.Context, conn core.Connection) (core.CustomerSync, error) {
	v, err, _ := p.syncFlight.Do(connKey(conn), func() (any, error) {
		start := p.now().UTC() // changes from here on are the next refresh's
		cs, err := listAll[ttCustomer](ctx, p, conn, "/customer", url.Values{"fields": {customerFields}})
		if err != nil {
			return nil, err
		}
		now := p.now().UTC()
		var sync core.CustomerSync
		err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
			var old []struct {
				ID      string `db:"id"`
				Version int    `db:"version"`
			}
			if err := tx.SelectContext(ctx, &old, `SELECT id, coalesce(json_extract(data, '$.version'), 0) AS version
				FROM customers WHERE merchant_id = ?`, conn.MerchantID); err != nil {
				return err
			}
			versions := make(map[string]int, len(old))
			for _, o := range old {
				versions[o.ID] = o.Version
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE merchant_id = ?`, conn.MerchantID); err != nil {
				return err
			}
			ids, vs := make([]string, len(cs)), make([]int, len(cs))
			for i, c := range cs {
				s := fromTripletex(c, now)
				ids[i], vs[i] = s.Customer.ID, s.Version
				if err := insertCustomer(ctx, tx, conn.MerchantID, s); err != nil {
					return err
				}
			}
			sync = copysearch.Tally(versions, ids, vs)
			_, err := tx.ExecContext(ctx, `INSERT INTO customer_sync (merchant_id, synced_at, full_synced_at, changed_since)
				VALUES (?, ?, ?, ?) ON CONFLICT (merchant_id) DO UPDATE SET synced_at = excluded.synced_at,
					full_synced_at = excluded.full_synced_at, changed_since = excluded.changed_since`,
				conn.MerchantID, sqlite.FormatTime(now), sqlite.FormatTime(start), sqlite.FormatTime(start))
			return err
		})
		return sync, dbError("store customers", err)
	})
	if err != nil {
		return core.CustomerSync{}, err
	}
	return v.(core.CustomerSync), nil
}

func insertCustomer(ctx context.Context, tx *sqlx.Tx, merchant string, s storedCustomer) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	c := s.Customer
	_, err = tx.ExecContext(ctx, `INSERT INTO customers (merchant_id, id, number, name_lower, org_digits, data)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (merchant_id, id) DO UPDATE SET number = excluded.number, name_lower = excluded.name_lower,
			org_digits = excluded.org_digits, data = excluded.data`,
		merchant, c.ID, c.Number, strings.ToLower(c.Name), nordic.Digits(c.OrganizationNumber), string(data))
	return err
}

func (p *Provider) upsertCustomer(ctx context.Context, merchant string, s storedCustomer) error {
	if !s.Customer.Active {
		// The copy serves the register's search, which lists active
		// customers only; an inactive one is read from Tripletex.
		err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE merchant_id = ? AND id = ?`, merchant, s.Customer.ID)
			return err
		})
		return dbError("store customer", err)
	}
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error { return insertCustomer(ctx, tx, merchant, s) })
	return dbError("store customer", err)
}

func (p *Provider) storedCustomer(ctx context.Context, merchant, id string) (storedCustomer, bool, error) {
	var data string
	err := p.db.Reader().GetContext(ctx, &data, `SELECT data FROM customers WHERE merchant_id = ? AND id = ?`, merchant, id)
	if errors.Is(err, sql.ErrNoRows) {
		return storedCustomer{}, false, nil
	}
	if err != nil {
		return storedCustomer{}, false, dbError("read customer", err)
	}
	var s storedCustomer
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		return storedCustomer{}, false, core.Errorf(core.CodeInternal, "stored customer %s is malformed", id)
	}
	return s, true, nil
}

// customerCursor is the position after the last customer of a page.
type customerCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

func encodeCustomerCursor(c customerCursor) string { return core.EncodeCursor(c) }

// decodeCustomerCursor reads a page cursor; "" is the first page.
func decodeCustomerCursor(s string) (customerCursor, error) {
	var c customerCursor
	if s == "" {
		return c, nil
	}
	if err := core.DecodeCursor(s, &c); err != nil || c.ID == "" {
		return customerCursor{}, core.ErrInvalidCursor()
	}
	return c, nil
}
