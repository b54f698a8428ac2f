-- Orders for keepsakes. Every amount is worked out by the server when the
-- order is placed (from the stored quote and the price book) and kept here
-- in integer cents; nothing the browser sends is trusted for money.
CREATE TABLE orders (
    id                TEXT PRIMARY KEY,
    -- SHA-256 of the order page's token (the token itself is only in the link).
    token_hash        TEXT NOT NULL,
    visitor_id        TEXT NOT NULL,
    creation_id       TEXT NOT NULL,
    quote_id          TEXT NOT NULL,
    -- SHA-256 of the keepsake's binary STL that was priced and will be printed.
    mesh_sha256       TEXT NOT NULL,
    status            TEXT NOT NULL, -- see app::order::OrderStatus
    payment           TEXT NOT NULL, -- pickup | stripe
    customer_name     TEXT NOT NULL,
    email             TEXT NOT NULL,
    delivery          TEXT NOT NULL, -- pickup | ship
    address           TEXT,          -- JSON, when shipped
    quantity          BIGINT NOT NULL,
    unit_cents        BIGINT NOT NULL,
    shipping_cents    BIGINT NOT NULL,
    total_cents       BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    model_g           DOUBLE PRECISION NOT NULL,
    support_g         DOUBLE PRECISION NOT NULL,
    print_time_s      BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE INDEX orders_by_visitor ON orders (visitor_id, created_at);

-- What happened to an order, in order: the history its page shows.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    at          BIGINT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL
);

CREATE INDEX order_events_by_order ON order_events (order_id, id);

-- Mail waiting to go out, and what became of it. Written in the same
-- transaction as what it tells about, so no order goes without its email.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,  -- receipt | staff_alert | …
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    status          TEXT NOT NULL,  -- pending | sent | failed
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
