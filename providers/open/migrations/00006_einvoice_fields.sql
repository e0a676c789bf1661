-- +goose Up
-- Customers' e-invoice fields: the buyer's VAT number, Peppol participant id
-- (scheme:value), buyer reference (BT-10) and how invoices are delivered
-- (email or peppol). Invoices' VAT treatment: domestic, reverse_charge,
-- intra_community_supply or export; a credit invoice has its original's.
-- Existing rows get the defaults: no numbers, e-mail, domestic.
ALTER TABLE customers ADD COLUMN vat_number TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN peppol_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN buyer_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN invoice_delivery TEXT NOT NULL DEFAULT 'email';
ALTER TABLE invoices ADD COLUMN vat_treatment TEXT NOT NULL DEFAULT 'domestic';

-- +goose Down
ALTER TABLE invoices DROP COLUMN vat_treatment;
ALTER TABLE customers DROP COLUMN invoice_delivery;
ALTER TABLE customers DROP COLUMN buyer_reference;
ALTER TABLE customers DROP COLUMN peppol_id;
ALTER TABLE customers DROP COLUMN vat_number;
