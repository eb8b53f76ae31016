package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
)

// A campaign created with a rollout policy reads it back normalized from
// the read model; pausing the campaign once active shows it paused with a
// warning while phase and state stay, and resuming clears the pause.
func TestARolloutCampaignIsPausedAndResumedThroughTheReadModels(t *testing.T) {
	a := newAPI(t)
	body := map[string]any{"name": "waves", "root_manifest_id": a.manifest("class-1"), "device_filter": "state__eq=registered",
		"rollout_policy": map[string]any{"waves": []any{map[string]any{"count": 1}, map[string]any{"percent": 100}},
			"abort": []any{map[string]any{"threshold_percent": 20}}}}
	created := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", body))
	id := created["id"].(string)
	wantPolicy := map[string]any{
		"waves":    []any{map[string]any{"count": 1.0, "success_percent": 95.0}, map[string]any{"percent": 100.0, "success_percent": 95.0}},
		"abort":    []any{map[string]any{"failure": "any", "threshold_percent": 20.0, "min_finished": 0.0, "scope": "campaign", "action": "stop"}},
		"conflict": "skip"}
	if diff := cmp.Diff(wantPolicy, created["rollout_policy"]); diff != "" {
		t.Errorf("the created campaign's policy (-want +got):\n%s", diff)
	}
	path := "/v3/update-campaigns/" + id
	apitest.ErrorOf(t, a.Call("POST", path+"/pause", acmeKey, nil), http.StatusConflict)

	now := time.Now()
	a.appendEvents("acme", domain.CampaignStream(domain.CampaignID(id)), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: now},
		domain.CampaignQuotaAllocated{At: now}, domain.CampaignManifestChecked{ManifestTimestamp: now, At: now},
		domain.CampaignBatchProcessed{Batch: 1, Enrolled: 4, Cursor: "d4", Last: true, At: now},
		domain.CampaignPublishing{At: now}, domain.CampaignDeploying{At: now}, domain.CampaignWaveStarted{Wave: 1, Size: 1, At: now})
	paused := apitest.Object(t, a.Must(http.StatusAccepted, "POST", path+"/pause", map[string]any{"reason": "checking wave 1"}))
	want := map[string]any{"phase": "active", "state": "deploying", "health_indicator": "warning", "paused": true,
		"pause_cause": "user", "pause_reason": "checking wave 1", "wave": 1.0, "waves": []any{1.0, 3.0}}
	if diff := cmp.Diff(want, apitest.Pick(paused, want)); diff != "" || paused["paused_at"] == nil {
		t.Errorf("paused campaign, paused_at %v (-want +got):\n%s", paused["paused_at"], diff)
	}
	if list := apitest.PageOf(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns?paused__eq=true", nil)); !cmp.Equal(list.IDs("id"), []string{id}) {
		t.Errorf("paused campaigns listed: %v, want [%s]", list.IDs("id"), id)
	}
	resumed := apitest.Object(t, a.Must(http.StatusAccepted, "POST", path+"/resume", nil))
	want = map[string]any{"phase": "active", "state": "deploying", "health_indicator": "ok", "paused": false,
		"pause_cause": "", "pause_reason": "", "paused_at": nil}
	if diff := cmp.Diff(want, apitest.Pick(resumed, want)); diff != "" {
		t.Errorf("resumed campaign (-want +got):\n%s", diff)
	}
	apitest.ErrorOf(t, a.Call("POST", path+"/resume", acmeKey, nil), http.StatusConflict)
}
