-- +goose Up
-- Built-in invoicing: drafts, OCR references, öre rounding, credit
-- references, parent-company invoicing, collective invoices and a trigram
-- index for customer search.

-- Drafts have no number until they are posted; number 0 stands for "none".
-- Uniqueness covers the numbered invoices only, and a plain index keeps the
-- number sort of the invoice list an index walk.
DROP INDEX invoices_merchant_number;
CREATE UNIQUE INDEX invoices_merchant_number ON invoices (merchant_id, number) WHERE number > 0;
CREATE INDEX invoices_merchant_number_id ON invoices (merchant_id, number, id);

-- ocr: the payment reference (Swedish OCR or Norwegian KID) given at posting.
-- rounding: öresavrundning added to total to reach the amount to pay.
-- credits_invoice_number: on a credit invoice, the credited invoice's number.
-- ordered_by_customer_id: the buying customer when customer_id is its parent.
-- order_ids: JSON array of the orders a collective invoice lists, or ''.
ALTER TABLE invoices ADD COLUMN ocr TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN rounding INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN credits_invoice_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN ordered_by_customer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN order_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_lines ADD COLUMN order_id TEXT NOT NULL DEFAULT '';

UPDATE invoices SET credits_invoice_number =
    COALESCE((SELECT o.number FROM invoices o WHERE o.id = invoices.credits_invoice_id), 0)
    WHERE kind = 'credit';

-- Orders of customers with collective invoicing: collected instead of
-- invoiced, then listed on one collective invoice (invoice_id). seq is the
-- order of arrival ("oldest first"); an explicit INTEGER PRIMARY KEY, so
-- VACUUM keeps it.
CREATE TABLE orders (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    merchant_id   TEXT NOT NULL,
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    customer_name TEXT NOT NULL,
    status        TEXT NOT NULL,
    order_date    TEXT NOT NULL,
    reference     TEXT NOT NULL DEFAULT '',
    comment       TEXT NOT NULL DEFAULT '',
    currency      TEXT NOT NULL,
    net_total     INTEGER NOT NULL,
    vat_total     INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    invoice_id    TEXT REFERENCES invoices (id),
    external_ref  TEXT,
    location_id   TEXT NOT NULL DEFAULT '',
    receipt_id    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
-- Every index ends in seq (the rowid), so each lists its rows oldest first.
CREATE UNIQUE INDEX orders_merchant_external_ref ON orders (merchant_id, external_ref);
CREATE INDEX orders_merchant ON orders (merchant_id);
CREATE INDEX orders_merchant_customer ON orders (merchant_id, customer_id, status);
CREATE INDEX orders_merchant_status ON orders (merchant_id, status);

CREATE TABLE order_lines (
    order_id      TEXT NOT NULL REFERENCES orders (id),
    position      INTEGER NOT NULL,
    description   TEXT NOT NULL,
    product_group TEXT NOT NULL DEFAULT '',
    quantity      TEXT NOT NULL,
    unit_price    INTEGER NOT NULL,
    vat_rate      TEXT NOT NULL,
    takeaway      INTEGER NOT NULL DEFAULT 0,
    net           INTEGER NOT NULL,
    vat           INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    PRIMARY KEY (order_id, position)
) WITHOUT ROWID;

CREATE TABLE order_vat (
    order_id TEXT NOT NULL REFERENCES orders (id),
    position INTEGER NOT NULL,
    vat_rate TEXT NOT NULL,
    net      INTEGER NOT NULL,
    vat      INTEGER NOT NULL,
    PRIMARY KEY (order_id, position)
) WITHOUT ROWID;

-- Customer search: one posting per distinct trigram (three characters) of
-- name_lower padded with two U+0001, so every substring of one or two
-- characters is also the prefix of a trigram. Postings carry name_lower so
-- a search walks one trigram's postings in result order (name, id) and
-- verifies the whole query on the name without reading the customer. The
-- merchant is named by a small integer key (search_merchants) to keep the
-- postings short: there are about twenty per customer.
CREATE TABLE search_merchants (
    merchant_key INTEGER PRIMARY KEY,
    merchant_id  TEXT NOT NULL UNIQUE
);

CREATE TABLE customer_trigrams (
    merchant_key INTEGER NOT NULL,
    trigram      TEXT NOT NULL,
    name_lower   TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    PRIMARY KEY (merchant_key, trigram, name_lower, customer_id)
) WITHOUT ROWID;

-- How many customers of the merchant have each trigram, so a search picks
-- the rarest trigram of its query.
CREATE TABLE customer_trigram_counts (
    merchant_key INTEGER NOT NULL,
    trigram      TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (merchant_key, trigram)
) WITHOUT ROWID;

-- Index the customers that exist already (substr and length count
-- characters, as the Go code counts runes).
INSERT INTO search_merchants (merchant_id) SELECT DISTINCT merchant_id FROM customers ORDER BY merchant_id;

WITH RECURSIVE pos(i) AS (
    SELECT 1
    UNION ALL
    SELECT i + 1 FROM pos WHERE i < (SELECT COALESCE(MAX(length(name_lower)), 0) FROM customers)
)
INSERT OR IGNORE INTO customer_trigrams (merchant_key, trigram, name_lower, customer_id)
SELECT m.merchant_key, substr(c.name_lower || char(1, 1), pos.i, 3), c.name_lower, c.id
FROM customers c
JOIN search_merchants m ON m.merchant_id = c.merchant_id
JOIN pos ON pos.i <= length(c.name_lower);

INSERT INTO customer_trigram_counts (merchant_key, trigram, n)
SELECT merchant_key, trigram, count(*) FROM customer_trigrams GROUP BY merchant_key, trigram;

-- +goose Down
DROP TABLE customer_trigram_counts;
DROP TABLE customer_trigrams;
DROP TABLE search_merchants;
DROP TABLE order_vat;
DROP TABLE order_lines;
DROP TABLE orders;
DROP INDEX invoices_merchant_number_id;
DROP INDEX invoices_merchant_number;
DELETE FROM invoice_lines WHERE invoice_id IN (SELECT id FROM invoices WHERE number = 0);
DELETE FROM invoice_vat WHERE invoice_id IN (SELECT id FROM invoices WHERE number = 0);
DELETE FROM invoices WHERE number = 0;
CREATE UNIQUE INDEX invoices_merchant_number ON invoices (merchant_id, number);
ALTER TABLE invoice_lines DROP COLUMN order_id;
ALTER TABLE invoices DROP COLUMN order_ids;
ALTER TABLE invoices DROP COLUMN ordered_by_customer_id;
ALTER TABLE invoices DROP COLUMN credits_invoice_number;
ALTER TABLE invoices DROP COLUMN rounding;
ALTER TABLE invoices DROP COLUMN ocr;
