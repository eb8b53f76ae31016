package http

import (
	"context"
	"net/http"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// CampaignPreviews computes dry runs of draft campaigns' starts: the
// command handlers over the catalog read model, with the engine's page
// size and delay, in the service (wiring.Previews).
type CampaignPreviews interface {
	PreviewCampaign(ctx context.Context, account domain.AccountID, id domain.CampaignID) (*domain.CampaignPreview, error)
}

// campaignPreviewJSON is the answer of a preview, in Pelion's style.
type campaignPreviewJSON struct {
	Object     string         `json:"object"`
	CampaignID string         `json:"campaign_id"`
	Targeted   int            `json:"targeted"`
	Skipped    map[string]int `json:"skipped"`
	Queued     int            `json:"queued"`
	Superseded int            `json:"superseded"`
	Waves      []waveJSON     `json:"waves"`
	// EstimatedDurationSeconds is the time to start every targeted
	// device, rounded up to the second.
	EstimatedDurationSeconds int64           `json:"estimated_duration_seconds"`
	Examples                 previewExamples `json:"examples"`
	ComputedAt               time.Time       `json:"computed_at"`
}

type waveJSON struct {
	Wave           int     `json:"wave"`
	Size           int     `json:"size"`
	SuccessPercent float64 `json:"success_percent"`
	SoakSeconds    int     `json:"soak_seconds"`
}

type previewExamples struct {
	Targeted []string            `json:"targeted"`
	Skipped  []skippedDeviceJSON `json:"skipped"`
}

type skippedDeviceJSON struct {
	DeviceID string `json:"device_id"`
	Reason   string `json:"reason"`
}

// previewCampaign answers a dry run of a draft campaign's start: 200 with
// its counts, waves and estimated duration; 409 for a campaign past
// draft. It reads the catalog, so it first waits for the account's
// writes, as a read does.
func (d Deps) previewCampaign(w http.ResponseWriter, r *http.Request) {
	if err := d.awaitOwnWrites(r); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	p, err := d.Previews.PreviewCampaign(r.Context(), accountOf(r.Context()), campaignID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, previewObject(p))
}

func previewObject(p *domain.CampaignPreview) campaignPreviewJSON {
	out := campaignPreviewJSON{Object: "update-campaign-preview", CampaignID: string(p.CampaignID), Targeted: p.Targeted,
		Skipped: map[string]int{}, Queued: p.Queued, Superseded: p.Superseded, Waves: make([]waveJSON, len(p.Waves)),
		EstimatedDurationSeconds: int64((p.EstimatedDuration + time.Second - 1) / time.Second),
		Examples:                 previewExamples{Targeted: make([]string, len(p.TargetedExamples)), Skipped: make([]skippedDeviceJSON, len(p.SkippedExamples))},
		ComputedAt:               utc(p.ComputedAt)}
	for _, reason := range domain.SkipReasons {
		out.Skipped[string(reason)] = p.Skipped[reason] // every reason, zero included: a stable shape
	}
	for i, wv := range p.Waves {
		out.Waves[i] = waveJSON{Wave: wv.Wave, Size: wv.Size, SuccessPercent: wv.SuccessPercent, SoakSeconds: wv.SoakSeconds}
	}
	for i, id := range p.TargetedExamples {
		out.Examples.Targeted[i] = string(id)
	}
	for i, s := range p.SkippedExamples {
		out.Examples.Skipped[i] = skippedDeviceJSON{DeviceID: string(s.DeviceID), Reason: string(s.Reason)}
	}
	return out
}
