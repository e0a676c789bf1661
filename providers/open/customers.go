package open

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// customerRow is a customers row.
type customerRow struct {
	ID                   string `db:"id"`
	MerchantID           string `db:"merchant_id"`
	Number               int64  `db:"number"`
	Name                 string `db:"name"`
	NameLower            string `db:"name_lower"`
	OrganizationNumber   string `db:"organization_number"`
	OrgDigits            string `db:"org_digits"`
	Email                string `db:"email"`
	Phone                string `db:"phone"`
	BillingLine1         string `db:"billing_line1"`
	BillingLine2         string `db:"billing_line2"`
	BillingPostalCode    string `db:"billing_postal_code"`
	BillingCity          string `db:"billing_city"`
	BillingCountry       string `db:"billing_country"`
	Active               bool   `db:"active"`
	InvoicingEnabled     bool   `db:"invoicing_enabled"`
	DueDays              int    `db:"due_days"`
	ParentCustomerID     string `db:"parent_customer_id"`
	PurchaseInstruction  string `db:"purchase_instruction"`
	CollectiveEnabled    bool   `db:"collective_enabled"`
	CollectiveDayOfMonth int    `db:"collective_day_of_month"`
	CollectiveThreshold  int64  `db:"collective_threshold"`
	CreatedAt            string `db:"created_at"`
	UpdatedAt            string `db:"updated_at"`
}

const customerColumns = `id, merchant_id, number, name, name_lower, organization_number, org_digits,
	email, phone, billing_line1, billing_line2, billing_postal_code, billing_city, billing_country,
	active, invoicing_enabled, due_days, parent_customer_id, purchase_instruction,
	collective_enabled, collective_day_of_month, collective_threshold, created_at, updated_at`

func (r customerRow) customer() core.Customer {
	return core.Customer{
		ID:                 r.ID,
		Number:             strconv.FormatInt(r.Number, 10),
		Name:               r.Name,
		OrganizationNumber: r.OrganizationNumber,
		Email:              r.Email,
		Phone:              r.Phone,
		BillingAddress: core.Address{
			Line1: r.BillingLine1, Line2: r.BillingLine2, PostalCode: r.BillingPostalCode,
			City: r.BillingCity, Country: r.BillingCountry,
		},
		Active:              r.Active,
		InvoicingEnabled:    r.InvoicingEnabled,
		DueDays:             r.DueDays,
		ParentCustomerID:    r.ParentCustomerID,
		PurchaseInstruction: r.PurchaseInstruction,
		CollectiveInvoicing: core.CollectiveInvoicing{
			Enabled: r.CollectiveEnabled, DayOfMonth: r.CollectiveDayOfMonth, Threshold: r.CollectiveThreshold,
		},
		CreatedAt: parseTime(r.CreatedAt),
		UpdatedAt: parseTime(r.UpdatedAt),
	}
}

// normalizeName is the search key of a name: Unicode lower case, so "Åre"
// matches "åre" (SQLite's own lower() folds ASCII only).
func normalizeName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// orgDigits keeps only the digits of an organization number, so
// "556016-0680" and "5560160680" are the same key.
func orgDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// GetCustomer returns one of the merchant's customers. Errors: CodeInvalid
// (no merchant), CodeNotFound (no such customer, or another merchant's).
func (p *Provider) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	r, err := getCustomerRow(ctx, p.db.Reader(), conn.MerchantID, id)
	if err != nil {
		return core.Customer{}, err
	}
	return r.customer(), nil
}

func getCustomerRow(ctx context.Context, q sqlx.QueryerContext, merchantID, id string) (customerRow, error) {
	var r customerRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+customerColumns+` FROM customers WHERE id = ? AND merchant_id = ?`, id, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return customerRow{}, core.ErrNotFound("customer", id)
	}
	if err != nil {
		return customerRow{}, dbError("get customer", err)
	}
	return r, nil
}

// CreateCustomer stores a new customer for the merchant with a fresh ID and
// the next customer number of the merchant (1, 2, 3, ...), allocated in the
// insert transaction so two concurrent creates never share a number. ID,
// Number and the timestamps of c are ignored. Errors: CodeInvalid naming
// each bad field (see core.Customer.Validate; parent_customer_id must be an
// existing customer of the merchant).
func (p *Provider) CreateCustomer(ctx context.Context, conn core.Connection, c core.Customer) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	c.Name = strings.TrimSpace(c.Name)
	c.OrganizationNumber = strings.TrimSpace(c.OrganizationNumber)
	c.ParentCustomerID = strings.TrimSpace(c.ParentCustomerID)
	if err := c.Validate(); err != nil {
		return core.Customer{}, err
	}
	now := p.nowUTC()
	c.ID = core.NewID("cus")
	c.CreatedAt, c.UpdatedAt = now, now
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		if err := checkParent(ctx, tx, conn.MerchantID, c.ID, c.ParentCustomerID); err != nil {
			return err
		}
		var number int64
		if err := tx.GetContext(ctx, &number, `SELECT COALESCE(MAX(number), 0) + 1 FROM customers WHERE merchant_id = ?`, conn.MerchantID); err != nil {
			return err
		}
		c.Number = strconv.FormatInt(number, 10)
		_, err := tx.NamedExecContext(ctx, `INSERT INTO customers (`+customerColumns+`) VALUES (
			:id, :merchant_id, :number, :name, :name_lower, :organization_number, :org_digits,
			:email, :phone, :billing_line1, :billing_line2, :billing_postal_code, :billing_city, :billing_country,
			:active, :invoicing_enabled, :due_days, :parent_customer_id, :purchase_instruction,
			:collective_enabled, :collective_day_of_month, :collective_threshold, :created_at, :updated_at)`,
			rowOf(conn.MerchantID, number, c))
		return err
	})
	if err != nil {
		return core.Customer{}, dbError("create customer", err)
	}
	return c, nil
}

func rowOf(merchantID string, number int64, c core.Customer) customerRow {
	return customerRow{
		ID:                   c.ID,
		MerchantID:           merchantID,
		Number:               number,
		Name:                 c.Name,
		NameLower:            normalizeName(c.Name),
		OrganizationNumber:   c.OrganizationNumber,
		OrgDigits:            orgDigits(c.OrganizationNumber),
		Email:                c.Email,
		Phone:                c.Phone,
		BillingLine1:         c.BillingAddress.Line1,
		BillingLine2:         c.BillingAddress.Line2,
		BillingPostalCode:    c.BillingAddress.PostalCode,
		BillingCity:          c.BillingAddress.City,
		BillingCountry:       c.BillingAddress.Country,
		Active:               c.Active,
		InvoicingEnabled:     c.InvoicingEnabled,
		DueDays:              c.DueDays,
		ParentCustomerID:     c.ParentCustomerID,
		PurchaseInstruction:  c.PurchaseInstruction,
		CollectiveEnabled:    c.CollectiveInvoicing.Enabled,
		CollectiveDayOfMonth: c.CollectiveInvoicing.DayOfMonth,
		CollectiveThreshold:  c.CollectiveInvoicing.Threshold,
		CreatedAt:            formatTime(c.CreatedAt),
		UpdatedAt:            formatTime(c.UpdatedAt),
	}
}

// maxParentDepth bounds the walk up a parent chain when checking for cycles.
const maxParentDepth = 64

// checkParent requires parentID, when set, to be another existing customer
// of the merchant whose own parent chain does not lead back to id.
func checkParent(ctx context.Context, tx *sqlx.Tx, merchantID, id, parentID string) error {
	if parentID == "" {
		return nil
	}
	bad := func(msg string) error {
		return core.Invalid("invalid customer", core.FieldError{Field: core.FieldParentCustomerID, Message: msg})
	}
	if parentID == id {
		return bad("must not be the customer itself")
	}
	cur := parentID
	for depth := 0; cur != "" && depth < maxParentDepth; depth++ {
		var next string
		err := tx.GetContext(ctx, &next, `SELECT parent_customer_id FROM customers WHERE id = ? AND merchant_id = ?`, cur, merchantID)
		if errors.Is(err, sql.ErrNoRows) {
			if cur == parentID {
				return bad("no such customer")
			}
			return nil // a dangling link further up is not this customer's problem
		}
		if err != nil {
			return err
		}
		if next == id {
			return bad("would make the customer its own parent company")
		}
		cur = next
	}
	return nil
}

// UpdateCustomer applies patch to the merchant's customer and bumps its
// updated_at; the number, ID and created_at never change. Errors:
// CodeInvalid naming each bad field (parent_customer_id must be another
// existing customer of the merchant), CodeNotFound.
func (p *Provider) UpdateCustomer(ctx context.Context, conn core.Connection, id string, patch core.CustomerPatch) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	var out core.Customer
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		cur, err := getCustomerRow(ctx, tx, conn.MerchantID, id)
		if err != nil {
			return err
		}
		c := patch.Apply(cur.customer())
		c.Name = strings.TrimSpace(c.Name)
		c.OrganizationNumber = strings.TrimSpace(c.OrganizationNumber)
		c.ParentCustomerID = strings.TrimSpace(c.ParentCustomerID)
		if err := c.Validate(); err != nil {
			return err
		}
		if patch.ParentCustomerID != nil {
			if err := checkParent(ctx, tx, conn.MerchantID, id, c.ParentCustomerID); err != nil {
				return err
			}
		}
		c.UpdatedAt = p.nowUTC()
		if c.UpdatedAt.Before(c.CreatedAt) { // a clock that stepped back
			c.UpdatedAt = c.CreatedAt
		}
		row := rowOf(conn.MerchantID, cur.Number, c)
		_, err = tx.NamedExecContext(ctx, `UPDATE customers SET
			name = :name, name_lower = :name_lower, organization_number = :organization_number, org_digits = :org_digits,
			email = :email, phone = :phone, billing_line1 = :billing_line1, billing_line2 = :billing_line2,
			billing_postal_code = :billing_postal_code, billing_city = :billing_city, billing_country = :billing_country,
			active = :active, invoicing_enabled = :invoicing_enabled, due_days = :due_days,
			parent_customer_id = :parent_customer_id, purchase_instruction = :purchase_instruction,
			collective_enabled = :collective_enabled, collective_day_of_month = :collective_day_of_month,
			collective_threshold = :collective_threshold, updated_at = :updated_at
			WHERE id = :id AND merchant_id = :merchant_id`, row)
		out = c
		return err
	})
	if err != nil {
		return core.Customer{}, dbError("update customer", err)
	}
	return out, nil
}

// customerCursor is the position after the last customer of a page.
type customerCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

func encodeCustomerCursor(c customerCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCustomerCursor(s string) (customerCursor, error) {
	var c customerCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return customerCursor{}, core.Invalid("invalid cursor", core.FieldError{Field: "cursor", Message: "is not a cursor from a previous page"})
	}
	return c, nil
}

// SearchCustomers returns a page of the merchant's customers ordered by name
// (case-insensitively) then id. An empty q lists every customer; otherwise a
// customer matches when q is a case-insensitive substring of its name, when
// q's digits equal its organization number's digits ("556016-0680" finds
// "5560160680"), or when q is its customer number. q.Limit 0 means 50.
// Errors: CodeInvalid naming cursor or limit.
//
// The name match walks the (merchant, name) index in result order and stops
// after a page, so common queries touch few rows; a substring that matches
// rarely or never costs one pass over the merchant's index entries. The
// organization and customer number matches are index lookups, merged with
// the name matches in Go.
func (p *Provider) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	if err := checkConn(conn); err != nil {
		return core.CustomerPage{}, err
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		return core.CustomerPage{}, err
	}
	after := ""
	var afterArgs []any
	if q.Cursor != "" {
		c, err := decodeCustomerCursor(q.Cursor)
		if err != nil {
			return core.CustomerPage{}, err
		}
		after = ` AND (name_lower, id) > (?, ?)`
		afterArgs = []any{c.Name, c.ID}
	}
	text := strings.TrimSpace(q.Q)

	// Name matches (or everything, for an empty q), in page order.
	args := []any{conn.MerchantID}
	nameFilter := ""
	if text != "" {
		nameFilter = ` AND instr(name_lower, ?) > 0`
		args = append(args, normalizeName(text))
	}
	args = append(append(args, afterArgs...), limit+1)
	var rows []customerRow
	err = p.db.Reader().SelectContext(ctx, &rows, `SELECT `+customerColumns+` FROM customers
		WHERE merchant_id = ?`+nameFilter+after+` ORDER BY name_lower, id LIMIT ?`, args...)
	if err != nil {
		return core.CustomerPage{}, dbError("search customers", err)
	}

	// Organization number and customer number matches, by their indexes.
	var arms []string
	args = nil
	if digits := orgDigits(text); digits != "" {
		arms = append(arms, `SELECT `+customerColumns+` FROM customers INDEXED BY customers_merchant_org WHERE merchant_id = ? AND org_digits = ?`+after)
		args = append(append(args, conn.MerchantID, digits), afterArgs...)
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil && strconv.FormatInt(n, 10) == text {
		arms = append(arms, `SELECT `+customerColumns+` FROM customers INDEXED BY customers_merchant_number WHERE merchant_id = ? AND number = ?`+after)
		args = append(append(args, conn.MerchantID, n), afterArgs...)
	}
	if len(arms) > 0 {
		var more []customerRow
		err = p.db.Reader().SelectContext(ctx, &more, strings.Join(arms, " UNION ")+` ORDER BY name_lower, id LIMIT ?`,
			append(args, limit+1)...)
		if err != nil {
			return core.CustomerPage{}, dbError("search customers", err)
		}
		rows = mergeCustomerRows(rows, more)
	}

	var page core.CustomerPage
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = encodeCustomerCursor(customerCursor{Name: last.NameLower, ID: last.ID})
	}
	page.Customers = make([]core.Customer, len(rows))
	for i, r := range rows {
		page.Customers[i] = r.customer()
	}
	return page, nil
}

// mergeCustomerRows merges two lists sorted by (name_lower, id), dropping
// duplicates.
func mergeCustomerRows(a, b []customerRow) []customerRow {
	out := make([]customerRow, 0, len(a)+len(b))
	less := func(x, y customerRow) bool {
		return x.NameLower < y.NameLower || (x.NameLower == y.NameLower && x.ID < y.ID)
	}
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || (len(a) > 0 && less(a[0], b[0])):
			out = append(out, a[0])
			a = a[1:]
		case len(a) == 0 || less(b[0], a[0]):
			out = append(out, b[0])
			b = b[1:]
		default: // the same customer
			out = append(out, a[0])
			a, b = a[1:], b[1:]
		}
	}
	return out
}
