-- quarantined_events holds the events a projection runner could not apply
-- (one it cannot decode, one a read model refuses, one whose rows the
-- database refuses): the runner records the event here, with the reason,
-- moves its checkpoint past it in the same transaction and goes on with
-- the events after it. /readyz shows the service degraded while the table
-- has rows. After a fix, deleting a row and rebuilding the read models
-- applies the event again.
CREATE TABLE quarantined_events (
    runner           text        NOT NULL,  -- the runner's checkpoint name
    commit_position  bigint      NOT NULL,  -- the event's position in the global order
    prepare_position bigint      NOT NULL,
    stream_id        text        NOT NULL,
    revision         bigint      NOT NULL,
    event_type       text        NOT NULL,
    reason           text        NOT NULL,  -- why it could not be applied
    quarantined_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (runner, commit_position, prepare_position)
);

---- create above / drop below ----

DROP TABLE quarantined_events;
