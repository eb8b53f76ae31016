package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// A device's campaigns answer in Campaigner's shape, read in the caller's
// account; a device in none answers an empty list.
func TestCampaignerDeviceCampaigns(t *testing.T) {
	a := newAPI(t)
	a.ports.deviceCampaigns = func(account domain.AccountID, device domain.DeviceID) ([]projections.DeviceCampaign, error) {
		if account != "acme" || device != "d1" {
			return nil, nil
		}
		return []projections.DeviceCampaign{{ID: "0157f3a2b6c94d5e8f0a1b2c3d4e5f60", Name: "lab",
			Metadata: []domain.CampaignMetadata{{Type: domain.MetadataDescription, Value: "x"}}}}, nil
	}
	got := apitest.Object(t, a.Must(http.StatusOK, "GET", "/api/v2/device/d1/campaigns", nil))
	want := map[string]any{"deviceId": "d1", "campaigns": []any{map[string]any{"id": v2Campaign1, "name": "lab", "size": nil,
		"metadata": []any{map[string]any{"type": "DESCRIPTION", "value": "x"}}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("d1's campaigns (-want +got):\n%s", diff)
	}
	for _, key := range []string{acmeKey, globexKey} {
		path := map[string]string{acmeKey: "/api/v2/device/d9/campaigns", globexKey: "/api/v2/device/d1/campaigns"}[key]
		rec := a.Call("GET", path, key, nil)
		if got := apitest.Object(t, rec); rec.Code != http.StatusOK || fmt.Sprint(got["campaigns"]) != "[]" {
			t.Errorf("GET %s with %s: %d %v, want 200 and no campaigns", path, key, rec.Code, got)
		}
	}
}

// failedDevices fakes a campaign of n failed devices d00001… of codes
// "101" and "INSTALL_FAILED" in turn, served page by page as asked; it
// keeps the largest page asked for.
func failedDevices(n int, largest *int) func(domain.AccountID, domain.CampaignID, domain.DeviceID, int) ([]projections.FailedInstallation, error) {
	return func(_ domain.AccountID, _ domain.CampaignID, after domain.DeviceID, limit int) ([]projections.FailedInstallation, error) {
		*largest = max(*largest, limit)
		var page []projections.FailedInstallation
		for i := 1; i <= n && len(page) < limit; i++ {
			id := domain.DeviceID(fmt.Sprintf("d%05d", i))
			if id <= after {
				continue
			}
			code := map[bool]string{true: "101", false: "INSTALL_FAILED"}[i%2 == 1]
			page = append(page, projections.FailedInstallation{DeviceID: id, FailureCode: code, Description: "failed; badly"})
		}
		return page, nil
	}
}

// The failed installations stream as Campaigner's CSV, page by page,
// filtered by failureCode when given; another account's or an unknown
// campaign is missing.
func TestCampaignerFailedInstallationsCSV(t *testing.T) {
	a := newAPI(t)
	largest := 0
	a.ports.failedInstallations = failedDevices(2500, &largest)
	a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
		if account != "acme" {
			return projections.Campaign{}, domain.NotFoundError{Object: "campaign", ID: string(id)}
		}
		return draftCampaign(account, id), nil
	}
	path := "/api/v2/campaigns/" + v2Campaign1 + "/failed-installations.csv"
	for _, tc := range []struct {
		query string
		rows  int
	}{{"", 2500}, {"?failureCode=INSTALL_FAILED", 1250}, {"?failureCode=42", 0}} {
		rec := a.Must(http.StatusOK, "GET", path+tc.query, nil)
		lines := strings.Split(strings.TrimSuffix(rec.Body.String(), "\n"), "\n")
		if lines[0] != "Device ID;Failure Code;Failure Description" || len(lines) != tc.rows+1 {
			t.Errorf("GET %s: %d lines starting %q, want the header and %d rows", tc.query, len(lines), lines[0], tc.rows)
		}
		if tc.query == "" && lines[1] != `d00001;101;"failed; badly"` {
			t.Errorf("first row %q", lines[1])
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type %q", ct)
		}
	}
	if largest > 1000 {
		t.Errorf("asked for pages of %d devices, want at most 1,000", largest)
	}
	apitest.CampaignerErrorOf(t, a.Call("GET", path, globexKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("GET", "/api/v2/campaigns/campaign-1/failed-installations.csv", acmeKey, nil), http.StatusNotFound, "missing_entity")
}
