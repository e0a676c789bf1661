package tripletex

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/singleflight"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// account is a Tripletex ledger account as the plugin reads it.
type account struct {
	ID                int64  `json:"id"`
	Number            int    `json:"number"`
	Name              string `json:"name"`
	IsInactive        bool   `json:"isInactive"`
	VatLocked         bool   `json:"vatLocked"`
	VatType           *ref   `json:"vatType"`
	LegalVatTypes     []ref  `json:"legalVatTypes"`
	LedgerType        string `json:"ledgerType"`
	BankAccountNumber string `json:"bankAccountNumber"`
}

// vatType is a Tripletex VAT type. Its Number is the code people and
// ledgerbridge use; its ID differs for some codes (code 33 has id 32), so
// the plugin always looks types up by number and sends the id.
type vatType struct {
	ID         int64           `json:"id"`
	Number     string          `json:"number"`
	Name       string          `json:"name"`
	Percentage decimal.Decimal `json:"percentage"`
}

// paymentType is an incoming payment type (GET /invoice/paymentType).
type paymentType struct {
	ID           int64  `json:"id"`
	Description  string `json:"description"`
	DebitAccount *ref   `json:"debitAccount"`
}

// company is one Tripletex company's reference data.
type company struct {
	accounts     []account
	byNumber     map[int]*account
	byID         map[int64]*account
	vatTypes     []vatType
	vatByID      map[int64]*vatType
	vatByNumber  map[string]*vatType
	outgoing     map[int64]bool // active outgoing (sales) VAT types
	paymentTypes []paymentType
	loadedAt     time.Time
}

// refCache holds each connection's company data for refTTL.
type refCache struct {
	mu     sync.Mutex
	m      map[string]*company
	flight singleflight.Group
}

func (c *refCache) forget(conn core.Connection) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, connKey(conn))
}

// company returns conn's reference data, loading it when it is not cached
// or older than refTTL. Errors: the API's.
func (p *Provider) company(ctx context.Context, conn core.Connection) (*company, error) {
	key := connKey(conn)
	now := p.now()
	p.refData.mu.Lock()
	co := p.refData.m[key]
	p.refData.mu.Unlock()
	if co != nil && now.Sub(co.loadedAt) < p.refTTL {
		return co, nil
	}
	v, err, _ := p.refData.flight.Do(key, func() (any, error) {
		co, err := p.loadCompany(ctx, conn)
		if err != nil {
			return nil, err
		}
		p.refData.mu.Lock()
		if p.refData.m == nil {
			p.refData.m = map[string]*company{}
		}
		p.refData.m[key] = co
		p.refData.mu.Unlock()
		return co, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*company), nil
}

func (p *Provider) loadCompany(ctx context.Context, conn core.Connection) (*company, error) {
	accounts, err := listAll[account](ctx, p, conn, "/ledger/account", url.Values{
		"fields": {"id,number,name,isInactive,vatLocked,vatType,legalVatTypes,ledgerType,bankAccountNumber"}})
	if err != nil {
		return nil, err
	}
	vats, err := listAll[vatType](ctx, p, conn, "/ledger/vatType", url.Values{"fields": {"id,number,name,percentage"}})
	if err != nil {
		return nil, err
	}
	out, err := listAll[vatType](ctx, p, conn, "/ledger/vatType", url.Values{"typeOfVat": {"OUTGOING"}, "fields": {"id,number"}})
	if err != nil {
		return nil, err
	}
	pts, err := listAll[paymentType](ctx, p, conn, "/invoice/paymentType", url.Values{"fields": {"id,description,debitAccount"}})
	if err != nil {
		return nil, err
	}
	co := &company{accounts: accounts, byNumber: map[int]*account{}, byID: map[int64]*account{},
		vatTypes: vats, vatByID: map[int64]*vatType{}, vatByNumber: map[string]*vatType{},
		outgoing: map[int64]bool{}, paymentTypes: pts, loadedAt: p.now()}
	sort.Slice(co.accounts, func(i, j int) bool { return co.accounts[i].Number < co.accounts[j].Number })
	for i := range co.accounts {
		a := &co.accounts[i]
		co.byNumber[a.Number] = a
		co.byID[a.ID] = a
	}
	for i := range co.vatTypes {
		v := &co.vatTypes[i]
		co.vatByID[v.ID] = v
		co.vatByNumber[v.Number] = v
	}
	for _, v := range out {
		co.outgoing[v.ID] = true
	}
	return co, nil
}

// CreateLedgerAccount adds a.Number and a.Name to the company's chart (POST
// /ledger/account; Tripletex makes it a general-ledger account without VAT
// lock) and returns it as ListLedgerAccounts lists it. Errors: CodeInvalid
// naming number when it is not a number; CodeConflict naming number when
// the chart has it; Tripletex's validation errors; CodeUnavailable,
// CodeRateLimited, CodeProviderError. A write whose answer was lost is
// looked up before it is reported.
func (p *Provider) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	if err := checkConn(conn); err != nil {
		return core.LedgerAccount{}, err
	}
	number, err := strconv.Atoi(a.Number)
	if err != nil || number <= 0 {
		return core.LedgerAccount{}, core.Invalid("invalid ledger account", core.FieldError{Field: "number", Message: "must be an account number"})
	}
	find := func() (core.LedgerAccount, bool, error) {
		accounts, err := p.ListLedgerAccounts(ctx, conn)
		if err != nil {
			return core.LedgerAccount{}, false, err
		}
		for _, la := range accounts {
			if la.Number == strconv.Itoa(number) {
				return la, true, nil
			}
		}
		return core.LedgerAccount{}, false, nil
	}
	// Whether the chart has the number is one filtered read; the whole
	// reference data is read once, after the write (find).
	existing, err := listAll[account](ctx, p, conn, "/ledger/account", url.Values{
		"number": {strconv.Itoa(number)}, "fields": {"id,number,name"}})
	if err != nil {
		return core.LedgerAccount{}, err
	}
	for _, a := range existing {
		if a.Number == number {
			return core.LedgerAccount{}, &core.Error{Code: core.CodeConflict,
				Message: fmt.Sprintf("account %d already exists in Tripletex (%s)", number, a.Name),
				Fields:  []core.FieldError{{Field: "number", Message: "already exists in the chart"}}}
		}
	}
	werr := p.write(ctx, conn, request{method: http.MethodPost, path: "/ledger/account",
		body: map[string]any{"number": number, "name": a.Name}}, nil)
	if werr != nil && core.Code(werr) != core.CodeUnavailable {
		return core.LedgerAccount{}, werr
	}
	created, ok, err := find()
	switch {
	case err != nil && werr != nil:
		return core.LedgerAccount{}, werr
	case err != nil:
		return core.LedgerAccount{}, err
	case !ok && werr != nil:
		return core.LedgerAccount{}, werr
	case !ok:
		return core.LedgerAccount{}, core.Errorf(core.CodeProviderError, "Tripletex accepted account %d but does not list it", number)
	}
	return created, nil
}

// ListLedgerAccounts returns the company's chart of accounts by number, read
// afresh (not from the reference-data cache):
// active unless inactive in Tripletex; a VAT-locked account has
// LockedVATCode (the code number, e.g. "3" for 3000), others list the codes
// Tripletex accepts on them (legalVatTypes) in AllowedVATCodes. Errors:
// CodeInvalid (connection), CodeUnavailable, CodeRateLimited,
// CodeProviderError.
func (p *Provider) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	// The wizard's chart is live: an account the merchant just added in
	// Tripletex must be listed now, not when the cached copy expires.
	p.refData.forget(conn)
	co, err := p.company(ctx, conn)
	if err != nil {
		return nil, err
	}
	out := make([]core.LedgerAccount, 0, len(co.accounts))
	for _, a := range co.accounts {
		la := core.LedgerAccount{Number: strconv.Itoa(a.Number), Name: a.Name, Active: !a.IsInactive}
		if a.VatLocked && a.VatType != nil {
			if v := co.vatByID[a.VatType.ID]; v != nil {
				la.LockedVATCode = v.Number
			}
		} else {
			for _, r := range a.LegalVatTypes {
				if v := co.vatByID[r.ID]; v != nil {
					la.AllowedVATCodes = append(la.AllowedVATCodes, v.Number)
				}
			}
		}
		out = append(out, la)
	}
	return out, nil
}

// ListVATCodes returns every VAT type of the company by its number (the
// code, never the internal id: code "33" is id 32) with its name and rate.
// Errors: as ListLedgerAccounts.
func (p *Provider) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	co, err := p.company(ctx, conn)
	if err != nil {
		return nil, err
	}
	out := make([]core.VATCode, 0, len(co.vatTypes))
	for _, v := range co.vatTypes {
		out = append(out, core.VATCode{Code: v.Number, Name: v.Name, Rate: v.Percentage})
	}
	sort.Slice(out, func(i, j int) bool { return codeLess(out[i].Code, out[j].Code) })
	return out, nil
}

// ListPaymentTypes returns the company's incoming payment types ("Kontant",
// "Betalt til bank") with the account each debits. Errors: as
// ListLedgerAccounts.
func (p *Provider) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	co, err := p.company(ctx, conn)
	if err != nil {
		return nil, err
	}
	out := make([]core.PaymentType, 0, len(co.paymentTypes))
	for _, pt := range co.paymentTypes {
		t := core.PaymentType{ID: idString(pt.ID), Name: pt.Description}
		if pt.DebitAccount != nil {
			if a := co.byID[pt.DebitAccount.ID]; a != nil {
				t.AccountNumber = strconv.Itoa(a.Number)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// codeLess orders VAT code numbers numerically ("5" before "31").
func codeLess(a, b string) bool {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}

// preferredSalesCode is the Tripletex code for sales at each Norwegian
// rate (research §7): 3 high, 31 middle (food), 33 low (id 32), 5 no
// outgoing VAT within the VAT act.
var preferredSalesCode = map[string]string{"25": "3", "15": "31", "12": "33", "0": "5"}

// salesVATType returns the VAT type for an invoice line at rate: the
// preferred code for the rate when the company has it active for sales,
// else any active outgoing type with that rate (lowest code first).
// Errors: CodeInvalid naming field.
func (co *company) salesVATType(rate decimal.Decimal, field string) (*vatType, error) {
	if v := co.vatByNumber[preferredSalesCode[rate.String()]]; v != nil && co.outgoing[v.ID] && v.Percentage.Equal(rate) {
		return v, nil
	}
	var cands []*vatType
	for i := range co.vatTypes {
		v := &co.vatTypes[i]
		if co.outgoing[v.ID] && v.Percentage.Equal(rate) {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		return nil, core.Invalid("no Tripletex VAT code for the rate", core.FieldError{Field: field,
			Message: fmt.Sprintf("Tripletex has no active sales VAT code for %s%%", rate.String())})
	}
	sort.Slice(cands, func(i, j int) bool { return codeLess(cands[i].Number, cands[j].Number) })
	return cands[0], nil
}

// paymentTypeForBank is the payment type MarkInvoicePaid registers: the
// one Tripletex calls "Betalt til bank", else the one debiting 1920, else
// the first.
func (co *company) paymentTypeForBank() (*paymentType, bool) {
	for i := range co.paymentTypes {
		if co.paymentTypes[i].Description == "Betalt til bank" {
			return &co.paymentTypes[i], true
		}
	}
	if bank := co.byNumber[1920]; bank != nil {
		for i := range co.paymentTypes {
			if d := co.paymentTypes[i].DebitAccount; d != nil && d.ID == bank.ID {
				return &co.paymentTypes[i], true
			}
		}
	}
	if len(co.paymentTypes) > 0 {
		return &co.paymentTypes[0], true
	}
	return nil, false
}
