-- Orders printed and shipped by an outside service (Slant 3D).
ALTER TABLE orders ADD COLUMN outside_service TEXT;     -- slant3d
ALTER TABLE orders ADD COLUMN outside_order_id TEXT;    -- their order id
ALTER TABLE orders ADD COLUMN outside_status TEXT;      -- their last reported status
-- A download key for the order's print file, for a service (or the lab) to
-- fetch it by link: only its hash is kept, and it stops working at expiry.
ALTER TABLE orders ADD COLUMN file_key_hash TEXT;
ALTER TABLE orders ADD COLUMN file_key_expires_at BIGINT;
