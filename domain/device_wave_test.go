package domain

import "testing"

// A device's update keeps the rollout wave it was started in (Campaign
// rule 17) and puts it on every later change, so that per-wave counters
// follow each event alone.
func TestDeviceUpdateKeepsItsWave(t *testing.T) {
	pending := updateAt(UpdatePending)
	scheduled := with(pending, DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateScheduled, Wave: 2, At: at(2)})
	change := func(c UpdateChange) func(*Device) error {
		return func(d *Device) error { return d.ChangeUpdateState("c1", c, at(3)) }
	}
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "the change that schedules a device records its wave", given: pending,
			when: change(UpdateChange{To: UpdateScheduled, Wave: 2}),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateScheduled, Wave: 2, At: at(3)}}},
		{name: "a later change carries the wave without being told", given: scheduled,
			when: change(UpdateChange{To: UpdateFailed, ResultCode: 7}),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateScheduled, To: UpdateFailed, ResultCode: 7, Wave: 2, At: at(3)}}},
		{name: "a later change cannot move the device to another wave", given: scheduled,
			when: change(UpdateChange{To: UpdateTimedOut, Wave: 3}),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateScheduled, To: UpdateTimedOut, Wave: 2, At: at(3)}}},
		{name: "a device started without a wave has none", given: pending,
			when: change(UpdateChange{To: UpdateScheduled}),
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdatePending, To: UpdateScheduled, At: at(3)}}},
	})
	d, err := LoadDevice(scheduled)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := d.Update("c1"); u.Wave != 2 {
		t.Errorf("the update's wave is %d, want 2", u.Wave)
	}
}
