-- +goose Up
-- Day vouchers booked by the SIE file provider, one per merchant and
-- external reference (idempotency), numbered per merchant in booking order.
CREATE TABLE vouchers (
    merchant_id  TEXT    NOT NULL CHECK (merchant_id <> ''),
    external_ref TEXT    NOT NULL CHECK (external_ref <> ''),
    number       INTEGER NOT NULL,
    date         TEXT    NOT NULL,
    voucher      TEXT    NOT NULL, -- core.Voucher as JSON
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (merchant_id, external_ref),
    UNIQUE (merchant_id, number)
) STRICT;

CREATE INDEX vouchers_date ON vouchers (merchant_id, date, number);

-- +goose Down
DROP TABLE vouchers;
