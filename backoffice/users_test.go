package backoffice

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestUsersInvite: an admin lists the users, invites one and is shown the
// one-time link on this host, which lets the invitee choose a password and
// sign in; the list shows them invited, then active.
func TestUsersInvite(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/users", http.StatusOK)
	for _, want := range []string{"accountant@a.example", "cashier@a.example", "(du)", "administratör", "Svenska"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(a.body, "admin@b.example") {
		t.Error("the list shows merchant B's user")
	}
	a = c.post("/backoffice/users", url.Values{"email": {"Ny@A.example"}, "role": {"accountant"}, "language": {"en"}})
	if a.status != http.StatusCreated {
		t.Fatalf("invite = %d\n%s", a.status, a.body)
	}
	link := regexpFind(t, a.body, `<textarea id="invite-link"[^>]*>([^<]+)</textarea>`)
	if !strings.HasPrefix(link, s.srv.URL+"/backoffice/invite/inv_") || !strings.Contains(a.body, "7 dagar") {
		t.Fatalf("the invitation link %q is not a full URL on this host, or the expiry is not said", link)
	}
	if a := c.must("/backoffice/users", http.StatusOK); strings.Contains(a.body, link) || !strings.Contains(a.body, "Inbjuden") {
		t.Error("the list shows the link again, or not the invited user")
	}
	invitee := s.client()
	path := strings.TrimPrefix(link, s.srv.URL)
	invitee.must(path, http.StatusOK)
	if a := invitee.post(path, url.Values{"password": {"a long new password"}, "password_again": {"a long new password"}}); a.status != http.StatusSeeOther {
		t.Fatalf("accept = %d", a.status)
	}
	if a := invitee.must("/backoffice/", http.StatusOK); !strings.Contains(a.body, "ny@a.example") || !strings.Contains(a.body, `lang="en"`) {
		t.Fatal("the invitee is not signed in, in the chosen language")
	}
	if a := c.must("/backoffice/users", http.StatusOK); strings.Contains(a.body, "Inbjuden") {
		t.Error("the accepted user is still listed as invited")
	}
}

// TestUsersInvalid: a bad address, role or language is a 422 naming the
// field; an address in use is refused; nothing is created.
func TestUsersInvalid(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/users", http.StatusOK)
	a := c.post("/backoffice/users", url.Values{"email": {"not an address"}, "role": {"owner"}, "language": {"de"}})
	if a.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid invite = %d", a.status)
	}
	for _, f := range []string{"email", "role", "language"} {
		if !strings.Contains(a.body, `id="e-`+f+`"`) {
			t.Errorf("no error beside %s", f)
		}
	}
	if a := c.post("/backoffice/users", url.Values{"email": {"admin@b.example"}, "role": {"cashier"}, "language": {"sv"}}); a.status != http.StatusConflict || !strings.Contains(a.body, `id="e-email"`) {
		t.Errorf("an address in use = %d, want 409 beside email", a.status)
	}
	users, _ := s.engine.ListUsers(t.Context(), s.admin())
	if len(users) != 3 {
		t.Errorf("%d users after invalid invitations, want 3", len(users))
	}
}

// TestUsersRemove: an admin removes a user (signed out at once); removing
// oneself shows the engine's reason (409); another merchant's
// user is a 404.
func TestUsersRemove(t *testing.T) {
	s := newStack(t)
	cashier := s.signedIn("cashier@a.example")
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/users", http.StatusOK)
	id := regexpFind(t, a.body, `action="/backoffice/users/([^/"]+)/remove" data-confirm="[^"]*cashier@a.example`)
	a = c.post("/backoffice/users/"+id+"/remove", nil)
	if a.status != http.StatusSeeOther || a.location != "/backoffice/users?done=user_removed" {
		t.Fatalf("remove = %d %q", a.status, a.location)
	}
	if a := c.must(a.location, http.StatusOK); strings.Contains(a.body, "cashier@a.example") || !strings.Contains(a.body, "Användaren är borttagen") {
		t.Error("the removed user is still listed, or the page does not say so")
	}
	if a := cashier.get("/backoffice/"); a.status != http.StatusSeeOther {
		t.Errorf("the removed user's session still works: %d", a.status)
	}

	// Oneself, who is also the last admin: the engine's conflict.
	me := s.admin()
	users, _ := s.engine.ListUsers(t.Context(), me)
	var self string
	for _, u := range users {
		if u.Email == "admin@a.example" {
			self = u.ID
		}
	}
	if a := c.post("/backoffice/users/"+self+"/remove", nil); a.status != http.StatusConflict || !strings.Contains(a.body, "you cannot remove yourself") {
		t.Errorf("removing oneself = %d\n%s", a.status, a.body)
	}
	// (The engine's other conflict, the last admin, cannot be reached from
	// a page: whoever removes is an active admin too, so the target is
	// never the last one unless it is oneself.)

	b := s.signedIn("admin@b.example")
	b.must("/backoffice/users", http.StatusOK)
	if a := b.post("/backoffice/users/"+self+"/remove", nil); a.status != http.StatusNotFound {
		t.Errorf("B removing A's user = %d, want 404", a.status)
	}
	if _, err := s.engine.SignIn(t.Context(), "admin@a.example", testPassword); err != nil {
		t.Errorf("A's admin cannot sign in after B's attempt: %v", err)
	}
}

// TestUsersAccess: only admins manage users.
func TestUsersAccess(t *testing.T) {
	s := newStack(t)
	users, err := s.engine.ListUsers(t.Context(), s.admin())
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"accountant@a.example", "cashier@a.example"} {
		c := s.signedIn(who)
		if a := c.get("/backoffice/users"); a.status != http.StatusForbidden {
			t.Errorf("%s GET = %d, want 403", who, a.status)
		}
		if a := c.post("/backoffice/users", url.Values{"email": {"x@a.example"}, "role": {string(core.RoleAdmin)}}); a.status != http.StatusForbidden {
			t.Errorf("%s invite = %d, want 403", who, a.status)
		}
		if a := c.post("/backoffice/users/"+users[0].ID+"/remove", nil); a.status != http.StatusForbidden {
			t.Errorf("%s remove = %d, want 403", who, a.status)
		}
	}
}

// TestUsersInviteExpired: an invitation past its 7 days is shown expired,
// with what to do.
func TestUsersInviteExpired(t *testing.T) {
	s := newStack(t)
	u, _, err := s.engine.CreateUser(t.Context(), s.admin(), core.NewUser{Email: "late@a.example", Role: core.RoleCashier})
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	u.InviteExpiresAt = &past
	if err := s.store.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	a := s.signedIn("admin@a.example").must("/backoffice/users", http.StatusOK)
	if !strings.Contains(a.body, "Inbjudan har gått ut") || strings.Count(a.body, `class="badge warn"`) != 0 {
		t.Errorf("an expired invitation is not shown as expired:\n%s", a.body)
	}
}
