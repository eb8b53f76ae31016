package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/domain"
)

// serveOTA serves the Registry (and the Director, when given) over real
// HTTP and returns its URL.
func serveOTA(t *testing.T, fleet otaFleet, d *director) string {
	t.Helper()
	mux := http.NewServeMux()
	(&registry{fleet: fleet}).routes(mux)
	if d != nil {
		d.routes(mux)
	}
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s.URL
}

func TestTheRegistryServesEachGroupPageByPageToCampaignersClient(t *testing.T) {
	fleet := newOTAFleet(7, []int{2500, 0, 3})
	r := ota.NewRegistry(serveOTA(t, fleet, nil), ota.Options{})
	for g, size := range fleet.groups {
		seen := map[domain.DeviceID]bool{}
		pages := 0
		for page, err := range r.GroupPages(context.Background(), "acme", fleet.groupID(g)) {
			if err != nil {
				t.Fatalf("group %d: %v", g, err)
			}
			pages++
			for _, id := range page {
				if _, i, ok := fleet.device(string(id)); !ok || seen[id] || i >= size {
					t.Fatalf("group %d: device %s is not one of the group's, or came twice", g, id)
				}
				seen[id] = true
			}
		}
		if len(seen) != size || pages != (size+ota.PageSize-1)/ota.PageSize {
			t.Errorf("group %d: %d devices in %d pages, want %d devices in pages of %d", g, len(seen), pages, size, ota.PageSize)
		}
	}
}

func TestTheRegistryAnswersADevicesOwnID(t *testing.T) {
	fleet := newOTAFleet(7, []int{5})
	r := ota.NewRegistry(serveOTA(t, fleet, nil), ota.Options{})
	id := domain.DeviceID(fleet.deviceID(0, 4))
	got, err := r.Device(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if want := (ota.RegisteredDevice{UUID: id, DeviceID: fleet.oemID(0, 4), Name: fleet.oemID(0, 4)}); !cmp.Equal(want, got) {
		t.Errorf("device (-want +got):\n%s", cmp.Diff(want, got))
	}
}

func TestTheRegistryAnswersNotFoundForWhatItDoesNotHave(t *testing.T) {
	fleet := newOTAFleet(7, []int{5})
	other := newOTAFleet(8, []int{5})
	r := ota.NewRegistry(serveOTA(t, fleet, nil), ota.Options{})
	_, errGroup := r.GroupDevices(context.Background(), "acme", other.groupID(0), 0, 10)
	_, errDevice := r.Device(context.Background(), "acme", domain.DeviceID(fleet.deviceID(0, 5)))
	for _, err := range []error{errGroup, errDevice} {
		var e *ota.Error
		if !errors.As(err, &e) || e.Status != http.StatusNotFound {
			t.Errorf("got %v, want a 404 *ota.Error", err)
		}
	}
}

func TestTheRegistryRefusesACallWithoutNamespace(t *testing.T) {
	fleet := newOTAFleet(7, []int{5})
	resp, err := http.Get(serveOTA(t, fleet, nil) + "/api/v1/device_groups/" + fleet.groupID(0) + "/devices")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}
