-- Orders printed and shipped by an outside service (Slant 3D).
ALTER TABLE orders ADD COLUMN outside_service TEXT;     -- slant3d
ALTER TABLE orders ADD COLUMN outside_order_id TEXT;    -- their order id
ALTER TABLE orders ADD COLUMN outside_status TEXT;      -- their last reported status

-- Site secrets made at random on first start and shared by every instance
-- on this database (`link_signing`: the key of signed, expiring links).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
