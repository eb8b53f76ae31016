-- A stream's revision is its last event's: read from the (stream_id,
-- revision) index, under the stream's lock. The streams table kept a copy
-- that every append had to write, at the cost of a second row per stream.
DROP TABLE streams;

-- append_events is a small append in one statement, so one round trip to
-- the server, its own transaction when called outside one. It writes only
-- when no event id is stored yet and every expectation holds; otherwise it
-- writes nothing and returns the facts the caller decides with (an
-- idempotent retry, a conflict, or a mix that needs the general path).
--
-- Arguments: the requests' streams, their sorted distinct lock keys in
-- lock_space, and their expectations coded as expected_any (-1),
-- expected_no_stream (-2), expected_stream_exists (-3) or the exact
-- revision (>= 0); then the events, each with the 1-based index of its
-- request, in request order.
--
-- Rows returned: one per request with r_event NULL — its stream, its
-- revision before the append (NULL: no events) and, when the append wrote,
-- the first position of the whole append; then, when it did not write, one
-- per event id already stored, with where it is.
CREATE FUNCTION append_events(
    lock_space int, lock_keys int[], p_streams text[], p_expected bigint[],
    p_requests int[], p_ids uuid[], p_types text[], p_data json[], p_metadata json[],
    notify_channel text)
RETURNS TABLE (r_stream text, r_revision bigint, r_position bigint, r_event uuid)
LANGUAGE plpgsql AS $$
DECLARE
    cur bigint[];
    refused boolean;
    first bigint;
BEGIN
    -- The keys come sorted: every append locks in one order.
    PERFORM pg_advisory_xact_lock(lock_space, k) FROM unnest(lock_keys) AS t(k);
    -- Read under the locks (a later statement, so a later snapshot): no
    -- append to these streams can commit between here and our commit.
    SELECT array_agg((SELECT e.revision FROM events e WHERE e.stream_id = r.name ORDER BY e.revision DESC LIMIT 1) ORDER BY r.i)
    INTO cur FROM unnest(p_streams) WITH ORDINALITY AS r(name, i);
    -- One index lookup per id, whatever plan the statistics suggest.
    refused := EXISTS (SELECT FROM unnest(p_ids) AS i(id)
                       CROSS JOIN LATERAL (SELECT FROM events e WHERE e.event_id = i.id LIMIT 1) AS stored);
    FOR i IN 1 .. cardinality(p_streams) LOOP
        refused := refused OR NOT CASE p_expected[i]
            WHEN -1 THEN true
            WHEN -2 THEN cur[i] IS NULL
            WHEN -3 THEN cur[i] IS NOT NULL
            ELSE cur[i] IS NOT DISTINCT FROM p_expected[i] END;
    END LOOP;
    IF refused THEN
        RETURN QUERY SELECT x.name, x.revision, NULL::bigint, NULL::uuid FROM unnest(p_streams, cur) AS x(name, revision);
        RETURN QUERY SELECT e.stream_id, e.revision, e.position, e.event_id
                     FROM unnest(p_ids) AS i(id) CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.event_id = i.id LIMIT 1) AS e;
        RETURN;
    END IF;

    IF cardinality(p_ids) > 0 THEN
        -- The first write of the transaction: it assigns the transaction
        -- id under the positions' lock (see allocate_positions).
        first := allocate_positions(cardinality(p_ids));
        INSERT INTO events (position, stream_id, revision, event_id, event_type, data, metadata)
        SELECT first + t.o - 1, p_streams[t.r],
               coalesce(cur[t.r], -1) + row_number() OVER (PARTITION BY t.r ORDER BY t.o),
               t.i, t.y, t.d, t.m
        FROM unnest(p_requests, p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS t(r, i, y, d, m, o);
        PERFORM pg_notify(notify_channel, '');
    END IF;
    RETURN QUERY SELECT x.name, x.revision, first, NULL::uuid FROM unnest(p_streams, cur) AS x(name, revision);
END;
$$;

---- create above / drop below ----

DROP FUNCTION append_events(int, int[], text[], bigint[], int[], uuid[], text[], json[], json[], text);
CREATE TABLE streams (
    stream_id text PRIMARY KEY,
    revision  bigint NOT NULL
);
INSERT INTO streams SELECT stream_id, max(revision) FROM events GROUP BY stream_id;
