-- +goose Up
-- Register refunds taken off open collective-invoice orders (RefundOrder),
-- by the engine's external reference, so a retried refund is applied once.
-- An order refunded whole has status 'cancelled'.
CREATE TABLE order_refunds (
    merchant_id  TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (merchant_id, external_ref)
);

-- +goose Down
DROP TABLE order_refunds;
