package bus

import "github.com/updateservice/updateservice/domain"

// The rollout queues (approve, pause, resume) carry a user's action on a
// campaign, as the API's routes do: same commands, same refusals.

// ApproveCampaign approves a campaign awaiting approval
// (deployment-service-approve-campaign).
type ApproveCampaign struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
}

// PauseCampaign pauses a starting or active campaign
// (deployment-service-pause-campaign). Reason is optional.
type PauseCampaign struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
	Reason     string            `json:"reason,omitempty"`
}

// ResumeCampaign resumes a paused campaign
// (deployment-service-resume-campaign).
type ResumeCampaign struct {
	Account
	CampaignID domain.CampaignID `json:"campaign_id"`
}

// Queue names the message's queue.
func (ApproveCampaign) Queue() string { return QueueApproveCampaign }

// Queue names the message's queue.
func (PauseCampaign) Queue() string { return QueuePauseCampaign }

// Queue names the message's queue.
func (ResumeCampaign) Queue() string { return QueueResumeCampaign }

// Key is the campaign: its actions stay in order with its start and stop.
func (m ApproveCampaign) Key() string { return string(m.CampaignID) }

// Key is the campaign.
func (m PauseCampaign) Key() string { return string(m.CampaignID) }

// Key is the campaign.
func (m ResumeCampaign) Key() string { return string(m.CampaignID) }

// Validate checks the account and campaign ids.
func (m ApproveCampaign) Validate() error { return campaignOnly(m.Account, m.CampaignID) }

// Validate checks the ids and the reason: a reason the command would
// refuse belongs in the poison queue, not only in a log.
func (m PauseCampaign) Validate() error {
	p := m.start()
	p.add(m.CampaignID.Validate())
	p.text("reason", m.Reason)
	return p.err()
}

// Validate checks the account and campaign ids.
func (m ResumeCampaign) Validate() error { return campaignOnly(m.Account, m.CampaignID) }
