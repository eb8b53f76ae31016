-- An operator marks quarantined events for retry (bin/updated quarantine
-- retry): the runner that quarantined one applies it again on its next
-- pass, in position order, and removes the row in the same transaction;
-- an event that fails again stays, with the new reason and the mark
-- cleared.
ALTER TABLE quarantined_events ADD COLUMN retry_requested_at timestamptz;

-- quarantined_campaigns holds the campaigns the campaign engine could not
-- drive (a stream it cannot read, a step the domain keeps refusing, a
-- bug that panics): the engine stops driving the campaign and goes on
-- with every other. /readyz shows the service degraded while the table
-- has rows. Marked for retry, the campaign is driven again; its row goes
-- once a step succeeds, or stays with the new reason.
CREATE TABLE quarantined_campaigns (
    runner             text        NOT NULL,  -- the engine's checkpoint name
    account_id         text        NOT NULL,
    campaign_id        text        NOT NULL,
    reason             text        NOT NULL,  -- why it could not be driven
    quarantined_at     timestamptz NOT NULL DEFAULT now(),
    retry_requested_at timestamptz,
    PRIMARY KEY (runner, campaign_id)
);

---- create above / drop below ----

DROP TABLE quarantined_campaigns;
ALTER TABLE quarantined_events DROP COLUMN retry_requested_at;
