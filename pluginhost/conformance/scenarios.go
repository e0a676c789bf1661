package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// chart is the accounts a check voucher books on: cash, 25 % sales and
// its output VAT, in the standard chart of the merchant's country.
type chart struct{ cash, sales, vat string }

// charts: BAS for Sweden, NS 4102 for Norway (as a new Tripletex company
// has it).
var charts = map[core.Country]chart{
	core.Sweden: {cash: "1910", sales: "3001", vat: "2611"},
	core.Norway: {cash: "1900", sales: "3000", vat: "2700"},
}

// voucher is a balanced day voucher of the target's currency on the
// standard chart of its country.
func (c *check) voucher(what string) core.Voucher {
	a, ok := charts[c.t.Conn.Country]
	if !ok {
		a = charts[core.Sweden]
	}
	return core.Voucher{ExternalRef: c.ref(what), Date: core.Date(time.Now().UTC().Format("2006-01-02")),
		Description: "ledgerbridge conformance check", Currency: c.t.Conn.Currency,
		Postings: []core.Posting{
			{Account: a.cash, Amount: -12500, Description: "conformance"},
			{Account: a.sales, Amount: 10000, VATCode: "25"},
			{Account: a.vat, Amount: 2500},
		}}
}

// invoiceRequest is a one-line invoice to customer, priced as the engine
// prices register sales.
func (c *check) invoiceRequest(what, customer string) core.InvoiceRequest {
	rate := core.VATRates(c.t.Conn.Country)[0]
	for _, r := range core.VATRates(c.t.Conn.Country) {
		if r.GreaterThan(rate) {
			rate = r
		}
	}
	p := core.PriceLines([]core.LineInput{{Description: "Conformance check", ProductGroup: "food",
		Quantity: decimal.NewFromInt(1), UnitPrice: 12500, VATRate: rate}}, true)
	return core.InvoiceRequest{ExternalRef: c.ref(what), CustomerID: customer, Currency: c.t.Conn.Currency,
		InvoiceDate: core.Date(time.Now().UTC().Format("2006-01-02")), Reference: "conformance",
		Lines: p.Lines, VATBreakdown: p.Breakdown, NetTotal: p.Net, VATTotal: p.VAT, Total: p.Total}
}

// errNoCustomer: the provider owns its customer register and it holds no
// customer to invoice, so the invoice scenarios cannot run.
var errNoCustomer = errors.New("the provider owns its customer register (owns_customers) and lists no customer to invoice: add one in the provider's account to run this scenario")

// customer creates a customer of conn to invoice or, for a provider that
// owns its register (owns_customers, or CreateCustomer answers
// unsupported), finds an invoiceable one there. Errors: errNoCustomer when
// such a register holds none; the provider's errors.
func (c *check) customer(ctx context.Context, conn core.Connection, what string) (core.Customer, error) {
	if !c.desc.Capabilities.OwnsCustomers {
		cust, err := c.p.CreateCustomer(ctx, conn, core.Customer{
			Name: "Conformance " + what + " AB", Email: "conformance@example.com", Active: true, InvoicingEnabled: true, DueDays: 30,
			BillingAddress: core.Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: string(conn.Country)},
		})
		if core.Code(err) != core.CodeUnsupported {
			return cust, err
		}
	}
	page, err := c.p.SearchCustomers(ctx, conn, core.CustomerQuery{Limit: 50})
	if err != nil {
		return core.Customer{}, err
	}
	for _, cust := range page.Customers {
		if cust.Active && cust.InvoicingEnabled {
			return cust, nil
		}
	}
	return core.Customer{}, errNoCustomer
}

// noCustomer skips name when err is errNoCustomer and fails it otherwise.
func (c *check) noCustomer(name string, err error) {
	if errors.Is(err, errNoCustomer) {
		c.skip(name, "%v", err)
		return
	}
	c.fail(name, "could not make a customer to invoice: %v", err)
}

// isolation checks that one merchant never sees another's objects.
func (c *check) isolation(ctx context.Context) {
	const name = "merchant isolation"
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	caps := c.desc.Capabilities
	if c.t.Other == nil && c.desc.Auth.Type != core.AuthNone && (caps.Invoices || caps.SalesExport) {
		c.skip(name, "auth %s: the account the credentials open holds the data, and both merchants would share it; "+
			"give the second merchant another account's credentials to check isolation", c.desc.Auth.Type)
		return
	}
	switch {
	case caps.Invoices:
		cust, err := c.customer(cctx, c.t.Conn, "isolation")
		if err != nil {
			c.noCustomer(name, err)
			return
		}
		inv, err := c.p.CreateInvoice(cctx, c.t.Conn, c.invoiceRequest("isolation", cust.ID))
		if err != nil {
			c.fail(name, "CreateInvoice failed: %v", err)
			return
		}
		if _, err := c.p.GetInvoice(cctx, c.other(), inv.ID); core.Code(err) != core.CodeNotFound {
			c.fail(name, "another merchant's GetInvoice of %s answered %s, want not_found", inv.ID, describeErr(err))
			return
		}
		if _, err := c.p.GetCustomer(cctx, c.other(), cust.ID); core.Code(err) != core.CodeNotFound && core.Code(err) != core.CodeUnsupported {
			c.fail(name, "another merchant's GetCustomer of %s answered %s, want not_found", cust.ID, describeErr(err))
			return
		}
		c.pass(name, "invoice %s and customer %s are not found for merchant %s", inv.ID, cust.ID, c.other().MerchantID)
	case caps.SalesExport:
		v := c.voucher("isolation")
		if _, err := c.p.ExportSales(cctx, c.t.Conn, v); err != nil {
			c.fail(name, "ExportSales failed: %v", err)
			return
		}
		res, err := c.p.ExportSales(cctx, c.other(), v)
		if err != nil {
			c.fail(name, "ExportSales for merchant %s failed: %v", c.other().MerchantID, err)
			return
		}
		if res.AlreadyExisted {
			c.fail(name, "merchant %s's voucher was answered as already booked: another merchant's reference leaked across", c.other().MerchantID)
			return
		}
		c.pass(name, "the same reference books separately per merchant")
	default:
		c.skip(name, "no capability to write with")
	}
}

// idempotency repeats every writing call with its reference, first after
// a call whose answer was lost (its deadline ran out), and checks there is
// one effect.
func (c *check) idempotency(ctx context.Context) {
	caps := c.desc.Capabilities
	if !caps.SalesExport {
		c.skip("idempotent ExportSales", "sales export not declared")
	} else {
		v := c.voucher("idempotency")
		c.lostAnswer(ctx, func(ctx context.Context) { _, _ = c.p.ExportSales(ctx, c.t.Conn, v) })
		cctx, cancel := c.ctx(ctx)
		first, err1 := c.p.ExportSales(cctx, c.t.Conn, v)
		again, err2 := c.p.ExportSales(cctx, c.t.Conn, v)
		cancel()
		switch {
		case err1 != nil || err2 != nil:
			c.fail("idempotent ExportSales", "retries failed: %v / %v", err1, err2)
		case !again.AlreadyExisted || again.ProviderRef != first.ProviderRef:
			c.fail("idempotent ExportSales", "the same voucher reference was booked again: %+v then %+v", first, again)
		default:
			c.pass("idempotent ExportSales", "one voucher %s after a lost answer and two retries", first.ProviderRef)
		}
	}
	if !caps.Invoices {
		c.skip("idempotent CreateInvoice", "invoices not declared")
		c.skip("idempotent CreditInvoice", "invoices not declared")
		return
	}
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	cust, err := c.customer(cctx, c.t.Conn, "idempotency")
	if err != nil {
		c.noCustomer("idempotent CreateInvoice", err)
		c.skip("idempotent CreditInvoice", "no invoice to credit: idempotent CreateInvoice did not run")
		return
	}
	req := c.invoiceRequest("idempotency", cust.ID)
	c.lostAnswer(ctx, func(ctx context.Context) { _, _ = c.p.CreateInvoice(ctx, c.t.Conn, req) })
	first, err1 := c.p.CreateInvoice(cctx, c.t.Conn, req)
	again, err2 := c.p.CreateInvoice(cctx, c.t.Conn, req)
	switch {
	case err1 != nil || err2 != nil:
		c.fail("idempotent CreateInvoice", "retries failed: %v / %v", err1, err2)
		c.skip("idempotent CreditInvoice", "no invoice to credit: idempotent CreateInvoice failed")
		return
	case first.ID != again.ID || first.Number != again.Number:
		c.fail("idempotent CreateInvoice", "the same external_ref made two invoices: %s (%d) and %s (%d)", first.ID, first.Number, again.ID, again.Number)
		c.skip("idempotent CreditInvoice", "no invoice to credit: idempotent CreateInvoice failed")
		return
	}
	c.pass("idempotent CreateInvoice", "one invoice %s after a lost answer and two retries", first.ID)
	if !caps.CreditInvoices {
		c.skip("idempotent CreditInvoice", "credit invoices not declared")
		return
	}
	creq := core.CreditRequest{ExternalRef: c.ref("credit"), InvoiceID: first.ID}
	c1, err1 := c.p.CreditInvoice(cctx, c.t.Conn, creq)
	c2, err2 := c.p.CreditInvoice(cctx, c.t.Conn, creq)
	switch {
	case err1 != nil || err2 != nil:
		c.fail("idempotent CreditInvoice", "credits failed: %v / %v", err1, err2)
	case c1.ID != c2.ID:
		c.fail("idempotent CreditInvoice", "the same external_ref made two credit invoices: %s and %s", c1.ID, c2.ID)
	default:
		c.pass("idempotent CreditInvoice", "one credit invoice %s", c1.ID)
	}
}

// lostAnswer makes a call whose deadline runs out at once, as when the
// gateway gives up waiting: the plugin may or may not have done it.
func (c *check) lostAnswer(ctx context.Context, call func(context.Context)) {
	lost, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	call(lost)
}

// errorCodes checks the codes the Provider contract names.
func (c *check) errorCodes(ctx context.Context) {
	const name = "error codes"
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	var problems []string
	if c.desc.Capabilities.Invoices {
		if _, err := c.p.GetInvoice(cctx, c.t.Conn, "conformance-no-such-invoice"); core.Code(err) != core.CodeNotFound {
			problems = append(problems, fmt.Sprintf("GetInvoice of an unknown id answered %s, want not_found", describeErr(err)))
		}
	}
	if c.desc.Capabilities.OwnsCustomers {
		if _, err := c.p.CreateCustomer(cctx, c.t.Conn, core.Customer{Name: "Conformance AB"}); core.Code(err) != core.CodeUnsupported {
			problems = append(problems, fmt.Sprintf("CreateCustomer with owns_customers declared answered %s, want unsupported", describeErr(err)))
		}
	}
	if c.desc.Capabilities.SalesExport {
		v := c.voucher("unbalanced")
		v.Postings[0].Amount++
		if _, err := c.p.ExportSales(cctx, c.t.Conn, v); core.Code(err) != core.CodeInvalid {
			problems = append(problems, fmt.Sprintf("an unbalanced voucher answered %s, want invalid", describeErr(err)))
		}
	}
	bad := c.t.Conn
	bad.MerchantID = ""
	if err := c.p.VerifyConnection(cctx, bad); core.Code(err) != core.CodeInvalid {
		problems = append(problems, fmt.Sprintf("a connection without merchant answered %s, want invalid", describeErr(err)))
	}
	if len(problems) > 0 {
		c.fail(name, "%s", strings.Join(problems, "; "))
		return
	}
	c.pass(name, "not_found, invalid, unsupported as the contract says")
}

// cancellation checks that a cancelled call comes back at once and the
// plugin still serves.
func (c *check) cancellation(ctx context.Context) {
	const name = "cancellation and deadlines"
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	start := time.Now()
	_, err := c.p.Describe(cancelled)
	took := time.Since(start)
	if err == nil || took > 2*time.Second {
		c.fail(name, "a cancelled call answered %s after %s, want an error at once", describeErr(err), took.Round(time.Millisecond))
		return
	}
	cctx, cancel2 := c.ctx(ctx)
	defer cancel2()
	if _, err := c.p.Describe(cctx); err != nil {
		c.fail(name, "after a cancelled call the plugin no longer answers: %v", err)
		return
	}
	c.pass(name, "a cancelled call ends at once; the plugin serves on")
}

// concurrency makes many calls at once.
func (c *check) concurrency(ctx context.Context) {
	const name = "concurrent calls"
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	const n = 32
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := c.p.Describe(cctx); err != nil {
				errs <- err
				return
			}
			if c.desc.Capabilities.SalesExport {
				if _, err := c.p.ExportSales(cctx, c.t.Conn, c.voucher(fmt.Sprintf("concurrent-%d", i%4))); err != nil {
					errs <- err
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		c.fail(name, "%d concurrent calls: %v", n, err)
		return
	}
	if c.client.Exited() {
		c.fail(name, "the plugin exited under %d concurrent calls", n)
		return
	}
	c.pass(name, "%d at once", n)
}

// quietStdout checks the plugin wrote nothing on stdout after the
// handshake: stdout is go-plugin's channel, logs belong on stderr.
func (c *check) quietStdout() {
	const name = "no output on stdout"
	if out := strings.TrimSpace(c.stdout.String()); out != "" {
		if len(out) > 200 {
			out = out[:200] + "…"
		}
		c.fail(name, "the plugin wrote to stdout (log to stderr instead): %q", out)
		return
	}
	c.pass(name, "")
}

// exit checks the plugin ends when the host lets it go.
func (c *check) exit() {
	const name = "clean exit"
	done := make(chan struct{})
	go func() {
		c.client.Kill()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.fail(name, "the plugin did not exit within 10 s of being told to")
		return
	}
	c.exited = true
	if !c.client.Exited() {
		c.fail(name, "the plugin process is still running")
		return
	}
	c.pass(name, "")
}
