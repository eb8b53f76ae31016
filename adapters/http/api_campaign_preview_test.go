package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Given a preview of 3 targeted devices in two waves, when acme asks for
// it, then the answer shows its counts with every skip reason, its waves,
// its duration in whole seconds rounded up, and its examples.
func TestAPreviewAnswersItsCountsWavesAndExamples(t *testing.T) {
	computed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	a := newAPI(t)
	a.ports.preview = func(account domain.AccountID, id domain.CampaignID) (*domain.CampaignPreview, error) {
		return &domain.CampaignPreview{CampaignID: id, Targeted: 3, Queued: 1,
			Skipped:           map[domain.SkipReason]int{domain.SkipDeviceClassMismatch: 2},
			Waves:             []domain.PlannedWave{{Wave: 1, Size: 1, SuccessPercent: 95, SoakSeconds: 60}, {Wave: 2, Size: 2, SuccessPercent: 95}},
			EstimatedDuration: 61*time.Second + time.Millisecond, TargetedExamples: []domain.DeviceID{"d1", "d2", "d3"},
			SkippedExamples: []domain.SkippedDevice{{DeviceID: "c1", Reason: domain.SkipDeviceClassMismatch}}, ComputedAt: computed}, nil
	}

	rec := a.Must(http.StatusOK, "POST", "/v3/update-campaigns/k1/preview", nil)

	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"object": "update-campaign-preview", "campaign_id": "k1", "targeted": 3.0, "queued": 1.0, "superseded": 0.0,
		"skipped": map[string]any{"already_updated": 0.0, "device_class_mismatch": 2.0, "deregistered": 0.0, "in_other_campaign": 0.0},
		"waves": []any{map[string]any{"wave": 1.0, "size": 1.0, "success_percent": 95.0, "soak_seconds": 60.0},
			map[string]any{"wave": 2.0, "size": 2.0, "success_percent": 95.0, "soak_seconds": 0.0}},
		"estimated_duration_seconds": 62.0,
		"examples": map[string]any{"targeted": []any{"d1", "d2", "d3"},
			"skipped": []any{map[string]any{"device_id": "c1", "reason": "device_class_mismatch"}}},
		"computed_at": "2026-03-01T11:00:00Z"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]call{{"PreviewCampaign", "acme"}}, a.ports.called()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// A preview of nothing answers empty lists, never null.
func TestAnEmptyPreviewAnswersEmptyLists(t *testing.T) {
	a := newAPI(t)
	rec := a.Must(http.StatusOK, "POST", "/v3/update-campaigns/k1/preview", nil)
	var got struct {
		Waves    []any `json:"waves"`
		Examples struct {
			Targeted []any `json:"targeted"`
			Skipped  []any `json:"skipped"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Waves == nil || got.Examples.Targeted == nil || got.Examples.Skipped == nil {
		t.Errorf("body %s: want [] for the waves and examples", rec.Body)
	}
}

// The domain's refusals answer as every other route's: a campaign past
// draft 409, another account's campaign 404.
func TestAPreviewRefusedAnswersPelionsError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"a campaign past draft", domain.InvalidTransitionError{Object: "campaign", From: "active/deployed", To: "preview"}, http.StatusConflict},
		{"a campaign of another account", domain.NotFoundError{Object: "campaign", ID: "k1"}, http.StatusNotFound},
		{"a campaign of the Registry's groups", domain.ConflictError{Reason: "groups"}, http.StatusConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t)
			a.ports.preview = func(domain.AccountID, domain.CampaignID) (*domain.CampaignPreview, error) { return nil, tc.err }
			a.Must(tc.status, "POST", "/v3/update-campaigns/k1/preview", nil)
		})
	}
}

// A preview reads the catalog: it waits, as a read does, for the read
// models to reflect the account's writes (the devices just registered).
func TestAPreviewWaitsForTheAccountsWrites(t *testing.T) {
	var reached eventstore.Position
	a := newAPI(t, func(d *httpapi.Deps) {
		d.WaitFor = func(_ context.Context, pos eventstore.Position) error { reached = pos; return nil }
	})
	a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": "dev-1"})
	a.ports.preview = func(_ domain.AccountID, id domain.CampaignID) (*domain.CampaignPreview, error) {
		if reached == (eventstore.Position{}) {
			t.Error("the preview read the catalog before the read models reached the device's registration")
		}
		return &domain.CampaignPreview{CampaignID: id}, nil
	}
	a.Must(http.StatusOK, "POST", "/v3/update-campaigns/k1/preview", nil)
}
