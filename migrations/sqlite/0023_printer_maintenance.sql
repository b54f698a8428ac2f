-- A printer staff take out of service, with their note; NULL while it is in
-- service. Nothing is sent or planned to it while it is out.
ALTER TABLE printers ADD COLUMN maintenance TEXT;
-- A printer's log: what staff did to it, oldest first. Kept after the
-- printer is removed, like the jobs it printed.
CREATE TABLE printer_events (
    id         TEXT PRIMARY KEY,
    printer_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    what       TEXT NOT NULL,
    note       TEXT NOT NULL
);
CREATE INDEX printer_events_by_printer ON printer_events (printer_id, at);
