package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// policyBody is a rollout_policy using every part, as a client sends it.
var policyBody = map[string]any{
	"waves": []any{map[string]any{"count": 10, "soak_seconds": 600}, map[string]any{"percent": 50, "success_percent": 90}, map[string]any{"percent": 50}},
	"rate":  map[string]any{"per_minute": 100, "exponential": map[string]any{"base_per_minute": 10, "factor": 2, "increase_on": "succeeded", "every": 20}},
	"abort": []any{map[string]any{"failure": "failed", "threshold_percent": 10, "min_finished": 20, "scope": "wave", "action": "pause"},
		map[string]any{"threshold_percent": 25, "min_finished": 50}},
	"retry":    map[string]any{"on": []any{"timed_out"}, "max_attempts": 3, "backoff_seconds": 30},
	"conflict": "queue",
}

// policyOf is policyBody as the domain reads it.
func policyOf(t *testing.T) domain.RolloutPolicy {
	t.Helper()
	raw, err := json.Marshal(policyBody)
	if err != nil {
		t.Fatal(err)
	}
	var p domain.RolloutPolicy
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// A rollout_policy sent on create reaches the command as sent; on PUT it
// replaces the policy and null removes it; a campaign shows its policy,
// normalized, with its pause and waves, and null for what it has not.
func TestARolloutPolicyRoundTrips(t *testing.T) {
	a := newAPI(t)
	var created []commands.CreateCampaign
	var edits []commands.EditCampaign
	a.ports.createCampaign = func(c commands.CreateCampaign) (commands.Result, error) {
		created = append(created, c)
		return commands.Result{}, nil
	}
	a.ports.editCampaign = func(c commands.EditCampaign) (commands.Result, error) {
		edits = append(edits, c)
		return commands.Result{}, nil
	}
	body := campaignBody("waves", "m1")
	body["rollout_policy"] = policyBody
	a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", body)
	a.Must(http.StatusOK, "PUT", "/v3/update-campaigns/c1", map[string]any{"rollout_policy": policyBody})
	a.Must(http.StatusOK, "PUT", "/v3/update-campaigns/c1", map[string]any{"rollout_policy": nil})
	a.Must(http.StatusOK, "PUT", "/v3/update-campaigns/c1", map[string]any{"description": "no policy change"})
	want := policyOf(t)
	if len(created) != 1 || created[0].Spec.Rollout == nil || !cmp.Equal(*created[0].Spec.Rollout, want) {
		t.Fatalf("create sent %+v, want the policy %+v", created, want)
	}
	gotEdits := []*domain.RolloutPolicy{}
	for _, e := range edits {
		gotEdits = append(gotEdits, e.Edit.Rollout)
	}
	if diff := cmp.Diff([]*domain.RolloutPolicy{&want, {}, nil}, gotEdits); diff != "" {
		t.Errorf("edits' policies (-want +got):\n%s", diff)
	}

	shown := want.Normalized()
	pausedAt := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		c := draftCampaign(account, id)
		if id == "c1" {
			c.Phase, c.State, c.HealthIndicator, c.RolloutPolicy = domain.PhaseActive, domain.StateDeploying, projections.HealthWarning, &shown
			c.Paused, c.PauseCause, c.PauseReason, c.PausedAt, c.Wave, c.WaveSizes = true, "user", "night", &pausedAt, 2, []int{10, 45, 45}
		}
		return c, nil
	}
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/c1", nil))
	wantPolicy := map[string]any{}
	raw, _ := json.Marshal(shown)
	if err := json.Unmarshal(raw, &wantPolicy); err != nil {
		t.Fatal(err)
	}
	wantShown := map[string]any{"rollout_policy": wantPolicy, "paused": true, "pause_cause": "user", "pause_reason": "night",
		"paused_at": "2026-01-02T03:04:05Z", "wave": 2.0, "waves": []any{10.0, 45.0, 45.0}, "phase": "active", "state": "deploying",
		"health_indicator": "warning"}
	if diff := cmp.Diff(wantShown, apitest.Pick(got, wantShown)); diff != "" {
		t.Errorf("the paused campaign shows (-want +got):\n%s", diff)
	}
	if rp := wantPolicy["waves"].([]any)[0].(map[string]any)["success_percent"]; rp != 95.0 {
		t.Errorf("the first wave's success_percent is %v, want the default 95 filled in", rp)
	}
	none := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/update-campaigns/c2", nil))
	wantNone := map[string]any{"rollout_policy": nil, "paused": false, "pause_cause": "", "pause_reason": "", "paused_at": nil, "wave": 0.0, "waves": nil}
	if diff := cmp.Diff(wantNone, apitest.Pick(none, wantNone)); diff != "" {
		t.Errorf("a campaign without a policy shows (-want +got):\n%s", diff)
	}
}

// A policy that is wrong answers 400 naming each wrong field by its path
// in the body, on create (checked before the command) and on edit (by the
// command), and nothing is recorded.
func TestABadRolloutPolicyNamesItsFields(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy any
		want   []string
	}{
		{"values out of range, every one named", map[string]any{
			"waves":    []any{map[string]any{"percent": 10}, map[string]any{"percent": 10, "count": 5}, map[string]any{"percent": 150}},
			"rate":     map[string]any{"exponential": map[string]any{"base_per_minute": 10, "factor": 9, "increase_on": "sometimes", "every": 1}},
			"abort":    []any{map[string]any{"threshold_percent": 0, "action": "explode"}},
			"retry":    map[string]any{"max_attempts": 0},
			"conflict": "fight"},
			[]string{"rollout_policy.waves[1].percent", "rollout_policy.waves[2].percent", "rollout_policy.rate.exponential.factor",
				"rollout_policy.rate.exponential.increase_on", "rollout_policy.abort[0].threshold_percent", "rollout_policy.abort[0].action",
				"rollout_policy.retry.max_attempts", "rollout_policy.conflict"}},
		{"a field of the wrong type", map[string]any{"rate": map[string]any{"per_minute": "fast"}}, []string{"rollout_policy.rate.per_minute"}},
		{"a field no policy has", map[string]any{"wavez": []any{}}, []string{"rollout_policy.wavez"}},
		{"not an object", []any{1, 2}, []string{"rollout_policy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, store, id := rolloutAPI(t)
			before := len(recorded(t, store))
			body := campaignBody("bad", "m1")
			body["rollout_policy"] = tc.policy
			e := apitest.ErrorOf(t, a.Call("POST", "/v3/update-campaigns", acmeKey, body), http.StatusBadRequest)
			if diff := cmp.Diff(tc.want, e.FieldNames()); diff != "" {
				t.Errorf("fields of the create's error (-want +got):\n%s", diff)
			}
			e = apitest.ErrorOf(t, a.Call("PUT", "/v3/update-campaigns/"+string(id), acmeKey, map[string]any{"rollout_policy": tc.policy}), http.StatusBadRequest)
			if diff := cmp.Diff(tc.want, e.FieldNames()); diff != "" {
				t.Errorf("fields of the edit's error (-want +got):\n%s", diff)
			}
			if after := len(recorded(t, store)); after != before {
				t.Errorf("%d events recorded for a bad policy", after-before)
			}
		})
	}
}

// rolloutAPI is the API on the real commands with one manifest and one
// draft campaign of acme; it returns the campaign's path.
func rolloutAPI(t *testing.T) (*api, *memstore.Store, domain.CampaignID) {
	t.Helper()
	a, store, v2 := v2Lifecycle(t)
	return a, store, domain.CampaignID(v2[len("/api/v2/campaigns/"):])
}

// activate plays a campaign's way from draft to active.
func activate(t *testing.T, store *memstore.Store, id domain.CampaignID) {
	t.Helper()
	now := time.Now()
	given(t, store, domain.CampaignStream(id), domain.CampaignStartRequested{Phase: domain.PhaseStarting, At: now},
		domain.CampaignQuotaAllocated{At: now}, domain.CampaignManifestChecked{ManifestTimestamp: now, At: now},
		domain.CampaignBatchProcessed{Batch: 1, Enrolled: 3, Cursor: "d3", Last: true, At: now},
		domain.CampaignPublishing{At: now}, domain.CampaignDeploying{At: now})
}

// The policy is set in draft only, as every field but name and
// description: an active campaign's answers 400 naming rollout_policy.
func TestARolloutPolicyIsEditedInDraftOnly(t *testing.T) {
	a, store, id := rolloutAPI(t)
	path := "/v3/update-campaigns/" + string(id)
	a.Must(http.StatusOK, "PUT", path, map[string]any{"rollout_policy": policyBody})
	activate(t, store, id)
	e := apitest.ErrorOf(t, a.Call("PUT", path, acmeKey, map[string]any{"rollout_policy": nil}), http.StatusBadRequest)
	if diff := cmp.Diff([]string{"rollout_policy"}, e.FieldNames()); diff != "" {
		t.Errorf("fields of the error (-want +got):\n%s", diff)
	}
	a.Must(http.StatusOK, "PUT", path, map[string]any{"rollout_policy": policyBody, "description": "same policy sent back"})
}

// Approve, pause and resume answer 202 with the campaign; a pause takes
// an optional reason; a campaign that cannot move so answers 409, another
// account's 404, and nothing is recorded for either.
func TestApprovePauseAndResume(t *testing.T) {
	a, store, id := rolloutAPI(t)
	path := "/v3/update-campaigns/" + string(id)
	stream := domain.CampaignStream(id)
	for _, action := range []string{"/approve", "/pause", "/resume"} {
		apitest.ErrorOf(t, a.Call("POST", path+action, acmeKey, nil), http.StatusConflict)
		apitest.ErrorOf(t, a.Call("POST", path+action, globexKey, nil), http.StatusNotFound)
	}
	activate(t, store, id)
	before := len(eventsOf(t, store, stream))
	apitest.ErrorOf(t, a.Call("POST", path+"/pause", globexKey, map[string]any{"reason": "theirs"}), http.StatusNotFound)
	apitest.ErrorOf(t, a.Call("POST", path+"/pause", acmeKey, map[string]any{"reason": 7}), http.StatusBadRequest)
	if got := apitest.Object(t, a.Must(http.StatusAccepted, "POST", path+"/pause", map[string]any{"reason": "night"})); got["id"] != string(id) {
		t.Errorf("pause answered %v, want the campaign", got)
	}
	a.Must(http.StatusAccepted, "POST", path+"/pause", nil) // already paused: nothing recorded
	apitest.ErrorOf(t, a.Call("POST", path+"/resume", globexKey, nil), http.StatusNotFound)
	a.Must(http.StatusAccepted, "POST", path+"/resume", nil)
	apitest.ErrorOf(t, a.Call("POST", path+"/resume", acmeKey, nil), http.StatusConflict)
	a.Must(http.StatusAccepted, "POST", path+"/pause", nil)
	events := decoded(t, store, stream)[before:]
	want := []domain.Event{domain.CampaignPaused{Cause: domain.PausedByUser, Reason: "night"}, domain.CampaignResumed{},
		domain.CampaignPaused{Cause: domain.PausedByUser, Reason: "paused by a user"}}
	if diff := cmp.Diff(want, events, cmpopts.IgnoreFields(domain.CampaignPaused{}, "At"), cmpopts.IgnoreFields(domain.CampaignResumed{}, "At")); diff != "" {
		t.Errorf("events recorded (-want +got):\n%s", diff)
	}
}

// A campaign awaiting approval is approved: 202, and it starts.
func TestApproveStartsACampaignAwaitingApproval(t *testing.T) {
	a, store, id := rolloutAPI(t)
	path := "/v3/update-campaigns/" + string(id)
	a.Must(http.StatusOK, "PUT", path, map[string]any{"approval_required": true})
	a.Must(http.StatusAccepted, "POST", path+"/start", nil)
	apitest.ErrorOf(t, a.Call("POST", path+"/approve", globexKey, nil), http.StatusNotFound)
	a.Must(http.StatusAccepted, "POST", path+"/approve", nil)
	apitest.ErrorOf(t, a.Call("POST", path+"/approve", acmeKey, nil), http.StatusConflict)
	got := eventsOf(t, store, domain.CampaignStream(id))
	want := []string{"CampaignCreated", "CampaignEdited", "CampaignStartRequested", "CampaignApproved"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// Campaigner's create takes the policy as rolloutPolicy, /v3's object; a
// wrong one answers invalid_entity naming the field by its /v3 path.
func TestCampaignerCreateTakesARolloutPolicy(t *testing.T) {
	a := newAPI(t)
	var got []commands.CreateCampaign
	a.ports.createCampaign = func(c commands.CreateCampaign) (commands.Result, error) {
		got = append(got, c)
		return commands.Result{}, nil
	}
	body := map[string]any{"name": "lab", "update": v2Update, "groups": []string{"lab"}, "rolloutPolicy": policyBody}
	a.Must(http.StatusCreated, "POST", "/api/v2/campaigns", body)
	if want := policyOf(t); len(got) != 1 || got[0].Spec.Rollout == nil || !cmp.Equal(*got[0].Spec.Rollout, want) {
		t.Fatalf("create sent %+v, want the policy %+v", got, want)
	}
	body["name"], body["rolloutPolicy"] = "bad", map[string]any{"conflict": "fight"}
	e := apitest.CampaignerErrorOf(t, a.Call("POST", "/api/v2/campaigns", acmeKey, body), http.StatusBadRequest, "invalid_entity")
	if !strings.Contains(e.Description, "rollout_policy.conflict") || len(got) != 1 {
		t.Errorf("a bad policy: %q, %d creates; want invalid_entity naming rollout_policy.conflict and no create", e.Description, len(got)-1)
	}
}
