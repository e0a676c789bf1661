-- +goose Up
-- Between full copies the customer copy is refreshed from Spiris's change
-- feed (GET /customers?$filter=ChangedUtc ge ...): changed_since is the
-- latest ChangedUtc the copy has seen (as Spiris wrote it), refreshed_at
-- when the copy was last brought up to date, in full or by changes.
ALTER TABLE customer_syncs ADD COLUMN changed_since TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_syncs ADD COLUMN refreshed_at TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE customer_syncs DROP COLUMN refreshed_at;
ALTER TABLE customer_syncs DROP COLUMN changed_since;
