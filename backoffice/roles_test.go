package backoffice

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestMenuPagesFollowRoles: every page of the main menu opens for the roles
// whose API rights cover it and answers 403 to the others, even when the
// address is typed; the menu shows a role only what it may open.
func TestMenuPagesFollowRoles(t *testing.T) {
	s := newStack(t)
	for _, role := range core.Roles {
		c := s.signedIn(string(role) + "@a.example")
		home := c.must("/backoffice/", http.StatusOK)
		for _, item := range nav {
			allowed := item.Action == "" || role.Allows(item.Action)
			want := http.StatusForbidden
			if allowed {
				want = http.StatusOK
			}
			a := c.get(item.Href)
			if a.status != want {
				t.Errorf("%s GET %s = %d, want %d", role, item.Href, a.status, want)
			}
			inMenu := strings.Contains(home.body, `href="`+item.Href+`"`)
			if item.Href != Prefix+"/" && inMenu != allowed {
				t.Errorf("%s: menu shows %s = %v, want %v", role, item.Href, inMenu, allowed)
			}
		}
	}
}
