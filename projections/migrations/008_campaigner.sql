-- Campaigner's API v2 on the same campaigns: its updates, and what a
-- campaign made through /api/v2 carries besides Pelion's fields.

-- updates: one row per Campaigner update. With the built-in catalog,
-- source_id names a manifest of the account (manifests.id), which the
-- update's campaigns deliver as their root_manifest_id.
CREATE TABLE updates (
    id          text PRIMARY KEY,      -- update id (32 hex digits; the API shows it as a dashed UUID)
    account_id  text NOT NULL,         -- owning account (Campaigner's namespace)
    source_id   text NOT NULL,         -- updateSource.id: a manifest id with the built-in catalog
    source_type text NOT NULL,         -- updateSource.sourceType: external or multi_target
    name        text NOT NULL,         -- update name
    description text NOT NULL,         -- free text, '' when none
    created_at  timestamptz NOT NULL,  -- creation
    updated_at  timestamptz NOT NULL,  -- last change (= created_at: updates never change)
    etag        text NOT NULL          -- revision of the update stream behind this row
);
CREATE INDEX updates_account_created ON updates (account_id, created_at, id);
CREATE INDEX updates_account_source ON updates (account_id, source_id);
COMMENT ON TABLE updates IS 'Campaigner updates; one row per update.';

ALTER TABLE campaigns
    ADD COLUMN update_id text NOT NULL DEFAULT '',          -- Campaigner update the campaign delivers; '' for a campaign made through /v3
    ADD COLUMN groups text[] NOT NULL DEFAULT '{}',         -- device groups whose registered devices the campaign targets; empty: device_filter alone
    ADD COLUMN metadata jsonb NOT NULL DEFAULT '[]',        -- Campaigner metadata: [{"type":"DESCRIPTION","value":"…"}, …]
    ADD COLUMN consent_required boolean NOT NULL DEFAULT false; -- Campaigner approvalNeeded: each device's user consents (autoAccept = not this)
-- Campaigner's list filters and sorts within an account.
CREATE INDEX campaigns_account_status ON campaigns (account_id, campaigner_status);
CREATE INDEX campaigns_account_name ON campaigns (account_id, name, id);

---- create above / drop below ----

DROP INDEX campaigns_account_name;
DROP INDEX campaigns_account_status;
ALTER TABLE campaigns DROP COLUMN consent_required, DROP COLUMN metadata, DROP COLUMN groups, DROP COLUMN update_id;
DROP TABLE updates;
