package http_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// retryPath is the retry-failed route of v2Campaign1.
const retryPath = "/api/v2/campaigns/" + v2Campaign1 + "/retry-failed"

// launched makes every campaign of p a launched one, which a retry takes.
func launched(p *ports) {
	p.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		c := draftCampaign(account, id)
		c.Phase, c.State, c.CampaignerStatus = domain.PhaseActive, domain.StateDeploying, domain.CampaignLaunched
		return c, nil
	}
}

// A retry-failed hands the command every failed device of that code, read
// page after page, and answers 201 with the new campaign's dashed id.
func TestRetryFailedRetriesTheDevicesOfTheCode(t *testing.T) {
	a := newAPI(t)
	launched(a.ports)
	largest := 0
	a.ports.failedInstallations = failedDevices(2500, &largest)
	var got commands.RetryFailedCampaign
	a.ports.retryFailed = func(c commands.RetryFailedCampaign) (commands.Result, error) {
		got = c
		return commands.Result{}, nil
	}
	rec := a.Must(http.StatusCreated, "POST", retryPath, map[string]any{"failureCode": "101"})
	var id string
	if err := json.Unmarshal(rec.Body.Bytes(), &id); err != nil || len(id) != 36 || id != uuid.MustParse(string(got.CampaignID)).String() {
		t.Errorf("answer %s (%v), want the new campaign's dashed id %s", rec.Body, err, got.CampaignID)
	}
	if got.MainCampaignID != "0157f3a2b6c94d5e8f0a1b2c3d4e5f60" || got.FailureCode != "101" {
		t.Errorf("retried %s code %q, want the main campaign and 101", got.MainCampaignID, got.FailureCode)
	}
	if len(got.Devices) != 1250 || got.Devices[0] != "d00001" || got.Devices[1249] != "d02499" {
		t.Errorf("%d devices from %v, want the 1250 odd devices d00001…d02499", len(got.Devices), got.Devices[:min(2, len(got.Devices))])
	}
}

// Each documented error of retry-failed, in Campaigner's shape.
func TestRetryFailedErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   any
		setup  func(p *ports)
		status int
		code   string
	}{
		{name: "no device failed with the code", body: map[string]any{"failureCode": "42"},
			status: http.StatusPreconditionFailed, code: "missing_failed_devices"},
		{name: "a failure code is required", body: map[string]any{},
			status: http.StatusBadRequest, code: "invalid_entity"},
		{name: "a missing campaign", body: map[string]any{"failureCode": "101"}, setup: func(p *ports) {
			p.campaign = func(_ domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
				return projections.Campaign{}, domain.NotFoundError{Object: "campaign", ID: string(id)}
			}
		}, status: http.StatusNotFound, code: "missing_entity"},
		{name: "a code retried before", body: map[string]any{"failureCode": "101"}, setup: func(p *ports) {
			p.nameInUse = func(_ domain.AccountID, name string, _ domain.CampaignID) (bool, error) {
				return name == "retryCampaignWith-mainCampaign-"+v2Campaign1+"-failureCode-101", nil
			}
		}, status: http.StatusConflict, code: "campaign_already_exists"},
		{name: "a prepared campaign is a conflict before any read of its devices", body: map[string]any{"failureCode": "101"}, setup: func(p *ports) {
			p.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
				return projections.Campaign{ID: id, AccountID: account, CampaignerStatus: domain.CampaignPrepared}, nil
			}
			p.failedInstallations = nil
		}, status: http.StatusConflict, code: "conflicting_entity"},
		{name: "a campaign the command finds prepared is a conflict", body: map[string]any{"failureCode": "101"}, setup: func(p *ports) {
			p.retryFailed = func(commands.RetryFailedCampaign) (commands.Result, error) {
				return commands.Result{}, domain.InvalidTransitionError{Object: "campaign", From: "draft/draft", To: "retried"}
			}
		}, status: http.StatusConflict, code: "conflicting_entity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t)
			launched(a.ports)
			largest := 0
			a.ports.failedInstallations = failedDevices(10, &largest)
			if tc.setup != nil {
				tc.setup(a.ports)
			}
			apitest.CampaignerErrorOf(t, a.Call("POST", retryPath, acmeKey, tc.body), tc.status, tc.code)
			for _, c := range a.ports.called() {
				if c.Method == "RetryFailedCampaign" && tc.code != "conflicting_entity" {
					t.Errorf("the command ran, want it refused before")
				}
			}
		})
	}
}
