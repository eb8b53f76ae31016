package http_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// An edit sends the If-Match etag to the command, which refuses a stale
// one; a header that is no etag is refused before any command.
func TestCampaignUpdatesHonourIfMatch(t *testing.T) {
	a := newAPI(t)
	var etag uint64
	var sent []commands.EditCampaign
	a.ports.editCampaign = func(c commands.EditCampaign) (commands.Result, error) {
		sent = append(sent, c)
		if c.IfMatch != nil && *c.IfMatch != etag {
			return commands.Result{}, domain.ConflictError{Reason: "the campaign changed since that etag"}
		}
		etag++
		return commands.Result{}, nil
	}
	path := "/v3/update-campaigns/campaign-1"
	// Clients send the object back with its read-only fields: ignored.
	c := apitest.Object(t, a.Must(http.StatusOK, "GET", path, nil))
	c["description"] = "new words"
	c["when"] = "2030-01-02T03:04:05Z"
	a.Must(http.StatusOK, "PUT", path, c, "If-Match", `"0"`)
	apitest.ErrorOf(t, a.Call("PUT", path, acmeKey, map[string]any{"description": "stale"}, "If-Match", "0"), http.StatusConflict)
	apitest.ErrorOf(t, a.Call("PUT", path, acmeKey, map[string]any{"description": "bad"}, "If-Match", "yesterday"), http.StatusBadRequest)
	a.Must(http.StatusOK, "PUT", path, map[string]any{"when": nil})

	type edit struct {
		IfMatch     *uint64
		Description *string
		When        *time.Time
	}
	var got []edit
	for _, c := range sent {
		got = append(got, edit{c.IfMatch, c.Edit.Description, c.Edit.When})
	}
	zero, when := uint64(0), time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	words, stale := "new words", "stale"
	want := []edit{{&zero, &words, &when}, {&zero, &stale, nil}, {nil, nil, &time.Time{}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("edits sent (-want +got):\n%s", diff)
	}
}

// Start, stop and archive answer 202 with the campaign as read after the
// command; a command's refusal answers 409; a delete answers 204.
func TestStartAndStopAnswer202(t *testing.T) {
	a := newAPI(t)
	started := false
	a.ports.startCampaign = func(commands.StartCampaign) (commands.Result, error) {
		if started {
			return commands.Result{}, domain.ConflictError{Reason: "the campaign is not a draft"}
		}
		started = true
		return commands.Result{}, nil
	}
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		c := draftCampaign(account, id)
		if started {
			c.Phase, c.State = domain.PhaseStarting, domain.StateAllocatingQuota
		}
		return c, nil
	}
	path := "/v3/update-campaigns/campaign-1"
	got := apitest.Object(t, a.Must(http.StatusAccepted, "POST", path+"/start", nil))
	if got["id"] != "campaign-1" || got["phase"] != "starting" || got["state"] != "allocatingquota" {
		t.Errorf("started = %v", got)
	}
	apitest.ErrorOf(t, a.Call("POST", path+"/start", acmeKey, nil), http.StatusConflict)
	a.Must(http.StatusAccepted, "POST", path+"/stop", nil)
	a.Must(http.StatusAccepted, "POST", path+"/archive", nil)
	if rec := a.Must(http.StatusNoContent, "DELETE", path, nil); rec.Body.Len() != 0 {
		t.Errorf("DELETE answered a body: %s", rec.Body)
	}
	want := []string{"StartCampaign", "StartCampaign", "StopCampaign", "ArchiveCampaign", "DeleteCampaign"}
	if diff := cmp.Diff(want, a.ports.wrote()); diff != "" {
		t.Errorf("writes sent (-want +got):\n%s", diff)
	}
}
