package backoffice

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// catalogue is every page text in the three languages: messages/*.json,
// one file per page group, each mapping a key to {"sv": ..., "nb": ...,
// "en": ...}. Templates hold keys only. A text may hold fmt verbs filled
// from the template's arguments.
type catalogue map[string]map[core.Language]string

// languages are the BackOffice languages, in the order of the language
// menu.
var languages = []core.Language{core.LanguageSwedish, core.LanguageNorwegian, core.LanguageEnglish}

// loadCatalogue reads every messages/*.json. Errors: a key defined twice,
// or lacking a language.
func loadCatalogue(fsys fs.FS) (catalogue, error) {
	files, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	cat := catalogue{}
	origin := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]map[core.Language]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for key, texts := range m {
			if prev, ok := origin[key]; ok {
				return nil, fmt.Errorf("%s: key %q already defined in %s", f, key, prev)
			}
			for _, l := range languages {
				if strings.TrimSpace(texts[l]) == "" {
					return nil, fmt.Errorf("%s: key %q has no %s text", f, key, l)
				}
			}
			if len(texts) != len(languages) {
				return nil, fmt.Errorf("%s: key %q has a language other than sv, nb, en", f, key)
			}
			origin[key] = path.Base(f)
			cat[key] = texts
		}
	}
	return cat, nil
}

// text returns key's text in lang, formatted with args. An unknown key
// renders as itself, in brackets, so a missing text is seen (and the
// template test fails) rather than hidden.
func (c catalogue) text(lang core.Language, key string, args ...any) string {
	texts, ok := c[key]
	if !ok {
		return "[" + key + "]"
	}
	t := texts[lang]
	if t == "" {
		t = texts[core.LanguageEnglish]
	}
	if len(args) > 0 {
		return fmt.Sprintf(t, args...)
	}
	return t
}

// has reports whether key is in the catalogue.
func (c catalogue) has(key string) bool { _, ok := c[key]; return ok }

// formatMoney formats minor units the way lang writes amounts:
// "1 234,50 kr" (sv), "kr 1 234,50" (nb), "SEK 1,234.50" (en). The
// currency's own symbol is used only where the language's currency is
// the merchant's; otherwise its ISO code.
func formatMoney(lang core.Language, minor int64, currency core.Currency) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	whole, frac := minor/100, minor%100
	group, dec := "\u00a0", ","
	if lang == core.LanguageEnglish {
		group, dec = ",", "."
	}
	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	num := b.String() + dec + fmt.Sprintf("%02d", frac)
	if neg {
		num = "\u2212" + num
	}
	switch {
	case lang == core.LanguageSwedish && currency == "SEK":
		return num + "\u00a0kr"
	case lang == core.LanguageNorwegian && currency == "NOK":
		return "kr\u00a0" + num
	case lang == core.LanguageEnglish:
		return string(currency) + "\u00a0" + num
	}
	return num + "\u00a0" + string(currency)
}

var monthsEN = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// formatDate writes a calendar day as lang does: 2026-03-02 (sv, ISO as
// Swedish offices write it), 02.03.2026 (nb), 2 Mar 2026 (en).
func formatDate(lang core.Language, d core.Date) string {
	if !d.Valid() {
		return string(d)
	}
	t := d.Time()
	switch lang {
	case core.LanguageNorwegian:
		return t.Format("02.01.2006")
	case core.LanguageEnglish:
		return fmt.Sprintf("%d %s %d", t.Day(), monthsEN[t.Month()-1], t.Year())
	}
	return t.Format("2006-01-02")
}

// formatTime writes an instant in the merchant's zone, to the minute.
func formatTime(lang core.Language, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	return formatDate(lang, core.DateOf(t)) + " " + t.Format("15:04")
}

// fieldMessages translate the engine's common field messages (English,
// shared with the JSON API) into catalogue keys; the submatches fill the
// text's verbs. A message not listed shows as the engine wrote it.
var fieldMessages = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^is required$`), "field.required"},
	// The service explains what is required in English; the field's label
	// says it on the page.
	{regexp.MustCompile(`^is required: `), "field.required"},
	{regexp.MustCompile(`^is not an e-mail address$`), "field.email"},
	{regexp.MustCompile(`^must be a date YYYY-MM-DD$`), "field.date"},
	{regexp.MustCompile(`^must be between (-?\d+) and (-?\d+)$`), "field.between"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "field.max_chars"},
	{regexp.MustCompile(`^must not be negative$`), "field.not_negative"},
	{regexp.MustCompile(`^must not be empty$`), "field.required"},
	{regexp.MustCompile(`^must be greater than 0 \(minor units\)$`), "field.positive"},
	{regexp.MustCompile(`^must not be in the future$`), "field.not_future"},
	{regexp.MustCompile(`^must not start or end with spaces$`), "field.spaces"},
	{regexp.MustCompile(`^must not contain control characters`), "field.control"},
	{regexp.MustCompile(`^must be at least 10 characters$`), "field.password_short"},
}

// fieldMessage is msg in lang when the catalogue has it, else msg.
func (c catalogue) fieldMessage(lang core.Language, msg string) string {
	for _, fm := range fieldMessages {
		if m := fm.re.FindStringSubmatch(msg); m != nil && c.has(fm.key) {
			args := make([]any, 0, len(m)-1)
			for _, a := range m[1:] {
				args = append(args, a)
			}
			return c.text(lang, fm.key, args...)
		}
	}
	return msg
}
