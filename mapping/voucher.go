package mapping

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/shopspring/decimal"
)

// BuildOptions change what BuildVoucher books.
type BuildOptions struct {
	// ExcludeInvoiceSales leaves out receipts paid by MethodInvoice: when
	// the invoicing system is also the bookkeeping system, each invoice
	// already booked its receivable, sales and VAT. A receipt paid partly
	// by invoice and partly otherwise cannot be split without knowing
	// which lines the invoice carried, so it is refused.
	ExcludeInvoiceSales bool
}

// ExternalRefPrefix starts every day voucher's ExternalRef, which is
// "ledgerbridge:" + location + ":" + day (e.g.
// "ledgerbridge:loc_1:2026-04-01"): one voucher per location and business
// day, so a provider that finds a voucher under that reference knows the
// day is booked.
const ExternalRefPrefix = "ledgerbridge:"

// ExternalRef is the reference BuildVoucher gives the voucher of a
// location's day.
func ExternalRef(location string, day core.Date) string {
	return ExternalRefPrefix + location + ":" + string(day)
}

// ParseExternalRef is ExternalRef's inverse: the location and day of a day
// voucher's reference (the location may hold ':'). ok is false for any
// other reference.
func ParseExternalRef(ref string) (location string, day core.Date, ok bool) {
	rest, ok := strings.CutPrefix(ref, ExternalRefPrefix)
	i := strings.LastIndexByte(rest, ':')
	if !ok || i <= 0 {
		return "", "", false
	}
	return rest[:i], core.Date(rest[i+1:]), true
}

// ErrNothingToBook is returned (compare with errors.Is) when the day's
// receipts net to no posting at all: no receipts, only invoice sales that
// were excluded, or sales and refunds that cancel out on every account. The
// caller records the day as done without calling a provider.
var ErrNothingToBook = &core.Error{Code: core.CodeInvalid, Message: "nothing to book for the day",
	Fields: []core.FieldError{{Field: "receipts", Message: "the receipts net to zero on every account"}}}

// Bounds that keep every sum of a day inside int64.
const (
	maxAmount   = core.MaxLineAmount // one line, payment, tip or rounding
	maxDayTotal = int64(1e15)        // the sum of every amount's magnitude
)

// BuildVoucher books a location's business day of register receipts as one
// balanced voucher. Amounts are gross (VAT included) minor units; refunds
// are negative receipts or lines, so any posting may carry either sign.
//
//   - Each payment debits its method's account: PaymentMethods, else for
//     MethodInvoice Events["receivables"] and for MethodGiftCard
//     Events["gift_cards"], else FallbackPaymentAccount.
//   - Each line's gross goes to its product group's eat-in or takeaway
//     account, or, when that is not mapped, to VATRates[line's rate].
//   - Output VAT is computed once per rate on the day's gross at that rate:
//     round_half_away(gross × rate / (100 + rate)), the product taken
//     before the division (see core.PriceLines). It is credited to
//     VATAccounts[rate] and split over the rate's sales accounts by largest
//     remainder, so each sales account is credited its gross less its VAT
//     share and the rate's net plus VAT equals its gross to the öre. Sales
//     postings carry the canonical rate ("25", "12.5") as VAT code; the
//     provider translates it to its own code. No other posting has one.
//   - Tips are credited to Events["tips"], the receipts' rounding to
//     Events["rounding"].
//
// Since every receipt balances (lines + tips + rounding = payments) and the
// VAT split is exact, the voucher balances by construction; there is no
// leftover öre to park on the rounding account. Postings are summed per
// account and VAT code, zero sums are dropped, and rows are sorted by
// account then VAT code; the result does not depend on the receipts' order.
// ExternalRef is ExternalRef(location, day).
//
// Errors (all *core.Error): invalid naming country, day, location,
// currency, the mapping's fields (from Validate), each bad receipt
// ("receipts[3]" when its lines, tips and rounding do not add up to its
// payments; "receipts[3].business_date", ".location_id", ".currency",
// ".lines[0].vat_rate", duplicates), and each mapping entry the day needs
// but lacks ("vat_rates.12", "vat_accounts.25", "events.tips",
// "events.rounding", "events.receivables", "fallback_payment_account");
// ErrNothingToBook when nothing nets to a posting.
func BuildVoucher(country core.Country, day core.Date, location string, currency core.Currency,
	receipts []core.SalesReceipt, m Mapping, opts BuildOptions) (core.Voucher, error) {
	if err := validateArgs(country, day, location, currency); err != nil {
		return core.Voucher{}, err
	}
	if err := m.Validate(); err != nil {
		return core.Voucher{}, err
	}
	if err := validateReceipts(country, day, location, currency, receipts, opts); err != nil {
		return core.Voucher{}, err
	}
	b := newBuilder(m, country)
	for _, r := range receipts {
		if opts.ExcludeInvoiceSales && paidByInvoice(r) {
			continue
		}
		for _, p := range r.Payments {
			b.payment(p)
		}
		for _, l := range r.Lines {
			b.line(l)
		}
		b.tips += r.Tips
		b.rounding += r.Rounding
	}
	postings, err := b.postings()
	if err != nil {
		return core.Voucher{}, err
	}
	if len(postings) == 0 {
		return core.Voucher{}, ErrNothingToBook
	}
	v := core.Voucher{
		ExternalRef: ExternalRef(location, day),
		Date:        day,
		Description: DayVoucherText(country, location, day),
		Currency:    currency,
		Postings:    postings,
	}
	if err := v.Validate(); err != nil {
		// Unreachable while validateReceipts holds; a bug if it happens.
		return core.Voucher{}, core.Errorf(core.CodeInternal, "built an invalid voucher: %v", err)
	}
	return v, nil
}

func validateArgs(country core.Country, day core.Date, location string, currency core.Currency) error {
	var errs []core.FieldError
	if !country.Valid() {
		errs = append(errs, core.FieldError{Field: "country", Message: "must be SE or NO"})
	}
	if !day.Valid() {
		errs = append(errs, core.FieldError{Field: "day", Message: "must be a date YYYY-MM-DD"})
	}
	if strings.TrimSpace(location) == "" {
		errs = append(errs, core.FieldError{Field: "location", Message: "is required"})
	}
	if !currency.Valid() {
		errs = append(errs, core.FieldError{Field: "currency", Message: "must be an ISO 4217 code"})
	}
	return core.Invalid("invalid day to book", errs...)
}

// paidByInvoice reports whether r's payments are all MethodInvoice (and
// there is at least one that is not zero).
func paidByInvoice(r core.SalesReceipt) bool {
	invoice := false
	for _, p := range r.Payments {
		if p.Amount == 0 {
			continue
		}
		if p.Method != MethodInvoice {
			return false
		}
		invoice = true
	}
	return invoice
}

func validateReceipts(country core.Country, day core.Date, location string, currency core.Currency,
	receipts []core.SalesReceipt, opts BuildOptions) error {
	var errs []core.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, core.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	seen := map[string]int{}
	var magnitude int64
	tooLarge := false
	// amount checks one amount's bound and adds it to the day's magnitude;
	// both bounds together keep every sum below inside int64.
	amount := func(field string, a int64) bool {
		if a > maxAmount || a < -maxAmount {
			add(field, "must be between -%d and %d minor units", maxAmount, maxAmount)
			return false
		}
		if a < 0 {
			a = -a
		}
		magnitude += a
		if magnitude > maxDayTotal && !tooLarge {
			tooLarge = true
			add("receipts", "the day's amounts exceed %d minor units", maxDayTotal)
		}
		return true
	}
	for i, r := range receipts {
		at := fmt.Sprintf("receipts[%d]", i)
		if strings.TrimSpace(r.ReceiptID) == "" {
			add(at+".receipt_id", "is required")
		} else if j, dup := seen[r.ReceiptID]; dup {
			add(at+".receipt_id", "duplicates receipts[%d]", j)
		} else {
			seen[r.ReceiptID] = i
		}
		if r.LocationID != location {
			add(at+".location_id", "is %q, not the location %q being booked", r.LocationID, location)
		}
		if r.BusinessDate != day {
			add(at+".business_date", "is %q, not the day %s being booked", r.BusinessDate, day)
		}
		if r.Currency != currency {
			add(at+".currency", "is %q, not %s", r.Currency, currency)
		}
		ok := true
		var lines, paid int64
		for j, l := range r.Lines {
			lf := fmt.Sprintf("%s.lines[%d]", at, j)
			if !core.ValidVATRate(country, l.VATRate) {
				add(lf+".vat_rate", "%s%% is not a VAT rate in %s", l.VATRate.String(), country)
			}
			ok = amount(lf+".amount", l.Amount) && ok
			lines += l.Amount
		}
		invoice, other := false, false
		for j, p := range r.Payments {
			pf := fmt.Sprintf("%s.payments[%d]", at, j)
			if strings.TrimSpace(p.Method) == "" {
				add(pf+".method", "is required")
			}
			if p.Amount != 0 {
				invoice = invoice || p.Method == MethodInvoice
				other = other || p.Method != MethodInvoice
			}
			ok = amount(pf+".amount", p.Amount) && ok
			paid += p.Amount
		}
		ok = amount(at+".tips", r.Tips) && ok
		ok = amount(at+".rounding", r.Rounding) && ok
		if ok && !tooLarge && lines+r.Tips+r.Rounding != paid {
			add(at, "lines (%d) + tips (%d) + rounding (%d) = %d, but payments sum to %d",
				lines, r.Tips, r.Rounding, lines+r.Tips+r.Rounding, paid)
		}
		if opts.ExcludeInvoiceSales && invoice && other {
			add(at+".payments", "paid partly by invoice and partly otherwise; with invoice sales excluded the receipt cannot be split, so register the invoice share as its own receipt")
		}
	}
	return core.Invalid("invalid sales receipts", errs...)
}

// target is one posting row before aggregation.
type target struct{ account, vatCode string }

type builder struct {
	m           Mapping
	vatRates    map[string]string // canonical rate → sales account
	vatAccounts map[string]string // canonical rate → output VAT account
	rows        map[target]int64
	labels      map[target]map[string]bool
	text        voucherTexts
	gross       map[string]map[string]int64 // canonical rate → sales account → gross
	rates       map[string]decimal.Decimal
	tips        int64
	rounding    int64
	missing     map[string]string // mapping field → message
}

// voucherTexts are a day's voucher texts in one language. methods names
// the well-known payment methods; another method is written as payment
// and its key ("Betalning klarna").
type voucherTexts struct {
	voucher, payment, sales, eatIn, takeaway, outputVAT, tips, rounding string
	methods                                                             map[string]string
}

// voucherTextsByCountry: the texts follow the merchant's country, written
// as a bookkeeper there writes them ("Utgående moms 25 %", "Kontant"). The
// SIE export and every provider get the same texts.
var voucherTextsByCountry = map[core.Country]voucherTexts{
	core.Sweden: {"Försäljning", "Betalning", "Försäljning", "äta här", "avhämtning", "Utgående moms", "Dricks", "Öresavrundning",
		map[string]string{"cash": "Kontant", "kontant": "Kontant", "kontanter": "Kontant", "card": "Kort", "kort": "Kort",
			"swish": "Swish", MethodGiftCard: "Presentkort", "presentkort": "Presentkort", MethodInvoice: "Faktura"}},
	core.Norway: {"Salg", "Betaling", "Salg", "spise her", "takeaway", "Utgående mva", "Tips", "Øreavrunding",
		map[string]string{"cash": "Kontant", "kontant": "Kontant", "kontanter": "Kontant", "card": "Kort", "kort": "Kort",
			"vipps": "Vipps", "mobilepay": "MobilePay", MethodGiftCard: "Gavekort", "gavekort": "Gavekort", MethodInvoice: "Faktura"}},
}

// textsFor returns the country's texts; Swedish for an unknown country.
func textsFor(country core.Country) voucherTexts {
	if t, ok := voucherTextsByCountry[country]; ok {
		return t
	}
	return voucherTextsByCountry[core.Sweden]
}

// DayVoucherText is the text of a location's day voucher in the country's
// language: "Försäljning stockholm-city 2026-03-02" (Sweden), "Salg ..."
// (Norway). BuildVoucher writes it as the voucher's description and the
// SIE export as the #VER text.
func DayVoucherText(country core.Country, location string, day core.Date) string {
	return fmt.Sprintf("%s %s %s", textsFor(country).voucher, location, day)
}

// percent writes a canonical rate as the Nordic countries write a
// percentage: decimal comma and a space before the sign ("12,5 %").
func percent(rate string) string { return strings.ReplaceAll(rate, ".", ",") + " %" }

func newBuilder(m Mapping, country core.Country) *builder {
	text := textsFor(country)
	return &builder{
		m: m, text: text, vatRates: byRate(m.VATRates), vatAccounts: byRate(m.VATAccounts),
		rows: map[target]int64{}, labels: map[target]map[string]bool{},
		gross: map[string]map[string]int64{}, rates: map[string]decimal.Decimal{},
		missing: map[string]string{},
	}
}

func (b *builder) post(t target, amount int64, label string) {
	b.rows[t] += amount
	if b.labels[t] == nil {
		b.labels[t] = map[string]bool{}
	}
	b.labels[t][label] = true
}

func (b *builder) need(field, msg string) { b.missing[field] = msg }

func (b *builder) payment(p core.SalesPayment) {
	if p.Amount == 0 {
		return
	}
	acc, ok := b.m.PaymentMethods[p.Method]
	switch {
	case ok:
	case p.Method == MethodInvoice:
		if acc = b.m.Events[EventReceivables]; acc == "" {
			b.need("events."+EventReceivables, "is required: the day has sales paid by invoice")
			return
		}
	case p.Method == MethodGiftCard && b.m.Events[EventGiftCards] != "":
		acc = b.m.Events[EventGiftCards]
	default:
		acc = b.m.FallbackPaymentAccount
	}
	label, ok := b.text.methods[strings.ToLower(p.Method)]
	if !ok {
		label = b.text.payment + " " + p.Method
	}
	b.post(target{account: acc}, p.Amount, label)
}

func (b *builder) line(l core.SalesLine) {
	rate := l.VATRate.String()
	b.rates[rate] = l.VATRate
	g := b.m.ProductGroups[l.ProductGroup]
	acc := g.EatIn
	if l.Takeaway {
		acc = g.Takeaway
	}
	if acc == "" {
		if acc = b.vatRates[rate]; acc == "" {
			b.need("vat_rates."+rate, fmt.Sprintf("is required: product group %q (takeaway %v) is sold at %s%% and has no account of its own", l.ProductGroup, l.Takeaway, rate))
			return
		}
	}
	if b.gross[rate] == nil {
		b.gross[rate] = map[string]int64{}
	}
	b.gross[rate][acc] += l.Amount
	label := b.text.sales + " " + percent(rate)
	if l.ProductGroup != "" && (g.EatIn != "" || g.Takeaway != "") {
		side := b.text.eatIn
		if l.Takeaway {
			side = b.text.takeaway
		}
		label = b.text.sales + " " + l.ProductGroup + " " + side + " " + percent(rate)
	}
	if b.labels[target{acc, rate}] == nil {
		b.labels[target{acc, rate}] = map[string]bool{}
	}
	b.labels[target{acc, rate}][label] = true
}

// postings computes VAT per rate, posts sales, tips and rounding, and returns
// the aggregated, sorted rows; or the invalid error listing every mapping
// entry the day needed but lacked.
func (b *builder) postings() ([]core.Posting, error) {
	hundred := decimal.NewFromInt(100)
	for _, rate := range sortedKeys(b.gross) {
		r := b.rates[rate]
		base := hundred.Add(r)
		accounts := sortedKeys(b.gross[rate])
		grossAt := make([]int64, len(accounts))
		var total int64
		for i, acc := range accounts {
			grossAt[i] = b.gross[rate][acc]
			total += grossAt[i]
		}
		vat := core.RoundHalfAwayFromZero(decimal.NewFromInt(total).Mul(r).Div(base))
		if vat != 0 {
			vatAcc := b.vatAccounts[rate]
			if vatAcc == "" {
				b.need("vat_accounts."+rate, "is required: the day has output VAT at "+rate+"%")
			} else {
				b.post(target{account: vatAcc}, -vat, b.text.outputVAT+" "+percent(rate))
			}
		}
		shares := splitVAT(vat, grossAt, r, base)
		for i, acc := range accounts {
			b.rows[target{acc, rate}] -= grossAt[i] - shares[i]
		}
	}
	if b.tips != 0 {
		if acc := b.m.Events[EventTips]; acc == "" {
			b.need("events."+EventTips, "is required: the day has tips")
		} else {
			b.post(target{account: acc}, -b.tips, b.text.tips)
		}
	}
	if b.rounding != 0 {
		if acc := b.m.Events[EventRounding]; acc == "" {
			b.need("events."+EventRounding, "is required: the day has cash rounding")
		} else {
			b.post(target{account: acc}, -b.rounding, b.text.rounding)
		}
	}
	if len(b.missing) > 0 {
		var errs []core.FieldError
		for _, f := range sortedKeys(b.missing) {
			errs = append(errs, core.FieldError{Field: f, Message: b.missing[f]})
		}
		return nil, core.Invalid("the account mapping does not cover the day's sales", errs...)
	}
	var out []core.Posting
	for t, amount := range b.rows {
		if amount == 0 {
			continue
		}
		out = append(out, core.Posting{Account: t.account, Amount: amount, VATCode: t.vatCode, Description: describe(b.labels[t])})
	}
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if a.Account != c.Account {
			return accountLess(a.Account, c.Account)
		}
		return a.VATCode < c.VATCode
	})
	return out, nil
}

// splitVAT divides the rate's VAT over accounts in proportion to their gross:
// each gets the floor of its exact share gross × rate / base, and the öre
// left go one each to the largest remainders (ties to the earlier account).
// The shares sum to vat exactly, for any mix of signs: the floors sum to at
// most the exact total and round_half_away of that total is at least the
// floor of it, so 0 ≤ left < len(gross).
func splitVAT(vat int64, gross []int64, rate, base decimal.Decimal) []int64 {
	out := make([]int64, len(gross))
	rems := make([]decimal.Decimal, len(gross))
	order := make([]int, len(gross))
	left := vat
	for i, g := range gross {
		exact := decimal.NewFromInt(g).Mul(rate).Div(base)
		whole := exact.Floor()
		out[i] = whole.IntPart()
		rems[i] = exact.Sub(whole)
		order[i] = i
		left -= out[i]
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]].GreaterThan(rems[order[b]]) })
	for k := int64(0); k < left; k++ {
		out[order[int(k)%len(order)]]++
	}
	return out
}

// accountLess orders account numbers numerically (shorter first), so 1910
// precedes 19100.
func accountLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// describe joins a row's sources, sorted, cut to 60 characters (Spiris'
// TransactionText limit, the shortest of the providers').
func describe(labels map[string]bool) string {
	s := strings.Join(sortedKeys(labels), ", ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}
