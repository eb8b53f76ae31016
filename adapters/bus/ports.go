package bus

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// Commands are the command handlers the queues send to:
// *commands.Handlers.
type Commands interface {
	ChangeDeviceSubscription(ctx context.Context, c commands.ChangeDeviceSubscription) (commands.Result, error)
	RecordDeviceReports(ctx context.Context, c commands.RecordDeviceReports) (commands.ReportsRecorded, error)
	SendManifests(ctx context.Context, sender commands.ManifestSender, c commands.SendManifests) (commands.Result, []domain.DeviceID, error)
	AdvanceCampaign(ctx context.Context, c commands.AdvanceCampaign) (commands.Result, error)
	CheckCampaignManifest(ctx context.Context, c commands.CheckCampaignManifest) (commands.Result, error)
	DeleteManifest(ctx context.Context, c commands.DeleteManifest) (commands.Result, error)
	PatchDevice(ctx context.Context, c commands.PatchDevice) (commands.Result, error)
	LogManifestSentDevices(ctx context.Context, c commands.LogManifestSentDevices) (commands.Result, []domain.DeviceID, error)
	SetCampaignLimits(ctx context.Context, c commands.SetCampaignLimits) (commands.Result, error)
	SetFirmwareLimits(ctx context.Context, c commands.SetFirmwareLimits) (commands.Result, error)
	StartCampaign(ctx context.Context, c commands.StartCampaign) (commands.Result, error)
	StopCampaign(ctx context.Context, c commands.StopCampaign) (commands.Result, error)
	ReportDeviceResources(ctx context.Context, c commands.ReportDeviceResources) (commands.Result, error)
	AcceptCampaignUpdate(ctx context.Context, c commands.AcceptCampaignUpdate) (commands.Result, error)
	ApproveCampaign(ctx context.Context, c commands.ApproveCampaign) (commands.Result, error)
	PauseCampaign(ctx context.Context, c commands.PauseCampaign) (commands.Result, error)
	ResumeCampaign(ctx context.Context, c commands.ResumeCampaign) (commands.Result, error)
}

// ReadModels are the two queues whose effect is on the read models only:
// projections.EngineQueries (TouchCampaignDevice) with
// projections.CampaignRebuilder (RebuildCampaign).
type ReadModels interface {
	// TouchCampaignDevice records a heartbeat; false when the device has no
	// update in progress in the campaign.
	TouchCampaignDevice(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, device domain.DeviceID, at time.Time) (bool, error)
	// RebuildCampaign re-derives the campaign's rows from its events.
	RebuildCampaign(ctx context.Context, account domain.AccountID, campaign domain.CampaignID) error
}

// Sender writes a manifest to a device of an account through the device
// connector, with that account's connector credentials, as the campaign
// engine's Sender. An error with a `Permanent() bool` method returning
// true will not succeed on retry; any other error is retried.
type Sender interface {
	SendManifest(ctx context.Context, account domain.AccountID, device domain.DeviceID, asyncID string, manifest []byte) error
}

// Handlers is what the router's handlers call.
type Handlers struct {
	// Commands receives every command; required.
	Commands Commands
	// ReadModels serves the heartbeat and update-campaign-cache queues;
	// required.
	ReadModels ReadModels
	// Sender writes manifests for connector-channel-send-manifest; required.
	Sender Sender
	// Available checks the dependencies the handlers need (the database,
	// the event store); required. A message whose retries are spent while
	// it fails is not poisoned but delivered again: an outage fails every
	// message alike, and poisoning them all would lose a campaign's
	// reports until someone replays the poison queue.
	Available func(context.Context) error
	// Intake is told when a message is done (handled, refused or
	// poisoned), so that the reports of a ReportPublisher's message wait
	// no more; nil: nobody is told.
	Intake interface{ Recorded(id string) }
	// Now is the clock of heartbeats; default time.Now.
	Now func() time.Time
}
