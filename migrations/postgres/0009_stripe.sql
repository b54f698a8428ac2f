-- Card payment through Stripe Checkout.

-- The Checkout Session an order is paid through (NULL for pay at pickup).
ALTER TABLE orders ADD COLUMN stripe_session_id TEXT;
-- Its payment page, offered again until the order is paid or the session expires.
ALTER TABLE orders ADD COLUMN stripe_checkout_url TEXT;

-- Every Stripe event handled, by its id, so a delivery Stripe repeats is
-- answered without acting twice. Written in the same transaction as the
-- change the event made.
CREATE TABLE stripe_events (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    order_id    TEXT,
    outcome     TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Mail about an order that waits for its payment (status 'held') names it.
ALTER TABLE outbox ADD COLUMN order_id TEXT;
CREATE INDEX outbox_by_order ON outbox (order_id);
