-- The e-mail outbox: every message with its attachment bytes (invoice PDFs),
-- so nothing is lost while the SMTP server is down or the process dies.
-- Times are TEXT in a fixed-width UTC form (2006-01-02T15:04:05.000000000Z),
-- so they sort as strings; '' is "never" (sent_at of an unsent e-mail).

-- +goose Up
CREATE TABLE emails (
    id              TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id     TEXT    NOT NULL CHECK (merchant_id <> ''),
    invoice_id      TEXT    NOT NULL,
    message_id      TEXT    NOT NULL,
    to_addrs        TEXT    NOT NULL, -- JSON array of addresses
    cc_addrs        TEXT    NOT NULL, -- JSON array of addresses
    reply_to        TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    last_error      TEXT    NOT NULL,
    -- When a queued e-mail is due, or when a sending e-mail's lease ends.
    next_attempt_at TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT    NOT NULL
) STRICT;

-- Only unfinished e-mails are ever claimed; sent and failed ones stay out
-- of the index the worker scans.
CREATE INDEX emails_due ON emails (next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX emails_invoice ON emails (merchant_id, invoice_id, created_at);

CREATE TABLE email_attachments (
    email_id     TEXT    NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 0),
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (email_id, position)
) STRICT;

-- +goose Down
DROP TABLE email_attachments;
DROP TABLE emails;
