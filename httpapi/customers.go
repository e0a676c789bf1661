package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// customerInput is the body of POST /v1/customers: the writable fields of a
// customer. The provider assigns id and customer_number. Active and
// invoicing_enabled default to true, since a customer is created to be
// invoiced.
type customerInput struct {
	Name                string                   `json:"name"`
	OrganizationNumber  string                   `json:"organization_number"`
	Email               string                   `json:"email"`
	Phone               string                   `json:"phone"`
	BillingAddress      core.Address             `json:"billing_address"`
	Active              *bool                    `json:"active"`
	InvoicingEnabled    *bool                    `json:"invoicing_enabled"`
	DueDays             int                      `json:"due_days"`
	ParentCustomerID    string                   `json:"parent_customer_id"`
	PurchaseInstruction string                   `json:"purchase_instruction"`
	CollectiveInvoicing core.CollectiveInvoicing `json:"collective_invoicing"`
	VATNumber           string                   `json:"vat_number"`
	PeppolID            string                   `json:"peppol_id"`
	BuyerReference      string                   `json:"buyer_reference"`
	InvoiceDelivery     core.InvoiceDelivery     `json:"invoice_delivery"`
}

func (in customerInput) customer() core.Customer {
	orTrue := func(b *bool) bool { return b == nil || *b }
	return core.Customer{
		Name:                in.Name,
		OrganizationNumber:  in.OrganizationNumber,
		Email:               in.Email,
		Phone:               in.Phone,
		BillingAddress:      in.BillingAddress,
		Active:              orTrue(in.Active),
		InvoicingEnabled:    orTrue(in.InvoicingEnabled),
		DueDays:             in.DueDays,
		ParentCustomerID:    in.ParentCustomerID,
		PurchaseInstruction: in.PurchaseInstruction,
		CollectiveInvoicing: in.CollectiveInvoicing,
		VATNumber:           in.VATNumber,
		PeppolID:            in.PeppolID,
		BuyerReference:      in.BuyerReference,
		InvoiceDelivery:     in.InvoiceDelivery,
	}
}

// searchCustomers answers GET /v1/customers?q=&limit=&cursor= with a page
// of customers matching q by name, organization number or customer number.
func (s *server) searchCustomers(c *gin.Context) {
	qp := newQueryParams(c)
	q := core.CustomerQuery{Q: qp.str("q"), Limit: qp.limit(), Cursor: qp.cursor(s.cursors)}
	if err := qp.err(); err != nil {
		s.writeError(c, err)
		return
	}
	page, err := s.engine.SearchCustomers(c.Request.Context(), principal(c), q)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(page.Customers, s.cursors.seal(c, page.NextCursor)))
}

// syncCustomers answers POST /v1/customers/sync (admin, accountant): the
// invoicing provider's copy of the customers of the merchant's accounting
// system (Tripletex, Spiris) is read again now, and the answer counts what
// changed; copied is false for a provider that keeps no copy.
func (s *server) syncCustomers(c *gin.Context) {
	res, err := s.engine.SyncCustomers(c.Request.Context(), principal(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, res)
}

// createCustomer answers 201 with the created customer.
func (s *server) createCustomer(c *gin.Context) {
	var in customerInput
	if !s.decodeJSON(c, &in) {
		return
	}
	cust, err := s.engine.CreateCustomer(c.Request.Context(), principal(c), in.customer())
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/v1/customers/"+cust.ID)
	c.PureJSON(http.StatusCreated, cust)
}

// getCustomer answers 200 with one customer; another merchant's is 404.
func (s *server) getCustomer(c *gin.Context) {
	cust, err := s.engine.GetCustomer(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, cust)
}

// updateCustomer applies a core.CustomerPatch (absent or null fields stay
// as they are) and answers 200 with the updated customer.
func (s *server) updateCustomer(c *gin.Context) {
	var patch core.CustomerPatch
	if !s.decodeJSON(c, &patch) {
		return
	}
	cust, err := s.engine.UpdateCustomer(c.Request.Context(), principal(c), c.Param("id"), patch)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, cust)
}
