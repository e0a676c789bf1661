package backoffice

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

// The payment methods page (Settings → Payment methods): each method at
// the register enabled or not, at every location or only at chosen ones
// (engine.PaymentMethods / UpdatePaymentMethods). An admin edits; the
// other roles read.
func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		g.GET("/payment-methods", s.allow(core.ActionReadPaymentMethods), s.paymentMethods)
		g.POST("/payment-methods", s.allow(core.ActionWritePaymentMethods), s.savePaymentMethods)
	})
}

// locationsLookback is how far back the page looks in the exports for the
// merchant's locations, offered as choices.
const locationsLookback = 90

type pmLocation struct {
	ID      string
	Checked bool
}

// pmRow is one method as the form shows it.
type pmRow struct {
	Index     int
	Method    string
	Enabled   bool
	All       bool // at every location
	Locations []pmLocation
	Other     string // location IDs typed that are not among the known ones
	Chosen    []string
}

type pmData struct {
	Rows      []pmRow
	NewMethod string
	NewIndex  int
	CanEdit   bool
}

// knownLocations are the locations the merchant's exports name over the
// last locationsLookback days (for roles that may read exports) and those
// the methods are limited to, sorted.
func (s *server) knownLocations(c *gin.Context, methods []core.PaymentMethod) []string {
	var out []string
	for _, m := range methods {
		out = append(out, m.LocationIDs...)
	}
	pr := principal(c)
	if s.exports != nil && pr.Role.Allows(core.ActionReadExports) {
		info, _ := sessionOf(c)
		today := core.DateOf(time.Now().In(info.Merchant.Country.Location()))
		q := exports.ListQuery{From: today.AddDays(-locationsLookback), To: today, Limit: 500}
		for range 4 {
			page, err := s.exports.List(c.Request.Context(), pr, q)
			if err != nil {
				break // the choices are a convenience; typing an ID still works
			}
			for _, d := range page.Days {
				out = append(out, d.LocationID)
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// pmRows lays out the methods against the known locations.
func pmRows(methods []core.PaymentMethod, known []string) []pmRow {
	rows := make([]pmRow, 0, len(methods))
	for i, m := range methods {
		r := pmRow{Index: i, Method: m.Method, Enabled: m.Enabled, All: len(m.LocationIDs) == 0, Chosen: m.LocationIDs}
		var other []string
		for _, loc := range m.LocationIDs {
			if !slices.Contains(known, loc) {
				other = append(other, loc)
			}
		}
		for _, loc := range known {
			r.Locations = append(r.Locations, pmLocation{ID: loc, Checked: slices.Contains(m.LocationIDs, loc)})
		}
		r.Other = strings.Join(other, ", ")
		rows = append(rows, r)
	}
	return rows
}

func (s *server) paymentMethods(c *gin.Context) {
	pm, err := s.engine.PaymentMethods(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	p := s.newPage(c, "paymentmethods.title", "nav.payment_methods")
	known := s.knownLocations(c, pm.PaymentMethods)
	p.Data = pmData{Rows: pmRows(pm.PaymentMethods, known), NewIndex: len(pm.PaymentMethods),
		CanEdit: p.User.Role.Allows(core.ActionWritePaymentMethods)}
	s.render(c, http.StatusOK, "paymentmethods", p)
}

// pmFormFrom reads the posted methods (method.<i>, enabled.<i>,
// where.<i>, loc.<i>, other.<i>) and the new method, if any.
func pmFormFrom(c *gin.Context, l *localizer) (core.PaymentMethods, string, []core.FieldError) {
	var out core.PaymentMethods
	var errs []core.FieldError
	for i := 0; i <= core.MaxPaymentMethods; i++ {
		n := strconv.Itoa(i)
		method, ok := c.GetPostForm("method." + n)
		if !ok {
			break
		}
		m := core.PaymentMethod{Method: method, Enabled: c.PostForm("enabled."+n) == "on", LocationIDs: []string{}}
		if c.PostForm("where."+n) != "all" {
			locs := c.PostFormArray("loc." + n)
			locs = append(locs, splitList(c.PostForm("other."+n))...)
			for _, loc := range locs {
				if loc = strings.TrimSpace(loc); loc != "" && !slices.Contains(m.LocationIDs, loc) {
					m.LocationIDs = append(m.LocationIDs, loc)
				}
			}
			if len(m.LocationIDs) == 0 {
				errs = append(errs, core.FieldError{Field: "locations." + n, Message: l.T("paymentmethods.choose_location")})
			}
		}
		out.PaymentMethods = append(out.PaymentMethods, m)
	}
	newMethod := strings.TrimSpace(c.PostForm("new_method"))
	if newMethod != "" {
		out.PaymentMethods = append(out.PaymentMethods, core.PaymentMethod{Method: newMethod, Enabled: true, LocationIDs: []string{}})
	}
	return out, newMethod, errs
}

// splitList splits a typed list at commas, semicolons, newlines and
// spaces (location IDs, e-mail addresses).
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == ' ' })
}

var pmField = regexp.MustCompile(`^payment_methods\[(\d+)\]\.(method|location_ids)`)

func (s *server) savePaymentMethods(c *gin.Context) {
	if !s.parseForm(c) {
		return
	}
	p := s.newPage(c, "paymentmethods.title", "nav.payment_methods")
	in, newMethod, errs := pmFormFrom(c, p.L)
	err := core.Invalid("invalid payment methods", errs...)
	if err == nil {
		_, err = s.engine.UpdatePaymentMethods(c.Request.Context(), principal(c), in)
	}
	if err == nil {
		s.done(c, Prefix+"/payment-methods", "payment_methods_saved")
		return
	}
	existing := in.PaymentMethods
	if newMethod != "" {
		existing = existing[:len(existing)-1]
	}
	s.formFailed(c, p, pmErrors(err, len(existing)), "paymentmethods", func() {
		p.Data = pmData{Rows: pmRows(existing, s.knownLocations(c, existing)), NewMethod: newMethod,
			NewIndex: len(existing), CanEdit: true}
	})
}

// pmErrors names the engine's fields (payment_methods[i].method,
// payment_methods[i].location_ids[j]) by the form's inputs (method.<i> or
// new_method, locations.<i>).
func pmErrors(err error, rows int) error {
	ce := core.AsError(err)
	if ce == nil || len(ce.Fields) == 0 {
		return err
	}
	out := *ce
	out.Fields = nil
	for _, fe := range ce.Fields {
		if m := pmField.FindStringSubmatch(fe.Field); m != nil {
			i, _ := strconv.Atoi(m[1])
			switch {
			case m[2] == "method" && i >= rows:
				fe.Field = "new_method"
			case m[2] == "method":
				fe.Field = "method." + m[1]
			default:
				fe.Field = "locations." + m[1]
			}
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}
