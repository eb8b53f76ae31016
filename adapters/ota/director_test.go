package ota_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/domain"
)

// call is a request the fake Director took.
type call struct {
	method, namespace string
	body              any
}

// director answers every assignment call with the devices it was given
// but the first, and records the calls.
func director(t *testing.T) (*ota.Director, *[]call) {
	var calls []call
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/assignments" || r.Header.Get("Content-Type") != "application/json" {
			http.NotFound(w, r)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var body any
		_ = json.Unmarshal(raw, &body)
		calls = append(calls, call{r.Method, r.Header.Get("x-ats-namespace"), body})
		devices, _ := body.([]any)
		if m, ok := body.(map[string]any); ok {
			devices, _ = m["devices"].([]any)
		}
		_ = json.NewEncoder(w).Encode(devices[1:])
	}))
	t.Cleanup(s.Close)
	return ota.NewDirector(s.URL, ota.Options{}), &calls
}

func TestAssignSendsCampaignersAssignmentAndAnswersTheAffectedDevices(t *testing.T) {
	d, calls := director(t)
	got, err := d.Assign(context.Background(), "acme", "urn:here-ota:campaign:c1", "u1", []domain.DeviceID{"d1", "d2", "d3"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]domain.DeviceID{"d2", "d3"}, got); diff != "" {
		t.Errorf("affected (-want +got):\n%s", diff)
	}
	want := []call{{"POST", "acme", map[string]any{"correlationId": "urn:here-ota:campaign:c1", "devices": []any{"d1", "d2", "d3"},
		"mtuId": "u1", "dryRun": true}}}
	if diff := cmp.Diff(want, *calls, cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestCancelSendsTheDevicesAndAnswersTheCancelledOnes(t *testing.T) {
	d, calls := director(t)
	got, err := d.Cancel(context.Background(), "acme", []domain.DeviceID{"d1", "d2"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]domain.DeviceID{"d2"}, got); diff != "" {
		t.Errorf("cancelled (-want +got):\n%s", diff)
	}
	want := []call{{"PATCH", "acme", []any{"d1", "d2"}}}
	if diff := cmp.Diff(want, *calls, cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
