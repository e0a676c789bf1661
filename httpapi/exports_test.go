package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
	sief "github.com/ledgerbridge/ledgerbridge/sie"
)

// saleBody is a valid receipt: amount öre of food at 12 %, paid by card.
func saleBody(receipt, location, date string, amount int64) string {
	b, _ := json.Marshal(map[string]any{
		"receipt_id": receipt, "location_id": location, "business_date": date,
		"lines":    []map[string]any{{"product_group": "food", "vat_rate": "12", "takeaway": false, "amount": amount}},
		"payments": []map[string]any{{"method": "card", "amount": amount}},
	})
	return string(b)
}

// sell records a receipt as m's cashier under its own Idempotency-Key; the
// answer must be 201.
func (s *testStack) sell(m testMerchant, body string) exports.Sale {
	s.t.Helper()
	r := s.do("POST", "/v1/sales", m.key(core.RoleCashier), body, map[string]string{"Idempotency-Key": "sell-" + core.NewID("k")})
	if r.status != http.StatusCreated {
		s.t.Fatalf("sale: %d %s", r.status, r.body)
	}
	var sale exports.Sale
	r.decode(s.t, &sale)
	return sale
}

// days lists m's export rows in [from, to] as its accountant.
func (s *testStack) days(m testMerchant, from, to string) []exports.Day {
	s.t.Helper()
	r := s.do("GET", "/v1/exports?from="+from+"&to="+to, m.key(core.RoleAccountant), "", nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("list exports: %d %s", r.status, r.body)
	}
	var page listBody[exports.Day]
	r.decode(s.t, &page)
	return page.Data
}

// runExports runs the export engine once, as the scheduler does.
func (s *testStack) runExports() exports.Result {
	s.t.Helper()
	res, err := s.exports.RunOnce(context.Background())
	if err != nil {
		s.t.Fatalf("RunOnce: %v", err)
	}
	return res
}

// activateSIE sets up and activates m's bookkeeping integration with the
// SIE file provider through the API, with the suggested mapping, and
// returns the integration and the mapping.
func (s *testStack) activateSIE(m testMerchant) (integrations.Integration, mapping.Mapping) {
	s.t.Helper()
	admin := m.key(core.RoleAdmin)
	in := s.createIntegration(m, `{"provider":"`+sie.Name+`","modes":["bookkeeping"]}`)
	base := "/v1/integrations/" + in.ID
	if r := s.do("PUT", base+"/settings", admin, validIntegrationSettings, nil); r.status != http.StatusOK {
		s.t.Fatalf("settings: %d %s", r.status, r.body)
	}
	r := s.do("GET", base+"/mapping/suggestion", admin, "", nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("suggestion: %d %s", r.status, r.body)
	}
	var sug integrations.Suggestion
	r.decode(s.t, &sug)
	s.putMapping(m, in.ID, sug.Mapping)
	r = s.do("POST", base+"/activate", admin, "", nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("activate: %d %s", r.status, r.body)
	}
	r.decode(s.t, &in)
	return in, sug.Mapping
}

func (s *testStack) putMapping(m testMerchant, id string, mp mapping.Mapping) {
	s.t.Helper()
	body, err := json.Marshal(mp)
	if err != nil {
		s.t.Fatal(err)
	}
	if r := s.do("PUT", "/v1/integrations/"+id+"/mapping", m.key(core.RoleAdmin), string(body), nil); r.status != http.StatusOK {
		s.t.Fatalf("put mapping: %d %s", r.status, r.body)
	}
}

// TestSalesValidation: every bad field is named, and a refused request
// does not use up its Idempotency-Key.
func TestSalesValidation(t *testing.T) {
	s := newStack(t)
	cashier := s.a.key(core.RoleCashier)
	key := map[string]string{"Idempotency-Key": "val-1"}
	runScenarios(t, s, []scenario{
		{name: "no Idempotency-Key", method: "POST", path: "/v1/sales", key: cashier,
			body: saleBody("r1", "loc-1", "2026-03-02", 1000), wantStatus: 400,
			wantBody: []string{`"field":"Idempotency-Key"`, "header is required"}},
		{name: "an Idempotency-Key too long", method: "POST", path: "/v1/sales", key: cashier,
			body: saleBody("r1", "loc-1", "2026-03-02", 1000), headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)},
			wantStatus: 400, wantBody: []string{`"field":"Idempotency-Key"`}},
		{name: "every bad field named", method: "POST", path: "/v1/sales", key: cashier, headers: key,
			body: `{"receipt_id":" ","location_id":"loc-1","business_date":"2026-02-30","currency":"NOK",
				"lines":[{"product_group":"food","vat_rate":"7","amount":1000},{"vat_rate":"25","amount":99999999999}],"payments":[],"rounding":500}`,
			wantStatus: 422,
			wantBody: []string{`"code":"invalid"`, `"field":"receipt_id"`, `"field":"business_date"`, `"field":"currency"`,
				`"field":"lines[0].vat_rate"`, `"field":"lines[1].amount"`, `"field":"payments"`, `"field":"rounding"`}},
		{name: "payments must match lines, tips and rounding", method: "POST", path: "/v1/sales", key: cashier, headers: key,
			body: `{"receipt_id":"r1","location_id":"loc-1","business_date":"2026-03-02",
				"lines":[{"product_group":"food","vat_rate":"12","amount":1000}],"payments":[{"method":"card","amount":1100}],"tips":50}`,
			wantStatus: 422, wantBody: []string{`"field":"payments"`, "sum to 1100, but lines (1000) + tips (50)"}},
		{name: "no lines", method: "POST", path: "/v1/sales", key: cashier, headers: key,
			body:       `{"receipt_id":"r1","location_id":"loc-1","business_date":"2026-03-02","lines":[],"payments":[{"method":"","amount":0}]}`,
			wantStatus: 422, wantBody: []string{`"field":"lines"`, `"field":"payments[0].method"`}},
		{name: "wrong types and unknown fields are 400", method: "POST", path: "/v1/sales", key: cashier, headers: key,
			body: `{"receipt_id":"r1","location_id":"loc-1","business_date":"2026-03-02","lines":[{"vat_rate":"12","amount":"10.00"}],
				"payments":[{"method":"card","amount":1000}],"customer":"x"}`,
			wantStatus: 400, wantBody: []string{`"field":"lines[0].amount"`, "must be an integer", `"field":"customer"`}},
		{name: "an accountant may not sell", method: "POST", path: "/v1/sales", key: s.a.key(core.RoleAccountant), headers: key,
			body: saleBody("r1", "loc-1", "2026-03-02", 1000), wantStatus: 403},
		{name: "the refused key takes the corrected receipt", method: "POST", path: "/v1/sales", key: cashier, headers: key,
			body: saleBody("r1", "loc-1", "2026-03-02", 1000), wantStatus: 201,
			wantBody:    []string{`"receipt_id":"r1"`, `"currency":"SEK"`, `"total":1000`, `"vat_rate":"12"`, `"recorded_at":"`},
			wantHeaders: map[string]string{headerReplayed: ""}},
		{name: "a day after today cannot close", method: "POST", path: "/v1/locations/loc-1/days/2026-03-03/close", key: cashier,
			wantStatus: 422, wantBody: []string{`"field":"date"`, "after today"}},
		{name: "a malformed day", method: "POST", path: "/v1/locations/loc-1/days/yesterday/close", key: cashier,
			wantStatus: 422, wantBody: []string{`"field":"date"`}},
		{name: "a malformed export query", method: "GET", path: "/v1/exports?from=2026-3-1&limit=0&cursor=zz", key: s.a.key(core.RoleAdmin),
			wantStatus: 422, wantBody: []string{`"field":"from"`, `"field":"limit"`}},
		{name: "SIE needs its range", method: "GET", path: "/v1/exports/sie?to=2026-13-01", key: s.a.key(core.RoleAdmin),
			wantStatus: 422, wantBody: []string{`"field":"from"`, "is required", `"field":"to"`}},
		{name: "SIE range at most two years", method: "GET", path: "/v1/exports/sie?from=2020-01-01&to=2026-01-01", key: s.a.key(core.RoleAdmin),
			wantStatus: 422, wantBody: []string{`"field":"to"`, "at most 731 days"}},
		{name: "run names bad days", method: "POST", path: "/v1/exports/run", key: s.a.key(core.RoleAdmin),
			body:       `{"from":"2026-03-01","to":"2026-03-02","days":[{"location_id":"","business_date":"2026-04-01"}]}`,
			wantStatus: 422, wantBody: []string{`"field":"days[0].location_id"`, `"field":"days[0].business_date"`}},
		{name: "run without a bookkeeping integration", method: "POST", path: "/v1/exports/run", key: s.a.key(core.RoleAdmin),
			body: `{"from":"2026-03-01","to":"2026-03-02"}`, wantStatus: 409, wantBody: []string{"no active bookkeeping integration"}},
	})
}

// TestSalesIdempotency: the Idempotency-Key and the receipt_id each make a
// receipt count once.
func TestSalesIdempotency(t *testing.T) {
	s := newStack(t)
	cashier := s.a.key(core.RoleCashier)
	body := saleBody("r-100", "loc-1", "2026-03-02", 12500)
	first := s.run(t, scenario{name: "first", method: "POST", path: "/v1/sales", key: cashier, body: body,
		headers: map[string]string{"Idempotency-Key": "k1"}, wantStatus: 201, wantBody: []string{`"total":12500`}})
	if first.header.Get(headerReplayed) != "" {
		t.Errorf("first request marked replayed")
	}
	replay := s.run(t, scenario{name: "same key, same body", method: "POST", path: "/v1/sales", key: cashier, body: body,
		headers: map[string]string{"Idempotency-Key": "k1"}, wantStatus: 201, wantHeaders: map[string]string{headerReplayed: "true"}})
	if replay.body != first.body {
		t.Errorf("replay answered %s, want the first answer %s", replay.body, first.body)
	}
	runScenarios(t, s, []scenario{
		{name: "same key, another body", method: "POST", path: "/v1/sales", key: cashier,
			body: saleBody("r-101", "loc-1", "2026-03-02", 12500), headers: map[string]string{"Idempotency-Key": "k1"},
			wantStatus: 409, wantBody: []string{`"code":"conflict"`, `"field":"Idempotency-Key"`}},
		{name: "another key, same receipt", method: "POST", path: "/v1/sales", key: s.a.key(core.RoleAdmin), body: body,
			headers: map[string]string{"Idempotency-Key": "k2"}, wantStatus: 201,
			wantHeaders: map[string]string{headerReplayed: "true"}, wantBody: []string{`"total":12500`}},
		{name: "another key, same receipt_id, another receipt", method: "POST", path: "/v1/sales", key: cashier,
			body: saleBody("r-100", "loc-1", "2026-03-02", 9900), headers: map[string]string{"Idempotency-Key": "k3"},
			wantStatus: 409, wantBody: []string{`"field":"receipt_id"`}},
		{name: "keys are per merchant", method: "POST", path: "/v1/sales", key: s.b.key(core.RoleCashier), body: body,
			headers: map[string]string{"Idempotency-Key": "k1"}, wantStatus: 201, wantHeaders: map[string]string{headerReplayed: ""}},
	})
	days := s.days(s.a, "2026-03-02", "2026-03-02")
	if len(days) != 1 || days[0].Receipts != 1 || days[0].Total != 12500 || days[0].Status != exports.StatusOpen {
		t.Errorf("merchant A's days %+v, want one open day with one receipt of 12500", days)
	}
	if b := s.days(s.b, "2026-03-02", "2026-03-02"); len(b) != 1 || b[0].Receipts != 1 {
		t.Errorf("merchant B's days %+v, want its own receipt only", b)
	}
}

// TestExportsToSIE: closed days are exported through the active SIE
// bookkeeping integration, a failed day is re-run, and the SIE file holds
// every booked day's voucher.
func TestExportsToSIE(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	cashier, admin, acct := s.a.key(core.RoleCashier), s.a.key(core.RoleAdmin), s.a.key(core.RoleAccountant)

	// A day closed before there is a bookkeeping integration waits.
	s.clock.OnDate(t, "2026-03-02")
	s.sell(s.a, saleBody("r-0", "loc-2", "2026-03-01", 5000))
	s.run(t, scenario{name: "close without integration", method: "POST", path: "/v1/locations/loc-2/days/2026-03-01/close",
		key: cashier, wantStatus: 200, wantBody: []string{`"status":"not_scheduled"`, "no active bookkeeping integration", `"closed":true`}})

	in, suggested := s.activateSIE(s.a)

	s.sell(s.a, saleBody("r-1", "loc-1", "2026-03-01", 11200))
	s.sell(s.a, `{"receipt_id":"r-2","location_id":"loc-1","business_date":"2026-03-01",
		"lines":[{"product_group":"food","vat_rate":"12","takeaway":true,"amount":8000},{"product_group":"drinks","vat_rate":"25","amount":2999}],
		"payments":[{"method":"cash","amount":11000}],"rounding":1}`)
	r := s.run(t, scenario{name: "close", method: "POST", path: "/v1/locations/loc-1/days/2026-03-01/close", key: cashier,
		wantStatus: 200, wantBody: []string{`"status":"pending"`, `"closed":true`, `"receipts":2`, `"total":22200`, `"external_ref":"`}})
	var closed exports.Day
	r.decode(t, &closed)
	s.clock.Set(s.clock.Now().Add(time.Hour))
	r = s.run(t, scenario{name: "closing again changes nothing", method: "POST", path: "/v1/locations/loc-1/days/2026-03-01/close",
		key: cashier, wantStatus: 200, wantBody: []string{`"status":"pending"`, `"receipts":2`}})
	var again exports.Day
	r.decode(t, &again)
	if closed.ClosedAt == nil || again.ClosedAt == nil || !again.ClosedAt.Equal(*closed.ClosedAt) {
		t.Errorf("closed at %v, closed again at %v: want the first closing time kept", closed.ClosedAt, again.ClosedAt)
	}
	s.run(t, scenario{name: "a closed day takes no receipts", method: "POST", path: "/v1/sales", key: cashier,
		body: saleBody("r-3", "loc-1", "2026-03-01", 100), headers: map[string]string{"Idempotency-Key": "late"},
		wantStatus: 409, wantBody: []string{`"code":"conflict"`, `"field":"business_date"`}})

	days := s.days(s.a, "2026-03-01", "2026-03-02")
	if len(days) != 2 || days[0].LocationID != "loc-1" || days[0].Status != exports.StatusPending ||
		days[1].LocationID != "loc-2" || days[1].Status != exports.StatusNotScheduled {
		t.Fatalf("days before the run: %+v", days)
	}
	// The run schedules the day closed before the integration too.
	if res := s.runExports(); res.Succeeded != 2 || res.Failed != 0 {
		t.Fatalf("RunOnce: %+v, want both days succeeded", res)
	}
	days = s.days(s.a, "2026-03-01", "2026-03-02")
	for _, d := range days {
		if d.Status != exports.StatusSucceeded || d.Provider != sie.Name || d.IntegrationID != in.ID || d.ProviderRef == "" {
			t.Errorf("day %s %s after the run: %+v", d.LocationID, d.BusinessDate, d)
		}
	}
	s.run(t, scenario{name: "filtered by location", method: "GET", path: "/v1/exports?from=2026-03-01&to=2026-03-01&location_id=loc-2",
		key: acct, wantStatus: 200, wantBody: []string{`"location_id":"loc-2"`}, notBody: []string{`"location_id":"loc-1"`}})
	r = s.run(t, scenario{name: "paged", method: "GET", path: "/v1/exports?from=2026-03-01&to=2026-03-01&limit=1",
		key: acct, wantStatus: 200, wantBody: []string{`"location_id":"loc-1"`, `"next_cursor":"`}})
	var page listBody[exports.Day]
	r.decode(t, &page)
	s.run(t, scenario{name: "second page", method: "GET", path: "/v1/exports?from=2026-03-01&to=2026-03-01&limit=1&cursor=" + page.NextCursor,
		key: acct, wantStatus: 200, wantBody: []string{`"location_id":"loc-2"`}, notBody: []string{`"next_cursor"`, `"location_id":"loc-1"`}})

	// A day the mapping cannot book fails; fixed and re-run, it succeeds.
	broken := suggested
	broken.Events = map[string]string{}
	for k, v := range suggested.Events {
		if k != mapping.EventTips {
			broken.Events[k] = v
		}
	}
	s.putMapping(s.a, in.ID, broken)
	s.sell(s.a, `{"receipt_id":"r-4","location_id":"loc-1","business_date":"2026-03-02",
		"lines":[{"product_group":"food","vat_rate":"12","amount":10000}],"payments":[{"method":"card","amount":11000}],"tips":1000}`)
	s.run(t, scenario{name: "close today", method: "POST", path: "/v1/locations/loc-1/days/2026-03-02/close", key: admin,
		wantStatus: 200, wantBody: []string{`"status":"pending"`}})
	if res := s.runExports(); res.Failed != 1 {
		t.Fatalf("RunOnce with tips unmapped: %+v, want one failed", res)
	}
	s.run(t, scenario{name: "the failure is listed", method: "GET", path: "/v1/exports?from=2026-03-02&to=2026-03-02", key: acct,
		wantStatus: 200, wantBody: []string{`"status":"failed"`, `"error_code":"invalid"`, "events.tips"}})
	s.putMapping(s.a, in.ID, suggested)
	s.run(t, scenario{name: "re-run", method: "POST", path: "/v1/exports/run", key: acct,
		body: `{"from":"2026-03-01","to":"2026-03-02"}`, wantStatus: 202,
		wantBody: []string{`"queued":1`, `"business_date":"2026-03-02"`, `"status":"pending"`}, notBody: []string{`"business_date":"2026-03-01"`}})
	if res := s.runExports(); res.Succeeded != 1 || res.Failed != 0 {
		t.Fatalf("RunOnce after the re-run: %+v, want one succeeded", res)
	}
	s.run(t, scenario{name: "re-run day succeeded", method: "GET", path: "/v1/exports?from=2026-03-02&to=2026-03-02", key: acct,
		wantStatus: 200, wantBody: []string{`"status":"succeeded"`}, notBody: []string{`"status":"failed"`}})
	s.run(t, scenario{name: "re-running an open day is refused", method: "POST", path: "/v1/exports/run", key: acct,
		body:       `{"from":"2026-03-02","to":"2026-03-02","days":[{"location_id":"loc-9","business_date":"2026-03-02"}]}`,
		wantStatus: 409, wantBody: []string{`"field":"days[0]"`}})

	// The SIE file holds the three booked vouchers exactly as booked.
	r = s.run(t, scenario{name: "SIE file", method: "GET", path: "/v1/exports/sie?from=2026-03-01&to=2026-03-02", key: acct,
		wantStatus: 200, wantHeaders: map[string]string{
			"Content-Type":        "text/plain; charset=IBM437",
			"Content-Disposition": `attachment; filename="ledgerbridge-2026-03-01-2026-03-02.si"`}})
	file, err := sief.Read(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("the SIE file does not read back: %v\n%s", err, r.body)
	}
	booked, err := s.sie.Vouchers(ctx, s.a.id, "2026-03-01", "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Vouchers) != 3 || len(booked) != 3 {
		t.Fatalf("SIE file has %d vouchers, the provider booked %d; want 3", len(file.Vouchers), len(booked))
	}
	if file.CompanyName != "Kafé Alfa AB" {
		t.Errorf("SIE company %q", file.CompanyName)
	}
	// A 4I import file that says so, with Swedish voucher texts.
	if !strings.Contains(r.body, "\n#SIETYP 4\n#PROSA ") {
		t.Errorf("the SIE file does not declare itself 4I:\n%s", r.body)
	}
	for _, v := range file.Vouchers {
		if !strings.HasPrefix(v.Text, "Försäljning ") || strings.Contains(v.Text, "ledgerbridge:") {
			t.Errorf("SIE voucher text %q is not the Swedish day text", v.Text)
		}
	}
	// The provider numbers vouchers in booking order, which concurrent
	// workers choose; compare the sets.
	var got, want []string
	for _, v := range file.Vouchers {
		if v.Sum() != 0 {
			t.Errorf("SIE voucher of %s does not balance: %d", v.Date, v.Sum())
		}
		var rows []string
		for _, tr := range v.Transactions {
			rows = append(rows, tr.Account+":"+itoa(tr.Amount))
		}
		slices.Sort(rows)
		got = append(got, string(v.Date)+" "+strings.Join(rows, " "))
	}
	for _, v := range booked {
		var rows []string
		for _, p := range v.Postings {
			rows = append(rows, p.Account+":"+itoa(p.Amount))
		}
		slices.Sort(rows)
		want = append(want, string(v.Date)+" "+strings.Join(rows, " "))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("SIE vouchers\n%s\nwant the booked\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s.run(t, scenario{name: "merchant B has no vouchers", method: "GET", path: "/v1/exports?from=2026-03-01&to=2026-03-02",
		key: s.b.key(core.RoleAdmin), wantStatus: 200, wantBody: []string{`{"data":[]}`}})
	r = s.do("GET", "/v1/exports/sie?from=2026-03-01&to=2026-03-02", s.b.key(core.RoleAdmin), "", nil)
	if empty, err := sief.Read(bytes.NewReader([]byte(r.body))); r.status != 200 || err != nil || len(empty.Vouchers) != 0 {
		t.Errorf("merchant B's SIE file: %d, %v, %d vouchers", r.status, err, len(empty.Vouchers))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestExportRoutesNeedTheService: without Options.Exports the sales and
// export routes are not served.
func TestExportRoutesNeedTheService(t *testing.T) {
	for _, r := range newRouter(nil, Options{}).Routes() {
		if strings.HasPrefix(r.Path, "/v1/sales") || strings.HasPrefix(r.Path, "/v1/exports") || strings.HasPrefix(r.Path, "/v1/locations") {
			t.Errorf("route %s %s served without an exports service", r.Method, r.Path)
		}
	}
}
