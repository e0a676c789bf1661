-- +goose Up
-- void: on a credit invoice's record, the credit voided its original
-- (VoidInvoice) rather than refunding it; Spiris has no void of its own.
ALTER TABLE invoices ADD COLUMN void INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE invoices DROP COLUMN void;
