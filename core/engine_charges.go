package core

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
)

// chargeOnce performs a charge under the external reference ref: an invoice
// posted at once, or, for a customer with collective invoicing, an order
// (invoiced with the customer's other orders once the threshold is passed
// or the day comes). Every provider call is idempotent on ref, so running it
// again after a crash returns what the first run created.
func (e *Engine) chargeOnce(ctx context.Context, s session, ref string, req ChargeRequest) (ChargeResult, error) {
	includeVAT := req.PricesIncludeVAT == nil || *req.PricesIncludeVAT
	priced := PriceLines(req.Lines, includeVAT)
	today := s.today(e.now())
	ir := InvoiceRequest{
		ExternalRef:  ref,
		CustomerID:   req.CustomerID,
		InvoiceDate:  today,
		Reference:    strings.TrimSpace(req.Reference),
		Comment:      strings.TrimSpace(req.Comment),
		Currency:     s.merchant.Currency,
		LocationID:   req.LocationID,
		ReceiptID:    req.ReceiptID,
		Lines:        priced.Lines,
		VATBreakdown: priced.Breakdown,
		NetTotal:     priced.Net,
		VATTotal:     priced.VAT,
		Total:        priced.Total,
	}
	if s.desc.Capabilities.RoutesCharges {
		// One call: the provider checks the customer and bills its parent.
		// A customer who collects orders (or a re-run of a charge that
		// became an order) takes the general path below.
		routed := ir
		routed.Route = true
		inv, err := call(ctx, e, s, func(c Connection) (Invoice, error) { return s.provider.CreateInvoice(ctx, c, routed) })
		if err == nil {
			billTo := Customer{ID: inv.CustomerID, Name: inv.CustomerName}
			buyer := billTo
			if inv.OrderedByCustomerID != "" {
				// Billed to the parent: the delivery note names the buyer.
				buyer = Customer{ID: inv.OrderedByCustomerID}
				if c, err := call(ctx, e, s, func(c Connection) (Customer, error) { return s.provider.GetCustomer(ctx, c, inv.OrderedByCustomerID) }); err == nil {
					buyer = c
				}
			}
			return e.invoiced(ctx, s, inv, buyer, billTo, req, priced, today), nil
		}
		if !IsCollects(err) && !namesField(err, "external_ref") {
			return ChargeResult{}, err
		}
	}
	buyer, billTo, err := e.billing(ctx, s, req.CustomerID, "customer_id")
	if err != nil {
		return ChargeResult{}, err
	}
	ir.CustomerID = billTo.ID
	if billTo.ID != buyer.ID {
		ir.OrderedBy = buyer.ID
	}
	if buyer.CollectiveInvoicing.Enabled && s.desc.Capabilities.CollectiveInvoices {
		// Orders belong to the buying customer; their collective invoice
		// goes to billTo.
		ir.CustomerID, ir.OrderedBy = buyer.ID, ""
		order, err := call(ctx, e, s, func(c Connection) (Order, error) { return s.provider.CreateOrder(ctx, c, ir) })
		if err != nil {
			return ChargeResult{}, err
		}
		res := ChargeResult{ID: ref, Status: ChargeCollected, Order: &order}
		// The order is safe; a failed threshold check is retried by the
		// scheduler, so it does not fail the charge.
		if inv, err := e.invoiceCollectedIfDue(ctx, s, buyer, billTo, today, false, nil); err != nil {
			e.log.Warn("collective invoice after order", "merchant", s.merchant.ID, "customer", buyer.ID, "error", err)
		} else if inv != nil {
			res.Invoice = inv
		}
		res.Receipt = deliveryNote(s, buyer, billTo, req, priced, res, today)
		return res, nil
	}
	inv, err := call(ctx, e, s, func(c Connection) (Invoice, error) { return s.provider.CreateInvoice(ctx, c, ir) })
	if err != nil {
		return ChargeResult{}, err
	}
	return e.invoiced(ctx, s, inv, buyer, billTo, req, priced, today), nil
}

// invoiced is the result of a charge that posted inv: e-mailed at once when
// the merchant sends invoices automatically, with its delivery note.
func (e *Engine) invoiced(ctx context.Context, s session, inv Invoice, buyer, billTo Customer, req ChargeRequest, priced PricedLines, today Date) ChargeResult {
	res := ChargeResult{ID: inv.ExternalRef, Status: ChargeInvoiced, Invoice: &inv}
	if res.ID == "" {
		res.ID = inv.ID
	}
	e.invoicePosted(ctx, s, inv)
	if s.settings.AutoSend {
		e.queueInvoiceEmail(ctx, s, inv, "auto:"+inv.ID)
	}
	res.Receipt = deliveryNote(s, buyer, billTo, req, priced, res, today)
	return res
}

// namesField reports whether err is a *Error naming field.
func namesField(err error, field string) bool {
	if e := AsError(err); e != nil {
		for _, f := range e.Fields {
			if f.Field == field {
				return true
			}
		}
	}
	return false
}

// billing resolves the customer a sale is for and the one it is invoiced
// to: the customer itself or its parent company. Errors: CodeInvalid naming
// field when the customer does not exist, is not active or is not enabled
// for invoicing (the message says which), or its parent cannot be invoiced.
func (e *Engine) billing(ctx context.Context, s session, customerID, field string) (buyer, billTo Customer, err error) {
	buyer, err = e.invoiceable(ctx, s, customerID, field, "customer")
	if err != nil {
		return Customer{}, Customer{}, err
	}
	if buyer.ParentCustomerID == "" {
		return buyer, buyer, nil
	}
	billTo, err = e.invoiceable(ctx, s, buyer.ParentCustomerID, field, "parent company")
	return buyer, billTo, err
}

func (e *Engine) invoiceable(ctx context.Context, s session, id, field, what string) (Customer, error) {
	c, err := call(ctx, e, s, func(conn Connection) (Customer, error) { return s.provider.GetCustomer(ctx, conn, id) })
	if err != nil && Code(err) != CodeNotFound {
		return Customer{}, err
	}
	if why := InvoiceableRefusal(what, c.Name, err == nil, c.Active, c.InvoicingEnabled); why != "" {
		return Customer{}, Invalid("cannot invoice", FieldError{Field: field, Message: why})
	}
	return c, nil
}

// chargeScope is the idempotency scope of register charges.
const chargeScope = "charges"

// Charge invoices a customer for a register sale through the merchant's
// invoicing provider, exactly once per idempotency key: the same key with the
// same request returns the first result (replayed=true) and creates nothing;
// with a different request it is CodeConflict. A charge interrupted by a
// crash or a lost response is completed by the next request with its key,
// because the provider finds the invoice by the external reference the key
// was given on first use.
//
// Errors: CodeForbidden; CodeInvalid naming each bad field (including the
// Idempotency-Key header); CodeConflict; CodeNotFound for the customer; the
// provider's errors (CodeUnavailable when its process is down: safe to retry
// with the same key).
func (e *Engine) Charge(ctx context.Context, p Principal, idempotencyKey string, req ChargeRequest) (res ChargeResult, replayed bool, err error) {
	var s session
	defer func() { e.metrics.Charged(s.providerName, Outcome(replayed, err)) }()
	if err := p.Authorize(ActionCharge); err != nil {
		return ChargeResult{}, false, err
	}
	if err := validateIdempotencyKey(idempotencyKey); err != nil {
		return ChargeResult{}, false, err
	}
	s, err = e.invoicing(ctx, p, ActionCharge)
	if err != nil {
		return ChargeResult{}, false, err
	}
	if err := req.Validate(s.merchant.Country); err != nil {
		return ChargeResult{}, false, err
	}
	// One receipt, one charge: the receipt is claimed at its location in
	// the same write as the key, so another key is refused even when both
	// arrive at once, and a refused charge frees the receipt with its key.
	claim, err := json.Marshal([]string{req.LocationID, req.ReceiptID})
	if err != nil {
		return ChargeResult{}, false, Errorf(CodeInternal, "encode receipt claim: %v", err)
	}
	replayed, err = e.idem.DoClaimed(ctx, s.merchant.ID, chargeScope, "ch", idempotencyKey, string(claim), req, &res,
		func(ref string) (any, error) {
			if err := e.checkInvoiceMethodAt(ctx, s.merchant.ID, req.LocationID); err != nil {
				return nil, err
			}
			return e.chargeOnce(ctx, s, ref, req)
		})
	if err != nil && errors.Is(err, ErrClaimed) {
		return ChargeResult{}, false, &Error{Code: CodeConflict,
			Message: "receipt " + req.ReceiptID + " was already charged at location " + req.LocationID + " under another Idempotency-Key",
			Fields:  []FieldError{{Field: "receipt_id", Message: "already charged at this location"}}}
	}
	return res, replayed, err
}
