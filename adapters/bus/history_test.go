package bus_test

import (
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// The objects of the documented examples (QUEUES.md).
const (
	acme     domain.AccountID  = "acme"
	globex   domain.AccountID  = "globex"
	campaign domain.CampaignID = "0157f3a2b6c94d5e8f0a1b2c3d4e5f60"
	manifest domain.ManifestID = "0157f3a2b6c94d5e8f0a1b2c3d4e5f61"
	dev1     domain.DeviceID   = "dev-0001"
	dev2     domain.DeviceID   = "dev-0002"
)

// meta is the metadata of the history's commands.
func meta(account domain.AccountID) commands.Meta { return commands.Meta{Account: account} }

// registerDevices puts devices in acme's catalog: class sensor, old firmware.
func (w *world) registerDevices(ids ...domain.DeviceID) {
	regs := make([]commands.DeviceRegistration, len(ids))
	for i, id := range ids {
		regs[i] = commands.DeviceRegistration{DeviceID: id, Attributes: domain.DeviceAttributes{Name: "sensor " + string(id),
			DeviceClass: "sensor", Vendor: "acme-devices", FirmwareHash: "old", Mechanism: domain.MechanismConnector}}
	}
	res, err := w.h.RegisterDevices(w.ctx, commands.RegisterDevices{Meta: meta(acme), Devices: regs})
	if err == nil && len(res.Failed) > 0 {
		w.t.Fatalf("registering devices: %v", res.Failed)
	}
	w.given(res.Result, err)
}

// registerManifest adds acme's manifest for class sensor.
func (w *world) registerManifest() {
	w.given(w.h.RegisterManifest(w.ctx, commands.RegisterManifest{Meta: meta(acme), ManifestID: manifest, Spec: domain.ManifestSpec{
		Name: "fw 2.0", DeviceClass: "sensor", PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/2.0.bin",
		PayloadDigest: "new", PayloadSize: 1024, Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}))
}

// draftCampaign creates acme's campaign of the manifest, in draft; when,
// if set, makes it a timed campaign.
func (w *world) draftCampaign(when *time.Time) {
	w.registerManifest()
	w.given(w.h.CreateCampaign(w.ctx, commands.CreateCampaign{Meta: meta(acme), CampaignID: campaign, Spec: domain.CampaignSpec{
		Name: "spring rollout", ManifestID: manifest, DeviceFilter: "state__eq=registered", When: when}}))
}

// quotaAllocated takes the campaign through start and quota.
func (w *world) quotaAllocated() {
	w.draftCampaign(nil)
	w.given(w.h.StartCampaign(w.ctx, commands.StartCampaign{Meta: meta(acme), CampaignID: campaign}))
	w.given(w.h.AllocateCampaignQuota(w.ctx, commands.AllocateCampaignQuota{Meta: meta(acme), CampaignID: campaign}))
}

// activeCampaign makes the campaign active with the devices enrolled,
// each moved along its path of update states from pending.
func (w *world) activeCampaign(devices map[domain.DeviceID][]domain.UpdateState) {
	ids := make([]domain.DeviceID, 0, len(devices))
	for id := range devices {
		ids = append(ids, id)
	}
	w.registerDevices(ids...)
	w.quotaAllocated()
	w.given(w.h.CheckCampaignManifest(w.ctx, commands.CheckCampaignManifest{Meta: meta(acme), CampaignID: campaign}))
	w.given(w.h.EnrolDevices(w.ctx, commands.EnrolDevices{Meta: meta(acme), CampaignID: campaign, Batch: 1, Devices: ids, Last: true}))
	for _, step := range []commands.CampaignStep{commands.StepPublish, commands.StepDeploy} {
		w.given(w.h.AdvanceCampaign(w.ctx, commands.AdvanceCampaign{Meta: meta(acme), CampaignID: campaign, Step: step}))
	}
	for id, path := range devices {
		for _, s := range path {
			w.moveDevice(id, s)
		}
	}
}

// moveDevice moves a device's update one step the way the service sees it.
func (w *world) moveDevice(id domain.DeviceID, to domain.UpdateState) {
	m := meta(acme)
	switch to {
	case domain.UpdateAwaitingConsent:
		res, _, err := w.h.ChangeDeviceStates(w.ctx, commands.ChangeDeviceStates{Meta: m, CampaignID: campaign, Devices: []domain.DeviceID{id},
			From: []domain.UpdateState{domain.UpdatePending}, Change: domain.UpdateChange{To: to, Reason: "awaiting consent"}})
		w.given(res, err)
	case domain.UpdateScheduled:
		res, _, err := w.h.RecordManifestsSent(w.ctx, commands.RecordManifestsSent{Meta: m, CampaignID: campaign, Devices: []domain.DeviceID{id}})
		w.given(res, err)
	case domain.UpdateUpdatedConnectorChannel:
		r, _ := domain.AsyncResponseReport(domain.AsyncID(acme, campaign, id), 200, "")
		w.report(m, r)
	case domain.UpdateDownloading, domain.UpdateInstalling:
		value := map[domain.UpdateState]int{domain.UpdateDownloading: 4, domain.UpdateInstalling: 7}[to]
		w.report(m, domain.Report{Kind: domain.ReportLwM2MState, Device: id, Value: value})
	default:
		w.t.Fatalf("the history cannot move a device to %s", to)
	}
}

// report records one report, as a step of the history.
func (w *world) report(m commands.Meta, r domain.Report) {
	res, err := w.h.RecordDeviceReports(w.ctx, commands.RecordDeviceReports{Meta: m, Reports: []domain.Report{r}})
	if err == nil {
		err = res.Err()
	}
	w.given(res.Result, err)
}

// path is a list of update states.
func path(states ...domain.UpdateState) []domain.UpdateState { return states }
