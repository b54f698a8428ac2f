-- A printer's camera: the address of one still picture (OctoPrint's webcam
-- "snapshot URL", or typed by staff); NULL when it has none.
ALTER TABLE printers ADD COLUMN snapshot_url TEXT;
-- The picture its camera took when the job's print ended (done or failed):
-- a storage key, `snapshots/{job}.jpg` or `.png`; NULL when none was taken.
ALTER TABLE print_jobs ADD COLUMN snapshot_key TEXT;
-- A message's one attachment, if any: a storage key and the file name the
-- recipient sees. Read when the message is sent.
ALTER TABLE outbox ADD COLUMN attachment_key TEXT;
ALTER TABLE outbox ADD COLUMN attachment_name TEXT;
