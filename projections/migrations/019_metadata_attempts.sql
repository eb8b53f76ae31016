-- A campaign's retry policy sends the update again to devices that
-- failed or timed out: attempts counts the update's attempts (1 from the
-- enrolment, one more per retry; 0 for a skipped device). The engine
-- pages through a campaign's ended devices that a retry may pick up by
-- the partial index, which holds only them.
ALTER TABLE campaign_device_metadata
    ADD COLUMN attempts integer NOT NULL DEFAULT 1; -- attempts of the update: 1, and one more per retry; 0 when skipped
UPDATE campaign_device_metadata SET attempts = 0 WHERE update_state = 'skipped';
CREATE INDEX campaign_device_metadata_retriable ON campaign_device_metadata (campaign_id, device_id)
    WHERE update_state IN ('failed', 'failed_connector_channel_update', 'timed_out');

---- create above / drop below ----

DROP INDEX campaign_device_metadata_retriable;
ALTER TABLE campaign_device_metadata DROP COLUMN attempts;
