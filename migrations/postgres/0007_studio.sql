-- The studio's settings for a creation's keepsake (a JSON KeepsakeSpec:
-- pedestal, text, finish, model height); NULL until first saved, when the
-- defaults stand. The latest exact-price job for those settings rides along
-- so a reload or another device shows the same studio and price.
ALTER TABLE creations ADD COLUMN keepsake TEXT;
ALTER TABLE creations ADD COLUMN keepsake_quote_job_id TEXT;
