package core

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// PaymentMethodInvoice is the register's "invoice" payment method: a
// charge (POST /v1/charges) is the register paying a receipt with it.
const PaymentMethodInvoice = "invoice"

// Bounds of a payment-method list (PUT /v1/payment-methods).
const (
	MaxPaymentMethods         = 50  // methods per merchant
	MaxPaymentMethodLocations = 500 // locations one method is limited to
)

// PaymentMethod is one of the merchant's payment methods at the register:
// whether it is enabled, and the locations it is limited to (none: every
// location).
type PaymentMethod struct {
	Method      string   `json:"method"`
	Enabled     bool     `json:"enabled"`
	LocationIDs []string `json:"location_ids"`
}

// EnabledAt reports whether the method may be used at location.
func (m PaymentMethod) EnabledAt(location string) bool {
	return m.Enabled && (len(m.LocationIDs) == 0 || slices.Contains(m.LocationIDs, location))
}

// PaymentMethods is the merchant's whole list, as read and written.
type PaymentMethods struct {
	PaymentMethods []PaymentMethod `json:"payment_methods"`
}

// defaultInvoiceMethod is the invoice method of a merchant that never
// configured it: invoicing is built in, so it is on at every location.
var defaultInvoiceMethod = PaymentMethod{Method: PaymentMethodInvoice, Enabled: true, LocationIDs: []string{}}

// PaymentMethods returns the merchant's payment methods at the register,
// sorted by method. The invoice method is always listed: a merchant that
// never changed it has it on at every location (activating an invoicing
// integration switches it on too). Errors: CodeForbidden.
func (e *Engine) PaymentMethods(ctx context.Context, p Principal) (PaymentMethods, error) {
	if err := p.Authorize(ActionReadPaymentMethods); err != nil {
		return PaymentMethods{}, err
	}
	return e.paymentMethods(ctx, p.MerchantID)
}

func (e *Engine) paymentMethods(ctx context.Context, merchantID string) (PaymentMethods, error) {
	stored, err := e.store.PaymentMethods(ctx, merchantID)
	if err != nil {
		return PaymentMethods{}, err
	}
	out := make([]PaymentMethod, 0, len(stored)+1)
	hasInvoice := false
	for _, m := range stored {
		if m.LocationIDs == nil {
			m.LocationIDs = []string{}
		}
		hasInvoice = hasInvoice || m.Method == PaymentMethodInvoice
		out = append(out, m)
	}
	if !hasInvoice {
		out = append(out, defaultInvoiceMethod)
	}
	slices.SortFunc(out, func(a, b PaymentMethod) int { return strings.Compare(a.Method, b.Method) })
	return PaymentMethods{PaymentMethods: out}, nil
}

// UpdatePaymentMethods replaces the merchant's payment methods whole and
// returns them as saved (sorted, location_ids sorted). The list must
// include the invoice method (enabled or not): the register has to be told
// where invoicing is offered.
//
// Errors: CodeForbidden; CodeInvalid naming every bad field
// (payment_methods[i].method, payment_methods[i].location_ids[j], ...).
func (e *Engine) UpdatePaymentMethods(ctx context.Context, p Principal, in PaymentMethods) (PaymentMethods, error) {
	if err := p.Authorize(ActionWritePaymentMethods); err != nil {
		return PaymentMethods{}, err
	}
	methods, err := validatePaymentMethods(in)
	if err != nil {
		return PaymentMethods{}, err
	}
	if err := e.store.PutPaymentMethods(ctx, p.MerchantID, methods, e.now().UTC()); err != nil {
		return PaymentMethods{}, err
	}
	return e.paymentMethods(ctx, p.MerchantID)
}

// validatePaymentMethods returns the list normalised (sorted, trimmed
// location IDs) or an invalid error naming every bad field.
func validatePaymentMethods(in PaymentMethods) ([]PaymentMethod, error) {
	var errs fieldErrors
	if len(in.PaymentMethods) > MaxPaymentMethods {
		errs.add("payment_methods", "must list at most %d methods", MaxPaymentMethods)
		return nil, Invalid("invalid payment methods", errs...)
	}
	out := make([]PaymentMethod, 0, len(in.PaymentMethods))
	seen := map[string]bool{}
	for i, m := range in.PaymentMethods {
		at := "payment_methods[" + strconv.Itoa(i) + "]"
		switch {
		case strings.TrimSpace(m.Method) == "":
			errs.add(at+".method", "is required")
		case m.Method != strings.TrimSpace(m.Method):
			errs.add(at+".method", "must not start or end with spaces")
		case seen[m.Method]:
			errs.add(at+".method", "%q is listed twice", m.Method)
		default:
			errs.text(at+".method", m.Method, MaxPaymentMethodLength, false)
		}
		seen[m.Method] = true
		if len(m.LocationIDs) > MaxPaymentMethodLocations {
			errs.add(at+".location_ids", "must list at most %d locations", MaxPaymentMethodLocations)
			continue
		}
		locs := make([]string, 0, len(m.LocationIDs))
		for j, loc := range m.LocationIDs {
			field := at + ".location_ids[" + strconv.Itoa(j) + "]"
			loc = strings.TrimSpace(loc)
			switch {
			case loc == "":
				errs.add(field, "must not be empty")
			case slices.Contains(locs, loc):
				errs.add(field, "%q is listed twice", loc)
			default:
				errs.text(field, loc, MaxIDLength, false)
			}
			locs = append(locs, loc)
		}
		slices.Sort(locs)
		out = append(out, PaymentMethod{Method: m.Method, Enabled: m.Enabled, LocationIDs: locs})
	}
	if !seen[PaymentMethodInvoice] && !errs.has("payment_methods") {
		errs.add("payment_methods", "must include the %q method (set enabled false to switch it off)", PaymentMethodInvoice)
	}
	if err := Invalid("invalid payment methods", errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b PaymentMethod) int { return strings.Compare(a.Method, b.Method) })
	return out, nil
}

// checkInvoiceMethodAt refuses a charge at a location where the merchant
// has switched the invoice payment method off: CodeInvalid naming
// location_id, so the register can tell the cashier why. It runs on every
// first charge, so it looks at the stored list as it is (no copy, no
// sort, no default appended): a merchant that never saved the invoice
// method has it on everywhere.
func (e *Engine) checkInvoiceMethodAt(ctx context.Context, merchantID, location string) error {
	stored, err := e.store.PaymentMethods(ctx, merchantID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(stored, func(m PaymentMethod) bool { return m.Method == PaymentMethodInvoice })
	if i < 0 || stored[i].EnabledAt(location) {
		return nil
	}
	msg := "the invoice payment method is switched off"
	if stored[i].Enabled {
		msg = "the invoice payment method is not enabled at this location"
	}
	return Invalid(msg, FieldError{Field: "location_id",
		Message: "invoice is not a payment method at location " + strconv.Quote(location) + " (see GET /v1/payment-methods)"})
}
