package open

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
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
	VATNumber            string `db:"vat_number"`
	PeppolID             string `db:"peppol_id"`
	BuyerReference       string `db:"buyer_reference"`
	InvoiceDelivery      string `db:"invoice_delivery"`
	CreatedAt            string `db:"created_at"`
	UpdatedAt            string `db:"updated_at"`
}

const customerColumns = `id, merchant_id, number, name, name_lower, organization_number, org_digits,
	email, phone, billing_line1, billing_line2, billing_postal_code, billing_city, billing_country,
	active, invoicing_enabled, due_days, parent_customer_id, purchase_instruction,
	collective_enabled, collective_day_of_month, collective_threshold,
	vat_number, peppol_id, buyer_reference, invoice_delivery, created_at, updated_at`

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
		VATNumber:       r.VATNumber,
		PeppolID:        r.PeppolID,
		BuyerReference:  r.BuyerReference,
		InvoiceDelivery: core.InvoiceDelivery(r.InvoiceDelivery),
		CreatedAt:       parseTime(r.CreatedAt),
		UpdatedAt:       parseTime(r.UpdatedAt),
	}
}

// normalizeName is the search key of a name: Unicode lower case, so "Åre"
// matches "åre" (SQLite's own lower() folds ASCII only).
func normalizeName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// GetCustomer returns one of the merchant's customers. Errors: CodeInvalid
// (no merchant), CodeNotFound (no such customer, or another merchant's).
func (p *Provider) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	if err := checkConn(conn); err != nil {
		return core.Customer{}, err
	}
	var r customerRow
	err := p.getCustomer.GetContext(ctx, &r, id, conn.MerchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Customer{}, core.ErrNotFound("customer", id)
	}
	if err != nil {
		return core.Customer{}, dbError("get customer", err)
	}
	return r.customer(), nil
}

var getCustomerSQL = `SELECT ` + customerColumns + ` FROM customers WHERE id = ? AND merchant_id = ?`

func getCustomerRow(ctx context.Context, q sqlx.QueryerContext, merchantID, id string) (customerRow, error) {
	var r customerRow
	err := sqlx.GetContext(ctx, q, &r, getCustomerSQL, id, merchantID)
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
	c = c.NormalizeEInvoiceFields()
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
		row := rowOf(conn.MerchantID, number, c)
		_, err := tx.NamedExecContext(ctx, `INSERT INTO customers (`+customerColumns+`) VALUES (
			:id, :merchant_id, :number, :name, :name_lower, :organization_number, :org_digits,
			:email, :phone, :billing_line1, :billing_line2, :billing_postal_code, :billing_city, :billing_country,
			:active, :invoicing_enabled, :due_days, :parent_customer_id, :purchase_instruction,
			:collective_enabled, :collective_day_of_month, :collective_threshold,
			:vat_number, :peppol_id, :buyer_reference, :invoice_delivery, :created_at, :updated_at)`, row)
		if err != nil {
			return err
		}
		return p.indexName(ctx, tx, conn.MerchantID, c.ID, "", row.NameLower)
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
		OrgDigits:            nordic.Digits(c.OrganizationNumber),
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
		VATNumber:            c.VATNumber,
		PeppolID:             c.PeppolID,
		BuyerReference:       c.BuyerReference,
		InvoiceDelivery:      string(c.Delivery()),
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
		c = c.NormalizeEInvoiceFields()
		if err := c.ValidatePatched(patch); err != nil {
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
			collective_threshold = :collective_threshold, vat_number = :vat_number, peppol_id = :peppol_id,
			buyer_reference = :buyer_reference, invoice_delivery = :invoice_delivery, updated_at = :updated_at
			WHERE id = :id AND merchant_id = :merchant_id`, row)
		if err != nil {
			return err
		}
		if err := p.indexName(ctx, tx, conn.MerchantID, id, cur.NameLower, row.NameLower); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return core.Customer{}, dbError("update customer", err)
	}
	return out, nil
}
