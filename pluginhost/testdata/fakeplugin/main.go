// Command fakeplugin is a provider plugin for pluginhost's tests: an
// in-memory core.Provider served over the real plugin protocol, whose
// misbehaviour is chosen through environment variables:
//
//	FAKE_VERSION        version reported by Describe (default "1.0.0")
//	FAKE_LOG            file to which every call appends "<pid> <method>",
//	                    and "<pid> cancelled <method>" when a slow call's
//	                    context ends
//	FAKE_SLOW           duration the FAKE_SLOW_METHODS (comma list) take;
//	                    they return early when their context ends
//	FAKE_CRASH_METHODS  comma list of methods during which the process
//	                    kills itself with SIGKILL ...
//	FAKE_CRASH_MARKER   ... but only while this file does not exist (it is
//	                    created first), so only the first such call crashes
//	FAKE_EXIT_AT_START  when set, exit 3 before serving (a broken plugin)
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin"
)

func main() {
	if os.Getenv("FAKE_EXIT_AT_START") != "" {
		fmt.Fprintln(os.Stderr, "fakeplugin: exiting at start as asked")
		os.Exit(3)
	}
	slow, _ := time.ParseDuration(os.Getenv("FAKE_SLOW"))
	f := &fake{
		version:   envOr("FAKE_VERSION", "1.0.0"),
		logPath:   os.Getenv("FAKE_LOG"),
		slow:      slow,
		slowSet:   set(os.Getenv("FAKE_SLOW_METHODS")),
		crashSet:  set(os.Getenv("FAKE_CRASH_METHODS")),
		marker:    os.Getenv("FAKE_CRASH_MARKER"),
		customers: map[string]core.Customer{},
		invoices:  map[string]core.Invoice{},
		byRef:     map[string]string{},
		vouchers:  map[string]string{},
		orders:    map[string]core.Order{},
		orderRef:  map[string]string{},
	}
	plugin.Serve(f, plugin.NewPluginLogger("fakeplugin"))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func set(list string) map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}

type fake struct {
	version  string
	logPath  string
	slow     time.Duration
	slowSet  map[string]bool
	crashSet map[string]bool
	marker   string

	mu        sync.Mutex
	customers map[string]core.Customer
	invoices  map[string]core.Invoice
	byRef     map[string]string // external ref → invoice id
	vouchers  map[string]string // external ref → voucher id
	orders    map[string]core.Order
	orderIDs  []string          // order ids, oldest first
	orderRef  map[string]string // external ref → order id
	seq       int64
}

func (f *fake) record(line string) {
	if f.logPath == "" {
		return
	}
	fh, err := os.OpenFile(f.logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer fh.Close()
	fmt.Fprintf(fh, "%d %s\n", os.Getpid(), line)
}

// enter logs the call, crashes or stalls as configured, and reports the
// context's error if a stall was cut short.
func (f *fake) enter(ctx context.Context, method string) error {
	f.record(method)
	if f.crashSet[method] && f.marker != "" {
		if fh, err := os.OpenFile(f.marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); err == nil {
			fh.Close()
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // never returns
		}
	}
	if f.slowSet[method] && f.slow > 0 {
		t := time.NewTimer(f.slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			f.record("cancelled " + method)
			return core.Errorf(core.CodeUnavailable, "%s: %v", method, ctx.Err())
		}
	}
	return nil
}

func (f *fake) nextID(prefix string) string {
	f.seq++
	return prefix + strconv.FormatInt(f.seq, 10)
}

func (f *fake) Describe(ctx context.Context) (core.Descriptor, error) {
	if err := f.enter(ctx, "Describe"); err != nil {
		return core.Descriptor{}, err
	}
	auth := core.AuthScheme{Type: core.AuthNone}
	if leaky() {
		auth = core.AuthScheme{Type: core.AuthAPIToken, Fields: []core.AuthField{{Name: "api_token", Label: "API token", Secret: true}}}
	}
	return core.Descriptor{
		Name:        "fake",
		DisplayName: "Fake provider",
		Version:     f.version,
		Auth:        auth,
		Capabilities: core.Capabilities{
			Invoices:           true,
			Drafts:             true,
			CollectiveInvoices: true,
			SalesExport:        true,
		},
	}, nil
}

// leaky reports whether the fake plays a careless provider that puts the
// credentials it is given in its log, its stderr and its errors: when
// FAKE_LEAK is set, or (an external plugin inherits no environment) when
// its executable's name contains "leaky". A leaky fake asks for an API
// token.
func leaky() bool {
	return os.Getenv("FAKE_LEAK") != "" || strings.Contains(filepath.Base(os.Args[0]), "leaky")
}

// VerifyConnection of a leaky fake leaks the credentials when
// FAKE_LEAK is set or the api_token starts with "leak".
func (f *fake) VerifyConnection(ctx context.Context, conn core.Connection) error {
	if err := f.enter(ctx, "VerifyConnection"); err != nil {
		return err
	}
	if !leaky() || os.Getenv("FAKE_LEAK") == "" && !strings.HasPrefix(conn.Credentials["api_token"], "leak") {
		return nil
	}
	return leak(conn)
}

// leak logs conn's credentials, writes them on stderr and returns them in
// an error, as is and URL-escaped.
func leak(conn core.Connection) error {
	var all []string
	for k, v := range conn.Credentials {
		all = append(all, k+"="+v, "?"+k+"="+url.QueryEscape(v))
	}
	text := strings.Join(all, " ")
	hclog.Default().Warn("verifying with "+text, "credentials", text)
	fmt.Fprintln(os.Stderr, "raw stderr: "+text)
	return &core.Error{Code: core.CodeUnavailable, Message: "could not verify " + text,
		Fields: []core.FieldError{{Field: "token", Message: "refused " + text}}}
}

func (f *fake) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	if err := f.enter(ctx, "SearchCustomers"); err != nil {
		return core.CustomerPage{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var page core.CustomerPage
	for _, c := range f.customers {
		if strings.Contains(strings.ToLower(c.Name), strings.ToLower(q.Q)) {
			page.Customers = append(page.Customers, c)
		}
	}
	return page, nil
}

func (f *fake) GetCustomer(ctx context.Context, conn core.Connection, id string) (core.Customer, error) {
	if err := f.enter(ctx, "GetCustomer"); err != nil {
		return core.Customer{}, err
	}
	if leaky() && len(conn.Credentials) > 0 {
		return core.Customer{}, leak(conn)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.customers[id]
	if !ok {
		return core.Customer{}, core.ErrNotFound("customer", id)
	}
	return c, nil
}

func (f *fake) CreateCustomer(ctx context.Context, conn core.Connection, c core.Customer) (core.Customer, error) {
	if err := f.enter(ctx, "CreateCustomer"); err != nil {
		return core.Customer{}, err
	}
	if err := c.Validate(); err != nil {
		return core.Customer{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c.ID = f.nextID("c")
	c.Number = c.ID
	f.customers[c.ID] = c
	return c, nil
}

func (f *fake) UpdateCustomer(ctx context.Context, conn core.Connection, id string, p core.CustomerPatch) (core.Customer, error) {
	if err := f.enter(ctx, "UpdateCustomer"); err != nil {
		return core.Customer{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.customers[id]
	if !ok {
		return core.Customer{}, core.ErrNotFound("customer", id)
	}
	c = p.Apply(c)
	f.customers[id] = c
	return c, nil
}

func (f *fake) CreateInvoice(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Invoice, error) {
	if err := f.enter(ctx, "CreateInvoice"); err != nil {
		return core.Invoice{}, err
	}
	if leaky() && len(conn.Credentials) > 0 {
		return core.Invoice{}, leak(conn)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.byRef[req.ExternalRef]; ok && req.ExternalRef != "" {
		return f.invoices[id], nil
	}
	inv := core.Invoice{
		ID:                  f.nextID("i"),
		Kind:                core.KindInvoice,
		Status:              core.StatusPosted,
		InvoiceDate:         req.InvoiceDate,
		CustomerID:          req.CustomerID,
		OrderedByCustomerID: req.OrderedBy,
		Reference:           req.Reference,
		Comment:             req.Comment,
		Currency:            req.Currency,
		NetTotal:            req.NetTotal,
		VATTotal:            req.VATTotal,
		Total:               req.Total,
		VATBreakdown:        req.VATBreakdown,
		Lines:               req.Lines,
		Provider:            "fake",
		ExternalRef:         req.ExternalRef,
		LocationID:          req.LocationID,
		ReceiptID:           req.ReceiptID,
	}
	inv.Number = f.seq
	if req.Draft {
		inv.Status, inv.Number = core.StatusDraft, 0
	}
	inv.ProviderRef = strconv.Itoa(os.Getpid()) // lets tests see which process answered
	f.invoices[inv.ID] = inv
	f.byRef[req.ExternalRef] = inv.ID
	return inv, nil
}

// UpdateDraft replaces the draft's customer, date, texts, lines and totals.
func (f *fake) UpdateDraft(ctx context.Context, conn core.Connection, id string, req core.InvoiceRequest) (core.Invoice, error) {
	if err := f.enter(ctx, "UpdateDraft"); err != nil {
		return core.Invoice{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invoices[id]
	if !ok {
		return core.Invoice{}, core.ErrNotFound("invoice", id)
	}
	if inv.Status != core.StatusDraft {
		return core.Invoice{}, core.Errorf(core.CodeConflict, "invoice %q is %s, not a draft", id, inv.Status)
	}
	inv.CustomerID, inv.OrderedByCustomerID = req.CustomerID, req.OrderedBy
	inv.InvoiceDate, inv.Reference, inv.Comment = req.InvoiceDate, req.Reference, req.Comment
	inv.Currency, inv.Lines, inv.VATBreakdown = req.Currency, req.Lines, req.VATBreakdown
	inv.NetTotal, inv.VATTotal, inv.Total = req.NetTotal, req.VATTotal, req.Total
	f.invoices[id] = inv
	return inv, nil
}

// PostInvoice numbers a draft and dates it date (when given); an invoice
// already posted or paid is returned unchanged.
func (f *fake) PostInvoice(ctx context.Context, conn core.Connection, id string, date core.Date) (core.Invoice, error) {
	if err := f.enter(ctx, "PostInvoice"); err != nil {
		return core.Invoice{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invoices[id]
	if !ok {
		return core.Invoice{}, core.ErrNotFound("invoice", id)
	}
	switch inv.Status {
	case core.StatusDraft:
		f.seq++
		inv.Status, inv.Number = core.StatusPosted, f.seq
		if date != "" {
			inv.InvoiceDate = date
		}
		f.invoices[id] = inv
	case core.StatusCredited:
		return core.Invoice{}, core.Errorf(core.CodeConflict, "invoice %q is credited", id)
	}
	return inv, nil
}

func (f *fake) GetInvoice(ctx context.Context, conn core.Connection, id string) (core.Invoice, error) {
	if err := f.enter(ctx, "GetInvoice"); err != nil {
		return core.Invoice{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invoices[id]
	if !ok {
		return core.Invoice{}, core.ErrNotFound("invoice", id)
	}
	return inv, nil
}

func (f *fake) ListInvoices(ctx context.Context, conn core.Connection, q core.InvoiceQuery) (core.InvoicePage, error) {
	if err := f.enter(ctx, "ListInvoices"); err != nil {
		return core.InvoicePage{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var page core.InvoicePage
	for _, inv := range f.invoices {
		inv.Lines = nil
		page.Invoices = append(page.Invoices, inv)
	}
	return page, nil
}

func (f *fake) CreditInvoice(ctx context.Context, conn core.Connection, req core.CreditRequest) (core.Invoice, error) {
	if err := f.enter(ctx, "CreditInvoice"); err != nil {
		return core.Invoice{}, err
	}
	return core.Invoice{}, core.Errorf(core.CodeUnsupported, "fake provider cannot credit invoices")
}

func (f *fake) MarkInvoicePaid(ctx context.Context, conn core.Connection, req core.PaymentRequest) (core.Invoice, error) {
	if err := f.enter(ctx, "MarkInvoicePaid"); err != nil {
		return core.Invoice{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := req.InvoiceID
	inv, ok := f.invoices[id]
	if !ok {
		return core.Invoice{}, core.ErrNotFound("invoice", id)
	}
	inv.Status, inv.PaidAt = core.StatusPaid, req.PaidAt
	f.invoices[id] = inv
	return inv, nil
}

func (f *fake) InvoicePDF(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	if err := f.enter(ctx, "InvoicePDF"); err != nil {
		return core.Document{}, err
	}
	return core.Document{}, core.Errorf(core.CodeUnsupported, "fake provider renders no PDF")
}

func (f *fake) InvoiceUBL(ctx context.Context, conn core.Connection, id string) (core.Document, error) {
	if err := f.enter(ctx, "InvoiceUBL"); err != nil {
		return core.Document{}, err
	}
	return core.Document{}, core.Errorf(core.CodeUnsupported, "fake provider writes no e-invoices")
}

// CreateOrder collects an open order, idempotent on req.ExternalRef.
func (f *fake) CreateOrder(ctx context.Context, conn core.Connection, req core.InvoiceRequest) (core.Order, error) {
	if err := f.enter(ctx, "CreateOrder"); err != nil {
		return core.Order{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.orderRef[req.ExternalRef]; ok && req.ExternalRef != "" {
		return f.orders[id], nil
	}
	o := core.Order{
		ID:           f.nextID("o"),
		CustomerID:   req.CustomerID,
		Status:       core.OrderOpen,
		OrderDate:    req.InvoiceDate,
		Reference:    req.Reference,
		Comment:      req.Comment,
		Currency:     req.Currency,
		NetTotal:     req.NetTotal,
		VATTotal:     req.VATTotal,
		Total:        req.Total,
		VATBreakdown: req.VATBreakdown,
		Lines:        req.Lines,
		LocationID:   req.LocationID,
		ReceiptID:    req.ReceiptID,
		ExternalRef:  req.ExternalRef,
	}
	f.orders[o.ID] = o
	f.orderIDs = append(f.orderIDs, o.ID)
	if req.ExternalRef != "" {
		f.orderRef[req.ExternalRef] = o.ID
	}
	return o, nil
}

// ListOrders lists orders oldest first, without lines. The cursor is the
// offset of the page's first order.
func (f *fake) ListOrders(ctx context.Context, conn core.Connection, q core.OrderQuery) (core.OrderPage, error) {
	if err := f.enter(ctx, "ListOrders"); err != nil {
		return core.OrderPage{}, err
	}
	start := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil || n < 0 {
			return core.OrderPage{}, core.Invalid("invalid order query", core.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
		}
		start = n
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var matching []core.Order
	for _, id := range f.orderIDs {
		o := f.orders[id]
		if (q.CustomerID == "" || o.CustomerID == q.CustomerID) && (q.Status == "" || o.Status == q.Status) {
			o.Lines = nil
			matching = append(matching, o)
		}
	}
	page := core.OrderPage{Orders: []core.Order{}}
	if start >= len(matching) {
		return page, nil
	}
	end := len(matching)
	if q.Limit > 0 && start+q.Limit < end {
		end = start + q.Limit
		page.NextCursor = strconv.Itoa(end)
	}
	page.Orders = matching[start:end]
	return page, nil
}

// RefundOrder is not offered by the fake: CodeUnsupported.
func (f *fake) RefundOrder(ctx context.Context, conn core.Connection, req core.OrderRefundRequest) (core.Order, error) {
	if err := f.enter(ctx, "RefundOrder"); err != nil {
		return core.Order{}, err
	}
	return core.Order{}, core.Errorf(core.CodeUnsupported, "the fake plugin keeps no orders to refund")
}

// InvoiceOrders makes one posted invoice of every open order of
// req.CustomerID, idempotent on req.ExternalRef.
func (f *fake) InvoiceOrders(ctx context.Context, conn core.Connection, req core.CollectiveRequest) (core.Invoice, error) {
	if err := f.enter(ctx, "InvoiceOrders"); err != nil {
		return core.Invoice{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.byRef[req.ExternalRef]; ok && req.ExternalRef != "" {
		return f.invoices[id], nil
	}
	billTo := req.BillToCustomerID
	if billTo == "" {
		billTo = req.CustomerID
	}
	inv := core.Invoice{
		Kind:        core.KindInvoice,
		Status:      core.StatusPosted,
		InvoiceDate: req.InvoiceDate,
		CustomerID:  billTo,
		Provider:    "fake",
		ExternalRef: req.ExternalRef,
		ProviderRef: strconv.Itoa(os.Getpid()),
		Lines:       []core.InvoiceLine{},
		OrderIDs:    []string{},
	}
	if billTo != req.CustomerID {
		inv.OrderedByCustomerID = req.CustomerID
	}
	for _, id := range f.orderIDs {
		o := f.orders[id]
		if o.CustomerID != req.CustomerID || o.Status != core.OrderOpen {
			continue
		}
		inv.Currency = o.Currency
		inv.NetTotal += o.NetTotal
		inv.VATTotal += o.VATTotal
		inv.Total += o.Total
		inv.VATBreakdown = addVAT(inv.VATBreakdown, o.VATBreakdown)
		for _, l := range o.Lines {
			l.OrderID = o.ID
			inv.Lines = append(inv.Lines, l)
		}
		inv.OrderIDs = append(inv.OrderIDs, o.ID)
	}
	if len(inv.OrderIDs) == 0 {
		return core.Invoice{}, core.Errorf(core.CodeNotFound, "customer %q has no open orders to invoice", req.CustomerID)
	}
	inv.ID = f.nextID("i")
	inv.Number = f.seq
	for _, id := range inv.OrderIDs {
		o := f.orders[id]
		o.Status, o.InvoiceID = core.OrderInvoiced, inv.ID
		f.orders[id] = o
	}
	f.invoices[inv.ID] = inv
	if req.ExternalRef != "" {
		f.byRef[req.ExternalRef] = inv.ID
	}
	return inv, nil
}

// addVAT adds the amounts of more to sum, rate by rate.
func addVAT(sum, more []core.VATAmount) []core.VATAmount {
next:
	for _, v := range more {
		for i := range sum {
			if sum[i].VATRate.Equal(v.VATRate) {
				sum[i].Net += v.Net
				sum[i].VAT += v.VAT
				continue next
			}
		}
		sum = append(sum, v)
	}
	return sum
}

func (f *fake) CreateLedgerAccount(ctx context.Context, conn core.Connection, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	if err := f.enter(ctx, "CreateLedgerAccount"); err != nil {
		return core.LedgerAccount{}, err
	}
	return core.LedgerAccount{Number: a.Number, Name: a.Name, Active: true}, nil
}

func (f *fake) ListLedgerAccounts(ctx context.Context, conn core.Connection) ([]core.LedgerAccount, error) {
	if err := f.enter(ctx, "ListLedgerAccounts"); err != nil {
		return nil, err
	}
	return []core.LedgerAccount{{Number: "1930", Name: "Bank", Active: true}, {Number: "3001", Name: "Sales 25%", Active: true}}, nil
}

func (f *fake) ListVATCodes(ctx context.Context, conn core.Connection) ([]core.VATCode, error) {
	if err := f.enter(ctx, "ListVATCodes"); err != nil {
		return nil, err
	}
	return nil, core.Errorf(core.CodeUnsupported, "fake provider has no VAT codes")
}

func (f *fake) ListPaymentTypes(ctx context.Context, conn core.Connection) ([]core.PaymentType, error) {
	if err := f.enter(ctx, "ListPaymentTypes"); err != nil {
		return nil, err
	}
	return nil, core.Errorf(core.CodeUnsupported, "fake provider has no payment types")
}

func (f *fake) ExportSales(ctx context.Context, conn core.Connection, v core.Voucher) (core.ExportResult, error) {
	if err := f.enter(ctx, "ExportSales"); err != nil {
		return core.ExportResult{}, err
	}
	if err := v.Validate(); err != nil {
		return core.ExportResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ref, ok := f.vouchers[v.ExternalRef]; ok {
		return core.ExportResult{ProviderRef: ref, AlreadyExisted: true}, nil
	}
	ref := f.nextID("v")
	f.vouchers[v.ExternalRef] = ref
	return core.ExportResult{ProviderRef: ref}, nil
}
