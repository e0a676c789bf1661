package integrations_test

import (
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

// TestNeedsReauthIsPublishedOncePerEpisode: an API-token integration the
// provider refuses publishes integration.needs_reauth once however often
// it is reported; once reconnected, a new refusal is a new event.
func TestNeedsReauthIsPublishedOncePerEpisode(t *testing.T) {
	f := newFixture(t)
	pub := &coretest.Events{}
	f.svc.SetEventPublisher(pub, nil)
	id := ready(t, f, f.admin, "ledger", both)
	activate(t, f, f.admin, id)
	for range 2 {
		if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	evs := pub.Published()
	if len(evs) != 1 {
		t.Fatalf("published %d events, want 1: %+v", len(evs), evs)
	}
	data, ok := evs[0].Data.(integrations.ReauthEvent)
	if evs[0].Type != core.EventIntegrationNeedsReauth || evs[0].MerchantID != "m1" || !ok || data.ID != id ||
		data.Status != core.IntegrationNeedsReauth || data.StatusReason == "" {
		t.Errorf("event %+v", evs[0])
	}
	if _, err := f.svc.PutCredentials(ctx, f.admin, id, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
		t.Fatal(err)
	}
	if evs := pub.Published(); len(evs) != 2 || evs[1].Key == evs[0].Key {
		t.Errorf("after reconnecting and a new refusal: %+v, want a second event", evs)
	}
}

// TestRevokedGrantPublishesNeedsReauth: an OAuth2 grant revoked at the
// provider publishes the event once.
func TestRevokedGrantPublishesNeedsReauth(t *testing.T) {
	f := newOAuthFixture(t)
	pub := &coretest.Events{}
	f.svc.SetEventPublisher(pub, nil)
	id := f.activeSpiris(t)
	f.mock.RevokeAllRefreshTokens()
	f.mock.ExpireAccessTokens()
	for range 2 {
		if err := f.svc.ReportUnauthorized(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if evs := pub.Published(); len(evs) != 1 || evs[0].Type != core.EventIntegrationNeedsReauth {
		t.Errorf("published %+v, want one integration.needs_reauth", evs)
	}
}
