package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Name is the provider name the plugin reports; the operator's
// configuration must use the same.
const Name = "journal"

// journal books vouchers into <dir>/<merchant>.journal and keeps each
// merchant's chart in <dir>/<merchant>.accounts, both in the ledger
// format. One process serves every merchant; mu serialises the appends so
// the idempotency check and the write are one step.
type journal struct {
	core.Unsupported

	dir string
	mu  sync.Mutex
}

func newJournal(dir string) *journal { return &journal{dir: dir} }

var _ core.Provider = (*journal)(nil)

// Describe says what the journal can do: book sales and keep a chart.
func (j *journal) Describe(context.Context) (core.Descriptor, error) {
	return core.Descriptor{
		Name: Name, DisplayName: "Journal file (example)", Version: "1.0.0",
		Auth:         core.AuthScheme{Type: core.AuthNone},
		Capabilities: core.Capabilities{SalesExport: true, LedgerAccounts: true},
	}, nil
}

// VerifyConnection checks the merchant, the country and that the journal
// directory is writable. Errors: CodeInvalid naming merchant_id or country;
// CodeUnavailable when JOURNAL_DIR is unset or not writable (the
// operator's to fix, not the merchant's).
func (j *journal) VerifyConnection(_ context.Context, conn core.Connection) error {
	if err := j.check(conn); err != nil {
		return err
	}
	f, err := os.CreateTemp(j.dir, ".verify-*")
	if err != nil {
		return core.Errorf(core.CodeUnavailable, "the journal directory cannot be written: %v", err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// merchantFile keeps a merchant id to a safe file name.
var merchantFile = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

func (j *journal) check(conn core.Connection) error {
	if j.dir == "" {
		return core.Errorf(core.CodeUnavailable, "the journal plugin has no JOURNAL_DIR; set it in the plugin's env in the gateway configuration")
	}
	var errs []core.FieldError
	if !merchantFile.MatchString(conn.MerchantID) {
		errs = append(errs, core.FieldError{Field: "merchant_id", Message: "must be 1-100 letters, digits, '-' or '_'"})
	}
	if !conn.Country.Valid() {
		errs = append(errs, core.FieldError{Field: "country", Message: "must be SE or NO"})
	}
	return core.Invalid("invalid connection", errs...)
}

func (j *journal) path(conn core.Connection, ext string) string {
	return filepath.Join(j.dir, conn.MerchantID+ext)
}

// accountLine is a ledger account directive: "account 1910  ; Kassa".
var accountLine = regexp.MustCompile(`^account\s+(\d+)\s*(?:;\s*(.*))?$`)

// ListLedgerAccounts returns the merchant's chart: the account directives
// of its accounts file, by number. A merchant without one has an empty
// chart; CreateLedgerAccount adds to it. Errors: CodeInvalid (connection),
// CodeUnavailable (the file cannot be read).
func (j *journal) ListLedgerAccounts(_ context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := j.check(conn); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.chart(conn)
}

func (j *journal) chart(conn core.Connection) ([]core.LedgerAccount, error) {
	f, err := os.Open(j.path(conn, ".accounts"))
	if errors.Is(err, os.ErrNotExist) {
		return []core.LedgerAccount{}, nil
	}
	if err != nil {
		return nil, core.Errorf(core.CodeUnavailable, "reading the chart: %v", err)
	}
	defer f.Close()
	var out []core.LedgerAccount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := accountLine.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			out = append(out, core.LedgerAccount{Number: m[1], Name: m[2], Active: true})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, core.Errorf(core.CodeUnavailable, "reading the chart: %v", err)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Number < out[b].Number })
	return out, nil
}

// CreateLedgerAccount adds an account directive to the merchant's chart.
// Errors: CodeInvalid (connection, number, name: core.ValidateNewLedgerAccount),
// CodeConflict naming number when the chart has it, CodeUnavailable.
func (j *journal) CreateLedgerAccount(_ context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	if err := j.check(conn); err != nil {
		return core.LedgerAccount{}, err
	}
	a, err := core.ValidateNewLedgerAccount(a)
	if err != nil {
		return core.LedgerAccount{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	chart, err := j.chart(conn)
	if err != nil {
		return core.LedgerAccount{}, err
	}
	for _, acc := range chart {
		if acc.Number == a.Number {
			return core.LedgerAccount{}, &core.Error{Code: core.CodeConflict, Message: "the account exists",
				Fields: []core.FieldError{{Field: "number", Message: "is in the chart already"}}}
		}
	}
	name := strings.Join(strings.Fields(a.Name), " ")
	if err := appendFile(j.path(conn, ".accounts"), fmt.Sprintf("account %s  ; %s\n", a.Number, name)); err != nil {
		return core.LedgerAccount{}, err
	}
	return core.LedgerAccount{Number: a.Number, Name: name, Active: true}, nil
}

// ListVATCodes returns one code per legal VAT rate of the country, the
// code being the rate ("25"), which is what the gateway puts on sales
// postings. Errors: CodeInvalid (connection).
func (j *journal) ListVATCodes(_ context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := j.check(conn); err != nil {
		return nil, err
	}
	var out []core.VATCode
	for _, r := range core.VATRates(conn.Country) {
		out = append(out, core.VATCode{Code: r.String(), Name: "VAT " + r.String() + " %", Rate: r})
	}
	return out, nil
}

// refTag marks a transaction with the voucher's external reference.
const refTag = "; ledgerbridge-ref: "

// ExportSales appends v as one transaction to the merchant's journal,
// exactly once per external reference: a voucher whose reference the
// journal holds is answered AlreadyExisted with its transaction number,
// also after a crash between the write and the answer. Errors: CodeInvalid
// (connection, the voucher's own checks, currency), CodeUnavailable.
func (j *journal) ExportSales(_ context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	if err := j.check(conn); err != nil {
		return core.ExportResult{}, err
	}
	if err := v.Validate(); err != nil {
		return core.ExportResult{}, err
	}
	if conn.Currency != "" && v.Currency != conn.Currency {
		return core.ExportResult{}, core.Invalid("invalid voucher",
			core.FieldError{Field: "currency", Message: fmt.Sprintf("is %s, the merchant books in %s", v.Currency, conn.Currency)})
	}
	if strings.ContainsAny(v.ExternalRef, "\r\n") {
		return core.ExportResult{}, core.Invalid("invalid voucher", core.FieldError{Field: "external_ref", Message: "must be one line"})
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	path := j.path(conn, ".journal")
	refs, err := bookedRefs(path)
	if err != nil {
		return core.ExportResult{}, err
	}
	if n, ok := refs[v.ExternalRef]; ok {
		return core.ExportResult{ProviderRef: n, AlreadyExisted: true}, nil
	}
	number := fmt.Sprintf("J%06d", len(refs)+1)
	if err := appendFile(path, transaction(number, v)); err != nil {
		return core.ExportResult{}, err
	}
	return core.ExportResult{ProviderRef: number}, nil
}

// transaction writes v in the ledger format:
//
//	2026-12-07 * (J000001) Dagskassa …
//	    ; ledgerbridge-ref: exp-…
//	    1910    -1000.00 SEK  ; Kontant
//	    3001      800.00 SEK
func transaction(number string, v core.Voucher) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s * (%s) %s\n", v.Date, number, oneLine(v.Description))
	fmt.Fprintf(&b, "    %s%s\n", refTag, v.ExternalRef)
	for _, p := range v.Postings {
		amount := decimal.New(p.Amount, -2).StringFixed(2)
		fmt.Fprintf(&b, "    %-10s %14s %s", p.Account, amount, v.Currency)
		if d := oneLine(p.Description); d != "" {
			fmt.Fprintf(&b, "  ; %s", d)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// bookedRefs maps every booked external reference of a journal to its
// transaction number.
func bookedRefs(path string) (map[string]string, error) {
	refs := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return refs, nil
	}
	if err != nil {
		return nil, core.Errorf(core.CodeUnavailable, "reading the journal: %v", err)
	}
	defer f.Close()
	number := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i, k := strings.Index(line, "* ("), strings.Index(line, ")"); i > 0 && k > i {
			number = line[i+3 : k]
		}
		if ref, ok := strings.CutPrefix(strings.TrimSpace(line), refTag); ok {
			refs[ref] = number
		}
	}
	if err := sc.Err(); err != nil {
		return nil, core.Errorf(core.CodeUnavailable, "reading the journal: %v", err)
	}
	return refs, nil
}

// appendFile appends text and syncs it to disk before returning, so a
// voucher answered as booked survives a crash.
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return core.Errorf(core.CodeUnavailable, "opening %s: %v", filepath.Base(path), err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return core.Errorf(core.CodeUnavailable, "writing %s: %v", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return core.Errorf(core.CodeUnavailable, "syncing %s: %v", filepath.Base(path), err)
	}
	return f.Close()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
