package backoffice

import (
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The API keys page: the merchant's keys (engine.ListAPIKeys), a new key
// whose secret is shown once on the answer to its form, and revoking. Admin
// only, like /v1/api-keys.

func init() {
	pageRoutes = append(pageRoutes, func(s *server, g *gin.RouterGroup) {
		manage := s.allow(core.ActionManageAPIKeys)
		g.GET("/api-keys", manage, s.apiKeys)
		g.POST("/api-keys", manage, s.createAPIKey)
		g.POST("/api-keys/:id/revoke", manage, s.revokeAPIKey)
	})
}

type apiKeysData struct {
	Keys []core.APIKey
	// Name and Role are the create form's values.
	Name string
	Role core.Role
	// Created and Secret are the key just made: shown on the answer to
	// the create form only, never stored in the clear.
	Created *core.APIKey
	Secret  string
}

// Roles are the roles a key may have, for the form.
func (apiKeysData) Roles() []core.Role { return core.Roles }

func (s *server) apiKeys(c *gin.Context) {
	p := s.newPage(c, "apikeys.title", "nav.api_keys")
	s.renderAPIKeys(c, p, http.StatusOK, apiKeysData{Role: core.RoleCashier})
}

// renderAPIKeys lists the keys below d's form or result.
func (s *server) renderAPIKeys(c *gin.Context, p *page, status int, d apiKeysData) {
	keys, err := s.engine.ListAPIKeys(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	// Oldest first, as the merchant made them; the initial keys, made at
	// once, by name.
	sort.SliceStable(keys, func(i, j int) bool {
		if !keys[i].CreatedAt.Equal(keys[j].CreatedAt) {
			return keys[i].CreatedAt.Before(keys[j].CreatedAt)
		}
		return keys[i].Name < keys[j].Name
	})
	d.Keys = keys
	p.Data = d
	s.render(c, status, "apikeys", p)
}

// createAPIKey makes a key and answers with its secret, once: the answer
// is not a redirect, so the secret is in no URL and no later page.
func (s *server) createAPIKey(c *gin.Context) {
	p := s.newPage(c, "apikeys.title", "nav.api_keys")
	d := apiKeysData{Name: c.PostForm("name"), Role: core.Role(strings.TrimSpace(c.PostForm("role")))}
	k, secret, err := s.engine.CreateAPIKey(c.Request.Context(), principal(c), d.Name, d.Role)
	if err != nil {
		if formErrors(p, err) {
			s.renderAPIKeys(c, p, http.StatusUnprocessableEntity, d)
			return
		}
		s.fail(c, err)
		return
	}
	p.Title = "apikeys.created_title"
	p.Flash = "done.api_key_created"
	s.renderAPIKeys(c, p, http.StatusCreated, apiKeysData{Role: core.RoleCashier, Created: &k, Secret: secret})
}

func (s *server) revokeAPIKey(c *gin.Context) {
	if _, err := s.engine.RevokeAPIKey(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	s.done(c, Prefix+"/api-keys", "api_key_revoked")
}
