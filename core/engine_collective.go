package core

import (
	"cmp"
	"context"
	"time"
)

// ListOrders lists the merchant's collective-invoice orders. Errors:
// CodeForbidden, CodeInvalid (status, limit, cursor).
func (e *Engine) ListOrders(ctx context.Context, p Principal, q OrderQuery) (OrderPage, error) {
	s, err := e.invoicing(ctx, p, ActionReadOrders)
	if err != nil {
		return OrderPage{}, err
	}
	if err := CheckOrderStatus(q.Status); err != nil {
		return OrderPage{}, err
	}
	if q.Limit, err = NormalizeLimit(q.Limit); err != nil {
		return OrderPage{}, err
	}
	return call(ctx, e, s, func(conn Connection) (OrderPage, error) { return s.provider.ListOrders(ctx, conn, q) })
}

// openOrders returns every open order of the merchant (customerID "" for
// all customers), oldest first.
func (e *Engine) openOrders(ctx context.Context, s session, customerID string) ([]Order, error) {
	var out []Order
	q := OrderQuery{CustomerID: customerID, Status: OrderOpen, Limit: MaxListLimit}
	for {
		page, err := call(ctx, e, s, func(conn Connection) (OrderPage, error) {
			return s.provider.ListOrders(ctx, conn, q)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Orders...)
		if page.NextCursor == "" {
			return out, nil
		}
		q.Cursor = page.NextCursor
	}
}

// invoiceCollectedIfDue makes the customer's collective invoice when it is
// due: its outstanding orders pass the threshold, or (when byDay) the
// month's invoice day has come. It returns nil when nothing is due.
//
// Exactly once: the external reference names the trigger (the month for
// the invoice day, the oldest open order for the threshold), the provider
// is idempotent on it, and it invoices each open order in one transaction,
// so concurrent triggers never invoice an order twice.
//
// orders are the customer's open orders, oldest first; nil reads them.
func (e *Engine) invoiceCollectedIfDue(ctx context.Context, s session, buyer, billTo Customer, today Date, byDay bool, orders []Order) (*Invoice, error) {
	ci := buyer.CollectiveInvoicing
	if orders == nil {
		var err error
		if orders, err = e.openOrders(ctx, s, buyer.ID); err != nil {
			return nil, err
		}
	}
	if len(orders) == 0 {
		return nil, nil
	}
	var outstanding int64
	for _, o := range orders {
		outstanding += o.Total
	}
	var ref string
	var before Date
	switch {
	case ci.Threshold > 0 && outstanding > ci.Threshold:
		ref = "collective:" + buyer.ID + ":threshold:" + orders[0].ID
	case byDay && !ci.Enabled:
		// Collective invoicing was switched off with orders still open:
		// invoice them now rather than never.
		ref = "collective:" + buyer.ID + ":closing:" + orders[0].ID
	case byDay && ci.DayOfMonth > 0:
		// The latest invoice day invoices what was bought before it; a
		// purchase on or after it waits for the next one.
		day := LatestInvoiceDay(today, ci.DayOfMonth)
		if !anyOrderBefore(orders, day) {
			return nil, nil
		}
		ref = "collective:" + buyer.ID + ":day:" + string(day)
		before = day
	default:
		return nil, nil
	}
	inv, err := call(ctx, e, s, func(conn Connection) (Invoice, error) {
		return s.provider.InvoiceOrders(ctx, conn, CollectiveRequest{
			ExternalRef: ref, CustomerID: buyer.ID, BillToCustomerID: billTo.ID, InvoiceDate: today,
			OrdersBefore: before,
		})
	})
	if Code(err) == CodeNotFound {
		return nil, nil // another trigger invoiced them first
	}
	if err != nil {
		return nil, err
	}
	if !invoicesAny(inv, orders) {
		// The reference's invoice was made earlier (this month's invoice
		// day has been handled); these orders wait for the next trigger.
		return nil, nil
	}
	e.invoicePosted(ctx, s, inv)
	if s.settings.AutoSend {
		e.queueInvoiceEmail(ctx, s, inv, "auto:"+inv.ID)
	}
	return &inv, nil
}

// invoicesAny reports whether inv lists any of orders.
func invoicesAny(inv Invoice, orders []Order) bool {
	for _, o := range orders {
		if contains(inv.OrderIDs, o.ID) {
			return true
		}
	}
	return false
}

// LatestInvoiceDay is the latest occurrence of a customer's invoice day
// (day of month, 1–31) on or before today. In a month without that day
// (31 in April, 29–31 in February) the invoice day is the month's last day.
func LatestInvoiceDay(today Date, day int) Date {
	y, m, _ := today.Time().Date()
	d := invoiceDayIn(y, m, day)
	if d > today {
		d = invoiceDayIn(y, m-1, day)
	}
	return d
}

// invoiceDayIn is the invoice day in the month (time.Date normalises
// month 0 to December of the year before).
func invoiceDayIn(year int, month time.Month, day int) Date {
	first := time.Date(year, month, 1, 12, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return DateOf(first.AddDate(0, 0, min(day, last)-1))
}

// anyOrderBefore reports whether any of orders is dated before day.
func anyOrderBefore(orders []Order, day Date) bool {
	for _, o := range orders {
		if o.OrderDate < day {
			return true
		}
	}
	return false
}

// RunCollectiveInvoicing makes every collective invoice that is due today
// for every merchant whose provider collects orders. It is safe to run
// often and concurrently (see invoiceCollectedIfDue); a gateway that was
// down on a customer's invoice day catches up on the next run that month.
// It returns the number of invoices made and the first error met; one
// merchant's failure does not stop the others.
func (e *Engine) RunCollectiveInvoicing(ctx context.Context) (int, error) {
	merchants, err := e.store.ListMerchants(ctx)
	if err != nil {
		return 0, err
	}
	var made int
	var firstErr error
	for _, m := range merchants {
		n, err := e.collectiveForMerchant(ctx, m)
		made += n
		if Code(err) == CodeUnavailable {
			// Paused (e.g. the integration needs re-authorisation): the
			// next run after reconnecting catches up.
			e.log.Debug("collective invoicing paused", "merchant", m.ID, "error", err)
			continue
		}
		if err != nil {
			e.log.Error("collective invoicing", "merchant", m.ID, "error", err)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return made, firstErr
}

// collectiveForMerchant makes m's due collective invoices. A customer whose
// invoice is refused as invalid (a mandatory item missing: see
// CheckInvoiceContent) is skipped, its orders left open, and the first such
// refusal is returned once the other customers are invoiced.
func (e *Engine) collectiveForMerchant(ctx context.Context, m Merchant) (int, error) {
	s, err := e.invoicing(ctx, Principal{MerchantID: m.ID, Role: RoleAdmin}, ActionWriteInvoices)
	if err != nil || !s.desc.Capabilities.CollectiveInvoices {
		return 0, err
	}
	orders, err := e.openOrders(ctx, s, "")
	if err != nil {
		return 0, err
	}
	// One listing serves every customer: orders grouped per customer, in
	// the order customers first appear (oldest open order first).
	byCustomer := map[string][]Order{}
	var customers []string
	for _, o := range orders {
		if _, ok := byCustomer[o.CustomerID]; !ok {
			customers = append(customers, o.CustomerID)
		}
		byCustomer[o.CustomerID] = append(byCustomer[o.CustomerID], o)
	}
	today := s.today(e.now())
	var made int
	var invalid error
	for _, id := range customers {
		buyer, err := call(ctx, e, s, func(c Connection) (Customer, error) { return s.provider.GetCustomer(ctx, c, id) })
		if err != nil {
			return made, err
		}
		billTo := buyer
		if buyer.ParentCustomerID != "" {
			if billTo, err = call(ctx, e, s, func(c Connection) (Customer, error) { return s.provider.GetCustomer(ctx, c, buyer.ParentCustomerID) }); err != nil {
				return made, err
			}
		}
		inv, err := e.invoiceCollectedIfDue(ctx, s, buyer, billTo, today, true, byCustomer[id])
		if Code(err) == CodeInvalid {
			// This customer's invoice cannot be posted yet (its
			// address is missing, say): its orders stay open for the
			// next run, and the other customers are invoiced.
			invalid = cmp.Or(invalid, err)
			continue
		}
		if err != nil {
			return made, err
		}
		if inv != nil {
			made++
			e.log.Info("collective invoice", "merchant", m.ID, "customer", buyer.ID, "invoice", inv.ID, "number", inv.Number, "orders", len(inv.OrderIDs))
		}
	}
	return made, invalid
}
