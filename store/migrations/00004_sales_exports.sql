-- Register sales and the daily export (package exports): receipts, the
-- business days they belong to, and one export job per location and day.
-- A receipt's lines and payments are one compact text document (see
-- encodeReceipt in store/sales.go: the export reads thousands per second),
-- vouchers are JSON; the gateway never queries inside either. Money is
-- INTEGER minor units.

-- +goose Up
CREATE TABLE sales_receipts (
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    receipt_id    TEXT    NOT NULL CHECK (receipt_id <> ''),
    location_id   TEXT    NOT NULL CHECK (location_id <> ''),
    business_date TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    body          TEXT    NOT NULL, -- lines, payments, tips, rounding
    total         INTEGER NOT NULL,
    recorded_at   TEXT    NOT NULL,
    UNIQUE (merchant_id, receipt_id)
) STRICT;

CREATE INDEX sales_receipts_day ON sales_receipts (merchant_id, location_id, business_date);

-- One row per location and business day that has receipts or was closed.
-- queued is 1 once the day has an export job, so the scheduler finds the
-- closed days still to schedule through a small partial index.
CREATE TABLE sales_days (
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    location_id   TEXT    NOT NULL CHECK (location_id <> ''),
    business_date TEXT    NOT NULL,
    receipts      INTEGER NOT NULL DEFAULT 0,
    total         INTEGER NOT NULL DEFAULT 0,
    closed_at     TEXT,
    queued        INTEGER NOT NULL DEFAULT 0 CHECK (queued IN (0, 1)),
    PRIMARY KEY (merchant_id, location_id, business_date),
    CHECK (queued = 0 OR closed_at IS NOT NULL)
) STRICT, WITHOUT ROWID;

CREATE INDEX sales_days_by_date ON sales_days (merchant_id, business_date, location_id);
CREATE INDEX sales_days_unqueued ON sales_days (merchant_id, business_date)
    WHERE closed_at IS NOT NULL AND queued = 0;

-- due_at is when a pending job runs next, or when a processing job's lease
-- ends (then another engine may take it over). voucher is the voucher sent
-- to the provider that may be booked there; it is sent again unchanged.
CREATE TABLE export_jobs (
    merchant_id    TEXT    NOT NULL,
    location_id    TEXT    NOT NULL,
    business_date  TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'processing', 'succeeded', 'failed')),
    message        TEXT    NOT NULL DEFAULT '',
    error_code     TEXT    NOT NULL DEFAULT '',
    external_ref   TEXT    NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    due_at         TEXT    NOT NULL,
    lease_token    TEXT    NOT NULL DEFAULT '',
    provider       TEXT    NOT NULL DEFAULT '',
    integration_id TEXT    NOT NULL DEFAULT '',
    provider_ref   TEXT    NOT NULL DEFAULT '',
    voucher        TEXT,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    PRIMARY KEY (merchant_id, location_id, business_date),
    FOREIGN KEY (merchant_id, location_id, business_date)
        REFERENCES sales_days (merchant_id, location_id, business_date) ON DELETE CASCADE
) STRICT;

CREATE INDEX export_jobs_active ON export_jobs (merchant_id, business_date, location_id)
    WHERE status IN ('pending', 'processing');
CREATE INDEX export_jobs_by_date ON export_jobs (merchant_id, business_date, location_id);

-- +goose Down
DROP TABLE export_jobs;
DROP TABLE sales_days;
DROP TABLE sales_receipts;
