package spiristest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ---- state inspection and knobs ----

// FiscalYears returns the fiscal years, oldest first.
func (s *Server) FiscalYears() []FiscalYear {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FiscalYear, 0, len(s.fiscalYears))
	for _, fy := range s.fiscalYears {
		out = append(out, *fy)
	}
	return out
}

// AddFiscalYear adds a fiscal year (with the BAS chart) and returns it.
func (s *Server) AddFiscalYear(start, end time.Time) FiscalYear {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addFiscalYearLocked(dayOf(start), dayOf(end))
}

// SetFiscalYearLocked sets IsLockedForAccounting on the fiscal year that
// contains date; it reports whether there was one.
func (s *Server) SetFiscalYearLocked(date time.Time, locked bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	fy := s.fiscalYearFor(dayOf(date))
	if fy != nil {
		fy.IsLockedForAccounting = locked
	}
	return fy != nil
}

// LockAccountingTo locks bookkeeping up to and including date
// (CompanySettings.AccountingLockedTo); vouchers and invoices dated on or
// before it are refused with 4026.
func (s *Server) LockAccountingTo(date time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lockedTo = dayOf(date)
}

// SetAccountBlocked marks an account of every fiscal year as blocked for
// manual booking (vouchers posting to it are refused).
func (s *Server) SetAccountBlocked(number int64, blocked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, accs := range s.accounts {
		for _, a := range accs {
			if a.Number == strconv.FormatInt(number, 10) {
				a.IsBlockedForManualBooking = blocked
			}
		}
	}
}

// Vouchers returns every voucher (manual and those booked by invoices),
// oldest first.
func (s *Server) Vouchers() []Voucher {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vouchersLocked()
}

// vouchersLocked is Vouchers with s.mu held.
func (s *Server) vouchersLocked() []Voucher {
	out := make([]Voucher, 0, len(s.vouchers))
	for _, v := range s.vouchers {
		cp := *v
		cp.Rows = slices.Clone(v.Rows)
		out = append(out, cp)
	}
	return out
}

// VatCodes returns the seeded VAT codes.
func (s *Server) VatCodes() []VatCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]VatCode, 0, len(s.vatCodes))
	for _, v := range s.vatCodes {
		out = append(out, *v)
	}
	return out
}

// ---- company settings ----

func (s *Server) companyView() CompanySettings {
	cs := s.company
	cs.AccountingLockedTo = dateString(s.lockedTo)
	return cs
}

func (s *Server) getCompanySettings(c *reqCtx) (int, any, *apiError) {
	return http.StatusOK, s.companyView(), nil
}

// CompanySettings returns the company settings as the API answers them.
func (s *Server) CompanySettings() CompanySettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.companyView()
}

// ---- fiscal years, accounts, VAT codes ----

func (s *Server) fiscalYearFor(day time.Time) *FiscalYear {
	for _, fy := range s.fiscalYears {
		start, _ := parseDate(fy.StartDate)
		end, _ := parseDate(fy.EndDate)
		if !day.Before(start) && !day.After(end) {
			return fy
		}
	}
	return nil
}

func (s *Server) fiscalYearByID(id string) *FiscalYear {
	return find(s.fiscalYears, func(fy *FiscalYear) bool { return strings.EqualFold(fy.Id, id) })
}

func (s *Server) listFiscalYears(c *reqCtx) (int, any, *apiError) { return list(c, s.fiscalYears) }

func (s *Server) getFiscalYear(c *reqCtx) (int, any, *apiError) {
	fy := s.fiscalYearByID(c.params[0])
	if fy == nil {
		return 0, nil, notFound("FiscalYear")
	}
	return http.StatusOK, fy, nil
}

func (s *Server) listAllAccounts(c *reqCtx) (int, any, *apiError) {
	var all []*Account
	for _, fy := range s.fiscalYears {
		all = append(all, s.accounts[fy.Id]...)
	}
	return list(c, all)
}

func (s *Server) listAccounts(c *reqCtx) (int, any, *apiError) {
	fy := s.fiscalYearByID(c.params[0])
	if fy == nil {
		return 0, nil, notFound("FiscalYear")
	}
	return list(c, s.accounts[fy.Id])
}

// postAccount is POST /accounts: a new account of the fiscal year the body
// names. Number must be digits of the company's AccountNumberDigits and
// not in use in that year (409 Conflict, mock wording modelled on the
// article and customer number conflicts); VatCodeId, when set, must name
// a VAT code.
func (s *Server) postAccount(c *reqCtx) (int, any, *apiError) {
	var a Account
	if err := c.decode(&a); err != nil {
		return 0, nil, err
	}
	fy := s.fiscalYearByID(a.FiscalYearId)
	if fy == nil {
		return 0, nil, refMissing("FiscalYearId", "FiscalYear")
	}
	n, err := strconv.ParseInt(a.Number, 10, 64)
	if err != nil || n <= 0 || len(a.Number) != int(s.company.AccountNumberDigits) {
		return 0, nil, invalid(fmt.Sprintf("The account number must have %d digits.", s.company.AccountNumberDigits), "Number")
	}
	if strings.TrimSpace(a.Name) == "" {
		return 0, nil, invalid("The Name field is required.", "Name")
	}
	if s.accountIn(fy.Id, n) != nil {
		return 0, nil, &apiError{Status: http.StatusConflict, Code: CodeConflict,
			Msg:    "ConflictException - An account with the number " + a.Number + " already exists.",
			Errors: []FieldError{{Field: "Number", ErrorCode: "Conflict", Message: "The account number is already in use."}}}
	}
	if a.VatCodeId != nil {
		vc := s.vatCodeByID(*a.VatCodeId)
		if vc == nil {
			return 0, nil, refMissing("VatCodeId", "VatCode")
		}
		a.VatCodeDescription = vc.Description
	}
	a.FiscalYearId = fy.Id
	a.CreatedUtc, a.ModifiedUtc = utcStamp(c.now), utcStamp(c.now)
	s.accounts[fy.Id] = append(s.accounts[fy.Id], &a)
	slices.SortFunc(s.accounts[fy.Id], func(x, y *Account) int { return strings.Compare(x.Number, y.Number) })
	return http.StatusCreated, &a, nil
}

func (s *Server) accountIn(fyID string, number int64) *Account {
	n := strconv.FormatInt(number, 10)
	return find(s.accounts[fyID], func(a *Account) bool { return a.Number == n })
}

func (s *Server) getAccount(c *reqCtx) (int, any, *apiError) {
	fy := s.fiscalYearByID(c.params[0])
	if fy == nil {
		return 0, nil, notFound("FiscalYear")
	}
	n, err := strconv.ParseInt(c.params[1], 10, 64)
	var acc *Account
	if err == nil {
		acc = s.accountIn(fy.Id, n)
	}
	if acc == nil {
		return 0, nil, notFound("Account")
	}
	return http.StatusOK, acc, nil
}

func (s *Server) listVatCodes(c *reqCtx) (int, any, *apiError) { return list(c, s.vatCodes) }

func (s *Server) getVatCode(c *reqCtx) (int, any, *apiError) {
	vc := s.vatCodeByID(c.params[0])
	if vc == nil {
		return 0, nil, notFound("VatCode")
	}
	return http.StatusOK, vc, nil
}

func (s *Server) vatCodeByID(id string) *VatCode {
	return find(s.vatCodes, func(v *VatCode) bool { return strings.EqualFold(v.Id, id) })
}

// outputVatAccount is the output-VAT account for a rate (fraction), 0 when none.
func (s *Server) outputVatAccount(rate decimal.Decimal) int64 {
	for _, key := range []string{"MP1", "MP2", "MP3"} {
		vc := s.vatCodeByKey(key)
		if vc.VatRate.Equal(rate.Shift(2)) && vc.RelatedAccounts.AccountNumber1 != nil {
			return *vc.RelatedAccounts.AccountNumber1
		}
	}
	return 0
}

// ---- vouchers ----

func (s *Server) listAllVouchers(c *reqCtx) (int, any, *apiError) { return list(c, s.vouchers) }

func (s *Server) listVouchers(c *reqCtx) (int, any, *apiError) {
	fy := s.fiscalYearByID(c.params[0])
	if fy == nil {
		return 0, nil, notFound("FiscalYear")
	}
	var in []*Voucher
	for _, v := range s.vouchers {
		if v.FiscalYearId == fy.Id {
			in = append(in, v)
		}
	}
	return list(c, in)
}

func (s *Server) getVoucher(c *reqCtx) (int, any, *apiError) {
	fy := s.fiscalYearByID(c.params[0])
	if fy == nil {
		return 0, nil, notFound("FiscalYear")
	}
	v := find(s.vouchers, func(v *Voucher) bool { return v.FiscalYearId == fy.Id && strings.EqualFold(v.Id, c.params[1]) })
	if v == nil {
		return 0, nil, notFound("Voucher")
	}
	return http.StatusOK, v, nil
}

// openPeriod finds the fiscal year for a bookkeeping date and checks that
// the date is not locked: 3001 without a fiscal year, 4026 when locked.
func (s *Server) openPeriod(day time.Time) (*FiscalYear, *apiError) {
	fy := s.fiscalYearFor(day)
	if fy == nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: CodeFiscalYearNotExist,
			Msg: fmt.Sprintf("FiscalYearDoesNotExistException - No fiscal year exists for the date %s.", day.Format("2006-01-02"))}
	}
	if fy.IsLockedForAccounting || !day.After(s.lockedTo) {
		return nil, &apiError{Status: http.StatusBadRequest, Code: CodeLockedPeriod,
			Msg: fmt.Sprintf("The date %s is in a locked bookkeeping period (accounting is locked to %s).",
				day.Format("2006-01-02"), s.lockedTo.Format("2006-01-02"))}
	}
	return fy, nil
}

func (s *Server) postVoucher(c *reqCtx) (int, any, *apiError) {
	var in Voucher
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if c.boolParam("useAutomaticVatCalculation", false) {
		return 0, nil, &apiError{Status: http.StatusNotImplemented, Code: CodeNotImplementedByMock,
			Msg: "spiris mock: useAutomaticVatCalculation=true is not implemented by the mock"}
	}
	useDefaultVat := c.boolParam("useDefaultVatCodes", true)
	useDefaultSeries := c.boolParam("useDefaultVoucherSeries", true)

	day := dayOf(c.now)
	if in.VoucherDate != "" {
		t, ok := parseDate(in.VoucherDate)
		if !ok {
			return 0, nil, invalid("VoucherDate is not a date.", "VoucherDate")
		}
		day = dayOf(t)
	}
	fy, perr := s.openPeriod(day)
	if perr != nil {
		return 0, nil, perr
	}
	series := "A"
	if !useDefaultSeries {
		if in.NumberSeries == nil || *in.NumberSeries == "" {
			return 0, nil, invalid("NumberSeries is required when useDefaultVoucherSeries is false.", "NumberSeries")
		}
		series = *in.NumberSeries
	}
	if len(in.Rows) < 2 {
		return 0, nil, invalid("A voucher must have at least two rows.", "Rows")
	}
	var debit, credit decimal.Decimal
	rows := make([]VoucherRow, 0, len(in.Rows))
	for i, r := range in.Rows {
		f := fmt.Sprintf("Rows[%d]", i)
		acc := s.accountIn(fy.Id, r.AccountNumber)
		if acc == nil {
			return 0, nil, &apiError{Status: http.StatusBadRequest, Code: CodeAccountNotFound,
				Msg:    fmt.Sprintf("AccountNotFoundException - Account %d does not exist in the fiscal year.", r.AccountNumber),
				Errors: []FieldError{{Field: f + ".AccountNumber", ErrorCode: "AccountNotFound", Message: fmt.Sprintf("Account %d was not found.", r.AccountNumber)}}}
		}
		if !acc.IsActive {
			return 0, nil, invalid(fmt.Sprintf("Account %d is not active.", r.AccountNumber), f+".AccountNumber")
		}
		if acc.IsBlockedForManualBooking {
			return 0, nil, invalid(fmt.Sprintf("Account %d is blocked for manual booking.", r.AccountNumber), f+".AccountNumber")
		}
		for name, a := range map[string]Amount{"DebitAmount": r.DebitAmount, "CreditAmount": r.CreditAmount} {
			if !maxPlaces(a.Decimal, 2) {
				return 0, nil, invalid(name+" can have at most 2 decimals.", f+"."+name)
			}
		}
		d, cr := r.DebitAmount.Decimal, r.CreditAmount.Decimal
		if d.IsPositive() && cr.IsPositive() {
			return 0, nil, invalid("A voucher row can have either a debit or a credit amount, not both.", f)
		}
		if d.IsZero() && cr.IsZero() {
			return 0, nil, invalid("A voucher row must have a debit or a credit amount.", f)
		}
		debit, credit = debit.Add(d), credit.Add(cr)
		row := VoucherRow{AccountNumber: r.AccountNumber, AccountDescription: ptr(acc.Name), DebitAmount: r.DebitAmount,
			CreditAmount: r.CreditAmount, TransactionText: r.TransactionText, CostCenterItemId1: r.CostCenterItemId1,
			CostCenterItemId2: r.CostCenterItemId2, CostCenterItemId3: r.CostCenterItemId3, ProjectId: r.ProjectId}
		vatID := acc.VatCodeId
		if !useDefaultVat {
			vatID = r.VatCodeId
		}
		if vatID != nil {
			vc := s.vatCodeByID(*vatID)
			if vc == nil {
				return 0, nil, refMissing(f+".VatCodeId", "VatCode")
			}
			row.VatCodeId = ptr(vc.Id)
			row.VatCodeAndPercent = ptr(fmt.Sprintf("%s %s%%", *vc.Code, vc.VatRate.String()))
		}
		rows = append(rows, row)
	}
	if !debit.Equal(credit) {
		return 0, nil, invalid(fmt.Sprintf("The voucher is not balanced: the debit amounts sum to %s and the credit amounts to %s.",
			debit.StringFixed(2), credit.StringFixed(2)), "")
	}
	v := s.bookVoucher(fy, day, in.VoucherText, series, 2, rows, nil, c.now)
	return http.StatusCreated, v, nil
}

// bookVoucher numbers and stores a voucher. Called with s.mu held.
func (s *Server) bookVoucher(fy *FiscalYear, day time.Time, text, series string, typ int, rows []VoucherRow, source *string, now time.Time) *Voucher {
	key := fy.Id + "/" + series
	s.voucherSeq[key]++
	v := &Voucher{Id: newID(), VoucherDate: dateString(day), VoucherText: text, Rows: rows,
		NumberAndNumberSeries: ptr(fmt.Sprintf("%s%d", series, s.voucherSeq[key])), NumberSeries: ptr(series),
		VoucherType: typ, SourceId: source, CreatedUtc: utcStamp(now), ModifiedUtc: ptr(utcStamp(now)), FiscalYearId: fy.Id}
	s.vouchers = append(s.vouchers, v)
	return v
}
