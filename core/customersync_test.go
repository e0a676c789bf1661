package core

import (
	"context"
	"testing"
)

// copyingProvider keeps a copy of its customers: a refresh reports counts.
type copyingProvider struct {
	*fakeProvider
	queries []CustomerQuery
}

func (p *copyingProvider) SearchCustomers(_ context.Context, _ Connection, q CustomerQuery) (CustomerPage, error) {
	p.queries = append(p.queries, q)
	if !q.Refresh {
		return CustomerPage{}, nil
	}
	return CustomerPage{Sync: &CustomerSync{Customers: 40, Added: 2, Updated: 1, Removed: 3}}, nil
}

// TestSyncCustomers: POST /v1/customers/sync asks the invoicing provider
// to refresh its copy (a search with Refresh) and answers its counts;
// admins and accountants may, cashiers may not; a provider without a copy
// answers copied false.
func TestSyncCustomers(t *testing.T) {
	ctx := context.Background()
	e, fake, ps := newTestEngine(t)
	prov := &copyingProvider{fakeProvider: fake}
	e.providers = oneRegistry{prov}
	for _, role := range []Role{RoleAdmin, RoleAccountant} {
		got, err := e.SyncCustomers(ctx, ps[role])
		want := CustomerSyncResult{Provider: "fake", Copied: true, CustomerSync: CustomerSync{Customers: 40, Added: 2, Updated: 1, Removed: 3}}
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", role, got, err, want)
		}
	}
	if _, err := e.SyncCustomers(ctx, ps[RoleCashier]); Code(err) != CodeForbidden {
		t.Errorf("cashier: %v, want forbidden", err)
	}
	if len(prov.queries) != 2 || !prov.queries[0].Refresh {
		t.Errorf("provider asked %+v, want two refreshes", prov.queries)
	}
	// A search never asks for a refresh by itself.
	if _, err := e.SearchCustomers(ctx, ps[RoleCashier], CustomerQuery{Q: "x"}); err != nil || prov.queries[2].Refresh {
		t.Errorf("search: %v, query %+v", err, prov.queries[len(prov.queries)-1])
	}

	prov.queries = nil
	noCopy := &noCopyProvider{fakeProvider: fake}
	e.providers = oneRegistry{noCopy}
	got, err := e.SyncCustomers(ctx, ps[RoleAdmin])
	if err != nil || got != (CustomerSyncResult{Provider: "fake"}) {
		t.Errorf("provider without a copy: %+v, %v", got, err)
	}
}

type noCopyProvider struct{ *fakeProvider }

func (p *noCopyProvider) SearchCustomers(context.Context, Connection, CustomerQuery) (CustomerPage, error) {
	return CustomerPage{Customers: []Customer{}}, nil
}
