package backoffice

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// routeLogin registers sign-in, sign-out and invitations. The public forms
// carry a double-submit CSRF token (cookie lb_login_csrf and a form field
// that must match), since there is no session yet to hold one.
func (s *server) routeLogin(r *gin.Engine) {
	r.GET(Prefix+"/login", s.loginForm)
	r.POST(Prefix+"/login", s.login)
	r.GET(Prefix+"/invite/:token", s.inviteForm)
	r.POST(Prefix+"/invite/:token", s.acceptInvite)
	r.POST(Prefix+"/logout", s.signedIn, s.checkCSRF, s.logout)
}

type loginData struct {
	Email string
	Next  string
}

func (s *server) loginForm(c *gin.Context) {
	p := s.newPage(c, "login.title", "")
	p.CSRF = s.publicCSRF(c)
	p.Data = loginData{Next: safeNext(c.Query("next"))}
	if c.Query("signed_out") == "1" {
		p.Flash = "done.signed_out"
	}
	s.render(c, http.StatusOK, "login", p)
}

// login signs a user in: a fresh session (a session cookie the browser
// already had is replaced, never adopted), then the page asked for.
func (s *server) login(c *gin.Context) {
	if !s.parseForm(c) || !s.checkPublicCSRF(c) {
		return
	}
	client, _ := s.signIn.ClientKey(c.ClientIP())
	p := s.newPage(c, "login.title", "")
	p.CSRF = s.publicCSRF(c)
	data := loginData{Email: c.PostForm("email"), Next: safeNext(c.PostForm("next"))}
	p.Data = data
	if wait := s.signIn.Wait(client); wait > 0 {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		p.Error = p.L.T("login.rate_limited")
		s.render(c, http.StatusTooManyRequests, "login", p)
		return
	}
	in, err := s.engine.SignIn(c.Request.Context(), data.Email, c.PostForm("password"))
	if err != nil {
		if core.Code(err) != core.CodeUnauthorized {
			s.fail(c, err)
			return
		}
		s.signIn.Fail(client)
		p.Error = p.L.T("login.wrong")
		s.render(c, http.StatusUnauthorized, "login", p)
		return
	}
	s.startSession(c, in)
	c.Redirect(http.StatusSeeOther, data.Next)
}

func (s *server) startSession(c *gin.Context, in core.SignedIn) {
	s.setCookie(c, sessionCookie, in.Token, int(core.SessionAbsoluteTimeout.Seconds()))
	s.clearCookie(c, loginCSRF)
}

func (s *server) logout(c *gin.Context) {
	if ck, err := c.Request.Cookie(sessionCookie); err == nil {
		if err := s.engine.SignOut(c.Request.Context(), ck.Value); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.clearCookie(c, sessionCookie)
	c.Redirect(http.StatusSeeOther, Prefix+"/login?signed_out=1")
}

type inviteData struct {
	Email string
	Token string
}

// invitePage is the invitation page of the path's token, in the invited
// user's language; when the token opens no invitation it answers and
// reports false.
func (s *server) invitePage(c *gin.Context) (*page, bool) {
	token := c.Param("token")
	u, err := s.engine.InvitedUser(c.Request.Context(), token)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	p := s.newPage(c, "invite.title", "")
	p.L.lang = u.Language
	p.CSRF = s.publicCSRF(c)
	p.Data = inviteData{Email: u.Email, Token: token}
	return p, true
}

func (s *server) inviteForm(c *gin.Context) {
	if p, ok := s.invitePage(c); ok {
		s.render(c, http.StatusOK, "invite", p)
	}
}

func (s *server) acceptInvite(c *gin.Context) {
	if !s.parseForm(c) || !s.checkPublicCSRF(c) {
		return
	}
	p, ok := s.invitePage(c)
	if !ok {
		return
	}
	if c.PostForm("password") != c.PostForm("password_again") {
		p.Fields["password_again"] = p.L.T("invite.mismatch")
		p.Error = p.L.T("error.form")
		s.render(c, http.StatusUnprocessableEntity, "invite", p)
		return
	}
	in, err := s.engine.AcceptInvite(c.Request.Context(), c.Param("token"), c.PostForm("password"))
	if err != nil {
		if formErrors(p, err) {
			s.render(c, http.StatusUnprocessableEntity, "invite", p)
			return
		}
		s.fail(c, err)
		return
	}
	s.startSession(c, in)
	s.done(c, Prefix+"/", "welcome")
}

// publicCSRF returns the double-submit token of a public form, setting its
// cookie when the browser has none.
func (s *server) publicCSRF(c *gin.Context) string {
	if ck, err := c.Request.Cookie(loginCSRF); err == nil && len(ck.Value) == 32 {
		return ck.Value
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("backoffice: no randomness: " + err.Error())
	}
	tok := hex.EncodeToString(b)
	s.setCookie(c, loginCSRF, tok, 3600)
	return tok
}

// checkPublicCSRF refuses a public form whose token does not match its
// cookie.
func (s *server) checkPublicCSRF(c *gin.Context) bool {
	ck, err := c.Request.Cookie(loginCSRF)
	got := c.Request.PostFormValue(csrfField)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(got)) != 1 {
		s.errorPage(c, http.StatusForbidden, "error.csrf")
		return false
	}
	return true
}

// setLanguage changes the signed-in user's language and goes back.
func (s *server) setLanguage(c *gin.Context) {
	if _, err := s.engine.SetUserLanguage(c.Request.Context(), principal(c), core.Language(c.PostForm("language"))); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, safeNext(c.PostForm("next")))
}
