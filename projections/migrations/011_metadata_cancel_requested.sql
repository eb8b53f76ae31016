-- A user's cancel of a device's update while it is under way: the
-- campaign engine cancels it where it was assigned (the Director) and
-- pages through the requests by the partial index, which holds only them.
ALTER TABLE campaign_device_metadata
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false; -- a user asked to cancel the update while it was under way
CREATE INDEX campaign_device_metadata_cancel_requested ON campaign_device_metadata (campaign_id, device_id) WHERE cancel_requested;

---- create above / drop below ----

DROP INDEX campaign_device_metadata_cancel_requested;
ALTER TABLE campaign_device_metadata DROP COLUMN cancel_requested;
