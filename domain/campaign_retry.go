package domain

import (
	"fmt"
	"time"
)

// RetryName is the name Campaigner gives the retry campaign of a main
// campaign's failures with one code. The main campaign's id is shown as
// Campaigner shows it, a UUID's dashed form, when it is 32 characters
// (our ids are a UUID's hex digits).
func RetryName(main CampaignID, failureCode string) string {
	id := string(main)
	if len(id) == 32 {
		id = id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
	}
	return fmt.Sprintf("retryCampaignWith-mainCampaign-%s-failureCode-%s", id, failureCode)
}

// NewRetryCampaign creates the retry campaign of main's devices that
// failed with failureCode (rule 14) and starts it at once: it delivers
// main's update to exactly those devices, without asking their users.
// Only a main campaign that was launched (past draft, not deleted) and
// is not itself a retry campaign is retried; devices are required.
func NewRetryCampaign(id CampaignID, main *Campaign, failureCode string, devices []DeviceID, now time.Time) (*Campaign, error) {
	const op = "campaign.Retry"
	if err := main.live(); err != nil {
		return nil, wrap(op, err)
	}
	if main.phase == PhaseDraft || main.MainCampaignID() != "" {
		return nil, wrap(op, main.refuse("retried"))
	}
	s := main.settings
	spec := CampaignSpec{Name: RetryName(main.id, failureCode), ManifestID: s.manifest, DeviceFilter: s.filter,
		UpdateID: s.campaigner.update, MainCampaignID: main.id, FailureCode: failureCode, Devices: devices}
	c, err := NewCampaign(id, main.account, spec, now)
	if err != nil {
		return nil, err
	}
	if err := c.RequestStart(now); err != nil {
		return nil, err
	}
	return c, nil
}
