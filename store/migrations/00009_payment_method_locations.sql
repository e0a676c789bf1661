-- Payment methods at the register become the merchant's to manage
-- (GET/PUT /v1/payment-methods): each can be switched off
-- and limited to some locations. location_ids is a JSON array of location
-- IDs, '[]' meaning every location. Rows an activation made stay enabled at
-- every location; integration_id is '' for a method the admin added.

-- +goose Up
ALTER TABLE merchant_payment_methods ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));
ALTER TABLE merchant_payment_methods ADD COLUMN location_ids TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(location_ids));
ALTER TABLE merchant_payment_methods ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE merchant_payment_methods DROP COLUMN updated_at;
ALTER TABLE merchant_payment_methods DROP COLUMN location_ids;
ALTER TABLE merchant_payment_methods DROP COLUMN enabled;
