-- The lab's printers (see server/src/printers/). What a printer is (its
-- method, build volume, loaded material and colour, how it is reached) is
-- set by staff; what it is doing is written by the one instance that holds
-- its poll lease (polled_by until poll_until), read from OctoPrint.
-- The API key itself is never stored: api_key_from names where it is read
-- (env:NAME or file:PATH).
CREATE TABLE printers (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    method         TEXT NOT NULL,            -- filament | resin
    build_x_mm     DOUBLE PRECISION NOT NULL,
    build_y_mm     DOUBLE PRECISION NOT NULL,
    build_z_mm     DOUBLE PRECISION NOT NULL,
    material       TEXT NOT NULL,
    colour         TEXT NOT NULL,
    connection     TEXT NOT NULL,            -- manual | octoprint
    octoprint_url  TEXT,
    api_key_from   TEXT,
    state          TEXT NOT NULL,            -- manual, offline, idle, printing, paused, error
    completion_pct DOUBLE PRECISION,
    time_left_s    BIGINT,
    file_name      TEXT,
    message        TEXT,
    read_at        BIGINT,
    polled_by      TEXT,
    poll_until     BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
