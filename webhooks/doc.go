// Package webhooks tells merchants' systems what happened, as signed HTTP
// POSTs to the endpoints they register (POST /v1/webhook-endpoints): the
// core.EventPublisher of the engine, the export runner and the
// integrations.
//
// An endpoint has an https URL (plain http only to a loopback address, for
// tests and local receivers), the event types it subscribes to
// (core.EventTypes), and a signing secret generated at creation, shown
// once, and stored sealed under the credentials key (package seal). A
// published event is stored once per (merchant, key) — publishing the same
// happening again does nothing — and queued as one delivery per subscribed
// endpoint in a durable outbox on the shared machinery of package outbox:
// a receiver that is down or answers anything but 2xx is retried with
// exponential backoff (1 minute doubling up to 1 hour, by default for up
// to 20 attempts, about 15 hours), and every attempt is recorded in the
// endpoint's delivery log (GET /v1/webhook-endpoints/{id}/deliveries).
//
// Each attempt is signed Stripe-style: Ledgerbridge-Signature:
// t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, with a fresh timestamp
// per attempt; the body's id (and Ledgerbridge-Event-Id) is the same on
// every attempt, so a receiver dedupes on it. Verify is the receiver's
// check, with a timestamp tolerance (DefaultTolerance, 5 minutes) against
// replays; docs/webhooks.md documents it for receivers in any language.
//
// Delivery is at least once. The store owns its own database file,
// <dataDir>/webhooks.db (OpenSQLiteStore).
package webhooks
