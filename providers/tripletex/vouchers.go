package tripletex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// maxExternalNumber bounds externalVoucherNumber. Tripletex publishes no
// limit for the field; 50 characters is a conservative bound that the
// references ledgerbridge builds ("ledgerbridge:<location>:<day>") fit
// for ordinary location ids.
const maxExternalNumber = 50

// externalVoucherNumber is the deterministic form of ref Tripletex stores:
// ref itself when it is at most maxExternalNumber printable ASCII
// characters, else its first 33 such characters, "~" and 16 hex digits of
// its SHA-256 (50 characters), so a long reference still finds its voucher.
func externalVoucherNumber(ref string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '_'
		}
		return r
	}, ref)
	if clean == ref && len(ref) <= maxExternalNumber {
		return ref
	}
	sum := sha256.Sum256([]byte(ref))
	prefix := clean
	if len(prefix) > 33 {
		prefix = prefix[:33]
	}
	return prefix + "~" + hex.EncodeToString(sum[:8])
}

// ttPosting is a voucher row as posted.
type ttPosting struct {
	Row                 int    `json:"row"`
	Date                string `json:"date"`
	Description         string `json:"description,omitempty"`
	Account             *ref   `json:"account"`
	VatType             *ref   `json:"vatType,omitempty"`
	Customer            *ref   `json:"customer,omitempty"`
	AmountGross         kroner `json:"amountGross"`
	AmountGrossCurrency kroner `json:"amountGrossCurrency"`
}

type ttVoucher struct {
	Date                  string      `json:"date"`
	Description           string      `json:"description"`
	ExternalVoucherNumber string      `json:"externalVoucherNumber"`
	Postings              []ttPosting `json:"postings"`
}

// ExportSales books v as one Tripletex voucher (POST /ledger/voucher,
// sent to the ledger, no voucher type: a manual journal voucher), with
// externalVoucherNumber = externalVoucherNumber(v.ExternalRef).
//
// Translation of ledgerbridge's voucher (see mapping.BuildVoucher, whose
// sales rows are net amounts with the VAT rate as VATCode and whose output
// VAT is a separate row per rate): Tripletex takes gross amounts only and
// writes the VAT rows itself (row 0), so
//   - output VAT rows are left out: rows without a VAT code on an output
//     VAT account (2700–2709) whose amount is the VAT of one rate's sales;
//     that VAT (the one or two values consistent with the rate's net total
//     under the mapping's rounding, the row's amount deciding between them)
//     is added back to the rate's sales rows, split so that the VAT
//     Tripletex derives per row (gross less gross / (1 + rate), rounded
//     half away from zero) sums to the VAT ledgerbridge computed, keeping
//     each row's net where the rounding allows and, where per-posting
//     rounding cannot reach the rate's VAT otherwise, adding one posting of
//     a few øre on the same account and VAT type (see grossUp);
//   - each sales row carries the VAT type of its rate that the account
//     accepts (its locked type, else an active outgoing type among its
//     legal ones, the account's default first, then the lowest code):
//     25 % on 3000 is code 3, 15 % is 31, 12 % is code 33 (id 32);
//   - every other row carries a VAT type with no VAT (code 0 when legal),
//     so Tripletex never adds VAT to payments, tips or rounding;
//   - rows are numbered from 1 in v's order (row 0 is Tripletex's), dated
//     v.Date, and must sum to zero; rows on the customer ledger (1500)
//     carry their customer.
//
// A day is booked once: before posting, and again before re-posting after
// an answer was lost (5xx, timeout, dropped connection), the voucher is
// looked up by its externalVoucherNumber (GET
// /ledger/voucher/>externalVoucherNumber); a voucher found means the day is
// booked and AlreadyExisted is true. Concurrent exports of one reference
// in this process are serialised. ProviderRef is the voucher's id.
//
// Errors: CodeInvalid (v.Validate's fields; currency other than NOK;
// postings[i].account unknown or inactive, postings[i].vat_code the
// account cannot take, postings[i].customer_id missing on the customer
// ledger or unknown; output VAT that is not on an output VAT account;
// Tripletex's own validation), CodeProviderError, CodeUnavailable,
// CodeRateLimited.
func (p *Provider) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	if err := checkConn(conn); err != nil {
		return core.ExportResult{}, err
	}
	if err := v.Validate(); err != nil {
		return core.ExportResult{}, err
	}
	if v.Currency != "NOK" {
		return core.ExportResult{}, core.Invalid("invalid voucher", core.FieldError{Field: "currency", Message: "Tripletex vouchers from ledgerbridge are in NOK"})
	}
	ext := externalVoucherNumber(v.ExternalRef)
	unlock := p.locks.lock(conn.MerchantID + "|voucher|" + ext)
	defer unlock()
	if id, ok, err := p.findVoucher(ctx, conn, ext); err != nil || ok {
		return core.ExportResult{ProviderRef: id, AlreadyExisted: ok}, err
	}
	co, err := p.company(ctx, conn)
	if err != nil {
		return core.ExportResult{}, err
	}
	body, err := buildVoucher(co, v, ext)
	if err != nil {
		return core.ExportResult{}, err
	}
	for attempt := 0; ; attempt++ {
		var out struct {
			ID int64 `json:"id"`
		}
		err := p.write(ctx, conn, request{method: http.MethodPost, path: "/ledger/voucher",
			query: url.Values{"sendToLedger": {"true"}}, body: body}, &out)
		if err == nil {
			return core.ExportResult{ProviderRef: idString(out.ID)}, nil
		}
		if !unknownOutcome(err) || attempt == 2 {
			return core.ExportResult{}, err
		}
		id, ok, lerr := p.findVoucher(ctx, conn, ext)
		if lerr != nil {
			return core.ExportResult{}, err
		}
		if ok {
			return core.ExportResult{ProviderRef: id, AlreadyExisted: true}, nil
		}
	}
}

// findVoucher looks a voucher up by its externalVoucherNumber.
func (p *Provider) findVoucher(ctx context.Context, conn core.Connection, ext string) (string, bool, error) {
	vs, err := listAll[struct {
		ID                    int64  `json:"id"`
		ExternalVoucherNumber string `json:"externalVoucherNumber"`
	}](ctx, p, conn, "/ledger/voucher/>externalVoucherNumber", url.Values{
		"externalVoucherNumber": {ext}, "fields": {"id,externalVoucherNumber"}})
	if err != nil {
		return "", false, err
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
	for _, x := range vs {
		if x.ExternalVoucherNumber == ext {
			return idString(x.ID), true, nil
		}
	}
	return "", false, nil
}

// salesRow is a sales posting of one rate during translation.
type salesRow struct {
	index int
	net   int64
	gross int64
	extra int64 // gross of an extra posting beside the row (see grossUp)
}

// buildVoucher translates v for Tripletex (see ExportSales).
func buildVoucher(co *company, v core.Voucher, ext string) (ttVoucher, error) {
	var errs []core.FieldError
	add := func(i int, field, format string, args ...any) {
		errs = append(errs, core.FieldError{Field: fmt.Sprintf("postings[%d].%s", i, field), Message: fmt.Sprintf(format, args...)})
	}
	accounts := make([]*account, len(v.Postings))
	rates := map[string]decimal.Decimal{}
	byRate := map[string][]*salesRow{}
	var vatRows []int
	for i, ps := range v.Postings {
		n, err := strconv.Atoi(strings.TrimSpace(ps.Account))
		a := co.byNumber[n]
		switch {
		case err != nil || a == nil:
			add(i, "account", "account %s does not exist in Tripletex", ps.Account)
			continue
		case a.IsInactive:
			add(i, "account", "account %d %s is inactive in Tripletex", a.Number, a.Name)
			continue
		}
		accounts[i] = a
		if ps.VATCode != "" {
			r, err := decimal.NewFromString(ps.VATCode)
			if err != nil || r.IsNegative() {
				add(i, "vat_code", "%q is not a VAT rate", ps.VATCode)
				continue
			}
			key := r.String()
			rates[key] = r
			byRate[key] = append(byRate[key], &salesRow{index: i, net: ps.Amount, gross: ps.Amount})
		} else if a.Number >= 2700 && a.Number <= 2709 {
			vatRows = append(vatRows, i)
		}
	}
	if len(errs) > 0 {
		return ttVoucher{}, core.Invalid("the voucher does not fit the Tripletex chart of accounts", errs...)
	}
	// Take each rate's output VAT back from the VAT rows into its sales.
	keys := make([]string, 0, len(byRate))
	for k, r := range rates {
		if !r.IsZero() {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return rates[keys[i]].LessThan(rates[keys[j]]) })
	cands := make([][]int64, len(keys))
	for k, key := range keys {
		var net int64
		for _, r := range byRate[key] {
			net += r.net
		}
		cands[k] = vatCandidates(net, rates[key])
	}
	amounts := make([]int64, len(vatRows))
	accts := make([]int, len(vatRows))
	for j, i := range vatRows {
		amounts[j], accts[j] = v.Postings[i].Amount, accounts[i].Number
	}
	assign, ok := matchVAT(keys, cands, amounts, accts)
	dropped := map[int]bool{}
	if !ok {
		errs = append(errs, core.FieldError{Field: "postings", Message: "the output VAT rows do not match the VAT of the sales per rate: " +
			"Tripletex books output VAT itself, so map each rate's output VAT to an output VAT account (2700–2709) of its own " +
			"(Tripletex uses 2700 for 25%, 2701 for 15%, 2703 for 12%)"})
	} else {
		for k, key := range keys {
			vat := int64(0)
			if j := assign[k]; j >= 0 {
				vat = amounts[j]
				dropped[vatRows[j]] = true
			}
			grossUp(byRate[key], rates[key], vat)
		}
	}
	gross := make([]int64, len(v.Postings))
	extra := make([]int64, len(v.Postings))
	for i, ps := range v.Postings {
		gross[i] = ps.Amount
	}
	for _, rows := range byRate {
		for _, r := range rows {
			gross[r.index], extra[r.index] = r.gross, r.extra
		}
	}
	desc := strings.TrimSpace(v.Description)
	if desc == "" {
		desc = "Sales " + string(v.Date)
	}
	out := ttVoucher{Date: string(v.Date), Description: desc, ExternalVoucherNumber: ext}
	var sum int64
	for i, ps := range v.Postings {
		if dropped[i] {
			continue
		}
		a := accounts[i]
		row := ttPosting{Row: len(out.Postings) + 1, Date: string(v.Date), Description: ps.Description,
			Account: refTo(a.ID), AmountGross: kroner(gross[i]), AmountGrossCurrency: kroner(gross[i])}
		if row.Description == "" {
			row.Description = desc
		}
		var vt *vatType
		var err error
		if ps.VATCode != "" {
			vt, err = co.postingVATType(a, rates[mustRateKey(ps.VATCode)], true)
		} else {
			vt, err = co.postingVATType(a, decimal.Zero, false)
		}
		if err != nil {
			field := "vat_code"
			if ps.VATCode == "" {
				field = "account"
			}
			add(i, field, "%s", err.Error())
		} else {
			row.VatType = refTo(vt.ID)
		}
		switch a.LedgerType {
		case "CUSTOMER":
			cid, ok := parseID(ps.CustomerID)
			if !ok {
				add(i, "customer_id", "account %d is Tripletex's customer ledger: the posting needs the customer", a.Number)
			}
			row.Customer = refTo(cid)
		case "VENDOR", "EMPLOYEE":
			add(i, "account", "account %d is a Tripletex sub-ledger (%s) that sales cannot be posted to", a.Number, strings.ToLower(a.LedgerType))
		default:
			if cid, ok := parseID(ps.CustomerID); ok {
				row.Customer = refTo(cid)
			}
		}
		sum += gross[i]
		out.Postings = append(out.Postings, row)
		if extra[i] != 0 {
			x := row
			x.Row = len(out.Postings) + 1
			x.AmountGross, x.AmountGrossCurrency = kroner(extra[i]), kroner(extra[i])
			sum += extra[i]
			out.Postings = append(out.Postings, x)
		}
	}
	if sum != 0 && len(errs) == 0 {
		errs = append(errs, core.FieldError{Field: "postings", Message: fmt.Sprintf("the gross amounts differ by %d øre", sum)})
	}
	if err := core.Invalid("the voucher does not fit Tripletex", errs...); err != nil {
		return ttVoucher{}, err
	}
	return out, nil
}

// conventionalVATAccount is where Tripletex books each rate's output VAT
// (NS 4102); it only breaks ties when VAT rows could belong to several
// rates.
var conventionalVATAccount = map[string]int{"25": 2700, "15": 2701, "12": 2703}

// matchVAT assigns the VAT rows (amounts on output VAT accounts) to the
// rates (keys, with their candidate VAT amounts): every row to exactly one
// rate whose candidates include its amount, each rate at most one row, and
// a rate without a row must allow no VAT. Among valid assignments it
// prefers rows on the rate's conventional account. assign[k] is the row
// index of rate k, or -1.
func matchVAT(keys []string, cands [][]int64, amounts []int64, accts []int) ([]int, bool) {
	best, bestScore := []int(nil), -1
	cur := make([]int, len(keys))
	used := make([]bool, len(amounts))
	var try func(k, score int)
	try = func(k, score int) {
		if k == len(keys) {
			for _, u := range used {
				if !u {
					return
				}
			}
			if score > bestScore {
				best, bestScore = append([]int(nil), cur...), score
			}
			return
		}
		for j, a := range amounts {
			if used[j] || a == 0 || !containsInt(cands[k], a) {
				continue
			}
			used[j], cur[k] = true, j
			s := score
			if accts[j] == conventionalVATAccount[keys[k]] {
				s++
			}
			try(k+1, s)
			used[j] = false
		}
		if containsInt(cands[k], 0) {
			cur[k] = -1
			try(k+1, score)
		}
	}
	try(0, 0)
	return best, bestScore >= 0
}

func containsInt(list []int64, x int64) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func mustRateKey(s string) string {
	d, _ := decimal.NewFromString(s)
	return d.String()
}

// vatOfGross is the VAT in a gross amount as ledgerbridge's mapping
// computes it: round_half_away(gross × rate / (100 + rate)).
func vatOfGross(gross int64, rate decimal.Decimal) int64 {
	return core.RoundHalfAwayFromZero(decimal.NewFromInt(gross).Mul(rate).Div(decimal.NewFromInt(100).Add(rate)))
}

// tripletexNet is the net Tripletex derives from a gross amount:
// gross / (1 + rate/100), rounded half away from zero.
func tripletexNet(gross int64, rate decimal.Decimal) int64 {
	f := decimal.NewFromInt(1).Add(rate.Div(decimal.NewFromInt(100)))
	return core.RoundHalfAwayFromZero(decimal.NewFromInt(gross).DivRound(f, 8))
}

// vatCandidates returns the VAT amounts V for which some gross G has
// G − vatOfGross(G) = net and vatOfGross(G) = V: what the mapping may have
// computed for sales of net total net (one or two values).
func vatCandidates(net int64, rate decimal.Decimal) []int64 {
	center := decimal.NewFromInt(net).Mul(decimal.NewFromInt(100).Add(rate)).Div(decimal.NewFromInt(100)).Round(0).IntPart()
	var out []int64
	for g := center - 3; g <= center+3; g++ {
		vat := vatOfGross(g, rate)
		if g-vat == net && (len(out) == 0 || out[len(out)-1] != vat) {
			out = append(out, vat)
		}
	}
	return out
}

// grossUp sets the rate's rows' gross amounts so that they sum to their
// net plus vat and Tripletex's VAT on them (each row's gross less its
// tripletexNet) sums to vat exactly. Tripletex rounds VAT per posting
// (through the net), the mapping per rate (through the VAT), so:
//   - a row's net may move by an øre to another row of the rate; among
//     the choices, as many rows as possible keep their own net;
//   - when no choice of the rows' gross amounts gives the VAT (a single
//     row whose VAT is an exact half øre, say), one extra posting of a few
//     øre on the largest row's account and VAT type (salesRow.extra) makes
//     the per-posting rounding come out at the rate's VAT;
//   - failing that (not seen for the mapping's vouchers), the VAT is split
//     in proportion to the nets, and Tripletex's VAT may differ from vat
//     by an øre.
func grossUp(rows []*salesRow, rate decimal.Decimal, vat int64) {
	if solveGross(rows, rate, vat, false) || solveGross(rows, rate, vat, true) {
		return
	}
	var net int64
	for _, r := range rows {
		net += r.net
	}
	shares := make([]int64, len(rows))
	type rem struct {
		i int
		r decimal.Decimal
	}
	var rems []rem
	var assigned int64
	for i, r := range rows {
		exact := decimal.Zero
		if net != 0 {
			exact = decimal.NewFromInt(vat).Mul(decimal.NewFromInt(r.net)).Div(decimal.NewFromInt(net))
		}
		shares[i] = exact.Truncate(0).IntPart()
		assigned += shares[i]
		rems = append(rems, rem{i, exact.Sub(exact.Truncate(0)).Abs()})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r.GreaterThan(rems[b].r) })
	left, step := vat-assigned, int64(1)
	if left < 0 {
		left, step = -left, -1
	}
	for k := int64(0); k < left; k++ {
		shares[rems[int(k)%len(rems)].i] += step
	}
	for i, r := range rows {
		r.gross = r.net + shares[i]
	}
}

// solveGross searches gross amounts within three øre of each row's exact
// gross (and, with extra, one more posting of up to ±12 øre) whose sum is
// the rate's gross and whose Tripletex nets sum to the rate's net. It sets
// them and reports whether it found any.
func solveGross(rows []*salesRow, rate decimal.Decimal, vat int64, extra bool) bool {
	type state struct{ dg, dn int64 }
	type path struct {
		score int
		gross []int64
	}
	var net int64
	type slot struct{ net, base, lo, hi int64 }
	var slots []slot
	for _, r := range rows {
		net += r.net
		b := decimal.NewFromInt(r.net).Mul(decimal.NewFromInt(100).Add(rate)).Div(decimal.NewFromInt(100)).Round(0).IntPart()
		slots = append(slots, slot{net: r.net, base: b, lo: -3, hi: 3})
	}
	if extra {
		slots = append(slots, slot{lo: -12, hi: 12})
	}
	var sumBase int64
	for _, sl := range slots {
		sumBase += sl.base
	}
	target := state{dg: net + vat - sumBase}
	paths := map[state]path{{}: {}}
	for _, sl := range slots {
		next := map[state]path{}
		for st, pa := range paths {
			for off := sl.lo; off <= sl.hi; off++ {
				g := sl.base + off
				dn := tripletexNet(g, rate) - sl.net
				ns := state{st.dg + off, st.dn + dn}
				score := pa.score
				if dn == 0 {
					score++
				}
				if old, seen := next[ns]; !seen || score > old.score {
					next[ns] = path{score: score, gross: append(append([]int64(nil), pa.gross...), g)}
				}
			}
		}
		paths = next
	}
	best, ok := paths[target]
	if !ok {
		return false
	}
	for i, r := range rows {
		r.gross = best.gross[i]
	}
	if extra {
		largest := 0
		for i, r := range rows {
			if abs(r.net) > abs(rows[largest].net) {
				largest = i
			}
		}
		rows[largest].extra = best.gross[len(rows)]
	}
	return true
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// postingVATType is the VAT type a posting at rate on a takes: the locked
// type (which must have the rate); else one of the account's legal types
// with the rate (any type when it lists none): for a sale (sales) an
// active outgoing type first, otherwise code 0 ("no VAT treatment") first;
// then the account's default type; then the lowest code.
func (co *company) postingVATType(a *account, rate decimal.Decimal, sales bool) (*vatType, error) {
	if a.VatLocked && a.VatType != nil {
		v := co.vatByID[a.VatType.ID]
		if v == nil || !v.Percentage.Equal(rate) {
			name := strconv.FormatInt(a.VatType.ID, 10)
			if v != nil {
				name = v.Number + " (" + v.Percentage.String() + "%)"
			}
			return nil, fmt.Errorf("account %d %s is locked to VAT code %s in Tripletex and cannot take %s%%", a.Number, a.Name, name, rate.String())
		}
		return v, nil
	}
	var cands []*vatType
	if len(a.LegalVatTypes) > 0 {
		for _, r := range a.LegalVatTypes {
			if v := co.vatByID[r.ID]; v != nil && v.Percentage.Equal(rate) {
				cands = append(cands, v)
			}
		}
	} else {
		for i := range co.vatTypes {
			if co.vatTypes[i].Percentage.Equal(rate) {
				cands = append(cands, &co.vatTypes[i])
			}
		}
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("account %d %s takes no Tripletex VAT code of %s%%", a.Number, a.Name, rate.String())
	}
	def := int64(-1)
	if a.VatType != nil {
		def = a.VatType.ID
	}
	score := func(v *vatType) int {
		s := 0
		if sales && !co.outgoing[v.ID] || !sales && v.Number != "0" {
			s += 2
		}
		if v.ID != def {
			s++
		}
		return s
	}
	sort.SliceStable(cands, func(i, j int) bool {
		si, sj := score(cands[i]), score(cands[j])
		if si != sj {
			return si < sj
		}
		return codeLess(cands[i].Number, cands[j].Number)
	})
	return cands[0], nil
}
