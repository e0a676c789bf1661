package backoffice

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Cookie and form names.
const (
	sessionCookie  = "lb_session"
	loginCSRF      = "lb_login_csrf"
	csrfField      = "csrf_token"
	csrfHeader     = "X-CSRF-Token"
	ctxSession     = "backoffice.session"
	sessionPath    = Prefix + "/"
	defaultLanding = Prefix + "/"
)

// sessionOf returns the signed-in user's session of c.
func sessionOf(c *gin.Context) (core.SessionInfo, bool) {
	v, ok := c.Get(ctxSession)
	if !ok {
		return core.SessionInfo{}, false
	}
	info, ok := v.(core.SessionInfo)
	return info, ok
}

// principal is the signed-in user as the engine's caller.
func principal(c *gin.Context) core.Principal {
	info, _ := sessionOf(c)
	return info.Principal
}

// signedIn resolves the session cookie; without a live session, a page
// request is sent to the sign-in page (which brings the user back), and
// anything else is answered 401.
func (s *server) signedIn(c *gin.Context) {
	token := ""
	if ck, err := c.Request.Cookie(sessionCookie); err == nil {
		token = ck.Value
	}
	info, err := s.engine.Session(c.Request.Context(), token)
	if err != nil {
		if core.Code(err) != core.CodeUnauthorized {
			s.fail(c, err)
			return
		}
		if token != "" {
			s.clearCookie(c, sessionCookie)
		}
		target := Prefix + "/login"
		if c.Request.Method == http.MethodGet {
			target += "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
		}
		if c.GetHeader("HX-Request") == "true" {
			c.Header("HX-Redirect", target)
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		c.Redirect(http.StatusSeeOther, target)
		c.Abort()
		return
	}
	c.Set(ctxSession, info)
	c.Next()
}

// checkCSRF refuses an unsafe request whose CSRF token (form field
// csrf_token or header X-CSRF-Token, as htmx sends it) is not the session's.
func (s *server) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	info, _ := sessionOf(c)
	got := c.GetHeader(csrfHeader)
	if got == "" {
		if !s.parseForm(c) {
			return
		}
		got = c.Request.PostFormValue(csrfField)
	}
	if !info.CheckCSRF(got) {
		s.errorPage(c, http.StatusForbidden, "error.csrf")
		return
	}
	c.Next()
}

// parseForm reads a form body of at most MaxFormBytes; false means the
// error page was written.
func (s *server) parseForm(c *gin.Context) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.maxForm)
	if err := c.Request.ParseForm(); err != nil {
		s.errorPage(c, http.StatusBadRequest, "error.bad_form")
		return false
	}
	return true
}

// allow refuses, with the forbidden page, a role that lacks action a: the
// admin pages stay closed to a cashier even when typed into the address
// bar.
func (s *server) allow(a core.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := principal(c).Authorize(a); err != nil {
			s.errorPage(c, http.StatusForbidden, "error.forbidden")
			return
		}
		c.Next()
	}
}

// setCookie writes an HttpOnly, SameSite=Lax cookie under Prefix, Secure
// over TLS or when configured.
func (s *server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: sessionPath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure || c.Request.TLS != nil,
	})
}

func (s *server) clearCookie(c *gin.Context, name string) { s.setCookie(c, name, "", -1) }

// safeNext is where to go after signing in: next when it is a BackOffice
// path on this host, else the overview. Anything that a browser could read
// as another host (a scheme, "//", a backslash) is refused: no open
// redirect.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, Prefix+"/") || strings.ContainsAny(next, "\\\r\n\t") ||
		strings.Contains(next, "//") || strings.Contains(next, "/..") {
		return defaultLanding
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return defaultLanding
	}
	return next
}
