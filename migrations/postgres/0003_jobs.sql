-- Long work (slicing, meshes, thumbnails, mail) as rows with a lease: a
-- worker claims a job, heartbeats while it runs (extending its lease and
-- reporting progress) and writes a result or a reason. A lease that runs
-- out puts the job back in the queue; attempts are bounded.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL, -- JSON
    status           TEXT NOT NULL, -- queued | running | done | failed
    attempts         BIGINT NOT NULL,
    max_attempts     BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    progress_stage   TEXT,
    progress_percent BIGINT,
    result           TEXT,          -- JSON, when done
    error            TEXT,          -- the last failure, for people
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX jobs_queue ON jobs (kind, status, created_at);
