package core

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces a secret in a redacted text.
const Redacted = "[REDACTED]"

// MinSecretLength is the length below which a value is not treated as a
// secret: replacing every "true" or "12" in messages would mangle them, and
// no real token is that short.
const MinSecretLength = 6

// maxRemembered bounds the secrets a Redactor learns from provider calls
// (see Remember), and so the size of its replacer; the oldest are forgotten
// first, and learned again the next time a call carries them (a call's own
// credentials are always learned before it runs).
const maxRemembered = 1024

// Redactor removes known secret values from texts that leave the gateway:
// error answers and log lines. It knows two kinds of secrets: the
// operator's (Add: a consumer token, an OAuth2 client secret, the SMTP
// password), kept for the process's life, and the credentials handed to a
// provider with a call (Remember: a merchant's employee token, OAuth2
// access token), of which it keeps the most recent. Each is replaced as is
// and in the encodings it could travel in: URL query and path escaped,
// JSON-escaped and base64 (standard and URL alphabets, padded or not).
// The zero value is not usable; a nil *Redactor redacts nothing. It is safe
// for concurrent use.
type Redactor struct {
	mu        sync.RWMutex
	permanent map[string][]string // value → its encodings
	learned   map[string]learnedSecret
	seq       uint64
	repl      *strings.Replacer // nil: rebuild
}

// learnedSecret is a secret learned from a provider call: the order it was
// learned in and its encodings, worked out once when it is learned rather
// than at every rebuild of the replacer.
type learnedSecret struct {
	seq   uint64
	forms []string
}

// NewRedactor returns a Redactor that knows secrets (see Add).
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{permanent: map[string][]string{}, learned: map[string]learnedSecret{}}
	r.Add(secrets...)
	return r
}

// Add makes r redact secrets for good. Values shorter than MinSecretLength
// (after trimming spaces) are ignored.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s = strings.TrimSpace(s); len(s) >= MinSecretLength && r.permanent[s] == nil {
			r.permanent[s] = encodings(s)
			r.repl = nil
		}
	}
}

// Remember makes r redact the values of credentials, a connection's
// credentials about to be handed to a provider. It keeps the most recently
// learned maxRemembered values.
func (r *Redactor) Remember(credentials map[string]string) {
	if r == nil || len(credentials) == 0 {
		return
	}
	var unknown []string
	r.mu.RLock()
	for _, v := range credentials {
		v = strings.TrimSpace(v)
		if len(v) < MinSecretLength || r.permanent[v] != nil {
			continue
		}
		if _, ok := r.learned[v]; !ok {
			unknown = append(unknown, v)
		}
	}
	r.mu.RUnlock()
	if len(unknown) == 0 {
		return
	}
	forms := make([][]string, len(unknown))
	for i, v := range unknown {
		forms[i] = encodings(v)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, v := range unknown {
		if _, ok := r.learned[v]; ok {
			continue
		}
		r.seq++
		r.learned[v] = learnedSecret{seq: r.seq, forms: forms[i]}
		r.repl = nil
	}
	for len(r.learned) > maxRemembered {
		oldest, min := "", ^uint64(0)
		for v, l := range r.learned {
			if l.seq < min {
				oldest, min = v, l.seq
			}
		}
		delete(r.learned, oldest)
	}
}

// encodings returns s and the forms it takes when sent in a URL, a JSON
// string or a base64 header.
func encodings(s string) []string {
	j, _ := json.Marshal(s)
	b := []byte(s)
	return []string{
		s,
		url.QueryEscape(s),
		url.PathEscape(s),
		strings.Trim(string(j), `"`),
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
	}
}

// replacer returns the replacer of every known secret's encodings, longest
// first so a longer form is never half-replaced by a shorter one.
func (r *Redactor) replacer() *strings.Replacer {
	r.mu.RLock()
	repl := r.repl
	r.mu.RUnlock()
	if repl != nil {
		return repl
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.repl != nil {
		return r.repl
	}
	seen := map[string]bool{}
	var forms []string
	add := func(encoded []string) {
		for _, f := range encoded {
			if len(f) >= MinSecretLength && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	for _, encoded := range r.permanent {
		add(encoded)
	}
	for _, l := range r.learned {
		add(l.forms)
	}
	sort.Slice(forms, func(i, j int) bool {
		if len(forms[i]) != len(forms[j]) {
			return len(forms[i]) > len(forms[j])
		}
		return forms[i] < forms[j]
	})
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	r.repl = strings.NewReplacer(pairs...)
	return r.repl
}

// String returns s with every known secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	return r.replacer().Replace(s)
}

// Error returns err as an *Error whose message and field messages hold no
// known secret; nil stays nil. err itself is not changed.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	e := AsError(err)
	if r == nil {
		return e
	}
	out := *e
	out.Message = r.String(e.Message)
	if len(e.Fields) > 0 {
		out.Fields = make([]FieldError, len(e.Fields))
		for i, f := range e.Fields {
			out.Fields[i] = FieldError{Field: r.String(f.Field), Message: r.String(f.Message)}
		}
	}
	return &out
}

// Handler wraps h so that no record it writes carries a known secret: the
// message and every string-valued attribute (errors and other values are
// formatted first) are redacted.
func (r *Redactor) Handler(h slog.Handler) slog.Handler {
	return &redactingHandler{r: r, h: h}
}

type redactingHandler struct {
	r *Redactor
	h slog.Handler
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.h.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.r.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.r.attr(a)
	}
	return &redactingHandler{r: h.r, h: h.h.WithAttrs(red)}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{r: h.r, h: h.h.WithGroup(name)}
}

// attr redacts one attribute: strings as they are, groups attribute by
// attribute, anything else (errors, structs, byte slices) as its text.
func (r *Redactor) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, ga := range g {
			red[i] = r.attr(ga)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		case []byte:
			s = string(x)
		case interface{ String() string }:
			s = x.String()
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return slog.String(a.Key, r.String(v.String()))
			}
			s = string(b)
			if red := r.String(s); red != s {
				return slog.String(a.Key, red)
			}
			return slog.Attr{Key: a.Key, Value: v}
		}
		return slog.String(a.Key, r.String(s))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
