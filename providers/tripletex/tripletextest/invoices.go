package tripletextest

import (
	"fmt"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/textpdf"
)

// invoiceOpts are the query parameters of the invoicing actions.
type invoiceOpts struct {
	date           string
	due            string // "" = invoiceDate + the order's invoicesDueIn
	sendToCustomer bool
	sendType       string
	paymentTypeID  int64
	paidAmount     Amount
	paid           bool
	comment        string
}

func invoiceOptsFrom(c *call, dateParam string) (invoiceOpts, *apiError) {
	o := invoiceOpts{
		date:           c.query.Get(dateParam),
		sendToCustomer: queryBool(c, "sendToCustomer", true),
		sendType:       c.query.Get("sendType"),
	}
	if o.date != "" && !validDate(o.date) {
		return o, validationError(vm(dateParam, msgBadDate))
	}
	pt, hasPT := asInt(c.query.Get("paymentTypeId"))
	amt, hasAmt := asDecimal(c.query.Get("paidAmount"))
	if hasPT && hasAmt && pt != 0 {
		o.paymentTypeID, o.paidAmount, o.paid = pt, toMoney(amt), true
	}
	return o, nil
}

// invoiceOrders invoices orders of one customer: the company needs a bank
// account number on 1920 and the orders need lines. It assigns the next
// invoice number, posts the invoice voucher (1500 with the customer against
// the income accounts, VAT rows generated), closes the orders, records
// whether Tripletex would send it and registers a prepayment if asked.
func (st *state) invoiceOrders(orders []*Order, o invoiceOpts) (*Invoice, *apiError) {
	if bank := st.accountByNumber(1920); bank == nil || bank.BankAccountNumber == "" {
		return nil, validationError(vm("", msgNoBankAccount))
	}
	var lines []*OrderLine
	for _, ord := range orders {
		if ord.IsClosed {
			return nil, validationError(vm("", msgOrderClosed))
		}
		if ord.CustomerID != orders[0].CustomerID {
			return nil, validationError(vm("", "Ordrene må ha samme kunde.")) // mock wording
		}
		lines = append(lines, ord.Lines...)
	}
	if len(lines) == 0 {
		return nil, validationError(vm("", msgNoOrderLines))
	}
	if o.paid && !st.incomingPaymentType(o.paymentTypeID) {
		return nil, validationError(vm("", msgNotIncomingPay))
	}
	first := orders[0]
	inv := &Invoice{ID: st.newID(), Version: 1, InvoiceNumber: st.nextInvoiceNumber, InvoiceDate: o.date,
		CustomerID: first.CustomerID, Lines: lines, Comment: o.comment, InvoiceComment: first.InvoiceComment}
	st.nextInvoiceNumber++
	inv.InvoiceDueDate = o.due
	if inv.InvoiceDueDate == "" {
		inv.InvoiceDueDate = addDue(o.date, first.InvoicesDueIn, first.InvoicesDueInType)
	}
	for _, ord := range orders {
		inv.OrderIDs = append(inv.OrderIDs, ord.ID)
	}
	for _, l := range lines {
		inv.Amount += l.AmountIncludingVat
		inv.AmountExcludingVat += l.AmountExcludingVat
	}
	inv.AmountOutstanding = inv.Amount
	inv.VoucherID = st.postInvoice(inv).ID
	for _, ord := range orders {
		ord.IsClosed, ord.InvoiceID = true, inv.ID
		ord.Version++
	}
	if o.sendToCustomer {
		inv.SentToCustomer = true
		inv.SendType = o.sendType
		if inv.SendType == "" {
			inv.SendType = st.customer(inv.CustomerID).InvoiceSendMethod
		}
	}
	st.invoices = append(st.invoices, inv)
	if o.paid {
		st.pay(inv, o.date, o.paymentTypeID, o.paidAmount)
	}
	return inv, nil
}

// postInvoice books an invoice or a credit note (whose amounts are
// negative): the customer posting on 1500, and per line its income account
// for the line's VAT type with the gross amount, plus one system VAT row per
// VAT type.
func (st *state) postInvoice(inv *Invoice) *Voucher {
	ar := st.accountByNumber(1500)
	desc := fmt.Sprintf("Faktura nummer %d", inv.InvoiceNumber)
	if inv.IsCreditNote {
		desc = fmt.Sprintf("Kreditnota nummer %d", inv.InvoiceNumber)
	}
	no := fmt.Sprint(inv.InvoiceNumber)
	in := []postingIn{{row: 1, date: inv.InvoiceDate, description: desc, account: ar, customerID: inv.CustomerID,
		gross: inv.Amount, invoiceNo: no, termOfPay: inv.InvoiceDueDate}}
	for i, l := range inv.Lines {
		acct := st.accountByNumber(salesAccount[l.VatTypeID])
		if acct == nil {
			acct = st.accountByNumber(3100)
		}
		in = append(in, postingIn{row: i + 2, date: inv.InvoiceDate, description: l.Description, account: acct,
			vatTypeID: l.VatTypeID, customerID: inv.CustomerID, gross: -l.AmountIncludingVat, invoiceNo: no})
	}
	source := SourceInvoice
	if inv.IsCreditNote {
		source = SourceCreditNote
	}
	v := st.book(source, inv.InvoiceDate, desc, st.voucherTypeByName("Utgående faktura").ID, "", in, true)
	// The net amounts come from the lines, not from re-deriving them from
	// the gross, so the voucher matches the invoice's own VAT exactly.
	var vatRows []*Posting
	for _, p := range v.Postings {
		if p.SystemGenerated {
			vatRows = append(vatRows, p)
		}
	}
	v.Postings = v.Postings[:len(v.Postings)-len(vatRows)]
	byVat := map[int64]Amount{}
	var order []int64
	for i, l := range inv.Lines {
		p := v.Postings[i+1]
		p.Amount = -l.AmountExcludingVat
		vat := l.AmountExcludingVat - l.AmountIncludingVat
		if vat != 0 {
			if _, ok := byVat[l.VatTypeID]; !ok {
				order = append(order, l.VatTypeID)
			}
			byVat[l.VatTypeID] += vat
		}
	}
	for _, id := range order {
		acct := st.accountByNumber(vatAccount[id])
		v.Postings = append(v.Postings, &Posting{ID: st.newID(), Row: 0, Date: inv.InvoiceDate, Description: desc,
			AccountID: acct.ID, AccountNumber: acct.Number, VatTypeID: id, Amount: byVat[id], AmountGross: byVat[id], SystemGenerated: true})
	}
	return v
}

func (st *state) incomingPaymentType(id int64) bool { return st.paymentType(id) != nil }

// pay registers a payment: a "Betaling" voucher debiting the payment
// type's account and crediting 1500 for the customer; the outstanding
// amount decreases.
func (st *state) pay(inv *Invoice, date string, ptID int64, amount Amount) {
	pt := st.paymentType(ptID)
	desc := fmt.Sprintf("Betaling faktura %d", inv.InvoiceNumber)
	no := fmt.Sprint(inv.InvoiceNumber)
	v := st.book(SourcePayment, date, desc, st.voucherTypeByName("Betaling").ID, "", []postingIn{
		{row: 1, date: date, description: desc, account: st.accountByNumber(pt.DebitAccountNumber), gross: amount},
		{row: 2, date: date, description: desc, account: st.accountByNumber(1500), customerID: inv.CustomerID, gross: -amount, invoiceNo: no},
	}, true)
	inv.Payments = append(inv.Payments, Payment{Date: date, PaymentTypeID: ptID, Amount: amount, VoucherID: v.ID})
	inv.AmountOutstanding -= amount
	inv.Version++
}

// invoiceOrder is PUT /order/{id}/:invoice?invoiceDate=…: invoice number
// and due date are the server's (invoiceDate + the order's invoicesDueIn);
// sendToCustomer defaults to true.
func invoiceOrder(c *call) (*result, *apiError) {
	st := c.s.st
	ord := st.order(pathID(c, "id"))
	if ord == nil {
		return nil, notFoundError()
	}
	o, e := invoiceOptsFrom(c, "invoiceDate")
	if e != nil {
		return nil, e
	}
	inv, e := st.invoiceOrders([]*Order{ord}, o)
	if e != nil {
		return nil, e
	}
	return one(st.invoiceJSON(inv))
}

// invoiceMultipleOrders is PUT /order/:invoiceMultipleOrders?id=1,2&invoiceDate=…:
// one invoice for several orders of one customer.
func invoiceMultipleOrders(c *call) (*result, *apiError) {
	st := c.s.st
	var orders []*Order
	for _, id := range queryIDs(c.query.Get("id")) {
		ord := st.order(id)
		if ord == nil {
			return nil, notFoundError()
		}
		orders = append(orders, ord)
	}
	if len(orders) == 0 {
		return nil, validationError(vm("id", msgRequired))
	}
	o, e := invoiceOptsFrom(c, "invoiceDate")
	if e != nil {
		return nil, e
	}
	inv, e := st.invoiceOrders(orders, o)
	if e != nil {
		return nil, e
	}
	return one(st.invoiceJSON(inv))
}

// createInvoice is POST /invoice: invoiceDate, invoiceDueDate and orders
// (one order, by id or embedded as a new order) are required.
func createInvoice(c *call) (*result, *apiError) {
	st := c.s.st
	b := asObj(c.body)
	if e := idOnCreate(b); e != nil {
		return nil, e
	}
	var msgs []validationMessage
	date, _ := b.str("invoiceDate")
	due, _ := b.str("invoiceDueDate")
	for _, f := range []struct{ name, v string }{{"invoiceDate", date}, {"invoiceDueDate", due}} {
		switch {
		case f.v == "":
			msgs = append(msgs, vm(f.name, msgRequired))
		case !validDate(f.v):
			msgs = append(msgs, vm(f.name, msgBadDate))
		}
	}
	raw := b.arr("orders")
	switch {
	case len(raw) == 0:
		msgs = append(msgs, vm("orders", msgRequired))
	case len(raw) > 1:
		msgs = append(msgs, vm("orders", "Kun én ordre per faktura er støttet.")) // mock wording; spec: "Only one order per invoice is supported"
	}
	if len(msgs) > 0 {
		return nil, validationError(msgs...)
	}
	var ord *Order
	ob := asObj(raw[0])
	if id, ok := ob.int("id"); ok && id != 0 {
		if ord = st.order(id); ord == nil {
			return nil, validationError(vm("orders.id", msgNoSuchObject))
		}
	} else {
		var e *apiError
		if ord, e = st.buildOrder(ob, "orders."); e != nil {
			return nil, e
		}
		if len(ord.Lines) == 0 {
			return nil, validationError(vm("", msgNoOrderLines))
		}
	}
	o, e := invoiceOptsFrom(c, "")
	if e != nil {
		return nil, e
	}
	o.date, o.due = date, due
	b.setStr("comment", &o.comment)
	if pt, ok := b.int("paymentTypeId"); ok && pt != 0 {
		if amt, ok := b.dec("paidAmount"); ok {
			o.paymentTypeID, o.paidAmount, o.paid = pt, toMoney(amt), true
		}
	}
	if st.order(ord.ID) == nil {
		// Validate before storing the embedded order, so a refused invoice
		// leaves no order behind.
		if bank := st.accountByNumber(1920); bank.BankAccountNumber == "" {
			return nil, validationError(vm("", msgNoBankAccount))
		}
		if o.paid && !st.incomingPaymentType(o.paymentTypeID) {
			return nil, validationError(vm("", msgNotIncomingPay))
		}
		st.storeOrder(ord)
	}
	inv, e := st.invoiceOrders([]*Order{ord}, o)
	if e != nil {
		return nil, e
	}
	return &result{status: 201, value: st.invoiceJSON(inv)}, nil
}

func getInvoice(c *call) (*result, *apiError) {
	inv := c.s.st.invoice(pathID(c, "id"))
	if inv == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.invoiceJSON(inv))
}

// searchInvoices is GET /invoice: invoiceDateFrom (inclusive) and
// invoiceDateTo (exclusive) are required; id, invoiceNumber, voucherId and
// customerId lists, kid.
func searchInvoices(c *call) (*result, *apiError) {
	st := c.s.st
	q := c.query
	from, to := q.Get("invoiceDateFrom"), q.Get("invoiceDateTo")
	var out []map[string]any
	for _, inv := range st.invoices {
		if inv.InvoiceDate < from || inv.InvoiceDate >= to {
			continue
		}
		if v := q.Get("id"); v != "" && !containsID(queryIDs(v), inv.ID) {
			continue
		}
		if v := q.Get("invoiceNumber"); v != "" && !containsID(queryIDs(v), int64(inv.InvoiceNumber)) {
			continue
		}
		if v := q.Get("voucherId"); v != "" && !containsID(queryIDs(v), inv.VoucherID) {
			continue
		}
		if v := q.Get("customerId"); v != "" && !containsID(queryIDs(v), inv.CustomerID) {
			continue
		}
		if v := q.Get("kid"); v != "" {
			continue // KID/OCR is not active in the mock company: kid is always ""
		}
		out = append(out, st.invoiceJSON(inv))
	}
	return list(out)
}

// invoicePayment is PUT /invoice/{id}/:payment?paymentDate&paymentTypeId&paidAmount:
// paidAmount is NOK incl. VAT; the type must be an incoming payment type.
func invoicePayment(c *call) (*result, *apiError) {
	st := c.s.st
	inv := st.invoice(pathID(c, "id"))
	if inv == nil {
		return nil, notFoundError()
	}
	date := c.query.Get("paymentDate")
	if !validDate(date) {
		return nil, validationError(vm("paymentDate", msgBadDate))
	}
	pt, _ := asInt(c.query.Get("paymentTypeId"))
	if !st.incomingPaymentType(pt) {
		return nil, validationError(vm("", msgNotIncomingPay))
	}
	amt, _ := asDecimal(c.query.Get("paidAmount"))
	st.pay(inv, date, pt, toMoney(amt))
	return one(st.invoiceJSON(inv))
}

// createCreditNote is PUT /invoice/{id}/:createCreditNote?date=…: a credit
// note nullifying the whole invoice: the next invoice number, negated
// lines and amounts, isCreditNote and creditedInvoice set; the original
// becomes isCredited with nothing outstanding. What was already paid stays
// outstanding (negative) on the credit note, to be refunded.
func createCreditNote(c *call) (*result, *apiError) {
	st := c.s.st
	orig := st.invoice(pathID(c, "id"))
	if orig == nil {
		return nil, notFoundError()
	}
	date := c.query.Get("date")
	if !validDate(date) {
		return nil, validationError(vm("date", msgBadDate))
	}
	if orig.IsCreditNote {
		return nil, validationError(vm("", "En kreditnota kan ikke krediteres.")) // mock wording
	}
	if orig.IsCredited {
		return nil, validationError(vm("", msgAlreadyCredited))
	}
	cn := &Invoice{ID: st.newID(), Version: 1, InvoiceNumber: st.nextInvoiceNumber, InvoiceDate: date,
		InvoiceDueDate: date, CustomerID: orig.CustomerID, OrderIDs: orig.OrderIDs, IsCreditNote: true,
		CreditedInvoiceID: orig.ID, Comment: c.query.Get("comment"), InvoiceComment: orig.InvoiceComment,
		Amount: -orig.Amount, AmountExcludingVat: -orig.AmountExcludingVat}
	st.nextInvoiceNumber++
	for _, l := range orig.Lines {
		n := *l
		n.ID = st.newID()
		n.Count = l.Count.Neg()
		n.AmountExcludingVat, n.AmountIncludingVat = -l.AmountExcludingVat, -l.AmountIncludingVat
		st.orderLines[n.ID] = &n
		cn.Lines = append(cn.Lines, &n)
	}
	paid := orig.Amount - orig.AmountOutstanding
	cn.AmountOutstanding = -paid
	cn.VoucherID = st.postInvoice(cn).ID
	orig.IsCredited, orig.CreditNoteID, orig.AmountOutstanding = true, cn.ID, 0
	orig.Version++
	if sendType := c.query.Get("sendType"); sendType != "" {
		cn.SentToCustomer, cn.SendType = true, sendType
	} else if queryBool(c, "sendToCustomer", true) {
		cn.SentToCustomer = true
		cn.SendType = st.customer(cn.CustomerID).InvoiceSendMethod
	}
	st.invoices = append(st.invoices, cn)
	return one(st.invoiceJSON(cn))
}

// sendInvoice is PUT /invoice/{id}/:send?sendType=…: 204, no body.
func sendInvoice(c *call) (*result, *apiError) {
	inv := c.s.st.invoice(pathID(c, "id"))
	if inv == nil {
		return nil, notFoundError()
	}
	inv.SentToCustomer, inv.SendType = true, c.query.Get("sendType")
	return &result{status: 204}, nil
}

// invoicePDF is GET /invoice/{invoiceId}/pdf: a small valid PDF naming the
// invoice, its customer, each line (count x unit price including VAT =
// line total) and the amount.
func invoicePDF(c *call) (*result, *apiError) {
	st := c.s.st
	inv := st.invoice(pathID(c, "invoiceId"))
	if inv == nil {
		return nil, notFoundError()
	}
	title := "Faktura"
	if inv.IsCreditNote {
		title = "Kreditnota"
	}
	cu := st.customer(inv.CustomerID)
	name := ""
	if cu != nil {
		name = cu.Name
	}
	lines := []string{
		fmt.Sprintf("%s %d", title, inv.InvoiceNumber),
		st.companyName,
		"Kunde: " + name,
		"Fakturadato: " + inv.InvoiceDate + "   Forfall: " + inv.InvoiceDueDate,
	}
	for _, l := range inv.Lines {
		lines = append(lines, fmt.Sprintf("%s  %s x %s = %s", l.Description, l.Count.String(), l.UnitPriceIncludingVat.StringFixed(2), l.AmountIncludingVat))
	}
	lines = append(lines, "Å betale: NOK "+inv.Amount.String())
	return &result{status: 200, raw: textpdf.Render(lines), contentType: "application/pdf"}, nil
}
