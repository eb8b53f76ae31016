package http_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/adapters/http/apitest"
	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// v2Lifecycle is an API whose writes are the real commands on a store in
// memory, holding one prepared campaign of acme; it returns the
// campaign's /api/v2 path too.
func v2Lifecycle(t *testing.T) (*api, *memstore.Store, string) {
	t.Helper()
	store := memstore.New()
	a := newAPI(t, withCommands(store))
	m := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/firmware-manifests", map[string]any{"name": "m", "device_class": "c",
		"delivered_payload_type": "full", "delivered_payload_url": "https://fw.example/1.bin", "delivered_payload_digest": "d", "delivered_payload_size": 1}))
	c := apitest.Object(t, a.Must(http.StatusCreated, "POST", "/v3/update-campaigns", campaignBody("lab", m["id"].(string))))
	return a, store, "/api/v2/campaigns/" + c["id"].(string)
}

// eventsOf returns the names of the events of stream in store.
func eventsOf(t *testing.T, store *memstore.Store, stream string) []string {
	t.Helper()
	var names []string
	for _, e := range decoded(t, store, stream) {
		names = append(names, e.Name())
	}
	return names
}

// v2Unknown is a campaign id no account has.
const v2Unknown = "00000000-0000-4000-8000-000000000000"

// A launch starts a prepared campaign: 200; launching it again, before or
// after its cancel, answers campaign_already_launched; another account's
// or an unknown campaign is missing.
func TestCampaignerLaunch(t *testing.T) {
	a, _, path := v2Lifecycle(t)
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/launch", globexKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("POST", "/api/v2/campaigns/"+v2Unknown+"/launch", acmeKey, nil), http.StatusNotFound, "missing_entity")
	if rec := a.Must(http.StatusOK, "POST", path+"/launch", nil); rec.Body.Len() != 0 {
		t.Errorf("launch answered %q, want no body", rec.Body)
	}
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/launch", acmeKey, nil), http.StatusConflict, "campaign_already_launched")
	a.Must(http.StatusOK, "POST", path+"/cancel", nil)
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/launch", acmeKey, nil), http.StatusConflict, "campaign_already_launched")
}

// A cancel stops a launched campaign as its user's stop: 200; asked
// again while it stops, 200 again. Another account's or an unknown
// campaign is missing.
func TestCampaignerCancel(t *testing.T) {
	a, store, path := v2Lifecycle(t)
	a.Must(http.StatusOK, "POST", path+"/launch", nil)
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/cancel", globexKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("POST", "/api/v2/campaigns/"+v2Unknown+"/cancel", acmeKey, nil), http.StatusNotFound, "missing_entity")
	a.Must(http.StatusOK, "POST", path+"/cancel", nil)
	a.Must(http.StatusOK, "POST", path+"/cancel", nil) // while it stops, a cancel again records nothing

	events := eventsOf(t, store, domain.CampaignStream(campaignOf(path)))
	want := []string{"CampaignCreated", "CampaignStartRequested", "CampaignStopRequested"}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("campaign events (-want +got):\n%s", diff)
	}
}

// A cancel of a prepared campaign stops it at once, as Campaigner
// cancelled it (200): it is then neither launched nor cancelled again.
func TestCampaignerCancelOfAPreparedCampaign(t *testing.T) {
	a, store, path := v2Lifecycle(t)
	a.Must(http.StatusOK, "POST", path+"/cancel", nil)
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/cancel", acmeKey, nil), http.StatusConflict, "conflicting_entity")
	apitest.CampaignerErrorOf(t, a.Call("POST", path+"/launch", acmeKey, nil), http.StatusConflict, "campaign_already_launched")

	events := eventsOf(t, store, domain.CampaignStream(campaignOf(path)))
	want := []string{"CampaignCreated", "CampaignStopped"}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("campaign events (-want +got):\n%s", diff)
	}
}

// Cancelling one device ends a pending update cancelled, records a
// request for the engine to cancel one under way (which stays as it is
// until then), leaves a finished one as it ended (200 each), and answers
// missing_entity for a device without an update in the campaign or
// another account's call.
func TestCampaignerCancelDevice(t *testing.T) {
	a, store, path := v2Lifecycle(t)
	campaign := campaignOf(path)
	for _, id := range []string{"d1", "d2", "d3", "d4"} {
		a.Must(http.StatusCreated, "POST", "/v3/devices", map[string]any{"id": id})
	}
	enrolled := domain.DeviceEnrolled{CampaignID: campaign, ManifestID: "m", At: time.Now()}
	given(t, store, domain.DeviceStream("acme", "d1"), enrolled)
	given(t, store, domain.DeviceStream("acme", "d2"), enrolled,
		domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdatePending, To: domain.UpdateDeployed, At: time.Now()})
	given(t, store, domain.DeviceStream("acme", "d4"), enrolled,
		domain.DeviceUpdateStateChanged{CampaignID: campaign, From: domain.UpdatePending, To: domain.UpdateScheduled, At: time.Now()})

	apitest.CampaignerErrorOf(t, a.Call("DELETE", path+"/devices/d1", globexKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("DELETE", path+"/devices/d3", acmeKey, nil), http.StatusNotFound, "missing_entity")
	apitest.CampaignerErrorOf(t, a.Call("DELETE", "/api/v2/campaigns/"+v2Unknown+"/devices/d1", acmeKey, nil), http.StatusNotFound, "missing_entity")
	for _, id := range []string{"d1", "d2", "d4"} {
		a.Must(http.StatusOK, "DELETE", path+"/devices/"+id, nil)
	}

	got := map[string]string{}
	for _, id := range []domain.DeviceID{"d1", "d2", "d4"} {
		d, err := domain.LoadDevice(decoded(t, store, domain.DeviceStream("acme", id)))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := d.Update(campaign)
		got[string(id)] = fmt.Sprintf("%s, cancel requested %v", u.State, u.CancelRequested)
	}
	want := map[string]string{"d1": "cancelled, cancel requested false", "d2": "deployed, cancel requested false",
		"d4": "scheduled, cancel requested true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
}

// campaignOf is the campaign id of a campaign's /api/v2 path.
func campaignOf(path string) domain.CampaignID {
	return domain.CampaignID(strings.TrimPrefix(path, "/api/v2/campaigns/"))
}

// decoded returns the events of stream in store.
func decoded(t *testing.T, store *memstore.Store, stream string) []domain.Event {
	t.Helper()
	recorded, err := store.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]domain.Event, len(recorded))
	for i, r := range recorded {
		if out[i], err = domain.DecodeEvent(r.Type, r.Data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// given appends events to stream in store, as history already there.
func given(t *testing.T, store *memstore.Store, stream string, events ...domain.Event) {
	t.Helper()
	for _, e := range events {
		name, body, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		data := eventstore.EventData{ID: uuid.New(), Type: name, Data: body, Metadata: eventstore.Metadata{AccountID: "acme"}}
		if _, err := store.Append(context.Background(), stream, eventstore.Any, data); err != nil {
			t.Fatal(err)
		}
	}
}
