package integrations

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// SetEventPublisher makes the service publish integration.needs_reauth
// through p each time an active integration starts needing
// re-authorisation; a failure to publish is logged to log (nil discards).
// Call before serving.
func (s *Service) SetEventPublisher(p core.EventPublisher, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.events, s.eventsLog = p, log
}

// ReauthEvent is the data of an integration.needs_reauth webhook event.
type ReauthEvent struct {
	ID           string                 `json:"id"`
	Provider     string                 `json:"provider"`
	Modes        []core.IntegrationMode `json:"modes"`
	Status       core.IntegrationStatus `json:"status"`
	StatusReason string                 `json:"status_reason"`
	UpdatedAt    time.Time              `json:"updated_at"`
}

// needsReauth publishes that r, saved as needs_reauth, was active before.
// The key is the integration's version, so each time it goes from active
// to needs_reauth is one event.
func (s *Service) needsReauth(ctx context.Context, r Record) {
	if s.events == nil {
		return
	}
	ev := core.Event{MerchantID: r.MerchantID, Type: core.EventIntegrationNeedsReauth,
		Key:        core.EventIntegrationNeedsReauth + ":" + r.ID + ":" + strconv.FormatInt(r.Version, 10),
		OccurredAt: r.UpdatedAt,
		Data: ReauthEvent{ID: r.ID, Provider: r.Provider, Modes: r.Modes, Status: r.Status,
			StatusReason: r.StatusReason, UpdatedAt: r.UpdatedAt}}
	if err := s.events.Publish(context.WithoutCancel(ctx), ev); err != nil {
		s.eventsLog.Warn("integration event not published", "merchant", r.MerchantID, "integration", r.ID, "error", err)
	}
}
