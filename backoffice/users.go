package backoffice

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The users page: the merchant's BackOffice users (engine.ListUsers),
// inviting one (engine.CreateUser without a password: the one-time link is
// shown on the answer, to copy and send) and removing one
// (engine.RemoveUser). Admin only.

func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		manage := s.allow(core.ActionManageUsers)
		g.GET("/users", manage, s.users)
		g.POST("/users", manage, s.inviteUser)
		g.POST("/users/:id/remove", manage, s.removeUser)
	})
}

type usersData struct {
	Users []core.User
	Me    string // the signed-in user's ID
	// Email, Role and Language are the invitation form's values.
	Email    string
	Role     core.Role
	Language core.Language
	// Invited and Link are the invitation just made, shown once.
	Invited *core.User
	Link    string
}

// Expired reports whether u's invitation can no longer be accepted.
func (usersData) Expired(u core.User) bool {
	return u.Invited() && (u.InviteExpiresAt == nil || !time.Now().Before(*u.InviteExpiresAt))
}

func (usersData) Roles() []core.Role         { return core.Roles }
func (usersData) Languages() []core.Language { return languages }

func (s *server) users(c *gin.Context) {
	p := s.newPage(c, "users.title", "nav.users")
	s.renderUsers(c, p, http.StatusOK, s.newInvite(p))
}

// newInvite is an empty invitation form: a cashier in the merchant's
// language.
func (s *server) newInvite(p *page) usersData {
	return usersData{Role: core.RoleCashier, Language: p.Merchant.Country.Language()}
}

func (s *server) renderUsers(c *gin.Context, p *page, status int, d usersData) {
	list, err := s.engine.ListUsers(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Users, d.Me = list, principal(c).UserID
	p.Data = d
	s.render(c, status, "users", p)
}

// inviteUser creates an invited user and answers with the invitation link,
// once (not a redirect: the token is in no URL the browser keeps).
func (s *server) inviteUser(c *gin.Context) {
	p := s.newPage(c, "users.title", "nav.users")
	d := usersData{Email: c.PostForm("email"), Role: core.Role(strings.TrimSpace(c.PostForm("role"))),
		Language: core.Language(strings.TrimSpace(c.PostForm("language")))}
	u, token, err := s.engine.CreateUser(c.Request.Context(), principal(c), core.NewUser{Email: d.Email, Role: d.Role, Language: d.Language})
	if err != nil {
		switch {
		case formErrors(p, err):
			s.renderUsers(c, p, http.StatusUnprocessableEntity, d)
		case core.Code(err) == core.CodeConflict:
			p.Error = errorText(p.L, err)
			p.Fields["email"] = p.L.T("users.email_taken")
			s.renderUsers(c, p, http.StatusConflict, d)
		default:
			s.fail(c, err)
		}
		return
	}
	p.Title = "users.invited_title"
	p.Flash = "done.user_invited"
	out := s.newInvite(p)
	out.Invited, out.Link = &u, s.inviteLink(c, token)
	s.renderUsers(c, p, http.StatusCreated, out)
}

// inviteLink is the invitation's full address on the host the admin
// reached the gateway at.
func (s *server) inviteLink(c *gin.Context, token string) string {
	scheme := "http"
	if c.Request.TLS != nil || s.secure {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + Prefix + "/invite/" + token
}

// removeUser deletes a user; removing oneself or the last admin is the
// engine's conflict, shown on the list.
func (s *server) removeUser(c *gin.Context) {
	err := s.engine.RemoveUser(c.Request.Context(), principal(c), c.Param("id"))
	if err == nil {
		s.done(c, Prefix+"/users", "user_removed")
		return
	}
	if core.Code(err) == core.CodeConflict {
		p := s.newPage(c, "users.title", "nav.users")
		p.Error = errorText(p.L, err)
		s.renderUsers(c, p, http.StatusConflict, s.newInvite(p))
		return
	}
	s.fail(c, err)
}
