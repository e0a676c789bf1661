package exports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// Input bounds of a receipt. The text limits are core's, shared with
// charges (core/text.go).
const (
	MaxReceiptIDLength    = core.MaxReceiptIDLength
	MaxLocationIDLength   = core.MaxIDLength
	MaxProductGroupLength = core.MaxProductGroupLength
	MaxMethodLength       = core.MaxPaymentMethodLength
	MaxReceiptLines       = 1000
	MaxReceiptPayments    = 100
	// MaxRounding bounds a receipt's cash rounding (öresavrundning): at
	// most one krona either way.
	MaxRounding = 100
)

// SalesScope is the idempotency scope of POST /v1/sales.
const SalesScope = "sales"

// RecordSaleOnce is RecordSale at most once per (merchant, Idempotency-Key):
// a request repeated with its key replays the first answer, and RecordSale
// is itself idempotent on the receipt, so a re-run after a crash stores
// nothing twice. replayed is true when the key or the receipt_id had
// recorded it before. Errors: CodeInvalid naming Idempotency-Key (missing,
// too long); CodeConflict naming Idempotency-Key (used with another
// receipt); RecordSale's.
func (s *Service) RecordSaleOnce(ctx context.Context, p core.Principal, key string, receipt core.SalesReceipt) (sale Sale, replayed bool, err error) {
	if err := p.Authorize(core.ActionRecordSales); err != nil {
		return Sale{}, false, err
	}
	var sameReceipt bool
	replayed, err = s.idem.Do(ctx, p.MerchantID, SalesScope, "sale", key, receipt, &sale, func(string) (any, error) {
		out, again, err := s.RecordSale(ctx, p, receipt)
		sameReceipt = again
		return out, err
	})
	return sale, replayed || sameReceipt, err
}

// RecordSale stores one register receipt, exactly once per receipt_id and
// merchant: the same receipt again returns the first answer with
// replayed=true and stores nothing; a different receipt under a used
// receipt_id is CodeConflict naming receipt_id. The receipt's currency is
// the merchant's (an empty currency is filled in).
//
// A receipt is valid when it has an id, a location, a business date, at
// least one line, each at a VAT rate legal in the merchant's country
// (core.ValidVATRate), at least one payment, each with a method, and lines
// plus tips plus rounding equal the payments. A receipt paid partly by
// invoice and partly otherwise is refused: the daily voucher cannot split it
// when the invoicing system also keeps the books (see
// mapping.BuildOptions), so the register sends the invoice share as its own
// receipt.
//
// Errors: CodeForbidden; CodeInvalid naming each bad field (receipt_id,
// location_id, business_date, currency, lines, lines[i].vat_rate,
// lines[i].amount, payments, payments[i].method, tips, rounding, ...);
// CodeConflict naming receipt_id (used with another body) or business_date
// (the day is closed or exported: its receipts are final); CodeNotFound for
// an unknown merchant; CodeUnavailable.
func (s *Service) RecordSale(ctx context.Context, p core.Principal, receipt core.SalesReceipt) (Sale, bool, error) {
	if err := p.Authorize(core.ActionRecordSales); err != nil {
		return Sale{}, false, err
	}
	m, err := s.merchants.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return Sale{}, false, err
	}
	r, total, err := normalizeReceipt(m, receipt)
	if err != nil {
		return Sale{}, false, err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return Sale{}, false, core.Errorf(core.CodeInternal, "encode receipt: %v", err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	stored, created, err := s.store.SaveSalesReceipt(ctx, StoredReceipt{
		MerchantID: m.ID, Receipt: r, RequestHash: hash, Total: total, RecordedAt: s.now(),
	})
	if err != nil {
		return Sale{}, false, err
	}
	if !created && stored.RequestHash != hash {
		return Sale{}, false, &core.Error{Code: core.CodeConflict,
			Message: fmt.Sprintf("receipt %q was already recorded with a different body", r.ReceiptID),
			Fields:  []core.FieldError{{Field: "receipt_id", Message: "already used for another receipt"}}}
	}
	return Sale{SalesReceipt: stored.Receipt, Total: stored.Total, RecordedAt: stored.RecordedAt}, !created, nil
}

// normalizeReceipt validates a receipt for merchant m and returns it in the
// form that is stored and fingerprinted (currency filled in, VAT rates in
// canonical form, ids trimmed), with its total.
func normalizeReceipt(m core.Merchant, r core.SalesReceipt) (core.SalesReceipt, int64, error) {
	var errs []core.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, core.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	r.ReceiptID = strings.TrimSpace(r.ReceiptID)
	r.LocationID = strings.TrimSpace(r.LocationID)
	checkText(add, "receipt_id", r.ReceiptID, MaxReceiptIDLength, true)
	checkText(add, "location_id", r.LocationID, MaxLocationIDLength, true)
	if !r.BusinessDate.Valid() {
		add("business_date", "must be a date YYYY-MM-DD")
	}
	switch {
	case r.Currency == "":
		r.Currency = m.Currency
	case r.Currency != m.Currency:
		add("currency", "must be %s, the merchant's currency", m.Currency)
	}
	amount := func(field string, a, bound int64) bool {
		if a > bound || a < -bound {
			add(field, "must be between -%d and %d minor units", bound, bound)
			return false
		}
		return true
	}
	ok := true
	switch {
	case len(r.Lines) == 0:
		add("lines", "needs at least one line")
		ok = false
	case len(r.Lines) > MaxReceiptLines:
		add("lines", "must be at most %d", MaxReceiptLines)
		ok = false
	}
	var lines int64
	r.Lines = append([]core.SalesLine(nil), r.Lines...)
	for i, l := range r.Lines {
		at := fmt.Sprintf("lines[%d]", i)
		l.ProductGroup = strings.TrimSpace(l.ProductGroup)
		checkText(add, at+".product_group", l.ProductGroup, MaxProductGroupLength, false)
		if !core.ValidVATRate(m.Country, l.VATRate) {
			add(at+".vat_rate", "%s%% is not a VAT rate in %s", l.VATRate.String(), m.Country)
		}
		l.VATRate = decimal.RequireFromString(l.VATRate.String())
		ok = amount(at+".amount", l.Amount, core.MaxLineAmount) && ok
		lines += l.Amount
		r.Lines[i] = l
	}
	switch {
	case len(r.Payments) == 0:
		add("payments", "needs at least one payment")
		ok = false
	case len(r.Payments) > MaxReceiptPayments:
		add("payments", "must be at most %d", MaxReceiptPayments)
		ok = false
	}
	var paid int64
	invoice, other := false, false
	r.Payments = append([]core.SalesPayment(nil), r.Payments...)
	for i, pm := range r.Payments {
		at := fmt.Sprintf("payments[%d]", i)
		pm.Method = strings.TrimSpace(pm.Method)
		checkText(add, at+".method", pm.Method, MaxMethodLength, true)
		ok = amount(at+".amount", pm.Amount, core.MaxLineAmount) && ok
		paid += pm.Amount
		if pm.Amount != 0 {
			invoice = invoice || pm.Method == mapping.MethodInvoice
			other = other || pm.Method != mapping.MethodInvoice
		}
		r.Payments[i] = pm
	}
	ok = amount("tips", r.Tips, core.MaxLineAmount) && ok
	ok = amount("rounding", r.Rounding, MaxRounding) && ok
	if ok && lines+r.Tips+r.Rounding != paid {
		add("payments", "sum to %d, but lines (%d) + tips (%d) + rounding (%d) = %d",
			paid, lines, r.Tips, r.Rounding, lines+r.Tips+r.Rounding)
	}
	if invoice && other {
		add("payments", "a receipt is paid either entirely by invoice or not at all by invoice; send the invoice share as its own receipt")
	}
	if err := core.Invalid("invalid sales receipt", errs...); err != nil {
		return core.SalesReceipt{}, 0, err
	}
	return r, paid, nil
}

// checkText checks an identifier or name: required if asked, then
// core.TextError's rules (at most max characters, no control characters).
func checkText(add func(string, string, ...any), field, s string, max int, required bool) {
	if s == "" && required {
		add(field, "is required")
		return
	}
	if e := core.TextError(field, s, max, false); e != nil {
		add(e.Field, "%s", e.Message)
	}
}

// CloseDay closes a location's business day: its receipts are final (later
// receipts for it are CodeConflict) and it may be exported. Closing a
// closed day again changes nothing and returns it. When the merchant has an
// active (or needs_reauth) bookkeeping integration and date is not before
// its export start date, the day gets a pending export job; otherwise the
// day is not_scheduled, and RunOnce schedules it once an integration whose
// start date covers it is active. A day without receipts may be closed; its
// export succeeds with "nothing to book".
//
// Errors: CodeForbidden; CodeInvalid naming location_id or date (malformed,
// or later than today in the merchant's country); CodeNotFound for an
// unknown merchant; CodeUnavailable.
func (s *Service) CloseDay(ctx context.Context, p core.Principal, location string, date core.Date) (Day, error) {
	if err := p.Authorize(core.ActionRecordSales); err != nil {
		return Day{}, err
	}
	m, err := s.merchants.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return Day{}, err
	}
	var errs []core.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, core.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	location = strings.TrimSpace(location)
	checkText(add, "location_id", location, MaxLocationIDLength, true)
	if !date.Valid() {
		add("date", "must be a date YYYY-MM-DD")
	} else if today := s.today(m); date > today {
		add("date", "is after today (%s): a business day is closed once it is over", today)
	}
	if err := core.Invalid("invalid day to close", errs...); err != nil {
		return Day{}, err
	}
	// A bookkeeping lookup that fails must not stop the register from
	// closing: the day is closed unscheduled and RunOnce schedules it.
	t, found, err := s.books.ActiveBookkeeping(ctx, m.ID)
	if err != nil {
		s.opts.Logger.Warn("close day: bookkeeping integration unknown; the export run will schedule the day",
			"merchant", m.ID, "location", location, "date", date, "error", err)
		found = false
	}
	queue := found && date >= t.ExportStartDate
	d, err := s.store.CloseSalesDay(ctx, m.ID, DayKey{LocationID: location, BusinessDate: date}, s.now(), queue)
	if err != nil {
		return Day{}, err
	}
	if queue {
		s.notify()
	}
	return s.decorate(m, d, t, found), nil
}

// decorate completes a stored day row for callers: its external reference,
// currency and, for a day without a job, why it has none.
func (s *Service) decorate(m core.Merchant, d Day, t BookkeepingTarget, found bool) Day {
	if d.ExternalRef == "" {
		d.ExternalRef = mapping.ExternalRef(d.LocationID, d.BusinessDate)
	}
	d.Currency = m.Currency
	switch d.Status {
	case StatusOpen:
		d.Message = "the day is not closed yet"
	case StatusNotScheduled:
		switch {
		case !found:
			d.Message = "no active bookkeeping integration"
		case d.BusinessDate < t.ExportStartDate:
			d.Message = fmt.Sprintf("before the export start date %s", t.ExportStartDate)
		default:
			d.Message = "scheduled by the next export run"
		}
	}
	return d
}
