package domain

// DeviceFacts are what the enrolment rules (device_enrolment.go) read of a
// device: its catalog registration, class, firmware and active campaign.
// The Device aggregate gives them at a real start and the catalog read
// model's row at a preview, so both decide by the same function.
type DeviceFacts struct {
	State          DeviceState
	DeviceClass    string
	FirmwareHash   string
	ActiveCampaign CampaignID
}

// VerdictAction is what the enrolment rules do with a device.
type VerdictAction string

// The enrolment actions: enrol the device, skip it with a reason, or, for
// a device in another active campaign under the conflict policy, queue it
// until it is free or take it over from the other campaign.
const (
	VerdictEnrol     VerdictAction = "enrol"
	VerdictSkip      VerdictAction = "skip"
	VerdictQueue     VerdictAction = "queue"
	VerdictSupersede VerdictAction = "supersede"
)

// Verdict is the enrolment rules' decision on one device: an action and,
// for a skip, its reason.
type Verdict struct {
	Action VerdictAction
	Reason SkipReason
}

// EnrolmentVerdict applies enrolment rules 1–5 to a device's facts for a
// campaign delivering m under conflict policy conflict. It is pure: the
// real enrolment (Device.EnrolOrSkip) and the preview call it alike, which
// is what makes a preview's counts those of the start.
func EnrolmentVerdict(d DeviceFacts, m *Manifest, conflict ConflictPolicy) Verdict {
	switch {
	case d.State != DeviceRegisteredState:
		return skip(SkipDeregistered)
	case m.DeviceClass() != "" && d.DeviceClass != m.DeviceClass():
		return skip(SkipDeviceClassMismatch)
	case m.PayloadDigest() != "" && d.FirmwareHash == m.PayloadDigest():
		return skip(SkipAlreadyUpdated)
	case d.ActiveCampaign != "":
		return ConflictVerdict(conflict)
	}
	return Verdict{Action: VerdictEnrol}
}

// ConflictVerdict is rule 4's decision for a device in another active
// campaign under the campaign's conflict policy: skipped as
// in_other_campaign (the default), queued, or superseded. It is its own
// call so that the enrolment that queues and supersedes uses it too.
func ConflictVerdict(p ConflictPolicy) Verdict {
	switch p {
	case ConflictQueue:
		return Verdict{Action: VerdictQueue}
	case ConflictSupersede:
		return Verdict{Action: VerdictSupersede}
	case ConflictSkip:
	}
	return skip(SkipInOtherCampaign)
}

func skip(reason SkipReason) Verdict { return Verdict{Action: VerdictSkip, Reason: reason} }
