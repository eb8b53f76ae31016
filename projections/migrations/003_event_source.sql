-- event_source records which event store the read models and checkpoints
-- in this database were built from. Positions of two stores cannot be
-- compared, so the service refuses to start on a database built from
-- another store instead of skipping or repeating events.
CREATE TABLE event_source (
    id   integer PRIMARY KEY CHECK (id = 1), -- one row
    kind text NOT NULL                        -- postgres or eventstoredb
);

-- Read models built before this table existed came from the Postgres event
-- store: the only one the service had.
INSERT INTO event_source (id, kind)
SELECT 1, 'postgres' WHERE EXISTS (SELECT 1 FROM projection_checkpoints WHERE commit_position > 0);

---- create above / drop below ----

DROP TABLE event_source;
