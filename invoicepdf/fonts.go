package invoicepdf

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// The Go fonts (BSD licensed, shipped as a Go module) cover Latin-1 and
// Latin Extended, so Swedish and Norwegian letters need no translation.
var (
	regularTTF = goregular.TTF
	boldTTF    = gobold.TTF
)

// covered is a bitmap of the Basic Multilingual Plane runes both fonts have
// a glyph for; fpdf's UTF-8 fonts address only that plane.
var (
	coverOnce sync.Once
	covered   [1 << 16 / 64]uint64
)

func loadCoverage() {
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{regularTTF, boldTTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			// The fonts are compiled in; a parse failure is a broken build.
			panic("invoicepdf: parse embedded font: " + err.Error())
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 1<<16; r++ {
		ok := true
		for _, f := range fonts {
			if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
				ok = false
				break
			}
		}
		if ok {
			covered[r/64] |= 1 << (r % 64)
		}
	}
}

// printable reports whether r can be set in the fonts.
func printable(r rune) bool {
	coverOnce.Do(loadCoverage)
	return r >= 0 && r < 1<<16 && covered[r/64]&(1<<(r%64)) != 0
}

// clean makes s safe to set on one line: white space becomes a plain space,
// other control characters are dropped and characters the fonts lack
// become "?".
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == ' ' || (r > ' ' && r < 0x7f) {
			continue
		}
		ok = false
		break
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\ufeff' || r == '\u200b':
		case printable(r):
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
