-- +goose Up
-- void: the invoice was voided (VoidInvoice), not credited by a refund;
-- Tripletex has one credit note either way, so ledgerbridge remembers which.
ALTER TABLE invoices ADD COLUMN void INTEGER NOT NULL DEFAULT 0;

-- Payments registered through ledgerbridge, by their external reference, so
-- a repeated request registers a part payment in Tripletex once.
CREATE TABLE payments (
    merchant_id  TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    invoice_id   TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    paid_at      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (merchant_id, external_ref)
);

-- +goose Down
DROP TABLE payments;
ALTER TABLE invoices DROP COLUMN void;
