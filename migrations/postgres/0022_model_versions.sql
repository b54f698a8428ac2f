-- Every model made for a creation, oldest first: "Make another version"
-- keeps the earlier ones to choose from. The chosen one stays the
-- creation's mesh_job_id. A row is written with its job, in one transaction.
CREATE TABLE model_versions (
    job_id      TEXT PRIMARY KEY,
    creation_id TEXT NOT NULL REFERENCES creations (id),
    made_at     BIGINT NOT NULL
);
CREATE INDEX model_versions_by_creation ON model_versions (creation_id, made_at);
-- The models made before there were versions: each creation's one.
INSERT INTO model_versions (job_id, creation_id, made_at)
SELECT mesh_job_id, id, created_at FROM creations WHERE mesh_job_id IS NOT NULL;
