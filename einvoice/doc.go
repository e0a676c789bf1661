// Package einvoice delivers e-invoices: an Outbox that queues UBL 2.1
// documents durably in SQLite and hands them to the PEPPOL network through
// a Transmitter (package einvoice/accesspoint speaks an access point's
// HTTP API), with retries, so an unreachable access point loses no
// e-invoice. Queue is the engine's core.EInvoiceQueue over an Outbox.
//
// It is the e-mail outbox (package mail) for another channel, on the same
// machinery (package outbox): an e-invoice enters with Outbox.Enqueue —
// its document committed before Enqueue returns — and Outbox.Run delivers
// it. Temporary failures (access point down, 5xx, timeouts, refused
// credentials) are retried with exponential backoff from 1 minute up to 1
// hour; permanent ones (the access point rejected the document or the
// receiver) mark it failed. Outbox.Status shows each e-invoice's status,
// last error (redacted) and the access point's transmission id.
//
// An invoice reaches a participant once: Enqueue is idempotent per
// (merchant, invoice, receiver), and every attempt at one delivery carries
// the same idempotency key, so an access point that honours it delivers
// once even when its answer to the first attempt was lost.
//
// The outbox owns its own database file, <dataDir>/einvoice.db
// (OpenSQLiteStore).
package einvoice
