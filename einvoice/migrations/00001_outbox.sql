-- The e-invoice outbox: every UBL document queued for delivery through a
-- PEPPOL access point, so nothing is lost while the access point is down
-- or the process dies. One row per (merchant, invoice, receiver): an
-- invoice is delivered to a participant once. The delivery columns (status
-- .. sent_at) are those every outbox table has (package outbox, Table).
-- Times are TEXT in a fixed-width UTC form, so they sort as strings; ''
-- is "never".

-- +goose Up
CREATE TABLE einvoices (
    id              TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id     TEXT    NOT NULL CHECK (merchant_id <> ''),
    invoice_id      TEXT    NOT NULL CHECK (invoice_id <> ''),
    sender          TEXT    NOT NULL CHECK (sender <> ''),   -- PEPPOL participant, scheme:value
    receiver        TEXT    NOT NULL CHECK (receiver <> ''), -- PEPPOL participant, scheme:value
    document_type   TEXT    NOT NULL CHECK (document_type IN ('invoice', 'credit_note')),
    document        BLOB    NOT NULL,                        -- the UBL 2.1 XML
    -- Bumped each time a failed delivery is queued again; with id it makes
    -- the access point's Idempotency-Key, so a new revision is a new
    -- request while every retry of one revision is the same request.
    revision        INTEGER NOT NULL CHECK (revision >= 0),
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    last_error      TEXT    NOT NULL,
    transmission_id TEXT    NOT NULL,                        -- the access point's id, once sent
    -- When a queued e-invoice is due, or when a sending one's lease ends.
    next_attempt_at TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    queued_at       TEXT    NOT NULL,                        -- the latest Enqueue that queued it
    sent_at         TEXT    NOT NULL,
    UNIQUE (merchant_id, invoice_id, receiver)
) STRICT;

-- Only unfinished e-invoices are ever claimed.
CREATE INDEX einvoices_due ON einvoices (next_attempt_at) WHERE status IN ('queued', 'sending');

-- +goose Down
DROP TABLE einvoices;
