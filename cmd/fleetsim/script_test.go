package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// byDevice groups what the fake received per device, in order; async
// responses (async id "a-<device>") count as the device's.
func (f *fakeService) byDevice() map[string][]item {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]item{}
	for _, it := range f.items {
		id := strings.TrimPrefix(it.device, "a-")
		out[id] = append(out[id], it)
	}
	return out
}

func TestTheSchedulerPlaysEveryWrittenDevicesStepsInOrderAsExpectJSONSays(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "at once, in bodies of the default size", args: []string{"-latency", "0"}},
		{name: "at once, in small bodies over three shards", args: []string{"-latency", "0", "-batch", "7", "-webhook-parallel", "3"}},
		{name: "with pauses and heartbeats", args: []string{"-latency", "2ms", "-heartbeat", "500us", "-flush", "1ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeService(t, 1)
			c := testConfig(t, append([]string{"-api", fake.URL, "-devices", "3000", "-seed", "5", "-fail-codes", "2-6",
				"-mix", "success=5,fail=3,reject=1,silent=1,uptodate=1,deregistered=1"}, tt.args...)...)
			f := newFleet(c)
			var streamed bytes.Buffer
			if err := streamExpectations(&streamed, f); err != nil {
				t.Fatal(err)
			}
			var expect map[string]expectation
			if err := json.Unmarshal(streamed.Bytes(), &expect); err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			sim := newSimulator(c, c.Accounts[0], f, newNotifier(c, "wh", log), log)
			ctx, cancel := context.WithCancel(context.Background())
			defer func() { cancel(); sim.wait() }()
			sim.run(ctx)
			ends := 0 // devices whose script ends in something the fake receives
			for i := range f.size() {
				if cat := f.category(i); cat != catDeregistered {
					sim.write(i, "a-"+f.id(i))
					if cat != catSilent {
						ends++
					}
				}
			}
			eventually(t, "every script's last item", func() bool {
				done := 0
				for _, items := range fake.byDevice() {
					for _, it := range items {
						if it.path == resultResource || (it.path == "async" && it.payload != "200") {
							done++
						}
					}
				}
				return done == ends
			})
			got := fake.byDevice()
			for i := range f.size() {
				id := f.id(i)
				if err := checkPlayed(f.device(i), expect[id], got[id]); err != nil {
					t.Errorf("%s (%s): %v", id, f.category(i), err)
				}
			}
		})
	}
}

// checkPlayed checks a device's items against its script and against the
// outcome -expect-json promised for it: the async response first, its
// update states in order (each possibly repeated as a heartbeat), then the
// result that the promised outcome implies.
func checkPlayed(d device, want expectation, items []item) error {
	switch want.UpdateState {
	case "timed_out", "skipped":
		if d.Category == catUptodate {
			break // written although the service should have skipped it: plays all the same
		}
		if len(items) > 0 {
			return fmt.Errorf("promised %s, sent %v", want.UpdateState, items)
		}
		return nil
	case "failed_connector_channel_update":
		if len(items) != 1 || items[0].path != "async" || items[0].payload < "300" {
			return fmt.Errorf("promised %s, sent %v", want.UpdateState, items)
		}
		return nil
	}
	wantResult := "1"
	if want.ResultCode != nil {
		wantResult = fmt.Sprint(*want.ResultCode)
	}
	if len(items) < 2 || items[0].path != "async" || items[0].payload != "200" || items[len(items)-1].path != resultResource {
		return fmt.Errorf("sent %v: want the async response 200 first and the result last", items)
	}
	var states []string
	for _, it := range items[1 : len(items)-1] {
		if it.path != stateResource {
			return fmt.Errorf("sent %v: want only update states between the async response and the result", items)
		}
		if len(states) == 0 || states[len(states)-1] != it.payload {
			states = append(states, it.payload)
		}
	}
	var script []string
	for _, state := range d.States() {
		script = append(script, fmt.Sprint(state))
	}
	if got, want := strings.Join(states, ","), strings.Join(script, ","); got != want {
		return fmt.Errorf("states %s, want %s (items %v)", got, want, items)
	}
	if got := items[len(items)-1].payload; got != wantResult {
		return fmt.Errorf("result %s, want %s as -expect-json says %+v", got, wantResult, want)
	}
	return nil
}

func TestAFlakyDeviceFailsItsFirstWriteAndInstallsTheNext(t *testing.T) {
	fake := newFakeService(t, 1)
	c := testConfig(t, "-api", fake.URL, "-devices", "2", "-mix", "flaky=1", "-latency", "0", "-flaky-code", "17")
	f := newFleet(c)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sim := newSimulator(c, c.Accounts[0], f, newNotifier(c, "wh", log), log)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); sim.wait() }()
	sim.run(ctx)
	results := func() []string {
		var out []string
		for _, it := range fake.byDevice()[f.id(0)] {
			if it.path == resultResource {
				out = append(out, it.payload)
			}
		}
		return out
	}
	for n, write := range []struct {
		asyncID string
		want    string
	}{{"a-first", "17"}, {"a-first", "1"}, {"a-second", "1"}} {
		sim.write(0, write.asyncID+"-"+f.id(0))
		eventually(t, "the write's result", func() bool { return len(results()) == n+1 })
		if got := results()[n]; got != write.want {
			t.Errorf("write %d (%s): result %s, want %s", n+1, write.asyncID, got, write.want)
		}
	}
}
