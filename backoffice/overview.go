package backoffice

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

// overviewDays is how far back the overview looks for failed export days.
const overviewDays = 60

type overviewData struct {
	Integrations []integrations.Integration
	// NeedsAttention are integrations in needs_reauth.
	NeedsAttention []integrations.Integration
	FailedDays     []exports.Day
	FailedMore     bool // more failed days than shown
	Overdue        []core.Invoice
	OverdueMore    bool
	// OverdueUnavailable is why the overdue invoices could not be read,
	// said in their card instead of "none".
	OverdueUnavailable string
	OverdueTotal       int64
	From, To           core.Date
	// Unavailable names the parts that could not be read (a provider down),
	// with the reason, so the rest of the page still shows.
	Unavailable []string
}

// overview is the landing page: active integrations and what needs the
// merchant's attention (reconnects, failed export days, overdue invoices),
// each with a link to act. A part the user's role may not read is left out.
func (s *server) overview(c *gin.Context) {
	ctx := c.Request.Context()
	p := s.newPage(c, "overview.title", "nav.overview")
	pr := principal(c)
	d := overviewData{}
	today := core.DateOf(time.Now().In(p.Merchant.Country.Location()))
	d.From, d.To = today.AddDays(-overviewDays), today
	if s.integrations != nil && pr.Role.Allows(core.ActionReadIntegrations) {
		list, err := s.integrations.List(ctx, pr)
		if err != nil {
			d.Unavailable = append(d.Unavailable, errorText(p.L, err))
		}
		for _, in := range list {
			switch in.Status {
			case core.IntegrationActive:
				d.Integrations = append(d.Integrations, in)
			case core.IntegrationNeedsReauth:
				d.NeedsAttention = append(d.NeedsAttention, in)
			}
		}
	}
	if s.exports != nil && pr.Role.Allows(core.ActionReadExports) {
		q := exports.ListQuery{From: d.From, To: d.To, Limit: 500}
		for {
			page, err := s.exports.List(ctx, pr, q)
			if err != nil {
				d.Unavailable = append(d.Unavailable, errorText(p.L, err))
				break
			}
			for _, day := range page.Days {
				if day.Status == exports.StatusFailed {
					if len(d.FailedDays) == 10 {
						d.FailedMore = true
						continue
					}
					d.FailedDays = append(d.FailedDays, day)
				}
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
	}
	if pr.Role.Allows(core.ActionReadInvoices) {
		page, err := s.engine.ListInvoices(ctx, pr, core.InvoiceQuery{Status: core.StatusOverdue, Sort: "due_date", Limit: 11, Today: today})
		if err != nil {
			d.OverdueUnavailable = invoicesUnavailable(p.L, d.NeedsAttention, err)
		}
		for _, inv := range page.Invoices {
			if len(d.Overdue) == 10 {
				d.OverdueMore = true
				break
			}
			d.Overdue = append(d.Overdue, inv)
		}
	}
	p.Data = d
	s.render(c, http.StatusOK, "overview", p)
}

// invoicesUnavailable says why the invoices could not be read: while the
// invoicing integration needs reconnecting (listed above with its link)
// invoicing waits for it, which is said in the user's language; any other
// failure in the service's words.
func invoicesUnavailable(l *localizer, attention []integrations.Integration, err error) string {
	if core.Code(err) == core.CodeUnavailable {
		for _, in := range attention {
			if slices.Contains(in.Modes, core.ModeInvoicing) {
				return l.T("overview.overdue_paused", in.DisplayName)
			}
		}
	}
	return errorText(l, err)
}
