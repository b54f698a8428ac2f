-- Orders for a model priced on /quote (not only for studio keepsakes), and
-- the title each order was placed with.

-- The /quote job whose exact price was ordered; creation_id is '' for such
-- an order (NOT NULL cannot be dropped from a SQLite column in place).
ALTER TABLE orders ADD COLUMN quote_job_id TEXT;
-- What the customer ordered, in their words (the creation's title or the file's name).
ALTER TABLE orders ADD COLUMN title TEXT;
