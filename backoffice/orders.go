package backoffice

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The orders page: collective-invoice orders (engine.ListOrders) filtered
// by customer and status, and per collective customer what its next
// collective invoice will hold.
func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		g.GET("/orders", s.allow(core.ActionReadOrders), s.orders)
	})
}

// orderPageSize is how many orders a list page shows.
const orderPageSize = 50

// maxUpcomingOrders bounds the open orders read for the next-invoice
// summary; beyond it the summary says it is incomplete.
const maxUpcomingOrders = 5000

var orderStatuses = []string{core.OrderOpen, core.OrderInvoiced, core.OrderCancelled}

type orderFilter struct {
	Status string
	customerFilter
	Cursor string
}

func (f orderFilter) href(cursor string) string {
	return listHref("/orders", "status", f.Status, "customer", f.Customer, "customer_id", f.CustomerID, "cursor", cursor)
}

// withCustomer is the first page filtered by f and customer cf.
func (f orderFilter) withCustomer(cf customerFilter) string {
	f.customerFilter = cf
	return f.href("")
}

// upcoming is what a collective customer's next invoice will hold.
type upcoming struct {
	Customer core.Customer
	BillTo   string // the parent company's name when it pays
	Orders   []core.Order
	Total    int64
	// NextDay is the next invoice day ("" without a day of month); orders
	// made on it wait for the one after.
	NextDay core.Date
	// OverThreshold: the total already passes the threshold, so the
	// invoice is made at the next run.
	OverThreshold bool
}

type ordersData struct {
	Filter   orderFilter
	Statuses []string
	Orders   []core.Order
	filteredList
	Upcoming []upcoming
	// UpcomingCut: more open orders than the summary reads.
	UpcomingCut bool
	Today       core.Date
}

// orders is GET /backoffice/orders?status=&customer=&customer_id=&cursor=.
func (s *server) orders(c *gin.Context) {
	ctx := c.Request.Context()
	pr := principal(c)
	p := s.newPage(c, "orders.title", "nav.orders")
	f := orderFilter{Status: strings.TrimSpace(c.Query("status")), customerFilter: customerFilterOf(c), Cursor: c.Query("cursor")}
	d := &ordersData{Filter: f, Statuses: orderStatuses, Today: core.DateOf(time.Now().In(p.Merchant.Country.Location()))}
	p.Data = d
	fail := func(err error) {
		if formErrors(p, err) {
			s.render(c, http.StatusUnprocessableEntity, "orders", p)
			return
		}
		s.fail(c, err)
	}
	if err := core.CheckOrderStatus(f.Status); err != nil {
		fail(core.Invalid("invalid filter", core.FieldError{Field: "status", Message: p.L.T("orders.error.status")}))
		return
	}
	var err error
	if d.Choices, err = s.pickCustomer(c, p, &d.Filter.customerFilter, f.withCustomer); err != nil {
		fail(err)
		return
	}
	f = d.Filter
	if len(d.Choices) > 0 {
		s.render(c, http.StatusOK, "orders", p)
		return
	}
	page, err := s.engine.ListOrders(ctx, pr, core.OrderQuery{CustomerID: f.CustomerID, Status: f.Status, Limit: orderPageSize, Cursor: f.Cursor})
	if err != nil {
		fail(err)
		return
	}
	d.Orders = page.Orders
	d.listed(f.href, f.Cursor, page.NextCursor)
	if d.Upcoming, d.UpcomingCut, err = s.upcomingInvoices(c, f.CustomerID, d.Today); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "orders", p)
}

// upcomingInvoices groups the open orders (of customerID, or all) per
// customer, with each customer's collective settings from its record.
func (s *server) upcomingInvoices(c *gin.Context, customerID string, today core.Date) ([]upcoming, bool, error) {
	ctx := c.Request.Context()
	pr := principal(c)
	var out []upcoming
	index := map[string]int{}
	q := core.OrderQuery{CustomerID: customerID, Status: core.OrderOpen, Limit: core.MaxListLimit}
	read, cut := 0, false
	for {
		page, err := s.engine.ListOrders(ctx, pr, q)
		if err != nil {
			return nil, false, err
		}
		for _, o := range page.Orders {
			i, ok := index[o.CustomerID]
			if !ok {
				i = len(out)
				index[o.CustomerID] = i
				out = append(out, upcoming{Customer: core.Customer{ID: o.CustomerID, Name: o.CustomerName}})
			}
			out[i].Orders = append(out[i].Orders, o)
			out[i].Total += o.Total
		}
		read += len(page.Orders)
		if page.NextCursor == "" {
			break
		}
		if read >= maxUpcomingOrders {
			cut = true
			break
		}
		q.Cursor = page.NextCursor
	}
	for i := range out {
		u := &out[i]
		cu, err := s.engine.GetCustomer(ctx, pr, u.Customer.ID)
		if err != nil {
			if core.Code(err) == core.CodeNotFound {
				continue
			}
			return nil, false, err
		}
		u.Customer = cu
		if cu.ParentCustomerID != "" {
			if parent, err := s.engine.GetCustomer(ctx, pr, cu.ParentCustomerID); err == nil {
				u.BillTo = parent.Name
			}
		}
		ci := cu.CollectiveInvoicing
		if ci.DayOfMonth > 0 {
			u.NextDay = nextInvoiceDay(today, ci.DayOfMonth)
		}
		u.OverThreshold = ci.Threshold > 0 && u.Total > ci.Threshold
	}
	return out, cut, nil
}

// nextInvoiceDay is the first invoice day (core.LatestInvoiceDay's rule,
// the month's last day when the month is shorter) on or after today.
func nextInvoiceDay(today core.Date, day int) core.Date {
	for d := today; ; d = d.AddDays(1) {
		if core.LatestInvoiceDay(d, day) == d {
			return d
		}
	}
}
