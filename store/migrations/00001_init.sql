-- The gateway's own data: merchants, their API keys and idempotency records.
-- Times are TEXT in a fixed-width UTC form (2006-01-02T15:04:05.000000000Z),
-- so they sort as strings. STRICT tables reject values of the wrong type;
-- there are no REAL columns: money never lives here, and nothing is a float.

-- +goose Up
CREATE TABLE merchants (
    id                   TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
    name                 TEXT    NOT NULL,
    country              TEXT    NOT NULL,
    currency             TEXT    NOT NULL,
    invoicing_provider   TEXT    NOT NULL,
    invoice_start_number INTEGER NOT NULL CHECK (invoice_start_number >= 1),
    created_at           TEXT    NOT NULL
) STRICT;

CREATE INDEX merchants_created_at ON merchants (created_at);

CREATE TABLE api_keys (
    id          TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'accountant', 'cashier')),
    hash        TEXT NOT NULL UNIQUE CHECK (hash <> ''),
    created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX api_keys_merchant ON api_keys (merchant_id);

CREATE TABLE idempotency_keys (
    merchant_id  TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    scope        TEXT NOT NULL,
    "key"        TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'completed')),
    response     BLOB,
    created_at   TEXT NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (merchant_id, scope, "key"),
    -- A completed record always has its response and completion time.
    CHECK ((status = 'completed') = (completed_at IS NOT NULL AND response IS NOT NULL))
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE api_keys;
DROP TABLE merchants;
