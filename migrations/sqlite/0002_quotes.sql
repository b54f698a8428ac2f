-- A price given for a model: everything that explains it and re-creates it
-- (engine, settings, grams, time, breakdown) is kept in `body` as the JSON
-- the API answered; the columns are what lists and reports filter on.
CREATE TABLE quotes (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    engine      TEXT NOT NULL,
    material    TEXT NOT NULL,
    profile     TEXT NOT NULL,
    total_cents BIGINT NOT NULL,
    body        TEXT NOT NULL
);

CREATE INDEX quotes_by_time ON quotes (created_at);
