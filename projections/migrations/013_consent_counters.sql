-- Campaigner's consent flow: a device of a campaign that requires consent
-- waits for its user's acceptance (Campaigner: scheduled), then is sent or
-- assigned (Campaigner: accepted). Both are open, neither in flight.
-- Counters written before these columns have 0, which is right: no device
-- reached either state before them.
ALTER TABLE campaign_counters
    ADD COLUMN awaiting_consent bigint NOT NULL DEFAULT 0, -- enrolled, awaiting the user's consent (Campaigner: scheduled)
    ADD COLUMN accepted         bigint NOT NULL DEFAULT 0; -- the user accepted; to be sent or assigned next (Campaigner: accepted)

---- create above / drop below ----

ALTER TABLE campaign_counters DROP COLUMN accepted, DROP COLUMN awaiting_consent;
