package domain

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAccountLimits(t *testing.T) {
	limited := []Event{AccountCampaignLimitsSet{AccountID: "acc1", MaxActiveCampaigns: 2, At: t0},
		AccountFirmwareLimitsSet{AccountID: "acc1", MaxManifests: 5, MaxPayloadBytes: 1000, At: t0}}
	now := at(10)
	runScenarios(t, LoadAccount, []scenario[*Account]{
		{name: "campaign limits are set on a new account",
			when: func(a *Account) error { return a.SetCampaignLimits("acc1", 3, now) },
			then: []Event{AccountCampaignLimitsSet{AccountID: "acc1", MaxActiveCampaigns: 3, At: now}}},
		{name: "zero campaign limits, unlimited, are set", given: limited,
			when: func(a *Account) error { return a.SetCampaignLimits("acc1", 0, now) },
			then: []Event{AccountCampaignLimitsSet{AccountID: "acc1", MaxActiveCampaigns: 0, At: now}}},
		{name: "the same campaign limits record nothing", given: limited,
			when: func(a *Account) error { return a.SetCampaignLimits("acc1", 2, now) }},
		{name: "a negative campaign limit is refused",
			when: func(a *Account) error { return a.SetCampaignLimits("acc1", -1, now) }, err: InvalidError{Field: "max_active_campaigns"}},
		{name: "another account's limits are refused", given: limited,
			when: func(a *Account) error { return a.SetCampaignLimits("acc2", 1, now) }, err: InvalidError{Field: "account_id"}},
		{name: "an invalid account id is refused",
			when: func(a *Account) error { return a.SetCampaignLimits("", 1, now) }, err: InvalidError{Field: "account_id"}},
		{name: "firmware limits are set", given: limited,
			when: func(a *Account) error { return a.SetFirmwareLimits("acc1", 6, 2000, now) },
			then: []Event{AccountFirmwareLimitsSet{AccountID: "acc1", MaxManifests: 6, MaxPayloadBytes: 2000, At: now}}},
		{name: "the same firmware limits record nothing", given: limited,
			when: func(a *Account) error { return a.SetFirmwareLimits("acc1", 5, 1000, now) }},
		{name: "a negative manifest limit is refused",
			when: func(a *Account) error { return a.SetFirmwareLimits("acc1", -1, 0, now) }, err: InvalidError{Field: "max_manifests"}},
		{name: "a negative payload limit is refused",
			when: func(a *Account) error { return a.SetFirmwareLimits("acc1", 0, -1, now) }, err: InvalidError{Field: "max_payload_bytes"}},
	})
}

func TestAccountQuota(t *testing.T) {
	limitTwo := []Event{AccountCampaignLimitsSet{AccountID: "acc1", MaxActiveCampaigns: 2, At: t0}}
	one := with(limitTwo, AccountQuotaReserved{CampaignID: "c1", At: at(1)})
	full := with(one, AccountQuotaReserved{CampaignID: "c2", At: at(2)})
	now := at(10)
	reserve := func(c CampaignID) func(*Account) error {
		return func(a *Account) error { return a.ReserveQuota(c, now) }
	}
	release := func(c CampaignID) func(*Account) error {
		return func(a *Account) error { return a.ReleaseQuota(c, now) }
	}
	runScenarios(t, LoadAccount, []scenario[*Account]{
		{name: "an account without limits reserves freely", given: with(nil, AccountQuotaReserved{CampaignID: "c1", At: at(1)}),
			when: reserve("c2"), then: []Event{AccountQuotaReserved{CampaignID: "c2", At: now}}},
		{name: "a slot is reserved below the limit", given: one, when: reserve("c2"),
			then: []Event{AccountQuotaReserved{CampaignID: "c2", At: now}}},
		{name: "no slot is reserved at the limit", given: full, when: reserve("c3"),
			err: LimitExceededError{Limit: "max_active_campaigns", Max: 2}},
		{name: "a campaign reserving again records nothing, even at the limit", given: full, when: reserve("c2")},
		{name: "a lowered limit keeps reservations and refuses new ones",
			given: with(full, AccountCampaignLimitsSet{AccountID: "acc1", MaxActiveCampaigns: 1, At: at(3)}), when: reserve("c3"),
			err: LimitExceededError{Limit: "max_active_campaigns", Max: 1}},
		{name: "a released slot is reserved again", given: with(full, AccountQuotaReleased{CampaignID: "c1", At: at(3)}), when: reserve("c3"),
			then: []Event{AccountQuotaReserved{CampaignID: "c3", At: now}}},
		{name: "a held slot is released", given: full, when: release("c1"),
			then: []Event{AccountQuotaReleased{CampaignID: "c1", At: now}}},
		{name: "a slot not held is released without a record", given: one, when: release("c2")},
		{name: "a reservation needs a valid campaign id", when: reserve(""), err: InvalidError{Field: "campaign_id"}},
		{name: "a release needs a valid campaign id", when: release("a/b"), err: InvalidError{Field: "campaign_id"}},
	})
}

func TestAccountManifestCount(t *testing.T) {
	limited := []Event{AccountFirmwareLimitsSet{AccountID: "acc1", MaxManifests: 2, MaxPayloadBytes: 1000, At: t0}}
	one := with(limited, AccountManifestCounted{ManifestID: "m1", Delta: 1, At: at(1)})
	full := with(one, AccountManifestCounted{ManifestID: "m2", Delta: 1, At: at(2)})
	now := at(10)
	count := func(m ManifestID, delta int, size int64) func(*Account) error {
		return func(a *Account) error { return a.CountManifest(m, delta, size, now) }
	}
	runScenarios(t, LoadAccount, []scenario[*Account]{
		{name: "a manifest is counted in below the limits", given: one, when: count("m2", 1, 1000),
			then: []Event{AccountManifestCounted{ManifestID: "m2", Delta: 1, At: now}}},
		{name: "no manifest is counted in at the manifest limit", given: full, when: count("m3", 1, 10),
			err: LimitExceededError{Limit: "max_manifests", Max: 2}},
		{name: "a payload above the payload limit is refused", given: one, when: count("m2", 1, 1001),
			err: LimitExceededError{Limit: "max_payload_bytes", Max: 1000}},
		{name: "an account without limits counts any manifest", when: count("m9", 1, 1<<40),
			then: []Event{AccountManifestCounted{ManifestID: "m9", Delta: 1, At: now}}},
		{name: "a manifest counted in again records nothing", given: full, when: count("m1", 1, 10)},
		{name: "a manifest is counted out", given: full, when: count("m1", -1, 0),
			then: []Event{AccountManifestCounted{ManifestID: "m1", Delta: -1, At: now}}},
		{name: "a manifest not counted is counted out without a record", given: one, when: count("m2", -1, 0)},
		{name: "a count changes by one only", given: one, when: count("m2", 2, 0), err: InvalidError{Field: "delta"}},
		{name: "a payload size is not negative", given: one, when: count("m2", 1, -1), err: InvalidError{Field: "payload_size"}},
		{name: "a count needs a valid manifest id", when: count("", 1, 0), err: InvalidError{Field: "manifest_id"}},
	})
}

func TestAccountApplyRefusesABadCount(t *testing.T) {
	if _, err := LoadAccount([]Event{AccountManifestCounted{ManifestID: "m1", Delta: 3, At: t0}}); err == nil {
		t.Error("loading a count of +3 succeeded, want an error")
	}
}

// accountGetters reads every getter of an account.
func accountGetters(a *Account) map[string]any {
	return map[string]any{
		"ID": a.ID(), "MaxActiveCampaigns": a.MaxActiveCampaigns(), "MaxManifests": a.MaxManifests(),
		"MaxPayloadBytes": a.MaxPayloadBytes(), "ActiveCampaigns": a.ActiveCampaigns(),
		"HoldsQuota c1": a.HoldsQuota("c1"), "HoldsQuota c2": a.HoldsQuota("c2"), "Manifests": a.Manifests(),
		"Counts m1": a.Counts("m1"), "Counts m2": a.Counts("m2"), "UpdatedAt": a.UpdatedAt(),
	}
}

func TestAccountGettersAndStoreRoundTrip(t *testing.T) {
	a, _ := LoadAccount(nil)
	steps := []func() error{
		func() error { return a.SetCampaignLimits("acc1", 3, t0) },
		func() error { return a.SetFirmwareLimits("acc1", 10, 1<<20, at(1)) },
		func() error { return a.ReserveQuota("c2", at(2)) },
		func() error { return a.ReserveQuota("c1", at(3)) },
		func() error { return a.ReserveQuota("c3", at(4)) },
		func() error { return a.ReleaseQuota("c2", at(5)) },
		func() error { return a.CountManifest("m1", 1, 100, at(6)) },
		func() error { return a.CountManifest("m2", 1, 100, at(7)) },
		func() error { return a.CountManifest("m2", -1, 0, at(8)) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := map[string]any{
		"ID": AccountID("acc1"), "MaxActiveCampaigns": 3, "MaxManifests": 10, "MaxPayloadBytes": int64(1 << 20),
		"ActiveCampaigns": []CampaignID{"c1", "c3"}, "HoldsQuota c1": true, "HoldsQuota c2": false,
		"Manifests": 1, "Counts m1": true, "Counts m2": false, "UpdatedAt": at(8),
	}
	if diff := cmp.Diff(want, accountGetters(a)); diff != "" {
		t.Errorf("getters (-want +got):\n%s", diff)
	}
	loaded, err := LoadAccount(roundTrip(t, a.Changes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(accountGetters(a), accountGetters(loaded)); diff != "" {
		t.Errorf("getters after loading the stored events (-recorded +loaded):\n%s", diff)
	}
}
