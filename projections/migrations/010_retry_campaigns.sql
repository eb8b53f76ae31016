-- Campaigner's retry campaigns: a campaign made by retry-failed names its
-- main campaign and the failure code it retries.
ALTER TABLE campaigns
    ADD COLUMN main_campaign_id text NOT NULL DEFAULT '', -- the campaign a retry campaign retries; '' for any other campaign
    ADD COLUMN failure_code text NOT NULL DEFAULT '';     -- the failure code a retry campaign retries; '' for any other campaign
-- A main campaign's retry campaigns, for its retryCampaignIds and stats.
CREATE INDEX campaigns_main_campaign ON campaigns (main_campaign_id, created_at, id) WHERE main_campaign_id <> '';

---- create above / drop below ----

DROP INDEX campaigns_main_campaign;
ALTER TABLE campaigns DROP COLUMN failure_code, DROP COLUMN main_campaign_id;
