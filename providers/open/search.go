package open

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/nordic"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Customer search.
//
// A customer's name key (name_lower) is indexed by its trigrams: the
// distinct runs of three characters of the key padded with two U+0001, so
// that every one- or two-character substring is also the prefix of a
// trigram. Each posting (customer_trigrams) carries the name key and the
// customer id, and a posting list is stored in (name, id) order, which is
// the order of search results. customer_trigram_counts says how many
// customers of the merchant have each trigram.
//
// A query of three or more characters looks up the counts of its trigrams
// (any absent: no name matches) and walks the postings of the rarest one in
// result order, keeping those whose name contains the whole query, until
// the page is full. A query of one or two characters sums the counts of
// the trigrams it prefixes: none means no name matches; a few are read
// whole and sorted; many mean the query is common, so walking the name
// index in order finds a page after a few rows. The organization number
// and customer number matches are index lookups, merged with the name
// matches.

// trigramPad pads a name key so that every substring of one or two
// characters starts a trigram. The migration's backfill pads the same way.
const trigramPad = "\x01\x01"

// shortQueryPostings is how many postings a one- or two-character query
// reads and sorts at most; above it, the query matches so many names that
// walking the name index in order fills a page quickly.
const shortQueryPostings = 4000

// nameTrigrams returns the distinct trigrams of the padded name key.
func nameTrigrams(nameLower string) []string {
	return trigramsOf(nameLower + trigramPad)
}

// trigramsOf returns the distinct three-rune substrings of s, in order of
// first occurrence.
func trigramsOf(s string) []string {
	r := []rune(s)
	if len(r) < 3 {
		return nil
	}
	out := make([]string, 0, len(r)-2)
	seen := make(map[string]bool, len(r)-2)
	for i := 0; i+3 <= len(r); i++ {
		t := string(r[i : i+3])
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// nameIndexStmts maintain the trigram index; prepared once on the writer.
type nameIndexStmts struct {
	addMerchant, merchantKey, addPosting, removePosting, countUp, countDown *sqlx.Stmt
}

func prepareNameIndexStmts(ctx context.Context, db *sqlite.DB) (*nameIndexStmts, error) {
	st := &nameIndexStmts{}
	for _, s := range []struct {
		dst **sqlx.Stmt
		sql string
	}{
		{&st.addMerchant, `INSERT INTO search_merchants (merchant_id) VALUES (?) ON CONFLICT (merchant_id) DO NOTHING`},
		{&st.merchantKey, `SELECT merchant_key FROM search_merchants WHERE merchant_id = ?`},
		{&st.addPosting, `INSERT OR IGNORE INTO customer_trigrams (merchant_key, trigram, name_lower, customer_id) VALUES (?, ?, ?, ?)`},
		{&st.removePosting, `DELETE FROM customer_trigrams WHERE merchant_key = ? AND trigram = ? AND name_lower = ? AND customer_id = ?`},
		{&st.countUp, `INSERT INTO customer_trigram_counts (merchant_key, trigram, n) VALUES (?, ?, 1)
			ON CONFLICT (merchant_key, trigram) DO UPDATE SET n = n + 1`},
		{&st.countDown, `UPDATE customer_trigram_counts SET n = n - 1 WHERE merchant_key = ? AND trigram = ? AND n > 0`},
	} {
		stmt, err := db.PrepareWrite(ctx, s.sql)
		if err != nil {
			return nil, err
		}
		*s.dst = stmt
	}
	return st, nil
}

// indexName moves a customer's postings from the name key oldName ("" for a
// new customer) to newName inside the write transaction tx.
func (p *Provider) indexName(ctx context.Context, tx *sqlx.Tx, merchantID, customerID, oldName, newName string) error {
	if oldName == newName {
		return nil
	}
	bind := func(s *sqlx.Stmt) *sqlx.Stmt { return tx.StmtxContext(ctx, s) }
	st := p.nameStmts
	addPosting, removePosting, countUp, countDown := bind(st.addPosting), bind(st.removePosting), bind(st.countUp), bind(st.countDown)
	if _, err := bind(st.addMerchant).ExecContext(ctx, merchantID); err != nil {
		return err
	}
	var mkey int64
	if err := bind(st.merchantKey).GetContext(ctx, &mkey, merchantID); err != nil {
		return err
	}
	var old []string
	if oldName != "" {
		old = nameTrigrams(oldName)
	}
	newGrams := nameTrigrams(newName)
	// gained are the new name's trigrams the old name lacks: only their
	// counts go up, and only the old ones not among them go down.
	gained := make(map[string]bool, len(newGrams))
	for _, t := range newGrams {
		gained[t] = true
	}
	for _, t := range old {
		if _, err := removePosting.ExecContext(ctx, mkey, t, oldName, customerID); err != nil {
			return err
		}
		if gained[t] {
			delete(gained, t) // kept: still counted
			continue
		}
		if _, err := countDown.ExecContext(ctx, mkey, t); err != nil {
			return err
		}
	}
	for _, t := range newGrams {
		if _, err := addPosting.ExecContext(ctx, mkey, t, newName, customerID); err != nil {
			return err
		}
		if !gained[t] {
			continue
		}
		if _, err := countUp.ExecContext(ctx, mkey, t); err != nil {
			return err
		}
	}
	return nil
}

// customerCursor is the position after the last customer of a page.
type customerCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// customerColumnsOf is customerColumns qualified with a table alias.
func customerColumnsOf(alias string) string {
	cols := strings.Split(customerColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

var customerColumnsC = customerColumnsOf("c")

// SearchCustomers returns a page of the merchant's customers ordered by name
// (case-insensitively) then id. An empty q lists every customer; otherwise a
// customer matches when q is a case-insensitive substring of its name, when
// q's digits equal its organization number's digits ("556016-0680" finds
// "5560160680"), or when q is its customer number. q.Limit 0 means 50.
// Errors: CodeInvalid naming cursor or limit.
//
// Every search is index work bounded by the page (see the comment at the
// top of search.go): name matches come from the trigram index, the
// organization and customer number matches from their indexes.
func (p *Provider) SearchCustomers(ctx context.Context, conn core.Connection, q core.CustomerQuery) (core.CustomerPage, error) {
	if err := checkConn(conn); err != nil {
		return core.CustomerPage{}, err
	}
	limit, err := core.NormalizeLimit(q.Limit)
	if err != nil {
		return core.CustomerPage{}, err
	}
	var after *customerCursor
	if q.Cursor != "" {
		c, err := decodeCustomerCursor(q.Cursor)
		if err != nil {
			return core.CustomerPage{}, err
		}
		after = &c
	}
	text := strings.TrimSpace(q.Q)

	rows, err := p.searchNames(ctx, conn.MerchantID, normalizeName(text), after, limit+1)
	if err != nil {
		return core.CustomerPage{}, dbError("search customers", err)
	}

	// Organization number and customer number matches, by their indexes.
	afterSQL, afterArgs := afterClause("name_lower", "id", after)
	var arms []string
	var args []any
	if digits := nordic.Digits(text); digits != "" {
		arms = append(arms, `SELECT `+customerColumns+` FROM customers INDEXED BY customers_merchant_org WHERE merchant_id = ? AND org_digits = ?`+afterSQL)
		args = append(append(args, conn.MerchantID, digits), afterArgs...)
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil && strconv.FormatInt(n, 10) == text {
		arms = append(arms, `SELECT `+customerColumns+` FROM customers INDEXED BY customers_merchant_number WHERE merchant_id = ? AND number = ?`+afterSQL)
		args = append(append(args, conn.MerchantID, n), afterArgs...)
	}
	if len(arms) > 0 {
		var more []customerRow
		err = p.db.Reader().SelectContext(ctx, &more, strings.Join(arms, " UNION ")+` ORDER BY name_lower, id LIMIT ?`,
			append(args, limit+1)...)
		if err != nil {
			return core.CustomerPage{}, dbError("search customers", err)
		}
		rows = mergeCustomerRows(rows, more)
	}

	// A page is bounded in rows and in bytes (core.FitPage), so customers
	// with long texts make shorter pages, never an oversized message.
	customers := make([]core.Customer, len(rows))
	for i, r := range rows {
		customers[i] = r.customer()
	}
	var page core.CustomerPage
	if n := core.FitPage(customers, limit, core.Customer.Size); n < len(rows) {
		customers = customers[:n]
		last := rows[n-1]
		page.NextCursor = encodeCustomerCursor(customerCursor{Name: last.NameLower, ID: last.ID})
	}
	page.Customers = customers
	return page, nil
}

// afterClause is the keyset condition "after the cursor" on the name and id
// columns given, or nothing without a cursor.
func afterClause(nameCol, idCol string, after *customerCursor) (string, []any) {
	if after == nil {
		return "", nil
	}
	return ` AND (` + nameCol + `, ` + idCol + `) > (?, ?)`, []any{after.Name, after.ID}
}

// searchNames returns up to n customers after the cursor, in (name, id)
// order, whose name key contains key (every customer for an empty key).
func (p *Provider) searchNames(ctx context.Context, merchantID, key string, after *customerCursor, n int) ([]customerRow, error) {
	db := p.db.Reader()
	if key == "" {
		return p.walkNames(ctx, merchantID, "", after, n)
	}
	mkey, ok, err := p.searchKey(ctx, merchantID)
	if err != nil || !ok {
		return nil, err // no key: the merchant has no customers
	}
	var rows []customerRow
	if utf8.RuneCountInString(key) >= 3 {
		grams := trigramsOf(key)
		query, args, err := sqlx.In(`SELECT trigram, n FROM customer_trigram_counts WHERE merchant_key = ? AND trigram IN (?)`, mkey, grams)
		if err != nil {
			return nil, err
		}
		var counts []struct {
			Trigram string `db:"trigram"`
			N       int64  `db:"n"`
		}
		if err := db.SelectContext(ctx, &counts, query, args...); err != nil {
			return nil, err
		}
		if len(counts) < len(grams) {
			return nil, nil // a trigram no name has
		}
		rarest := counts[0]
		for _, c := range counts[1:] {
			if c.N < rarest.N {
				rarest = c
			}
		}
		if rarest.N == 0 {
			return nil, nil
		}
		afterSQL, afterArgs := afterClause("t.name_lower", "t.customer_id", after)
		args = append([]any{mkey, rarest.Trigram, key}, afterArgs...)
		args = append(args, merchantID, n)
		err = db.SelectContext(ctx, &rows, `SELECT `+customerColumnsC+`
			FROM customer_trigrams t CROSS JOIN customers c ON c.id = t.customer_id
			WHERE t.merchant_key = ? AND t.trigram = ? AND instr(t.name_lower, ?) > 0`+afterSQL+`
			AND c.merchant_id = ?
			ORDER BY t.name_lower, t.customer_id LIMIT ?`, args...)
		return rows, err
	}

	// One or two characters: the postings of the trigrams the key prefixes.
	// No valid UTF-8 contains the byte 0xFF, so key+"\xff" bounds them.
	upper := key + "\xff"
	var postings int64
	if err := db.GetContext(ctx, &postings, `SELECT COALESCE(SUM(n), 0) FROM customer_trigram_counts
		WHERE merchant_key = ? AND trigram >= ? AND trigram < ?`, mkey, key, upper); err != nil {
		return nil, err
	}
	switch {
	case postings == 0:
		return nil, nil
	case postings > shortQueryPostings:
		return p.walkNames(ctx, merchantID, key, after, n)
	}
	afterSQL, afterArgs := afterClause("name_lower", "customer_id", after)
	args := append([]any{mkey, key, upper, key}, afterArgs...)
	args = append(args, n, merchantID)
	err = db.SelectContext(ctx, &rows, `SELECT `+customerColumnsC+`
		FROM (SELECT DISTINCT name_lower, customer_id FROM customer_trigrams
			WHERE merchant_key = ? AND trigram >= ? AND trigram < ? AND instr(name_lower, ?) > 0`+afterSQL+`
			ORDER BY name_lower, customer_id LIMIT ?) AS m
		CROSS JOIN customers c ON c.id = m.customer_id
		WHERE c.merchant_id = ?
		ORDER BY m.name_lower, m.customer_id`, args...)
	return rows, err
}

// searchKey is the merchant's key in the trigram index; ok is false when
// the merchant has none yet (no customer was ever indexed). Committed keys
// never change, so they are cached.
func (p *Provider) searchKey(ctx context.Context, merchantID string) (key int64, ok bool, err error) {
	if k, ok := p.searchKeys.Load(merchantID); ok {
		return k.(int64), true, nil
	}
	err = p.db.Reader().GetContext(ctx, &key, `SELECT merchant_key FROM search_merchants WHERE merchant_id = ?`, merchantID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	p.searchKeys.Store(merchantID, key)
	return key, true, nil
}

// walkNames walks the (merchant, name) index in result order from the
// cursor, keeping names that contain key (all for ""), until it has n.
func (p *Provider) walkNames(ctx context.Context, merchantID, key string, after *customerCursor, n int) ([]customerRow, error) {
	args := []any{merchantID}
	filter := ""
	if key != "" {
		filter = ` AND instr(name_lower, ?) > 0`
		args = append(args, key)
	}
	afterSQL, afterArgs := afterClause("name_lower", "id", after)
	args = append(append(args, afterArgs...), n)
	var rows []customerRow
	err := p.db.Reader().SelectContext(ctx, &rows, `SELECT `+customerColumns+` FROM customers
		WHERE merchant_id = ?`+filter+afterSQL+` ORDER BY name_lower, id LIMIT ?`, args...)
	return rows, err
}

// mergeCustomerRows merges two lists sorted by (name_lower, id), dropping
// duplicates.
func mergeCustomerRows(a, b []customerRow) []customerRow {
	out := make([]customerRow, 0, len(a)+len(b))
	less := func(x, y customerRow) bool {
		return x.NameLower < y.NameLower || (x.NameLower == y.NameLower && x.ID < y.ID)
	}
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || (len(a) > 0 && less(a[0], b[0])):
			out = append(out, a[0])
			a = a[1:]
		case len(a) == 0 || less(b[0], a[0]):
			out = append(out, b[0])
			b = b[1:]
		default: // the same customer
			out = append(out, a[0])
			a, b = a[1:], b[1:]
		}
	}
	return out
}

func encodeCustomerCursor(c customerCursor) string { return core.EncodeCursor(c) }

func decodeCustomerCursor(s string) (customerCursor, error) {
	var c customerCursor
	if err := core.DecodeCursor(s, &c); err != nil || c.ID == "" {
		return customerCursor{}, core.ErrInvalidCursor()
	}
	return c, nil
}
