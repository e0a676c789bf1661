package backoffice

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The customer pages: search (name, organization number, customer number),
// create, edit, and a refresh of the copy a provider keeps. Every rule is
// the engine's: which role may set the billing fields (parent company,
// collective invoicing), which fields a provider that owns the customers
// lets us change (core.CustomerRegister), and what a valid customer is.
func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		g.GET("/customers", s.allow(core.ActionSearchCustomers), s.customers)
		g.POST("/customers", s.allow(core.ActionCreateCustomer), s.createCustomer)
		g.GET("/customers/new", s.allow(core.ActionCreateCustomer), s.newCustomer)
		g.GET("/customers/parents", s.allow(core.ActionSearchCustomers), s.parentCandidates)
		g.POST("/customers/sync", s.allow(core.ActionSyncCustomers), s.syncCustomers)
		g.GET("/customers/:id", s.allow(core.ActionReadCustomer), s.customer)
		g.POST("/customers/:id", s.allow(core.ActionUpdateCustomer), s.updateCustomer)
	})
}

// customerPageSize is how many customers a search page shows.
const customerPageSize = 25

type customersData struct {
	Q          string
	Cursor     string
	Customers  []core.Customer
	NextCursor string
	Register   core.CustomerRegister
}

// customers is the search page: the query matches the name, the
// organization number or the customer number (the engine's search).
func (s *server) customers(c *gin.Context) {
	ctx := c.Request.Context()
	p := s.newPage(c, "customers.title", "nav.customers")
	pr := principal(c)
	reg, err := s.engine.CustomerRegister(ctx, pr)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := customersData{Q: strings.TrimSpace(c.Query("q")), Cursor: c.Query("cursor"), Register: reg}
	page, err := s.engine.SearchCustomers(ctx, pr, core.CustomerQuery{Q: d.Q, Cursor: d.Cursor, Limit: customerPageSize})
	status := http.StatusOK
	if err != nil {
		if !formErrors(p, err) {
			s.fail(c, err)
			return
		}
		status = http.StatusUnprocessableEntity
		if msg := p.Fields["cursor"]; msg != "" {
			p.Error = p.L.T("customers.bad_cursor")
		}
	}
	d.Customers, d.NextCursor = page.Customers, page.NextCursor
	p.Data = d
	s.render(c, status, "customers", p)
}

// syncCustomers reads the provider's customers again now.
func (s *server) syncCustomers(c *gin.Context) {
	if _, err := s.engine.SyncCustomers(c.Request.Context(), principal(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.done(c, Prefix+"/customers", "customers_synced")
}

// customerForm is a customer as the form shows it: what was stored, or
// what the person typed when it was refused.
type customerForm struct {
	ID, Number                              string
	Name, OrganizationNumber, Email, Phone  string
	Line1, Line2, PostalCode, City, Country string
	Active, InvoicingEnabled                bool
	DueDays                                 string
	PurchaseInstruction                     string
	ParentID, ParentName, ParentNumber      string
	CollectiveEnabled                       bool
	DayOfMonth, Threshold                   string
	VATNumber, PeppolID, BuyerReference     string
	InvoiceDelivery                         string
}

type customerData struct {
	New      bool
	Form     customerForm
	Register core.CustomerRegister
	// Billing: the user's role may set the parent company and collective
	// invoicing.
	Billing bool
	// Readonly maps a field (core.Field* names) the provider keeps to the
	// catalogue key of why; writable fields are absent.
	Readonly map[string]string
}

// customerFormOf fills the form from a stored customer.
func customerFormOf(l *localizer, cu core.Customer) customerForm {
	f := customerForm{
		ID: cu.ID, Number: cu.Number, Name: cu.Name, OrganizationNumber: cu.OrganizationNumber, Email: cu.Email,
		Phone: cu.Phone, Line1: cu.BillingAddress.Line1, Line2: cu.BillingAddress.Line2,
		PostalCode: cu.BillingAddress.PostalCode, City: cu.BillingAddress.City, Country: cu.BillingAddress.Country,
		Active: cu.Active, InvoicingEnabled: cu.InvoicingEnabled, DueDays: strconv.Itoa(cu.DueDays),
		PurchaseInstruction: cu.PurchaseInstruction, ParentID: cu.ParentCustomerID,
		CollectiveEnabled: cu.CollectiveInvoicing.Enabled,
		VATNumber:         cu.VATNumber, PeppolID: cu.PeppolID, BuyerReference: cu.BuyerReference,
		InvoiceDelivery: string(cu.Delivery()),
	}
	if cu.CollectiveInvoicing.DayOfMonth > 0 {
		f.DayOfMonth = strconv.Itoa(cu.CollectiveInvoicing.DayOfMonth)
	}
	if cu.CollectiveInvoicing.Threshold > 0 {
		f.Threshold = amountValue(l.lang, cu.CollectiveInvoicing.Threshold)
	}
	return f
}

// customerFormFrom reads the posted form.
func customerFormFrom(c *gin.Context) customerForm {
	v := func(k string) string { return c.PostForm(k) }
	on := func(k string) bool { return c.PostForm(k) == "on" }
	return customerForm{
		Name: v("name"), OrganizationNumber: v("organization_number"), Email: strings.TrimSpace(v("email")),
		Phone: v("phone"), Line1: v("billing_address.line1"), Line2: v("billing_address.line2"),
		PostalCode: v("billing_address.postal_code"), City: v("billing_address.city"),
		Country: strings.ToUpper(strings.TrimSpace(v("billing_address.country"))),
		Active:  on("active"), InvoicingEnabled: on("invoicing_enabled"), DueDays: strings.TrimSpace(v("due_days")),
		PurchaseInstruction: strings.ReplaceAll(v("purchase_instruction"), "\r\n", "\n"),
		ParentID:            strings.TrimSpace(v("parent_customer_id")),
		CollectiveEnabled:   on("collective_invoicing.enabled"),
		DayOfMonth:          strings.TrimSpace(v("collective_invoicing.day_of_month")),
		Threshold:           strings.TrimSpace(v("collective_invoicing.threshold")),
		VATNumber:           strings.TrimSpace(v("vat_number")),
		PeppolID:            strings.TrimSpace(v("peppol_id")),
		BuyerReference:      strings.TrimSpace(v("buyer_reference")),
		InvoiceDelivery:     strings.TrimSpace(v("invoice_delivery")),
	}
}

// customer converts the form, or returns CodeInvalid naming the numbers
// that are not numbers (the engine judges everything else).
func (f customerForm) customer(l *localizer) (core.Customer, error) {
	var errs []core.FieldError
	num := func(field, s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, core.FieldError{Field: field, Message: l.T("customers.not_a_number")})
		}
		return n
	}
	cu := core.Customer{
		ID: f.ID, Name: f.Name, OrganizationNumber: f.OrganizationNumber, Email: f.Email, Phone: f.Phone,
		BillingAddress: core.Address{Line1: f.Line1, Line2: f.Line2, PostalCode: f.PostalCode, City: f.City, Country: f.Country},
		Active:         f.Active, InvoicingEnabled: f.InvoicingEnabled, DueDays: num(core.FieldDueDays, f.DueDays),
		ParentCustomerID: f.ParentID, PurchaseInstruction: f.PurchaseInstruction,
		CollectiveInvoicing: core.CollectiveInvoicing{Enabled: f.CollectiveEnabled,
			DayOfMonth: num("collective_invoicing.day_of_month", f.DayOfMonth)},
		VATNumber: f.VATNumber, PeppolID: f.PeppolID, BuyerReference: f.BuyerReference,
		InvoiceDelivery: core.InvoiceDelivery(f.InvoiceDelivery),
	}
	if f.Threshold != "" {
		t, ok := parseAmount(f.Threshold)
		if !ok {
			errs = append(errs, core.FieldError{Field: "collective_invoicing.threshold", Message: l.T("customers.not_an_amount")})
		}
		cu.CollectiveInvoicing.Threshold = t
	}
	return cu, core.Invalid("invalid customer", errs...)
}

// customerData is the form page's data for the signed-in user.
func (s *server) customerData(c *gin.Context, reg core.CustomerRegister, f customerForm, isNew bool) customerData {
	d := customerData{New: isNew, Form: f, Register: reg, Billing: principal(c).Role.Allows(core.ActionSetCustomerBilling),
		Readonly: map[string]string{}}
	for _, field := range []string{core.FieldName, core.FieldOrganizationNumber, core.FieldEmail, core.FieldPhone,
		core.FieldBillingAddress, core.FieldActive, core.FieldInvoicingEnabled, core.FieldDueDays,
		core.FieldParentCustomerID, core.FieldPurchaseInstruction, core.FieldCollectiveInvoicing,
		core.FieldVATNumber, core.FieldPeppolID, core.FieldBuyerReference, core.FieldInvoiceDelivery} {
		if !reg.Writable(field) {
			d.Readonly[field] = "customers.readonly_provider"
		}
	}
	return d
}

// customerFailed answers a refused customer form (formFailed), showing
// form f again.
func (s *server) customerFailed(c *gin.Context, p *page, err error, reg core.CustomerRegister, f customerForm, isNew bool) {
	s.formFailed(c, p, err, "customer", func() {
		localizeNordic(p, core.FieldOrganizationNumber, core.FieldVATNumber, core.FieldPeppolID)
		for _, field := range []string{core.FieldInvoiceDelivery, core.FieldPeppolID} {
			if strings.HasPrefix(p.Fields[field], "peppol needs") {
				p.Fields[field] = p.L.T("customers.peppol_needs_id")
			}
		}
		s.parentName(c, &f)
		p.Data = s.customerData(c, reg, f, isNew)
	})
}

// parentName fills in the parent company's name and number for the form.
func (s *server) parentName(c *gin.Context, f *customerForm) {
	if f.ParentID == "" {
		return
	}
	if parent, err := s.engine.GetCustomer(c.Request.Context(), principal(c), f.ParentID); err == nil {
		f.ParentName, f.ParentNumber = parent.Name, parent.Number
	}
}

func (s *server) newCustomer(c *gin.Context) {
	p := s.newPage(c, "customers.new_title", "nav.customers")
	reg, err := s.engine.CustomerRegister(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Data = s.customerData(c, reg, customerForm{Active: true, InvoicingEnabled: true, DueDays: "30",
		InvoiceDelivery: string(core.DeliveryEmail)}, true)
	s.render(c, http.StatusOK, "customer", p)
}

func (s *server) createCustomer(c *gin.Context) {
	if !s.parseForm(c) {
		return
	}
	ctx := c.Request.Context()
	pr := principal(c)
	p := s.newPage(c, "customers.new_title", "nav.customers")
	reg, err := s.engine.CustomerRegister(ctx, pr)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := customerFormFrom(c)
	if !pr.Role.Allows(core.ActionSetCustomerBilling) {
		f.ParentID, f.CollectiveEnabled, f.DayOfMonth, f.Threshold = "", false, "", ""
	}
	cu, err := f.customer(p.L)
	if err == nil {
		cu, err = s.engine.CreateCustomer(ctx, pr, cu)
	}
	if err != nil {
		s.customerFailed(c, p, err, reg, f, true)
		return
	}
	q := cu.Number
	if q == "" {
		q = cu.Name
	}
	s.done(c, Prefix+"/customers?"+url.Values{"q": {q}}.Encode(), "customer_created")
}

// storedCustomer reads the customer the path names and the register's
// rules; when either fails it answers and reports false.
func (s *server) storedCustomer(c *gin.Context) (core.Customer, core.CustomerRegister, bool) {
	ctx := c.Request.Context()
	pr := principal(c)
	var reg core.CustomerRegister
	cu, err := s.engine.GetCustomer(ctx, pr, c.Param("id"))
	if err == nil {
		reg, err = s.engine.CustomerRegister(ctx, pr)
	}
	if err != nil {
		s.fail(c, err)
		return cu, reg, false
	}
	return cu, reg, true
}

func (s *server) customer(c *gin.Context) {
	cu, reg, ok := s.storedCustomer(c)
	if !ok {
		return
	}
	p := s.newPage(c, "customers.edit_title", "nav.customers")
	f := customerFormOf(p.L, cu)
	s.parentName(c, &f)
	p.Data = s.customerData(c, reg, f, false)
	s.render(c, http.StatusOK, "customer", p)
}

// updateCustomer patches the fields the person changed that the user may
// change: a field the provider keeps, or a billing field the role may not
// set, is never sent (they are shown read-only or not at all).
func (s *server) updateCustomer(c *gin.Context) {
	if !s.parseForm(c) {
		return
	}
	current, reg, ok := s.storedCustomer(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	pr := principal(c)
	p := s.newPage(c, "customers.edit_title", "nav.customers")
	f := customerFormFrom(c)
	f.ID, f.Number = current.ID, current.Number
	billing := pr.Role.Allows(core.ActionSetCustomerBilling)
	if !billing {
		f.ParentID, f.CollectiveEnabled = current.ParentCustomerID, current.CollectiveInvoicing.Enabled
		ff := customerFormOf(p.L, current)
		f.DayOfMonth, f.Threshold = ff.DayOfMonth, ff.Threshold
	}
	// Fields the form shows read-only or disabled are not posted as
	// changes: keep what is stored.
	keep := customerFormOf(p.L, current)
	d := s.customerData(c, reg, f, false)
	if _, ro := d.Readonly[core.FieldActive]; ro {
		f.Active = keep.Active
	}
	if _, ro := d.Readonly[core.FieldInvoicingEnabled]; ro {
		f.InvoicingEnabled = keep.InvoicingEnabled
	}
	if _, ro := d.Readonly[core.FieldCollectiveInvoicing]; ro {
		f.CollectiveEnabled, f.DayOfMonth, f.Threshold = keep.CollectiveEnabled, keep.DayOfMonth, keep.Threshold
	}
	if _, ro := d.Readonly[core.FieldParentCustomerID]; ro {
		f.ParentID = keep.ParentID
	}
	in, err := f.customer(p.L)
	if err == nil {
		patch := customerPatch(current, in, reg, billing)
		if len(patch.Fields()) > 0 {
			_, err = s.engine.UpdateCustomer(ctx, pr, current.ID, patch)
		}
	}
	if err != nil {
		s.customerFailed(c, p, err, reg, f, false)
		return
	}
	s.done(c, Prefix+"/customers/"+url.PathEscape(current.ID), "customer_saved")
}

// customerPatch holds the fields of in that differ from cur and that the
// user may change.
func customerPatch(cur, in core.Customer, reg core.CustomerRegister, billing bool) core.CustomerPatch {
	var p core.CustomerPatch
	may := func(field string) bool { return reg.Writable(field) }
	patchField(&p.Name, may(core.FieldName), in.Name, cur.Name)
	patchField(&p.OrganizationNumber, may(core.FieldOrganizationNumber), in.OrganizationNumber, cur.OrganizationNumber)
	patchField(&p.Email, may(core.FieldEmail), in.Email, cur.Email)
	patchField(&p.Phone, may(core.FieldPhone), in.Phone, cur.Phone)
	patchField(&p.BillingAddress, may(core.FieldBillingAddress), in.BillingAddress, cur.BillingAddress)
	patchField(&p.Active, may(core.FieldActive), in.Active, cur.Active)
	patchField(&p.InvoicingEnabled, may(core.FieldInvoicingEnabled), in.InvoicingEnabled, cur.InvoicingEnabled)
	patchField(&p.DueDays, may(core.FieldDueDays), in.DueDays, cur.DueDays)
	patchField(&p.PurchaseInstruction, may(core.FieldPurchaseInstruction), in.PurchaseInstruction, cur.PurchaseInstruction)
	patchField(&p.ParentCustomerID, billing && may(core.FieldParentCustomerID), in.ParentCustomerID, cur.ParentCustomerID)
	patchField(&p.CollectiveInvoicing, billing && may(core.FieldCollectiveInvoicing), in.CollectiveInvoicing, cur.CollectiveInvoicing)
	patchField(&p.VATNumber, may(core.FieldVATNumber), in.VATNumber, cur.VATNumber)
	patchField(&p.PeppolID, may(core.FieldPeppolID), in.PeppolID, cur.PeppolID)
	patchField(&p.BuyerReference, may(core.FieldBuyerReference), in.BuyerReference, cur.BuyerReference)
	patchField(&p.InvoiceDelivery, may(core.FieldInvoiceDelivery), in.Delivery(), cur.Delivery())
	return p
}

// patchField sets *field to in when the user may change it and it differs
// from cur.
func patchField[T comparable](field **T, may bool, in, cur T) {
	if may && in != cur {
		*field = &in
	}
}

// formFailed answers a refused form: invalid input (and a conflict or
// refusal that names fields) re-renders the form with each message beside
// its field, after fill sets the page's data; anything else is the error
// page.
func (s *server) formFailed(c *gin.Context, p *page, err error, tmpl string, fill func()) {
	status := http.StatusUnprocessableEntity
	switch core.Code(err) {
	case core.CodeInvalid:
		formErrors(p, err)
	case core.CodeConflict, core.CodeForbidden:
		ce := core.AsError(err)
		if len(ce.Fields) == 0 {
			s.fail(c, err)
			return
		}
		status = statusOf(err)
		for _, fe := range ce.Fields {
			p.Fields[fe.Field] = fe.Message
		}
		p.Error = errorText(p.L, err)
	default:
		s.fail(c, err)
		return
	}
	fill()
	s.render(c, status, tmpl, p)
}

type parentData struct {
	Self      string
	Q         string
	Customers []core.Customer
}

// parentCandidates is the htmx answer to the parent company search: up to
// ten customers to choose from (never the customer itself).
func (s *server) parentCandidates(c *gin.Context) {
	p := s.newPage(c, "customers.edit_title", "nav.customers")
	d := parentData{Self: c.Query("self"), Q: strings.TrimSpace(c.Query("parent_q"))}
	if d.Q != "" {
		page, err := s.engine.SearchCustomers(c.Request.Context(), principal(c), core.CustomerQuery{Q: d.Q, Limit: 11})
		if err != nil {
			if core.Code(err) != core.CodeInvalid {
				s.fail(c, err)
				return
			}
			p.Error = errorText(p.L, err)
		}
		for _, cu := range page.Customers {
			if cu.ID != d.Self && len(d.Customers) < 10 {
				d.Customers = append(d.Customers, cu)
			}
		}
	}
	p.Data = d
	s.renderBlock(c, http.StatusOK, "customer", "parent-results", p)
}

// amountValue writes minor units for an input: "5000,00" (sv, nb) or
// "5000.00" (en), no grouping, so it reads back with parseAmount.
func amountValue(lang core.Language, minor int64) string {
	s := strconv.FormatInt(minor/100, 10) + "." + strconv.FormatInt(100+minor%100, 10)[1:]
	if lang != core.LanguageEnglish {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// parseAmount reads an amount typed in kronor ("5 000", "5000,50",
// "5000.5") as minor units; false for anything else, a negative amount or
// more than two decimals.
func parseAmount(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s))
	s = strings.Replace(s, ",", ".", 1)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e13 {
		return 0, false
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 || strings.ContainsAny(frac, "+-") {
			return 0, false
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	if strings.ContainsAny(whole, "+-") {
		return 0, false
	}
	return w*100 + f, true
}
