package commands_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// The history of the multi-stream tests: acme's campaign c1 of manifest m1
// for devices d1, d2 and d3.
var (
	fleetIDs = []domain.DeviceID{"d1", "d2", "d3"}
	c1       = domain.CampaignStream("c1")
	m1       = domain.ManifestStream("m1")
	d2       = domain.DeviceStream(acme, "d2")
	ledger   = domain.AccountStream(acme)
)

func (w *world) registerFleet() {
	regs := make([]commands.DeviceRegistration, len(fleetIDs))
	for i, id := range fleetIDs {
		regs[i] = commands.DeviceRegistration{DeviceID: id, Attributes: sensor}
	}
	res, err := w.raw.RegisterDevices(w.ctx, commands.RegisterDevices{Meta: meta("h-fleet"), Devices: regs})
	w.given(res.Result, err)
}

func (w *world) registerManifest() {
	w.given(w.raw.RegisterManifest(w.ctx, commands.RegisterManifest{Meta: meta("h-m1"), ManifestID: "m1", Spec: firmware}))
}

// starting is c1 started, waiting for its quota.
func (w *world) starting() {
	w.registerManifest()
	w.given(w.raw.CreateCampaign(w.ctx, commands.CreateCampaign{Meta: meta("h-create"), CampaignID: "c1", Spec: rollout}))
	w.given(w.raw.StartCampaign(w.ctx, commands.StartCampaign{Meta: meta("h-start"), CampaignID: "c1"}))
}

// checked is c1 with its quota and manifest checked, the fleetIDs registered.
func (w *world) checked() {
	w.registerFleet()
	w.starting()
	w.given(w.raw.AllocateCampaignQuota(w.ctx, commands.AllocateCampaignQuota{Meta: meta("h-quota"), CampaignID: "c1"}))
	w.given(w.raw.CheckCampaignManifest(w.ctx, commands.CheckCampaignManifest{Meta: meta("h-check"), CampaignID: "c1"}))
}

// active is c1 deploying to the fleetIDs; scheduled: with every manifest sent.
func (w *world) active(scheduled bool) {
	w.checked()
	w.given(w.raw.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta("h-enrol"), CampaignID: "c1", Batch: 1, Devices: fleetIDs, Last: true}))
	for _, step := range []commands.CampaignStep{commands.StepPublish, commands.StepDeploy} {
		w.given(w.raw.AdvanceCampaign(w.ctx, commands.AdvanceCampaign{Meta: meta(fmt.Sprint("h-step-", step)), CampaignID: "c1", Step: step}))
	}
	if scheduled {
		res, _, err := w.raw.RecordManifestsSent(w.ctx, commands.RecordManifestsSent{Meta: meta("h-sent"), CampaignID: "c1", Devices: fleetIDs})
		w.given(res, err)
	}
}

// The concurrent writes that change no command's decision.
var (
	subscribeD2 = concurrentWrite{stream: d2, what: "d2 subscribes", write: func(w *world) {
		w.given(w.raw.ChangeDeviceSubscription(w.ctx, commands.ChangeDeviceSubscription{Meta: meta("concurrent"), DeviceID: "d2", Subscribed: true}))
	}}
	raiseLimit = concurrentWrite{stream: ledger, what: "the account's campaign limit rises", write: func(w *world) {
		w.given(w.raw.SetCampaignLimits(w.ctx, commands.SetCampaignLimits{Meta: meta("concurrent"), MaxActiveCampaigns: 10}))
	}}
)

// eachDevice checks that every device of the fleetIDs holds n events of type.
func (w *world) eachDevice(typ string, n int) {
	w.t.Helper()
	for _, id := range fleetIDs {
		if got := w.count(domain.DeviceStream(acme, id))[typ]; got != n {
			w.t.Errorf("device %s holds %d %s events, want %d", id, got, typ, n)
		}
	}
}

// enrolmentsAsCounted checks that the campaign recorded the page once and
// counts what its devices recorded: each device enrolled or skipped once.
func (w *world) enrolmentsAsCounted() {
	w.t.Helper()
	w.once(c1, "CampaignBatchProcessed")
	enrolled, skipped := 0, 0
	for _, id := range fleetIDs {
		got := w.count(domain.DeviceStream(acme, id))
		if got["DeviceEnrolled"]+got["DeviceSkipped"] != 1 {
			w.t.Errorf("device %s holds %v, want one DeviceEnrolled or DeviceSkipped", id, got)
		}
		enrolled, skipped = enrolled+got["DeviceEnrolled"], skipped+got["DeviceSkipped"]
	}
	cp, err := w.raw.Campaign(w.ctx, acme, "c1")
	if err != nil {
		w.t.Fatal(err)
	}
	if cp.Enrolled() != enrolled || cp.Skipped() != skipped {
		w.t.Errorf("the campaign counts %d enrolled and %d skipped, its devices recorded %d and %d", cp.Enrolled(), cp.Skipped(), enrolled, skipped)
	}
}

// quotaAsHeld checks that c1 recorded one outcome of its quota allocation,
// allocated exactly when the account holds a slot for it.
func (w *world) quotaAsHeld() {
	w.t.Helper()
	reserved := 0
	for _, e := range w.events(ledger) {
		if r, ok := e.(domain.AccountQuotaReserved); ok && r.CampaignID == "c1" {
			reserved++
		}
	}
	got := w.count(c1)
	if got["CampaignQuotaAllocated"] != reserved || got["CampaignQuotaAllocated"]+got["CampaignStopped"] != 1 {
		w.t.Errorf("c1 holds %v while the account reserved %d slots for it: want one outcome, allocated exactly when reserved", got, reserved)
	}
}

func TestEnrolDevicesCompletesEveryStream(t *testing.T) {
	runMultiStream(t, multiStreamCase{
		given: func(w *world) { w.checked() },
		run: func(w *world) error {
			_, err := w.h.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta("enrol-1"), CampaignID: "c1", Batch: 1, Devices: fleetIDs, Last: true})
			return err
		},
		conflicts: []concurrentWrite{subscribeD2, {stream: d2, what: "d2 changes class", write: func(w *world) {
			other := sensor
			other.DeviceClass = "class-b"
			w.given(w.raw.UpdateDevice(w.ctx, commands.UpdateDevice{Meta: meta("concurrent"), DeviceID: "d2", Attributes: other}))
		}, whole: func(w *world) {
			w.enrolmentsAsCounted()
			w.once(d2, "DeviceSkipped")
		}}},
		failOn: []string{d2, c1},
		last:   c1,
		whole: func(w *world) {
			w.enrolmentsAsCounted()
			w.eachDevice("DeviceEnrolled", 1)
		},
	})
}

func TestAllocateCampaignQuotaCompletesEveryStream(t *testing.T) {
	runMultiStream(t, multiStreamCase{
		given: func(w *world) {
			w.starting()
			w.given(w.raw.CreateCampaign(w.ctx, commands.CreateCampaign{Meta: meta("h-create-2"), CampaignID: "c2", Spec: rollout}))
			w.given(w.raw.StartCampaign(w.ctx, commands.StartCampaign{Meta: meta("h-start-2"), CampaignID: "c2"}))
			w.given(w.raw.SetCampaignLimits(w.ctx, commands.SetCampaignLimits{Meta: meta("h-limit"), MaxActiveCampaigns: 1}))
		},
		run: func(w *world) error {
			_, err := w.h.AllocateCampaignQuota(w.ctx, commands.AllocateCampaignQuota{Meta: meta("quota-1"), CampaignID: "c1"})
			return err
		},
		conflicts: []concurrentWrite{raiseLimit, {stream: ledger, what: "c2 takes the last slot", write: func(w *world) {
			w.given(w.raw.AllocateCampaignQuota(w.ctx, commands.AllocateCampaignQuota{Meta: meta("concurrent"), CampaignID: "c2"}))
		}, whole: func(w *world) {
			w.quotaAsHeld()
			w.once(c1, "CampaignStopped")
		}}},
		failOn: []string{ledger, c1},
		last:   c1,
		whole: func(w *world) {
			w.quotaAsHeld()
			w.once(c1, "CampaignQuotaAllocated")
		},
	})
}

func TestEndCampaignCompletesEveryStream(t *testing.T) {
	runMultiStream(t, multiStreamCase{
		given: func(w *world) { w.active(false) },
		run: func(w *world) error {
			_, err := w.h.EndCampaign(w.ctx, commands.EndCampaign{Meta: meta("end-1"), CampaignID: "c1", Outcome: domain.StateDeployed})
			return err
		},
		conflicts: []concurrentWrite{raiseLimit},
		failOn:    []string{ledger, c1},
		last:      ledger,
		whole: func(w *world) {
			w.once(ledger, "AccountQuotaReleased")
			w.once(c1, "CampaignStopped")
		},
	})
}

func TestRegisterManifestCompletesEveryStream(t *testing.T) {
	runMultiStream(t, multiStreamCase{
		given: func(*world) {},
		run: func(w *world) error {
			_, err := w.h.RegisterManifest(w.ctx, commands.RegisterManifest{Meta: meta("m-1"), ManifestID: "m1", Spec: firmware})
			return err
		},
		conflicts: []concurrentWrite{raiseLimit},
		failOn:    []string{ledger, m1},
		last:      m1,
		whole: func(w *world) {
			w.once(ledger, "AccountManifestCounted")
			w.once(m1, "ManifestRegistered")
		},
	})
}

func TestDeleteManifestCompletesEveryStream(t *testing.T) {
	runMultiStream(t, multiStreamCase{
		given: func(w *world) { w.registerManifest() },
		run: func(w *world) error {
			_, err := w.h.DeleteManifest(w.ctx, commands.DeleteManifest{Meta: meta("md-1"), ManifestID: "m1"})
			return err
		},
		conflicts: []concurrentWrite{raiseLimit},
		failOn:    []string{ledger, m1},
		last:      ledger,
		whole: func(w *world) {
			if got := w.count(ledger)["AccountManifestCounted"]; got != 2 {
				w.t.Errorf("the account counted m1 %d times, want twice (in, then out)", got)
			}
			w.once(m1, "ManifestDeleted")
		},
	})
}

func TestRecordDeviceReportsCompletesEveryStream(t *testing.T) {
	runMultiStream(t, multiStreamCase{
		given: func(w *world) { w.active(true) },
		run: func(w *world) error {
			reports := make([]domain.Report, len(fleetIDs))
			for i, id := range fleetIDs {
				reports[i], _ = domain.AsyncResponseReport(domain.AsyncID(acme, "c1", id), 200, "")
			}
			res, err := w.h.RecordDeviceReports(w.ctx, commands.RecordDeviceReports{Meta: meta("reports-1"), Reports: reports})
			return errors.Join(err, res.Err())
		},
		conflicts: []concurrentWrite{subscribeD2},
		failOn:    []string{d2},
		whole:     func(w *world) { w.eachDevice("DeviceUpdateStateChanged", 2) }, // scheduled, then updated
	})
}

func TestChangeDeviceStatesCompletesEveryStream(t *testing.T) {
	runMultiStream(t, multiStreamCase{
		given: func(w *world) { w.active(true) },
		run: func(w *world) error {
			_, _, err := w.h.ChangeDeviceStates(w.ctx, commands.ChangeDeviceStates{Meta: meta("timeout-1"), CampaignID: "c1", Devices: fleetIDs,
				From: []domain.UpdateState{domain.UpdateScheduled}, Change: domain.UpdateChange{To: domain.UpdateFailedConnectorChannelUpdate, Reason: "timeout"}})
			return err
		},
		conflicts: []concurrentWrite{subscribeD2},
		failOn:    []string{d2},
		whole:     func(w *world) { w.eachDevice("DeviceUpdateStateChanged", 2) }, // scheduled, then failed
	})
}

func TestRegisterDevicesCompletesEveryStream(t *testing.T) {
	moved := sensor
	moved.Groups = []string{"field"}
	runMultiStream(t, multiStreamCase{
		given: func(w *world) { w.registerFleet() },
		run: func(w *world) error {
			regs := make([]commands.DeviceRegistration, len(fleetIDs))
			for i, id := range fleetIDs {
				regs[i] = commands.DeviceRegistration{DeviceID: id, Attributes: moved}
			}
			res, err := w.h.RegisterDevices(w.ctx, commands.RegisterDevices{Meta: meta("bulk-2"), Devices: regs})
			if err == nil && len(res.Failed) > 0 {
				err = fmt.Errorf("devices failed: %v", res.Failed)
			}
			return err
		},
		conflicts: []concurrentWrite{subscribeD2},
		failOn:    []string{d2},
		whole:     func(w *world) { w.eachDevice("DeviceUpdated", 1) },
	})
}
