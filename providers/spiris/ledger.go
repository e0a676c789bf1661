package spiris

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// fiscalYearFor returns the fiscal year containing date. Errors: CodeInvalid
// naming field when there is none (a merchant-readable message).
func (p *Provider) fiscalYearFor(ctx context.Context, conn core.Connection, date core.Date, field string) (apiFiscalYear, error) {
	years, err := listAll[apiFiscalYear](ctx, p, conn, "/fiscalyears", nil)
	if err != nil {
		return apiFiscalYear{}, err
	}
	for _, fy := range years {
		start, end := apiDate(&fy.StartDate), apiDate(&fy.EndDate)
		if start != "" && end != "" && start <= date && date <= end {
			return fy, nil
		}
	}
	msg := fmt.Sprintf("there is no fiscal year in Visma Spiris for %s; create the fiscal year in Visma Spiris and try again", date)
	return apiFiscalYear{}, &core.Error{Code: core.CodeInvalid, Message: msg, Fields: []core.FieldError{{Field: field, Message: msg}}}
}

// vatCodes lists the VAT codes valid on date.
func (p *Provider) vatCodes(ctx context.Context, conn core.Connection, date core.Date) ([]apiVatCode, error) {
	return listAll[apiVatCode](ctx, p, conn, "/vatcodes", url.Values{"vatRateDate": {string(date)}})
}

func vatCodeName(v apiVatCode) string {
	if c := str(v.Code); c != "" {
		return c
	}
	return v.Id
}

// ListLedgerAccounts returns the accounts of the fiscal year containing the
// merchant's today. An account linked to a VAT code reports that code as
// LockedVATCode: vouchers are posted with useDefaultVatCodes, so Spiris tags
// every row with its account's code. Accounts blocked for manual booking
// are reported inactive (the sales export cannot post to them). Errors:
// CodeInvalid naming date when no fiscal year contains today;
// CodeUnauthorized, CodeUnavailable, CodeProviderError.
func (p *Provider) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	today := p.today(conn)
	fy, err := p.fiscalYearFor(ctx, conn, today, "date")
	if err != nil {
		return nil, err
	}
	accounts, err := listAll[apiAccount](ctx, p, conn, "/accounts/"+url.PathEscape(fy.Id), nil)
	if err != nil {
		return nil, err
	}
	codes, err := p.vatCodes(ctx, conn, today)
	if err != nil {
		return nil, err
	}
	byID := map[string]string{}
	for _, v := range codes {
		byID[strings.ToLower(v.Id)] = vatCodeName(v)
	}
	out := make([]core.LedgerAccount, 0, len(accounts))
	for _, a := range accounts {
		la := core.LedgerAccount{Number: a.Number, Name: a.Name, Active: a.IsActive && !a.IsBlockedForManualBooking}
		if a.VatCodeId != nil {
			la.LockedVATCode = byID[strings.ToLower(*a.VatCodeId)]
		}
		out = append(out, la)
	}
	return out, nil
}

// CreateLedgerAccount adds a to the chart of the fiscal year containing the
// merchant's today (POST /accounts, active, Spiris choosing its account
// type) and returns it as ListLedgerAccounts lists it. Errors: CodeConflict
// naming number when the year has it; CodeInvalid naming number or name
// as Spiris refuses them (the number must have the company's account
// digits), or date when no fiscal year contains today; CodeUnauthorized,
// CodeUnavailable, CodeProviderError. A write whose answer was lost is
// looked up before it is reported.
func (p *Provider) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	if err := checkConn(conn); err != nil {
		return core.LedgerAccount{}, err
	}
	fy, err := p.fiscalYearFor(ctx, conn, p.today(conn), "date")
	if err != nil {
		return core.LedgerAccount{}, err
	}
	fields := func(f string) string {
		switch f {
		case "Number":
			return "number"
		case "Name":
			return "name"
		}
		return f
	}
	body := map[string]any{"Name": a.Name, "Number": a.Number, "FiscalYearId": fy.Id, "IsActive": true}
	var created apiAccount
	_, err = p.call(ctx, conn, request{method: http.MethodPost, path: "/accounts", body: body, fields: fields}, &created)
	if err != nil {
		if !outcomeUnknown(err) {
			return core.LedgerAccount{}, err
		}
		var found apiAccount
		if _, ferr := p.call(ctx, conn, request{method: http.MethodGet,
			path: "/accounts/" + url.PathEscape(fy.Id) + "/" + url.PathEscape(a.Number)}, &found); ferr != nil || found.Number != a.Number {
			return core.LedgerAccount{}, err
		}
		created = found
	}
	return core.LedgerAccount{Number: created.Number, Name: created.Name, Active: created.IsActive && !created.IsBlockedForManualBooking}, nil
}

// ListVATCodes returns the VAT codes valid today: Code is Spiris's code
// (its id when it has none), Name its description, Rate its percentage,
// Account its first related account (the VAT account, 2611 for MP1), to
// which Spiris locks the code: output VAT posted there with
// useDefaultVatCodes carries the code, as Spiris's own invoices do.
// Errors: CodeUnauthorized, CodeUnavailable, CodeProviderError.
func (p *Provider) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	codes, err := p.vatCodes(ctx, conn, p.today(conn))
	if err != nil {
		return nil, err
	}
	out := make([]core.VATCode, 0, len(codes))
	for _, v := range codes {
		c := core.VATCode{Code: vatCodeName(v), Name: str(v.Description), Rate: percent(v.VatRate.Decimal)}
		if n := v.RelatedAccounts.AccountNumber1; n != nil && *n > 0 {
			c.Account = strconv.FormatInt(*n, 10)
		}
		out = append(out, c)
	}
	return out, nil
}

// ListPaymentTypes returns Spiris's terms of payment available for sales,
// the nearest Spiris notion of a "payment type" a sale can be made on
// (ID = the terms' id, Name = their Swedish name). They carry no ledger
// account: Spiris books invoices on 1510 and payments on the bank account
// they are registered to, and the sales export's payment accounts are chosen
// from ListLedgerAccounts, so AccountNumber is empty. Bank accounts
// (/bankaccounts) would need the ea:purchase scope. Errors: CodeUnauthorized,
// CodeUnavailable, CodeProviderError.
func (p *Provider) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	terms, err := listAll[apiTerms](ctx, p, conn, "/termsofpayments", nil)
	if err != nil {
		return nil, err
	}
	var out []core.PaymentType
	for _, t := range terms {
		if !t.AvailableForSales {
			continue
		}
		name := str(t.Name)
		if name == "" {
			name = str(t.NameEnglish)
		}
		out = append(out, core.PaymentType{ID: t.Id, Name: name})
	}
	return out, nil
}

// Voucher texts (VoucherApi, VoucherRowApi).
const (
	maxVoucherText     = 1000
	maxTransactionText = 60
)

// voucherMarker is the reference the export writes at the end of VoucherText
// and searches for: "[<ExternalRef>]", or "[lb:<sha256 prefix>]" for a
// reference longer than 200 characters.
func voucherMarker(ref string) string {
	if utf8.RuneCountInString(ref) > 200 {
		sum := sha256.Sum256([]byte(ref))
		ref = "lb:" + hex.EncodeToString(sum[:])[:40]
	}
	return "[" + ref + "]"
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

var postingFieldRE = regexp.MustCompile(`^Rows\[(\d+)\](.*)$`)

// findVoucher searches the fiscal year's vouchers of date for the marker.
func (p *Provider) findVoucher(ctx context.Context, conn core.Connection, fyID string, date core.Date, marker string) (*apiVoucher, error) {
	q := url.Values{"$filter": {"VoucherDate eq " + string(date) + " and contains(VoucherText," + odataString(marker) + ")"}}
	found, err := listAll[apiVoucher](ctx, p, conn, "/vouchers/"+url.PathEscape(fyID), q)
	if err != nil {
		return nil, err
	}
	for i := range found {
		if strings.HasSuffix(found[i].VoucherText, marker) {
			return &found[i], nil
		}
	}
	return nil, nil
}

func (p *Provider) recordVoucher(ctx context.Context, merchantID, ref, fyID string, v apiVoucher) error {
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO vouchers (merchant_id, external_ref, voucher_id, fiscal_year_id, number, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, merchantID, ref, v.Id, fyID, str(v.NumberAndNumberSeries), sqlite.FormatTime(p.now()))
		return err
	})
	return dbError("record voucher", err)
}

// ExportSales books v as one manual voucher (POST /vouchers with
// useDefaultVatCodes=true and useAutomaticVatCalculation=false: the VAT rows
// are v's own postings, and Spiris tags each row with its account's VAT
// code, so Posting.VATCode is not sent). Each posting is a row with its
// amount on the debit (Amount > 0) or credit (Amount < 0) side, ≥ 0 with two
// decimals; zero postings are left out; TransactionText is the posting's
// description cut to 60 characters; VoucherText is v.Description followed by
// "[<ExternalRef>]", at most 1000 characters.
//
// Idempotent on v.ExternalRef: the plugin's record of the reference, else a
// voucher of that date in Spiris whose VoucherText ends with the marker
// ($filter on VoucherDate and VoucherText), is returned with AlreadyExisted
// and nothing is booked. The same search runs after a post whose answer was
// lost. ProviderRef is the Spiris voucher id.
//
// Errors: CodeInvalid for an invalid or unbalanced voucher, a non-numeric
// account (postings[i].account), a currency other than the merchant's, a
// date without a fiscal year or in a locked period ("the accounting period
// for 2024-03-31 is locked in Visma Spiris; unlock it or choose a later
// start date"), an account Spiris lacks or blocks; CodeUnauthorized;
// CodeRateLimited; CodeUnavailable (safe to retry); CodeProviderError.
func (p *Provider) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	if err := checkConn(conn); err != nil {
		return core.ExportResult{}, err
	}
	if err := v.Validate(); err != nil {
		return core.ExportResult{}, err
	}
	var errs []core.FieldError
	if conn.Currency != "" && v.Currency != conn.Currency {
		errs = append(errs, core.FieldError{Field: "currency", Message: "must be the company's currency " + string(conn.Currency)})
	}
	var rows []apiVoucherRow
	var rowPosting []int
	for i, ps := range v.Postings {
		n, err := strconv.ParseInt(strings.TrimSpace(ps.Account), 10, 64)
		if err != nil || n < 1 || n > 9999999999 {
			errs = append(errs, core.FieldError{Field: fmt.Sprintf("postings[%d].account", i), Message: "must be a Visma Spiris account number"})
			continue
		}
		if ps.Amount == 0 {
			continue
		}
		row := apiVoucherRow{AccountNumber: n, DebitAmount: fromMinor(0), CreditAmount: fromMinor(0)}
		if ps.Amount > 0 {
			row.DebitAmount = fromMinor(ps.Amount)
		} else {
			row.CreditAmount = fromMinor(-ps.Amount)
		}
		if d := strings.TrimSpace(ps.Description); d != "" {
			row.TransactionText = ptr(truncate(d, maxTransactionText))
		}
		rows = append(rows, row)
		rowPosting = append(rowPosting, i)
	}
	if len(errs) == 0 && len(rows) < 2 {
		errs = append(errs, core.FieldError{Field: "postings", Message: "needs at least two rows with an amount"})
	}
	if err := core.Invalid("invalid voucher", errs...); err != nil {
		return core.ExportResult{}, err
	}

	rec, err := p.voucherRecord(ctx, conn.MerchantID, v.ExternalRef)
	if err != nil || rec != "" {
		return core.ExportResult{ProviderRef: rec, AlreadyExisted: rec != ""}, err
	}
	fy, err := p.fiscalYearFor(ctx, conn, v.Date, "date")
	if err != nil {
		return core.ExportResult{}, err
	}
	marker := voucherMarker(v.ExternalRef)
	if found, err := p.findVoucher(ctx, conn, fy.Id, v.Date, marker); err != nil {
		return core.ExportResult{}, err
	} else if found != nil {
		if err := p.recordVoucher(ctx, conn.MerchantID, v.ExternalRef, fy.Id, *found); err != nil {
			return core.ExportResult{}, err
		}
		return core.ExportResult{ProviderRef: found.Id, AlreadyExisted: true}, nil
	}
	lockedReq := request{date: v.Date, dateField: "date"}
	if fy.IsLockedForAccounting {
		return core.ExportResult{}, dateError(lockedReq, "the accounting period for %s is locked in Visma Spiris; unlock it or choose a later start date", "fiscal year "+fy.StartDate[:min(10, len(fy.StartDate))]+" is locked")
	}
	text := strings.TrimSpace(v.Description)
	text = truncate(text, maxVoucherText-utf8.RuneCountInString(marker)-1)
	if text != "" {
		text += " "
	}
	body := apiVoucher{VoucherDate: string(v.Date), VoucherText: text + marker, Rows: rows}
	fields := func(f string) string {
		if m := postingFieldRE.FindStringSubmatch(f); m != nil {
			k, _ := strconv.Atoi(m[1])
			if k < len(rowPosting) {
				switch m[2] {
				case ".AccountNumber":
					return fmt.Sprintf("postings[%d].account", rowPosting[k])
				case ".DebitAmount", ".CreditAmount":
					return fmt.Sprintf("postings[%d].amount", rowPosting[k])
				}
				return fmt.Sprintf("postings[%d]", rowPosting[k])
			}
		}
		switch f {
		case "VoucherDate":
			return "date"
		case "VoucherText":
			return "description"
		}
		return f
	}
	query := url.Values{"useAutomaticVatCalculation": {"false"}, "useDefaultVatCodes": {"true"}}
	var created apiVoucher
	_, err = p.call(ctx, conn, request{method: http.MethodPost, path: "/vouchers", query: query, body: body, fields: fields,
		date: v.Date, dateField: "date"}, &created)
	if err != nil {
		if !outcomeUnknown(err) {
			return core.ExportResult{}, err
		}
		// The answer was lost: the voucher may be booked. Look before the
		// caller retries.
		found, ferr := p.findVoucher(ctx, conn, fy.Id, v.Date, marker)
		if ferr != nil || found == nil {
			return core.ExportResult{}, err
		}
		created = *found
	}
	if err := p.recordVoucher(ctx, conn.MerchantID, v.ExternalRef, fy.Id, created); err != nil {
		return core.ExportResult{}, err
	}
	return core.ExportResult{ProviderRef: created.Id}, nil
}

// voucherRecord is the Spiris voucher id recorded for ref, "" when none.
func (p *Provider) voucherRecord(ctx context.Context, merchantID, ref string) (string, error) {
	var id string
	err := p.db.Reader().GetContext(ctx, &id, `SELECT voucher_id FROM vouchers WHERE merchant_id = ? AND external_ref = ?`, merchantID, ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", dbError("read voucher record", err)
	}
	return id, nil
}
