-- +goose Up
-- Payments: an invoice can be paid in parts. paid_amount is the sum of its
-- payments; credited_amount what its credit invoices took off the amount to
-- pay (positive), so the outstanding amount is read without a join. A voided
-- invoice has status 'void' (the column has no CHECK, so no table rebuild).
ALTER TABLE invoices ADD COLUMN paid_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN credited_amount INTEGER NOT NULL DEFAULT 0;

CREATE TABLE payments (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL,
    invoice_id   TEXT NOT NULL REFERENCES invoices (id),
    paid_at      TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    method       TEXT NOT NULL DEFAULT '',
    external_ref TEXT,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX payments_merchant_external_ref ON payments (merchant_id, external_ref);
CREATE INDEX payments_invoice ON payments (invoice_id);

UPDATE invoices SET credited_amount =
    COALESCE((SELECT -SUM(c.total + c.rounding) FROM invoices c
              WHERE c.credits_invoice_id = invoices.id AND c.kind = 'credit'), 0)
    WHERE kind = 'invoice';

-- An invoice marked paid before payments existed was paid in full, once.
INSERT INTO payments (id, merchant_id, invoice_id, paid_at, amount, method, external_ref, created_at)
    SELECT 'pay_' || id, merchant_id, id, paid_at,
           CASE WHEN kind = 'invoice' THEN MAX(total + rounding - credited_amount, 0) ELSE total + rounding END,
           '', NULL, created_at
    FROM invoices WHERE status = 'paid';
UPDATE invoices SET paid_amount = (SELECT p.amount FROM payments p WHERE p.id = 'pay_' || invoices.id)
    WHERE status = 'paid';

-- +goose Down
DROP TABLE payments;
ALTER TABLE invoices DROP COLUMN credited_amount;
ALTER TABLE invoices DROP COLUMN paid_amount;
