-- Revocable API keys. revoked_at is set once by
-- DELETE /v1/api-keys/{id} or `ledgerbridge api-keys revoke` and checked by
-- every authentication (the lookup by hash reads it), so a revoked key is
-- refused at once by every gateway sharing this database. last_used_at is
-- written in batches by the engine's usage flusher, never per request.

-- +goose Up
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN last_used_at;
ALTER TABLE api_keys DROP COLUMN revoked_at;
