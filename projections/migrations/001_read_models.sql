-- The read models: Postgres tables the projection runner derives from the
-- event store's global order. Analytics jobs may read them with SQL; only the
-- runner writes them. Every row can be rebuilt from the events, so nothing
-- here is the source of truth and every timestamp is an event's time, never
-- the time the runner happened to write the row.
--
-- Tables are unqualified on purpose: they land in the first schema of the
-- search_path, so a rebuild can fill a fresh schema next to the live one.
-- Text columns that a value may leave out hold '' rather than NULL; NULL
-- means "has not happened" (timestamps) or "not known" (result codes).

-- projection_checkpoints: where each runner is in the global order. A batch's
-- read-model writes and its checkpoint commit in one transaction.
CREATE TABLE projection_checkpoints (
    name             text PRIMARY KEY, -- the runner's name (one per set of read models)
    commit_position  bigint NOT NULL,  -- global position of the last event applied (commit part)
    prepare_position bigint NOT NULL,  -- global position of the last event applied (prepare part)
    updated_at       timestamptz       -- when that event was recorded; NULL before the first batch
);
COMMENT ON TABLE projection_checkpoints IS 'Position of each projection runner in the event store''s global order.';

-- campaigns: one row per update campaign, with every field of the Pelion v3
-- campaign object and Campaigner's status.
CREATE TABLE campaigns (
    id                       text PRIMARY KEY,      -- campaign id
    account_id               text NOT NULL,         -- owning account
    name                     text NOT NULL,         -- campaign name, unique in the account
    description              text NOT NULL,         -- free text
    root_manifest_id         text NOT NULL,         -- manifest to deploy (join manifests.id for its datafile URL)
    device_filter            text NOT NULL,         -- Pelion filter selecting the devices, e.g. state__eq=registered&device_class__eq=...
    campaign_strategy        text NOT NULL,         -- one-shot or continuous
    approval_required        boolean NOT NULL,      -- start waits for an approval
    autostop                 boolean NOT NULL,      -- stop once autostop_success_percent of the devices succeeded
    autostop_success_percent double precision NOT NULL, -- threshold for autostop, 0-100
    autostop_reason          text NOT NULL,         -- why the campaign stopped or failed to start; '' while running
    "when"                   timestamptz,           -- scheduled start; NULL: start at once
    phase                    text NOT NULL,         -- Pelion phase: draft, awaiting_approval, timed, starting, active, stopping, stopped, archived, deleted
    state                    text NOT NULL,         -- Pelion legacy state (draft, scheduled, allocatingquota, ... deployed, autostopped, userstopped, ...)
    campaigner_status        text NOT NULL,         -- Campaigner status: prepared, launched, finished, cancelled
    manifest_timestamp       timestamptz,           -- timestamp of the checked manifest; NULL before the check
    batches_processed        integer NOT NULL,      -- device pages enrolled so far
    created_at               timestamptz NOT NULL,  -- creation
    updated_at               timestamptz NOT NULL,  -- last change of any field of this row
    starting_at              timestamptz,           -- entered phase starting
    started_at               timestamptz,           -- a user asked to start the campaign (latest start request)
    active_at                timestamptz,           -- entered phase active (manifests being delivered)
    stopping_at              timestamptz,           -- a stop was requested
    stopped_at               timestamptz,           -- entered phase stopped
    archived_at              timestamptz,           -- archived
    deleted_at               timestamptz,           -- deleted (only drafts; the row stays with phase deleted)
    finished                 timestamptz,           -- Pelion's finished: when the campaign ended (= stopped_at)
    etag                     text NOT NULL          -- revision of the campaign stream behind this row; send it back as If-Match
);
CREATE INDEX campaigns_account_created ON campaigns (account_id, created_at, id);
COMMENT ON TABLE campaigns IS 'Update campaigns with every Pelion v3 API field; one row per campaign, deleted ones kept with phase deleted.';

-- campaign_counters: one row per campaign, how many of its devices are in
-- each update state. Moved by deltas summed per batch, never by COUNT(*).
-- The per-state columns always add up to targeted.
CREATE TABLE campaign_counters (
    campaign_id                     text PRIMARY KEY,
    account_id                      text NOT NULL,
    targeted                        bigint NOT NULL, -- devices the campaign considered: enrolled + skipped
    pending                         bigint NOT NULL, -- enrolled, nothing sent yet
    skipped                         bigint NOT NULL, -- matched the filter but not enrolled (see campaign_device_metadata.skip_reason)
    rejected                        bigint NOT NULL, -- the director said the device is not affected
    scheduled                       bigint NOT NULL, -- manifest write recorded, about to be sent (Campaigner: accepted)
    updated_connector_channel       bigint NOT NULL, -- manifest delivered to the device
    failed_connector_channel_update bigint NOT NULL, -- manifest could not be delivered
    downloading                     bigint NOT NULL, -- device downloading the firmware
    installing                      bigint NOT NULL, -- device installing the firmware
    deployed                        bigint NOT NULL, -- update successful
    failed                          bigint NOT NULL, -- device reported a failure (result code in the metadata)
    timed_out                       bigint NOT NULL, -- device went silent during the update
    cancelled                       bigint NOT NULL, -- update cancelled by a stop
    manifest_removed                bigint NOT NULL, -- manifest deleted during the update
    deregistered                    bigint NOT NULL, -- device left the catalog during the update
    updated_at                      timestamptz NOT NULL, -- time of the last event that moved a counter
    -- Campaigner's statistics and convenient groups, derived by Postgres.
    processed    bigint GENERATED ALWAYS AS (targeted) STORED, -- Campaigner: devices of the campaign
    affected     bigint GENERATED ALWAYS AS (targeted - skipped - rejected) STORED, -- Campaigner: not rejected
    in_progress  bigint GENERATED ALWAYS AS (scheduled + updated_connector_channel + downloading + installing) STORED,
    completed    bigint GENERATED ALWAYS AS (deployed) STORED, -- Campaigner: successful
    failed_total bigint GENERATED ALWAYS AS (failed_connector_channel_update + failed + timed_out) STORED, -- Campaigner: failed
    finished     bigint GENERATED ALWAYS AS (deployed + failed_connector_channel_update + failed + timed_out) STORED, -- Campaigner: successful + failed
    cancelled_total bigint GENERATED ALWAYS AS (cancelled + manifest_removed + deregistered) STORED -- Campaigner: cancelled
);
COMMENT ON TABLE campaign_counters IS 'Devices of each campaign per update state; one row per campaign.';

-- campaign_device_metadata: one row per device considered by a campaign
-- (enrolled or skipped), Pelion's campaign-device metadata plus our richer
-- per-device state.
CREATE TABLE campaign_device_metadata (
    id                text PRIMARY KEY,     -- deterministic: derived from campaign_id and device_id, stable across rebuilds
    account_id        text NOT NULL,
    campaign_id       text NOT NULL,
    device_id         text NOT NULL,
    deployment_state  text NOT NULL,        -- Pelion's six values: pending, updated_connector_channel, failed_connector_channel_update, deployed, manifestremoved, deregistered
    update_state      text NOT NULL,        -- our state: pending, skipped, rejected, scheduled, updated_connector_channel, failed_connector_channel_update, downloading, installing, deployed, failed, timed_out, cancelled, manifestremoved, deregistered
    campaigner_status text NOT NULL,        -- Campaigner device status: requested, rejected, scheduled, accepted, successful, failed, cancelled
    result_code       integer,              -- result code of the latest state change; NULL when it had none
    reason            text NOT NULL,        -- reason given with the latest state change
    skip_reason       text NOT NULL,        -- why the device was skipped: already_updated, device_class_mismatch, deregistered, in_other_campaign; '' if enrolled
    mechanism         text NOT NULL,        -- connector or direct, from the device catalog at enrolment
    mechanism_url     text NOT NULL,        -- from the device catalog at enrolment
    name              text NOT NULL,        -- device name, from the device catalog at enrolment
    description       text NOT NULL,        -- device description, from the device catalog at enrolment
    created_at        timestamptz NOT NULL, -- enrolment or skip
    updated_at        timestamptz NOT NULL, -- latest state change
    etag              text NOT NULL,        -- revision of the device stream event behind the latest change
    CONSTRAINT campaign_device_metadata_campaign_device UNIQUE (campaign_id, device_id)
);
CREATE INDEX campaign_device_metadata_device ON campaign_device_metadata (account_id, device_id);
COMMENT ON TABLE campaign_device_metadata IS 'Each device of each campaign with its update state; one row per (campaign, device).';

-- campaign_statistics: per campaign, how many device events fell in each
-- Pelion summary. Every campaign has the four rows, from its creation.
CREATE TABLE campaign_statistics (
    campaign_id    text NOT NULL,
    summary_status text NOT NULL,        -- success, fail, info or skipped
    account_id     text NOT NULL,
    count          bigint NOT NULL,      -- events of this summary (see campaign_event_types for the breakdown)
    created_at     timestamptz NOT NULL, -- creation of the campaign
    updated_at     timestamptz NOT NULL, -- last event counted
    PRIMARY KEY (campaign_id, summary_status)
);
COMMENT ON TABLE campaign_statistics IS 'Pelion statistics: device events per campaign and summary status.';

-- campaign_event_types: the breakdown of campaign_statistics by event type.
-- Event types: SYS_1xx service-side steps, SYS_2xx skip reasons, UPD4_OK_100
-- success, UPD4_FAIL_<result code> device failures; the table that maps
-- update states to them is in projections/outcomes.go.
CREATE TABLE campaign_event_types (
    campaign_id    text NOT NULL,
    summary_status text NOT NULL,        -- success, fail, info or skipped
    event_type     text NOT NULL,        -- e.g. UPD4_OK_100, UPD4_FAIL_101, SYS_120
    account_id     text NOT NULL,
    description    text NOT NULL,        -- what the event type means
    count          bigint NOT NULL,      -- events of this type
    created_at     timestamptz NOT NULL, -- first event of this type in the campaign
    updated_at     timestamptz NOT NULL, -- last event of this type in the campaign
    PRIMARY KEY (campaign_id, summary_status, event_type)
);
COMMENT ON TABLE campaign_event_types IS 'Pelion statistics event types: device events per campaign, summary and event type.';

-- devices: the device catalog, one row per device of an account that has
-- any event (registered in the built-in catalog, or known only through a
-- campaign or a resource report, then state is NULL).
CREATE TABLE devices (
    account_id         text NOT NULL,
    device_id          text NOT NULL,        -- endpoint name
    name               text NOT NULL,
    description        text NOT NULL,
    device_class       text NOT NULL,        -- class id, matched against manifests.device_class
    vendor_id          text NOT NULL,
    firmware_checksum  text NOT NULL,        -- hash of the firmware the device runs
    groups             text[] NOT NULL,      -- device groups
    mechanism          text NOT NULL,        -- connector or direct
    mechanism_url      text NOT NULL,
    state              text,                 -- registered or deregistered; NULL: never registered in the built-in catalog
    subscribed         boolean NOT NULL,     -- the update resource is subscribed for notifications
    active_campaign_id text,                 -- campaign the device is updating in now; NULL when none
    created_at         timestamptz NOT NULL, -- first event of the device
    updated_at         timestamptz NOT NULL, -- last change of this row
    PRIMARY KEY (account_id, device_id)
);
CREATE INDEX devices_account_class ON devices (account_id, device_class);
COMMENT ON TABLE devices IS 'Device catalog: attributes, registration and the campaign each device is in.';

-- manifests: the firmware catalog, every field of a registered manifest.
CREATE TABLE manifests (
    id                       text PRIMARY KEY,
    account_id               text NOT NULL,
    name                     text NOT NULL,
    description              text NOT NULL,
    device_class             text NOT NULL,        -- devices this manifest is for
    device_vendor            text NOT NULL,
    "timestamp"              timestamptz NOT NULL, -- manifest timestamp, copied to campaigns.manifest_timestamp
    manifest_schema_version  text NOT NULL,
    delivered_payload_type   text NOT NULL,        -- full or delta
    delivered_payload_url    text NOT NULL,
    delivered_payload_digest text NOT NULL,        -- sha256 of the payload
    delivered_payload_size   bigint NOT NULL,      -- bytes
    datafile                 text NOT NULL,        -- URL of the manifest file
    datafile_size            bigint NOT NULL,      -- bytes
    key_table                text NOT NULL,        -- URL of the key table; '' without one
    created_at               timestamptz NOT NULL, -- registration
    updated_at               timestamptz NOT NULL, -- last change of this row
    deleted_at               timestamptz,          -- deletion; NULL while in the catalog
    etag                     text NOT NULL         -- revision of the manifest stream behind this row
);
CREATE INDEX manifests_account_created ON manifests (account_id, created_at, id);
COMMENT ON TABLE manifests IS 'Firmware manifests, deleted ones kept with deleted_at.';

---- create above / drop below ----

DROP TABLE manifests;
DROP TABLE devices;
DROP TABLE campaign_event_types;
DROP TABLE campaign_statistics;
DROP TABLE campaign_device_metadata;
DROP TABLE campaign_counters;
DROP TABLE campaigns;
DROP TABLE projection_checkpoints;
