package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testConfig parses args, with one account acme unless they name one.
func testConfig(t *testing.T, args ...string) config {
	t.Helper()
	if !slices.Contains(args, "-account") {
		args = append([]string{"-account", "acme:k:ck:wh"}, args...)
	}
	c, err := parseConfig(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("parseConfig(%q): %v", args, err)
	}
	return c
}

func categoryCounts(f *fleet) map[category]int {
	counts := map[category]int{}
	for i := range f.size() {
		counts[f.category(i)]++
	}
	return counts
}

// devices derives every device of the fleet.
func devices(f *fleet) []device {
	out := make([]device, f.size())
	for i := range out {
		out[i] = f.device(i)
	}
	return out
}

func TestTheSameSeedBuildsTheSameFleetAndAnotherSeedAnotherOne(t *testing.T) {
	a := devices(newFleet(testConfig(t, "-devices", "500", "-seed", "42")))
	b := devices(newFleet(testConfig(t, "-devices", "500", "-seed", "42")))
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(device{})); diff != "" {
		t.Fatalf("same seed, different fleets (-first +second):\n%s", diff)
	}
	otherFleet := newFleet(testConfig(t, "-devices", "500", "-seed", "43"))
	other := devices(otherFleet)
	same := 0
	for i := range a {
		if a[i].Category == other[i].Category {
			same++
		}
	}
	if same == len(a) {
		t.Error("seeds 42 and 43 give every device the same category")
	}
	if diff := cmp.Diff(categoryCounts(newFleet(testConfig(t, "-devices", "500", "-seed", "42"))), categoryCounts(otherFleet)); diff != "" {
		t.Errorf("another seed changed the counts per category (-42 +43):\n%s", diff)
	}
}

func TestTheFleetFollowsTheMixExactly(t *testing.T) {
	tests := []struct {
		name    string
		devices string
		mix     string
		want    map[category]int
	}{
		{name: "the default mix over 1,000 devices", devices: "1000", mix: "success=80,fail=10,uptodate=4,wrongclass=3,silent=3",
			want: map[category]int{catSuccess: 800, catFail: 100, catUptodate: 40, catWrongClass: 30, catSilent: 30}},
		{name: "shares that do not divide give the leftover to the largest remainders", devices: "10", mix: "success=1,fail=1,silent=1",
			want: map[category]int{catSuccess: 4, catFail: 3, catSilent: 3}},
		{name: "a small fleet still gets a device of a small share", devices: "7", mix: "success=90,reject=5,deregistered=5",
			want: map[category]int{catSuccess: 6, catReject: 1}},
		{name: "one category takes every device", devices: "3", mix: "silent=1", want: map[category]int{catSilent: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFleet(testConfig(t, "-devices", tt.devices, "-mix", tt.mix))
			if diff := cmp.Diff(tt.want, categoryCounts(f)); diff != "" {
				t.Errorf("devices per category (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEachCategoryGetsTheAttributesAndScriptOfItsOutcome(t *testing.T) {
	c := testConfig(t, "-devices", "700", "-mix", "success=1,fail=1,uptodate=1,wrongclass=1,silent=1,reject=1,deregistered=1",
		"-fail-codes", "3-5", "-device-class", "cls", "-manifest-digest", "abc", "-prefix", "p-")
	f := newFleet(c)
	ids := map[string]bool{}
	for _, d := range devices(f) {
		id := f.id(d.Index)
		ids[id] = true
		if !strings.HasPrefix(id, "p-") || len(id) != len("p-700") {
			t.Errorf("device id %q: want p- and a zero-padded number", id)
		}
		if (d.Category == catUptodate) != (d.Checksum() == "abc") {
			t.Errorf("%s (%s) has checksum %q", id, d.Category, d.Checksum())
		}
		if (d.Category == catWrongClass) != (d.Class != "cls") {
			t.Errorf("%s (%s) has class %q", id, d.Category, d.Class)
		}
		if (d.Category == catReject) != (d.AsyncStatus >= 300) {
			t.Errorf("%s (%s) answers the write with status %d", id, d.Category, d.AsyncStatus)
		}
		states := d.States()
		full := slices.Equal(states, []int{2, 4, 7}) || slices.Equal(states, []int{2, 4, 8})
		switch {
		case d.Category == catFail && (d.Result < 3 || d.Result > 5 || len(states) == 0 || states[0] != 2):
			t.Errorf("failing %s reports states %v then result %d", id, states, d.Result)
		case d.Category != catFail && (d.Result != 1 || !full):
			t.Errorf("%s (%s) reports states %v then result %d", id, d.Category, states, d.Result)
		}
	}
	if len(ids) != f.size() {
		t.Errorf("%d distinct ids for %d devices", len(ids), f.size())
	}
}

func TestExpectationsAreWrittenPerDevice(t *testing.T) {
	c := testConfig(t, "-devices", "20", "-mix", "success=1,fail=1,uptodate=1,wrongclass=1,silent=1,reject=1,deregistered=1")
	f := newFleet(c)
	path := filepath.Join(t.TempDir(), "expect.json")
	if err := writeExpectations(path, f); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != f.size() {
		t.Errorf("%d expectations for %d devices", len(got), f.size())
	}
	want := map[category]string{catSuccess: "deployed", catFail: "failed", catUptodate: "skipped", catWrongClass: "skipped",
		catSilent: "timed_out", catReject: "failed_connector_channel_update", catDeregistered: "skipped"}
	for _, d := range devices(f) {
		id := f.id(d.Index)
		e := got[id]
		if e["update_state"] != want[d.Category] {
			t.Errorf("%s (%s): %v, want update_state %s", id, d.Category, e, want[d.Category])
		}
		if reason, ok := e["skip_reason"]; !ok || (reason == nil) != (e["update_state"] != "skipped") {
			t.Errorf("%s: %v, want a skip_reason for skipped devices only, null for the others", id, e)
		}
		if code, ok := e["result_code"]; !ok || (d.Category == catFail && code != float64(d.Result)) || (d.Category != catFail && code != nil) {
			t.Errorf("%s (%s): %v, want result_code %d for failed devices, null for the others", id, d.Category, e, d.Result)
		}
	}
}

func TestBadFlagsAreAllReportedAtOnce(t *testing.T) {
	_, err := parseConfig([]string{"-devices", "0", "-mix", "success=0", "-fail-codes", "1-4", "-api", "localhost"},
		func(string) string { return "" }, io.Discard)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"-devices", "-mix", "-fail-codes", "-api", "-account is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	var m mix
	for _, bad := range []string{"happy=3", "success", "success=-1"} {
		if m.Set(bad) == nil {
			t.Errorf("mix %q accepted", bad)
		}
	}
}

func TestMixFromGivesEachRangeOfDevicesItsOwnMix(t *testing.T) {
	f := newFleet(testConfig(t, "-devices", "100", "-mix", "success=1", "-mix-from", "31:fail=1,success=1", "-mix-from", "61:flaky=1"))
	ranges := []struct {
		from, to int
		want     map[category]int
	}{
		{from: 0, to: 30, want: map[category]int{catSuccess: 30}},
		{from: 30, to: 60, want: map[category]int{catSuccess: 15, catFail: 15}},
		{from: 60, to: 100, want: map[category]int{catFlaky: 40}},
	}
	for _, r := range ranges {
		got := map[category]int{}
		for i := r.from; i < r.to; i++ {
			got[f.category(i)]++
		}
		if diff := cmp.Diff(r.want, got); diff != "" {
			t.Errorf("devices %d to %d (-want +got):\n%s", r.from+1, r.to, diff)
		}
	}
	if _, err := parseConfig([]string{"-account", "a:k:c", "-mix-from", "50:success=1", "-mix-from", "40:fail=1"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("-mix-from numbers that do not rise are accepted")
	}
}
