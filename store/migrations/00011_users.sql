-- BackOffice users and their sessions. An e-mail address signs
-- in to one merchant, so it is unique across merchants. password_hash is
-- bcrypt's, '' while an invitation is open; invite_hash is the SHA-256 of
-- the invitation link's token. Sessions keep only the SHA-256 of the
-- cookie's token and die with their user.

-- +goose Up
CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    merchant_id       TEXT NOT NULL REFERENCES merchants (id),
    email             TEXT NOT NULL UNIQUE,
    role              TEXT NOT NULL CHECK (role IN ('admin', 'accountant', 'cashier')),
    language          TEXT NOT NULL CHECK (language IN ('sv', 'nb', 'en')),
    password_hash     TEXT NOT NULL DEFAULT '',
    invite_hash       TEXT NOT NULL DEFAULT '',
    invite_expires_at TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX users_merchant ON users (merchant_id, created_at);
CREATE UNIQUE INDEX users_invite ON users (invite_hash) WHERE invite_hash != '';

CREATE TABLE sessions (
    hash         TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    merchant_id  TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
