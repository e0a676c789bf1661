// Package mail e-mails invoices: a Sender that speaks SMTP (STARTTLS or
// implicit TLS, AUTH, timeouts) and builds MIME messages with attachments,
// and an Outbox that queues e-mails durably in SQLite and delivers them
// with retries, so a failing SMTP server loses no e-mail.
//
// An e-mail enters the outbox with Outbox.Enqueue — its message and the
// attachment bytes (the invoice PDF) are committed before Enqueue returns —
// and Outbox.Run delivers it: temporary failures (server down, 4xx,
// timeouts) are retried with exponential backoff from 1 minute up to 1
// hour, permanent ones (5xx rejections, bad addresses) mark it failed.
// Outbox.Status shows each e-mail's status and last error for an invoice.
// Delivery is at least once; see Outbox.
//
// The outbox owns its own database file, <dataDir>/mail.db
// (OpenSQLiteStore), so it needs no migrations from any other package.
//
// Building MIME and speaking SMTP is left to github.com/wneessen/go-mail:
// base64 attachments with correct Content-Disposition, quoted-printable
// UTF-8 text, RFC 2047 headers, STARTTLS, SMTP AUTH mechanism discovery,
// timeouts and per-recipient errors with reply codes are all easy to get
// subtly wrong by hand.
package mail
