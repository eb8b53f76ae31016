package http

import (
	"context"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// progressJSON is the data of one progress event: a campaign's numbers as
// the read models hold them. It is the one place the stream's payload is
// defined.
type progressJSON struct {
	CampaignID      string `json:"campaign_id"`
	Phase           string `json:"phase"`
	State           string `json:"state"`
	HealthIndicator string `json:"health_indicator"`
	AutostopReason  string `json:"autostop_reason"`
	// The rollout: paused and why, the current wave (0 before the
	// first) and each wave's size and devices.
	Paused      bool               `json:"paused"`
	PauseReason string             `json:"pause_reason"`
	Wave        int                `json:"wave"`
	Waves       []waveProgressJSON `json:"waves"`
	Counters    countersJSON       `json:"counters"`
	Failures    []failureJSON      `json:"failures"`
	// At is when these numbers last changed: the later of the campaign's
	// and its counters' updates, so an unchanged campaign reads alike.
	At time.Time `json:"at"`
}

// countersJSON is every counter of the campaign_counters read model, by
// its column name (the README's table documents each).
type countersJSON struct {
	Targeted                     int64 `json:"targeted"`
	Pending                      int64 `json:"pending"`
	Skipped                      int64 `json:"skipped"`
	Rejected                     int64 `json:"rejected"`
	AwaitingConsent              int64 `json:"awaiting_consent"`
	Accepted                     int64 `json:"accepted"`
	Scheduled                    int64 `json:"scheduled"`
	UpdatedConnectorChannel      int64 `json:"updated_connector_channel"`
	FailedConnectorChannelUpdate int64 `json:"failed_connector_channel_update"`
	Downloading                  int64 `json:"downloading"`
	Installing                   int64 `json:"installing"`
	Deployed                     int64 `json:"deployed"`
	Failed                       int64 `json:"failed"`
	TimedOut                     int64 `json:"timed_out"`
	Cancelled                    int64 `json:"cancelled"`
	ManifestRemoved              int64 `json:"manifest_removed"`
	Deregistered                 int64 `json:"deregistered"`
	Processed                    int64 `json:"processed"`
	Affected                     int64 `json:"affected"`
	InProgress                   int64 `json:"in_progress"`
	Completed                    int64 `json:"completed"`
	FailedTotal                  int64 `json:"failed_total"`
	Finished                     int64 `json:"finished"`
	CancelledTotal               int64 `json:"cancelled_total"`
}

// waveProgressJSON is one rollout wave: its planned size and the devices started
// in it so far, by outcome.
type waveProgressJSON struct {
	Wave      int   `json:"wave"`
	Size      int   `json:"size"`
	Started   int64 `json:"started"`
	Open      int64 `json:"open"`
	Deployed  int64 `json:"deployed"`
	Failed    int64 `json:"failed"`
	TimedOut  int64 `json:"timed_out"`
	Cancelled int64 `json:"cancelled"`
}

// wavesObject joins the campaign's wave sizes with the counters of the
// waves that started devices.
func wavesObject(sizes []int, counted []projections.WaveCounters) []waveProgressJSON {
	if sizes == nil {
		return nil // no device enrolled yet
	}
	waves := make([]waveProgressJSON, len(sizes))
	for i, size := range sizes {
		waves[i] = waveProgressJSON{Wave: i + 1, Size: size}
	}
	for _, w := range counted {
		if w.Wave >= 1 && w.Wave <= len(waves) {
			waves[w.Wave-1] = waveProgressJSON{Wave: w.Wave, Size: waves[w.Wave-1].Size, Started: w.Started, Open: w.Open,
				Deployed: w.Deployed, Failed: w.Failed, TimedOut: w.TimedOut, Cancelled: w.Cancelled}
		}
	}
	return waves
}

// failureJSON counts the devices that failed with one code: the fail
// summary's event type (UPD4_FAIL_101, SYS_120), as the statistics name it.
type failureJSON struct {
	Code  string `json:"code"`
	Count int64  `json:"count"`
}

// failSummary is the statistics summary whose event types are failures.
const failSummary = "fail"

// progressOf reads a campaign's progress: four small reads of rows kept
// per campaign (campaign, counters, fail event types, waves), never a count over
// its devices, as a stream repeats them every poll.
func (d Deps) progressOf(ctx context.Context, account domain.AccountID, id domain.CampaignID) (progressJSON, error) {
	c, err := d.CampaignReads.Campaign(ctx, account, id)
	if err != nil {
		return progressJSON{}, err
	}
	k, err := d.Statistics.CampaignCounters(ctx, account, id)
	if err != nil {
		return progressJSON{}, err
	}
	types, err := d.Statistics.CampaignEventTypes(ctx, account, id, failSummary)
	if err != nil {
		return progressJSON{}, err
	}
	waves, err := d.Statistics.CampaignWaveCounters(ctx, account, id)
	if err != nil {
		return progressJSON{}, err
	}
	p := progressJSON{CampaignID: string(c.ID), Phase: string(c.Phase), State: string(c.State),
		HealthIndicator: c.HealthIndicator, AutostopReason: c.AutostopReason, Counters: countersObject(k),
		Paused: c.Paused, PauseReason: c.PauseReason, Wave: c.Wave, Waves: wavesObject(c.WaveSizes, waves),
		Failures: []failureJSON{}, At: utc(c.UpdatedAt)}
	if k.UpdatedAt.After(c.UpdatedAt) {
		p.At = utc(k.UpdatedAt)
	}
	for _, t := range types {
		if t.Count > 0 {
			p.Failures = append(p.Failures, failureJSON{Code: t.EventType, Count: t.Count})
		}
	}
	return p, nil
}

// ended says whether the campaign will not move again: the stream's last
// event.
func (p progressJSON) ended() bool {
	switch domain.Phase(p.Phase) {
	case domain.PhaseStopped, domain.PhaseArchived, domain.PhaseDeleted:
		return true
	case domain.PhaseDraft, domain.PhaseAwaitingApproval, domain.PhaseTimed, domain.PhaseStarting,
		domain.PhaseActive, domain.PhaseStopping:
		return false
	}
	return false
}

func countersObject(k projections.Counters) countersJSON {
	return countersJSON{
		Targeted: k.Targeted, Pending: k.Pending, Skipped: k.Skipped, Rejected: k.Rejected,
		AwaitingConsent: k.AwaitingConsent, Accepted: k.Accepted, Scheduled: k.Scheduled,
		UpdatedConnectorChannel: k.UpdatedConnectorChannel, FailedConnectorChannelUpdate: k.FailedConnectorChannelUpdate,
		Downloading: k.Downloading, Installing: k.Installing, Deployed: k.Deployed, Failed: k.Failed,
		TimedOut: k.TimedOut, Cancelled: k.Cancelled, ManifestRemoved: k.ManifestRemoved, Deregistered: k.Deregistered,
		Processed: k.Processed, Affected: k.Affected, InProgress: k.InProgress, Completed: k.Completed,
		FailedTotal: k.FailedTotal, Finished: k.Finished, CancelledTotal: k.CancelledTotal,
	}
}
