package http_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// Older Pelion SDKs start a campaign by a PUT with "state":"scheduled": on
// a draft the PUT edits, then starts it, and answers the campaign; past
// draft it sends only the start, whose refusal it answers; the campaign's
// own state changes nothing, and any other state is refused before any
// command.
func TestAPutOfStateScheduledStartsADraft(t *testing.T) {
	for _, c := range []struct {
		name   string
		phase  domain.Phase
		state  domain.State
		body   map[string]any
		status int
		wrote  []string
	}{
		{"scheduled on a draft edits, then starts", domain.PhaseDraft, domain.StateDraft,
			map[string]any{"state": "scheduled", "description": "go"}, http.StatusOK, []string{"EditCampaign", "StartCampaign"}},
		{"scheduled past draft is the start's refusal", domain.PhaseActive, domain.StateDeploying,
			map[string]any{"state": "scheduled", "description": "go"}, http.StatusConflict, []string{"StartCampaign"}},
		{"scheduled on a scheduled campaign only edits", domain.PhaseTimed, domain.StateScheduled,
			map[string]any{"state": "scheduled", "description": "go"}, http.StatusOK, []string{"EditCampaign"}},
		{"the campaign's own state only edits", domain.PhaseDraft, domain.StateDraft,
			map[string]any{"state": "draft", "description": "go"}, http.StatusOK, []string{"EditCampaign"}},
		{"another state is refused", domain.PhaseDraft, domain.StateDraft,
			map[string]any{"state": "userstopped"}, http.StatusBadRequest, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newAPI(t)
			started := false
			a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
				if started {
					return projections.Campaign{ID: id, AccountID: account, Phase: domain.PhaseStarting, State: domain.StateAllocatingQuota}, nil
				}
				return projections.Campaign{ID: id, AccountID: account, Phase: c.phase, State: c.state}, nil
			}
			a.ports.startCampaign = func(commands.StartCampaign) (commands.Result, error) {
				if c.phase != domain.PhaseDraft {
					return commands.Result{}, domain.InvalidTransitionError{Object: "campaign", From: string(c.state), To: "started"}
				}
				started = true
				return commands.Result{}, nil
			}
			rec := a.Call("PUT", "/v3/update-campaigns/campaign-1", acmeKey, c.body)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if c.status == http.StatusBadRequest {
				if e := apitest.ErrorOf(t, rec, c.status); !slices.Equal(e.FieldNames(), []string{"state"}) {
					t.Errorf("error %+v, want one naming state", e)
				}
			}
			if started && apitest.Object(t, rec)["phase"] != "starting" {
				t.Errorf("answered %s, want the started campaign", rec.Body)
			}
			if diff := cmp.Diff(c.wrote, a.ports.wrote()); diff != "" {
				t.Errorf("writes (-want +got):\n%s", diff)
			}
		})
	}
}

// Through the real commands, a PUT of "scheduled" sent with an
// Idempotency-Key records both the edit and the start: the two commands'
// event ids differ although both derive from the key.
func TestAPutOfStateScheduledWithAnIdempotencyKeyRecordsTheStart(t *testing.T) {
	a, store, path := v2Lifecycle(t)
	id := path[len("/api/v2/campaigns/"):]
	a.Must(http.StatusOK, "PUT", "/v3/update-campaigns/"+id, map[string]any{"state": "scheduled", "description": "go"},
		"Idempotency-Key", "start-by-put")
	got := eventsOf(t, store, string(domain.CampaignStream(domain.CampaignID(id))))
	want := []string{"CampaignCreated", "CampaignEdited", "CampaignStartRequested"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
