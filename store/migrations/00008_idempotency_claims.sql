-- One receipt, one charge: a charge claims its location
-- and receipt in the same write as its Idempotency-Key's record, so a second
-- key with the same receipt is refused even at the same moment. Claims are
-- kept when the idempotency record expires (the receipt stays charged) and
-- deleted with a pending record that is abandoned (a refused charge frees
-- its receipt as it frees its key).

-- +goose Up
CREATE TABLE idempotency_claims (
    merchant_id TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,
    claim       TEXT NOT NULL CHECK (claim <> ''),
    "key"       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (merchant_id, scope, claim)
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_claims_key ON idempotency_claims (merchant_id, scope, "key");

-- +goose Down
DROP TABLE idempotency_claims;
