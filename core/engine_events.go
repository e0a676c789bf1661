package core

import "context"

// publish hands ev to the event publisher, if any. The happening it reports
// has taken place, so a failure is logged, not returned.
func (e *Engine) publish(ctx context.Context, ev Event) {
	if e.events == nil {
		return
	}
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = e.now().UTC()
	}
	if err := e.events.Publish(context.WithoutCancel(ctx), ev); err != nil {
		e.log.Warn("webhook event not published", "merchant", ev.MerchantID, "type", ev.Type, "key", ev.Key, "error", err)
	}
}

// invoicePosted publishes invoice.posted for a posted invoice or credit
// invoice; once per invoice, whichever path posted it and however often.
func (e *Engine) invoicePosted(ctx context.Context, s session, inv Invoice) {
	if inv.ID == "" || inv.Status == StatusDraft {
		return
	}
	e.publish(ctx, Event{MerchantID: s.merchant.ID, Type: EventInvoicePosted, Key: EventInvoicePosted + ":" + inv.ID,
		Data: inv.WithDerivedStatus(s.today(e.now()))})
}

// invoicePaid publishes invoice.paid once an invoice is paid in full; a
// part payment publishes nothing.
func (e *Engine) invoicePaid(ctx context.Context, s session, inv Invoice) {
	if inv.ID == "" || inv.Status != StatusPaid {
		return
	}
	e.publish(ctx, Event{MerchantID: s.merchant.ID, Type: EventInvoicePaid, Key: EventInvoicePaid + ":" + inv.ID, Data: inv})
}

// RunOverdueEvents publishes invoice.overdue for every invoice that is
// overdue today (posted, unpaid, past its due date) of each merchant with
// an endpoint subscribed to it; the scheduler calls it. Once per invoice:
// the event's key is the invoice's, so later runs publish nothing again.
// An endpoint subscribed later hears of the invoices overdue when it next
// runs. It returns how many invoices it looked at and the first error; a
// merchant whose integration needs re-authorisation is skipped.
func (e *Engine) RunOverdueEvents(ctx context.Context) (int, error) {
	if e.events == nil {
		return 0, nil
	}
	merchants, err := e.store.ListMerchants(ctx)
	if err != nil {
		return 0, err
	}
	var seen int
	var firstErr error
	for _, m := range merchants {
		n, err := e.overdueForMerchant(ctx, m)
		seen += n
		if err != nil && Code(err) != CodeUnavailable && firstErr == nil {
			firstErr = err
		}
	}
	return seen, firstErr
}

func (e *Engine) overdueForMerchant(ctx context.Context, m Merchant) (int, error) {
	subscribed, err := e.events.Subscribed(ctx, m.ID, EventInvoiceOverdue)
	if err != nil || !subscribed {
		return 0, err
	}
	s, err := e.invoicing(ctx, Principal{MerchantID: m.ID, Role: RoleAdmin}, ActionReadInvoices)
	if err != nil {
		return 0, err
	}
	today := s.today(e.now())
	q := InvoiceQuery{Status: StatusOverdue, Sort: SortDueDate, Limit: MaxListLimit, Today: today}
	var seen int
	for {
		page, err := call(ctx, e, s, func(conn Connection) (InvoicePage, error) {
			return s.provider.ListInvoices(ctx, conn, q)
		})
		if err != nil {
			return seen, err
		}
		for _, inv := range page.Invoices {
			inv = inv.WithDerivedStatus(today)
			if inv.Status != StatusOverdue {
				continue
			}
			seen++
			e.publish(ctx, Event{MerchantID: m.ID, Type: EventInvoiceOverdue, Key: EventInvoiceOverdue + ":" + inv.ID, Data: inv})
		}
		if page.NextCursor == "" {
			return seen, nil
		}
		q.Cursor = page.NextCursor
	}
}
