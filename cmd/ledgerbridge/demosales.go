package main

import (
	"context"
	"fmt"
	"math/rand"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
)

// demoLocations are the demo merchant's two cafés.
var demoLocations = []string{"stockholm-city", "sodermalm"}

type menuItem struct {
	name  string
	group string // the mapping's product groups: food, drinks, alcohol
	price int64  // öre, VAT included
}

var demoMenu = []menuItem{
	{"Kaffe", "drinks", 3500}, {"Cappuccino", "drinks", 4250}, {"Kanelbulle", "food", 3800},
	{"Dagens lunch", "food", 12900}, {"Räksmörgås", "food", 14750}, {"Sallad", "food", 11500},
	{"Läsk", "drinks", 3000}, {"Öl", "alcohol", 7900}, {"Glas vin", "alcohol", 9500},
}

// seedDemoSales connects the demo merchant's bookkeeping to the SIE file
// provider and records a month of register receipts at two locations,
// closing each past day, so the export engine books a voucher per location
// and day on its first runs (GET /v1/exports, /v1/exports/sie).
func seedDemoSales(ctx context.Context, a *app, admin core.Principal, today core.Date) (receipts int, err error) {
	intg, err := a.integrations.Create(ctx, admin, sie.Name, []core.IntegrationMode{core.ModeBookkeeping})
	if err != nil {
		return 0, err
	}
	start := today.AddDays(-30)
	if _, err := a.integrations.PutSettings(ctx, admin, intg.ID, integrations.Settings{ExportStartDate: start}); err != nil {
		return 0, err
	}
	sug, err := a.integrations.Suggestion(ctx, admin, intg.ID)
	if err != nil {
		return 0, err
	}
	if _, err := a.integrations.PutMapping(ctx, admin, intg.ID, sug.Mapping); err != nil {
		return 0, err
	}
	if _, err := a.integrations.Activate(ctx, admin, intg.ID); err != nil {
		return 0, fmt.Errorf("activate SIE bookkeeping: %w", err)
	}
	rng := rand.New(rand.NewSource(2026))
	for day := start; day < today; day = day.AddDays(1) {
		for _, loc := range demoLocations {
			for i := 0; i < 25+rng.Intn(30); i++ {
				r := demoReceipt(rng, loc, day, i)
				if _, _, err := a.exports.RecordSale(ctx, admin, r); err != nil {
					return receipts, fmt.Errorf("receipt %s: %w", r.ReceiptID, err)
				}
				receipts++
			}
			if _, err := a.exports.CloseDay(ctx, admin, loc, day); err != nil {
				return receipts, err
			}
		}
	}
	return receipts, nil
}

// demoReceipt is one plausible Swedish café receipt: VAT by product group
// and eat-in or takeaway as from 2026-04-01 (food and non-alcoholic drinks
// 6 % to take away, 12 % eaten in; alcohol 25 %), paid by card (sometimes
// with a tip), Swish or cash (rounded to whole kronor).
func demoReceipt(rng *rand.Rand, location string, day core.Date, n int) core.SalesReceipt {
	takeaway := rng.Intn(10) < 4
	amounts := map[[2]string]int64{}
	var total int64
	for i := 0; i < 1+rng.Intn(4); i++ {
		item := demoMenu[rng.Intn(len(demoMenu))]
		if takeaway && item.group == "alcohol" {
			item = demoMenu[0]
		}
		rate := "12"
		switch {
		case item.group == "alcohol":
			rate = "25"
		case takeaway:
			rate = "6"
		}
		amounts[[2]string{item.group, rate}] += item.price
		total += item.price
	}
	r := core.SalesReceipt{
		ReceiptID: fmt.Sprintf("%s-%s-%04d", location, day, n), LocationID: location, BusinessDate: day, Currency: "SEK",
	}
	for k, amount := range amounts {
		r.Lines = append(r.Lines, core.SalesLine{ProductGroup: k[0], VATRate: decimal.RequireFromString(k[1]), Takeaway: takeaway, Amount: amount})
	}
	switch p := rng.Intn(10); {
	case p < 6:
		if rng.Intn(5) == 0 {
			r.Tips = int64(10+rng.Intn(3)*5) * 100
		}
		r.Payments = []core.SalesPayment{{Method: "card", Amount: total + r.Tips}}
	case p < 9:
		r.Payments = []core.SalesPayment{{Method: "swish", Amount: total}}
	default:
		paid := (total + 50) / 100 * 100 // öresavrundning of the cash amount
		r.Rounding = paid - total
		r.Payments = []core.SalesPayment{{Method: "cash", Amount: paid}}
	}
	return r
}
