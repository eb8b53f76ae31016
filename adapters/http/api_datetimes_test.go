package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// Generated Pelion clients parse every date-time field strictly: each
// /v3 object's date-time fields, and any other field named *_at, are
// RFC 3339 date-times, or null where the field may be unset (never "" or
// "0"), in a campaign that has not started as in one that has finished.
func TestEveryV3DateTimeFieldIsADateTimeOrNull(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 123000000, time.FixedZone("CET", 3600))
	finished := projections.Campaign{Phase: domain.PhaseStopped, State: domain.StateDeployed, CreatedAt: at, UpdatedAt: at,
		When: &at, StartingAt: &at, StartedAt: &at, ActiveAt: &at, StoppingAt: &at, StoppedAt: &at, Finished: &at}
	for _, c := range []struct {
		name     string
		campaign projections.Campaign
		path     string
		// dateTimes must be date-times; nullable may also be null.
		dateTimes, nullable []string
	}{
		{"a draft campaign", projections.Campaign{Phase: domain.PhaseDraft, State: domain.StateDraft},
			"/v3/update-campaigns/c1", []string{"created_at", "updated_at"},
			[]string{"when", "starting_at", "started_at", "active_at", "stopping_at", "stopped_at", "archived_at", "finished"}},
		{"a finished campaign", finished, "/v3/update-campaigns/c1",
			[]string{"created_at", "updated_at", "when", "starting_at", "started_at", "active_at", "stopping_at", "stopped_at", "finished"},
			[]string{"archived_at"}},
		{"a device's campaign metadata", finished, "/v3/update-campaigns/c1/campaign-device-metadata/m1",
			[]string{"created_at", "updated_at"}, nil},
		{"a statistics summary", finished, "/v3/update-campaigns/c1/statistics/fail", []string{"created_at"}, nil},
		{"a statistics event type", finished, "/v3/update-campaigns/c1/statistics/fail/event_types/sys_120", []string{"created_at"}, nil},
		{"the metrics", finished, "/v3/update-campaigns/c1/metrics", []string{"created_at"}, nil},
		{"a manifest", finished, "/v3/firmware-manifests/m1", []string{"created_at", "updated_at", "timestamp", "etag"}, nil},
		{"a device", finished, "/v3/devices/d1", []string{"created_at", "updated_at"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newAPI(t)
			a.ports.campaign = func(account domain.AccountID, id domain.CampaignID) (projections.Campaign, error) {
				k := c.campaign
				k.ID, k.AccountID = id, account
				return k, nil
			}
			object := apitest.Object(t, a.Must(http.StatusOK, "GET", c.path, nil))
			for _, f := range c.dateTimes {
				checkDateTime(t, object, f, false)
			}
			for _, f := range c.nullable {
				checkDateTime(t, object, f, true)
			}
			for f := range object {
				if strings.HasSuffix(f, "_at") {
					checkDateTime(t, object, f, true)
				}
			}
		})
	}
}

// A firmware image's date-times, and its etag, are date-times too.
func TestAFirmwareImagesDateTimesAreDateTimes(t *testing.T) {
	a := newImageAPI(t)
	body, ctype := upload(t, "sensor-2.bin", firmware())
	id := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-images", body, "Content-Type", ctype))["id"].(string)
	object := apitest.Object(t, a.Must(http.StatusOK, "GET", "/v3/firmware-images/"+id, nil))
	for _, f := range []string{"created_at", "updated_at", "etag"} {
		checkDateTime(t, object, f, false)
	}
}

// checkDateTime fails unless object's field is an RFC 3339 date-time, or
// null when nullable.
func checkDateTime(t *testing.T, object map[string]any, field string, nullable bool) {
	t.Helper()
	v, ok := object[field]
	switch s, isText := v.(string); {
	case !ok:
		t.Errorf("%s is missing", field)
	case v == nil && nullable:
	case !isText:
		t.Errorf("%s = %v, want an RFC 3339 date-time", field, v)
	default:
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("%s = %q, want an RFC 3339 date-time: %v", field, s, err)
		}
	}
}
