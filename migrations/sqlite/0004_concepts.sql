-- A creation's concept designs, four per batch ("Explore more" adds a
-- batch). `idx` counts from 0 across batches. A concept is pending until its
-- job has drawn the picture (ready, image in storage at `image_key`) or
-- given up (failed, `error` says why, for people).
CREATE TABLE concepts (
    creation_id TEXT NOT NULL REFERENCES creations (id),
    idx         BIGINT NOT NULL,
    title       TEXT NOT NULL,
    brief       TEXT NOT NULL, -- JSON: what the concept shows, and the image prompt
    status      TEXT NOT NULL, -- pending | ready | failed
    image_key   TEXT,
    error       TEXT,
    job_id      TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (creation_id, idx)
);

-- The concept chosen and the model made from it.
ALTER TABLE creations ADD COLUMN selected_idx BIGINT;
ALTER TABLE creations ADD COLUMN mesh_job_id TEXT;
