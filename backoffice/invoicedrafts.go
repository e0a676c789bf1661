package backoffice

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The draft form (invoices group): a manual invoice created, edited and
// posted from BackOffice through CreateDraft, UpdateDraft and PostInvoice.

// draftRows is how many empty line rows a new draft starts with.
const draftRows = 3

type draftLine struct {
	Description, Quantity, UnitPrice, VATRate, ProductGroup string
	No                                                      int // 1-based, for the row's label
}

// Field is the engine's name of the line's field name ("lines[0].quantity").
func (l draftLine) Field(i int, name string) string { return lineField(i, name) }

type draftForm struct {
	ID               string // "" for a new draft
	Action           string // where the form posts
	CustomerID       string
	InvoiceDate      string
	Reference        string
	Comment          string
	PricesIncludeVAT bool
	Lines            []draftLine
	Customers        []core.Customer
	// CustomersMore: the customer list was cut; the search narrows it.
	CustomersMore bool
	CustomerQ     string
	VATRates      []string
	// VATTreatment is one of core.VATTreatments (domestic when empty).
	VATTreatment string
	Treatments   []string
}

// treatmentFields are the fields core.CheckVATTreatment names, shown with
// the VAT treatment, and the catalogue key of what each means on the form.
var treatmentFields = []struct{ field, key string }{
	{"vat_treatment", "invoices.error.treatment_not_allowed"},
	{"customer.vat_number", "invoices.error.treatment_buyer_vat"},
	{"customer.billing_address.country", "invoices.error.treatment_buyer_country"},
	{"company.vat_number", "invoices.error.treatment_seller_vat"},
}

// localizeTreatment writes the VAT treatment's refusals (English from the
// engine) in the user's language: the fields core.CheckVATTreatment names
// about the customer and the settings are said together beside the
// treatment (vat_treatment), and a line's VAT rate that must be 0 beside
// the rate.
func localizeTreatment(p *page, lines int) {
	var msgs []string
	for _, tf := range treatmentFields {
		if p.Fields[tf.field] != "" {
			msgs = append(msgs, p.L.T(tf.key))
		}
	}
	if len(msgs) > 0 {
		p.Fields["vat_treatment"] = strings.Join(msgs, " ")
	}
	for i := range lines {
		if f := lineField(i, "vat_rate"); strings.HasPrefix(p.Fields[f], "must be 0 under") {
			p.Fields[f] = p.L.T("invoices.error.treatment_rate")
		}
	}
}

// newDraftForm is GET /backoffice/invoices/new (?customer_q= narrows the
// customer list).
func (s *server) newDraftForm(c *gin.Context) {
	p := s.newPage(c, "invoices.new_title", "nav.invoices")
	f := &draftForm{Action: Prefix + "/invoices/new", CustomerID: c.Query("customer_id"), CustomerQ: strings.TrimSpace(c.Query("customer_q"))}
	for range draftRows {
		f.Lines = append(f.Lines, draftLine{Quantity: "1", VATRate: defaultVATRate(p.Merchant.Country)})
	}
	s.renderDraft(c, http.StatusOK, p, f)
}

// editDraftForm is GET /backoffice/invoices/:id/edit: the draft's form;
// an invoice that is no longer a draft is shown with the reason.
func (s *server) editDraftForm(c *gin.Context) {
	inv, err := s.engine.GetInvoice(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if inv.Status != core.StatusDraft {
		p := s.newPage(c, "invoices.title", "nav.invoices")
		p.Error = p.L.T("invoices.error.not_draft")
		s.showInvoice(c, http.StatusConflict, p, nil, nil)
		return
	}
	p := s.newPage(c, "invoices.edit_title", "nav.invoices")
	f := &draftForm{ID: inv.ID, Action: invoiceHref(inv.ID) + "/edit", CustomerID: inv.CustomerID,
		InvoiceDate: string(inv.InvoiceDate), Reference: inv.Reference, Comment: inv.Comment,
		VATTreatment: string(inv.VATTreatment.OrDefault())}
	if inv.OrderedByCustomerID != "" {
		f.CustomerID = inv.OrderedByCustomerID
	}
	for _, l := range inv.Lines {
		amount := core.RoundHalfAwayFromZero(l.Quantity.Mul(decimal.NewFromInt(l.UnitPrice)))
		if l.VAT != 0 && l.Net != amount {
			f.PricesIncludeVAT = true
		}
		f.Lines = append(f.Lines, draftLine{Description: l.Description, Quantity: l.Quantity.String(),
			UnitPrice: formatMoneyInput(p.L.lang, l.UnitPrice), VATRate: l.VATRate.String(), ProductGroup: l.ProductGroup})
	}
	s.renderDraft(c, http.StatusOK, p, f)
}

// createDraft is POST /backoffice/invoices/new.
func (s *server) createDraft(c *gin.Context) {
	p := s.newPage(c, "invoices.new_title", "nav.invoices")
	s.saveDraft(c, p, &draftForm{Action: Prefix + "/invoices/new"})
}

// updateDraft is POST /backoffice/invoices/:id/edit.
func (s *server) updateDraft(c *gin.Context) {
	p := s.newPage(c, "invoices.edit_title", "nav.invoices")
	id := c.Param("id")
	s.saveDraft(c, p, &draftForm{ID: id, Action: invoiceHref(id) + "/edit"})
}

// saveDraft reads the form and creates or updates the draft, then posts
// it when the button said so (then=post). "add_line" only adds a row.
func (s *server) saveDraft(c *gin.Context, p *page, f *draftForm) {
	ctx := c.Request.Context()
	pr := principal(c)
	f.CustomerID = strings.TrimSpace(c.PostForm("customer_id"))
	f.InvoiceDate = strings.TrimSpace(c.PostForm("invoice_date"))
	f.Reference = c.PostForm("reference")
	f.Comment = c.PostForm("comment")
	f.PricesIncludeVAT = c.PostForm("prices_include_vat") == "1"
	f.VATTreatment = strings.TrimSpace(c.PostForm("vat_treatment"))
	rows, _ := strconv.Atoi(c.PostForm("rows"))
	rows = min(max(rows, 0), core.MaxChargeLines)
	for i := range rows {
		l := draftLine{
			Description:  strings.TrimSpace(c.PostForm(lineField(i, "description"))),
			Quantity:     strings.TrimSpace(c.PostForm(lineField(i, "quantity"))),
			UnitPrice:    strings.TrimSpace(c.PostForm(lineField(i, "unit_price"))),
			VATRate:      strings.TrimSpace(c.PostForm(lineField(i, "vat_rate"))),
			ProductGroup: strings.TrimSpace(c.PostForm(lineField(i, "product_group"))),
		}
		if l.Description == "" && l.UnitPrice == "" && l.ProductGroup == "" {
			continue // an empty row
		}
		f.Lines = append(f.Lines, l)
	}
	if c.PostForm("add_line") == "1" {
		f.Lines = append(f.Lines, draftLine{Quantity: "1", VATRate: defaultVATRate(p.Merchant.Country)})
		s.renderDraft(c, http.StatusOK, p, f)
		return
	}
	req := core.DraftRequest{CustomerID: f.CustomerID, InvoiceDate: core.Date(f.InvoiceDate), Reference: f.Reference,
		Comment: f.Comment, PricesIncludeVAT: &f.PricesIncludeVAT, VATTreatment: core.VATTreatment(f.VATTreatment)}
	var errs []core.FieldError
	for i, l := range f.Lines {
		in := core.LineInput{Description: l.Description, ProductGroup: l.ProductGroup}
		var ok bool
		if in.Quantity, ok = parseDecimal(l.Quantity); !ok {
			errs = append(errs, core.FieldError{Field: lineField(i, "quantity"), Message: p.L.T("invoices.error.quantity")})
		}
		if in.UnitPrice, ok = parseMoney(l.UnitPrice); !ok {
			errs = append(errs, core.FieldError{Field: lineField(i, "unit_price"), Message: p.L.T("invoices.error.amount")})
		}
		if in.VATRate, ok = parseDecimal(l.VATRate); !ok {
			errs = append(errs, core.FieldError{Field: lineField(i, "vat_rate"), Message: p.L.T("invoices.error.vat_rate")})
		}
		req.Lines = append(req.Lines, in)
	}
	if err := core.Invalid("invalid invoice", errs...); err != nil {
		formErrors(p, err)
		s.renderDraft(c, http.StatusUnprocessableEntity, p, f)
		return
	}
	var inv core.Invoice
	var err error
	if f.ID == "" {
		inv, err = s.engine.CreateDraft(ctx, pr, req)
	} else {
		inv, err = s.engine.UpdateDraft(ctx, pr, f.ID, req)
	}
	if err != nil {
		if formErrors(p, err) {
			localizeTreatment(p, len(f.Lines))
			s.renderDraft(c, http.StatusUnprocessableEntity, p, f)
			return
		}
		if f.ID != "" {
			s.actionFailed(c, err)
			return
		}
		s.fail(c, err)
		return
	}
	if c.PostForm("then") == "post" {
		if _, err := s.engine.PostInvoice(ctx, pr, inv.ID); err != nil {
			s.actionFailed(c, err)
			return
		}
		s.done(c, invoiceHref(inv.ID), "invoice_posted")
		return
	}
	s.done(c, invoiceHref(inv.ID), "draft_saved")
}

// renderDraft shows the draft form with the customers to choose from:
// active customers enabled for invoicing (the chosen one always), by name.
func (s *server) renderDraft(c *gin.Context, status int, p *page, f *draftForm) {
	ctx := c.Request.Context()
	pr := principal(c)
	if len(f.Lines) == 0 {
		f.Lines = append(f.Lines, draftLine{Quantity: "1", VATRate: defaultVATRate(p.Merchant.Country)})
	}
	for i := range f.Lines {
		f.Lines[i].No = i + 1
	}
	for _, r := range core.VATRates(p.Merchant.Country) {
		f.VATRates = append(f.VATRates, r.String())
	}
	if f.VATTreatment == "" {
		f.VATTreatment = string(core.TreatmentDomestic)
	}
	for _, t := range core.VATTreatments {
		if t == core.TreatmentIntraCommunitySupply && p.Merchant.Country != core.Sweden {
			continue // Norway is outside the EU (core.CheckVATTreatment)
		}
		f.Treatments = append(f.Treatments, string(t))
	}
	page, err := s.engine.SearchCustomers(ctx, pr, core.CustomerQuery{Q: f.CustomerQ, Limit: core.MaxListLimit})
	if err != nil {
		s.fail(c, err)
		return
	}
	f.CustomersMore = page.NextCursor != ""
	chosen := f.CustomerID == ""
	for _, cu := range page.Customers {
		if cu.ID == f.CustomerID {
			chosen = true
		} else if !cu.Active || !cu.InvoicingEnabled {
			continue
		}
		f.Customers = append(f.Customers, cu)
	}
	if !chosen {
		if cu, err := s.engine.GetCustomer(ctx, pr, f.CustomerID); err == nil {
			f.Customers = append([]core.Customer{cu}, f.Customers...)
		}
	}
	p.Data = f
	s.render(c, status, "invoice_form", p)
}

// defaultVATRate is the rate a new line starts with: the standard rate.
func defaultVATRate(country core.Country) string {
	rates := core.VATRates(country)
	if len(rates) == 0 {
		return ""
	}
	return rates[len(rates)-1].String()
}
