package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// routeWebhooks registers the webhook endpoints of the contract (admin
// only) and their delivery log.
func (s *server) routeWebhooks(v1 *gin.RouterGroup) {
	manage := s.require(core.ActionManageWebhooks)
	v1.POST("/webhook-endpoints", manage, s.createWebhookEndpoint)
	v1.GET("/webhook-endpoints", manage, s.listWebhookEndpoints)
	v1.DELETE("/webhook-endpoints/:id", manage, s.deleteWebhookEndpoint)
	v1.GET("/webhook-endpoints/:id/deliveries", manage, s.listWebhookDeliveries)
}

// createWebhookEndpoint answers POST /v1/webhook-endpoints {url, events}:
// 201 with the endpoint and its signing secret, shown this once; 422
// naming url, events or events[i].
func (s *server) createWebhookEndpoint(c *gin.Context) {
	var in webhooks.EndpointInput
	if !s.decodeJSON(c, &in) {
		return
	}
	e, err := s.webhooks.CreateEndpoint(c.Request.Context(), principal(c), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusCreated, e)
}

// listWebhookEndpoints answers GET /v1/webhook-endpoints with every
// endpoint of the caller's merchant, never a secret. The list is short
// (webhooks.MaxEndpointsPerMerch) and unpaged.
func (s *server) listWebhookEndpoints(c *gin.Context) {
	es, err := s.webhooks.ListEndpoints(c.Request.Context(), principal(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, newList(es, ""))
}

// deleteWebhookEndpoint answers DELETE /v1/webhook-endpoints/{id} with the
// deleted endpoint; nothing more is delivered to it. Another merchant's is
// 404.
func (s *server) deleteWebhookEndpoint(c *gin.Context) {
	e, err := s.webhooks.DeleteEndpoint(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.PureJSON(http.StatusOK, e)
}

// listWebhookDeliveries answers GET /v1/webhook-endpoints/{id}/deliveries
// with the endpoint's delivery log, newest first (limit, cursor). Another
// merchant's endpoint is 404.
func (s *server) listWebhookDeliveries(c *gin.Context) {
	q := newQueryParams(c)
	limit, cursor := q.limit(), q.cursor(s.cursors)
	if err := q.err(); err != nil {
		s.writeError(c, err)
		return
	}
	page, err := s.webhooks.Deliveries(c.Request.Context(), principal(c), c.Param("id"), limit, cursor)
	if err != nil {
		s.writeError(c, err)
		return
	}
	for i := range page.Deliveries {
		page.Deliveries[i].LastError = s.redactor.String(page.Deliveries[i].LastError)
	}
	c.PureJSON(http.StatusOK, newList(page.Deliveries, s.cursors.seal(c, page.NextCursor)))
}
