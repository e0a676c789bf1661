package open

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Invoice creation is the register's hot path. Concurrent CreateInvoice
// calls are group-committed: whichever caller finds no batch running becomes
// the leader and runs every queued request in one write transaction, with
// statements prepared once per batch, then hands the lead to the next queued
// caller. Each request still gets its number and its rows in the same
// transaction, in queue order, so numbers stay contiguous; a request that is
// refused (unknown customer, ...) is refused before it writes anything and
// does not disturb the others.

// maxBatch bounds how many invoices one transaction creates.
const maxBatch = 64

type createJob struct {
	merchantID string
	start      int64
	ref        string
	inv        core.Invoice // complete except number, due date and customer name
	done       chan createResult
}

type createResult struct {
	inv        core.Invoice
	existingID string // set when the external reference already existed
	err        error
	lead       bool // the receiver is now the batch leader
}

type batcher struct {
	mu      sync.Mutex
	queue   []*createJob
	running bool
}

// submit runs job in a batch and returns its result.
func (b *batcher) submit(p *Provider, ctx context.Context, job *createJob) createResult {
	job.done = make(chan createResult, 1)
	b.mu.Lock()
	b.queue = append(b.queue, job)
	if b.running {
		b.mu.Unlock()
		r := <-job.done
		if !r.lead {
			return r
		}
		b.mu.Lock()
	}
	b.running = true
	n := min(len(b.queue), maxBatch)
	batch := append([]*createJob(nil), b.queue[:n]...)
	b.queue = b.queue[n:]
	b.mu.Unlock()

	// The batch serves other callers too, so it must not die with this
	// caller's context.
	results := p.runBatch(context.WithoutCancel(ctx), batch)
	var own createResult
	for i, j := range batch {
		if j == job {
			own = results[i]
		} else {
			j.done <- results[i]
		}
	}

	b.mu.Lock()
	if len(b.queue) > 0 {
		b.queue[0].done <- createResult{lead: true}
	} else {
		b.running = false
	}
	b.mu.Unlock()
	return own
}

// runBatch creates the batch's invoices in one transaction. If the
// transaction fails for a reason other than a refusal, each job is retried
// alone so one bad request cannot fail its neighbours.
func (p *Provider) runBatch(ctx context.Context, batch []*createJob) []createResult {
	results := make([]createResult, len(batch))
	err := p.db.Write(ctx, func(tx *sqlx.Tx) error {
		st, err := prepareInvoiceStmts(ctx, tx)
		if err != nil {
			return err
		}
		defer st.close()
		for i, j := range batch {
			results[i] = p.createInTx(ctx, st, j)
			if results[i].err != nil && !isRefusal(results[i].err) {
				return results[i].err
			}
		}
		return nil
	})
	if err == nil {
		return results
	}
	if len(batch) == 1 {
		results[0] = createResult{err: err}
		return results
	}
	for i, j := range batch {
		results[i] = p.runBatch(ctx, []*createJob{j})[0]
	}
	return results
}

// isRefusal reports whether err is a business refusal decided before
// anything was written (as opposed to a database failure).
func isRefusal(err error) bool {
	_, ok := err.(*core.Error)
	return ok
}

// createInTx creates one invoice inside the batch transaction.
func (p *Provider) createInTx(ctx context.Context, st *invoiceStmts, j *createJob) createResult {
	var ref any
	if j.ref != "" {
		ref = j.ref
	}
	var look struct {
		ExistingID       string `db:"existing_id"`
		ExistingKind     string `db:"existing_kind"`
		Found            bool   `db:"found"`
		Name             string `db:"name"`
		Active           bool   `db:"active"`
		InvoicingEnabled bool   `db:"invoicing_enabled"`
		DueDays          int    `db:"due_days"`
	}
	if err := st.lookup.GetContext(ctx, &look, j.merchantID, ref, j.inv.CustomerID, j.merchantID); err != nil {
		return createResult{err: err}
	}
	switch {
	case look.ExistingID != "" && look.ExistingKind != string(core.KindInvoice):
		return createResult{err: refUsedBy(look.ExistingKind)}
	case look.ExistingID != "":
		return createResult{existingID: look.ExistingID}
	case !look.Found:
		return createResult{err: invalidCustomer("no such customer")}
	case !look.Active:
		return createResult{err: invalidCustomer("customer is not active")}
	case !look.InvoicingEnabled:
		return createResult{err: invalidCustomer("invoicing is not enabled for this customer")}
	}
	inv := j.inv
	n, err := st.nextNumber(ctx, j.merchantID, j.start)
	if err != nil {
		return createResult{err: err}
	}
	inv.Number = n
	inv.ProviderRef = strconv.FormatInt(n, 10)
	inv.CustomerName = look.Name
	inv.DueDate = inv.InvoiceDate.AddDays(look.DueDays)
	if err := st.insert(ctx, j.merchantID, inv, nil); err != nil {
		return createResult{err: err}
	}
	return createResult{inv: inv}
}

func refUsedBy(kind string) error {
	return &core.Error{Code: core.CodeConflict, Message: "external reference already used",
		Fields: []core.FieldError{{Field: "external_ref", Message: "already identifies a " + kind + " invoice"}}}
}

// invoiceStmts are the write path's statements, prepared once per
// transaction.
type invoiceStmts struct {
	lookup, series, invoice, line, vat *sqlx.Stmt
}

func prepareInvoiceStmts(ctx context.Context, tx *sqlx.Tx) (*invoiceStmts, error) {
	st := &invoiceStmts{}
	for _, s := range []struct {
		dst **sqlx.Stmt
		sql string
	}{
		{&st.lookup, `SELECT COALESCE(i.id, '') AS existing_id, COALESCE(i.kind, '') AS existing_kind,
			c.id IS NOT NULL AS found, COALESCE(c.name, '') AS name, COALESCE(c.active, 0) AS active,
			COALESCE(c.invoicing_enabled, 0) AS invoicing_enabled, COALESCE(c.due_days, 0) AS due_days
			FROM (SELECT 1) AS one
			LEFT JOIN invoices i ON i.merchant_id = ? AND i.external_ref = ?
			LEFT JOIN customers c ON c.id = ? AND c.merchant_id = ?`},
		{&st.series, `INSERT INTO invoice_series (merchant_id, next_number) VALUES (?, ? + 1)
			ON CONFLICT (merchant_id) DO UPDATE SET next_number = next_number + 1
			RETURNING next_number - 1`},
		{&st.invoice, `INSERT INTO invoices (id, merchant_id, number, kind, status, invoice_date, due_date,
			customer_id, customer_name, reference, comment, currency, net_total, vat_total, total, paid_at,
			credits_invoice_id, external_ref, location_id, receipt_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.line, `INSERT INTO invoice_lines (invoice_id, position, description, product_group, quantity,
			unit_price, vat_rate, takeaway, net, vat, total, credits_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.vat, `INSERT INTO invoice_vat (invoice_id, position, vat_rate, net, vat) VALUES (?, ?, ?, ?, ?)`},
	} {
		stmt, err := tx.PreparexContext(ctx, s.sql)
		if err != nil {
			st.close()
			return nil, err
		}
		*s.dst = stmt
	}
	return st, nil
}

func (st *invoiceStmts) close() {
	for _, s := range []*sqlx.Stmt{st.lookup, st.series, st.invoice, st.line, st.vat} {
		if s != nil {
			s.Close()
		}
	}
}

// nextNumber takes the next number of the merchant's series, creating the
// series at start on first use. It runs inside the transaction that inserts
// the numbered invoice, so a rolled-back insert gives its number back.
func (st *invoiceStmts) nextNumber(ctx context.Context, merchantID string, start int64) (int64, error) {
	var n int64
	err := st.series.QueryRowContext(ctx, merchantID, start).Scan(&n)
	return n, err
}

// insert writes inv with its lines and VAT breakdown. creditsLine, when not
// nil, holds for each line the original line it credits.
func (st *invoiceStmts) insert(ctx context.Context, merchantID string, inv core.Invoice, creditsLine []int) error {
	_, err := st.invoice.ExecContext(ctx,
		inv.ID, merchantID, inv.Number, string(inv.Kind), string(inv.Status), string(inv.InvoiceDate), string(inv.DueDate),
		inv.CustomerID, inv.CustomerName, inv.Reference, inv.Comment, string(inv.Currency),
		inv.NetTotal, inv.VATTotal, inv.Total, string(inv.PaidAt),
		nullIfEmpty(inv.CreditsInvoiceID), nullIfEmpty(inv.ExternalRef), inv.LocationID, inv.ReceiptID, formatTime(inv.CreatedAt))
	if err != nil {
		return err
	}
	for i, l := range inv.Lines {
		var credits any
		if creditsLine != nil {
			credits = creditsLine[i]
		}
		if _, err := st.line.ExecContext(ctx, inv.ID, i, l.Description, l.ProductGroup, l.Quantity.String(),
			l.UnitPrice, l.VATRate.String(), boolInt(l.Takeaway), l.Net, l.VAT, l.Total, credits); err != nil {
			return err
		}
	}
	for i, v := range inv.VATBreakdown {
		if _, err := st.vat.ExecContext(ctx, inv.ID, i, v.VATRate.String(), v.Net, v.VAT); err != nil {
			return err
		}
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return sql.NullString{}
	}
	return s
}

// idEncoding is base32 with digits first, so encoded ids sort like the bytes.
var idEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// newInvoiceID returns "inv_" followed by the creation time in milliseconds
// and 80 random bits. Ids that grow with time keep inserts at the right edge
// of the invoice and line indexes instead of on random pages.
func newInvoiceID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("open: no randomness: " + err.Error())
	}
	return "inv_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}
