package commands_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// deviceFacts is a catalog in a test: it yields the facts of the device
// aggregates of its ids as they are in the event store, in order.
type deviceFacts struct {
	w   *world
	ids []domain.DeviceID
	// sel is the selection the preview asked for.
	sel domain.DeviceSelection
}

func (f *deviceFacts) MatchingDeviceFacts(_ context.Context, account domain.AccountID, sel domain.DeviceSelection,
	each func(domain.DeviceID, domain.DeviceFacts) error) error {
	f.sel = sel
	for _, id := range f.ids {
		d, err := domain.LoadDevice(f.w.events(domain.DeviceStream(account, id)))
		if err != nil {
			return err
		}
		if err := each(id, d.Facts()); err != nil {
			return err
		}
	}
	return nil
}

// mixedFleet registers, for draft campaign c1 of m1 (class-a, payload
// fw2), a device of each verdict: d1 fits, d2 runs fw2, d3 is class-b,
// d4 deregistered, d5 busy in campaign c0.
func (w *world) mixedFleet() []domain.DeviceID {
	w.registerManifest()
	w.given(w.raw.CreateCampaign(w.ctx, commands.CreateCampaign{Meta: meta("h-create"), CampaignID: "c1", Spec: rollout}))
	at := func(attrs domain.DeviceAttributes, edit func(*domain.DeviceAttributes)) domain.DeviceAttributes {
		edit(&attrs)
		return attrs
	}
	regs := []commands.DeviceRegistration{{DeviceID: "d1", Attributes: sensor},
		{DeviceID: "d2", Attributes: at(sensor, func(a *domain.DeviceAttributes) { a.FirmwareHash = "fw2" })},
		{DeviceID: "d3", Attributes: at(sensor, func(a *domain.DeviceAttributes) { a.DeviceClass = "class-b" })},
		{DeviceID: "d4", Attributes: sensor}, {DeviceID: "d5", Attributes: sensor}}
	if _, err := w.raw.RegisterDevices(w.ctx, commands.RegisterDevices{Meta: meta("h-register"), Devices: regs}); err != nil {
		w.t.Fatal(err)
	}
	w.given(w.raw.DeregisterDevice(w.ctx, commands.DeregisterDevice{Meta: meta("h-deregister"), DeviceID: "d4"}))
	w.given(w.raw.CreateCampaign(w.ctx, commands.CreateCampaign{Meta: meta("h-create-c0"), CampaignID: "c0", Spec: rollout}))
	w.given(w.raw.StartCampaign(w.ctx, commands.StartCampaign{Meta: meta("h-start-c0"), CampaignID: "c0"}))
	w.given(w.raw.AllocateCampaignQuota(w.ctx, commands.AllocateCampaignQuota{Meta: meta("h-quota-c0"), CampaignID: "c0"}))
	w.given(w.raw.CheckCampaignManifest(w.ctx, commands.CheckCampaignManifest{Meta: meta("h-check-c0"), CampaignID: "c0"}))
	w.given(w.raw.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta("h-enrol-c0"), CampaignID: "c0", Batch: 1,
		Devices: []domain.DeviceID{"d5"}, Last: true}))
	return []domain.DeviceID{"d1", "d2", "d3", "d4", "d5"}
}

// Given draft campaign c1 and a device of each verdict, when c1 is
// previewed and then enrols the same devices, then the preview counted
// what the enrolment records, and changed nothing itself.
func TestAPreviewCountsWhatTheEnrolmentThenDoes(t *testing.T) {
	w := newWorld(t, openMemstore)
	ids := w.mixedFleet()
	catalog := &deviceFacts{w: w, ids: ids}
	before := w.count(c1)

	p, err := w.h.PreviewCampaign(w.ctx, catalog, commands.PreviewCampaign{Account: acme, CampaignID: "c1", BatchSize: 2, BatchDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}

	if diff := cmp.Diff(before, w.count(c1)); diff != "" {
		t.Errorf("the preview wrote to c1 (-before +after):\n%s", diff)
	}
	want := &domain.CampaignPreview{CampaignID: "c1", Targeted: 1, ComputedAt: now,
		Skipped:          map[domain.SkipReason]int{domain.SkipAlreadyUpdated: 1, domain.SkipDeviceClassMismatch: 1, domain.SkipDeregistered: 1, domain.SkipInOtherCampaign: 1},
		Waves:            []domain.PlannedWave{{Wave: 1, Size: 1}},
		TargetedExamples: []domain.DeviceID{"d1"},
		SkippedExamples: []domain.SkippedDevice{{DeviceID: "d2", Reason: domain.SkipAlreadyUpdated}, {DeviceID: "d3", Reason: domain.SkipDeviceClassMismatch},
			{DeviceID: "d4", Reason: domain.SkipDeregistered}, {DeviceID: "d5", Reason: domain.SkipInOtherCampaign}}}
	if diff := cmp.Diff(want, p, cmpopts.IgnoreUnexported(domain.CampaignPreview{})); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(domain.DeviceSelection{Filter: rollout.DeviceFilter}, catalog.sel, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the catalog was asked for (-want +got):\n%s", diff)
	}

	w.given(w.raw.StartCampaign(w.ctx, commands.StartCampaign{Meta: meta("start"), CampaignID: "c1"}))
	w.given(w.raw.AllocateCampaignQuota(w.ctx, commands.AllocateCampaignQuota{Meta: meta("quota"), CampaignID: "c1"}))
	w.given(w.raw.CheckCampaignManifest(w.ctx, commands.CheckCampaignManifest{Meta: meta("check"), CampaignID: "c1"}))
	w.given(w.raw.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta("enrol"), CampaignID: "c1", Batch: 1, Devices: ids, Last: true}))
	cp, err := w.raw.Campaign(w.ctx, acme, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Enrolled() != p.Targeted || !cmp.Equal(cp.SkippedByReason(), p.Skipped) {
		t.Errorf("the start enrolled %d and skipped %v; the preview said %d and %v", cp.Enrolled(), cp.SkippedByReason(), p.Targeted, p.Skipped)
	}
}

func TestAPreviewIsOfTheAccountsDraftCampaignOnly(t *testing.T) {
	w := newWorld(t, openMemstore)
	catalog := &deviceFacts{w: w, ids: w.mixedFleet()}
	var notFound domain.NotFoundError
	var refused domain.InvalidTransitionError
	var conflict domain.ConflictError
	for _, tc := range []struct {
		name  string
		query commands.PreviewCampaign
		want  any
	}{
		{"another account's campaign is not found", commands.PreviewCampaign{Account: globex, CampaignID: "c1"}, &notFound},
		{"a missing campaign is not found", commands.PreviewCampaign{Account: acme, CampaignID: "c9"}, &notFound},
		{"a campaign past draft is refused", commands.PreviewCampaign{Account: acme, CampaignID: "c0"}, &refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.h.PreviewCampaign(w.ctx, catalog, tc.query)
			if !errors.As(err, tc.want) {
				t.Errorf("got %v, want a %T", err, tc.want)
			}
		})
	}
	grouped := rollout
	grouped.Groups = []string{"lab"}
	w.given(w.raw.CreateCampaign(w.ctx, commands.CreateCampaign{Meta: meta("create-c2"), CampaignID: "c2", Spec: grouped}))
	if _, err := w.h.PreviewCampaign(w.ctx, catalog, commands.PreviewCampaign{Account: acme, CampaignID: "c2", FromRegistry: true}); !errors.As(err, &conflict) {
		t.Errorf("a campaign of the Registry's groups: got %v, want a ConflictError", err)
	}
	if _, err := w.h.PreviewCampaign(w.ctx, catalog, commands.PreviewCampaign{Account: acme, CampaignID: "c2"}); err != nil {
		t.Errorf("a campaign of the catalog's groups: %v", err)
	}
}
