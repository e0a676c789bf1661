package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

var _ exports.Store = (*Store)(nil)

const (
	getReceiptSQL = `SELECT location_id, business_date, currency, request_hash, body, total, recorded_at
		FROM sales_receipts WHERE merchant_id = ? AND receipt_id = ?`
	dayClosedSQL = `SELECT closed_at FROM sales_days
		WHERE merchant_id = ? AND location_id = ? AND business_date = ?`
	insertReceiptSQL = `INSERT INTO sales_receipts
		(merchant_id, receipt_id, location_id, business_date, currency, request_hash, body, total, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	countReceiptSQL = `INSERT INTO sales_days (merchant_id, location_id, business_date, receipts, total)
		VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (merchant_id, location_id, business_date)
		DO UPDATE SET receipts = receipts + 1, total = total + excluded.total`
	addSalesNameSQL = `INSERT INTO sales_names (merchant_id, kind, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	dayReceiptsSQL  = `SELECT receipt_id, currency, body FROM sales_receipts
		WHERE merchant_id = ? AND location_id = ? AND business_date = ? ORDER BY rowid`
)

type receiptRow struct {
	LocationID   string `db:"location_id"`
	BusinessDate string `db:"business_date"`
	Currency     string `db:"currency"`
	RequestHash  string `db:"request_hash"`
	Body         string `db:"body"`
	Total        int64  `db:"total"`
	RecordedAt   string `db:"recorded_at"`
}

// SaveSalesReceipt stores r and adds it to its day's count and total,
// unless the merchant already has a receipt with r's ReceiptID: then it
// returns that one and created=false, whatever r holds. Lookup, the closed
// check and insert happen in one write transaction, so of concurrent calls
// with one receipt ID exactly one creates. A zero RecordedAt means now.
// Errors: CodeInvalid for an empty merchant, receipt or location ID or a
// malformed date; CodeConflict naming business_date when r is new and its
// day is closed; CodeNotFound for an unknown merchant.
func (s *Store) SaveSalesReceipt(ctx context.Context, r exports.StoredReceipt) (exports.StoredReceipt, bool, error) {
	rc := r.Receipt
	var errs []core.FieldError
	for _, f := range []struct{ name, value string }{
		{"merchant_id", r.MerchantID}, {"receipt_id", rc.ReceiptID}, {"location_id", rc.LocationID},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, core.FieldError{Field: f.name, Message: "is required"})
		}
	}
	if !rc.BusinessDate.Valid() {
		errs = append(errs, core.FieldError{Field: "business_date", Message: "must be a date YYYY-MM-DD"})
	}
	if err := core.Invalid("invalid sales receipt", errs...); err != nil {
		return exports.StoredReceipt{}, false, err
	}
	body := encodeReceipt(rc)
	recordedAt := formatTime(r.RecordedAt)
	var (
		row     receiptRow
		created bool
	)
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx) // see BeginIdempotent
		created = false
		err := tx.StmtxContext(ctx, s.stmts.getReceipt).GetContext(ctx, &row, r.MerchantID, rc.ReceiptID)
		if err == nil {
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var closed sql.NullString
		err = tx.StmtxContext(ctx, s.stmts.dayClosed).GetContext(ctx, &closed, r.MerchantID, rc.LocationID, rc.BusinessDate)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if closed.Valid {
			return &core.Error{Code: core.CodeConflict,
				Message: fmt.Sprintf("business day %s of location %s is closed: its receipts are final", rc.BusinessDate, rc.LocationID),
				Fields:  []core.FieldError{{Field: "business_date", Message: "the day is closed"}}}
		}
		_, err = tx.StmtxContext(ctx, s.stmts.insertReceipt).ExecContext(ctx, r.MerchantID, rc.ReceiptID, rc.LocationID,
			rc.BusinessDate, rc.Currency, r.RequestHash, body, r.Total, recordedAt)
		if isForeignKeyViolation(err) {
			return core.ErrNotFound("merchant", r.MerchantID)
		} else if err != nil {
			return err
		}
		if _, err := tx.StmtxContext(ctx, s.stmts.countReceipt).ExecContext(ctx, r.MerchantID, rc.LocationID, rc.BusinessDate, r.Total); err != nil {
			return err
		}
		if err := addSalesNames(ctx, tx.StmtxContext(ctx, s.stmts.addSalesName), r.MerchantID, rc); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return exports.StoredReceipt{}, false, dbError("save sales receipt", err)
	}
	if created {
		row = receiptRow{LocationID: rc.LocationID, BusinessDate: string(rc.BusinessDate), Currency: string(rc.Currency),
			RequestHash: r.RequestHash, Body: body, Total: r.Total, RecordedAt: recordedAt}
	}
	out := exports.StoredReceipt{MerchantID: r.MerchantID, RequestHash: row.RequestHash, Total: row.Total,
		Receipt: core.SalesReceipt{ReceiptID: rc.ReceiptID, LocationID: row.LocationID,
			BusinessDate: core.Date(row.BusinessDate), Currency: core.Currency(row.Currency)}}
	if err := decodeReceipt(row.Body, &out.Receipt); err != nil {
		return exports.StoredReceipt{}, false, core.Errorf(core.CodeInternal, "store: stored receipt %q: %v", rc.ReceiptID, err)
	}
	if out.RecordedAt, err = parseTime(row.RecordedAt); err != nil {
		return exports.StoredReceipt{}, false, err
	}
	return out, created, nil
}

// SalesDayReceipts returns the day's receipts in the order they were
// recorded; none for an unknown day.
func (s *Store) SalesDayReceipts(ctx context.Context, merchantID string, day exports.DayKey) ([]core.SalesReceipt, error) {
	rows, err := s.stmts.dayReceipts.QueryxContext(ctx, merchantID, day.LocationID, day.BusinessDate)
	if err != nil {
		return nil, dbError("read day receipts", err)
	}
	defer rows.Close()
	var out []core.SalesReceipt
	var id, currency, body string
	for rows.Next() {
		if err := rows.Scan(&id, &currency, &body); err != nil {
			return nil, dbError("read day receipts", err)
		}
		r := core.SalesReceipt{ReceiptID: id, LocationID: day.LocationID, BusinessDate: day.BusinessDate, Currency: core.Currency(currency)}
		if err := decodeReceipt(body, &r); err != nil {
			return nil, core.Errorf(core.CodeInternal, "store: stored receipt %q: %v", id, err)
		}
		out = append(out, r)
	}
	return out, dbError("read day receipts", rows.Err())
}

// CloseSalesDay marks the day closed at closedAt; a closed day keeps its
// first closing time, so closing again changes nothing. With queue, the
// day gets a pending export job due at closedAt unless it has one. It
// returns the day as ExportDays shows it. Errors: CodeInvalid for an empty
// merchant or location or a malformed date; CodeNotFound for an unknown
// merchant.
func (s *Store) CloseSalesDay(ctx context.Context, merchantID string, day exports.DayKey, closedAt time.Time, queue bool) (exports.Day, error) {
	if err := checkDayKey(merchantID, day); err != nil {
		return exports.Day{}, err
	}
	at := formatTime(closedAt)
	var d exports.Day
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		ctx := context.WithoutCancel(ctx)
		_, err := tx.ExecContext(ctx, `INSERT INTO sales_days (merchant_id, location_id, business_date, closed_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (merchant_id, location_id, business_date)
			DO UPDATE SET closed_at = COALESCE(closed_at, excluded.closed_at)`,
			merchantID, day.LocationID, day.BusinessDate, at)
		if isForeignKeyViolation(err) {
			return core.ErrNotFound("merchant", merchantID)
		} else if err != nil {
			return err
		}
		if queue {
			if err := queueDay(ctx, tx, merchantID, day, at); err != nil {
				return err
			}
		}
		days, err := exportDays(ctx, tx, merchantID, exports.DayQuery{From: day.BusinessDate, To: day.BusinessDate, LocationID: day.LocationID})
		if err != nil {
			return err
		}
		if len(days) != 1 {
			return fmt.Errorf("closed day %s %s not found after writing it", day.LocationID, day.BusinessDate)
		}
		d = days[0]
		return nil
	})
	return d, dbError("close sales day", err)
}

func checkDayKey(merchantID string, day exports.DayKey) error {
	var errs []core.FieldError
	if strings.TrimSpace(merchantID) == "" {
		errs = append(errs, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if strings.TrimSpace(day.LocationID) == "" {
		errs = append(errs, core.FieldError{Field: "location_id", Message: "is required"})
	}
	if !day.BusinessDate.Valid() {
		errs = append(errs, core.FieldError{Field: "business_date", Message: "must be a date YYYY-MM-DD"})
	}
	return core.Invalid("invalid business day", errs...)
}

// encodeReceipt writes a receipt's lines, payments, tips and rounding (the
// rest of it has columns of its own) as text, one item per line, fields
// separated by tabs:
//
//	L <takeaway 0|1> <VAT rate> <amount> <"product group">
//	P <amount> <"method">
//	T <tips>
//	R <rounding>
//
// Strings are Go-quoted (strconv.Quote), so any text round-trips; zero tips
// and rounding are left out. It reads back several times faster than JSON,
// which counts because an export reads every receipt of every day.
func encodeReceipt(r core.SalesReceipt) string {
	var b strings.Builder
	b.Grow(40 * (len(r.Lines) + len(r.Payments) + 1))
	for _, l := range r.Lines {
		b.WriteString("L\t")
		if l.Takeaway {
			b.WriteString("1\t")
		} else {
			b.WriteString("0\t")
		}
		b.WriteString(l.VATRate.String())
		b.WriteByte('\t')
		b.WriteString(strconv.FormatInt(l.Amount, 10))
		b.WriteByte('\t')
		b.WriteString(strconv.Quote(l.ProductGroup))
		b.WriteByte('\n')
	}
	for _, p := range r.Payments {
		b.WriteString("P\t")
		b.WriteString(strconv.FormatInt(p.Amount, 10))
		b.WriteByte('\t')
		b.WriteString(strconv.Quote(p.Method))
		b.WriteByte('\n')
	}
	if r.Tips != 0 {
		b.WriteString("T\t" + strconv.FormatInt(r.Tips, 10) + "\n")
	}
	if r.Rounding != 0 {
		b.WriteString("R\t" + strconv.FormatInt(r.Rounding, 10) + "\n")
	}
	return b.String()
}

// commonRates are the VAT rates parsed once; decimals are immutable, so
// receipts share them.
var commonRates = func() map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{}
	for _, s := range []string{"0", "6", "12", "15", "25"} {
		m[s] = decimal.RequireFromString(s)
	}
	return m
}()

// decodeReceipt reads what encodeReceipt wrote into r's lines, payments,
// tips and rounding.
func decodeReceipt(s string, r *core.SalesReceipt) error {
	r.Lines, r.Payments, r.Tips, r.Rounding = nil, nil, 0, 0
	for n := 1; s != ""; n++ {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		kind, rest, _ := strings.Cut(line, "\t")
		f := strings.Split(rest, "\t")
		bad := func() error { return fmt.Errorf("malformed line %d %q", n, line) }
		var err error
		switch {
		case kind == "L" && len(f) == 4:
			l := core.SalesLine{Takeaway: f[0] == "1"}
			rate, ok := commonRates[f[1]]
			if !ok {
				if rate, err = decimal.NewFromString(f[1]); err != nil {
					return bad()
				}
			}
			l.VATRate = rate
			if l.Amount, err = strconv.ParseInt(f[2], 10, 64); err != nil {
				return bad()
			}
			if l.ProductGroup, err = strconv.Unquote(f[3]); err != nil {
				return bad()
			}
			r.Lines = append(r.Lines, l)
		case kind == "P" && len(f) == 2:
			var p core.SalesPayment
			if p.Amount, err = strconv.ParseInt(f[0], 10, 64); err != nil {
				return bad()
			}
			if p.Method, err = strconv.Unquote(f[1]); err != nil {
				return bad()
			}
			r.Payments = append(r.Payments, p)
		case kind == "T" && len(f) == 1:
			if r.Tips, err = strconv.ParseInt(f[0], 10, 64); err != nil {
				return bad()
			}
		case kind == "R" && len(f) == 1:
			if r.Rounding, err = strconv.ParseInt(f[0], 10, 64); err != nil {
				return bad()
			}
		default:
			return bad()
		}
	}
	return nil
}

// Kinds of sales_names rows.
const (
	salesNameGroup  = "product_group"
	salesNameMethod = "payment_method"
)

// addSalesNames records the product groups and payment methods of rc for
// the merchant, each once.
func addSalesNames(ctx context.Context, stmt *sqlx.Stmt, merchantID string, rc core.SalesReceipt) error {
	seen := map[[2]string]bool{}
	add := func(kind, name string) error {
		k := [2]string{kind, name}
		if name == "" || seen[k] {
			return nil
		}
		seen[k] = true
		_, err := stmt.ExecContext(ctx, merchantID, kind, name)
		return err
	}
	for _, l := range rc.Lines {
		if err := add(salesNameGroup, l.ProductGroup); err != nil {
			return err
		}
	}
	for _, p := range rc.Payments {
		if err := add(salesNameMethod, p.Method); err != nil {
			return err
		}
	}
	return nil
}

// SalesNames returns the product groups and payment methods the merchant's
// sales receipts have used, each sorted (byte order) and never nil.
func (s *Store) SalesNames(ctx context.Context, merchantID string) (groups, methods []string, err error) {
	var rows []struct {
		Kind string `db:"kind"`
		Name string `db:"name"`
	}
	err = s.db.Reader().SelectContext(ctx, &rows,
		`SELECT kind, name FROM sales_names WHERE merchant_id = ? ORDER BY kind, name`, merchantID)
	if err != nil {
		return nil, nil, dbError("read sales names", err)
	}
	groups, methods = []string{}, []string{}
	for _, r := range rows {
		if r.Kind == salesNameGroup {
			groups = append(groups, r.Name)
		} else {
			methods = append(methods, r.Name)
		}
	}
	return groups, methods, nil
}
