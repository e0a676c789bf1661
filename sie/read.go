package sie

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ledgerbridge/ledgerbridge/core"
	"golang.org/x/text/encoding/charmap"
)

// maxFileSize bounds what Read accepts (a year of a busy company's vouchers
// is a few megabytes).
const maxFileSize = 64 << 20

// maxReadErrors caps the field errors of one failed Read.
const maxReadErrors = 20

// Read parses a SIE 4 file. It decodes code page 437, or UTF-8 when the
// whole file is valid UTF-8 with non-ASCII bytes; ignores records it does
// not keep (see File); and verifies #KSUMMA when the file has one. It does
// not check balances or mandatory records: call File.Validate for that.
//
// Errors (*core.Error, code invalid) name the line ("line 3907") of each
// record that cannot be parsed: a bad date or amount, a #TRANS outside a
// voucher, an unclosed brace; "#SIETYP" when the file is not type 4;
// "#KSUMMA" when the checksum does not match. A failing reader is internal.
func Read(r io.Reader) (File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return File{}, core.Errorf(core.CodeInternal, "read SIE file: %v", err)
	}
	if len(data) > maxFileSize {
		return File{}, core.Invalid("invalid SIE file", core.FieldError{Field: "file", Message: fmt.Sprintf("is larger than %d bytes", maxFileSize)})
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := parser{utf8: isUTF8Text(data)}
	for n, line := range bytes.Split(data, []byte("\n")) {
		p.line = n + 1
		p.record(tokenize(bytes.TrimSuffix(line, []byte("\r"))))
		if len(p.errs) >= maxReadErrors {
			break
		}
	}
	p.finish()
	if err := core.Invalid("invalid SIE file", p.errs...); err != nil {
		return File{}, err
	}
	return p.f, nil
}

// isUTF8Text reports whether data is valid UTF-8 and not plain ASCII: then
// it was written as UTF-8, whatever #FORMAT says. A real CP437 file with
// Swedish letters is never valid UTF-8 (Å Ä Ö å ä ö are lone bytes ≥ 0x80).
func isUTF8Text(data []byte) bool {
	ascii := true
	for _, c := range data {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	return !ascii && utf8.Valid(data)
}

// token is one field of a line: a word, a quoted string (with \" already
// unescaped), or a brace.
type token struct {
	raw    []byte
	brace  byte // '{' or '}' for a brace token, else 0
	quoted bool
}

// tokenize splits a line into fields: separated by spaces and tabs, "..."
// quoted with \" for a quote, and { } as tokens of their own.
func tokenize(line []byte) []token {
	var out []token
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '{' || c == '}':
			out = append(out, token{brace: c})
			i++
		case c == '"':
			i++
			var s []byte
			for i < len(line) && line[i] != '"' {
				if line[i] == '\\' && i+1 < len(line) && line[i+1] == '"' {
					i++
				}
				s = append(s, line[i])
				i++
			}
			i++ // the closing quote, if any
			out = append(out, token{raw: s, quoted: true})
		default:
			start := i
			for i < len(line) && !bytes.ContainsRune([]byte(" \t{}\""), rune(line[i])) {
				i++
			}
			out = append(out, token{raw: line[start:i]})
		}
	}
	return out
}

type parser struct {
	f     File
	utf8  bool
	line  int
	errs  []core.FieldError
	types []string // #SIETYP values seen

	ver      *Voucher // the #VER whose braces are expected or open
	verLine  int
	inBlock  bool
	summing  bool   // between #KSUMMA and #KSUMMA n
	crc      uint32 // of the records while summing
	sumFound bool
}

func (p *parser) fail(format string, args ...any) {
	p.errs = append(p.errs, core.FieldError{Field: fmt.Sprintf("line %d", p.line), Message: fmt.Sprintf(format, args...)})
}

// str decodes a token's bytes as the file's encoding.
func (p *parser) str(t token) string {
	if p.utf8 {
		return string(t.raw)
	}
	var b strings.Builder
	for _, c := range t.raw {
		b.WriteRune(charmap.CodePage437.DecodeByte(c))
	}
	return b.String()
}

func (p *parser) record(toks []token) {
	if len(toks) == 0 {
		return
	}
	tag := ""
	if toks[0].brace == 0 && !toks[0].quoted {
		tag = strings.ToUpper(string(toks[0].raw))
	}
	if tag == "#KSUMMA" {
		p.ksumma(toks)
		return
	}
	if p.summing {
		for _, t := range toks {
			p.crc = crc32.Update(p.crc, crc32.IEEETable, t.raw)
		}
	}
	if len(toks) == 1 && toks[0].brace == '{' {
		if p.ver == nil || p.inBlock {
			p.fail("{ without a #VER before it")
			return
		}
		p.inBlock = true
		return
	}
	if len(toks) == 1 && toks[0].brace == '}' {
		if !p.inBlock {
			p.fail("} without an open {")
			return
		}
		p.closeVoucher()
		return
	}
	if p.ver != nil && !p.inBlock {
		// A #VER must be followed by its { line.
		p.fail("the #VER on line %d has no { } block", p.verLine)
		p.ver = nil
	}
	if p.inBlock {
		switch tag {
		case "#TRANS":
			p.trans(toks[1:])
		case "#VER":
			p.fail("#VER before the voucher of line %d is closed", p.verLine)
		default:
			// #RTRANS is repeated as the #TRANS after it and #BTRANS is
			// a removed row; other tags are unknown here and skipped.
		}
		return
	}
	args := toks[1:]
	switch tag {
	case "#FLAGGA":
		if n, ok := p.intArg(args, 0, "#FLAGGA"); ok {
			p.f.Flag = n
		}
	case "#PROGRAM":
		p.f.Program, p.f.ProgramVersion = p.arg(args, 0), p.arg(args, 1)
	case "#FORMAT":
		if f := strings.ToUpper(p.arg(args, 0)); f != "PC8" && f != "UTF-8" && f != "UTF8" {
			p.fail("#FORMAT %q is not PC8", p.arg(args, 0))
		}
	case "#GEN":
		p.f.Generated = p.date(p.arg(args, 0), "#GEN")
		p.f.GeneratedBy = p.arg(args, 1)
	case "#SIETYP":
		p.types = append(p.types, p.arg(args, 0))
	case "#FNAMN":
		p.f.CompanyName = p.arg(args, 0)
	case "#FNR":
		p.f.CompanyID = p.arg(args, 0)
	case "#ORGNR":
		p.f.OrgNumber = p.arg(args, 0)
	case "#RAR":
		// Some programs write "#RAR 0" without dates; that says nothing.
		if p.arg(args, 1) == "" && p.arg(args, 2) == "" {
			return
		}
		idx, ok := p.intArg(args, 0, "#RAR")
		start, end := p.date(p.arg(args, 1), "#RAR"), p.date(p.arg(args, 2), "#RAR")
		if ok && start != "" && end != "" {
			p.f.FiscalYears = append(p.f.FiscalYears, FiscalYear{Index: idx, Start: start, End: end})
		}
	case "#KPTYP":
		p.f.ChartType = p.arg(args, 0)
	case "#VALUTA":
		p.f.Currency = core.Currency(p.arg(args, 0))
	case "#KONTO":
		if p.arg(args, 0) == "" {
			p.fail("#KONTO needs an account number")
			return
		}
		p.f.Accounts = append(p.f.Accounts, Account{Number: p.arg(args, 0), Name: p.arg(args, 1)})
	case "#VER":
		p.ver = &Voucher{Series: p.arg(args, 0), Number: p.arg(args, 1), Date: p.date(p.arg(args, 2), "#VER"), Text: p.arg(args, 3)}
		if p.arg(args, 2) == "" {
			p.fail("#VER needs a date")
		}
		if reg := p.arg(args, 4); reg != "" {
			p.ver.RegDate = p.date(reg, "#VER registration")
		}
		p.verLine = p.line
	case "#TRANS", "#RTRANS", "#BTRANS":
		p.fail("%s outside a voucher's braces", tag)
	}
	// Other records (#ADRESS, #IB, #UB, #RES, #DIM, #OBJEKT, #SRU, ...)
	// are not kept; the standard tells readers to skip what they do not
	// use.
}

// trans parses "#TRANS account {objects} amount [date] [text] ...".
func (p *parser) trans(args []token) {
	if len(args) == 0 || args[0].brace != 0 || len(args[0].raw) == 0 {
		p.fail("#TRANS needs an account number")
		return
	}
	t := Transaction{Account: p.str(args[0])}
	rest := args[1:]
	if len(rest) > 0 && rest[0].brace == '{' {
		end := -1
		for i, tok := range rest {
			if tok.brace == '}' {
				end = i
				break
			}
		}
		if end < 0 {
			p.fail("#TRANS object list has no closing }")
			return
		}
		list := rest[1:end]
		if len(list)%2 != 0 {
			p.fail("#TRANS object list needs dimension and object pairs")
			return
		}
		for i := 0; i < len(list); i += 2 {
			t.Objects = append(t.Objects, Object{Dimension: p.str(list[i]), ID: p.str(list[i+1])})
		}
		rest = rest[end+1:]
	}
	if len(rest) == 0 {
		p.fail("#TRANS needs an amount")
		return
	}
	amount, ok := parseAmount(string(rest[0].raw))
	if !ok {
		p.fail("#TRANS amount %q is not a number with at most two decimals", rest[0].raw)
		return
	}
	t.Amount = amount
	t.Date = p.date(p.arg(rest, 1), "#TRANS")
	t.Text = p.arg(rest, 2)
	p.ver.Transactions = append(p.ver.Transactions, t)
}

func (p *parser) closeVoucher() {
	p.f.Vouchers = append(p.f.Vouchers, *p.ver)
	p.ver, p.inBlock = nil, false
}

func (p *parser) ksumma(toks []token) {
	switch {
	case len(toks) == 1 && !p.sumFound && !p.summing:
		p.summing, p.crc = true, 0
	case len(toks) >= 2 && p.summing:
		p.summing, p.sumFound = false, true
		want, err := strconv.ParseUint(string(toks[1].raw), 10, 32)
		if err != nil {
			p.errs = append(p.errs, core.FieldError{Field: "#KSUMMA", Message: fmt.Sprintf("%q is not a checksum", toks[1].raw)})
			return
		}
		if uint32(want) != p.crc {
			p.errs = append(p.errs, core.FieldError{Field: "#KSUMMA",
				Message: fmt.Sprintf("the file says %d but its content sums to %d: it was changed after it was written", want, p.crc)})
			return
		}
		p.f.Checksum = true
	default:
		p.fail("misplaced #KSUMMA")
	}
}

func (p *parser) finish() {
	if p.ver != nil {
		p.line = p.verLine
		p.fail("this #VER is not closed")
	}
	if p.summing {
		p.errs = append(p.errs, core.FieldError{Field: "#KSUMMA", Message: "the file opens a checksum but has no closing #KSUMMA"})
	}
	switch {
	case len(p.types) == 0:
		p.errs = append(p.errs, core.FieldError{Field: "#SIETYP", Message: "is missing"})
	case len(p.types) > 1 || p.types[0] != "4":
		p.errs = append(p.errs, core.FieldError{Field: "#SIETYP", Message: fmt.Sprintf("is %s; only type 4 is read", strings.Join(p.types, ", "))})
	}
}

// arg returns the decoded i-th argument, or "" when there is none or it is
// a brace.
func (p *parser) arg(args []token, i int) string {
	if i >= len(args) || args[i].brace != 0 {
		return ""
	}
	return p.str(args[i])
}

func (p *parser) intArg(args []token, i int, tag string) (int, bool) {
	n, err := strconv.Atoi(p.arg(args, i))
	if err != nil {
		p.fail("%s needs a whole number, not %q", tag, p.arg(args, i))
		return 0, false
	}
	return n, true
}

// date parses YYYYMMDD; "" stays "". A bad date is reported and returned
// as "".
func (p *parser) date(s, tag string) core.Date {
	if s == "" {
		return ""
	}
	if len(s) == 8 {
		if d, err := core.ParseDate("", s[:4]+"-"+s[4:6]+"-"+s[6:]); err == nil {
			return d
		}
	}
	p.fail("%s date %q is not YYYYMMDD", tag, s)
	return ""
}

// parseAmount parses "-1234.5" into minor units (-123450). It accepts an
// optional leading '-', digits, and at most two decimals.
func parseAmount(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || len(whole) > 15 || len(frac) > 2 || (hasPoint && frac == "") {
		return 0, false
	}
	frac += "00"[len(frac):]
	var n int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
