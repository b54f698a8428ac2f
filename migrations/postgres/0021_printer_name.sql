-- The name of the printer a job was sent to, kept on the job: the lab shows
-- it (the student's page, an order's progress, the log) without reading the
-- printers' table, and a job keeps the name it printed under.
ALTER TABLE print_jobs ADD COLUMN printer_name TEXT;
UPDATE print_jobs SET printer_name = (SELECT p.name FROM printers p WHERE p.id = print_jobs.printer_id)
WHERE printer_id IS NOT NULL;
