package core

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// ChargeRequest is a register's charge of a customer by invoice.
// PricesIncludeVAT defaults to true: register prices are shelf prices.
type ChargeRequest struct {
	CustomerID       string      `json:"customer_id"`
	LocationID       string      `json:"location_id"`
	ReceiptID        string      `json:"receipt_id"`
	Lines            []LineInput `json:"lines"`
	Reference        string      `json:"reference"`
	Comment          string      `json:"comment"`
	PricesIncludeVAT *bool       `json:"prices_include_vat,omitempty"`
}

// Charge statuses.
const (
	ChargeInvoiced  = "invoiced"  // an invoice was posted
	ChargeCollected = "collected" // added to a collective-invoice order
	ChargePending   = "pending"   // accepted, provider not reached yet
)

// ChargeResult is the answer to a charge.
type ChargeResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Invoice is the posted invoice; for a collected charge, the
	// collective invoice when this order passed the customer's threshold.
	Invoice *Invoice `json:"invoice,omitempty"`
	Order   *Order   `json:"order,omitempty"`
	// Receipt is the printable delivery note for the register.
	Receipt *DeliveryNote `json:"receipt,omitempty"`
}

// Line limits of a charge (text limits: see text.go).
const (
	MaxChargeLines = 500
	// MaxQuantityPlaces is the precision of a line's quantity, and so of
	// a credited quantity.
	MaxQuantityPlaces = 3
	// MaxLineAmount bounds one line (100 million kronor in öre) so no sum
	// of 500 lines can overflow int64.
	MaxLineAmount = 10_000_000_000
)

// Validate checks a charge for a merchant in country and names every bad
// field. Whether the customer may be invoiced is the provider's check.
func (r ChargeRequest) Validate(country Country) error {
	var errs fieldErrors
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"customer_id", r.CustomerID, MaxIDLength}, {"location_id", r.LocationID, MaxIDLength},
		{"receipt_id", r.ReceiptID, MaxReceiptIDLength},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs.add(f.name, "is required")
		} else {
			errs.text(f.name, f.value, f.max, false)
		}
	}
	errs.text("reference", r.Reference, MaxReferenceLength, false)
	errs.text("comment", r.Comment, MaxCommentLength, true)
	validateLines(&errs, r.Lines, country)
	return Invalid("invalid charge", errs...)
}

func validateLines(errs *fieldErrors, lines []LineInput, country Country) {
	if len(lines) == 0 {
		errs.add("lines", "needs at least one line")
	}
	if len(lines) > MaxChargeLines {
		errs.add("lines", "must have at most %d lines", MaxChargeLines)
	}
	maxAmount := decimal.NewFromInt(MaxLineAmount)
	for i, l := range lines {
		if strings.TrimSpace(l.Description) == "" {
			errs.add(indexed("lines", i, "description"), "is required")
		} else if msg := textProblem(l.Description, MaxLineDescriptionLength, false); msg != "" {
			*errs = append(*errs, FieldError{Field: indexed("lines", i, "description"), Message: msg})
		}
		if msg := textProblem(l.ProductGroup, MaxProductGroupLength, false); msg != "" {
			*errs = append(*errs, FieldError{Field: indexed("lines", i, "product_group"), Message: msg})
		}
		if !l.Quantity.IsPositive() {
			errs.add(indexed("lines", i, "quantity"), "must be greater than 0")
		} else if -l.Quantity.Exponent() > MaxQuantityPlaces {
			errs.add(indexed("lines", i, "quantity"), "must have at most %d decimals", MaxQuantityPlaces)
		}
		if l.UnitPrice < 0 {
			errs.add(indexed("lines", i, "unit_price"), "must not be negative (refunds are credit invoices)")
		} else if l.Quantity.IsPositive() && l.Quantity.Mul(decimal.NewFromInt(l.UnitPrice)).GreaterThan(maxAmount) {
			errs.add(indexed("lines", i, "unit_price"), "line amount exceeds %d minor units", int64(MaxLineAmount))
		}
		if !ValidVATRate(country, l.VATRate) {
			errs.add(indexed("lines", i, "vat_rate"), "%s%% is not a VAT rate in %s (allowed: %s)",
				l.VATRate.String(), country, strings.Join(vatRatesByCountry[country], ", "))
		}
	}
}

// indexed names list element i's field ("lines[0].vat_rate"), or the
// element itself when field is empty ("emails[1]").
func indexed(list string, i int, field string) string {
	if field == "" {
		return list + "[" + itoa(i) + "]"
	}
	return list + "[" + itoa(i) + "]." + field
}

func itoa(i int) string { return strconv.Itoa(i) }
