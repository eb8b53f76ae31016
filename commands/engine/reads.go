package engine

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Reads are the read-model queries the engine makes. Its types are the
// engine's own, so that the read models can change shape without the
// engine, and the engine's tests can answer these reads without them.
type Reads interface {
	MatchingDevices(ctx context.Context, account domain.AccountID, sel domain.DeviceSelection, after domain.DeviceID, limit int) ([]domain.DeviceID, error)
	CampaignDevicesInStates(ctx context.Context, campaign domain.CampaignID, states []domain.UpdateState, after domain.DeviceID, limit int) ([]domain.DeviceID, error)
	// CampaignDevicesCancelRequested pages, by id, through the campaign's
	// devices in states whose cancel a user asked for.
	CampaignDevicesCancelRequested(ctx context.Context, campaign domain.CampaignID, states []domain.UpdateState, after domain.DeviceID, limit int) ([]domain.DeviceID, error)
	DrivableCampaigns(ctx context.Context) ([]CampaignRef, error)
	CampaignsUsingManifest(ctx context.Context, account domain.AccountID, manifest domain.ManifestID) ([]domain.CampaignID, error)
	StaleCampaignDevices(ctx context.Context, campaign domain.CampaignID, states []domain.UpdateState, before time.Time, limit int) ([]domain.DeviceID, error)
	// RetryCandidates pages, by id, through the campaign's devices whose
	// update ended failed or timed out after fewer than maxAttempts
	// attempts, of registered devices no other campaign holds.
	RetryCandidates(ctx context.Context, campaign domain.CampaignID, maxAttempts int, after domain.DeviceID, limit int) ([]RetryCandidate, error)
	// FreeQueuedDevices pages, by id, through the campaign's queued
	// devices that no campaign holds any more.
	FreeQueuedDevices(ctx context.Context, campaign domain.CampaignID, after domain.DeviceID, limit int) ([]domain.DeviceID, error)
	CampaignProgress(ctx context.Context, campaign domain.CampaignID) (Progress, error)
	// WaveProgress reads the counters of a campaign's wave (zero for a
	// wave that started no device, or wave 0).
	WaveProgress(ctx context.Context, campaign domain.CampaignID, wave int) (WaveProgress, error)
	Checkpoint(ctx context.Context, name string) (eventstore.Position, error)
	SaveCheckpoint(ctx context.Context, name string, pos eventstore.Position) error
	Quarantine
}

// CampaignRef names a campaign and its account: what the engine needs to
// drive a campaign it finds in the read models.
type CampaignRef struct {
	ID      domain.CampaignID
	Account domain.AccountID
}

// Progress counts a campaign's devices by how far their update is: the
// engine sends, waits and ends the campaign by these counters.
type Progress struct {
	Targeted int64 // enrolled or skipped
	Enrolled int64 // targeted less skipped
	Open     int64 // pending, queued, awaiting consent, accepted, scheduled, delivered, downloading or installing
	InFlight int64 // open and past pending: the manifest sent, no outcome yet
	Deployed int64
	Failed   int64 // failed, or failed_connector_channel_update
	TimedOut int64
	Started  int64 // starts in the campaign's waves: the devices notified, for the rate
}
