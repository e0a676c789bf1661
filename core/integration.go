package core

import "context"

// IntegrationMode is what an integration does for a merchant.
type IntegrationMode string

// Integration modes: a merchant has at most one active integration per mode.
const (
	ModeInvoicing   IntegrationMode = "invoicing"
	ModeBookkeeping IntegrationMode = "bookkeeping"
)

// IntegrationStatus is where an integration is in its life.
type IntegrationStatus string

// Integration statuses.
const (
	IntegrationSetup       IntegrationStatus = "setup"
	IntegrationActive      IntegrationStatus = "active"
	IntegrationNeedsReauth IntegrationStatus = "needs_reauth" // its OAuth2 grant was revoked: work pauses until reconnected
	IntegrationDisabled    IntegrationStatus = "disabled"
)

// ActiveConnection is a merchant's active integration for one mode, with
// its decrypted credentials, ready to send to the provider.
type ActiveConnection struct {
	IntegrationID string
	Provider      string
	Status        IntegrationStatus
	Settings      map[string]string
	Credentials   map[string]string
}

// ConnectionSource resolves a merchant's active integration for a mode
// (package integrations implements it). A merchant with no active
// invoicing integration invoices through the built-in provider.
type ConnectionSource interface {
	// ActiveConnection returns the active (or needs_reauth) integration
	// for mode; found is false when there is none. It refreshes OAuth2
	// access tokens as needed. Errors: CodeUnavailable.
	ActiveConnection(ctx context.Context, merchantID string, mode IntegrationMode) (c ActiveConnection, found bool, err error)
	// ReportUnauthorized says the provider rejected this integration's
	// credentials although they looked valid (consent revoked, token
	// expired on the provider's side). For an OAuth2 integration it
	// refreshes the access token now, under the same per-integration lock
	// as the refreshes ActiveConnection makes, and when the token endpoint
	// answers invalid_grant the integration becomes needs_reauth; an
	// api-token integration becomes needs_reauth. Concurrent reports of
	// one rejection refresh once. Reporting an integration that is not
	// active is a no-op. Errors: CodeNotFound, CodeUnavailable (the token
	// endpoint failed; the status is unchanged).
	ReportUnauthorized(ctx context.Context, integrationID string) error
}
