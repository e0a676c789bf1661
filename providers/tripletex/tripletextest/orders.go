package tripletextest

import (
	"strconv"

	"github.com/shopspring/decimal"
)

var hundred = decimal.NewFromInt(100)

// lineVatAllowed: order lines take outgoing codes and the no-VAT codes.
func (st *state) lineVatAllowed(id int64) bool {
	v := st.vatType(id)
	return v != nil && v.Kind != "INCOMING"
}

// parseLine validates one order line against its order's price mode and
// computes its amounts. Field names are prefixed with prefix (e.g.
// "orderLines.").
func (st *state) parseLine(lo obj, ord *Order, prefix string) (*OrderLine, []validationMessage) {
	var msgs []validationMessage
	l := &OrderLine{OrderID: ord.ID, VatTypeID: 3}
	lo.setStr("description", &l.Description)
	if d, ok := lo.dec("count"); ok {
		l.Count = d
	}
	if d, ok := lo.dec("discount"); ok {
		l.Discount = d
	}
	if id, ok := lo.ref("product"); ok && id != 0 {
		msgs = append(msgs, vm(prefix+"product.id", msgNoSuchObject))
	}
	if id, ok := lo.ref("vatType"); ok {
		if !st.lineVatAllowed(id) {
			msgs = append(msgs, vm(prefix+"vatType.id", msgInvalidVatType))
		}
		l.VatTypeID = id
	}
	incl, hasIncl := lo.dec("unitPriceIncludingVatCurrency")
	excl, hasExcl := lo.dec("unitPriceExcludingVatCurrency")
	if ord.IsPrioritizeAmountsIncludingVat && hasExcl {
		msgs = append(msgs, vm(prefix+"unitPriceExcludingVatCurrency", msgPriceInclVat))
	}
	if !ord.IsPrioritizeAmountsIncludingVat && hasIncl {
		msgs = append(msgs, vm(prefix+"unitPriceIncludingVatCurrency", msgPriceExclVat))
	}
	if len(msgs) > 0 {
		return nil, msgs
	}
	rate := decimal.Zero
	if v := st.vatType(l.VatTypeID); v != nil {
		rate = v.Percentage
	}
	factor := decimal.NewFromInt(1).Add(rate.Div(hundred))
	keep := decimal.NewFromInt(1).Sub(l.Discount.Div(hundred))
	if ord.IsPrioritizeAmountsIncludingVat {
		l.UnitPriceIncludingVat = incl
		l.UnitPriceExcludingVat = incl.DivRound(factor, 10)
		l.AmountIncludingVat = toMoney(l.Count.Mul(incl).Mul(keep))
		l.AmountExcludingVat, _ = netOfGross(l.AmountIncludingVat, rate)
	} else {
		l.UnitPriceExcludingVat = excl
		l.UnitPriceIncludingVat = excl.Mul(factor).Round(10)
		l.AmountExcludingVat = toMoney(l.Count.Mul(excl).Mul(keep))
		l.AmountIncludingVat = l.AmountExcludingVat + toMoney(l.AmountExcludingVat.decimal().Mul(rate).Div(hundred))
	}
	return l, nil
}

// buildOrder validates an order body (POST /order, or an order embedded in
// POST /invoice) and returns it with its lines, not yet stored.
func (st *state) buildOrder(o obj, prefix string) (*Order, *apiError) {
	var msgs []validationMessage
	ord := &Order{Version: 1, InvoicesDueInType: "DAYS"}
	cid, ok := o.ref("customer")
	cu := st.customer(cid)
	switch {
	case !ok:
		msgs = append(msgs, vm(prefix+"customer", msgRequired))
	case cu == nil:
		msgs = append(msgs, vm(prefix+"customer.id", msgNoSuchObject))
	default:
		ord.CustomerID = cid
		ord.InvoicesDueIn, ord.InvoicesDueInType = cu.InvoicesDueIn, cu.InvoicesDueInType
		ord.ReceiverEmail = cu.InvoiceEmail
		if ord.ReceiverEmail == "" {
			ord.ReceiverEmail = cu.Email
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"orderDate", &ord.OrderDate}, {"deliveryDate", &ord.DeliveryDate}} {
		v, ok := o.str(f.name)
		switch {
		case !ok || v == "":
			msgs = append(msgs, vm(prefix+f.name, msgRequired))
		case !validDate(v):
			msgs = append(msgs, vm(prefix+f.name, msgBadDate))
		default:
			*f.dst = v
		}
	}
	o.setStr("reference", &ord.Reference)
	o.setStr("invoiceComment", &ord.InvoiceComment)
	o.setStr("receiverEmail", &ord.ReceiverEmail)
	o.setStr("deliveryComment", &ord.DeliveryComment)
	o.setBool("isPrioritizeAmountsIncludingVat", &ord.IsPrioritizeAmountsIncludingVat)
	o.setInt("invoicesDueIn", &ord.InvoicesDueIn)
	o.setStr("invoicesDueInType", &ord.InvoicesDueInType)
	if c, ok := o.ref("currency"); ok && c != 1 && c != 0 {
		msgs = append(msgs, vm(prefix+"currency.id", msgNoSuchObject))
	}
	ord.ID = st.newID()
	for _, raw := range o.arr("orderLines") {
		l, lm := st.parseLine(asObj(raw), ord, prefix+"orderLines.")
		msgs = append(msgs, lm...)
		if l != nil {
			ord.Lines = append(ord.Lines, l)
		}
	}
	if len(msgs) > 0 {
		delete(st.used, ord.ID)
		return nil, validationError(msgs...)
	}
	return ord, nil
}

// storeOrder numbers an order and its lines and keeps it.
func (st *state) storeOrder(ord *Order) {
	ord.Number = strconv.Itoa(st.nextOrderNumber)
	st.nextOrderNumber++
	for _, l := range ord.Lines {
		l.ID = st.newID()
		st.orderLines[l.ID] = l
	}
	st.orders = append(st.orders, ord)
}

// createOrder is POST /order: customer, orderDate and deliveryDate are
// required; lines may be embedded.
func createOrder(c *call) (*result, *apiError) {
	st := c.s.st
	o := asObj(c.body)
	if e := idOnCreate(o); e != nil {
		return nil, e
	}
	ord, e := st.buildOrder(o, "")
	if e != nil {
		return nil, e
	}
	st.storeOrder(ord)
	return &result{status: 201, value: st.orderJSON(ord)}, nil
}

func getOrder(c *call) (*result, *apiError) {
	o := c.s.st.order(pathID(c, "id"))
	if o == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.orderJSON(o))
}

// updateOrder is PUT /order/{id}: a partial update of the order's fields;
// with updateLinesAndGroups=true and orderLines, the lines are replaced.
// An invoiced (closed) order cannot change.
func updateOrder(c *call) (*result, *apiError) {
	st := c.s.st
	ord := st.order(pathID(c, "id"))
	if ord == nil {
		return nil, notFoundError()
	}
	o := asObj(c.body)
	if e := checkVersion(o, ord.Version); e != nil {
		return nil, e
	}
	if ord.IsClosed {
		return nil, validationError(vm("", msgOrderClosed))
	}
	next := *ord
	var msgs []validationMessage
	for _, f := range []struct {
		name string
		dst  *string
	}{{"orderDate", &next.OrderDate}, {"deliveryDate", &next.DeliveryDate}} {
		if v, ok := o.str(f.name); ok {
			if !validDate(v) {
				msgs = append(msgs, vm(f.name, msgBadDate))
			}
			*f.dst = v
		}
	}
	if cid, ok := o.ref("customer"); ok {
		if st.customer(cid) == nil {
			msgs = append(msgs, vm("customer.id", msgNoSuchObject))
		}
		next.CustomerID = cid
	}
	o.setStr("reference", &next.Reference)
	o.setStr("invoiceComment", &next.InvoiceComment)
	o.setStr("receiverEmail", &next.ReceiverEmail)
	o.setStr("deliveryComment", &next.DeliveryComment)
	o.setInt("invoicesDueIn", &next.InvoicesDueIn)
	o.setStr("invoicesDueInType", &next.InvoicesDueInType)
	o.setBool("isPrioritizeAmountsIncludingVat", &next.IsPrioritizeAmountsIncludingVat)
	var lines []*OrderLine
	replace := queryBool(c, "updateLinesAndGroups", false) && o.has("orderLines")
	if replace {
		for _, raw := range o.arr("orderLines") {
			l, lm := st.parseLine(asObj(raw), &next, "orderLines.")
			msgs = append(msgs, lm...)
			if l != nil {
				lines = append(lines, l)
			}
		}
	}
	if len(msgs) > 0 {
		return nil, validationError(msgs...)
	}
	if replace {
		for _, l := range ord.Lines {
			delete(st.orderLines, l.ID)
		}
		for _, l := range lines {
			l.ID = st.newID()
			st.orderLines[l.ID] = l
		}
		next.Lines = lines
	}
	next.Version++
	*ord = next
	return &result{status: 200, value: st.orderJSON(ord)}, nil
}

// deleteOrder is DELETE /order/{id}; invoiced orders stay.
func deleteOrder(c *call) (*result, *apiError) {
	st := c.s.st
	ord := st.order(pathID(c, "id"))
	if ord == nil {
		return nil, notFoundError()
	}
	if ord.InvoiceID != 0 {
		return nil, validationError(vm("", msgOrderClosed))
	}
	for i, x := range st.orders {
		if x == ord {
			st.orders = append(st.orders[:i], st.orders[i+1:]...)
			break
		}
	}
	for _, l := range ord.Lines {
		delete(st.orderLines, l.ID)
	}
	return &result{status: 204}, nil
}

// searchOrders is GET /order: orderDateFrom (inclusive) and orderDateTo
// (exclusive) are required; id, number and customerId lists, isClosed.
func searchOrders(c *call) (*result, *apiError) {
	st := c.s.st
	q := c.query
	from, to := q.Get("orderDateFrom"), q.Get("orderDateTo")
	var out []map[string]any
	for _, o := range st.orders {
		if o.OrderDate < from || o.OrderDate >= to {
			continue
		}
		if v := q.Get("id"); v != "" && !containsID(queryIDs(v), o.ID) {
			continue
		}
		if v := q.Get("number"); v != "" && !containsID(queryIDs(v), mustAtoi(o.Number)) {
			continue
		}
		if v := q.Get("customerId"); v != "" && !containsID(queryIDs(v), o.CustomerID) {
			continue
		}
		if _, ok := queryString(q, "isClosed"); ok && queryBool(c, "isClosed", false) != o.IsClosed {
			continue
		}
		out = append(out, st.orderJSON(o))
	}
	return list(out)
}

func mustAtoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// addLines adds separately posted lines (each with order{id}) to open orders.
func (st *state) addLines(items []any, prefix func(i int) string) ([]*OrderLine, *apiError) {
	var msgs []validationMessage
	type pending struct {
		ord  *Order
		line *OrderLine
	}
	var ps []pending
	for i, raw := range items {
		lo := asObj(raw)
		p := prefix(i)
		if id, ok := lo.int("id"); ok && id != 0 {
			msgs = append(msgs, vm(p+"id", msgIDOnCreate))
			continue
		}
		oid, ok := lo.ref("order")
		ord := st.order(oid)
		switch {
		case !ok:
			msgs = append(msgs, vm(p+"order", msgRequired))
			continue
		case ord == nil:
			msgs = append(msgs, vm(p+"order.id", msgNoSuchObject))
			continue
		case ord.IsClosed:
			msgs = append(msgs, vm(p+"order.id", msgOrderClosed))
			continue
		}
		l, lm := st.parseLine(lo, ord, p)
		msgs = append(msgs, lm...)
		if l != nil {
			ps = append(ps, pending{ord, l})
		}
	}
	if len(msgs) > 0 {
		return nil, validationError(msgs...)
	}
	var out []*OrderLine
	for _, p := range ps {
		p.line.ID = st.newID()
		st.orderLines[p.line.ID] = p.line
		p.ord.Lines = append(p.ord.Lines, p.line)
		p.ord.Version++
		out = append(out, p.line)
	}
	return out, nil
}

// createOrderLine is POST /order/orderline.
func createOrderLine(c *call) (*result, *apiError) {
	st := c.s.st
	ls, e := st.addLines([]any{c.body}, func(int) string { return "" })
	if e != nil {
		return nil, e
	}
	return &result{status: 201, value: st.orderLineJSON(ls[0])}, nil
}

// createOrderLines is POST /order/orderline/list.
func createOrderLines(c *call) (*result, *apiError) {
	st := c.s.st
	items, _ := c.body.([]any)
	ls, e := st.addLines(items, func(i int) string { return "[" + strconv.Itoa(i) + "]." })
	if e != nil {
		return nil, e
	}
	out := make([]map[string]any, len(ls))
	for i, l := range ls {
		out[i] = st.orderLineJSON(l)
	}
	r, _ := list(out)
	r.status = 201
	return r, nil
}

func getOrderLine(c *call) (*result, *apiError) {
	l := c.s.st.orderLines[pathID(c, "id")]
	if l == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.orderLineJSON(l))
}

// deleteOrderLine is DELETE /order/orderline/{id} on an open order.
func deleteOrderLine(c *call) (*result, *apiError) {
	st := c.s.st
	id := pathID(c, "id")
	l := st.orderLines[id]
	if l == nil {
		return nil, notFoundError()
	}
	ord := st.order(l.OrderID)
	if ord == nil || ord.IsClosed {
		return nil, validationError(vm("", msgOrderClosed))
	}
	for i, x := range ord.Lines {
		if x == l {
			ord.Lines = append(ord.Lines[:i], ord.Lines[i+1:]...)
			break
		}
	}
	ord.Version++
	delete(st.orderLines, id)
	return &result{status: 204}, nil
}
