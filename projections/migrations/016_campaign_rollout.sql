-- Rollouts (Campaign rules 16–21): a campaign's rollout policy, its pause
-- and its waves. Rows written before these columns have no policy, are not
-- paused and have no wave yet, which is right: no campaign had a policy or
-- a wave before them.
ALTER TABLE campaigns
    ADD COLUMN rollout_policy jsonb,                          -- the rollout_policy object, normalized (defaults filled in); NULL: none
    ADD COLUMN paused        boolean NOT NULL DEFAULT false,  -- paused: the engine sends nothing and times nothing out; phase and state unchanged
    ADD COLUMN pause_cause   text NOT NULL DEFAULT '',        -- who paused it: user, abort_rule or wave_threshold; '' while not paused
    ADD COLUMN pause_reason  text NOT NULL DEFAULT '',        -- why: the user's reason, the rule's or the wave's explanation; '' while not paused
    ADD COLUMN paused_at     timestamptz,                     -- when the current pause began; NULL while not paused
    ADD COLUMN wave          integer NOT NULL DEFAULT 0,      -- the current wave, 1-based; 0 before the first started
    ADD COLUMN wave_size     integer NOT NULL DEFAULT 0,      -- the current wave's size as recorded when it started
    ADD COLUMN waves_total   integer NOT NULL DEFAULT 1,      -- how many waves: the policy's, then as the enrolled devices split (empty waves dropped)
    ADD COLUMN wave_sizes    integer[];                       -- each wave's size over the devices enrolled so far; NULL before the first device page

---- create above / drop below ----

ALTER TABLE campaigns DROP COLUMN wave_sizes, DROP COLUMN waves_total, DROP COLUMN wave_size, DROP COLUMN wave,
    DROP COLUMN paused_at, DROP COLUMN pause_reason, DROP COLUMN pause_cause, DROP COLUMN paused, DROP COLUMN rollout_policy;
