package domain

import "testing"

// heldBy is a history of device d1 enrolled in campaign c2, at state s.
func heldBy(s UpdateState) []Event {
	h := with([]Event{deviceRegistered()}, DeviceEnrolled{CampaignID: "c2", ManifestID: "m1", At: at(1)})
	if s != UpdatePending {
		h = with(h, DeviceUpdateStateChanged{CampaignID: "c2", From: UpdatePending, To: s, At: at(2)})
	}
	return h
}

// TestDeviceConflictPolicies enrols a device that campaign c2 holds into
// c1 under the queue and supersede policies, and releases a queued one
// (rule 10).
func TestDeviceConflictPolicies(t *testing.T) {
	queue := func(d *Device) error { return d.EnrolQueued("c1", "m1", at(5)) }
	supersede := func(d *Device) error { return d.Supersede("c1", "m1", at(5)) }
	release := func(d *Device) error { return d.ReleaseQueued("c1", at(9)) }
	queued := DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", Queued: true, At: at(5)}
	runScenarios(t, LoadDevice, []scenario[*Device]{
		{name: "queue: a held device is enrolled queued", given: heldBy(UpdateInstalling), when: queue, then: []Event{queued}},
		{name: "queue: a free device is enrolled pending", given: []Event{deviceRegistered()}, when: queue,
			then: []Event{DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(5)}}},
		{name: "queue: a device enrolled already records nothing", given: with(heldBy(UpdatePending), queued), when: queue},
		{name: "queue: a deregistered device is refused", given: with([]Event{deviceRegistered()}, DeviceDeregistered{At: at(1)}), when: queue,
			err: InvalidTransitionError{Object: "device", From: "deregistered", To: "enrolled"}},
		{name: "supersede: the other campaign's update is cancelled and the device enrolled", given: heldBy(UpdateDownloading), when: supersede,
			then: []Event{
				DeviceUpdateStateChanged{CampaignID: "c2", From: UpdateDownloading, To: UpdateCancelled, Reason: "superseded by campaign c1", At: at(5)},
				DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(5)},
			}},
		{name: "supersede: a free device is only enrolled", given: heldBy(UpdateDeployed), when: supersede,
			then: []Event{DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", At: at(5)}}},
		{name: "release: a queued device whose other update ended goes pending",
			given: with(heldBy(UpdateInstalling), queued, DeviceUpdateStateChanged{CampaignID: "c2", From: UpdateInstalling, To: UpdateDeployed, At: at(8)}),
			when:  release,
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateQueued, To: UpdatePending,
				Reason: "released: the device is free of its other campaign", At: at(9)}}},
		{name: "release: a device still held stays queued", given: with(heldBy(UpdateInstalling), queued), when: release, err: ConflictError{}},
		{name: "release: an update that is not queued is refused", given: heldBy(UpdateInstalling),
			when: func(d *Device) error { return d.ReleaseQueued("c2", at(9)) },
			err:  InvalidTransitionError{Object: "device update", From: "installing", To: "pending"}},
		{name: "deregistering ends the active update and the queued ones", given: with(heldBy(UpdateInstalling), queued),
			when: func(d *Device) error { return d.Deregister(at(9)) },
			then: []Event{
				DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateQueued, To: UpdateDeregistered, Reason: "device deregistered", At: at(9)},
				DeviceUpdateStateChanged{CampaignID: "c2", From: UpdateInstalling, To: UpdateDeregistered, Reason: "device deregistered", At: at(9)},
				DeviceDeregistered{At: at(9)},
			}},
		{name: "a stop cancels a queued update", given: with(heldBy(UpdateInstalling), queued),
			when: func(d *Device) error {
				return d.ChangeUpdateState("c1", UpdateChange{To: UpdateCancelled, Reason: "stopped"}, at(9))
			},
			then: []Event{DeviceUpdateStateChanged{CampaignID: "c1", From: UpdateQueued, To: UpdateCancelled, Reason: "stopped", At: at(9)}}},
	})
}

// TestAQueuedDeviceIsNotHeldByItsCampaignUntilReleased checks whose the
// device is: a queued update leaves the other campaign active, a release
// makes its campaign the active one.
func TestAQueuedDeviceIsNotHeldByItsCampaignUntilReleased(t *testing.T) {
	d, err := LoadDevice(with(heldBy(UpdateInstalling), DeviceEnrolled{CampaignID: "c1", ManifestID: "m1", Queued: true, At: at(5)}))
	if err != nil {
		t.Fatal(err)
	}
	if active, _ := d.ActiveCampaign(); active != "c2" {
		t.Errorf("active campaign while queued: %q, want c2", active)
	}
	if err := d.ChangeUpdateState("c2", UpdateChange{To: UpdateDeployed}, at(6)); err != nil {
		t.Fatal(err)
	}
	if err := d.ReleaseQueued("c1", at(7)); err != nil {
		t.Fatal(err)
	}
	if active, _ := d.ActiveCampaign(); active != "c1" {
		t.Errorf("active campaign once released: %q, want c1", active)
	}
}
