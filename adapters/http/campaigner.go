package http

import (
	"net/http"

	"github.com/updateservice/updateservice/projections"
)

// campaignerStatsJSON is Campaigner's campaign statistics.
type campaignerStatsJSON struct {
	Campaign   string                  `json:"campaign"`
	Status     string                  `json:"status"`
	Processed  int64                   `json:"processed"`
	Affected   int64                   `json:"affected"`
	Cancelled  int64                   `json:"cancelled"`
	Finished   int64                   `json:"finished"`
	Failed     int64                   `json:"failed"`
	Successful int64                   `json:"successful"`
	Failures   []campaignerFailureJSON `json:"failures"`
}

// campaignerFailureJSON counts the devices that failed with one code.
// retryStatus says how far the retry campaign of them went.
type campaignerFailureJSON struct {
	Code        string `json:"code"`
	Count       int64  `json:"count"`
	RetryStatus string `json:"retryStatus"`
}

func campaignerStatsObject(s projections.CampaignerStats) campaignerStatsJSON {
	out := campaignerStatsJSON{Campaign: toV2ID(string(s.Campaign)), Status: string(s.Status), Processed: s.Processed,
		Affected: s.Affected, Cancelled: s.Cancelled, Finished: s.Finished, Failed: s.Failed, Successful: s.Successful,
		Failures: make([]campaignerFailureJSON, len(s.Failures))}
	for i, f := range s.Failures {
		out.Failures[i] = campaignerFailureJSON{Code: f.Code, Count: f.Count, RetryStatus: f.RetryStatus}
	}
	return out
}

// getCampaignerStats answers Campaigner's statistics of a campaign.
func (d Deps) getCampaignerStats(w http.ResponseWriter, r *http.Request) {
	var s projections.CampaignerStats
	id, err := v2CampaignID(r)
	if err == nil {
		s, err = d.Statistics.CampaignerStats(r.Context(), accountOf(r.Context()), id)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, campaignerStatsObject(s))
}
