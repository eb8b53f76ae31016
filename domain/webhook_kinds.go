package domain

import (
	"maps"
	"slices"
)

// WebhookEventKinds maps the name of each event that webhooks deliver to
// the kind its deliveries carry ("type" in the body). Events not listed
// here are never delivered. A new event becomes deliverable by adding one
// line; a kind, once published, is part of the receivers' contract and is
// never renamed.
var WebhookEventKinds = map[string]string{
	CampaignCreated{}.Name():        "campaign.created",
	CampaignStartRequested{}.Name(): "campaign.started",
	CampaignApproved{}.Name():       "campaign.approved",
	CampaignStarting{}.Name():       "campaign.starting",
	CampaignDeploying{}.Name():      "campaign.active",
	CampaignStopRequested{}.Name():  "campaign.stopping",
	CampaignStopped{}.Name():        "campaign.stopped",
	CampaignArchived{}.Name():       "campaign.archived",
	CampaignDeleted{}.Name():        "campaign.deleted",
	CampaignPaused{}.Name():         "campaign.paused",
	CampaignResumed{}.Name():        "campaign.resumed",
	CampaignWaveStarted{}.Name():    "campaign.wave_started",
	CampaignWaveSucceeded{}.Name():  "campaign.wave_succeeded",
}

// IsWebhookEventKind reports whether kind is a value of WebhookEventKinds.
func IsWebhookEventKind(kind string) bool {
	return slices.Contains(WebhookEventKindList(), kind)
}

// WebhookEventKindList returns the kinds of WebhookEventKinds, sorted.
func WebhookEventKindList() []string {
	return slices.Sorted(maps.Values(WebhookEventKinds))
}
