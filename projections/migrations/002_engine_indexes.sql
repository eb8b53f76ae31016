-- Indexes for the campaign engine's reads: a campaign's devices in given
-- update states in device order (sending, cancelling) and by the time of
-- their last change (timeouts).
CREATE INDEX campaign_device_metadata_campaign_state ON campaign_device_metadata (campaign_id, update_state, device_id);
CREATE INDEX campaign_device_metadata_campaign_stale ON campaign_device_metadata (campaign_id, update_state, updated_at);

---- create above / drop below ----

DROP INDEX campaign_device_metadata_campaign_stale;
DROP INDEX campaign_device_metadata_campaign_state;
