-- +goose Up
-- refs makes every write idempotent: which Tripletex order(s) and invoice an
-- external reference produced. kind is invoice, order, credit or
-- collective. order_ids is a comma list, set before the invoice is made, so
-- a retry after a lost answer knows which orders to look at.
CREATE TABLE refs (
    merchant_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    order_ids    TEXT NOT NULL DEFAULT '',
    invoice_id   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (merchant_id, kind, external_ref)
);

-- What ledgerbridge knows about an invoice that Tripletex does not keep.
CREATE TABLE invoices (
    merchant_id  TEXT NOT NULL,
    id           TEXT NOT NULL,
    external_ref TEXT NOT NULL DEFAULT '',
    location_id  TEXT NOT NULL DEFAULT '',
    receipt_id   TEXT NOT NULL DEFAULT '',
    paid_at      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (merchant_id, id)
);

-- Orders collected for collective invoicing, oldest first by seq. data is
-- the core.Order as JSON; status and invoice_id override it.
CREATE TABLE orders (
    seq         INTEGER PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    invoice_id  TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    UNIQUE (merchant_id, id)
);
CREATE INDEX orders_customer ON orders (merchant_id, customer_id, status, seq);

-- The synchronised copy of each merchant's Tripletex customers. name_lower
-- and org_digits are search keys; data is the stored customer as JSON.
CREATE TABLE customers (
    merchant_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    number      TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    org_digits  TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (merchant_id, id)
);
CREATE INDEX customers_name ON customers (merchant_id, name_lower, id);

-- When each merchant's copy was last replaced by a full read.
CREATE TABLE customer_sync (
    merchant_id TEXT PRIMARY KEY,
    synced_at   TEXT NOT NULL
);
