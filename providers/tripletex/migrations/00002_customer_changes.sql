-- +goose Up
-- Between full reads the customer copy follows Tripletex's changedSince
-- filter: synced_at stays when the copy was last brought up to date (in
-- full or by changes), full_synced_at is when it was last read in full, and
-- changed_since when the last refresh started (the next asks for changes
-- since then, less an overlap).
ALTER TABLE customer_sync ADD COLUMN full_synced_at TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_sync ADD COLUMN changed_since TEXT NOT NULL DEFAULT '';
