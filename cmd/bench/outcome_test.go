package main

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestDifferencesNamesEveryDeviceThatDiffers(t *testing.T) {
	want := map[string]outcome{
		"sim-1": {UpdateState: "deployed"},
		"sim-2": {UpdateState: "failed", ResultCode: 7},
		"sim-3": {UpdateState: "skipped", SkipReason: "already_updated"},
		"sim-4": {UpdateState: "deployed"},
	}
	got := map[string]outcome{
		"sim-1": {UpdateState: "deployed"},
		"sim-2": {UpdateState: "failed", ResultCode: 3},
		"sim-3": {UpdateState: "skipped", SkipReason: "already_updated"},
		"sim-9": {UpdateState: "timed_out"},
	}
	wantDiffs := []string{
		"sim-2: failed (result_code 3), want failed (result_code 7)",
		"sim-4: missing from the campaign, want deployed",
		"sim-9: timed_out, but fleetsim has no such device",
	}
	if d := differences(got, want); !slices.Equal(d, wantDiffs) {
		t.Errorf("differences() =\n%q\nwant\n%q", d, wantDiffs)
	}
	if d := differences(want, want); len(d) != 0 {
		t.Errorf("differences(want, want) = %q, want none", d)
	}
}

// fleetsim writes null where there is no result code or skip reason; the
// service's metadata does too.
func TestOutcomeReadsNullAsNone(t *testing.T) {
	var got map[string]outcome
	raw := `{"sim-1": {"update_state": "deployed", "result_code": null, "skip_reason": null},
		"sim-2": {"update_state": "failed", "result_code": 4, "skip_reason": null}}`
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]outcome{"sim-1": {UpdateState: "deployed"}, "sim-2": {UpdateState: "failed", ResultCode: 4}}
	if d := differences(got, want); len(d) != 0 {
		t.Errorf("got %v, want %v: %q", got, want, d)
	}
}
