-- Live updates across instances: every change an open page follows is
-- announced on the channel `memoreez` as `<topic>:<id>`, by the database
-- itself, so a change made through any instance (or a worker, or psql)
-- reaches the pages open on every other. NOTIFY is delivered at commit, and
-- not at all on rollback, so a page never hears of a change that did not happen.
-- (SQLite has one instance; it announces in-process.)

CREATE FUNCTION memoreez_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('memoreez', TG_ARGV[0] || ':' || (to_jsonb(NEW) ->> TG_ARGV[1]));
    RETURN NULL;
END
$$;

-- A print job changed (the staff dashboards and the job's page follow the log).
CREATE TRIGGER print_job_events_announce AFTER INSERT ON print_job_events
    FOR EACH ROW EXECUTE FUNCTION memoreez_announce('lab', 'job_id');
-- An order or its history changed (the customer's order page).
CREATE TRIGGER orders_announce AFTER INSERT OR UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION memoreez_announce('order', 'id');
CREATE TRIGGER order_events_announce AFTER INSERT ON order_events
    FOR EACH ROW EXECUTE FUNCTION memoreez_announce('order', 'order_id');
-- A background job moved on (progress bars).
CREATE TRIGGER jobs_announce AFTER INSERT OR UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION memoreez_announce('job', 'id');
-- A concept image is ready or failed (the concepts page).
CREATE TRIGGER concepts_announce AFTER INSERT OR UPDATE ON concepts
    FOR EACH ROW EXECUTE FUNCTION memoreez_announce('creation', 'creation_id');
