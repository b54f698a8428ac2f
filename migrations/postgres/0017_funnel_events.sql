-- The customers' funnel: one row per creation and step it reached (see
-- app::report::FunnelStep), written where the step happens. Nothing personal:
-- `visitor` is the session's visitor id, a hash of the browser's token.
CREATE TABLE funnel_events (
    creation_id TEXT NOT NULL,
    step        TEXT NOT NULL,
    visitor     TEXT NOT NULL,
    at          BIGINT NOT NULL, -- UTC milliseconds
    PRIMARY KEY (creation_id, step)
);

CREATE INDEX funnel_events_by_step ON funnel_events (step, at);

-- A finished job finds the creation it made a model or a price for.
CREATE INDEX creations_by_mesh_job ON creations (mesh_job_id);
CREATE INDEX creations_by_keepsake_quote ON creations (keepsake_quote_job_id);

-- The lab's overview reads the logs by time.
CREATE INDEX print_job_events_by_time ON print_job_events (at);
CREATE INDEX order_events_by_time ON order_events (at);

-- What earlier tables already tell: stories, orders placed and card payments.
INSERT INTO funnel_events (creation_id, step, visitor, at)
SELECT id, 'story_submitted', visitor, created_at FROM creations WHERE kind = 'story';

INSERT INTO funnel_events (creation_id, step, visitor, at)
SELECT c.id, 'checkout_started', c.visitor, MIN(o.created_at)
FROM orders o JOIN creations c ON c.id = o.creation_id
GROUP BY c.id, c.visitor;

INSERT INTO funnel_events (creation_id, step, visitor, at)
SELECT c.id, 'paid', c.visitor, MIN(e.at)
FROM order_events e JOIN orders o ON o.id = e.order_id JOIN creations c ON c.id = o.creation_id
WHERE e.to_status = 'Paid'
GROUP BY c.id, c.visitor;
