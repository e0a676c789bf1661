package spiristest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The real API accepts an OData subset on list endpoints. The mock
// implements: $filter with eq ne gt ge lt le, and or not, parentheses,
// contains/startswith/endswith/tolower/toupper, string/number/bool/null and
// date literals, property paths with "/" into nested objects; $orderby
// ("Field [asc|desc]", comma-separated); $page/$pagesize (1-based, default 50,
// 1..1000) and $top/$skip. String comparisons ignore case, as SQL Server's
// default collation behind the API does.

type listQuery struct {
	filter   node
	orderby  []orderKey
	page     int
	pageSize int
	top      int
	skip     int
	useTop   bool
}

type orderKey struct {
	field string
	desc  bool
}

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

func parseListQuery(q url.Values) (*listQuery, *apiError) {
	lq := &listQuery{page: 1, pageSize: defaultPageSize}
	intParam := func(name string, min, max int) (int, bool, *apiError) {
		v := q.Get(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return 0, false, invalid(fmt.Sprintf("The query parameter %s must be an integer between %d and %d.", name, min, max), name)
		}
		return n, true, nil
	}
	var err *apiError
	var ok bool
	var n int
	if n, ok, err = intParam("$page", 1, math.MaxInt32); err != nil {
		return nil, err
	} else if ok {
		lq.page = n
	}
	if n, ok, err = intParam("$pagesize", 1, maxPageSize); err != nil {
		return nil, err
	} else if ok {
		lq.pageSize = n
	}
	if n, ok, err = intParam("$top", 0, maxPageSize); err != nil {
		return nil, err
	} else if ok {
		lq.top, lq.useTop = n, true
	}
	if n, ok, err = intParam("$skip", 0, math.MaxInt32); err != nil {
		return nil, err
	} else if ok {
		lq.skip = n
		if !lq.useTop {
			lq.top, lq.useTop = maxPageSize, true
		}
	}
	if f := q.Get("$filter"); f != "" {
		nd, perr := parseFilter(f)
		if perr != nil {
			return nil, invalid("The query specified in the URI is not valid. "+perr.Error(), "$filter")
		}
		lq.filter = nd
	}
	if o := strings.TrimSpace(q.Get("$orderby")); o != "" {
		for _, part := range strings.Split(o, ",") {
			f := strings.Fields(part)
			if len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
				return nil, invalid("The query specified in the URI is not valid. $orderby: "+part, "$orderby")
			}
			lq.orderby = append(lq.orderby, orderKey{field: f[0], desc: len(f) == 2 && f[1] == "desc"})
		}
	}
	return lq, nil
}

// apply filters, orders and pages marshalled items and returns the page and
// the envelope metadata.
func (lq *listQuery) apply(items []json.RawMessage, now time.Time) (any, *apiError) {
	type row struct {
		raw json.RawMessage
		obj map[string]any
	}
	rows := make([]row, 0, len(items))
	for _, it := range items {
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(it))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, &apiError{Status: 500, Code: 1000, Msg: "mock: " + err.Error()}
		}
		if lq.filter != nil {
			v, err := lq.filter.eval(obj)
			if err != nil {
				return nil, invalid("The query specified in the URI is not valid. "+err.Error(), "$filter")
			}
			if b, _ := v.(bool); !b {
				continue
			}
		}
		rows = append(rows, row{it, obj})
	}
	if len(lq.orderby) > 0 {
		for _, k := range lq.orderby {
			if len(rows) > 0 {
				if _, err := lookup(rows[0].obj, k.field); err != nil {
					return nil, invalid("The query specified in the URI is not valid. "+err.Error(), "$orderby")
				}
			}
		}
		sort.SliceStable(rows, func(i, j int) bool {
			for _, k := range lq.orderby {
				a, _ := lookup(rows[i].obj, k.field)
				b, _ := lookup(rows[j].obj, k.field)
				c, _ := compare(a, b)
				if c != 0 {
					return (c < 0) != k.desc
				}
			}
			return false
		})
	}
	total := len(rows)
	var start, end, pageSize, page int
	if lq.useTop {
		pageSize = lq.top
		start = min(lq.skip, total)
		end = min(start+lq.top, total)
		page = 1
		if pageSize > 0 {
			page = lq.skip/pageSize + 1
		}
	} else {
		pageSize = lq.pageSize
		start = min((lq.page-1)*pageSize, total)
		end = min(start+pageSize, total)
		page = lq.page
	}
	pages := 0
	if pageSize > 0 {
		pages = (total + pageSize - 1) / pageSize
	}
	data := make([]json.RawMessage, 0, end-start)
	for _, r := range rows[start:end] {
		data = append(data, r.raw)
	}
	return envelope{
		Meta: Meta{CurrentPage: page, PageSize: pageSize, TotalNumberOfPages: pages,
			TotalNumberOfResults: total, ServerTimeUtc: now.UTC().Format("2006-01-02T15:04:05Z")},
		Data: data,
	}, nil
}

// Meta is the paging metadata of every list response.
type Meta struct {
	CurrentPage          int
	PageSize             int
	TotalNumberOfPages   int
	TotalNumberOfResults int
	ServerTimeUtc        string
}

type envelope struct {
	Meta Meta
	Data []json.RawMessage
}

// ---- $filter ----

type node interface {
	eval(obj map[string]any) (any, error)
}

type literal struct{ v any }
type field struct{ path string }
type unary struct {
	op string
	x  node
}
type binary struct {
	op   string
	l, r node
}
type call struct {
	fn   string
	args []node
}

func (l literal) eval(map[string]any) (any, error) { return l.v, nil }
func (f field) eval(obj map[string]any) (any, error) {
	return lookup(obj, f.path)
}

// lookup resolves a property path; names match exactly first, then ignoring case.
func lookup(obj map[string]any, path string) (any, error) {
	var cur any = obj
	for _, part := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, nil
		}
		v, found := m[part]
		if !found {
			for k, vv := range m {
				if strings.EqualFold(k, part) {
					v, found = vv, true
					break
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("Could not find a property named '%s'.", part)
		}
		cur = v
	}
	return cur, nil
}

func (u unary) eval(obj map[string]any) (any, error) {
	v, err := u.x.eval(obj)
	if err != nil {
		return nil, err
	}
	switch u.op {
	case "not":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("'not' needs a boolean")
		}
		return !b, nil
	case "-":
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("'-' needs a number")
		}
		return -f, nil
	}
	return nil, fmt.Errorf("unknown operator %s", u.op)
}

func (b binary) eval(obj map[string]any) (any, error) {
	l, err := b.l.eval(obj)
	if err != nil {
		return nil, err
	}
	r, err := b.r.eval(obj)
	if err != nil {
		return nil, err
	}
	switch b.op {
	case "and", "or":
		lb, ok1 := l.(bool)
		rb, ok2 := r.(bool)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("'%s' needs booleans", b.op)
		}
		if b.op == "and" {
			return lb && rb, nil
		}
		return lb || rb, nil
	}
	if l == nil || r == nil {
		switch b.op {
		case "eq":
			return l == nil && r == nil, nil
		case "ne":
			return !(l == nil && r == nil), nil
		}
		return false, nil
	}
	c, err := compare(l, r)
	if err != nil {
		return nil, err
	}
	switch b.op {
	case "eq":
		return c == 0, nil
	case "ne":
		return c != 0, nil
	case "gt":
		return c > 0, nil
	case "ge":
		return c >= 0, nil
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	}
	return nil, fmt.Errorf("unknown operator %s", b.op)
}

func (c call) eval(obj map[string]any) (any, error) {
	var args []any
	for _, a := range c.args {
		v, err := a.eval(obj)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	str := func(i int) string { s, _ := args[i].(string); return strings.ToLower(s) }
	want := map[string]int{"contains": 2, "startswith": 2, "endswith": 2, "tolower": 1, "toupper": 1}
	n, ok := want[c.fn]
	if !ok {
		return nil, fmt.Errorf("Unknown function '%s'.", c.fn)
	}
	if len(args) != n {
		return nil, fmt.Errorf("'%s' takes %d arguments", c.fn, n)
	}
	switch c.fn {
	case "contains":
		return strings.Contains(str(0), str(1)), nil
	case "startswith":
		return strings.HasPrefix(str(0), str(1)), nil
	case "endswith":
		return strings.HasSuffix(str(0), str(1)), nil
	case "tolower":
		s, _ := args[0].(string)
		return strings.ToLower(s), nil
	default:
		s, _ := args[0].(string)
		return strings.ToUpper(s), nil
	}
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// compare orders two values of compatible kinds; strings ignore case, and a
// date literal compares with a date string.
func compare(a, b any) (int, error) {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0, nil
		case a == nil:
			return -1, nil
		}
		return 1, nil
	}
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			switch {
			case fa < fb:
				return -1, nil
			case fa > fb:
				return 1, nil
			}
			return 0, nil
		}
	}
	ta, aIsTime := a.(time.Time)
	tb, bIsTime := b.(time.Time)
	if aIsTime || bIsTime {
		if !aIsTime {
			s, _ := a.(string)
			t, ok := parseDate(s)
			if !ok {
				return 0, fmt.Errorf("cannot compare %v with a date", a)
			}
			ta = t
		}
		if !bIsTime {
			s, _ := b.(string)
			t, ok := parseDate(s)
			if !ok {
				return 0, fmt.Errorf("cannot compare %v with a date", b)
			}
			tb = t
		}
		return ta.Compare(tb), nil
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, fmt.Errorf("cannot compare text with %v", b)
		}
		return strings.Compare(strings.ToLower(x), strings.ToLower(y)), nil
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, fmt.Errorf("cannot compare a boolean with %v", b)
		}
		switch {
		case x == y:
			return 0, nil
		case !x:
			return -1, nil
		}
		return 1, nil
	}
	return 0, fmt.Errorf("cannot compare %v with %v", a, b)
}

type token struct {
	kind string // ident, str, num, date, op, sym
	text string
	val  any
}

func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{kind: "sym", text: string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal")
			}
			out = append(out, token{kind: "str", val: b.String()})
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && strings.ContainsRune("0123456789.-:TZ+", rune(s[j])) {
				j++
			}
			text := s[i:j]
			if c == '-' && j == i+1 {
				out = append(out, token{kind: "sym", text: "-"})
				i++
				continue
			}
			if t, ok := parseDate(text); ok && strings.Count(text, "-") >= 2 {
				out = append(out, token{kind: "date", val: t})
			} else if f, err := strconv.ParseFloat(text, 64); err == nil {
				out = append(out, token{kind: "num", val: f})
			} else {
				return nil, fmt.Errorf("bad literal %q", text)
			}
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '/') {
				j++
			}
			word := s[i:j]
			i = j
			// datetime'2026-05-01T00:00:00' (OData v3 form)
			if (word == "datetime" || word == "datetimeoffset") && i < len(s) && s[i] == '\'' {
				k := strings.IndexByte(s[i+1:], '\'')
				if k < 0 {
					return nil, fmt.Errorf("unterminated datetime literal")
				}
				t, ok := parseDate(s[i+1 : i+1+k])
				if !ok {
					return nil, fmt.Errorf("bad datetime literal")
				}
				out = append(out, token{kind: "date", val: t})
				i += k + 2
				continue
			}
			out = append(out, token{kind: "ident", text: word})
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return out, nil
}

type parser struct {
	toks []token
	pos  int
}

func parseFilter(s string) (node, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return n, nil
}

func (p *parser) peekIdent(words ...string) bool {
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != "ident" {
		return false
	}
	for _, w := range words {
		if p.toks[p.pos].text == w {
			return true
		}
	}
	return false
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekIdent("or") {
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = binary{"or", l, r}
	}
	return l, nil
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peekIdent("and") {
		p.pos++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = binary{"and", l, r}
	}
	return l, nil
}

func (p *parser) not() (node, error) {
	if p.peekIdent("not") {
		p.pos++
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return unary{"not", x}, nil
	}
	return p.cmp()
}

func (p *parser) cmp() (node, error) {
	l, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.peekIdent("eq", "ne", "gt", "ge", "lt", "le") {
		op := p.toks[p.pos].text
		p.pos++
		r, err := p.value()
		if err != nil {
			return nil, err
		}
		return binary{op, l, r}, nil
	}
	return l, nil
}

func (p *parser) value() (node, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case "str", "num", "date":
		return literal{t.val}, nil
	case "sym":
		switch t.text {
		case "(":
			n, err := p.or()
			if err != nil {
				return nil, err
			}
			if p.pos >= len(p.toks) || p.toks[p.pos].text != ")" {
				return nil, fmt.Errorf("missing ')'")
			}
			p.pos++
			return n, nil
		case "-":
			x, err := p.value()
			if err != nil {
				return nil, err
			}
			return unary{"-", x}, nil
		}
		return nil, fmt.Errorf("unexpected %q", t.text)
	case "ident":
		switch t.text {
		case "true":
			return literal{true}, nil
		case "false":
			return literal{false}, nil
		case "null":
			return literal{nil}, nil
		}
		if p.pos < len(p.toks) && p.toks[p.pos].text == "(" {
			p.pos++
			var args []node
			for {
				a, err := p.or()
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				if p.pos < len(p.toks) && p.toks[p.pos].text == "," {
					p.pos++
					continue
				}
				break
			}
			if p.pos >= len(p.toks) || p.toks[p.pos].text != ")" {
				return nil, fmt.Errorf("missing ')'")
			}
			p.pos++
			return call{strings.ToLower(t.text), args}, nil
		}
		return field{t.text}, nil
	}
	return nil, fmt.Errorf("unexpected token")
}
