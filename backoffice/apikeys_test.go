package backoffice

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

var secretInput = regexp.MustCompile(`<textarea id="secret"[^>]*>([^<]+)</textarea>`)

// TestAPIKeys: an admin lists the keys, creates one and sees its secret
// once (the list never shows it again), and revokes it, after which it
// authenticates nothing.
func TestAPIKeys(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/api-keys", http.StatusOK)
	for _, want := range []string{"initial admin", "initial accountant", "initial cashier", "aldrig", `action="/backoffice/api-keys"`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	a = c.post("/backoffice/api-keys", url.Values{"name": {"Kassa 2"}, "role": {"cashier"}})
	if a.status != http.StatusCreated {
		t.Fatalf("create = %d\n%s", a.status, a.body)
	}
	m := secretInput.FindStringSubmatch(a.body)
	if m == nil || !strings.HasPrefix(m[1], "lb_cashier_") || !strings.Contains(a.body, "API-nyckeln är skapad") {
		t.Fatalf("the answer does not show the new secret:\n%s", a.body)
	}
	secret := m[1]
	p, err := s.engine.Authenticate(t.Context(), secret)
	if err != nil || p.Role != core.RoleCashier || p.MerchantID != s.a {
		t.Fatalf("the shown secret authenticates %+v, %v", p, err)
	}
	a = c.must("/backoffice/api-keys", http.StatusOK)
	if strings.Contains(a.body, secret) || !strings.Contains(a.body, "Kassa 2") {
		t.Fatal("the list shows the secret again, or not the new key")
	}
	id := regexpFind(t, a.body, `action="/backoffice/api-keys/([^/"]+)/revoke" data-confirm="[^"]*Kassa 2`)
	a = c.post("/backoffice/api-keys/"+id+"/revoke", nil)
	if a.status != http.StatusSeeOther || a.location != "/backoffice/api-keys?done=api_key_revoked" {
		t.Fatalf("revoke = %d %q", a.status, a.location)
	}
	if _, err := s.engine.Authenticate(t.Context(), secret); core.Code(err) != core.CodeUnauthorized {
		t.Fatalf("the revoked key authenticates: %v", err)
	}
	if a := c.must(a.location, http.StatusOK); !strings.Contains(a.body, "Nyckeln är återkallad") || !strings.Contains(a.body, "Återkallad ") {
		t.Error("the list does not say the key is revoked")
	}
}

// TestAPIKeysInvalid: a key without a name or with an unknown role is a
// 422 naming the field, and nothing is created.
func TestAPIKeysInvalid(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/api-keys", http.StatusOK)
	before, _ := s.engine.ListAPIKeys(t.Context(), s.admin())
	a := c.post("/backoffice/api-keys", url.Values{"name": {"  "}, "role": {"owner"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-name"`) || !strings.Contains(a.body, `id="e-role"`) {
		t.Fatalf("invalid key = %d, or the fields are not named\n%s", a.status, a.body)
	}
	if secretInput.MatchString(a.body) {
		t.Error("an invalid form shows a secret")
	}
	after, _ := s.engine.ListAPIKeys(t.Context(), s.admin())
	if len(after) != len(before) {
		t.Errorf("%d keys after an invalid create, want %d", len(after), len(before))
	}
}

// TestAPIKeysAccess: only admins manage keys (accountant and cashier get
// 403 even by typing the address), and another merchant's key is a 404.
func TestAPIKeysAccess(t *testing.T) {
	s := newStack(t)
	keys, err := s.engine.ListAPIKeys(t.Context(), s.admin())
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"accountant@a.example", "cashier@a.example"} {
		c := s.signedIn(who)
		if a := c.get("/backoffice/api-keys"); a.status != http.StatusForbidden {
			t.Errorf("%s GET = %d, want 403", who, a.status)
		}
		if a := c.post("/backoffice/api-keys", url.Values{"name": {"x"}, "role": {"admin"}}); a.status != http.StatusForbidden {
			t.Errorf("%s create = %d, want 403", who, a.status)
		}
		if a := c.post("/backoffice/api-keys/"+keys[0].ID+"/revoke", nil); a.status != http.StatusForbidden {
			t.Errorf("%s revoke = %d, want 403", who, a.status)
		}
		if a := c.must("/backoffice/", http.StatusOK); strings.Contains(a.body, `href="/backoffice/api-keys"`) {
			t.Errorf("%s is offered the API keys page", who)
		}
	}
	b := s.signedIn("admin@b.example")
	b.must("/backoffice/api-keys", http.StatusOK)
	if a := b.post("/backoffice/api-keys/"+keys[0].ID+"/revoke", nil); a.status != http.StatusNotFound {
		t.Errorf("B revoking A's key = %d, want 404", a.status)
	}
	if _, err := s.engine.Authenticate(t.Context(), s.keysA[keys[0].Role]); err != nil {
		t.Errorf("A's key stopped working after B's attempt: %v", err)
	}
}
