-- Idempotency records expire: completed ones some time after
-- completed_at, pending ones much later after created_at (see
-- Store.PurgeIdempotency). These indexes let the periodic purge find them
-- without scanning the table.

-- +goose Up
CREATE INDEX idempotency_keys_completed ON idempotency_keys (completed_at) WHERE status = 'completed';
CREATE INDEX idempotency_keys_pending ON idempotency_keys (created_at) WHERE status = 'pending';

-- +goose Down
DROP INDEX idempotency_keys_pending;
DROP INDEX idempotency_keys_completed;
