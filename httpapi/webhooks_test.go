package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
	"github.com/ledgerbridge/ledgerbridge/webhooks/webhookstest"
)

// webhookSchemaTypes are the Go types of the webhook schemas in
// openapi.json, for TestOpenAPISchemasMatchTypes.
var webhookSchemaTypes = map[string]reflect.Type{
	"WebhookEndpointRequest": reflect.TypeFor[webhooks.EndpointInput](),
	"WebhookEndpoint":        reflect.TypeFor[webhooks.Endpoint](),
	"WebhookEndpointCreated": reflect.TypeFor[webhooks.CreatedEndpoint](),
	"WebhookEndpointList":    reflect.TypeFor[listBody[webhooks.Endpoint]](),
	"WebhookDelivery":        reflect.TypeFor[webhooks.Delivery](),
	"WebhookDeliveryList":    reflect.TypeFor[listBody[webhooks.Delivery]](),
	"WebhookEvent":           reflect.TypeFor[webhooks.Payload](),
}

func eventTypes(ps []webhooks.Payload) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Type)
	}
	return strings.Join(out, " ")
}

// checkOpenAPI validates an answer against the operation openapi.json
// documents for it (status, content type, body schema).
func checkOpenAPI(t *testing.T, method, path string, r response) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.status, Header: r.header,
		Body: io.NopCloser(bytes.NewReader([]byte(r.body))), Options: opts})
	if err != nil {
		t.Errorf("%s %s answered %d %s, which openapi.json does not allow: %v", method, path, r.status, r.body, err)
	}
}

// TestWebhookEndpoints: admin only, bad input names the field, another
// merchant's endpoint is 404, the secret is shown once, answers match
// openapi.json.
func TestWebhookEndpoints(t *testing.T) {
	s := newStack(t)
	admin, acct, cashier := s.a.key(core.RoleAdmin), s.a.key(core.RoleAccountant), s.a.key(core.RoleCashier)
	rec := webhookstest.Start(t, s.clock.Now)
	good := `{"url":"` + rec.URL + `/hooks","events":["invoice.posted","invoice.paid"]}`
	runScenarios(t, s, []scenario{
		{name: "accountant may not", method: "POST", path: "/v1/webhook-endpoints", key: acct, body: good, wantStatus: 403},
		{name: "cashier may not list", method: "GET", path: "/v1/webhook-endpoints", key: cashier, wantStatus: 403},
		{name: "plain http elsewhere", method: "POST", path: "/v1/webhook-endpoints", key: admin,
			body: `{"url":"http://example.com/hooks","events":["invoice.paid"]}`, wantStatus: 422,
			wantBody: []string{`"field":"url"`, "https"}},
		{name: "unknown event", method: "POST", path: "/v1/webhook-endpoints", key: admin,
			body: `{"url":"https://example.com/hooks","events":["invoice.paid","invoice.eaten"]}`, wantStatus: 422,
			wantBody: []string{`"field":"events[1]"`}},
		{name: "no events", method: "POST", path: "/v1/webhook-endpoints", key: admin,
			body: `{"url":"https://example.com/hooks","events":[]}`, wantStatus: 422, wantBody: []string{`"field":"events"`}},
		{name: "unknown field", method: "POST", path: "/v1/webhook-endpoints", key: admin,
			body: `{"url":"https://example.com/hooks","events":["invoice.paid"],"secret":"mine"}`, wantStatus: 400,
			wantBody: []string{`"field":"secret"`}},
	})
	r := s.run(t, scenario{name: "create", method: "POST", path: "/v1/webhook-endpoints", key: admin, body: good,
		wantStatus: 201, wantBody: []string{`"secret":"whsec_`}, wantHeaders: map[string]string{"Cache-Control": "no-store"}})
	checkOpenAPI(t, "POST", "/v1/webhook-endpoints", r)
	var created webhooks.CreatedEndpoint
	r.decode(t, &created)
	r = s.run(t, scenario{name: "list", method: "GET", path: "/v1/webhook-endpoints", key: admin, wantStatus: 200,
		wantBody: []string{created.ID, `"invoice.paid"`}, notBody: []string{created.Secret, "secret"}})
	checkOpenAPI(t, "GET", "/v1/webhook-endpoints", r)
	other := s.b.key(core.RoleAdmin)
	for _, sc := range []scenario{
		{name: "other merchant lists none", method: "GET", path: "/v1/webhook-endpoints", key: other, wantStatus: 200,
			wantBody: []string{`"data":[]`}},
		{name: "other merchant's delete", method: "DELETE", path: "/v1/webhook-endpoints/" + created.ID, key: other, wantStatus: 404},
		{name: "other merchant's log", method: "GET", path: "/v1/webhook-endpoints/" + created.ID + "/deliveries", key: other, wantStatus: 404},
		{name: "bad limit", method: "GET", path: "/v1/webhook-endpoints/" + created.ID + "/deliveries?limit=0", key: admin,
			wantStatus: 422, wantBody: []string{`"field":"limit"`}},
	} {
		r := s.run(t, sc)
		checkOpenAPI(t, sc.method, strings.SplitN(sc.path, "?", 2)[0], r)
	}
	r = s.run(t, scenario{name: "delete", method: "DELETE", path: "/v1/webhook-endpoints/" + created.ID, key: admin,
		wantStatus: 200, wantBody: []string{created.ID}, notBody: []string{"secret"}})
	checkOpenAPI(t, "DELETE", "/v1/webhook-endpoints/"+created.ID, r)
	s.run(t, scenario{name: "deleted", method: "DELETE", path: "/v1/webhook-endpoints/" + created.ID, key: admin, wantStatus: 404})
}

// TestWebhookInvoiceEvents: a charge, its payment and its due date
// passing reach a loopback receiver as signed invoice.posted, invoice.paid
// and invoice.overdue, each once, also through a receiver that is down
// for a while; the delivery log shows the attempts.
func TestWebhookInvoiceEvents(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	admin := s.a.key(core.RoleAdmin)
	rec := webhookstest.Start(t, s.clock.Now)
	r := s.do("POST", "/v1/webhook-endpoints", admin, `{"url":"`+rec.URL+`","events":["invoice.posted","invoice.paid","invoice.overdue"]}`, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("create endpoint: %d %s", r.status, r.body)
	}
	var ep webhooks.CreatedEndpoint
	r.decode(t, &ep)
	rec.SetSecret(ep.Secret)
	// Merchant b's events never reach a's endpoint.
	bc := s.createCustomer(s.b, `{"name":"Kund B","email":"b@example.com"}`)
	s.charge(s.b, "b-1", chargeBody(bc.ID, 10000, "rb-1"))

	c := s.createCustomer(s.a, `{"name":"Kund A","email":"a@example.com","due_days":10}`)
	paid := s.charge(s.a, "c-1", chargeBody(c.ID, 12500, "r-1")).Invoice
	late := s.charge(s.a, "c-2", chargeBody(c.ID, 5000, "r-2")).Invoice
	// The register retries the charge: a replay, no second event.
	s.charge(s.a, "c-1", chargeBody(c.ID, 12500, "r-1"))
	if r := s.do("POST", "/v1/invoices/"+paid.ID+"/payments", admin, `{"paid_at":"2026-03-02"}`, nil); r.status != http.StatusOK {
		t.Fatalf("pay: %d %s", r.status, r.body)
	}
	if n := s.webhooks.Drain(ctx); n != 3 {
		t.Fatalf("drained %d deliveries, want 3 (two posted, one paid)", n)
	}
	got := rec.Events(t)
	if eventTypes(got) != "invoice.posted invoice.posted invoice.paid" {
		t.Fatalf("received %s", eventTypes(got))
	}
	var inv core.Invoice
	if err := json.Unmarshal(got[2].Data, &inv); err != nil || inv.ID != paid.ID || inv.Status != core.StatusPaid {
		t.Errorf("invoice.paid data %s (%v)", got[2].Data, err)
	}

	// Due after 10 days; on day 12 the scheduler finds it overdue while
	// the receiver is down for two attempts.
	rec.Down(2)
	s.clock.OnDate(t, "2026-03-14")
	for range 2 { // a second run publishes nothing again
		if _, err := s.engine.RunOverdueEvents(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.webhooks.Drain(ctx); n != 1 {
		t.Fatalf("drained %d, want the overdue event's first attempt", n)
	}
	path := "/v1/webhook-endpoints/" + ep.ID + "/deliveries"
	r = s.run(t, scenario{name: "log while retrying", method: "GET", path: path + "?limit=1", key: admin, wantStatus: 200,
		wantBody: []string{`"event_type":"invoice.overdue"`, `"status":"queued"`, `"attempts":1`, "HTTP 503", `"next_cursor"`}})
	checkOpenAPI(t, "GET", path, r)
	s.clock.Set(s.clock.Now().Add(time.Minute))
	s.webhooks.Drain(ctx)
	s.clock.Set(s.clock.Now().Add(2 * time.Minute))
	s.webhooks.Drain(ctx)
	got = rec.Events(t)
	if eventTypes(got) != "invoice.posted invoice.posted invoice.paid invoice.overdue" {
		t.Fatalf("received %s", eventTypes(got))
	}
	if err := json.Unmarshal(got[3].Data, &inv); err != nil || inv.ID != late.ID || inv.Status != core.StatusOverdue {
		t.Errorf("invoice.overdue data %s (%v)", got[3].Data, err)
	}
	r = s.run(t, scenario{name: "log", method: "GET", path: path, key: admin, wantStatus: 200})
	checkOpenAPI(t, "GET", path, r)
	var log listBody[webhooks.Delivery]
	r.decode(t, &log)
	if len(log.Data) != 4 || log.Data[0].EventType != core.EventInvoiceOverdue || log.Data[0].Status != "sent" ||
		log.Data[0].Attempts != 3 || log.Data[0].ResponseStatus != 204 {
		t.Errorf("delivery log %+v", log.Data)
	}
	if n := rec.Requests(); n != 6 {
		t.Errorf("receiver saw %d requests, want 6 (4 events, 2 refused attempts)", n)
	}
}

// TestWebhookExportEvents: a day booked by the export run is
// export.succeeded.
func TestWebhookExportEvents(t *testing.T) {
	s := newStack(t)
	rec := webhookstest.Start(t, s.clock.Now)
	ep, err := s.webhooks.CreateEndpoint(context.Background(), core.Principal{MerchantID: s.a.id, Role: core.RoleAdmin},
		webhooks.EndpointInput{URL: rec.URL, Events: []string{core.EventExportSucceeded, core.EventExportFailed}})
	if err != nil {
		t.Fatal(err)
	}
	rec.SetSecret(ep.Secret)
	s.activateSIE(s.a)
	s.sell(s.a, saleBody("r-1", "loc-1", "2026-03-01", 11200))
	if r := s.do("POST", "/v1/locations/loc-1/days/2026-03-01/close", s.a.key(core.RoleCashier), "", nil); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	if res := s.runExports(); res.Succeeded != 1 {
		t.Fatalf("RunOnce: %+v", res)
	}
	s.webhooks.Drain(context.Background())
	got := rec.Events(t)
	if eventTypes(got) != "export.succeeded" {
		t.Fatalf("received %s", eventTypes(got))
	}
	var day struct {
		LocationID   string `json:"location_id"`
		BusinessDate string `json:"business_date"`
		Status       string `json:"status"`
		Provider     string `json:"provider"`
	}
	if err := json.Unmarshal(got[0].Data, &day); err != nil || day.LocationID != "loc-1" || day.BusinessDate != "2026-03-01" ||
		day.Status != "succeeded" || day.Provider == "" {
		t.Errorf("data %s (%v)", got[0].Data, err)
	}
}
