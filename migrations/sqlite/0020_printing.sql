-- Print jobs on the lab's printers (server/src/printers/): which printer a
-- job was sent to and under what file name, how far it is (read from the
-- printer), the reprint that replaces a failed print, and the model's size
-- (to offer only printers it fits).
ALTER TABLE print_jobs ADD COLUMN printer_id TEXT;
ALTER TABLE print_jobs ADD COLUMN printer_file TEXT;       -- memoreez-<job>.gcode on the printer
ALTER TABLE print_jobs ADD COLUMN sent_at BIGINT;
ALTER TABLE print_jobs ADD COLUMN progress_pct DOUBLE PRECISION;
ALTER TABLE print_jobs ADD COLUMN time_left_s BIGINT;
-- While a send is under way (until this time) no other send of the job starts.
ALTER TABLE print_jobs ADD COLUMN sending_until BIGINT;
-- A reprint names the failed job it replaces.
ALTER TABLE print_jobs ADD COLUMN replaces_job TEXT;
ALTER TABLE print_jobs ADD COLUMN size_x_mm DOUBLE PRECISION;
ALTER TABLE print_jobs ADD COLUMN size_y_mm DOUBLE PRECISION;
ALTER TABLE print_jobs ADD COLUMN size_z_mm DOUBLE PRECISION;
-- The queue's order: staff may move a job up; otherwise first come.
ALTER TABLE print_jobs ADD COLUMN queue_at BIGINT;

CREATE INDEX print_jobs_by_printer ON print_jobs (printer_id, status);

-- A shop order is queued once; a reprint of its failed print is the one other job for it.
DROP INDEX print_jobs_one_per_order;
CREATE UNIQUE INDEX print_jobs_one_per_order ON print_jobs (order_id) WHERE replaces_job IS NULL;

-- When what was read from a printer last changed (the dashboards follow it).
ALTER TABLE printers ADD COLUMN changed_at BIGINT;
