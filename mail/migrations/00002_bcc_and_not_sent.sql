-- Blind copies (the accountant copy of an invoice e-mail goes as Bcc, so
-- the customer does not see it), and e-mails that were never sent because
-- there was nobody to send them to (an automatic invoice e-mail for a
-- customer without an address): kept apart from the outbox, whose rows are
-- all deliverable, so the invoice can show why it was not e-mailed.

-- +goose Up
ALTER TABLE emails ADD COLUMN bcc_addrs TEXT NOT NULL DEFAULT '[]'; -- JSON array of addresses

CREATE TABLE emails_not_sent (
    id          TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    merchant_id TEXT NOT NULL CHECK (merchant_id <> ''),
    invoice_id  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('no_address')),
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX emails_not_sent_invoice ON emails_not_sent (merchant_id, invoice_id, created_at);

-- +goose Down
DROP TABLE emails_not_sent;
ALTER TABLE emails DROP COLUMN bcc_addrs;
