-- Pending OAuth2 authorizations (package integrations): one row
-- per authorize URL handed out, until its callback consumes it or it
-- expires. Only the SHA-256 of the state travels to the database; the state
-- itself exists in the browser's redirect alone, so a copy of this file
-- cannot complete anyone's authorization. The tokens the callback obtains
-- are stored sealed in integrations.credentials, never here.

-- +goose Up
CREATE TABLE oauth_states (
    state_hash     TEXT NOT NULL PRIMARY KEY CHECK (length(state_hash) = 64),
    merchant_id    TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

-- +goose Down
DROP TABLE oauth_states;
