package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// fakeRegistry is the Device Registry: its groups' members, answered a
// page at a time; it fails the first failFirst calls and records each.
type fakeRegistry struct {
	groups    map[string][]domain.DeviceID
	mu        sync.Mutex
	failFirst int
	calls     []string
}

func (f *fakeRegistry) GroupDevices(_ context.Context, _ domain.AccountID, group string, offset, limit int) ([]domain.DeviceID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%s@%d", group, offset))
	if len(f.calls) <= f.failFirst {
		return nil, errors.New("registry: 503")
	}
	members := f.groups[group]
	return members[min(offset, len(members)):min(offset+limit, len(members))], nil
}

func (f *fakeRegistry) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Given a Registry with groups g-a (three devices of the catalog), g-b
// (one of g-a's and one the catalog never held) and an empty g-c, and a
// Registry that fails its first call, when a campaign of the three
// groups runs two devices a page and the engine is replaced after each
// page, then the pages follow the groups in order from the cursor the
// events hold, each device is taken and counted once, the unknown device
// is registered in g-b, and the failure only delays the campaign.
func TestACampaignWithGroupsPagesTheRegistryGroupAfterGroup(t *testing.T) {
	registry := &fakeRegistry{failFirst: 1, groups: map[string][]domain.DeviceID{
		"g-a": {"a-000", "a-001", "a-002"}, "g-b": {"a-001", "b-000"}}}
	cfg := fast
	cfg.BatchSize, cfg.BatchDelay, cfg.Registry = 2, time.Hour, registry // on the fake clock: each next page waits for a restart
	w := newWorld(t, cfg)
	w.register("a", 3)
	w.registerManifest("sensor")
	spec := domain.CampaignSpec{Name: "groups", ManifestID: "m-sensor", DeviceFilter: "state__eq=registered", UpdateID: "u1",
		Groups: []string{"g-c", "g-b", "g-a"}}
	if _, err := w.h.CreateCampaign(context.Background(), commands.CreateCampaign{Meta: w.meta(), CampaignID: "c1", Spec: spec}); err != nil {
		t.Fatal(err)
	}
	w.requestStart("c1")

	for pages := 1; pages <= 3; pages++ {
		w.waitUntil("a page enrolled", func() bool { return len(w.enrolledPages("c1")) == pages })
		w.stop()
		w.start()
	}

	cp := w.waitPhase("c1", domain.PhaseStopped)
	if diff := cmp.Diff([]int{2, 1, 1, 0}, w.enrolledPages("c1")); diff != "" {
		t.Errorf("devices per page (-want +got):\n%s", diff)
	}
	want := []string{"g-a@0", "g-a@0", "g-a@2", "g-a@3", "g-b@0", "g-b@2", "g-c@0"}
	if diff := cmp.Diff(want, registry.called()); diff != "" {
		t.Errorf("Registry calls (-want +got):\n%s", diff)
	}
	if cp.Enrolled() != 4 || cp.Skipped() != 0 {
		t.Errorf("campaign counts %d enrolled, %d skipped; want a-000..002 and b-000 enrolled", cp.Enrolled(), cp.Skipped())
	}
	recorded, err := w.store.ReadStream(context.Background(), domain.DeviceStream(account, "b-000"), eventstore.ReadStreamOptions{})
	if err != nil || len(recorded) == 0 {
		t.Fatalf("b-000's stream: %v, %d events; want its registration", err, len(recorded))
	}
	if e, err := domain.DecodeEvent(recorded[0].Type, recorded[0].Data); err != nil || !cmp.Equal(e.(domain.DeviceRegistered).Groups, []string{"g-b"}) {
		t.Errorf("b-000 begins with %v (%v); want its registration in g-b", e, err)
	}
}
