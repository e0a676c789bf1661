-- Merchants' integrations with accounting providers (package integrations)
-- and the payment methods their activation made available.
--
-- credentials holds the credential fields sealed with AES-256-GCM (version
-- byte, nonce, ciphertext, tag); plaintext credentials never reach this
-- file. settings and mapping are JSON documents the gateway never queries
-- inside; NULL means "not saved yet". version increases with every update
-- and makes updates optimistic (UPDATE ... WHERE version = ?).

-- +goose Up
CREATE TABLE integrations (
    id            TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    provider      TEXT    NOT NULL CHECK (provider <> ''),
    invoicing     INTEGER NOT NULL CHECK (invoicing IN (0, 1)),
    bookkeeping   INTEGER NOT NULL CHECK (bookkeeping IN (0, 1)),
    status        TEXT    NOT NULL CHECK (status IN ('setup', 'active', 'needs_reauth', 'disabled')),
    status_reason TEXT    NOT NULL,
    credentials   BLOB,
    settings      TEXT    CHECK (settings IS NULL OR json_valid(settings)),
    mapping       TEXT    CHECK (mapping IS NULL OR json_valid(mapping)),
    problems      TEXT    NOT NULL CHECK (json_valid(problems)),
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    activated_at  TEXT,
    CHECK (invoicing + bookkeeping >= 1)
) STRICT;

CREATE INDEX integrations_merchant ON integrations (merchant_id, created_at);

-- One active integration per merchant and mode. needs_reauth keeps its
-- place: work pauses until it is reconnected, nothing else takes over.
CREATE UNIQUE INDEX integrations_active_invoicing ON integrations (merchant_id)
    WHERE invoicing = 1 AND status IN ('active', 'needs_reauth');
CREATE UNIQUE INDEX integrations_active_bookkeeping ON integrations (merchant_id)
    WHERE bookkeeping = 1 AND status IN ('active', 'needs_reauth');

-- Payment methods available at every location of the merchant because an
-- activation enabled them ("invoice" for an invoicing integration).
CREATE TABLE merchant_payment_methods (
    merchant_id    TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    method         TEXT NOT NULL CHECK (method <> ''),
    integration_id TEXT NOT NULL,
    enabled_at     TEXT NOT NULL,
    PRIMARY KEY (merchant_id, method)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE merchant_payment_methods;
DROP TABLE integrations;
