-- The conflict policy queue enrols a device that another campaign holds
-- in queued: counted open, not in flight, until the engine releases it
-- to pending once the device is free. The engine pages through a
-- campaign's queued devices by the partial index, which holds only them.
-- Counters written before this column have 0, which is right: no device
-- was queued before it.
ALTER TABLE campaign_counters
    ADD COLUMN queued bigint NOT NULL DEFAULT 0; -- enrolled behind another campaign that holds the device (Campaigner: requested)
CREATE INDEX campaign_device_metadata_queued ON campaign_device_metadata (campaign_id, device_id) WHERE update_state = 'queued';

---- create above / drop below ----

DROP INDEX campaign_device_metadata_queued;
ALTER TABLE campaign_counters DROP COLUMN queued;
