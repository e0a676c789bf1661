package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// oauthStart is the answer to POST /v1/integrations/{id}/oauth/start.
type oauthStart struct {
	AuthorizeURL string `json:"authorize_url"`
}

// startOAuth answers POST /v1/integrations/{id}/oauth/start (admin): 200
// {"authorize_url": ...}, the provider's authorize URL with a fresh
// single-use state, valid for integrations.StateLifetime. BackOffice sends
// the browser there; the provider redirects it to GET /v1/oauth/callback.
// 422 naming credentials for a provider that does not connect with OAuth2;
// 503 when the operator configured no OAuth2 client for the provider.
func (s *server) startOAuth(c *gin.Context) {
	u, err := s.integrations.StartOAuth(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusOK, oauthStart{AuthorizeURL: u})
}

// oauthCallback answers GET /v1/oauth/callback?code&state, where the
// provider's authorization server sends the browser back. It needs no API
// key: the single-use state that StartOAuth issued authenticates it, and
// is spent by the first callback that presents it.
//
// The provider's own refusal (error=access_denied and the other RFC 6749
// §4.1.2.1 errors) is CodeInvalid naming "error", with the provider's
// error_description when it sent one. Otherwise the code is exchanged and
// the tokens stored (integrations.Service.CompleteOAuth): errors are
// CodeInvalid naming "state" (unknown, used or expired) or "code", and the
// codes CompleteOAuth documents.
//
// With Options.OAuthDoneURL the browser is redirected (302) there, on
// success and on failure (see Options.OAuthDoneURL); without it the answer
// is JSON: 200 with the integration, or the error envelope. Either way the
// answer is not cached and sends no Referer onwards, so the code in this
// URL does not leak.
func (s *server) oauthCallback(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	q := c.Request.URL.Query()
	if refusal := strings.TrimSpace(q.Get("error")); refusal != "" {
		msg := "the provider did not authorize the connection (" + refusal + ")"
		if d := strings.TrimSpace(q.Get("error_description")); d != "" {
			msg += ": " + d
		}
		if refusal == "access_denied" {
			msg = "access was denied at the provider: start the connection again and approve it"
		}
		s.oauthFailed(c, core.Invalid("the OAuth2 authorization was refused",
			core.FieldError{Field: "error", Message: msg}))
		return
	}
	in, err := s.integrations.CompleteOAuth(c.Request.Context(), q.Get("code"), q.Get("state"))
	if err != nil {
		s.oauthFailed(c, err)
		return
	}
	if s.oauthDone == "" {
		c.PureJSON(http.StatusOK, in)
		return
	}
	target, err := s.oauthDoneURL(in.ID, nil)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Redirect(http.StatusFound, target)
}

// oauthFailed answers a failed callback: the error envelope, or with
// Options.OAuthDoneURL a redirect carrying error and error_description
// (internal errors are reduced to their request id, as in writeError).
func (s *server) oauthFailed(c *gin.Context, err error) {
	if s.oauthDone == "" {
		s.writeError(c, err)
		return
	}
	_, _, detail := s.publicError(c, err)
	description := detail.Message
	for _, f := range detail.Fields {
		description += "; " + f.Field + ": " + f.Message
	}
	target, uerr := s.oauthDoneURL("", url.Values{"error": {string(detail.Code)}, "error_description": {description}})
	if uerr != nil {
		s.writeError(c, uerr)
		return
	}
	c.Abort()
	c.Redirect(http.StatusFound, target)
}

// oauthDoneURL fills in Options.OAuthDoneURL: {id} becomes id (path
// escaped); a failure (failure != nil) drops the template's connected
// parameter and adds failure's. Errors: CodeInternal when the configured
// URL does not parse.
func (s *server) oauthDoneURL(id string, failure url.Values) (string, error) {
	u, err := url.Parse(strings.ReplaceAll(s.oauthDone, "{id}", url.PathEscape(id)))
	if err != nil {
		return "", core.Errorf(core.CodeInternal, "Options.OAuthDoneURL %q: %v", s.oauthDone, err)
	}
	if failure != nil {
		v := u.Query()
		v.Del("connected")
		for k, vals := range failure {
			v[k] = vals
		}
		u.RawQuery = v.Encode()
	}
	return u.String(), nil
}
