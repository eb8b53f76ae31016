package ota_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/domain"
)

// registry serves a group of n devices the way the Device Registry does,
// and records the pages asked for.
type registry struct {
	mu    sync.Mutex
	asked []string // "namespace offset limit"
}

func (g *registry) serve(t *testing.T, n int) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/device_groups/{group}/devices", func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		g.mu.Lock()
		g.asked = append(g.asked, fmt.Sprintf("%s %s %d %d", r.Header.Get("x-ats-namespace"), r.PathValue("group"), offset, limit))
		g.mu.Unlock()
		values := []string{}
		for i := offset; i < n && i < offset+limit; i++ {
			values = append(values, fmt.Sprintf(`"%08d-0000-4000-8000-000000000000"`, i))
		}
		fmt.Fprintf(w, `{"values":[%s],"total":%d,"offset":%d,"limit":%d}`, strings.Join(values, ","), n, offset, limit)
	})
	mux.HandleFunc("GET /api/v1/devices/{uuid}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"uuid":%q,"deviceId":"oem-%s","deviceName":"car","deviceType":"Vehicle"}`, r.PathValue("uuid"), r.Header.Get("x-ats-namespace"))
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestGroupPagesReadsAWholeGroupPageByPageUntilAnEmptyPage(t *testing.T) {
	g := &registry{}
	r := ota.NewRegistry(g.serve(t, 2500).URL, ota.Options{})
	var sizes []int
	var last domain.DeviceID
	for page, err := range r.GroupPages(context.Background(), "acme", "g1") {
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page))
		last = page[len(page)-1]
	}
	if diff := cmp.Diff([]int{1000, 1000, 500}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if want := domain.DeviceID("00002499-0000-4000-8000-000000000000"); last != want {
		t.Errorf("last device %s, want %s", last, want)
	}
	want := []string{"acme g1 0 1000", "acme g1 1000 1000", "acme g1 2000 1000", "acme g1 2500 1000"}
	if diff := cmp.Diff(want, g.asked); diff != "" {
		t.Errorf("pages asked for (-want +got):\n%s", diff)
	}
}

func TestGroupDevicesAnswersThePageAskedFor(t *testing.T) {
	r := ota.NewRegistry((&registry{}).serve(t, 3).URL, ota.Options{})
	got, err := r.GroupDevices(context.Background(), "acme", "g1", 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := ota.GroupPage{Values: []domain.DeviceID{"00000001-0000-4000-8000-000000000000", "00000002-0000-4000-8000-000000000000"},
		Total: 3, Offset: 1, Limit: 5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}
}

func TestDeviceReturnsTheRegistrysOwnDeviceID(t *testing.T) {
	r := ota.NewRegistry((&registry{}).serve(t, 0).URL, ota.Options{})
	got, err := r.Device(context.Background(), "acme", "00000001-0000-4000-8000-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	want := ota.RegisteredDevice{UUID: "00000001-0000-4000-8000-000000000000", DeviceID: "oem-acme", Name: "car"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("device (-want +got):\n%s", diff)
	}
}
