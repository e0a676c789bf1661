package tripletextest

import (
	"fmt"
	"strconv"
)

// postingIn is a posting as a client (or the mock itself) writes it: gross
// amount and VAT type; net amount and VAT rows are derived.
type postingIn struct {
	row         int
	date        string
	description string
	account     *Account
	vatTypeID   int64
	customerID  int64
	supplierID  int64
	employeeID  int64
	gross       Amount
	invoiceNo   string
	termOfPay   string
}

// book stores a voucher built from user postings, deriving for each
// posting with a VAT rate its net amount and a system-generated row-0 VAT
// posting on the VAT type's account. posted assigns the next number of the
// voucher's year; otherwise it gets a temporary number.
func (st *state) book(source, date, description string, voucherTypeID int64, external string, in []postingIn, posted bool) *Voucher {
	year, _ := strconv.Atoi(date[:4])
	v := &Voucher{ID: st.newID(), Version: 1, Year: year, Date: date, Description: description,
		VoucherTypeID: voucherTypeID, ExternalVoucherNumber: external, Posted: posted, Source: source}
	if posted {
		st.voucherNumbers[year]++
		v.Number = st.voucherNumbers[year]
	} else {
		st.tempNumbers[year]++
		v.TempNumber = st.tempNumbers[year]
	}
	var system []*Posting
	for _, p := range in {
		out := &Posting{ID: st.newID(), Row: p.row, Date: p.date, Description: p.description,
			AccountID: p.account.ID, AccountNumber: p.account.Number, VatTypeID: p.vatTypeID,
			CustomerID: p.customerID, SupplierID: p.supplierID, EmployeeID: p.employeeID,
			AmountGross: p.gross, Amount: p.gross, InvoiceNumber: p.invoiceNo, TermOfPayment: p.termOfPay}
		vt := st.vatType(p.vatTypeID)
		if vt != nil && !vt.Percentage.IsZero() {
			net, vat := netOfGross(p.gross, vt.Percentage)
			out.Amount = net
			if acct := st.accountByNumber(vatAccount[vt.ID]); acct != nil && vat != 0 {
				system = append(system, &Posting{ID: st.newID(), Row: 0, Date: p.date, Description: p.description,
					AccountID: acct.ID, AccountNumber: acct.Number, VatTypeID: vt.ID,
					Amount: vat, AmountGross: vat, SystemGenerated: true})
			}
		}
		v.Postings = append(v.Postings, out)
	}
	v.Postings = append(v.Postings, system...)
	st.vouchers = append(st.vouchers, v)
	return v
}

// voucherRules checks postings the way Tripletex does (research §3.9):
// rows from 1, account required, sub-ledger accounts need their party,
// VAT legal and locked codes respected, and the gross amounts balanced per
// date. prefix is "postings." for client vouchers.
func (st *state) voucherRules(ps []obj, defaultDate string) ([]postingIn, []validationMessage) {
	var msgs []validationMessage
	var out []postingIn
	if len(ps) == 0 {
		return nil, []validationMessage{vm("postings", msgNoPostings)}
	}
	rowZero := false
	for _, p := range ps {
		if row, ok := p.int("row"); !ok || row <= 0 {
			rowZero = true
		}
	}
	if rowZero {
		// Tripletex answers a missing or zero row with both messages.
		return nil, []validationMessage{vm("postings.row", msgRowZero), vm("postings", msgNoPostings)}
	}
	sums := map[string]Amount{}
	var dates []string
	for _, p := range ps {
		in := postingIn{date: defaultDate}
		row, _ := p.int("row")
		in.row = int(row)
		if d, ok := p.str("date"); ok && d != "" {
			if !validDate(d) {
				msgs = append(msgs, vm("postings.date", msgBadDate))
				continue
			}
			in.date = d
		}
		p.setStr("description", &in.description)
		p.setStr("invoiceNumber", &in.invoiceNo)
		p.setStr("termOfPayment", &in.termOfPay)
		if g, ok := p.dec("amountGross"); ok {
			in.gross = toMoney(g)
		}
		if _, seen := sums[in.date]; !seen {
			dates = append(dates, in.date)
		}
		sums[in.date] += in.gross
		aid, ok := p.ref("account")
		in.account = st.accountByID(aid)
		switch {
		case !ok || aid == 0:
			msgs = append(msgs, vm("postings.account.id", msgRequired))
			continue
		case in.account == nil:
			msgs = append(msgs, vm("postings.account.id", msgNoSuchObject))
			continue
		}
		a := in.account
		in.vatTypeID = a.VatTypeID
		if id, ok := p.ref("vatType"); ok {
			in.vatTypeID = id
		}
		vt := st.vatType(in.vatTypeID)
		switch {
		case vt == nil:
			msgs = append(msgs, vm("postings.vatType.id", msgInvalidVatType))
		case a.VatLocked && in.vatTypeID != a.VatTypeID:
			lock := st.vatType(a.VatTypeID)
			msgs = append(msgs, vm("postings.vatType.id",
				fmt.Sprintf("Kontoen %d %s er låst til mva-kode %s: %s.", a.Number, a.Name, lock.Number, lock.Name)))
		case !containsID(a.LegalVatTypeIDs, in.vatTypeID):
			msgs = append(msgs, vm("postings.vatType.id", msgInvalidVatType))
		}
		if id, ok := p.ref("customer"); ok && id != 0 {
			if st.customer(id) == nil {
				msgs = append(msgs, vm("postings.customer.id", msgNoSuchObject))
			}
			in.customerID = id
		}
		if id, ok := p.ref("supplier"); ok && id != 0 {
			msgs = append(msgs, vm("postings.supplier.id", msgNoSuchObject)) // the mock company has no suppliers
			in.supplierID = id
		}
		if id, ok := p.ref("employee"); ok && id != 0 {
			if id != st.employeeID {
				msgs = append(msgs, vm("postings.employee.id", msgNoSuchObject))
			}
			in.employeeID = id
		}
		switch a.LedgerType {
		case "CUSTOMER":
			if in.customerID == 0 {
				msgs = append(msgs, vm("postings.customer.id", msgCustomerMissing))
			}
		case "VENDOR":
			if in.supplierID == 0 {
				msgs = append(msgs, vm("postings.supplier.id", msgSupplierMissing))
			}
		case "EMPLOYEE":
			if in.employeeID == 0 {
				msgs = append(msgs, vm("postings.employee.id", msgEmployeeMissing))
			}
		}
		out = append(out, in)
	}
	for _, d := range dates {
		if sums[d] != 0 {
			msgs = append(msgs, vm("", fmt.Sprintf("Summen av posteringene for %s er ikke lik 0.", d)))
		}
	}
	return out, msgs
}

// createVoucher is POST /ledger/voucher[?sendToLedger=true]: date,
// description and postings are required; see voucherRules. The response
// (201) carries the full postings including the generated row-0 VAT rows.
func createVoucher(c *call) (*result, *apiError) {
	st := c.s.st
	o := asObj(c.body)
	if e := idOnCreate(o); e != nil {
		return nil, e
	}
	var msgs []validationMessage
	date, _ := o.str("date")
	switch {
	case date == "":
		msgs = append(msgs, vm("date", msgRequired))
	case !validDate(date):
		msgs = append(msgs, vm("date", msgBadDate))
	}
	desc, _ := o.str("description")
	if desc == "" {
		msgs = append(msgs, vm("description", msgRequired))
	}
	var vtID int64
	if id, ok := o.ref("voucherType"); ok && id != 0 {
		vt := st.voucherType(id)
		if vt == nil || vt.Name == "Utgående faktura" {
			msgs = append(msgs, vm("voucherType.id", msgBadVoucherType))
		}
		vtID = id
	}
	var ps []obj
	for _, raw := range o.arr("postings") {
		ps = append(ps, asObj(raw))
	}
	if len(msgs) > 0 {
		return nil, validationError(msgs...)
	}
	in, pm := st.voucherRules(ps, date)
	if len(pm) > 0 {
		return nil, validationError(pm...)
	}
	ext, _ := o.str("externalVoucherNumber")
	v := st.book(SourceVoucher, date, desc, vtID, ext, in, queryBool(c, "sendToLedger", true))
	o.setStr("vendorInvoiceNumber", &v.VendorInvoiceNumber)
	return &result{status: 201, value: st.voucherJSON(v, true)}, nil
}

func getVoucher(c *call) (*result, *apiError) {
	v := c.s.st.voucher(pathID(c, "id"))
	if v == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.voucherJSON(v, false))
}

// voucherList answers a list of vouchers; withPostingCount adds the
// envelope's totalNumberOfPostings, which only GET /ledger/voucher's
// VoucherSearchResponse has in the document.
func voucherList(st *state, vs []*Voucher, withPostingCount bool) (*result, *apiError) {
	out := make([]map[string]any, 0, len(vs))
	n := 0
	for _, v := range vs {
		out = append(out, st.voucherJSON(v, false))
		n += len(v.Postings)
	}
	r, _ := list(out)
	if withPostingCount {
		r.listExtra = map[string]any{"totalNumberOfPostings": n}
	}
	return r, nil
}

// searchVouchers is GET /ledger/voucher: posted vouchers with dateFrom
// (inclusive) ≤ date < dateTo (exclusive), filtered by id, number,
// numberFrom/numberTo and typeId. It has no externalVoucherNumber filter;
// that lookup is GET /ledger/voucher/>externalVoucherNumber.
func searchVouchers(c *call) (*result, *apiError) {
	st := c.s.st
	q := c.query
	from, to := q.Get("dateFrom"), q.Get("dateTo")
	var vs []*Voucher
	for _, v := range st.vouchers {
		if !v.Posted || v.Date < from || v.Date >= to {
			continue
		}
		if s := q.Get("id"); s != "" && !containsID(queryIDs(s), v.ID) {
			continue
		}
		if s := q.Get("number"); s != "" && !containsID(queryIDs(s), int64(v.Number)) {
			continue
		}
		if n, ok := asInt(q.Get("numberFrom")); ok && int64(v.Number) < n {
			continue
		}
		if n, ok := asInt(q.Get("numberTo")); ok && int64(v.Number) > n {
			continue
		}
		if s := q.Get("typeId"); s != "" && !containsID(queryIDs(s), v.VoucherTypeID) {
			continue
		}
		vs = append(vs, v)
	}
	return voucherList(st, vs, true)
}

// vouchersByExternalNumber is GET /ledger/voucher/>externalVoucherNumber:
// every voucher (posted or not) whose externalVoucherNumber equals the
// parameter.
func vouchersByExternalNumber(c *call) (*result, *apiError) {
	st := c.s.st
	want := c.query.Get("externalVoucherNumber")
	var vs []*Voucher
	for _, v := range st.vouchers {
		if want != "" && v.ExternalVoucherNumber == want {
			vs = append(vs, v)
		}
	}
	return voucherList(st, vs, false)
}

// nonPostedVouchers is GET /ledger/voucher/>nonPosted.
func nonPostedVouchers(c *call) (*result, *apiError) {
	st := c.s.st
	from, to := c.query.Get("dateFrom"), c.query.Get("dateTo")
	var vs []*Voucher
	for _, v := range st.vouchers {
		if v.Posted || (from != "" && v.Date < from) || (to != "" && v.Date >= to) {
			continue
		}
		vs = append(vs, v)
	}
	return voucherList(st, vs, false)
}

// sendVoucherToLedger is PUT /ledger/voucher/{id}/:sendToLedger.
func sendVoucherToLedger(c *call) (*result, *apiError) {
	st := c.s.st
	v := st.voucher(pathID(c, "id"))
	if v == nil {
		return nil, notFoundError()
	}
	if !v.Posted {
		st.voucherNumbers[v.Year]++
		v.Number, v.Posted, v.TempNumber = st.voucherNumbers[v.Year], true, 0
		v.Version++
	}
	return one(st.voucherJSON(v, false))
}

// reverseVoucher is PUT /ledger/voucher/{id}/:reverse?date=: a new posted
// voucher with every user posting negated (VAT rows regenerated).
func reverseVoucher(c *call) (*result, *apiError) {
	st := c.s.st
	v := st.voucher(pathID(c, "id"))
	if v == nil {
		return nil, notFoundError()
	}
	date := c.query.Get("date")
	if !validDate(date) {
		return nil, validationError(vm("date", msgBadDate))
	}
	if v.ReverseVoucherID != 0 {
		return nil, validationError(vm("", msgReverseTwice))
	}
	r := st.reverse(v, date, fmt.Sprintf("Tilbakeføring av bilag %d-%d", v.Number, v.Year))
	return one(st.voucherJSON(r, true))
}

func (st *state) reverse(v *Voucher, date, description string) *Voucher {
	var in []postingIn
	for _, p := range v.Postings {
		if p.SystemGenerated {
			continue
		}
		in = append(in, postingIn{row: p.Row, date: date, description: p.Description, account: st.accountByID(p.AccountID),
			vatTypeID: p.VatTypeID, customerID: p.CustomerID, supplierID: p.SupplierID, employeeID: p.EmployeeID,
			gross: -p.AmountGross, invoiceNo: p.InvoiceNumber, termOfPay: p.TermOfPayment})
	}
	r := st.book(SourceReversal, date, description, v.VoucherTypeID, "", in, true)
	v.ReverseVoucherID = r.ID
	v.Version++
	return r
}

// deleteVoucher is DELETE /ledger/voucher/{id}; an invoice's voucher
// cannot be deleted.
func deleteVoucher(c *call) (*result, *apiError) {
	st := c.s.st
	v := st.voucher(pathID(c, "id"))
	if v == nil {
		return nil, notFoundError()
	}
	for _, inv := range st.invoices {
		if inv.VoucherID == v.ID {
			return nil, validationError(vm("", "Bilaget tilhører en faktura og kan ikke slettes.")) // mock wording
		}
	}
	for i, x := range st.vouchers {
		if x == v {
			st.vouchers = append(st.vouchers[:i], st.vouchers[i+1:]...)
			break
		}
	}
	return &result{status: 204}, nil
}

// searchPostings is GET /ledger/posting: postings of posted vouchers with
// dateFrom ≤ date < dateTo, filtered by accountId and customerId.
func searchPostings(c *call) (*result, *apiError) {
	st := c.s.st
	q := c.query
	from, to := q.Get("dateFrom"), q.Get("dateTo")
	var out []map[string]any
	for _, v := range st.vouchers {
		if !v.Posted {
			continue
		}
		for _, p := range v.Postings {
			if p.Date < from || p.Date >= to {
				continue
			}
			if n, ok := asInt(q.Get("accountId")); ok && p.AccountID != n {
				continue
			}
			if n, ok := asInt(q.Get("customerId")); ok && p.CustomerID != n {
				continue
			}
			out = append(out, st.postingJSON(v, p))
		}
	}
	return list(out)
}

func getPosting(c *call) (*result, *apiError) {
	v, p := c.s.st.posting(pathID(c, "id"))
	if p == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.postingJSON(v, p))
}
