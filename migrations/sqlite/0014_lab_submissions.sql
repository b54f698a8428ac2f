-- Students' submissions to the print lab: their details, the job's folder in
-- storage, and the links their emails carry.

ALTER TABLE print_jobs ADD COLUMN discipline TEXT NOT NULL DEFAULT '';
ALTER TABLE print_jobs ADD COLUMN class_number TEXT NOT NULL DEFAULT '';
-- The printer the student asked for (optional).
ALTER TABLE print_jobs ADD COLUMN printer TEXT NOT NULL DEFAULT '';
-- The model file's name as the student sent it.
ALTER TABLE print_jobs ADD COLUMN file_name TEXT NOT NULL DEFAULT '';
-- A student job's folder name (FirstAndLastName_PrintMethod_Color_JobID) under
-- lab/<status>/; NULL for shop orders, whose files stay with the order.
ALTER TABLE print_jobs ADD COLUMN folder TEXT;
-- The status folder the files are in now. Different from `status`: a move is
-- due (the transaction that changed the status scheduled it by changing it).
ALTER TABLE print_jobs ADD COLUMN filed_status TEXT;
-- metadata.json tells the story up to this updated_at.
ALTER TABLE print_jobs ADD COLUMN filed_at BIGINT;
-- The file staff will print (G-code or 3MF), by its extension, once uploaded or sliced.
ALTER TABLE print_jobs ADD COLUMN sliced_ext TEXT;

CREATE INDEX print_jobs_to_file ON print_jobs (folder, filed_status);

-- The links in a student's emails: SHA-256 of the token, never the token.
-- The link from "received" shows the job; the one from "approved" also lets
-- the student accept the price, until it expires.
CREATE TABLE student_links (
    token_hash  TEXT PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES print_jobs (id),
    can_confirm BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE INDEX student_links_by_job ON student_links (job_id);
