-- Rollout waves (Campaign rule 17): each device's update records the wave
-- it was started in; campaign_wave_counters counts a campaign's devices per
-- wave and update state, moved by each event's From and To like
-- campaign_counters, never by COUNT(*). Devices and events written before
-- these had no wave: 0, and no wave row.
CREATE TABLE campaign_wave_counters (
    campaign_id                     text NOT NULL,
    wave                            integer NOT NULL, -- 1-based, as the campaign's waves
    account_id                      text NOT NULL,
    started                         bigint NOT NULL, -- starts in the wave: a device counts each time it leaves pending, awaiting_consent or accepted with the wave
    rejected                        bigint NOT NULL, -- the director said the device is not affected
    scheduled                       bigint NOT NULL, -- manifest write recorded, about to be sent
    updated_connector_channel       bigint NOT NULL, -- manifest delivered to the device
    failed_connector_channel_update bigint NOT NULL, -- manifest could not be delivered
    downloading                     bigint NOT NULL,
    installing                      bigint NOT NULL,
    deployed                        bigint NOT NULL, -- update successful
    failed                          bigint NOT NULL, -- device reported a failure
    timed_out                       bigint NOT NULL, -- device went silent during the update
    cancelled                       bigint NOT NULL, -- cancelled by a stop or a user
    manifest_removed                bigint NOT NULL,
    deregistered                    bigint NOT NULL,
    updated_at                      timestamptz NOT NULL, -- time of the last event that moved a counter
    open     bigint GENERATED ALWAYS AS (scheduled + updated_connector_channel + downloading + installing) STORED, -- started, no outcome yet
    finished bigint GENERATED ALWAYS AS (deployed + failed_connector_channel_update + failed + timed_out) STORED, -- what the abort rules count
    PRIMARY KEY (campaign_id, wave)
);
COMMENT ON TABLE campaign_wave_counters IS 'Devices of each rollout wave of each campaign per update state; one row per (campaign, wave) that started a device.';

ALTER TABLE campaign_device_metadata
    ADD COLUMN wave integer NOT NULL DEFAULT 0; -- the rollout wave the device was started in; 0: none (not started, or no waves)

---- create above / drop below ----

ALTER TABLE campaign_device_metadata DROP COLUMN wave;
DROP TABLE campaign_wave_counters;
