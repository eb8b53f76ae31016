-- Small appends are now one plain SQL statement sent by the service (see
-- append_small.go): calling and running the plpgsql function cost the
-- server more than the statement's own work.
--
-- Irreversible (nothing below the line): the code before this migration
-- calls append_events, whose definition is in migration 002.
DROP FUNCTION append_events(int, int[], text[], bigint[], int[], uuid[], text[], json[], json[], text);

---- create above / drop below ----
