package spiristest

import (
	"fmt"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/textpdf"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// How the mock prices invoices (research §4.3-4.5, §5):
//   - a row's VAT rate and sales account come from its article's coding and
//     the customer: Swedish customers pay the coding's rate on its domestic
//     account; EU companies with a VAT number get 0 % on the EU account
//     (reverse charge); EU private persons pay Swedish VAT on the EU account;
//     customers outside the EU get 0 % on the export account; customers with
//     ReverseChargeOnConstructionServices get 0 % on the construction account;
//     IsVatFree rows get 0 % on the exempt account;
//   - UnitPrice is always excluding VAT (ShowPricesExclVatPC is on, so
//     IncludesVat is false, also for private persons);
//   - row net = round2(Quantity × UnitPrice × (1 − DiscountPercentage));
//     VAT = round2(Σ net per rate × rate); rounding half away from zero;
//   - SEK totals are rounded to whole kronor (DomesticCurrencyRounding 1),
//     the difference in TotalRoundings, booked on 3740;
//   - a credit invoice (IsCreditInvoice) must total below zero (negative
//     quantities or prices); a debit invoice may not total below zero;
//   - invoices take the next InvoiceNumber of one series shared by debit and
//     credit invoices, and are bookkept at once: a voucher of type 14 (15 for
//     credit) in series "B" on the invoice date, Dr 1510 / Cr sales / Cr VAT
//     / ±3740, so a locked or missing period refuses the invoice (4026/3001).

var euCountries = []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
	"LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SI", "SK"}

const (
	receivableAccount = 1510
	roundingAccount   = 3740
	invoiceSeries     = "B"
)

// Invoices returns the booked customer invoices, oldest first.
func (s *Server) Invoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invoicesLocked()
}

// invoicesLocked is Invoices with s.mu held.
func (s *Server) invoicesLocked() []Invoice {
	out := make([]Invoice, 0, len(s.invoices))
	for _, inv := range s.invoices {
		out = append(out, s.invoiceView(inv))
	}
	return out
}

// Drafts returns the customer invoice drafts not yet converted.
func (s *Server) Drafts() []InvoiceDraft {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]InvoiceDraft, 0, len(s.drafts))
	for _, d := range s.drafts {
		cp := *d
		cp.Rows = slices.Clone(d.Rows)
		out = append(out, cp)
	}
	return out
}

type rowInput struct {
	ArticleId          *string
	Text               *string
	UnitPrice          Amount
	Quantity           Amount
	DiscountPercentage Amount
	IsTextRow          bool
	IsVatFree          bool
}

type pricedRow struct {
	in      rowInput
	article *Article
	coding  *ArticleAccountCoding
	text    *string
	price   decimal.Decimal
	net     decimal.Decimal
	rate    decimal.Decimal // fraction
	account int64
}

type pricing struct {
	rows     []pricedRow
	net      decimal.Decimal
	vat      decimal.Decimal
	rounding decimal.Decimal
	total    decimal.Decimal
	spec     []VatSpecification
	vatBy    map[string]decimal.Decimal // rate → VAT
	netBy    map[int64]decimal.Decimal  // sales account → net
}

func (s *Server) customerIsDomestic(cu *Customer) bool {
	return cu.InvoiceCountryCode == nil || *cu.InvoiceCountryCode == "" || strings.EqualFold(*cu.InvoiceCountryCode, s.company.CountryCode)
}

// price computes rows and totals. quantityPlaces is 2 for drafts and 4 for
// invoices, as the document says.
func (s *Server) price(cu *Customer, rows []rowInput, credit, replaceZeroPrice bool, quantityPlaces int32) (*pricing, *apiError) {
	p := &pricing{vatBy: map[string]decimal.Decimal{}, netBy: map[int64]decimal.Decimal{}}
	domestic := s.customerIsDomestic(cu)
	pricePlaces := int32(2)
	if !domestic || (cu.CurrencyCode != nil && *cu.CurrencyCode != *s.company.CurrencyCode) {
		pricePlaces = 4
	}
	country := ""
	if cu.InvoiceCountryCode != nil {
		country = strings.ToUpper(*cu.InvoiceCountryCode)
	}
	netByRate := map[string]decimal.Decimal{}
	for i, r := range rows {
		f := fmt.Sprintf("Rows[%d]", i)
		pr := pricedRow{in: r, text: r.Text}
		if r.IsTextRow || r.ArticleId == nil {
			if r.Text == nil || strings.TrimSpace(*r.Text) == "" {
				return nil, invalid("A text row must have a text.", f+".Text")
			}
			pr.in.IsTextRow = true
			p.rows = append(p.rows, pr)
			continue
		}
		a := s.articleByID(*r.ArticleId)
		if a == nil {
			return nil, refMissing(f+".ArticleId", "Article")
		}
		if !a.IsActive {
			return nil, invalid("The article "+a.Number+" is not active.", f+".ArticleId")
		}
		pr.article, pr.coding = a, s.codingByID(a.CodingId)
		if pr.text == nil || *pr.text == "" {
			pr.text = ptr(a.Name)
		}
		if !maxPlaces(r.Quantity.Decimal, quantityPlaces) {
			return nil, invalid(fmt.Sprintf("Quantity can have at most %d decimals.", quantityPlaces), f+".Quantity")
		}
		if !maxPlaces(r.UnitPrice.Decimal, pricePlaces) {
			return nil, invalid(fmt.Sprintf("UnitPrice can have at most %d decimals for this customer.", pricePlaces), f+".UnitPrice")
		}
		if !maxPlaces(r.DiscountPercentage.Decimal, 4) {
			return nil, invalid("DiscountPercentage can have at most 4 decimals.", f+".DiscountPercentage")
		}
		pr.price = r.UnitPrice.Decimal
		if pr.price.IsZero() && replaceZeroPrice {
			pr.price = a.NetPrice.Decimal
		}
		pr.net = round2(r.Quantity.Mul(pr.price).Mul(decimal.NewFromInt(1).Sub(r.DiscountPercentage.Decimal)))
		c := pr.coding
		pr.rate = c.VatRatePercent.Decimal
		acct := c.DomesticSalesSubjectToVatAccountNumber
		switch {
		case r.IsVatFree:
			pr.rate, acct = decimal.Zero, c.DomesticSalesVatExemptAccountNumber
		case cu.ReverseChargeOnConstructionServices:
			pr.rate, acct = decimal.Zero, c.DomesticSalesSubjectToReversedConstructionVatAccountNumber
		case domestic:
		case slices.Contains(euCountries, country):
			if !cu.IsPrivatePerson && cu.VatNumber != nil && *cu.VatNumber != "" {
				pr.rate, acct = decimal.Zero, c.ForeignSalesVatExemptWithinEuAccountNumber
			} else {
				acct = c.ForeignSalesSubjectToVatWithinEuAccountNumber
			}
		default:
			pr.rate, acct = decimal.Zero, c.ForeignSalesVatExemptOutsideEuAccountNumber
		}
		if acct == nil {
			acct = c.DomesticSalesSubjectToVatAccountNumber
		}
		pr.account = *acct
		p.net = p.net.Add(pr.net)
		p.netBy[pr.account] = p.netBy[pr.account].Add(pr.net)
		netByRate[pr.rate.String()] = netByRate[pr.rate.String()].Add(pr.net)
		p.rows = append(p.rows, pr)
	}
	rates := make([]string, 0, len(netByRate))
	for r := range netByRate {
		rates = append(rates, r)
	}
	sort.Slice(rates, func(i, j int) bool {
		a, _ := decimal.NewFromString(rates[i])
		b, _ := decimal.NewFromString(rates[j])
		return a.GreaterThan(b)
	})
	for _, r := range rates {
		rate, _ := decimal.NewFromString(r)
		vat := round2(netByRate[r].Mul(rate))
		p.vatBy[r] = vat
		p.vat = p.vat.Add(vat)
		p.spec = append(p.spec, VatSpecification{AmountInvoiceCurrency: Dec(netByRate[r]), VatAmountInvoiceCurrency: Dec(vat), VatPercent: Dec(rate.Shift(2))})
	}
	gross := p.net.Add(p.vat)
	p.total = gross
	cur := s.company.CurrencyCode
	if cu.CurrencyCode != nil {
		cur = cu.CurrencyCode
	}
	if s.company.DomesticCurrencyRounding == 1 && *cur == "SEK" {
		p.total = gross.Round(0)
	}
	p.rounding = p.total.Sub(gross)
	if credit && !p.total.IsNegative() {
		return nil, invalid("A credit invoice must have a negative total amount (use negative quantities).", "IsCreditInvoice")
	}
	if !credit && p.total.IsNegative() {
		return nil, invalid("The total amount is negative; set IsCreditInvoice to create a credit invoice.", "IsCreditInvoice")
	}
	return p, nil
}

// dueDate derives the due date from terms of payment.
func dueDate(invoiceDay time.Time, t *TermsOfPayment) time.Time {
	switch t.TermsOfPaymentTypeId {
	case 1: // current month
		end := time.Date(invoiceDay.Year(), invoiceDay.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		return end.AddDate(0, 0, t.NumberOfDays)
	case 2, 3, 4, 5:
		return invoiceDay
	}
	return invoiceDay.AddDate(0, 0, t.NumberOfDays)
}

// header is what drafts and invoices share.
type header struct {
	customer    *Customer
	terms       *TermsOfPayment
	invoiceDay  time.Time
	dueDay      time.Time
	deliveryDay *time.Time
}

func (s *Server) resolveHeader(customerID string, termsID *string, invoiceDate, due, delivery *string, now time.Time) (*header, *apiError) {
	cu := s.customerByID(customerID)
	if cu == nil {
		return nil, refMissing("CustomerId", "Customer")
	}
	if !cu.IsActive {
		return nil, invalid("The customer is not active.", "CustomerId")
	}
	h := &header{customer: cu, terms: s.termsByID(cu.TermsOfPaymentId), invoiceDay: dayOf(now)}
	if termsID != nil && *termsID != "" {
		h.terms = s.termsByID(*termsID)
		if h.terms == nil {
			return nil, refMissing("TermsOfPaymentId", "TermsOfPayment")
		}
	}
	if invoiceDate != nil && *invoiceDate != "" {
		t, ok := parseDate(*invoiceDate)
		if !ok {
			return nil, invalid("InvoiceDate is not a date.", "InvoiceDate")
		}
		h.invoiceDay = dayOf(t)
	}
	h.dueDay = dueDate(h.invoiceDay, h.terms)
	if due != nil && *due != "" {
		t, ok := parseDate(*due)
		if !ok {
			return nil, invalid("DueDate is not a date.", "DueDate")
		}
		h.dueDay = dayOf(t)
	}
	if h.dueDay.Before(h.invoiceDay) {
		return nil, invalid("DueDate can not be earlier than InvoiceDate.", "DueDate")
	}
	if delivery != nil && *delivery != "" {
		t, ok := parseDate(*delivery)
		if !ok {
			return nil, invalid("DeliveryDate is not a date.", "DeliveryDate")
		}
		d := dayOf(t)
		h.deliveryDay = &d
	}
	return h, nil
}

func datePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return ptr(dateString(*t))
}

// ---- drafts ----

func (s *Server) draftByID(id string) *InvoiceDraft {
	return find(s.drafts, func(d *InvoiceDraft) bool { return strings.EqualFold(d.Id, id) })
}

func (s *Server) listDrafts(c *reqCtx) (int, any, *apiError) { return list(c, s.drafts) }

func (s *Server) getDraft(c *reqCtx) (int, any, *apiError) {
	d := s.draftByID(c.params[0])
	if d == nil {
		return 0, nil, notFound("CustomerInvoiceDraft")
	}
	return http.StatusOK, d, nil
}

// buildDraft validates and prices a draft read from a request.
func (s *Server) buildDraft(in *InvoiceDraft, now time.Time) (*InvoiceDraft, *apiError) {
	if in.RotReducedInvoicingType != 0 {
		return nil, invalid("ROT/RUT invoicing is not supported by the mock.", "RotReducedInvoicingType")
	}
	h, err := s.resolveHeader(in.CustomerId, in.TermsOfPaymentId, in.InvoiceDate, in.DueDate, in.DeliveryDate, now)
	if err != nil {
		return nil, err
	}
	var rows []rowInput
	for _, r := range in.Rows {
		rows = append(rows, rowInput{ArticleId: r.ArticleId, Text: r.Text, UnitPrice: r.UnitPrice, Quantity: r.Quantity,
			DiscountPercentage: r.DiscountPercentage, IsTextRow: r.IsTextRow})
	}
	p, err := s.price(h.customer, rows, in.IsCreditInvoice, in.ReplaceUnitPriceWhenZero, 2)
	if err != nil {
		return nil, err
	}
	cu := h.customer
	d := &InvoiceDraft{
		CustomerId: cu.Id, IsCreditInvoice: in.IsCreditInvoice, RotReducedInvoicingType: 0,
		YourReference: in.YourReference, OurReference: in.OurReference, BuyersOrderReference: in.BuyersOrderReference,
		ElectronicReference: in.ElectronicReference, InvoiceCustomerName: ptr(cu.Name),
		InvoiceAddress1: orDefault(in.InvoiceAddress1, cu.InvoiceAddress1), InvoiceAddress2: orDefault(in.InvoiceAddress2, cu.InvoiceAddress2),
		InvoicePostalCode: ptr(cu.InvoicePostalCode), InvoiceCity: ptr(cu.InvoiceCity), InvoiceCountryCode: cu.InvoiceCountryCode,
		InvoiceCurrencyCode: cu.CurrencyCode, TermsOfPaymentId: ptr(h.terms.Id), EuThirdParty: in.EuThirdParty,
		CustomerIsPrivatePerson: cu.IsPrivatePerson, InvoiceDate: ptr(dateString(h.invoiceDay)), DueDate: ptr(dateString(h.dueDay)),
		DeliveryDate: datePtr(h.deliveryDay), TotalAmount: Dec(p.total), TotalVatAmount: Dec(p.vat), TotalRoundings: Dec(p.rounding),
		TotalAmountBaseCurrency: Dec(p.total), TotalVatAmountBaseCurrency: Dec(p.vat), CustomerNumber: cu.CustomerNumber,
		CustomerName: ptr(cu.Name), ReplaceUnitPriceWhenZero: in.ReplaceUnitPriceWhenZero, UsesGreenTechnology: in.UsesGreenTechnology,
	}
	for i, pr := range p.rows {
		src := in.Rows[i]
		row := InvoiceDraftRow{Id: newID(), LineNumber: ptr(i + 1), IsTextRow: pr.in.IsTextRow, Text: pr.text,
			ReversedConstructionServicesVatFree: src.ReversedConstructionServicesVatFree,
			CostCenterItemId1:                   src.CostCenterItemId1, CostCenterItemId2: src.CostCenterItemId2, CostCenterItemId3: src.CostCenterItemId3, ProjectId: src.ProjectId}
		if pr.article != nil {
			u := s.unitByID(pr.article.UnitId)
			row.ArticleId, row.ArticleNumber, row.IsServiceArticle = ptr(pr.article.Id), ptr(pr.article.Number), pr.article.IsServiceArticle
			row.UnitPrice, row.Quantity, row.DiscountPercentage = Dec(pr.price), src.Quantity, src.DiscountPercentage
			row.UnitId, row.UnitName, row.UnitAbbreviation = ptr(u.Id), ptr(u.Name), ptr(u.Abbreviation)
			row.VatRateId, row.VatRate, row.Amount = ptr(pr.coding.Id), ptr(Dec(pr.rate)), Dec(pr.net)
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

func orDefault(v, def *string) *string {
	if v != nil && *v != "" {
		return v
	}
	return def
}

func (s *Server) postDraft(c *reqCtx) (int, any, *apiError) {
	var in InvoiceDraft
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	d, err := s.buildDraft(&in, c.now)
	if err != nil {
		return 0, nil, err
	}
	d.Id, d.CreatedUtc = newID(), ptr(utcStamp(c.now))
	s.drafts = append(s.drafts, d)
	return http.StatusCreated, d, nil
}

func (s *Server) putDraft(c *reqCtx) (int, any, *apiError) {
	old := s.draftByID(c.params[0])
	if old == nil {
		return 0, nil, notFound("CustomerInvoiceDraft")
	}
	var in InvoiceDraft
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	d, err := s.buildDraft(&in, c.now)
	if err != nil {
		return 0, nil, err
	}
	d.Id, d.CreatedUtc = old.Id, old.CreatedUtc
	s.drafts[slices.Index(s.drafts, old)] = d
	return http.StatusOK, d, nil
}

func (s *Server) deleteDraft(c *reqCtx) (int, any, *apiError) {
	d := s.draftByID(c.params[0])
	if d == nil {
		return 0, nil, notFound("CustomerInvoiceDraft")
	}
	s.drafts = slices.DeleteFunc(s.drafts, func(x *InvoiceDraft) bool { return x == d })
	return http.StatusOK, nil, nil
}

type draftValidation struct {
	TotalAmountInvoiceCurrency    *Amount
	TotalVatAmountInvoiceCurrency *Amount
	TotalRoundingsInvoiceCurrency *Amount
	Rows                          []struct {
		LineNumber                       int
		TotalAmountNoVatInvoiceCurrency  *Amount
		TotalAmountIncVatInvoiceCurrency *Amount
	}
}

// convertDraft books a draft as an invoice. The optional body holds the
// caller's totals; any difference from the computed ones is refused (2000)
// naming the field. With keepOriginalDraftDate false (and the company
// setting KeepOriginalDraftDate off) the invoice is dated today and its due
// date recomputed from the terms.
func (s *Server) convertDraft(c *reqCtx) (int, any, *apiError) {
	d := s.draftByID(c.params[0])
	if d == nil {
		return 0, nil, notFound("CustomerInvoiceDraft")
	}
	var v draftValidation
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := c.decode(&v); err != nil {
			return 0, nil, err
		}
	}
	var errs []FieldError
	check := func(field string, want *Amount, got decimal.Decimal) {
		if want != nil && !want.Equal(got) {
			errs = append(errs, FieldError{Field: field, ErrorCode: "ValidationMismatch",
				Message: fmt.Sprintf("Expected %s but the invoice calculates to %s.", want.String(), got.StringFixed(2))})
		}
	}
	check("TotalAmountInvoiceCurrency", v.TotalAmountInvoiceCurrency, d.TotalAmount.Decimal)
	check("TotalVatAmountInvoiceCurrency", v.TotalVatAmountInvoiceCurrency, d.TotalVatAmount.Decimal)
	check("TotalRoundingsInvoiceCurrency", v.TotalRoundingsInvoiceCurrency, d.TotalRoundings.Decimal)
	for i, vr := range v.Rows {
		idx := slices.IndexFunc(d.Rows, func(r InvoiceDraftRow) bool { return r.LineNumber != nil && *r.LineNumber == vr.LineNumber })
		if idx < 0 {
			errs = append(errs, FieldError{Field: fmt.Sprintf("Rows[%d].LineNumber", i), ErrorCode: "ValidationMismatch", Message: "No row has this line number."})
			continue
		}
		r := d.Rows[idx]
		inc := r.Amount.Decimal
		if r.VatRate != nil {
			inc = round2(inc.Mul(decimal.NewFromInt(1).Add(r.VatRate.Decimal)))
		}
		check(fmt.Sprintf("Rows[%d].TotalAmountNoVatInvoiceCurrency", i), vr.TotalAmountNoVatInvoiceCurrency, r.Amount.Decimal)
		check(fmt.Sprintf("Rows[%d].TotalAmountIncVatInvoiceCurrency", i), vr.TotalAmountIncVatInvoiceCurrency, inc)
	}
	if len(errs) > 0 {
		return 0, nil, &apiError{Status: http.StatusBadRequest, Code: CodeValidation,
			Msg: "The totals sent do not match the totals of the invoice.", Errors: errs}
	}
	in := *d
	keep := c.boolParam("keepOriginalDraftDate", false) || (s.company.KeepOriginalDraftDate != nil && *s.company.KeepOriginalDraftDate)
	if !keep {
		in.InvoiceDate, in.DueDate = ptr(dateString(dayOf(c.now))), nil
	}
	inv := &Invoice{CustomerId: d.CustomerId, IsCreditInvoice: d.IsCreditInvoice, EuThirdParty: d.EuThirdParty,
		InvoiceDate: in.InvoiceDate, DueDate: in.DueDate, DeliveryDate: d.DeliveryDate, YourReference: d.YourReference,
		OurReference: d.OurReference, BuyersOrderReference: d.BuyersOrderReference, ElectronicReference: d.ElectronicReference,
		InvoiceAddress1: d.InvoiceAddress1, InvoiceAddress2: d.InvoiceAddress2, CreatedFromDraftId: ptr(d.Id)}
	if d.TermsOfPaymentId != nil {
		inv.TermsOfPaymentId = *d.TermsOfPaymentId
	}
	for _, r := range d.Rows {
		ir := InvoiceRow{ArticleId: r.ArticleId, Text: r.Text, UnitPrice: r.UnitPrice, Quantity: r.Quantity,
			DiscountPercentage: r.DiscountPercentage, CostCenterItemId1: r.CostCenterItemId1, CostCenterItemId2: r.CostCenterItemId2,
			CostCenterItemId3: r.CostCenterItemId3, ProjectId: r.ProjectId}
		if r.IsTextRow {
			ir.ArticleId = nil
		}
		inv.Rows = append(inv.Rows, ir)
	}
	booked, err := s.bookInvoice(inv, false, c.now)
	if err != nil {
		return 0, nil, err
	}
	s.drafts = slices.DeleteFunc(s.drafts, func(x *InvoiceDraft) bool { return x == d })
	return http.StatusCreated, s.invoiceView(booked), nil
}

// ---- invoices ----

func (s *Server) invoiceByID(id string) *Invoice {
	return find(s.invoices, func(i *Invoice) bool { return strings.EqualFold(i.Id, id) })
}

// invoiceView sets PaymentStatus as of now (Overdue after the due date).
func (s *Server) invoiceView(inv *Invoice) Invoice {
	v := *inv
	v.Rows = slices.Clone(inv.Rows)
	v.VatSpecification = slices.Clone(inv.VatSpecification)
	v.CreditedBy = slices.Clone(inv.CreditedBy)
	switch {
	case inv.RemainingAmount.IsZero():
		v.PaymentStatus = 0
	case inv.DueDate != nil && *inv.DueDate < dateString(dayOf(s.opts.Now())):
		v.PaymentStatus = 2
	default:
		v.PaymentStatus = 1
	}
	return v
}

func (s *Server) listInvoices(c *reqCtx) (int, any, *apiError) {
	since := time.Time{}
	for k, v := range c.query {
		if strings.EqualFold(k, "modifiedSinceUtc") && len(v) > 0 {
			t, ok := parseDate(v[0])
			if !ok {
				return 0, nil, invalid("modifiedSinceUtc is not a date-time.", "modifiedSinceUtc")
			}
			since = t
		}
	}
	var views []*Invoice
	for _, inv := range s.invoices {
		if inv.ModifiedUtc != nil {
			if t, _ := parseDate(*inv.ModifiedUtc); t.Before(since) {
				continue
			}
		}
		v := s.invoiceView(inv)
		views = append(views, &v)
	}
	return list(c, views)
}

func (s *Server) getInvoice(c *reqCtx) (int, any, *apiError) {
	inv := s.invoiceByID(c.params[0])
	if inv == nil {
		return 0, nil, notFound("CustomerInvoice")
	}
	return http.StatusOK, s.invoiceView(inv), nil
}

func (s *Server) postInvoice(c *reqCtx) (int, any, *apiError) {
	var in Invoice
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.RotReducedInvoicingType != 0 {
		return 0, nil, invalid("ROT/RUT invoicing is not supported by the mock.", "RotReducedInvoicingType")
	}
	var draft *InvoiceDraft
	if in.CreatedFromDraftId != nil && *in.CreatedFromDraftId != "" {
		if draft = s.draftByID(*in.CreatedFromDraftId); draft == nil {
			return 0, nil, refMissing("CreatedFromDraftId", "CustomerInvoiceDraft")
		}
	}
	inv, err := s.bookInvoice(&in, true, c.now)
	if err != nil {
		return 0, nil, err
	}
	if draft != nil {
		s.drafts = slices.DeleteFunc(s.drafts, func(x *InvoiceDraft) bool { return x == draft })
	}
	return http.StatusCreated, s.invoiceView(inv), nil
}

// bookInvoice prices, numbers, stores and bookkeeps an invoice built from
// request fields. Called with s.mu held.
func (s *Server) bookInvoice(in *Invoice, fromRequest bool, now time.Time) (*Invoice, *apiError) {
	var termsID *string
	if in.TermsOfPaymentId != "" {
		termsID = ptr(in.TermsOfPaymentId)
	}
	h, err := s.resolveHeader(in.CustomerId, termsID, in.InvoiceDate, in.DueDate, in.DeliveryDate, now)
	if err != nil {
		return nil, err
	}
	var rows []rowInput
	for _, r := range in.Rows {
		rows = append(rows, rowInput{ArticleId: r.ArticleId, Text: r.Text, UnitPrice: r.UnitPrice, Quantity: r.Quantity,
			DiscountPercentage: r.DiscountPercentage, IsVatFree: r.IsVatFree})
	}
	places := int32(4)
	if !fromRequest {
		places = 2
	}
	p, err := s.price(h.customer, rows, in.IsCreditInvoice, false, places)
	if err != nil {
		return nil, err
	}
	fy, err := s.openPeriod(h.invoiceDay)
	if err != nil {
		return nil, err
	}
	cu := h.customer
	stamp := utcStamp(now)
	inv := &Invoice{
		Id: newID(), InvoiceNumber: s.company.NextCustomerInvoiceNumber, CustomerId: cu.Id, CustomerNumber: cu.CustomerNumber,
		CustomerName: ptr(cu.Name), CustomerEmail: cu.EmailAddress, CustomerIsPrivatePerson: cu.IsPrivatePerson,
		EuThirdParty: in.EuThirdParty, IsCreditInvoice: in.IsCreditInvoice, CurrencyCode: cu.CurrencyCode, CurrencyRate: ptr(Dec(decimal.NewFromInt(1))),
		InvoiceDate: ptr(dateString(h.invoiceDay)), DueDate: ptr(dateString(h.dueDay)), DeliveryDate: datePtr(h.deliveryDay),
		TermsOfPaymentId: h.terms.Id, YourReference: in.YourReference, OurReference: in.OurReference,
		BuyersOrderReference: in.BuyersOrderReference, ElectronicReference: in.ElectronicReference,
		InvoiceCustomerName: ptr(cu.Name), InvoiceAddress1: orDefault(in.InvoiceAddress1, cu.InvoiceAddress1),
		InvoiceAddress2: orDefault(in.InvoiceAddress2, cu.InvoiceAddress2), InvoicePostalCode: ptr(cu.InvoicePostalCode),
		InvoiceCity: ptr(cu.InvoiceCity), InvoiceCountryCode: cu.InvoiceCountryCode,
		TotalAmount: Dec(p.total), TotalVatAmount: Dec(p.vat), TotalRoundings: Dec(p.rounding),
		TotalAmountInvoiceCurrency: Dec(p.total), TotalVatAmountInvoiceCurrency: Dec(p.vat),
		RemainingAmount: Dec(p.total), RemainingAmountInvoiceCurrency: Dec(p.total), PaymentStatus: 1,
		VatSpecification: p.spec, CreatedFromDraftId: in.CreatedFromDraftId, SendType: in.SendType,
		CreatedUtc: ptr(stamp), ModifiedUtc: ptr(stamp), CreditedBy: []CreditedBy{},
	}
	for i, pr := range p.rows {
		src := in.Rows[i]
		row := InvoiceRow{Id: newID(), LineNumber: i + 1, IsTextRow: pr.in.IsTextRow, Text: pr.text, IsVatFree: src.IsVatFree,
			CostCenterItemId1: src.CostCenterItemId1, CostCenterItemId2: src.CostCenterItemId2, CostCenterItemId3: src.CostCenterItemId3, ProjectId: src.ProjectId}
		if pr.article != nil {
			row.ArticleId, row.ArticleNumber, row.IsServiceArticle = ptr(pr.article.Id), ptr(pr.article.Number), pr.article.IsServiceArticle
			row.UnitPrice, row.Quantity, row.DiscountPercentage = Dec(pr.price), src.Quantity, src.DiscountPercentage
			row.AmountNoVat, row.Amount, row.PercentVat, row.VatRate = Dec(pr.net), Dec(pr.net), Dec(pr.rate), ptr(Dec(pr.rate))
			row.UnitId, row.UnitAbbreviation = ptr(pr.article.UnitId), pr.article.UnitAbbreviation
		}
		inv.Rows = append(inv.Rows, row)
	}
	s.company.NextCustomerInvoiceNumber++

	// Bookkeeping: signed debit-minus-credit per account.
	signed := map[int64]decimal.Decimal{receivableAccount: p.total}
	for acct, net := range p.netBy {
		signed[acct] = signed[acct].Sub(net)
	}
	for rate, vat := range p.vatBy {
		r, _ := decimal.NewFromString(rate)
		if vat.IsZero() {
			continue
		}
		acct := s.outputVatAccount(r)
		signed[acct] = signed[acct].Sub(vat)
	}
	if !p.rounding.IsZero() {
		signed[roundingAccount] = signed[roundingAccount].Sub(p.rounding)
	}
	accts := make([]int64, 0, len(signed))
	for a := range signed {
		accts = append(accts, a)
	}
	sort.Slice(accts, func(i, j int) bool { return accts[i] < accts[j] })
	var vrows []VoucherRow
	for _, a := range accts {
		amt := signed[a]
		if amt.IsZero() {
			continue
		}
		acc := s.accountIn(fy.Id, a)
		row := VoucherRow{AccountNumber: a, TransactionText: ptr(fmt.Sprintf("Faktura %d", inv.InvoiceNumber))}
		if acc != nil {
			row.AccountDescription = ptr(acc.Name)
			if acc.VatCodeId != nil {
				vc := s.vatCodeByID(*acc.VatCodeId)
				row.VatCodeId, row.VatCodeAndPercent = ptr(vc.Id), ptr(fmt.Sprintf("%s %s%%", *vc.Code, vc.VatRate.String()))
			}
		}
		if amt.IsPositive() {
			row.DebitAmount = Dec(amt)
		} else {
			row.CreditAmount = Dec(amt.Neg())
		}
		vrows = append(vrows, row)
	}
	typ, kind := 14, "Kundfaktura"
	if inv.IsCreditInvoice {
		typ, kind = 15, "Kundkreditfaktura"
	}
	v := s.bookVoucher(fy, h.invoiceDay, fmt.Sprintf("%s %d, %s", kind, inv.InvoiceNumber, cu.Name), invoiceSeries, typ, vrows, ptr(inv.Id), now)
	inv.VoucherId, inv.VoucherNumber = v.Id, v.NumberAndNumberSeries
	s.invoices = append(s.invoices, inv)
	return inv, nil
}

// ---- PDFs ----

// invoicePDFLink answers {"Url": …}: a link to the PDF that works without
// a bearer token, as the real API's temporary document links do.
func (s *Server) invoicePDFLink(c *reqCtx) (int, any, *apiError) {
	inv := s.invoiceByID(c.params[0])
	if inv == nil {
		return 0, nil, notFound("CustomerInvoice")
	}
	tok := randomToken(24)
	s.pdfLinks[tok] = inv.Id
	return http.StatusOK, map[string]string{"Url": c.baseURL + "/documents/customerinvoices/" + tok + ".pdf"}, nil
}

func (s *Server) printInvoice(c *reqCtx) (int, any, *apiError) {
	inv := s.invoiceByID(c.params[0])
	if inv == nil {
		return 0, nil, notFound("CustomerInvoice")
	}
	return http.StatusOK, rawBody{contentType: "application/pdf", data: s.invoicePDF(inv)}, nil
}

func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/documents/customerinvoices/")
	tok, _ := strings.CutSuffix(name, ".pdf")
	s.mu.Lock()
	var pdf []byte
	for _, d := range s.companies {
		if id, found := d.pdfLinks[tok]; ok && found {
			s.inCompany(d, func() {
				if inv := s.invoiceByID(id); inv != nil {
					pdf = s.invoicePDF(inv)
				}
			})
		}
	}
	s.mu.Unlock()
	if pdf == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	_, _ = w.Write(pdf)
}

func (s *Server) invoicePDF(inv *Invoice) []byte {
	title := "Faktura"
	if inv.IsCreditInvoice {
		title = "Kreditfaktura"
	}
	lines := []string{
		fmt.Sprintf("%s %d", title, inv.InvoiceNumber),
		s.company.Name,
		"Kund: " + deref(inv.CustomerName) + " (" + deref(inv.CustomerNumber) + ")",
		"Fakturadatum: " + strings.TrimSuffix(deref(inv.InvoiceDate), "T00:00:00"),
		"Forfallodatum: " + strings.TrimSuffix(deref(inv.DueDate), "T00:00:00"),
	}
	for _, r := range inv.Rows {
		if r.IsTextRow {
			lines = append(lines, deref(r.Text))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s  %s x %s = %s", deref(r.Text), r.Quantity.String(), r.UnitPrice.StringFixed(2), r.AmountNoVat.StringFixed(2)))
	}
	lines = append(lines,
		"Moms: "+inv.TotalVatAmount.StringFixed(2),
		"Avrundning: "+inv.TotalRoundings.StringFixed(2),
		"Att betala: "+inv.TotalAmount.StringFixed(2)+" "+deref(inv.CurrencyCode))
	return textpdf.Render(lines)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
