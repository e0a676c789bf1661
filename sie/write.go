package sie

import (
	"bytes"
	"hash/crc32"
	"io"
	"strconv"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
	"golang.org/x/text/encoding/charmap"
)

// Write writes f as a SIE type 4I file (vouchers for import, no balances)
// in code page 437 after checking it with Validate. The standard's type
// record has no letter: 4I and 4E files both say #SIETYP 4, and a 4I file
// is told by its extension (Extension, .si) and by having no #IB, #UB or
// #RES. Write adds #PROSA ImportComment so that a reader of the file sees
// which it is. The identification records come in the order of
// SIE-Gruppen's sample invoice journal FAKT.SI: #FLAGGA, #KSUMMA (when
// f.Checksum), #PROGRAM, #FORMAT PC8, #GEN, #SIETYP 4, #PROSA, #FNR,
// #ORGNR, #FNAMN, then #RAR, #KPTYP, #VALUTA, #KONTO, then each #VER with
// its #TRANS rows in braces, and the closing #KSUMMA.
//
// Free text (names, voucher and transaction texts) is always quoted;
// identifiers are quoted when empty or when they hold a space, tab, quote
// or brace. A quote inside a string is written \". Characters code page 437
// lacks (Ø, ø, €, ...) are written as '?' (å, ä, ö, Å, Ä, Ö and é are in
// it), control characters as a space, and a backslash that would end a
// quoted string as '/', since the standard has no escape for it. Errors:
// invalid from Validate; internal when w fails.
func Write(w io.Writer, f File) error {
	if err := f.Validate(); err != nil {
		return err
	}
	var out fileWriter
	out.record("#FLAGGA", word(strconv.Itoa(f.Flag)))
	if f.Checksum {
		out.record("#KSUMMA")
		out.summing = true
	}
	out.record("#PROGRAM", text(f.Program), ident(f.ProgramVersion))
	out.record("#FORMAT", word("PC8"))
	gen := []field{word(sieDate(f.Generated))}
	if f.GeneratedBy != "" {
		gen = append(gen, ident(f.GeneratedBy))
	}
	out.record("#GEN", gen...)
	out.record("#SIETYP", word("4"))
	out.record("#PROSA", text(ImportComment))
	if f.CompanyID != "" {
		out.record("#FNR", ident(f.CompanyID))
	}
	if f.OrgNumber != "" {
		out.record("#ORGNR", ident(f.OrgNumber))
	}
	out.record("#FNAMN", text(f.CompanyName))
	for _, y := range f.FiscalYears {
		out.record("#RAR", word(strconv.Itoa(y.Index)), word(sieDate(y.Start)), word(sieDate(y.End)))
	}
	if f.ChartType != "" {
		out.record("#KPTYP", ident(f.ChartType))
	}
	if f.Currency != "" {
		out.record("#VALUTA", word(string(f.Currency)))
	}
	for _, a := range f.Accounts {
		out.record("#KONTO", word(a.Number), text(a.Name))
	}
	for _, v := range f.Vouchers {
		ver := []field{ident(v.Series), ident(v.Number), word(sieDate(v.Date)), text(v.Text)}
		if v.RegDate != "" {
			ver = append(ver, word(sieDate(v.RegDate)))
		}
		out.record("#VER", ver...)
		out.raw("{")
		for _, t := range v.Transactions {
			trans := []field{word(t.Account), objects(t.Objects), word(formatAmount(t.Amount))}
			if t.Date != "" || t.Text != "" {
				trans = append(trans, ident(sieDate(t.Date)))
			}
			if t.Text != "" {
				trans = append(trans, text(t.Text))
			}
			out.indent = "   "
			out.record("#TRANS", trans...)
			out.indent = ""
		}
		out.raw("}")
	}
	if f.Checksum {
		out.summing = false
		out.record("#KSUMMA", word(strconv.FormatUint(uint64(out.crc), 10)))
	}
	if _, err := w.Write(out.buf.Bytes()); err != nil {
		return core.Errorf(core.CodeInternal, "write SIE file: %v", err)
	}
	return nil
}

// field is one field of a record: its value and how it is written.
type field struct {
	value   string
	quote   quoting
	objects []Object
	isList  bool
}

type quoting int

const (
	bare     quoting = iota // numbers, dates, tags: never quoted
	asNeeded                // quoted when empty or holding blanks, quotes, braces
	always                  // free text
)

func word(s string) field  { return field{value: s, quote: bare} }
func ident(s string) field { return field{value: s, quote: asNeeded} }
func text(s string) field  { return field{value: s, quote: always} }
func objects(o []Object) field {
	return field{objects: o, isList: true}
}

// fileWriter renders records into CP437 bytes and keeps the #KSUMMA CRC of
// the fields written while summing: the CP437 bytes of each tag and field
// value, without blanks, enclosing quotes or braces, \" counted as ".
type fileWriter struct {
	buf     bytes.Buffer
	crc     uint32
	summing bool
	indent  string
}

func (w *fileWriter) raw(line string) {
	w.buf.WriteString(line)
	w.buf.WriteByte('\n')
}

func (w *fileWriter) record(tag string, fields ...field) {
	w.buf.WriteString(w.indent)
	w.put(tag, bare)
	for _, f := range fields {
		w.buf.WriteByte(' ')
		if !f.isList {
			w.put(f.value, f.quote)
			continue
		}
		w.buf.WriteByte('{')
		for i, o := range f.objects {
			if i > 0 {
				w.buf.WriteByte(' ')
			}
			w.put(o.Dimension, asNeeded)
			w.buf.WriteByte(' ')
			w.put(o.ID, asNeeded)
		}
		w.buf.WriteByte('}')
	}
	w.buf.WriteByte('\n')
}

// put writes one value in CP437, quoted as q asks, and adds it to the CRC.
func (w *fileWriter) put(s string, q quoting) {
	b := encodeCP437(s)
	quoted := q == always || (q == asNeeded && needsQuotes(b))
	if quoted && len(b) > 0 && b[len(b)-1] == '\\' {
		b[len(b)-1] = '/'
	}
	if w.summing {
		w.crc = crc32.Update(w.crc, crc32.IEEETable, b)
	}
	if !quoted {
		w.buf.Write(b)
		return
	}
	w.buf.WriteByte('"')
	for _, c := range b {
		if c == '"' {
			w.buf.WriteByte('\\')
		}
		w.buf.WriteByte(c)
	}
	w.buf.WriteByte('"')
}

func needsQuotes(b []byte) bool {
	return len(b) == 0 || bytes.ContainsAny(b, " \t\"{}")
}

// encodeCP437 encodes s in code page 437: unencodable runes become '?' and
// control characters a space (the standard forbids them in strings).
func encodeCP437(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 32 || r == 127 {
			out = append(out, ' ')
			continue
		}
		if b, ok := charmap.CodePage437.EncodeRune(r); ok {
			out = append(out, b)
		} else {
			out = append(out, '?')
		}
	}
	return out
}

// sieDate renders a date as YYYYMMDD; the empty date as "".
func sieDate(d core.Date) string { return strings.ReplaceAll(string(d), "-", "") }

// formatAmount renders minor units as kronor with two decimals: -1234 →
// "-12.34". The standard's amounts have a decimal point and never a '+'.
func formatAmount(minor int64) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u/100, 10) + "." + strconv.FormatUint(100+u%100, 10)[1:]
	if neg {
		return "-" + s
	}
	return s
}
