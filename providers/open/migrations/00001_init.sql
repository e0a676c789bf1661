-- +goose Up
-- Customers of each merchant. name_lower and org_digits are the normalised
-- search keys; number is the per-merchant customer number.
CREATE TABLE customers (
    id                      TEXT PRIMARY KEY,
    merchant_id             TEXT NOT NULL,
    number                  INTEGER NOT NULL,
    name                    TEXT NOT NULL,
    name_lower              TEXT NOT NULL,
    organization_number     TEXT NOT NULL DEFAULT '',
    org_digits              TEXT NOT NULL DEFAULT '',
    email                   TEXT NOT NULL DEFAULT '',
    phone                   TEXT NOT NULL DEFAULT '',
    billing_line1           TEXT NOT NULL DEFAULT '',
    billing_line2           TEXT NOT NULL DEFAULT '',
    billing_postal_code     TEXT NOT NULL DEFAULT '',
    billing_city            TEXT NOT NULL DEFAULT '',
    billing_country         TEXT NOT NULL DEFAULT '',
    active                  INTEGER NOT NULL,
    invoicing_enabled       INTEGER NOT NULL,
    due_days                INTEGER NOT NULL,
    parent_customer_id      TEXT NOT NULL DEFAULT '',
    purchase_instruction    TEXT NOT NULL DEFAULT '',
    collective_enabled      INTEGER NOT NULL DEFAULT 0,
    collective_day_of_month INTEGER NOT NULL DEFAULT 0,
    collective_threshold    INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE UNIQUE INDEX customers_merchant_number ON customers (merchant_id, number);
-- Covers the search filter (name substring, org digits, number) so a search
-- walks this index in result order and reads table rows only for matches.
CREATE INDEX customers_merchant_name ON customers (merchant_id, name_lower, id, org_digits, number);
CREATE INDEX customers_merchant_org ON customers (merchant_id, org_digits);

-- One continuous invoice number series per merchant; invoices and credit
-- invoices both take numbers from it.
CREATE TABLE invoice_series (
    merchant_id TEXT PRIMARY KEY,
    next_number INTEGER NOT NULL
);

CREATE TABLE invoices (
    id                 TEXT PRIMARY KEY,
    merchant_id        TEXT NOT NULL,
    number             INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    status             TEXT NOT NULL,
    invoice_date       TEXT NOT NULL,
    due_date           TEXT NOT NULL,
    customer_id        TEXT NOT NULL REFERENCES customers (id),
    customer_name      TEXT NOT NULL,
    reference          TEXT NOT NULL DEFAULT '',
    comment            TEXT NOT NULL DEFAULT '',
    currency           TEXT NOT NULL,
    net_total          INTEGER NOT NULL,
    vat_total          INTEGER NOT NULL,
    total              INTEGER NOT NULL,
    paid_at            TEXT NOT NULL DEFAULT '',
    credits_invoice_id TEXT REFERENCES invoices (id),
    external_ref       TEXT,
    location_id        TEXT NOT NULL DEFAULT '',
    receipt_id         TEXT NOT NULL DEFAULT '',
    created_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX invoices_merchant_number ON invoices (merchant_id, number);
CREATE UNIQUE INDEX invoices_merchant_external_ref ON invoices (merchant_id, external_ref);
CREATE INDEX invoices_merchant_date ON invoices (merchant_id, invoice_date);
CREATE INDEX invoices_merchant_customer ON invoices (merchant_id, customer_id);
CREATE INDEX invoices_credits ON invoices (credits_invoice_id) WHERE credits_invoice_id IS NOT NULL;

-- Priced lines exactly as they were invoiced. credits_line is, on a credit
-- invoice, the 0-based line of the original that the line credits.
CREATE TABLE invoice_lines (
    invoice_id    TEXT NOT NULL REFERENCES invoices (id),
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
    credits_line  INTEGER,
    PRIMARY KEY (invoice_id, position)
) WITHOUT ROWID;

CREATE TABLE invoice_vat (
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    position   INTEGER NOT NULL,
    vat_rate   TEXT NOT NULL,
    net        INTEGER NOT NULL,
    vat        INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, position)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE invoice_vat;
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP TABLE invoice_series;
DROP TABLE customers;
