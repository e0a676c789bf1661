-- The product groups and payment methods a merchant's registers use, learned
-- from its sales receipts, so the setup wizard lists the
-- merchant's own rather than a fixed list. SaveSalesReceipt adds a receipt's
-- names in the transaction that stores it; receipts stored before this
-- migration are read here. Their body holds one line per sales line
-- ("L\t<takeaway>\t<rate>\t<amount>\t<Go-quoted group>") and per payment
-- ("P\t<amount>\t<Go-quoted method>"); a name whose quoting escaped a
-- character (a backslash in the body) is left for the next receipt to add.

-- +goose Up
CREATE TABLE sales_names (
    merchant_id TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('product_group', 'payment_method')),
    name        TEXT NOT NULL CHECK (name <> ''),
    PRIMARY KEY (merchant_id, kind, name)
) STRICT, WITHOUT ROWID;

WITH RECURSIVE split (merchant_id, line, rest) AS (
    SELECT merchant_id, '', body FROM sales_receipts
    UNION ALL
    SELECT merchant_id, substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1)
    FROM split WHERE instr(rest, char(10)) > 0
),
named (merchant_id, kind, quoted) AS (
    SELECT merchant_id,
           CASE substr(line, 1, 1) WHEN 'L' THEN 'product_group' ELSE 'payment_method' END,
           substr(line, instr(line, '"'))
    FROM split
    WHERE substr(line, 1, 2) IN ('L' || char(9), 'P' || char(9)) AND instr(line, '"') > 0
)
INSERT OR IGNORE INTO sales_names (merchant_id, kind, name)
SELECT merchant_id, kind, substr(quoted, 2, length(quoted) - 2)
FROM named
WHERE length(quoted) > 2 AND substr(quoted, -1) = '"' AND instr(quoted, '\') = 0;

-- +goose Down
DROP TABLE sales_names;
