package commands_test

import (
	"context"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// The commands that the queues need and nothing else sends, Given events /
// When command / Then events.

func TestChangeDeviceSubscription(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 9))
	f.given(t, domain.DeviceStream(globex, "theirs"), registered(globex, "theirs", 9))

	t.Run("a subscription is recorded once, however often it is reported", func(t *testing.T) {
		for _, id := range []string{"sub-1", "sub-2"} {
			_, err := f.h.ChangeDeviceSubscription(ctx, commands.ChangeDeviceSubscription{Meta: meta(id), DeviceID: "d1", Subscribed: true})
			ok(t, err)
		}
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 9), domain.DeviceSubscriptionChanged{Subscribed: true, At: now})
	})
	t.Run("another account's device is not found", func(t *testing.T) {
		_, err := f.h.ChangeDeviceSubscription(ctx, commands.ChangeDeviceSubscription{Meta: meta("sub-3"), DeviceID: "theirs", Subscribed: true})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.DeviceStream(globex, "theirs"), registered(globex, "theirs", 9))
	})
}

func TestReportDeviceResources(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 9))

	t.Run("a new firmware hash is recorded; an unreported class stays", func(t *testing.T) {
		_, err := f.h.ReportDeviceResources(ctx, commands.ReportDeviceResources{Meta: meta("res-1"), DeviceID: "d1",
			Resources: domain.DeviceResources{FirmwareHash: "fw2"}})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 9), domain.DeviceResourcesReported{FirmwareHash: "fw2", At: now})
	})
	t.Run("an unknown device is not found", func(t *testing.T) {
		_, err := f.h.ReportDeviceResources(ctx, commands.ReportDeviceResources{Meta: meta("res-2"), DeviceID: "nobody",
			Resources: domain.DeviceResources{FirmwareHash: "fw2"}})
		wantKind(t, err, domain.KindNotFound)
		f.then(t, domain.DeviceStream(acme, "nobody"))
	})
}

func TestPatchDevice(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 9))
	name, groups := "renamed", []string{"field", "lab"}

	t.Run("the named fields change, the others stay", func(t *testing.T) {
		_, err := f.h.PatchDevice(ctx, commands.PatchDevice{Meta: meta("patch-1"), DeviceID: "d1",
			Patch: commands.DevicePatch{Name: &name, Groups: &groups}})
		ok(t, err)
		f.then(t, domain.DeviceStream(acme, "d1"), registered(acme, "d1", 9), domain.DeviceUpdated{DeviceName: "renamed",
			DeviceClass: "class-a", Vendor: "v1", FirmwareHash: "fw1", Groups: []string{"field", "lab"}, Mechanism: "connector", At: now})
	})
	t.Run("the same values again record nothing", func(t *testing.T) {
		_, err := f.h.PatchDevice(ctx, commands.PatchDevice{Meta: meta("patch-2"), DeviceID: "d1", Patch: commands.DevicePatch{Name: &name}})
		ok(t, err)
		if got := len(f.events(t, domain.DeviceStream(acme, "d1"))); got != 2 {
			t.Errorf("%d events, want 2", got)
		}
	})
	t.Run("an unknown mechanism is invalid", func(t *testing.T) {
		pigeon := domain.Mechanism("pigeon")
		_, err := f.h.PatchDevice(ctx, commands.PatchDevice{Meta: meta("patch-3"), DeviceID: "d1", Patch: commands.DevicePatch{Mechanism: &pigeon}})
		wantKind(t, err, domain.KindInvalid)
	})
}

func TestRecordDeviceReportsOfUpdateStates(t *testing.T) {
	f := newFixture(t)
	step := func(from, to domain.UpdateState, code int, reason string) domain.Event {
		return domain.DeviceUpdateStateChanged{CampaignID: "c1", From: from, To: to, ResultCode: code, Reason: reason, At: now}
	}
	for i, tc := range []struct {
		name     string
		at       []domain.UpdateState
		campaign domain.CampaignID
		state    domain.UpdateState
		code     int
		then     []domain.Event
		wantKind *domain.Kind
	}{
		{name: "success while scheduled goes through delivered", at: []domain.UpdateState{domain.UpdateScheduled}, campaign: "c1",
			state: domain.UpdateDeployed, then: []domain.Event{
				step(domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, 0, "implied by report"),
				step(domain.UpdateUpdatedConnectorChannel, domain.UpdateDeployed, 0, "report")}},
		{name: "a failure records its code", at: []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel},
			campaign: "c1", state: domain.UpdateFailed, code: 19, then: []domain.Event{step(domain.UpdateUpdatedConnectorChannel, domain.UpdateFailed, 19, "report")}},
		{name: "a late report about an ended update records nothing", at: []domain.UpdateState{domain.UpdateTimedOut}, campaign: "c1", state: domain.UpdateDeployed},
		{name: "a report about another campaign is not found", at: []domain.UpdateState{domain.UpdateScheduled}, campaign: "c2",
			state: domain.UpdateDeployed, wantKind: kind(domain.KindNotFound)},
		{name: "a failure without a code is invalid", at: []domain.UpdateState{domain.UpdateScheduled}, campaign: "c1",
			state: domain.UpdateFailed, wantKind: kind(domain.KindInvalid)},
		{name: "pending is not reported", at: []domain.UpdateState{}, campaign: "c1", state: domain.UpdatePending, wantKind: kind(domain.KindInvalid)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := domain.DeviceID("r" + string(rune('a'+i)))
			history := updateHistory(acme, id, tc.at...)
			f.given(t, domain.DeviceStream(acme, id), history...)
			err := report(f, acme, "rep-"+string(id), domain.Report{Kind: domain.ReportUpdateState, Device: id,
				Campaign: tc.campaign, State: tc.state, ResultCode: tc.code, Reason: "report"})
			if tc.wantKind != nil {
				wantKind(t, err, *tc.wantKind)
			} else {
				ok(t, err)
			}
			f.then(t, domain.DeviceStream(acme, id), append(history, tc.then...)...)
		})
	}
}

func TestLogManifestSentDevices(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.given(t, domain.CampaignStream("c1"), campaignCreated("c1", acme, 40))
	f.given(t, domain.CampaignStream("theirs"), campaignCreated("theirs", globex, 40))
	pending := updateHistory(acme, "pending")
	scheduled := updateHistory(acme, "scheduled", domain.UpdateScheduled)
	done := updateHistory(acme, "done", domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDeployed)
	f.given(t, domain.DeviceStream(acme, "pending"), pending...)
	f.given(t, domain.DeviceStream(acme, "scheduled"), scheduled...)
	f.given(t, domain.DeviceStream(acme, "done"), done...)

	t.Run("reached and unreached devices move; others stay", func(t *testing.T) {
		_, changed, err := f.h.LogManifestSentDevices(ctx, commands.LogManifestSentDevices{Meta: meta("log-1"), CampaignID: "c1",
			Reached: []domain.DeviceID{"pending", "done", "stranger"}, NotReached: []domain.DeviceID{"scheduled"}, Reason: "offline"})
		ok(t, err)
		if len(changed) != 2 {
			t.Errorf("changed %v, want pending and scheduled", changed)
		}
		f.then(t, domain.DeviceStream(acme, "pending"), append(pending,
			domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdatePending, To: domain.UpdateScheduled,
				Reason: "manifest sent (logged)", AsyncID: domain.AsyncID(acme, "c1", "pending"), At: now},
			domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdateScheduled, To: domain.UpdateUpdatedConnectorChannel,
				Reason: "manifest delivered (logged)", AsyncID: domain.AsyncID(acme, "c1", "pending"), At: now})...)
		f.then(t, domain.DeviceStream(acme, "scheduled"), append(scheduled,
			domain.DeviceUpdateStateChanged{CampaignID: "c1", From: domain.UpdateScheduled, To: domain.UpdateFailedConnectorChannelUpdate,
				Reason: "offline", AsyncID: domain.AsyncID(acme, "c1", "scheduled"), At: now})...)
		f.then(t, domain.DeviceStream(acme, "done"), done...)
	})
	t.Run("another account's campaign is not found", func(t *testing.T) {
		_, _, err := f.h.LogManifestSentDevices(ctx, commands.LogManifestSentDevices{Meta: meta("log-2"), CampaignID: "theirs",
			Reached: []domain.DeviceID{"pending"}})
		wantKind(t, err, domain.KindNotFound)
	})
	t.Run("a device listed twice is invalid", func(t *testing.T) {
		_, _, err := f.h.LogManifestSentDevices(ctx, commands.LogManifestSentDevices{Meta: meta("log-3"), CampaignID: "c1",
			Reached: []domain.DeviceID{"pending"}, NotReached: []domain.DeviceID{"pending"}})
		wantKind(t, err, domain.KindInvalid)
	})
}
