package wiring_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/updateservice/updateservice/adapters/ota"
	"github.com/updateservice/updateservice/internal/wiring"
)

// Given a Registry that knows group g1 with device d1 and answers 404
// for anything else, the service's view of it reads an unknown group as
// empty and an unknown device as not found, both without an error; a 5xx
// stays an error.
func TestTheRegistrysNotFoundIsNoFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/device_groups/g1/devices":
			fmt.Fprint(w, `{"values":["d1"],"total":1,"offset":0,"limit":1000}`)
		case "/api/v1/devices/d1":
			fmt.Fprint(w, `{"uuid":"d1","deviceId":"OEM-1"}`)
		case "/api/v1/devices/broken":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	r := wiring.Registry{Client: ota.NewRegistry(srv.URL, ota.Options{Retry: ota.Retry{Attempts: 1}})}
	ctx := context.Background()

	members, err1 := r.GroupDevices(ctx, "acc1", "g1", 0, 10)
	none, err2 := r.GroupDevices(ctx, "acc1", "g9", 0, 10)
	own, found, err3 := r.OwnDeviceID(ctx, "acc1", "d1")
	_, unknown, err4 := r.OwnDeviceID(ctx, "acc1", "d9")
	got := fmt.Sprintln(members, none, own, found, unknown, err1, err2, err3, err4)
	if want := "[d1] [] OEM-1 true false <nil> <nil> <nil> <nil>\n"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, _, err := r.OwnDeviceID(ctx, "acc1", "broken"); err == nil {
		t.Error("a 503 answered no error")
	}
}
