-- Each merchant's built-in invoicing settings (core.InvoiceSettings), saved
-- whole as one JSON document: the gateway never queries inside it, and new
-- fields need no migration. A merchant without a row has none saved yet.

-- +goose Up
CREATE TABLE invoice_settings (
    merchant_id TEXT NOT NULL PRIMARY KEY REFERENCES merchants (id) ON DELETE CASCADE,
    settings    TEXT NOT NULL CHECK (json_valid(settings)),
    updated_at  TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE invoice_settings;
