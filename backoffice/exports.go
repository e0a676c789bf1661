package backoffice

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

// The exports page: a grid of locations × business days coloured by the
// day's export status, re-running a range or one day with progress while it
// runs, and the SIE file of a range. Everything goes through
// exports.Service, as GET /v1/exports, POST /v1/exports/run and GET
// /v1/exports/sie do.

func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		if s.exports == nil {
			return
		}
		g.GET("/exports", s.allow(core.ActionReadExports), s.exportsPage)
		g.GET("/exports/progress", s.allow(core.ActionReadExports), s.exportsProgress)
		g.GET("/exports/sie", s.allow(core.ActionReadExports), s.exportsSIE)
		g.POST("/exports/run", s.allow(core.ActionRunExports), s.exportsRun)
	})
}

const (
	// exportsDefaultDays is the grid's range when none is chosen: the last
	// two weeks, today included.
	exportsDefaultDays = 14
	// exportsMaxGridDays bounds the grid's columns (a quarter); the SIE
	// file and a re-run take the service's own bound.
	exportsMaxGridDays = 92
	// exportsPollFor is how long a page keeps polling a run's progress;
	// after that the run goes on and the page says to look again later.
	exportsPollFor = 10 * time.Minute
	// sieContentType is the SIE file's media type, as GET /v1/exports/sie
	// answers it: SIE 4 is plain text in code page 437.
	sieContentType = exports.SIEContentType
)

// exportStatuses are the day statuses in the order the legend shows them.
var exportStatuses = []string{exports.StatusSucceeded, exports.StatusFailed, exports.StatusPending,
	exports.StatusProcessing, exports.StatusOpen, exports.StatusNotScheduled}

// exportsView is what the page shows: the range as chosen (the form's
// values) and the grid.
type exportsView struct {
	From, To  core.Date
	Location  string
	Locations []string // every location with a day in the range
	Dates     []gridDate
	Rows      []gridRow
	Counts    []statusCount
	Failed    []exports.Day
	Busy      int // days pending or processing
	Empty     bool
	Run       *runProgress // set when the page follows a run
	Query     template.URL // from, to, location: the grid's own address
	// Unavailable is why the days could not be read (the grid is empty).
	Unavailable string
	CanRun      bool
}

type gridDate struct {
	Date    core.Date
	Short   string // "7/12", "07.12", "7 Dec"
	Weekday string // catalogue key exports.wd.N
}

type gridRow struct {
	Location string
	Cells    []gridCell
}

type gridCell struct {
	Date core.Date
	ID   string // the detail popover's element id
	Day  *exports.Day
}

// Rerun reports whether the day may be re-run on its own: it is closed and
// neither booked nor being booked.
func (c gridCell) Rerun() bool {
	return c.Day != nil && c.Day.Closed && c.Day.Status != exports.StatusSucceeded && c.Day.Status != exports.StatusProcessing
}

type statusCount struct {
	Status string
	N      int
}

// runProgress is the state of the run the page was started by: how many
// days it queued, whether days are still waiting or running, when it began.
type runProgress struct {
	Queued    int
	Busy      bool
	Started   int64
	Unknown   bool         // the days could not be read just now
	GaveUp    bool         // polled for exportsPollFor; the run goes on alone
	Poll      template.URL // the progress partial's query
	Succeeded int
	Failed    int
}

// Done is how many of the queued days are no longer waiting or running.
func (r *runProgress) Done(busy int) int {
	if d := r.Queued - busy; d > 0 {
		return d
	}
	return 0
}

// exportsRange reads from, to and location of the query, defaulting to
// the last exportsDefaultDays days.
func (s *server) exportsRange(c *gin.Context, p *page, fromKey, toKey, locKey string) (from, to core.Date, loc string) {
	today := core.DateOf(time.Now().In(p.Merchant.Country.Location()))
	from, to = core.Date(strings.TrimSpace(c.Query(fromKey))), core.Date(strings.TrimSpace(c.Query(toKey)))
	if to == "" {
		to = today
	}
	if from == "" && to.Valid() {
		from = to.AddDays(-(exportsDefaultDays - 1))
	}
	return from, to, strings.TrimSpace(c.Query(locKey))
}

// buildExportsView lists every day in [from, to] (all pages) and lays out
// the grid. An invalid range is returned as the service's CodeInvalid (or
// the grid's own bound, naming to).
func (s *server) buildExportsView(c *gin.Context, p *page, from, to core.Date, loc string) (exportsView, error) {
	v := exportsView{From: from, To: to, Location: loc,
		CanRun: p.User.Role.Allows(core.ActionRunExports)}
	v.Query = template.URL(url.Values{"from": {string(from)}, "to": {string(to)}, "location": {loc}}.Encode())
	if from.Valid() && to.Valid() && to >= from && to > from.AddDays(exportsMaxGridDays-1) {
		return v, core.Invalid("range too long", core.FieldError{Field: "to", Message: p.L.T("exports.range_too_long", exportsMaxGridDays)})
	}
	var days []exports.Day
	q := exports.ListQuery{From: from, To: to, Limit: 500}
	for {
		page, err := s.exports.List(c.Request.Context(), principal(c), q)
		if err != nil {
			return v, err
		}
		days = append(days, page.Days...)
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	locs := map[string]bool{}
	byKey := map[exports.DayKey]*exports.Day{}
	counts := map[string]int{}
	for i := range days {
		d := &days[i]
		locs[d.LocationID] = true
		if loc != "" && d.LocationID != loc {
			continue
		}
		byKey[exports.DayKey{LocationID: d.LocationID, BusinessDate: d.BusinessDate}] = d
		counts[d.Status]++
		switch d.Status {
		case exports.StatusFailed:
			v.Failed = append(v.Failed, *d)
		case exports.StatusPending, exports.StatusProcessing:
			v.Busy++
		}
	}
	for l := range locs {
		v.Locations = append(v.Locations, l)
	}
	sort.Strings(v.Locations)
	for _, st := range exportStatuses {
		if counts[st] > 0 {
			v.Counts = append(v.Counts, statusCount{Status: st, N: counts[st]})
		}
	}
	for d := from; d <= to; d = d.AddDays(1) {
		v.Dates = append(v.Dates, gridDate{Date: d, Short: shortDate(p.L.lang, d), Weekday: fmt.Sprintf("exports.wd.%d", d.Time().Weekday())})
	}
	for i, l := range v.Locations {
		if loc != "" && l != loc {
			continue
		}
		row := gridRow{Location: l}
		for _, d := range v.Dates {
			row.Cells = append(row.Cells, gridCell{Date: d.Date, ID: fmt.Sprintf("day-%d-%s", i, d.Date),
				Day: byKey[exports.DayKey{LocationID: l, BusinessDate: d.Date}]})
		}
		v.Rows = append(v.Rows, row)
	}
	v.Empty = len(v.Rows) == 0
	return v, nil
}

// shortDate is a grid column's heading: day and month.
func shortDate(lang core.Language, d core.Date) string {
	t := d.Time()
	switch lang {
	case core.LanguageNorwegian:
		return t.Format("02.01")
	case core.LanguageEnglish:
		return fmt.Sprintf("%d %s", t.Day(), monthsEN[t.Month()-1])
	}
	return fmt.Sprintf("%d/%d", t.Day(), int(t.Month()))
}

// runOf reads the run the page follows (run=<queued>&started=<unix>) and
// completes it from the view.
func runOf(c *gin.Context, v *exportsView) {
	n, err := strconv.Atoi(c.Query("run"))
	if err != nil || n < 0 {
		return
	}
	started, _ := strconv.ParseInt(c.Query("started"), 10, 64)
	// Days that could not be read (an outage) may still be running: keep
	// polling, without counts.
	r := &runProgress{Queued: n, Busy: v.Busy > 0 || v.Unavailable != "", Unknown: v.Unavailable != "", Started: started}
	if r.Busy && (started == 0 || time.Since(time.Unix(started, 0)) > exportsPollFor) {
		r.Busy, r.GaveUp = false, true
	}
	for _, sc := range v.Counts {
		switch sc.Status {
		case exports.StatusSucceeded:
			r.Succeeded = sc.N
		case exports.StatusFailed:
			r.Failed = sc.N
		}
	}
	r.Poll = template.URL(url.Values{"from": {string(v.From)}, "to": {string(v.To)}, "location": {v.Location},
		"run": {strconv.Itoa(n)}, "started": {strconv.FormatInt(started, 10)}}.Encode())
	v.Run = r
}

// exportsPage is the grid for the chosen range.
func (s *server) exportsPage(c *gin.Context) {
	p := s.newPage(c, "exports.title", "nav.exports")
	from, to, loc := s.exportsRange(c, p, "from", "to", "location")
	s.renderExports(c, p, http.StatusOK, from, to, loc)
}

// renderExports renders the page for a range; an invalid range shows the
// form's errors (422), a provider or store outage its message.
func (s *server) renderExports(c *gin.Context, p *page, status int, from, to core.Date, loc string) {
	v, err := s.buildExportsView(c, p, from, to, loc)
	if err != nil {
		switch core.Code(err) {
		case core.CodeInvalid:
			formErrors(p, err)
			status = http.StatusUnprocessableEntity
		case core.CodeUnavailable, core.CodeProviderError:
			v.Unavailable = errorText(p.L, err)
		default:
			s.fail(c, err)
			return
		}
	}
	runOf(c, &v)
	p.Data = v
	s.render(c, status, "exports", p)
}

// exportsProgress is the htmx partial of a run's progress: the summary and
// grid, polled every 2 s while days are pending or processing.
func (s *server) exportsProgress(c *gin.Context) {
	p := s.newPage(c, "exports.title", "nav.exports")
	from, to, loc := s.exportsRange(c, p, "from", "to", "location")
	v, err := s.buildExportsView(c, p, from, to, loc)
	if err != nil {
		if core.Code(err) == core.CodeForbidden || core.Code(err) == core.CodeNotFound {
			s.fail(c, err)
			return
		}
		v.Unavailable = errorText(p.L, err)
	}
	runOf(c, &v)
	p.Data = v
	s.renderBlock(c, http.StatusOK, "exports", "results", p)
}

// exportsRun re-queues a range (every location, or one) or one day with
// exports.Service.Run, then shows the grid following the run. Form:
// run_from, run_to, run_location (optional) for a range; or day (a date)
// and location for exactly that day. view_from, view_to, view_location
// are the grid to return to.
func (s *server) exportsRun(c *gin.Context) {
	p := s.newPage(c, "exports.title", "nav.exports")
	form := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
	viewFrom, viewTo, viewLoc := core.Date(form("view_from")), core.Date(form("view_to")), form("view_location")
	var req exports.RunRequest
	if day := core.Date(form("day")); day != "" {
		req = exports.RunRequest{From: day, To: day, Days: []exports.DayKey{{LocationID: form("location"), BusinessDate: day}}}
	} else {
		req = exports.RunRequest{From: core.Date(form("run_from")), To: core.Date(form("run_to")), LocationID: form("run_location")}
	}
	if viewFrom == "" || viewTo == "" {
		viewFrom, viewTo = req.From, req.To
	}
	res, err := s.exports.Run(c.Request.Context(), principal(c), req)
	if err != nil {
		switch core.Code(err) {
		case core.CodeInvalid:
			formErrors(p, runFormError(err))
			s.renderExports(c, p, http.StatusUnprocessableEntity, viewFrom, viewTo, viewLoc)
		case core.CodeConflict, core.CodeProviderError, core.CodeUnavailable:
			p.Error = errorText(p.L, err)
			s.renderExports(c, p, statusOf(err), viewFrom, viewTo, viewLoc)
		default:
			s.fail(c, err)
		}
		return
	}
	if res.Queued == 0 {
		s.done(c, exportsURL(viewFrom, viewTo, viewLoc), "export_nothing")
		return
	}
	target := exportsURL(viewFrom, viewTo, viewLoc) + "&" + url.Values{"run": {strconv.Itoa(res.Queued)},
		"started": {strconv.FormatInt(time.Now().Unix(), 10)}}.Encode()
	s.done(c, target, "export_run")
}

// runFormError names the run form's fields in an invalid run's error:
// from and to are run_from and run_to; location_id and a chosen day's
// fields are run_location.
func runFormError(err error) error {
	ce := core.AsError(err)
	fields := make([]core.FieldError, len(ce.Fields))
	for i, f := range ce.Fields {
		switch {
		case f.Field == "from" || f.Field == "to":
			f.Field = "run_" + f.Field
		case strings.HasPrefix(f.Field, "days"), f.Field == "location_id":
			f.Field = "run_location"
		}
		fields[i] = f
	}
	if len(fields) == 0 {
		return err
	}
	return core.Invalid(ce.Message, fields...)
}

func exportsURL(from, to core.Date, loc string) string {
	q := url.Values{"from": {string(from)}, "to": {string(to)}}
	if loc != "" {
		q.Set("location", loc)
	}
	return Prefix + "/exports?" + q.Encode()
}

// exportsSIE downloads the SIE 4I file (vouchers for import) of the range,
// named as GET /v1/exports/sie names it: exports.SIEFileName, *.si.
func (s *server) exportsSIE(c *gin.Context) {
	p := s.newPage(c, "exports.title", "nav.exports")
	from, to := core.Date(strings.TrimSpace(c.Query("from"))), core.Date(strings.TrimSpace(c.Query("to")))
	file, err := s.exports.SIE(c.Request.Context(), principal(c), from, to)
	if err != nil {
		if core.Code(err) == core.CodeInvalid {
			formErrors(p, err)
			vf, vt, vl := s.exportsRange(c, p, "view_from", "view_to", "view_location")
			s.renderExports(c, p, http.StatusUnprocessableEntity, vf, vt, vl)
			return
		}
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, exports.SIEFileName(from, to)))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, sieContentType, file)
}
