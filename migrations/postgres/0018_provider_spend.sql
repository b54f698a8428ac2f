-- What each paid provider has cost on each of the lab's days, counted as
-- calls are made (see server/src/spend.rs): the daily ceilings read it, and
-- every instance shares it.
CREATE TABLE provider_spend (
    provider TEXT NOT NULL,   -- image, prompt, mesh, text_to_3d
    day      TEXT NOT NULL,   -- the lab's calendar day, YYYY-MM-DD
    cents    BIGINT NOT NULL,
    calls    BIGINT NOT NULL,
    PRIMARY KEY (provider, day)
);
