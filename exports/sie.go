package exports

import (
	"bytes"
	"context"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	"github.com/ledgerbridge/ledgerbridge/sie"
)

// SIE file identification.
const (
	SIEProgram        = "ledgerbridge"
	SIEProgramVersion = "1.0"
	// SIESeries is the voucher series the file's #VER records carry; the
	// importing program numbers them.
	SIESeries = "A"
	// SIEContentType is the SIE file's media type: plain text in code
	// page 437, as the standard prescribes.
	SIEContentType = sie.ContentType
)

// SIEFileName names the SIE file of the business days from to to:
// "ledgerbridge-<from>-<to>.si". The file is a type 4I import file
// (vouchers, no balances), which the standard names .si; .se is for 4E
// exports with balances.
func SIEFileName(from, to core.Date) string {
	return "ledgerbridge-" + string(from) + "-" + string(to) + sie.Extension
}

// SIE returns the vouchers booked for business days in [from, to] (at most
// MaxRange days) as a SIE type 4I file (vouchers for import; name it
// SIEFileName) in code page 437 (package sie): one #VER per booked location
// and day, in date then location order, with the rows as they were sent to
// the provider and the voucher text in the merchant's language
// (mapping.DayVoucherText, also for days booked before the texts were
// translated), and a #KONTO for every account used, named
// from the active bookkeeping provider's chart when it can be read. Days
// that booked nothing ("nothing to book") or are not booked yet are not in
// it; a range without vouchers gives a valid file without #VER. The
// company is the invoice settings' company name and organization number,
// else the merchant's name.
//
// Errors: CodeForbidden; CodeInvalid naming from or to; CodeNotFound for an
// unknown merchant; CodeUnavailable.
func (s *Service) SIE(ctx context.Context, p core.Principal, from, to core.Date) ([]byte, error) {
	if err := p.Authorize(core.ActionReadExports); err != nil {
		return nil, err
	}
	if err := core.Invalid("invalid SIE export range", checkRange(from, to, MaxRange)...); err != nil {
		return nil, err
	}
	m, err := s.merchants.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return nil, err
	}
	settings, _, err := s.merchants.GetInvoiceSettings(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	vouchers, err := s.store.ExportedVouchers(ctx, m.ID, from, to)
	if err != nil {
		return nil, err
	}
	base := sie.File{
		Program: SIEProgram, ProgramVersion: SIEProgramVersion, Generated: s.today(m),
		CompanyName: strings.TrimSpace(settings.Company.Name), Currency: m.Currency,
		OrgNumber: sieOrgNumber(m.Country, settings.Company.OrganizationNumber),
	}
	if base.CompanyName == "" {
		base.CompanyName = m.Name
	}
	for i := range vouchers {
		vouchers[i].Description = dayVoucherText(m.Country, vouchers[i])
	}
	f, err := sie.FromVouchers(base, SIESeries, vouchers, s.accountNames(ctx, m))
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "stored vouchers do not make a SIE file: %s", describe(core.AsError(err)))
	}
	var buf bytes.Buffer
	if err := sie.Write(&buf, f); err != nil {
		return nil, core.Errorf(core.CodeInternal, "write SIE file: %s", describe(core.AsError(err)))
	}
	return buf.Bytes(), nil
}

// accountNames reads the active bookkeeping provider's chart for #KONTO
// names. A chart that cannot be read only leaves names empty.
func (s *Service) accountNames(ctx context.Context, m core.Merchant) map[string]string {
	t, found, err := s.books.ActiveBookkeeping(ctx, m.ID)
	if err != nil || !found {
		return nil
	}
	prov, err := s.providers.Provider(ctx, t.Connection.Provider)
	if err != nil {
		return nil
	}
	conn := core.Connection{MerchantID: m.ID, Country: m.Country, Currency: m.Currency,
		Settings: t.Connection.Settings, Credentials: t.Connection.Credentials}
	callCtx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	accounts, err := prov.ListLedgerAccounts(callCtx, conn)
	if err != nil {
		return nil
	}
	names := make(map[string]string, len(accounts))
	for _, a := range accounts {
		names[a.Number] = a.Name
	}
	return names
}

// sieOrgNumber writes a Swedish organisation number as #ORGNR wants it,
// NNNNNN-NNNN (a 12-digit number loses its century); other numbers are
// kept as they are.
func sieOrgNumber(country core.Country, n string) string {
	n = strings.TrimSpace(n)
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, n)
	if country != core.Sweden || (len(digits) != 10 && len(digits) != 12) || len(digits) != len(strings.ReplaceAll(n, "-", "")) {
		return n
	}
	digits = digits[len(digits)-10:]
	return digits[:6] + "-" + digits[6:]
}

// dayVoucherText is the text of a day voucher (its ExternalRef is
// mapping.ExternalRef of a location and its date) in the country's
// language; another voucher keeps its description.
func dayVoucherText(country core.Country, v core.Voucher) string {
	location, day, ok := mapping.ParseExternalRef(v.ExternalRef)
	if !ok || day != v.Date {
		return v.Description
	}
	return mapping.DayVoucherText(country, location, day)
}
