package core

import (
	"context"
	"fmt"
	"strings"
)

// DraftRequest is a manual invoice from BackOffice. Prices are net of VAT
// unless PricesIncludeVAT is set (the register's charges are the opposite:
// shelf prices include VAT).
type DraftRequest struct {
	CustomerID       string      `json:"customer_id"`
	InvoiceDate      Date        `json:"invoice_date,omitempty"`
	Reference        string      `json:"reference"`
	Comment          string      `json:"comment"`
	Lines            []LineInput `json:"lines"`
	PricesIncludeVAT *bool       `json:"prices_include_vat,omitempty"`
	// VATTreatment is domestic when empty; see CheckVATTreatment for when
	// the others are allowed.
	VATTreatment VATTreatment `json:"vat_treatment,omitempty"`
}

// Validate names every bad field of a draft.
func (r DraftRequest) Validate(country Country) error {
	var errs fieldErrors
	if strings.TrimSpace(r.CustomerID) == "" {
		errs.add("customer_id", "is required")
	} else {
		errs.text("customer_id", r.CustomerID, MaxIDLength, false)
	}
	if r.InvoiceDate != "" && !r.InvoiceDate.Valid() {
		errs.add("invoice_date", "must be a date YYYY-MM-DD")
	}
	errs.text("reference", r.Reference, MaxReferenceLength, false)
	errs.text("comment", r.Comment, MaxCommentLength, true)
	if !r.VATTreatment.Valid() {
		errs.add("vat_treatment", "must be one of domestic, reverse_charge, intra_community_supply, export")
	}
	validateLines(&errs, r.Lines, country)
	return Invalid("invalid invoice", errs...)
}

// draftInvoiceRequest prices a draft for its (billed) customer.
func (e *Engine) draftInvoiceRequest(ctx context.Context, s session, ref string, req DraftRequest) (InvoiceRequest, error) {
	if err := req.Validate(s.merchant.Country); err != nil {
		return InvoiceRequest{}, err
	}
	buyer, billTo, err := e.billing(ctx, s, req.CustomerID, "customer_id")
	if err != nil {
		return InvoiceRequest{}, err
	}
	if err := CheckVATTreatment(s.merchant.Country, s.settings, req.VATTreatment, billTo, req.Lines); err != nil {
		return InvoiceRequest{}, err
	}
	date := req.InvoiceDate
	if date == "" {
		date = s.today(e.now())
	}
	priced := PriceLines(req.Lines, req.PricesIncludeVAT != nil && *req.PricesIncludeVAT)
	ir := InvoiceRequest{
		Draft: true, ExternalRef: ref, CustomerID: billTo.ID, InvoiceDate: date,
		Reference: strings.TrimSpace(req.Reference), Comment: strings.TrimSpace(req.Comment),
		Currency: s.merchant.Currency, Lines: priced.Lines, VATBreakdown: priced.Breakdown,
		NetTotal: priced.Net, VATTotal: priced.VAT, Total: priced.Total,
		VATTreatment: req.VATTreatment.OrDefault(),
	}
	if billTo.ID != buyer.ID {
		ir.OrderedBy = buyer.ID
	}
	return ir, nil
}

// CreateDraft stores an editable, unnumbered draft invoice. Errors:
// CodeForbidden, CodeInvalid naming each bad field (the VAT treatment's
// rules: CheckVATTreatment), CodeUnsupported when the provider has no
// drafts.
func (e *Engine) CreateDraft(ctx context.Context, p Principal, req DraftRequest) (Invoice, error) {
	s, err := e.invoicing(ctx, p, ActionWriteInvoices)
	if err != nil {
		return Invoice{}, err
	}
	if !s.desc.Capabilities.Drafts {
		return Invoice{}, Errorf(CodeUnsupported, "%s has no draft invoices", s.desc.DisplayName)
	}
	ir, err := e.draftInvoiceRequest(ctx, s, NewID("dr"), req)
	if err != nil {
		return Invoice{}, err
	}
	return call(ctx, e, s, func(conn Connection) (Invoice, error) { return s.provider.CreateInvoice(ctx, conn, ir) })
}

// UpdateDraft replaces a draft's customer, date, texts and lines. Errors:
// CodeForbidden, CodeNotFound, CodeInvalid, CodeConflict (not a draft).
func (e *Engine) UpdateDraft(ctx context.Context, p Principal, id string, req DraftRequest) (Invoice, error) {
	s, err := e.invoicing(ctx, p, ActionWriteInvoices)
	if err != nil {
		return Invoice{}, err
	}
	ir, err := e.draftInvoiceRequest(ctx, s, "", req)
	if err != nil {
		return Invoice{}, err
	}
	inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) {
		return s.provider.UpdateDraft(ctx, conn, id, ir)
	})
	return inv.WithDerivedStatus(s.today(e.now())), err
}

// PostInvoice posts a draft: it is numbered from the series, gets its
// payment reference and due date, and can no longer change. It is e-mailed
// at once when the merchant sends invoices automatically. Posting a posted
// invoice returns it unchanged. Errors: CodeForbidden, CodeNotFound,
// CodeConflict.
func (e *Engine) PostInvoice(ctx context.Context, p Principal, id string) (Invoice, error) {
	s, err := e.invoicing(ctx, p, ActionWriteInvoices)
	if err != nil {
		return Invoice{}, err
	}
	inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) {
		return s.provider.PostInvoice(ctx, conn, id, s.today(e.now()))
	})
	if err != nil {
		return Invoice{}, err
	}
	e.invoicePosted(ctx, s, inv)
	if s.settings.AutoSend {
		e.queueInvoiceEmail(ctx, s, inv, "auto:"+inv.ID)
	}
	return inv.WithDerivedStatus(s.today(e.now())), nil
}

// VoidInvoice cancels a posted invoice by issuing a full credit invoice
// for what is not credited yet, and e-mails the credit invoice to the
// customer; a posted invoice is never deleted. The request says it is a
// void (CreditRequest.Void), so the provider gives the invoice status void,
// told apart from credited (refunded in full). Voiding twice returns the
// same credit invoice and sends nothing more. Errors: CodeForbidden,
// CodeNotFound, CodeConflict (a draft, void or already fully credited).
func (e *Engine) VoidInvoice(ctx context.Context, p Principal, id string) (Invoice, error) {
	s, err := e.invoicing(ctx, p, ActionWriteInvoices)
	if err != nil {
		return Invoice{}, err
	}
	credit, err := call(ctx, e, s, func(conn Connection) (Invoice, error) {
		return s.provider.CreditInvoice(ctx, conn, CreditRequest{Void: true, ExternalRef: "void:" + id, InvoiceID: id, Date: s.today(e.now())})
	})
	if err != nil {
		return Invoice{}, err
	}
	e.invoicePosted(ctx, s, credit)
	// Tell the customer the invoice is void: send them the credit invoice
	// (once: the e-mail id names the voided invoice).
	e.queueInvoiceEmail(ctx, s, credit, "void:"+id)
	return credit, nil
}

// RefundRequest credits an invoice, or (OrderID instead of InvoiceID)
// takes back a collective-invoice order not invoiced yet: all of it when
// Lines is empty, else the listed quantities of its lines.
type RefundRequest struct {
	InvoiceID string       `json:"invoice_id"`
	OrderID   string       `json:"order_id,omitempty"`
	Lines     []CreditLine `json:"lines,omitempty"`
}

// Validate names every bad field of a refund.
func (r RefundRequest) Validate() error {
	var errs fieldErrors
	invoice, order := strings.TrimSpace(r.InvoiceID) != "", strings.TrimSpace(r.OrderID) != ""
	switch {
	case invoice && order:
		errs.add("order_id", "refund either an invoice (invoice_id) or an order (order_id), not both")
	case order:
		errs.text("order_id", r.OrderID, MaxIDLength, false)
	case invoice:
		errs.text("invoice_id", r.InvoiceID, MaxIDLength, false)
	default:
		errs.add("invoice_id", "is required (or order_id, for an order not invoiced yet)")
	}
	for i, l := range r.Lines {
		if l.Line < 0 {
			errs.add(indexed("lines", i, "line"), "must be a line number from 0")
		}
		if !l.Quantity.IsPositive() {
			errs.add(indexed("lines", i, "quantity"), "must be greater than 0")
		} else if !l.Quantity.Equal(l.Quantity.Round(MaxQuantityPlaces)) {
			errs.add(indexed("lines", i, "quantity"), "must have at most %d decimals, like an invoice line's quantity", MaxQuantityPlaces)
		}
	}
	return Invalid("invalid refund", errs...)
}

const refundScope = "refunds"

// Refund issues a credit invoice for a register refund, exactly once per
// idempotency key (as Charge). Errors: CodeForbidden, CodeInvalid
// (over-crediting names lines[i].quantity), CodeNotFound, CodeConflict.
func (e *Engine) Refund(ctx context.Context, p Principal, idempotencyKey string, req RefundRequest) (credit Invoice, replayed bool, err error) {
	var s session
	defer func() { e.metrics.Refunded(s.providerName, Outcome(replayed, err)) }()
	s, err = e.invoicing(ctx, p, ActionRefund)
	if err != nil {
		return Invoice{}, false, err
	}
	if err := validateIdempotencyKey(idempotencyKey); err != nil {
		return Invoice{}, false, err
	}
	if err := req.Validate(); err != nil {
		return Invoice{}, false, err
	}
	if req.OrderID != "" {
		return Invoice{}, false, Invalid("invalid refund", FieldError{Field: "order_id", Message: "an order is refunded with RefundOrder"})
	}
	replayed, err = e.idem.Do(ctx, s.merchant.ID, refundScope, "cr", idempotencyKey, req, &credit,
		func(ref string) (any, error) {
			inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) {
				return s.provider.CreditInvoice(ctx, conn, CreditRequest{ExternalRef: ref, InvoiceID: req.InvoiceID, Date: s.today(e.now()), Lines: req.Lines})
			})
			if Code(err) == CodeNotFound {
				return nil, Invalid("cannot refund", FieldError{Field: "invoice_id", Message: "no such invoice"})
			}
			return inv, err
		})
	if err == nil {
		e.invoicePosted(ctx, s, credit)
	}
	return credit, replayed, err
}

// RefundOrder takes a register refund off a collective-invoice order that
// is not invoiced yet (req.OrderID), exactly once per idempotency key (as
// Charge; the key space is Refund's): the listed line quantities are taken
// off the order, or all of it when req.Lines is empty, and an order with
// nothing left is cancelled. The later collective invoice bills only what
// is left. Errors: CodeForbidden, CodeInvalid (order_id unknown,
// lines[i].quantity over what is left), CodeConflict (the order is
// invoiced: refund its invoice; or cancelled), CodeUnsupported (providers
// that cannot change an order).
func (e *Engine) RefundOrder(ctx context.Context, p Principal, idempotencyKey string, req RefundRequest) (order Order, replayed bool, err error) {
	var s session
	defer func() { e.metrics.Refunded(s.providerName, Outcome(replayed, err)) }()
	s, err = e.invoicing(ctx, p, ActionRefund)
	if err != nil {
		return Order{}, false, err
	}
	if err := validateIdempotencyKey(idempotencyKey); err != nil {
		return Order{}, false, err
	}
	if err := req.Validate(); err != nil {
		return Order{}, false, err
	}
	if strings.TrimSpace(req.OrderID) == "" {
		return Order{}, false, Invalid("invalid refund", FieldError{Field: "order_id", Message: "is required"})
	}
	replayed, err = e.idem.Do(ctx, s.merchant.ID, refundScope, "or", idempotencyKey, req, &order,
		func(ref string) (any, error) {
			o, err := call(ctx, e, s, func(conn Connection) (Order, error) {
				return s.provider.RefundOrder(ctx, conn, OrderRefundRequest{ExternalRef: ref, OrderID: req.OrderID, Lines: req.Lines})
			})
			if Code(err) == CodeNotFound {
				return nil, Invalid("cannot refund", FieldError{Field: "order_id", Message: "no such order"})
			}
			return o, err
		})
	return order, replayed, err
}

// PaymentInput is the body of POST /v1/invoices/{id}/payments. Amount
// (minor units) is nil to pay everything outstanding.
type PaymentInput struct {
	PaidAt Date   `json:"paid_at"`
	Amount *int64 `json:"amount,omitempty"`
	Method string `json:"method,omitempty"`
}

// Validate names every bad field of a payment; today is the merchant's date.
func (in PaymentInput) Validate(today Date) error {
	var errs fieldErrors
	switch {
	case in.PaidAt == "":
		errs.add("paid_at", "is required")
	case !in.PaidAt.Valid():
		errs.add("paid_at", "must be a date YYYY-MM-DD")
	case in.PaidAt > today:
		errs.add("paid_at", "must not be in the future")
	}
	if in.Amount != nil && *in.Amount <= 0 {
		errs.add("amount", "must be greater than 0 (minor units)")
	}
	errs.text("method", in.Method, MaxPaymentMethodLength, false)
	return Invalid("invalid payment", errs...)
}

const paymentScope = "payments"

// MarkPaid records a payment of an invoice, or the settling of a credit
// invoice: the whole outstanding amount without Amount, else a part (the
// invoice stays posted or overdue with paid_amount until fully paid). What
// the payment books depends on the provider: open records it, Tripletex
// registers it on the invoice. With an idempotency key the payment is
// recorded once per key (as Refund); without one each call records a
// payment (each with a fresh reference). Errors: CodeForbidden, CodeInvalid (paid_at, amount — an
// overpayment — or method), CodeNotFound, CodeConflict, CodeUnsupported.
func (e *Engine) MarkPaid(ctx context.Context, p Principal, idempotencyKey, id string, in PaymentInput) (inv Invoice, replayed bool, err error) {
	s, err := e.invoicing(ctx, p, ActionWriteInvoices)
	if err != nil {
		return Invoice{}, false, err
	}
	if idempotencyKey != "" {
		if err := validateIdempotencyKey(idempotencyKey); err != nil {
			return Invoice{}, false, err
		}
	}
	if err := in.Validate(s.today(e.now())); err != nil {
		return Invoice{}, false, err
	}
	pay := func(ref string) (Invoice, error) {
		req := PaymentRequest{InvoiceID: id, PaidAt: in.PaidAt, Method: in.Method, ExternalRef: ref}
		if in.Amount != nil {
			req.Amount = *in.Amount
		}
		return call(ctx, e, s, func(conn Connection) (Invoice, error) {
			return s.provider.MarkInvoicePaid(ctx, conn, req)
		})
	}
	if idempotencyKey == "" {
		// A reference of its own still makes the call safe to retry
		// after a plugin crash (pluginhost's retryClass).
		inv, err = pay(NewID("pay"))
		if err == nil {
			e.invoicePaid(ctx, s, inv)
		}
		return inv, false, err
	}
	body := struct {
		InvoiceID string `json:"invoice_id"`
		PaymentInput
	}{id, in}
	replayed, err = e.idem.Do(ctx, s.merchant.ID, paymentScope, "pay", idempotencyKey, body, &inv,
		func(ref string) (any, error) { return pay(ref) })
	if err == nil {
		e.invoicePaid(ctx, s, inv)
	}
	return inv, replayed, err
}

// InvoicePDF renders an invoice or credit invoice. Errors: CodeForbidden,
// CodeNotFound, CodeUnsupported, CodeInvalid (invoice settings incomplete).
func (e *Engine) InvoicePDF(ctx context.Context, p Principal, id string) (Document, error) {
	s, err := e.invoicing(ctx, p, ActionReadInvoices)
	if err != nil {
		return Document{}, err
	}
	return call(ctx, e, s, func(conn Connection) (Document, error) { return s.provider.InvoicePDF(ctx, conn, id) })
}

// ProviderCapabilities says what provider name (an invoice's Provider,
// say) can do, for pages that offer only what works (a UBL download): a
// read of the descriptor cache, no merchant lookup. Errors: CodeForbidden,
// CodeNotFound, CodeUnavailable.
func (e *Engine) ProviderCapabilities(ctx context.Context, p Principal, name string) (Capabilities, error) {
	if err := p.Authorize(ActionReadInvoices); err != nil {
		return Capabilities{}, err
	}
	d, err := e.describe(ctx, name)
	return d.Capabilities, err
}

// InvoiceUBL writes a posted invoice or credit invoice as a PEPPOL BIS
// Billing 3.0 UBL document. Errors: CodeForbidden, CodeNotFound,
// CodeConflict (draft, void), CodeUnsupported (a provider that sends its
// own e-invoices), CodeInvalid naming what the document lacks.
func (e *Engine) InvoiceUBL(ctx context.Context, p Principal, id string) (Document, error) {
	s, err := e.invoicing(ctx, p, ActionReadInvoices)
	if err != nil {
		return Document{}, err
	}
	return call(ctx, e, s, func(conn Connection) (Document, error) { return s.provider.InvoiceUBL(ctx, conn, id) })
}

// EmailInvoice sends the invoice the way its customer receives invoices
// (Customer.Delivery): by e-mail, the PDF to the customer's address with
// a copy to the accountant when the merchant asked for one (and the UBL
// file with InvoiceSettings.AttachUBL); or as a Peppol e-invoice through
// the e-invoice queue. Delivery is retried until it succeeds; its status
// shows on the invoice and is returned. Sending again does not deliver an
// e-invoice twice. Errors: CodeForbidden, CodeNotFound, CodeConflict (a
// draft), CodeInvalid (the customer has no e-mail address, or what the
// e-invoice lacks), CodeUnsupported (no mailer or e-invoice access point,
// no PDF or UBL).
func (e *Engine) EmailInvoice(ctx context.Context, p Principal, id string) (EmailStatus, error) {
	s, err := e.invoicing(ctx, p, ActionWriteInvoices)
	if err != nil {
		return EmailStatus{}, err
	}
	inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) { return s.provider.GetInvoice(ctx, conn, id) })
	if err != nil {
		return EmailStatus{}, err
	}
	cust, err := e.sendInvoice(ctx, s, inv, NewID("em"))
	if err != nil {
		return EmailStatus{}, err
	}
	if cust.Delivery() == DeliveryPeppol {
		st, err := e.einvoices.InvoiceEInvoiceStatus(ctx, s.merchant.ID, inv.ID)
		return EmailStatus{Status: st.Status, LastError: st.LastError}, err
	}
	return e.mailer.InvoiceEmailStatus(ctx, s.merchant.ID, inv.ID)
}

// sendInvoice sends inv the customer's way (see EmailInvoice); emailID
// makes an e-mail idempotent. It returns the customer.
func (e *Engine) sendInvoice(ctx context.Context, s session, inv Invoice, emailID string) (Customer, error) {
	if inv.Status == StatusDraft {
		return Customer{}, Errorf(CodeConflict, "a draft cannot be sent; post it first")
	}
	cust, err := e.customerOf(ctx, s, inv)
	if err != nil {
		return Customer{}, err
	}
	if cust.Delivery() == DeliveryPeppol {
		return cust, e.sendEInvoice(ctx, s, inv, cust)
	}
	return cust, e.emailInvoice(ctx, s, inv, cust, emailID, false)
}

// customerOf is the customer inv is billed to.
func (e *Engine) customerOf(ctx context.Context, s session, inv Invoice) (Customer, error) {
	return call(ctx, e, s, func(conn Connection) (Customer, error) {
		return s.provider.GetCustomer(ctx, conn, inv.CustomerID)
	})
}

// emailInvoice queues posted inv's PDF (and, with AttachUBL, its
// e-invoice) to cust's e-mail address and the accountant copy; reminder
// words it as a payment reminder (with the PDF only).
func (e *Engine) emailInvoice(ctx context.Context, s session, inv Invoice, cust Customer, emailID string, reminder bool) error {
	if e.mailer == nil {
		return Errorf(CodeUnsupported, "e-mail is not configured on this gateway")
	}
	if cust.Email == "" {
		return errNoEmailAddress(cust)
	}
	doc, err := call(ctx, e, s, func(conn Connection) (Document, error) {
		return s.provider.InvoicePDF(ctx, conn, inv.ID)
	})
	if err != nil {
		return err
	}
	msg := OutgoingEmail{
		ID: emailID, MerchantID: s.merchant.ID, InvoiceID: inv.ID,
		To: []string{cust.Email}, ReplyTo: s.settings.Company.Email, Attachments: []Document{doc},
	}
	if s.settings.AttachUBL && s.desc.Capabilities.UBL && !reminder {
		// The e-invoice rides along for the customer's bookkeeping; one
		// that cannot be written (no electronic address) does not hold
		// back the PDF.
		x, err := call(ctx, e, s, func(conn Connection) (Document, error) { return s.provider.InvoiceUBL(ctx, conn, inv.ID) })
		if err == nil {
			msg.Attachments = append(msg.Attachments, x)
		} else {
			e.log.Warn("invoice e-mailed without its UBL file", "merchant", s.merchant.ID, "invoice", inv.ID, "error", err)
		}
	}
	if s.settings.AccountantCopy.Enabled {
		// A blind copy: the customer's e-mail does not show the
		// merchant's accountant.
		msg.Bcc = s.settings.AccountantCopy.Emails
	}
	msg.Subject, msg.Text = invoiceEmailText(s, inv, reminder)
	return e.mailer.Enqueue(ctx, msg)
}

// noEmailAddressField names the customer's missing address in the error
// of e-mailing an invoice to a customer without one.
const noEmailAddressField = "customer.email"

func errNoEmailAddress(c Customer) error {
	return Invalid("cannot e-mail the invoice", FieldError{Field: noEmailAddressField, Message: "customer " + c.Name + " has no e-mail address"})
}

// isNoEmailAddress reports whether err is errNoEmailAddress's.
func isNoEmailAddress(err error) bool {
	e := AsError(err)
	return e != nil && e.Code == CodeInvalid && len(e.Fields) == 1 && e.Fields[0].Field == noEmailAddressField
}

// queueInvoiceEmail sends an invoice automatically. The sale is already
// made, so a failure is logged, not returned; id makes it idempotent. A
// customer without an e-mail address gets none, and the invoice shows
// email_status no_address.
func (e *Engine) queueInvoiceEmail(ctx context.Context, s session, inv Invoice, id string) {
	if e.mailer == nil && e.einvoices == nil {
		return
	}
	_, err := e.sendInvoice(ctx, s, inv, id)
	if err == nil {
		return
	}
	if isNoEmailAddress(err) && e.mailer != nil {
		e.recordNoAddress(ctx, s, inv, id)
		return
	}
	e.log.Warn("automatic invoice e-mail not queued", "merchant", s.merchant.ID, "invoice", inv.ID, "error", err)
}

// recordNoAddress records that the automatic e-mail id of inv was not
// sent for want of an address; a failure to record it is logged.
func (e *Engine) recordNoAddress(ctx context.Context, s session, inv Invoice, id string) {
	err := e.mailer.RecordNotSent(ctx, OutgoingEmail{ID: id, MerchantID: s.merchant.ID, InvoiceID: inv.ID},
		EmailNoAddress, "the customer has no e-mail address")
	if err != nil {
		e.log.Warn("could not record an e-mail not sent", "merchant", s.merchant.ID, "invoice", inv.ID, "error", err)
	}
}

func invoiceEmailText(s session, inv Invoice, reminder bool) (subject, text string) {
	company := s.settings.Company.Name
	amount := FormatAmount(inv.AmountDue()) + " " + string(inv.Currency)
	kind := invoiceKindName(s.merchant.Country, inv.Kind)
	if s.merchant.Country == Norway {
		if reminder {
			return fmt.Sprintf("Påminnelse: %s %d fra %s", strings.ToLower(kind), inv.Number, company),
				fmt.Sprintf("Hei,\n\nVi kan ikke se at %s %d på %s med forfall %s er betalt. Vedlagt er fakturaen.\nSe bort fra denne påminnelsen om du allerede har betalt.\n\nMed vennlig hilsen\n%s\n",
					strings.ToLower(kind), inv.Number, amount, inv.DueDate, company)
		}
		return fmt.Sprintf("%s %d fra %s", kind, inv.Number, company),
			fmt.Sprintf("Hei,\n\nVedlagt er %s %d fra %s på %s, forfall %s.\n\nMed vennlig hilsen\n%s\n",
				strings.ToLower(kind), inv.Number, company, amount, inv.DueDate, company)
	}
	if reminder {
		return fmt.Sprintf("Påminnelse: %s %d från %s", strings.ToLower(kind), inv.Number, company),
			fmt.Sprintf("Hej,\n\nVi har inte fått betalt för %s %d på %s med förfallodag %s. Fakturan bifogas.\nBortse från påminnelsen om du redan har betalat.\n\nMed vänliga hälsningar\n%s\n",
				strings.ToLower(kind), inv.Number, amount, inv.DueDate, company)
	}
	return fmt.Sprintf("%s %d från %s", kind, inv.Number, company),
		fmt.Sprintf("Hej,\n\nBifogat finns %s %d från %s på %s, förfallodag %s.\n\nMed vänliga hälsningar\n%s\n",
			strings.ToLower(kind), inv.Number, company, amount, inv.DueDate, company)
}

// RunReminders queues one reminder e-mail for every posted invoice whose
// due date is the merchant's reminder days in the past, for merchants that
// asked for reminders. Idempotent: each invoice gets one reminder however
// often it runs. It returns how many it queued and the first error.
func (e *Engine) RunReminders(ctx context.Context) (int, error) {
	if e.mailer == nil {
		return 0, nil
	}
	merchants, err := e.store.ListMerchants(ctx)
	if err != nil {
		return 0, err
	}
	var queued int
	var firstErr error
	for _, m := range merchants {
		n, err := e.remindersForMerchant(ctx, m)
		queued += n
		if Code(err) == CodeUnavailable {
			continue // paused until the integration is reconnected
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return queued, firstErr
}

func (e *Engine) remindersForMerchant(ctx context.Context, m Merchant) (int, error) {
	s, err := e.invoicing(ctx, Principal{MerchantID: m.ID, Role: RoleAdmin}, ActionWriteInvoices)
	if err != nil || s.settings.ReminderDaysAfterDue == 0 {
		return 0, err
	}
	today := s.today(e.now())
	q := InvoiceQuery{Status: StatusOverdue, Sort: SortDueDate, Limit: MaxListLimit, Today: today}
	var queued int
	for {
		page, err := call(ctx, e, s, func(conn Connection) (InvoicePage, error) {
			return s.provider.ListInvoices(ctx, conn, q)
		})
		if err != nil {
			return queued, err
		}
		for _, inv := range page.Invoices {
			if inv.DueDate.AddDays(s.settings.ReminderDaysAfterDue) > today {
				return queued, nil // sorted by due date: the rest are not due yet
			}
			full, err := call(ctx, e, s, func(conn Connection) (Invoice, error) {
				return s.provider.GetInvoice(ctx, conn, inv.ID)
			})
			if err != nil {
				return queued, err
			}
			cust, err := e.customerOf(ctx, s, full)
			if err == nil {
				err = e.emailInvoice(ctx, s, full, cust, "reminder:"+inv.ID, true)
			}
			if err != nil {
				if isNoEmailAddress(err) {
					e.recordNoAddress(ctx, s, full, "reminder:"+inv.ID)
				} else {
					e.log.Warn("reminder not queued", "merchant", m.ID, "invoice", inv.ID, "error", err)
				}
				continue
			}
			queued++
		}
		if page.NextCursor == "" {
			return queued, nil
		}
		q.Cursor = page.NextCursor
	}
}

// JournalEntries returns the balanced entry a posted invoice or credit
// invoice produced: receivables debited with the amount to pay, sales per
// VAT rate and output VAT credited, öre rounding to its account. Errors:
// CodeForbidden, CodeNotFound, CodeConflict for a draft.
func (e *Engine) JournalEntries(ctx context.Context, p Principal, id string) (Voucher, error) {
	s, err := e.invoicing(ctx, p, ActionReadInvoices)
	if err != nil {
		return Voucher{}, err
	}
	inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) { return s.provider.GetInvoice(ctx, conn, id) })
	if err != nil {
		return Voucher{}, err
	}
	return InvoiceJournal(inv, e.journal(s.merchant.Country), s.merchant.Country)
}

// ListInvoices lists the merchant's invoices. Errors: CodeForbidden,
// CodeInvalid naming sort, order, status, from, to, limit or cursor.
func (e *Engine) ListInvoices(ctx context.Context, p Principal, q InvoiceQuery) (InvoicePage, error) {
	s, err := e.invoicing(ctx, p, ActionReadInvoices)
	if err != nil {
		return InvoicePage{}, err
	}
	var errs fieldErrors
	if q.Sort == "" {
		q.Sort = SortNumber
	} else if !contains(InvoiceSortColumns, q.Sort) {
		errs.add("sort", "must be one of %s", strings.Join(InvoiceSortColumns, ", "))
	}
	if q.Status != "" && !q.Status.Valid() {
		errs.add("status", "must be one of draft, posted, paid, overdue, credited, void")
	}
	if q.From != "" && q.To != "" && q.To < q.From {
		errs.add("to", "must not be before from")
	}
	if q.Limit, err = NormalizeLimit(q.Limit); err != nil {
		errs = append(errs, AsError(err).Fields...)
	}
	if err := Invalid("invalid invoice query", errs...); err != nil {
		return InvoicePage{}, err
	}
	q.Today = s.today(e.now())
	page, err := call(ctx, e, s, func(conn Connection) (InvoicePage, error) {
		return s.provider.ListInvoices(ctx, conn, q)
	})
	if err != nil {
		return InvoicePage{}, err
	}
	for i := range page.Invoices {
		page.Invoices[i] = page.Invoices[i].WithDerivedStatus(q.Today)
	}
	return page, nil
}

// GetInvoice returns one invoice with its lines and e-mail delivery status.
// Errors: CodeForbidden, CodeNotFound.
func (e *Engine) GetInvoice(ctx context.Context, p Principal, id string) (Invoice, error) {
	s, err := e.invoicing(ctx, p, ActionReadInvoices)
	if err != nil {
		return Invoice{}, err
	}
	inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) { return s.provider.GetInvoice(ctx, conn, id) })
	if err != nil {
		return Invoice{}, err
	}
	if e.mailer != nil {
		st, err := e.mailer.InvoiceEmailStatus(ctx, s.merchant.ID, inv.ID)
		if err != nil {
			return Invoice{}, err
		}
		inv.EmailStatus, inv.EmailError = st.Status, st.LastError
	}
	if e.einvoices != nil {
		st, err := e.einvoices.InvoiceEInvoiceStatus(ctx, s.merchant.ID, inv.ID)
		if err != nil {
			return Invoice{}, err
		}
		inv.EInvoiceStatus, inv.EInvoiceError = st.Status, st.LastError
	}
	return inv.WithDerivedStatus(s.today(e.now())), nil
}
