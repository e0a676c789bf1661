-- Webhooks: the merchants' endpoints, the events published for them, and
-- the outbox of deliveries (one per endpoint and event). The delivery
-- columns (status .. sent_at) are those every outbox table has (package
-- outbox, Table). Times are TEXT in a fixed-width UTC form, so they sort
-- as strings; '' is "never".

-- +goose Up
CREATE TABLE endpoints (
    id          TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id TEXT NOT NULL CHECK (merchant_id <> ''),
    url         TEXT NOT NULL CHECK (url <> ''),
    events      TEXT NOT NULL,             -- JSON array of subscribed event types
    -- The signing secret sealed (package seal, the credentials key) with
    -- the endpoint id as associated data: a copy of this file alone does
    -- not forge signatures.
    secret      BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX endpoints_merchant ON endpoints (merchant_id, created_at, id);

-- One row per published event; (merchant_id, key) makes publishing the
-- same happening again a no-op.
CREATE TABLE events (
    id          TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id TEXT NOT NULL CHECK (merchant_id <> ''),
    key         TEXT NOT NULL CHECK (key <> ''),
    type        TEXT NOT NULL CHECK (type <> ''),
    payload     BLOB NOT NULL,             -- the JSON body every delivery of it sends
    created_at  TEXT NOT NULL,
    UNIQUE (merchant_id, key)
) STRICT;

CREATE TABLE deliveries (
    id              TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id     TEXT    NOT NULL CHECK (merchant_id <> ''),
    endpoint_id     TEXT    NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL REFERENCES events (id),
    event_type      TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    last_error      TEXT    NOT NULL,
    response_status INTEGER NOT NULL,      -- the receiver's HTTP status once delivered
    next_attempt_at TEXT    NOT NULL,      -- when a queued one is due, when a sending one's lease ends
    created_at      TEXT    NOT NULL,
    sent_at         TEXT    NOT NULL,
    UNIQUE (endpoint_id, event_id)
) STRICT;

-- Only unfinished deliveries are ever claimed.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, created_at, id);
CREATE INDEX deliveries_event ON deliveries (event_id);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE events;
DROP TABLE endpoints;
