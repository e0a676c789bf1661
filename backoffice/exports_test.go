package backoffice

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
)

// exportsFixture gives merchant A an active SIE bookkeeping integration
// whose mapping lacks the 0 % sales account, and two locations with sales
// on the three days before today, closed and exported: "city" and "harbour"
// book, except harbour's day before yesterday, which sold at 0 % and
// failed. It returns the integration and the three days, oldest first.
func exportsFixture(t *testing.T, s *stack) (integrations.Integration, []core.Date) {
	t.Helper()
	ctx := t.Context()
	admin := s.admin()
	today := core.DateOf(time.Now().In(core.Sweden.Location()))
	days := []core.Date{today.AddDays(-3), today.AddDays(-2), today.AddDays(-1)}
	in, err := s.integrations.Create(ctx, admin, sie.Name, []core.IntegrationMode{core.ModeBookkeeping})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.integrations.PutSettings(ctx, admin, in.ID, integrations.Settings{ExportStartDate: days[0]}); err != nil {
		t.Fatal(err)
	}
	sug, err := s.integrations.Suggestion(ctx, admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := sug.Mapping
	delete(m.VATRates, "0")
	if _, err := s.integrations.PutMapping(ctx, admin, in.ID, m); err != nil {
		t.Fatal(err)
	}
	if in, err = s.integrations.Activate(ctx, admin, in.ID); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"city", "harbour"} {
		for i, d := range days {
			rate, group := "12", "food"
			if loc == "harbour" && i == 1 {
				rate, group = "0", "newspapers"
			}
			r := core.SalesReceipt{ReceiptID: fmt.Sprintf("%s-%s", loc, d), LocationID: loc, BusinessDate: d,
				Lines:    []core.SalesLine{{ProductGroup: group, VATRate: decimal.RequireFromString(rate), Amount: 11200}},
				Payments: []core.SalesPayment{{Method: "card", Amount: 11200}}}
			if _, _, err := s.exports.RecordSale(ctx, admin, r); err != nil {
				t.Fatal(err)
			}
			if _, err := s.exports.CloseDay(ctx, admin, loc, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.exports.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return in, days
}

// exportDay is one day as the service lists it.
func exportDay(t *testing.T, s *stack, loc string, d core.Date) exports.Day {
	t.Helper()
	page, err := s.exports.List(t.Context(), s.admin(), exports.ListQuery{From: d, To: d, LocationID: loc})
	if err != nil || len(page.Days) != 1 {
		t.Fatalf("list %s %s: %v %v", loc, d, page.Days, err)
	}
	return page.Days[0]
}

// TestExportsGrid: the grid shows each location's days with their status
// as a word and colour, the failed day's reason and provider references;
// the range is chosen with from and to, and an invalid one is a 422 naming
// the field.
func TestExportsGrid(t *testing.T) {
	s := newStack(t)
	_, days := exportsFixture(t, s)
	failed := exportDay(t, s, "harbour", days[1])
	if failed.Status != exports.StatusFailed {
		t.Fatalf("fixture: harbour %s is %s, want failed", days[1], failed.Status)
	}
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/exports", http.StatusOK)
	for _, want := range []string{
		`<th scope="row" class="loc">city</th>`, `<th scope="row" class="loc">harbour</th>`,
		`class="st st-succeeded"`, `class="st st-failed"`, ">OK</button>", ">Fel</button>",
		"vat_rates.0", // the failed day's reason
		"sie 1",       // a booked day's provider reference
		"ledgerbridge:harbour:" + string(days[1]), // our reference
		`action="/backoffice/exports/run"`, "Ladda ner SIE-fil för import, typ 4I",
		"Misslyckade dagar",
		// where to fix it
		`<a href="/backoffice/integrations/` + failed.IntegrationID + `">Kontrollera integrationens kontoinställningar</a>`,
	} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the grid lacks %q", want)
		}
	}
	// Default range: the last 14 days, today included.
	today := core.DateOf(time.Now().In(core.Sweden.Location()))
	if !strings.Contains(a.body, `value="`+string(today.AddDays(-13))+`"`) || !strings.Contains(a.body, `value="`+string(today)+`"`) {
		t.Errorf("the default range is not the last 14 days")
	}
	if n := strings.Count(a.body, `<th scope="col" class="day">`); n != 14 {
		t.Errorf("%d day columns, want 14", n)
	}

	// A chosen range and location.
	q := url.Values{"from": {string(days[1])}, "to": {string(days[2])}, "location": {"city"}}
	a = c.must("/backoffice/exports?"+q.Encode(), http.StatusOK)
	if strings.Contains(a.body, `<th scope="row" class="loc">harbour</th>`) || !strings.Contains(a.body, `<th scope="row" class="loc">city</th>`) {
		t.Errorf("location=city shows other locations")
	}
	if n := strings.Count(a.body, `<th scope="col" class="day">`); n != 2 {
		t.Errorf("%d day columns for a two-day range", n)
	}

	// Invalid ranges name the field.
	if a := c.get("/backoffice/exports?from=2026-13-01"); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-from"`) {
		t.Errorf("bad from = %d, or no error beside from", a.status)
	}
	if a := c.get("/backoffice/exports?from=2026-03-10&to=2026-03-01"); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-to"`) {
		t.Errorf("to before from = %d, or no error beside to", a.status)
	}
	if a := c.get("/backoffice/exports?from=2026-01-01&to=2026-12-31"); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-to"`) {
		t.Errorf("a year's grid = %d, want 422 naming to", a.status)
	}

	// Merchant B sees none of A's days.
	if a := s.signedIn("admin@b.example").must("/backoffice/exports", http.StatusOK); strings.Contains(a.body, "harbour") {
		t.Error("merchant B sees A's locations")
	}
}

// TestExportsRerunDay: after the mapping is fixed, re-running the failed
// day from the page queues it, the page polls the progress partial while it
// waits, and once the export engine ran, the partial shows it booked and
// stops polling.
func TestExportsRerunDay(t *testing.T) {
	s := newStack(t)
	in, days := exportsFixture(t, s)
	sug, err := s.integrations.Suggestion(t.Context(), s.admin(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.integrations.PutMapping(t.Context(), s.admin(), in.ID, sug.Mapping); err != nil {
		t.Fatal(err)
	}
	c := s.signedIn("accountant@a.example") // an accountant may run exports
	c.must("/backoffice/exports", http.StatusOK)
	view := url.Values{"view_from": {string(days[0])}, "view_to": {string(days[2])}}
	form := url.Values{"day": {string(days[1])}, "location": {"harbour"}}
	for k, v := range view {
		form[k] = v
	}
	a := c.post("/backoffice/exports/run", form)
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "run=1") || !strings.Contains(a.location, "done=export_run") {
		t.Fatalf("re-run day = %d %q", a.status, a.location)
	}
	if d := exportDay(t, s, "harbour", days[1]); d.Status != exports.StatusPending {
		t.Fatalf("after the re-run the day is %s, want pending", d.Status)
	}
	runPage := a.location
	a = c.must(runPage, http.StatusOK)
	if !strings.Contains(a.body, `hx-trigger="every 2s"`) || !strings.Contains(a.body, "Exporten körs") || !strings.Contains(a.body, "Exporten är startad") {
		t.Fatalf("the page after a run does not poll its progress:\n%s", a.body)
	}
	poll := regexpFind(t, a.body, `hx-get="(/backoffice/exports/progress\?[^"]+)"`)
	// A page that has followed the run for too long stops polling and
	// says the run goes on.
	stale := regexp.MustCompile(`started=\d+`).ReplaceAllString(runPage, "started=1")
	if b := c.must(stale, http.StatusOK); strings.Contains(b.body, "every 2s") || !strings.Contains(b.body, "Exporten fortsätter i bakgrunden") {
		t.Errorf("a run followed since long ago still polls:\n%s", b.body)
	}
	a = c.must(strings.ReplaceAll(poll, "&amp;", "&"), http.StatusOK)
	if strings.Contains(a.body, "<html") || !strings.Contains(a.body, `id="export-results"`) || !strings.Contains(a.body, "every 2s") {
		t.Fatalf("the progress partial is not the polling block:\n%s", a.body)
	}
	if _, err := s.exports.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	a = c.must(strings.ReplaceAll(poll, "&amp;", "&"), http.StatusOK)
	if strings.Contains(a.body, "every 2s") || !strings.Contains(a.body, "Exporten är klar") || strings.Contains(a.body, `class="st st-failed"`) {
		t.Fatalf("after the run the partial still polls or shows a failure:\n%s", a.body)
	}
	if d := exportDay(t, s, "harbour", days[1]); d.Status != exports.StatusSucceeded {
		t.Fatalf("the re-run day is %s (%s), want succeeded", d.Status, d.Message)
	}
}

// TestExportsRerunRange: a range re-run queues the failed days (of every
// location, or of the one chosen); nothing to re-run says so; an invalid
// range is a 422 naming the form's field with nothing queued; a merchant
// without bookkeeping is told why.
func TestExportsRerunRange(t *testing.T) {
	s := newStack(t)
	_, days := exportsFixture(t, s)
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/exports", http.StatusOK)

	a := c.post("/backoffice/exports/run", url.Values{"run_from": {"2026-02-30"}, "run_to": {string(days[2])}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-run_from"`) {
		t.Fatalf("bad run_from = %d, or no error beside it\n%s", a.status, a.body)
	}
	if d := exportDay(t, s, "harbour", days[1]); d.Status != exports.StatusFailed || d.Attempts != 1 {
		t.Fatalf("an invalid run changed the day: %s, %d attempts", d.Status, d.Attempts)
	}

	// Only city's days: none failed, nothing to re-run.
	a = c.post("/backoffice/exports/run", url.Values{"run_from": {string(days[0])}, "run_to": {string(days[2])}, "run_location": {"city"}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=export_nothing") {
		t.Fatalf("re-run of city = %d %q, want nothing to do", a.status, a.location)
	}
	if a := c.must(a.location, http.StatusOK); !strings.Contains(a.body, "Det fanns inget att köra igen") {
		t.Error("the page does not say there was nothing to re-run")
	}

	// The whole range: harbour's failed day is queued again.
	a = c.post("/backoffice/exports/run", url.Values{"run_from": {string(days[0])}, "run_to": {string(days[2])}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "run=1") {
		t.Fatalf("re-run range = %d %q", a.status, a.location)
	}
	if d := exportDay(t, s, "harbour", days[1]); d.Status != exports.StatusPending {
		t.Fatalf("the failed day is %s after a range re-run, want pending", d.Status)
	}

	// Merchant B has no bookkeeping integration: 409 with the reason.
	b := s.signedIn("admin@b.example")
	b.must("/backoffice/exports", http.StatusOK)
	a = b.post("/backoffice/exports/run", url.Values{"run_from": {string(days[0])}, "run_to": {string(days[2])}})
	if a.status != http.StatusConflict || !strings.Contains(a.body, "no active bookkeeping integration") {
		t.Fatalf("run without bookkeeping = %d\n%s", a.status, a.body)
	}
}

// TestExportsSIE: the SIE download is the range's file, named and typed as
// the API's; an invalid range is a 422.
func TestExportsSIE(t *testing.T) {
	s := newStack(t)
	_, days := exportsFixture(t, s)
	c := s.signedIn("accountant@a.example")
	a := c.must("/backoffice/exports/sie?"+url.Values{"from": {string(days[0])}, "to": {string(days[2])}}.Encode(), http.StatusOK)
	if ct := a.header.Get("Content-Type"); ct != "text/plain; charset=IBM437" {
		t.Errorf("Content-Type %q", ct)
	}
	want := fmt.Sprintf(`attachment; filename="ledgerbridge-%s-%s.si"`, days[0], days[2])
	if cd := a.header.Get("Content-Disposition"); cd != want {
		t.Errorf("Content-Disposition %q, want %q", cd, want)
	}
	if !strings.HasPrefix(a.body, "#FLAGGA 0") || strings.Count(a.body, "#VER ") != 5 {
		t.Errorf("the file is not the range's five vouchers:\n%s", a.body)
	}
	if !strings.Contains(a.body, "\n#SIETYP 4\n#PROSA \"SIE typ 4I") {
		t.Errorf("the file does not say it is a 4I import file:\n%s", a.body)
	}
	if a := c.get("/backoffice/exports/sie?from=x&to=" + string(days[2])); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-from"`) {
		t.Errorf("bad SIE range = %d", a.status)
	}
}

// TestExportsRoles: a cashier may neither see nor run exports, even by
// typing the address; an accountant may both (see the tests above).
func TestExportsRoles(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("cashier@a.example")
	for _, path := range []string{"/backoffice/exports", "/backoffice/exports/progress", "/backoffice/exports/sie?from=2026-01-01&to=2026-01-02"} {
		if a := c.get(path); a.status != http.StatusForbidden {
			t.Errorf("cashier GET %s = %d, want 403", path, a.status)
		}
	}
	if a := c.post("/backoffice/exports/run", url.Values{"run_from": {"2026-01-01"}, "run_to": {"2026-01-02"}}); a.status != http.StatusForbidden {
		t.Errorf("cashier run = %d, want 403", a.status)
	}
	if a := s.signedIn("accountant@a.example").must("/backoffice/exports", http.StatusOK); !strings.Contains(a.body, `action="/backoffice/exports/run"`) {
		t.Error("an accountant is not offered the re-run")
	}
}

// regexpFind returns the first group of pattern in s, failing the test
// when it does not match.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", pattern, s)
	}
	return m[1]
}
