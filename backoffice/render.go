package backoffice

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
)

// views are the parsed templates: templates/layout.html and
// templates/partials/*.html shared by every page, and one set per page file
// templates/<page>.html, which defines "content" (and may define blocks a
// partial update renders alone).
type views struct {
	pages map[string]*template.Template
	cat   catalogue
}

func loadViews(fsys fs.FS) (*views, error) {
	cat, err := loadCatalogue(fsys)
	if err != nil {
		return nil, err
	}
	base := template.New("layout.html").Funcs(templateFuncs)
	base, err = base.ParseFS(fsys, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}, cat: cat}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(fsys, f); err != nil {
			return nil, err
		}
		v.pages[name] = t
	}
	return v, nil
}

// templateFuncs are the helpers every template may call; texts come only
// from the localizer (.L), never from here.
var templateFuncs = template.FuncMap{
	// dict builds a map for passing several values to a partial:
	// {{template "field" dict "P" $ "Name" "email"}}.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"langs": func() []core.Language { return languages },
	"query": func(kv ...string) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Set(kv[i], kv[i+1])
			}
		}
		return template.URL(q.Encode())
	},
}

// localizer formats for one user's language and merchant.
type localizer struct {
	lang     core.Language
	cat      catalogue
	currency core.Currency
	loc      *time.Location
}

// T is the catalogue text of key in the user's language.
func (l *localizer) T(key string, args ...any) string { return l.cat.text(l.lang, key, args...) }

// Has reports whether key has a text (for keys built from data, such as
// "status.paid").
func (l *localizer) Has(key string) bool { return l.cat.has(key) }

// Money formats minor units in the merchant's currency.
func (l *localizer) Money(minor int64) string { return formatMoney(l.lang, minor, l.currency) }

// MoneyIn formats minor units in a given currency.
func (l *localizer) MoneyIn(minor int64, currency core.Currency) string {
	return formatMoney(l.lang, minor, currency)
}

// Date formats a calendar day.
func (l *localizer) Date(d core.Date) string { return formatDate(l.lang, d) }

// Time formats an instant in the merchant's zone; nil or zero is "".
func (l *localizer) Time(t any) string {
	switch v := t.(type) {
	case time.Time:
		return formatTime(l.lang, v, l.loc)
	case *time.Time:
		if v == nil {
			return ""
		}
		return formatTime(l.lang, *v, l.loc)
	}
	return ""
}

// Lang is the language code for <html lang>.
func (l *localizer) Lang() string { return string(l.lang) }

// navItem is one entry of the main menu.
type navItem struct {
	Key    string // catalogue key and the page's Nav
	Href   string
	Action core.Action
}

// nav is the main menu; an item shows only to roles allowed its action.
var nav = []navItem{
	{"nav.overview", Prefix + "/", ""},
	{"nav.integrations", Prefix + "/integrations", core.ActionReadIntegrations},
	{"nav.invoices", Prefix + "/invoices", core.ActionReadInvoices},
	{"nav.customers", Prefix + "/customers", core.ActionSearchCustomers},
	{"nav.orders", Prefix + "/orders", core.ActionReadOrders},
	{"nav.exports", Prefix + "/exports", core.ActionReadExports},
	{"nav.invoice_settings", Prefix + "/invoice-settings", core.ActionReadSettings},
	{"nav.payment_methods", Prefix + "/payment-methods", core.ActionReadPaymentMethods},
	{"nav.api_keys", Prefix + "/api-keys", core.ActionManageAPIKeys},
	{"nav.users", Prefix + "/users", core.ActionManageUsers},
}

// page is what every template receives; Data is the page's own.
type page struct {
	L        *localizer
	Title    string // catalogue key of the <title> and heading
	Nav      string // the active nav item's key
	Menu     []navItem
	User     core.User
	Merchant core.Merchant
	CSRF     string
	Path     string // the request's path and query, for language switching
	Flash    string // catalogue key of what the last action did
	Error    string // a failure's message, shown above the content
	Fields   map[string]string
	Data     any
}

// FieldError is the message for a form field, "" when it is fine.
func (p *page) FieldError(name string) string { return p.Fields[name] }

// Can reports whether the user's role may perform action a.
func (p *page) Can(a string) bool { return p.User.Role.Allows(core.Action(a)) }

// newPage starts the page data for the signed-in user (or, on public pages,
// for lang).
func (s *server) newPage(c *gin.Context, title, navKey string) *page {
	p := &page{Title: title, Nav: navKey, Path: c.Request.URL.RequestURI(), Fields: map[string]string{}}
	lang := core.LanguageSwedish
	loc := core.Sweden.Location()
	currency := core.Currency("SEK")
	if info, ok := sessionOf(c); ok {
		p.User, p.Merchant, p.CSRF = info.User, info.Merchant, info.CSRFToken
		lang, loc, currency = info.User.Language, info.Merchant.Country.Location(), info.Merchant.Currency
		for _, item := range nav {
			if item.Action == "" || info.User.Role.Allows(item.Action) {
				p.Menu = append(p.Menu, item)
			}
		}
	} else if l := core.Language(c.Query("lang")); l.Valid() {
		lang = l
	}
	p.L = &localizer{lang: lang, cat: s.views.cat, currency: currency, loc: loc}
	if done := c.Query("done"); done != "" && s.views.cat.has("done."+done) {
		p.Flash = "done." + done
	}
	return p
}

// render writes a whole page (layout and the page's content).
func (s *server) render(c *gin.Context, status int, name string, p *page) {
	s.execute(c, status, name, "layout", p)
}

// renderBlock writes one block of a page alone, for an htmx partial update.
func (s *server) renderBlock(c *gin.Context, status int, name, block string, p *page) {
	s.execute(c, status, name, block, p)
}

func (s *server) execute(c *gin.Context, status int, name, block string, p *page) {
	t, ok := s.views.pages[name]
	if !ok {
		s.log.Error("backoffice: no template", "page", name)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, p); err != nil {
		s.log.Error("backoffice: render", "page", name, "block", block, "error", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage renders an error page whose text is the catalogue key.
func (s *server) errorPage(c *gin.Context, status int, key string) {
	p := s.newPage(c, "error.title", "")
	p.Error = p.L.T(key)
	s.render(c, status, "error", p)
	c.Abort()
}

func (s *server) notFound(c *gin.Context) { s.errorPage(c, http.StatusNotFound, "error.not_found") }

// fail renders err as a whole page: not found and forbidden as such, a
// provider's refusal or outage with the provider's (already redacted)
// message, never an internal detail.
func (s *server) fail(c *gin.Context, err error) {
	switch core.Code(err) {
	case core.CodeNotFound:
		s.notFound(c)
	case core.CodeForbidden:
		s.errorPage(c, http.StatusForbidden, "error.forbidden")
	case core.CodeInternal, "":
		s.log.Error("backoffice: internal error", "path", c.Request.URL.Path, "error", err)
		s.errorPage(c, http.StatusInternalServerError, "error.internal")
	default:
		p := s.newPage(c, "error.title", "")
		p.Error = errorText(p.L, err)
		s.render(c, statusOf(err), "error", p)
		c.Abort()
	}
}

// errorText is what a person reads about err: the engine's message (a
// provider's own words for provider errors), prefixed by what kind of
// failure it is. Internal errors show no detail.
func errorText(l *localizer, err error) string {
	code := core.Code(err)
	if code == core.CodeInternal || code == "" {
		return l.T("error.internal")
	}
	var ce *core.Error
	msg := err.Error()
	if errors.As(err, &ce) {
		msg = ce.Message
		// Outside a form (a download, say) the fields are named in the
		// text: "customer.peppol_id: is needed …".
		for _, f := range ce.Fields {
			msg += "; " + f.Field + ": " + l.cat.fieldMessage(l.lang, f.Message)
		}
	}
	if key := "error.code." + string(code); l.Has(key) {
		return l.T(key) + " " + msg
	}
	return msg
}

// formErrors puts an invalid-input error's fields on p, so the form shows
// each message beside its field, and returns true; other errors are not
// the form's and return false.
func formErrors(p *page, err error) bool {
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.CodeInvalid {
		return false
	}
	p.Error = p.L.T("error.form")
	for _, f := range ce.Fields {
		if _, ok := p.Fields[f.Field]; !ok {
			p.Fields[f.Field] = p.L.cat.fieldMessage(p.L.lang, f.Message)
		}
	}
	if len(ce.Fields) == 0 {
		p.Error = ce.Message
	}
	return true
}

// statusOf is err's HTTP status by httpapi's table, the one the API answers
// with too.
func statusOf(err error) int { return httpapi.StatusOf(core.Code(err)) }

// done answers a successful form post: 303 to target with the flash key
// that says what happened (done.<key> in the catalogue). htmx requests get
// HX-Redirect instead, so the whole page reloads.
func (s *server) done(c *gin.Context, target, key string) {
	u := target
	if key != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "done=" + url.QueryEscape(key)
	}
	if c.GetHeader("HX-Request") == "true" {
		c.Header("HX-Redirect", u)
		c.Status(http.StatusNoContent)
		return
	}
	c.Redirect(http.StatusSeeOther, u)
}
