package bus_test

import (
	"testing"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/domain"
)

// The device connector's webhook knows a device's raw LwM2M values, not
// its campaign: those messages apply to the device's active campaign.
func TestRawDeviceValuesApplyToTheActiveCampaign(t *testing.T) {
	w := newWorld(t, inProcess)
	w.activeCampaign(map[domain.DeviceID][]domain.UpdateState{dev1: path(domain.UpdateScheduled)})
	acc := bus.Account{AccountID: acme}
	if _, err := w.pub.Send(w.ctx, bus.CampaignDeviceState{Account: acc, DeviceID: dev1, LwM2MState: ptr(4)}); err != nil {
		t.Fatal(err)
	}
	w.eventually("downloading", func() error { return w.expect(nil, metadataState(dev1, domain.UpdateDownloading))(w.lastRecorded()) })
	if _, err := w.pub.Send(w.ctx, bus.UpdateDeploymentDevice{Account: acc, DeviceID: dev1, UpdateResult: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	w.eventually("deployed", func() error { return w.expect(nil, metadataState(dev1, domain.UpdateDeployed))(w.lastRecorded()) })
	_, err := w.pub.Send(w.ctx, bus.CampaignDeviceState{Account: acc, DeviceID: dev1, CampaignID: campaign, LwM2MState: ptr(4)})
	if domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("a raw state with a campaign: got %v, want an invalid message", err)
	}
}
