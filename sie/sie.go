// Package sie reads and writes SIE 4 files (type 4: vouchers), the Swedish
// standard for moving bookkeeping between programs ("SIE filformat, Utgåva
// 4B", SIE-Gruppen 2008-09-30; notes in research/nordic-rules.md §4).
//
// Files are written in IBM PC 8-bit code page 437 (#FORMAT PC8, the only
// format the standard allows), with LF line ends, amounts in kronor with a
// decimal point and two decimals, and optionally the #KSUMMA CRC-32
// checksum. Reading is tolerant as the standard asks: unknown records and
// extra trailing fields are ignored, CR before LF is accepted, and a file
// that is valid UTF-8 (many programs write UTF-8 while declaring PC8) is
// decoded as UTF-8. Money is int64 minor units throughout; no float.
package sie

import (
	"fmt"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// What Write produces: a type 4I file, vouchers for import into an
// accounting program. A 4E file (export, with #RAR, #IB, #UB and #RES)
// is named .se; a 4I file .si.
const (
	// Extension is a 4I file's file name extension.
	Extension = ".si"
	// ContentType is the media type of a SIE file: plain text in code
	// page 437, the only character set the standard allows (#FORMAT PC8).
	ContentType = "text/plain; charset=IBM437"
	// ImportComment is the #PROSA (free comment) record Write adds: it
	// says in Swedish, the standard's language, that the file is a 4I
	// import file of vouchers without balances.
	ImportComment = "SIE typ 4I: verifikationer för import, utan saldon"
)

// File is the content of a SIE 4 file that ledgerbridge reads and writes:
// the identification records, the chart of accounts and the vouchers.
// Balances (#IB, #UB, #RES, #PSALDO), dimensions and objects other than a
// transaction's object list are ignored on reading and never written.
type File struct {
	// Flag is #FLAGGA: 0 when written; an importing program sets it to 1
	// after a successful import, which stops a second import.
	Flag int `json:"flag"`
	// Program and ProgramVersion are #PROGRAM: who wrote the file.
	Program        string `json:"program"`
	ProgramVersion string `json:"program_version"`
	// Generated and GeneratedBy are #GEN: the date written and who did.
	Generated   core.Date `json:"generated"`
	GeneratedBy string    `json:"generated_by,omitempty"`
	// CompanyName is #FNAMN, the legal name; CompanyID is #FNR, the
	// exporting program's own company code.
	CompanyName string `json:"company_name"`
	CompanyID   string `json:"company_id,omitempty"`
	// OrgNumber is #ORGNR, written NNNNNN-NNNN for Swedish companies.
	OrgNumber string `json:"org_number,omitempty"`
	// FiscalYears are #RAR: index 0 is the current year, -1 the previous.
	FiscalYears []FiscalYear `json:"fiscal_years,omitempty"`
	// ChartType is #KPTYP (EUBAS97, BAS95, BAS96, NE2007).
	ChartType string `json:"chart_type,omitempty"`
	// Currency is #VALUTA; empty means SEK.
	Currency core.Currency `json:"currency,omitempty"`
	// Accounts are #KONTO records: the accounts the vouchers use.
	Accounts []Account `json:"accounts,omitempty"`
	// Vouchers are #VER records with their #TRANS rows.
	Vouchers []Voucher `json:"vouchers,omitempty"`
	// Checksum: Write adds #KSUMMA; Read sets it when the file carried one
	// (and then has verified it).
	Checksum bool `json:"checksum"`
}

// FiscalYear is one #RAR record.
type FiscalYear struct {
	Index int       `json:"index"`
	Start core.Date `json:"start"`
	End   core.Date `json:"end"`
}

// Account is one #KONTO record.
type Account struct {
	Number string `json:"number"`
	Name   string `json:"name"`
}

// Voucher is one #VER record. In an import file (4I) Series and Number
// may be empty: the importing program assigns them.
type Voucher struct {
	Series       string        `json:"series"`
	Number       string        `json:"number"`
	Date         core.Date     `json:"date"`
	Text         string        `json:"text"`
	RegDate      core.Date     `json:"reg_date,omitempty"`
	Transactions []Transaction `json:"transactions"`
}

// Transaction is one #TRANS row: Amount > 0 debits the account, < 0
// credits it. Date and Text are optional. #RTRANS and #BTRANS rows
// (corrections) are not kept: a #RTRANS is repeated as a #TRANS, and a
// #BTRANS is a removed row.
type Transaction struct {
	Account string    `json:"account"`
	Objects []Object  `json:"objects,omitempty"`
	Amount  int64     `json:"amount"`
	Date    core.Date `json:"date,omitempty"`
	Text    string    `json:"text,omitempty"`
}

// Object is one dimension/object pair of a transaction's object list, such
// as cost centre ("1", "Nord").
type Object struct {
	Dimension string `json:"dimension"`
	ID        string `json:"id"`
}

// Sum returns the sum of the voucher's transactions; a voucher balances
// when it is zero.
func (v Voucher) Sum() int64 {
	var s int64
	for _, t := range v.Transactions {
		s += t.Amount
	}
	return s
}

// Validate checks what the standard requires of a type 4 file: the
// mandatory identification (#PROGRAM, #GEN, #FNAMN), well-formed dates and
// account numbers, and that every voucher's transactions sum to zero. It
// returns nil or a *core.Error with code invalid naming each bad field, for
// example "vouchers[12]" for an unbalanced voucher.
func (f File) Validate() error {
	var errs []core.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, core.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if f.Flag != 0 && f.Flag != 1 {
		add("flag", "must be 0 or 1")
	}
	if strings.TrimSpace(f.Program) == "" {
		add("program", "is required (#PROGRAM)")
	}
	if !f.Generated.Valid() {
		add("generated", "must be a date (#GEN)")
	}
	if strings.TrimSpace(f.CompanyName) == "" {
		add("company_name", "is required (#FNAMN)")
	}
	if f.Currency != "" && !f.Currency.Valid() {
		add("currency", "must be an ISO 4217 code")
	}
	for i, y := range f.FiscalYears {
		at := fmt.Sprintf("fiscal_years[%d]", i)
		if y.Index > 0 {
			add(at+".index", "must be 0 (current year) or negative (earlier years)")
		}
		if !y.Start.Valid() || !y.End.Valid() || y.End < y.Start {
			add(at, "needs a start and an end date, the end not before the start")
		}
	}
	for i, a := range f.Accounts {
		if !validAccount(a.Number) {
			add(fmt.Sprintf("accounts[%d].number", i), "must be an account number without blanks, quotes or braces")
		}
	}
	for i, v := range f.Vouchers {
		at := fmt.Sprintf("vouchers[%d]", i)
		if !v.Date.Valid() {
			add(at+".date", "must be a date")
		}
		if v.RegDate != "" && !v.RegDate.Valid() {
			add(at+".reg_date", "must be a date")
		}
		for j, t := range v.Transactions {
			tat := fmt.Sprintf("%s.transactions[%d]", at, j)
			if !validAccount(t.Account) {
				add(tat+".account", "must be an account number without blanks, quotes or braces")
			}
			if t.Date != "" && !t.Date.Valid() {
				add(tat+".date", "must be a date")
			}
			if t.Amount > maxAmount || t.Amount < -maxAmount {
				add(tat+".amount", "is out of range")
			}
			for k, o := range t.Objects {
				if o.Dimension == "" || o.ID == "" {
					add(fmt.Sprintf("%s.objects[%d]", tat, k), "needs a dimension and an object id")
				}
			}
		}
		if len(v.Transactions) <= maxTransactions {
			if s := v.Sum(); s != 0 {
				add(at, "voucher %s %s of %s does not balance: its transactions sum to %s", quoteEmpty(v.Series), quoteEmpty(v.Number), v.Date, formatAmount(s))
			}
		} else {
			add(at+".transactions", "must be at most %d", maxTransactions)
		}
	}
	return core.Invalid("invalid SIE file", errs...)
}

// Bounds that keep a voucher's sum inside int64: 10^12 kronor per row,
// 10,000 rows per voucher.
const (
	maxAmount       = int64(1e14)
	maxTransactions = 10000
)

// validAccount accepts what can be written as one bare field. BAS and
// NS 4102 accounts are digits, but published files also carry accounts such
// as "FEL" and "DIFF" (SoftOne's Sie4.se), so only the shape is checked.
func validAccount(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c == 127 || c == '"' || c == '{' || c == '}' {
			return false
		}
	}
	return true
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
