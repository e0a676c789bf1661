package sie

import (
	"fmt"
	"sort"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// FromVouchers returns base with vouchers appended as #VER records of
// series, unnumbered (an import file lets the importing program number
// them), and a #KONTO for every account they use that base does not
// declare, named from names (an empty name when names lacks it). Accounts
// are sorted by number.
//
// Each voucher becomes one #VER dated v.Date with its description as text
// (its ExternalRef when it has none): a day voucher's description names
// the location and the day in the merchant's language, which is what the
// importer's voucher list should show. Each posting becomes a #TRANS with
// the posting's description as text. VAT codes and customer ids have no place in a SIE
// #TRANS and are dropped. The file's #VALUTA is the vouchers' currency.
//
// Errors: invalid naming "vouchers[i]..." for a voucher that fails
// core.Voucher.Validate or whose currency differs from the others' or from
// base.Currency.
func FromVouchers(base File, series string, vouchers []core.Voucher, names map[string]string) (File, error) {
	var errs []core.FieldError
	currency := base.Currency
	for i, v := range vouchers {
		at := fmt.Sprintf("vouchers[%d]", i)
		if err := v.Validate(); err != nil {
			for _, fe := range core.AsError(err).Fields {
				errs = append(errs, core.FieldError{Field: at + "." + fe.Field, Message: fe.Message})
			}
			continue
		}
		if currency == "" {
			currency = v.Currency
		} else if v.Currency != currency {
			errs = append(errs, core.FieldError{Field: at + ".currency", Message: fmt.Sprintf("is %s; a SIE file has one currency, %s", v.Currency, currency)})
		}
	}
	if err := core.Invalid("cannot export the vouchers as SIE", errs...); err != nil {
		return File{}, err
	}
	out := base
	out.Currency = currency
	out.Vouchers = append([]Voucher(nil), base.Vouchers...)
	declared := map[string]bool{}
	out.Accounts = append([]Account(nil), base.Accounts...)
	for _, a := range out.Accounts {
		declared[a.Number] = true
	}
	for _, v := range vouchers {
		ver := Voucher{Series: series, Date: v.Date, Text: voucherText(v)}
		for _, p := range v.Postings {
			ver.Transactions = append(ver.Transactions, Transaction{Account: p.Account, Amount: p.Amount, Text: p.Description})
			if !declared[p.Account] {
				declared[p.Account] = true
				out.Accounts = append(out.Accounts, Account{Number: p.Account, Name: names[p.Account]})
			}
		}
		out.Vouchers = append(out.Vouchers, ver)
	}
	sort.SliceStable(out.Accounts, func(i, j int) bool {
		a, b := out.Accounts[i].Number, out.Accounts[j].Number
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	return out, nil
}

func voucherText(v core.Voucher) string {
	if v.Description == "" {
		return v.ExternalRef
	}
	return v.Description
}
