-- +goose Up
-- The local copy of each merchant's Spiris customers, for fast register
-- search. data is the customer as core.Customer JSON; name_lower,
-- org_digits and number are its search keys; synced_at is when this row
-- was last read from Spiris.
CREATE TABLE customers (
    merchant_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    number      TEXT NOT NULL DEFAULT '',
    name_lower  TEXT NOT NULL,
    org_digits  TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    synced_at   TEXT NOT NULL,
    PRIMARY KEY (merchant_id, id)
);
CREATE INDEX customers_name ON customers (merchant_id, name_lower, id);
CREATE INDEX customers_org ON customers (merchant_id, org_digits);
CREATE INDEX customers_number ON customers (merchant_id, number);

-- When each merchant's customer register was last copied in full.
CREATE TABLE customer_syncs (
    merchant_id TEXT PRIMARY KEY,
    synced_at   TEXT NOT NULL,
    customers   INTEGER NOT NULL
);

-- The article the plugin invoices each VAT rate with (Spiris takes a
-- row's VAT from its article's coding).
CREATE TABLE articles (
    merchant_id TEXT NOT NULL,
    vat_rate    TEXT NOT NULL,
    article_id  TEXT NOT NULL,
    PRIMARY KEY (merchant_id, vat_rate)
);

-- Invoices and credit invoices the plugin created, by ledgerbridge's
-- external reference (the idempotency record) and by Spiris id.
-- credit_lines is the JSON [{line, quantity}] a credit credited;
-- total is the invoice's total in minor units (negative for credits).
CREATE TABLE invoices (
    merchant_id            TEXT NOT NULL,
    invoice_id             TEXT NOT NULL,
    external_ref           TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL,
    credits_invoice_id     TEXT NOT NULL DEFAULT '',
    credits_invoice_number INTEGER NOT NULL DEFAULT 0,
    credit_lines           TEXT NOT NULL DEFAULT '[]',
    total                  INTEGER NOT NULL DEFAULT 0,
    location_id            TEXT NOT NULL DEFAULT '',
    receipt_id             TEXT NOT NULL DEFAULT '',
    created_at             TEXT NOT NULL,
    PRIMARY KEY (merchant_id, invoice_id)
);
CREATE UNIQUE INDEX invoices_external_ref ON invoices (merchant_id, external_ref) WHERE external_ref != '';
CREATE INDEX invoices_credits ON invoices (merchant_id, credits_invoice_id) WHERE credits_invoice_id != '';

-- Vouchers the sales export booked, by the voucher's external reference.
CREATE TABLE vouchers (
    merchant_id    TEXT NOT NULL,
    external_ref   TEXT NOT NULL,
    voucher_id     TEXT NOT NULL,
    fiscal_year_id TEXT NOT NULL,
    number         TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    PRIMARY KEY (merchant_id, external_ref)
);

-- +goose Down
DROP TABLE vouchers;
DROP TABLE invoices;
DROP TABLE articles;
DROP TABLE customer_syncs;
DROP TABLE customers;
