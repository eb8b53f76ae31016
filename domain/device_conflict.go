package domain

import (
	"errors"
	"fmt"
	"time"
)

// EnrolOrSkipUnder is EnrolOrSkip with the campaign's conflict policy: a
// device another campaign holds is queued or supersedes that campaign,
// instead of being skipped, when EnrolmentVerdict says so (rule 10).
func (d *Device) EnrolOrSkipUnder(campaign CampaignID, m *Manifest, conflict ConflictPolicy, now time.Time) (SkipReason, error) {
	if _, ok := d.updates[campaign]; ok {
		return d.EnrolOrSkip(campaign, m, now)
	}
	switch EnrolmentVerdict(d.Facts(), m, conflict).Action {
	case VerdictQueue:
		return "", d.EnrolQueued(campaign, m.ID(), now)
	case VerdictSupersede:
		return "", d.Supersede(campaign, m.ID(), now)
	case VerdictEnrol, VerdictSkip:
	}
	return d.EnrolOrSkip(campaign, m, now)
}

// EnrolQueued enrols the device in campaign, queued behind the campaign
// that holds it; a free device is enrolled as usual (rule 10).
func (d *Device) EnrolQueued(campaign CampaignID, manifest ManifestID, now time.Time) error {
	const op = "device.EnrolQueued"
	if done, err := d.enrolable(campaign, manifest); done || err != nil {
		return wrap(op, err)
	}
	if d.active == "" {
		return d.Enroll(campaign, manifest, now)
	}
	return wrap(op, d.record(DeviceEnrolled{CampaignID: campaign, ManifestID: manifest, Queued: true, At: now}))
}

// Supersede cancels the device's update in the campaign that holds it,
// and enrols it in campaign, in one append (rule 10).
func (d *Device) Supersede(campaign CampaignID, manifest ManifestID, now time.Time) error {
	const op = "device.Supersede"
	if done, err := d.enrolable(campaign, manifest); done || err != nil {
		return wrap(op, err)
	}
	if other := d.active; other != "" {
		u := d.updates[other]
		if err := d.record(DeviceUpdateStateChanged{CampaignID: other, From: u.State, To: UpdateCancelled,
			Reason: fmt.Sprintf("superseded by campaign %s", campaign), Wave: u.Wave, At: now}); err != nil {
			return wrap(op, err)
		}
	}
	return wrap(op, d.record(DeviceEnrolled{CampaignID: campaign, ManifestID: manifest, At: now}))
}

// ReleaseQueued moves the device's queued update in campaign to pending
// once no other campaign holds the device (rule 10).
func (d *Device) ReleaseQueued(campaign CampaignID, now time.Time) error {
	const op = "device.ReleaseQueued"
	if err := d.known(); err != nil {
		return wrap(op, err)
	}
	u, ok := d.updates[campaign]
	if !ok {
		return wrap(op, NotFoundError{Object: "device update", ID: string(d.id) + " in campaign " + string(campaign)})
	}
	if u.State != UpdateQueued {
		return wrap(op, InvalidTransitionError{Object: "device update", From: string(u.State), To: string(UpdatePending)})
	}
	if d.active != "" {
		return wrap(op, ConflictError{Reason: fmt.Sprintf("device %s is in active campaign %s", d.id, d.active)})
	}
	return wrap(op, d.record(DeviceUpdateStateChanged{CampaignID: campaign, From: UpdateQueued, To: UpdatePending,
		Reason: "released: the device is free of its other campaign", At: now}))
}

// enrolable checks an enrolment's input and the device; done is true when
// the device has an update in campaign already (rule 4: nothing to do).
func (d *Device) enrolable(campaign CampaignID, manifest ManifestID) (done bool, err error) {
	if err := d.known(); err != nil {
		return false, err
	}
	if err := errors.Join(campaign.Validate(), manifest.Validate()); err != nil {
		return false, err
	}
	if _, ok := d.updates[campaign]; ok {
		return true, nil
	}
	return false, d.registered("enrolled")
}
