package domain

import "time"

// Enrolment rules, applied to each device a campaign's filter matches:
//
//  1. A device that is not registered is skipped as deregistered.
//  2. A device of another class than the manifest's is skipped as
//     device_class_mismatch (a manifest without a class fits every device).
//  3. A device already running the manifest's payload (its firmware
//     checksum equals the payload digest) is skipped as already_updated.
//  4. A device updating in another campaign is skipped as
//     in_other_campaign: at most one active campaign per device.
//  5. Otherwise the device is enrolled. A device the campaign already
//     considered keeps its decision, so a redelivered batch changes nothing.

// EnrolOrSkip applies the enrolment rules for campaign delivering manifest
// m. It returns the skip reason, or "" when the device was enrolled.
func (d *Device) EnrolOrSkip(campaign CampaignID, m *Manifest, now time.Time) (SkipReason, error) {
	if u, ok := d.updates[campaign]; ok {
		if u.State == UpdateSkipped {
			return u.SkipReason, nil
		}
		return "", nil
	}
	reason := d.skipReason(m)
	if reason == "" {
		return "", d.Enroll(campaign, m.ID(), now)
	}
	return reason, d.Skip(campaign, reason, now)
}

// skipReason is the enrolment rules' reason to skip the device, "" to
// enrol it. A device of another active campaign is skipped here whatever
// the campaign's conflict policy: queueing and superseding are
// EnrolOrSkipUnder's to do.
func (d *Device) skipReason(m *Manifest) SkipReason {
	return EnrolmentVerdict(d.Facts(), m, ConflictSkip).Reason
}

// Facts are the device's facts that the enrolment rules read.
func (d *Device) Facts() DeviceFacts {
	return DeviceFacts{State: d.state, DeviceClass: d.attrs.DeviceClass, FirmwareHash: d.attrs.FirmwareHash, ActiveCampaign: d.active}
}
