-- The event store: every event of every stream, in one global order.

-- streams holds each stream's last revision (0-based). Appends serialize
-- per stream on a transaction-level advisory lock, then check and move it.
CREATE TABLE streams (
    stream_id text PRIMARY KEY,
    revision  bigint NOT NULL
);

-- position is the global order. It is allocated by allocate_positions(),
-- which also assigns the transaction id, both under one short lock: so a
-- transaction with a lower tx_id always holds lower positions, and readers
-- fenced at the oldest running transaction never skip a late commit.
CREATE SEQUENCE event_position AS bigint;

-- events is append-only. Analysts may read it: data and metadata are JSON,
-- metadata carries account_id, correlation_id and causation_id.
CREATE TABLE events (
    position   bigint PRIMARY KEY,
    stream_id  text NOT NULL,
    revision   bigint NOT NULL,
    event_id   uuid NOT NULL,
    event_type text NOT NULL,
    data       json NOT NULL,
    metadata   json NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    tx_id      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT events_stream_revision UNIQUE (stream_id, revision),
    CONSTRAINT events_event_id UNIQUE (event_id)
);

-- allocate_positions reserves n consecutive positions and returns the first.
-- It must be the transaction's first write, so that the transaction id is
-- assigned here, inside the same critical section as the positions.
CREATE FUNCTION allocate_positions(n bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    first bigint;
BEGIN
    PERFORM pg_advisory_lock(7415081937452013);
    BEGIN
        PERFORM pg_current_xact_id();
        first := nextval('event_position');
        IF n > 1 THEN
            PERFORM setval('event_position', first + n - 1);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        PERFORM pg_advisory_unlock(7415081937452013);
        RAISE;
    END;
    PERFORM pg_advisory_unlock(7415081937452013);
    RETURN first;
END;
$$;

---- create above / drop below ----

DROP FUNCTION allocate_positions(bigint);
DROP TABLE events;
DROP SEQUENCE event_position;
DROP TABLE streams;
