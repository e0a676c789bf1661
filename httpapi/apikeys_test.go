package httpapi

import (
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestListAndRevokeAPIKeys: GET /v1/api-keys lists the merchant's keys
// without secrets; DELETE revokes one, which answers 401 on the very next
// request; another merchant's key ID is 404; only admins may do either.
func TestListAndRevokeAPIKeys(t *testing.T) {
	s := newStack(t)
	admin := s.a.key(core.RoleAdmin)
	cashier := s.a.key(core.RoleCashier)

	// Use the cashier key once so last_used_at is set.
	s.run(t, scenario{name: "cashier works", method: "GET", path: "/v1/customers", key: cashier, wantStatus: 200})
	r := s.run(t, scenario{name: "list", method: "GET", path: "/v1/api-keys", key: admin, wantStatus: 200,
		wantBody: []string{`"role":"cashier"`, `"last_used_at":"`, `"revoked_at":null`},
		notBody:  []string{cashier, admin, `"hash"`, `"key":"`}})
	var list listBody[core.APIKey]
	r.decode(t, &list)
	if len(list.Data) != 3 {
		t.Fatalf("listed %d keys, want 3: %s", len(list.Data), r.body)
	}
	var cashierID string
	for _, k := range list.Data {
		if k.Role == core.RoleCashier {
			cashierID = k.ID
		}
	}
	bAdmin := s.b.key(core.RoleAdmin)
	runScenarios(t, s, []scenario{
		{name: "B does not see A's keys", method: "GET", path: "/v1/api-keys", key: bAdmin, wantStatus: 200,
			notBody: []string{cashierID}},
		{name: "B cannot revoke A's key", method: "DELETE", path: "/v1/api-keys/" + cashierID, key: bAdmin,
			wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
		{name: "accountant may not list", method: "GET", path: "/v1/api-keys", key: s.a.key(core.RoleAccountant), wantStatus: 403},
		{name: "cashier may not revoke", method: "DELETE", path: "/v1/api-keys/" + cashierID, key: cashier, wantStatus: 403},
		{name: "unknown key id", method: "DELETE", path: "/v1/api-keys/key_nosuch", key: admin, wantStatus: 404},
		{name: "revoke", method: "DELETE", path: "/v1/api-keys/" + cashierID, key: admin, wantStatus: 200,
			wantBody: []string{`"id":"` + cashierID + `"`, `"revoked_at":"`}, notBody: []string{cashier}},
		{name: "revoked key is refused at once", method: "GET", path: "/v1/customers", key: cashier, wantStatus: 401,
			wantBody: []string{`"code":"unauthorized"`, "revoked"}},
		{name: "revoking again is harmless", method: "DELETE", path: "/v1/api-keys/" + cashierID, key: admin, wantStatus: 200},
		{name: "other keys still work", method: "GET", path: "/v1/customers", key: admin, wantStatus: 200},
		{name: "B's cashier still works", method: "GET", path: "/v1/customers", key: s.b.key(core.RoleCashier), wantStatus: 200},
	})
	r = s.run(t, scenario{name: "list shows revocation", method: "GET", path: "/v1/api-keys", key: admin, wantStatus: 200})
	if !strings.Contains(r.body, `"revoked_at":"`) {
		t.Errorf("list after revoke lacks revoked_at: %s", r.body)
	}
}
