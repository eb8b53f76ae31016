-- idempotency_keys holds the HTTP API's Idempotency-Keys, per account, for
-- a day: the request each key was first used with (its fingerprint:
-- method, path and the SHA-256 of its body) and, once answered, the
-- answer a retry with the key gets replayed. answer is NULL while the
-- first request is in flight; locked_until bounds how long a request that
-- died in flight keeps the key from its retries. Rows past expires_at are
-- deleted by the service now and then; deleting any row by hand only
-- makes a later retry with its key run again.
CREATE TABLE idempotency_keys (
    account_id   text NOT NULL,
    key          text NOT NULL,
    fingerprint  text NOT NULL,
    answer       bytea,
    locked_until timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

---- create above / drop below ----
DROP TABLE idempotency_keys;
