-- webhooks: the account's outgoing webhooks, a read model of the webhook
-- streams. The secret signs deliveries; the API never shows it after the
-- create, and analysts' roles should not be granted this column.
CREATE TABLE webhooks (
    id               text PRIMARY KEY,
    account_id       text NOT NULL,
    url              text NOT NULL,        -- where deliveries are POSTed (absolute http or https)
    events           text[] NOT NULL,      -- kinds wanted, e.g. campaign.stopped; empty: every kind
    description      text NOT NULL,
    secret           text NOT NULL,        -- HMAC-SHA256 key of the Webhook-Signature header
    created_at       timestamptz NOT NULL, -- registration
    created_position bigint NOT NULL,      -- commit position of the registration: later events are delivered
    deleted_at       timestamptz,          -- deletion; NULL while the webhook exists
    deleted_position bigint                -- commit position of the deletion: later events are not delivered
);
CREATE INDEX webhooks_account_created ON webhooks (account_id, created_at, id);
COMMENT ON TABLE webhooks IS 'Outgoing webhooks per account, deleted ones kept with deleted_at.';

-- webhook_deliveries: the outbox of the webhooks. The webhook outbox
-- writes one row per webhook and event of interest, in the transaction
-- that moves its checkpoint; the deliverer POSTs them and records each
-- attempt. Not a read model: a rebuild leaves it alone.
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,     -- deterministic from webhook id and event id: an event redelivered writes nothing twice
    account_id       text NOT NULL,
    webhook_id       text NOT NULL,
    event_id         uuid NOT NULL,        -- the event store's id of the event delivered
    type             text NOT NULL,        -- the delivery's kind, e.g. campaign.stopped
    campaign_id      text NOT NULL,
    body             text NOT NULL,        -- the JSON POSTed, byte for byte the same on every attempt
    status           text NOT NULL,        -- pending, delivered or failed (attempts exhausted)
    attempts         integer NOT NULL,     -- attempts made
    last_status_code integer,              -- HTTP status of the last attempt; NULL: none, or no answer
    last_error       text NOT NULL,        -- why the last attempt failed; '' if it did not
    next_attempt_at  timestamptz,          -- when the deliverer next tries; NULL once delivered or failed
    delivered_at     timestamptz,          -- the 2xx answer; NULL until then
    claimed_until    timestamptz,          -- a deliverer is sending it until then; NULL when none is
    created_at       timestamptz NOT NULL  -- when the event occurred
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at, id);
CREATE INDEX webhook_deliveries_claimed ON webhook_deliveries (webhook_id) WHERE claimed_until IS NOT NULL;
COMMENT ON TABLE webhook_deliveries IS 'Outbox of the outgoing webhooks: one row per webhook and event, with its attempts.';

---- create above / drop below ----

DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
