package httpapi

import (
	"context"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// downRegistry serves open and names a tripletex provider that cannot be
// started. It is not coretest.Registry, which knows only providers it can
// serve and refuses the others with CodeNotFound, not CodeUnavailable.
type downRegistry struct{ open core.Provider }

func (r downRegistry) Provider(_ context.Context, name string) (core.Provider, error) {
	if name == open.Name {
		return r.open, nil
	}
	return nil, core.Errorf(core.CodeUnavailable, "plugin process exited")
}

func (downRegistry) Names() []string { return []string{open.Name, "tripletex"} }

func TestHealth(t *testing.T) {
	s := newStack(t)
	runScenarios(t, s, []scenario{
		{name: "healthz", method: "GET", path: "/healthz", wantStatus: 200, wantBody: []string{`{"status":"ok"}`}},
		{name: "readyz", method: "GET", path: "/readyz", wantStatus: 200, wantBody: []string{`"status":"ready"`, `{"name":"open","status":"available","in_use":true}`}},
	})

	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	prov, err := open.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer prov.Close()

	// A broken provider nobody uses is reported, and the gateway is ready.
	engine := core.NewEngine(st, downRegistry{open: prov}, core.EngineOptions{})
	down := &testStack{t: t, handler: New(engine, Options{})}
	down.run(t, scenario{name: "unused provider down", method: "GET", path: "/readyz", wantStatus: 200,
		wantBody: []string{`"status":"ready"`, `{"name":"open","status":"available","in_use":false}`,
			`{"name":"tripletex","status":"unavailable","in_use":false,"error":"plugin process exited"}`}})
	// Once a merchant invoices through it, the gateway is not ready.
	if _, err := engine.CreateMerchant(ctx, core.NewMerchant{Name: "Kafé Bryggen AS", Country: core.Norway, InvoicingProvider: "tripletex"}); err != nil {
		t.Fatal(err)
	}
	down.run(t, scenario{name: "provider in use down", method: "GET", path: "/readyz", wantStatus: 503,
		wantBody: []string{`"code":"unavailable"`, "provider tripletex: plugin process exited"}})

	closed := &testStack{t: t, handler: New(core.NewEngine(st, coretest.Registry{open.Name: prov}, core.EngineOptions{}), Options{})}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	closed.run(t, scenario{name: "database closed", method: "GET", path: "/readyz", wantStatus: 503,
		wantBody: []string{`"code":"unavailable"`, "database"}})
	closed.run(t, scenario{name: "healthz does not care", method: "GET", path: "/healthz", wantStatus: 200})
}

func TestProviders(t *testing.T) {
	s := newStack(t)
	r := s.run(t, scenario{name: "list", method: "GET", path: "/v1/providers", key: s.a.key(core.RoleAdmin), wantStatus: 200,
		wantBody: []string{`"name":"open"`, `"display_name":"` + open.DisplayName + `"`, `"version":"` + open.Version + `"`,
			`"auth":{"type":"none"}`, `"capabilities":{`, `"invoices":true`, `"status":"available"`,
			`"name":"testbooks"`, `"auth":{"type":"api_token","fields":[{"name":"employee_token"`,
			`"name":"sie"`, `"sales_export":true`}})
	var page listBody[core.ProviderInfo]
	r.decode(t, &page)
	if len(page.Data) != 3 {
		t.Errorf("%d providers, want open, sie and testbooks", len(page.Data))
	}
}
