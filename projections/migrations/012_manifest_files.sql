-- Manifests uploaded as files: what the file tells beyond the first
-- columns, and the file and key table themselves, which the API serves at
-- the datafile and key_table URLs. Manifests registered by their fields
-- (JSON) have the defaults.
ALTER TABLE manifests
    ADD COLUMN precursor_payload_digest text NOT NULL DEFAULT '', -- hex digest of the firmware a delta applies to; '' for a full image
    ADD COLUMN update_priority          bigint NOT NULL DEFAULT 0, -- passed to the device's application
    ADD COLUMN component_name           text NOT NULL DEFAULT '',  -- a v3 manifest's component, e.g. MAIN
    ADD COLUMN payload_version          text NOT NULL DEFAULT '',  -- a v3 manifest's payload version (semantic)
    ADD COLUMN parsed_raw_manifest      text NOT NULL DEFAULT '',  -- the whole file as JSON text (cast ::jsonb), field names as its schema's; '' without a file
    ADD COLUMN datafile_content         text NOT NULL DEFAULT '',  -- the manifest file, base64 (decode(datafile_content, 'base64')); at most 2 KB
    ADD COLUMN key_table_content        text NOT NULL DEFAULT '';  -- the key table, base64; at most 64 KiB; '' without one

---- create above / drop below ----

ALTER TABLE manifests DROP COLUMN key_table_content, DROP COLUMN datafile_content, DROP COLUMN parsed_raw_manifest,
    DROP COLUMN payload_version, DROP COLUMN component_name, DROP COLUMN update_priority, DROP COLUMN precursor_payload_digest;
