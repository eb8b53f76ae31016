-- campaign_history: an index of every event that concerns a campaign, in
-- the global order: the campaign stream's events, and the device events
-- that name the campaign (enrolled, skipped, update state changed). The
-- events themselves stay in the event store; the history API reads a
-- page of this index, then those events. Device rows carry the device's
-- state in the campaign after the event, so the campaign's counters,
-- metadata and statistics as of any instant come from the index alone:
-- the counters are the sum of the device rows' moves (from_state to
-- update_state) up to the instant, as the live counters move.
CREATE TABLE campaign_history (
    campaign_id      text        NOT NULL,
    commit_position  bigint      NOT NULL, -- the event's place in the global order
    prepare_position bigint      NOT NULL,
    account_id       text        NOT NULL, -- owning account ('' when an event's metadata named none)
    stream_id        text        NOT NULL, -- campaign-<id> or device-<account>-<device>
    revision         bigint      NOT NULL, -- the event's revision in its stream
    event_type       text        NOT NULL, -- e.g. CampaignStarting, DeviceUpdateStateChanged
    recorded_at      timestamptz NOT NULL, -- when the event store recorded the event
    event_at         timestamptz,          -- a device event's own time (as the metadata's updated_at); NULL for campaign events
    device_id        text,                 -- NULL for the campaign stream's events
    update_state     text,                 -- the device's update state after the event; NULL for campaign events
    from_state       text,                 -- the device's update state before a state change; NULL for enrolments, skips and campaign events
    skip_reason      text,                 -- why the device was skipped; '' when enrolled, NULL for campaign events
    result_code      integer,              -- result code of the state change; NULL when it had none
    reason           text,                 -- reason given with the state change; NULL for campaign events
    PRIMARY KEY (campaign_id, commit_position, prepare_position)
);
-- Each device's rows of a campaign, latest first: its record as of an
-- instant is its first row here at or before it. In the order the lookup
-- asks for, so that no planner estimate (a table filled since the last
-- ANALYZE) makes the primary key look cheaper; no more columns, as every
-- device event writes it.
CREATE INDEX campaign_history_device ON campaign_history (campaign_id, device_id, commit_position DESC, prepare_position DESC)
    WHERE device_id IS NOT NULL;
COMMENT ON TABLE campaign_history IS 'Every event concerning a campaign, by campaign and global position; device rows carry the state after the event.';

-- campaign_history_backfill: read models built before campaign_history
-- existed have a checkpoint past events the table lacks. The runner fills
-- the table from the start of the global order up to that checkpoint
-- (until), from its own position (done), then drops the row.
CREATE TABLE campaign_history_backfill (
    runner         text   PRIMARY KEY, -- the runner's checkpoint name
    until_commit   bigint NOT NULL,
    until_prepare  bigint NOT NULL,
    done_commit    bigint NOT NULL,
    done_prepare   bigint NOT NULL
);
INSERT INTO campaign_history_backfill (runner, until_commit, until_prepare, done_commit, done_prepare)
SELECT name, commit_position, prepare_position, 0, 0 FROM projection_checkpoints
WHERE (commit_position > 0 OR prepare_position > 0) AND name <> 'campaign-engine'; -- the engine keeps no read models

---- create above / drop below ----

DROP TABLE campaign_history_backfill;
DROP TABLE campaign_history;
