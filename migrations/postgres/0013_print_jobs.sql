-- The print lab's queue: students' submissions and the shop's orders, each a
-- print job moving through app::print_job::PrintJobStatus, with an event log
-- that the database itself keeps append-only.
CREATE TABLE print_jobs (
    id            TEXT PRIMARY KEY,
    source        TEXT NOT NULL,      -- student | shop
    order_id      TEXT,               -- the shop order it prints
    status        TEXT NOT NULL,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    method        TEXT NOT NULL,      -- filament | resin
    color         TEXT NOT NULL,
    notes         TEXT NOT NULL,
    file_key      TEXT NOT NULL,      -- the model in storage
    quantity      BIGINT NOT NULL,
    weight_g      DOUBLE PRECISION,   -- all pieces, model + supports
    print_hours   DOUBLE PRECISION,
    price_cents   BIGINT,
    currency      TEXT,
    reviewed_at   BIGINT,             -- NULL: shown as NEW until staff mark it reviewed
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE INDEX print_jobs_by_status ON print_jobs (status, created_at);
-- A shop order is queued once (NULLs, students' jobs, do not collide).
CREATE UNIQUE INDEX print_jobs_one_per_order ON print_jobs (order_id);

CREATE TABLE print_job_events (
    id          BIGSERIAL PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES print_jobs (id),
    at          BIGINT NOT NULL,      -- UTC milliseconds
    actor       TEXT NOT NULL,        -- staff | student | system
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    details     TEXT NOT NULL
);

CREATE INDEX print_job_events_by_job ON print_job_events (job_id, id);

CREATE FUNCTION print_job_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the print job event log is append-only';
END
$$;

CREATE TRIGGER print_job_events_no_change BEFORE UPDATE OR DELETE ON print_job_events
    FOR EACH ROW EXECUTE FUNCTION print_job_events_append_only();

-- TRUNCATE skips row triggers: refuse it too.
CREATE TRIGGER print_job_events_no_truncate BEFORE TRUNCATE ON print_job_events
    FOR EACH STATEMENT EXECUTE FUNCTION print_job_events_append_only();
