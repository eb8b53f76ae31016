package projections

import (
	"testing"

	"github.com/updateservice/updateservice/domain"
)

// Every update state and skip reason the domain knows has a statistics
// event type and a counter column, so none stops the runner.
func TestEveryDeviceFactIsCounted(t *testing.T) {
	seen := map[string]domain.UpdateState{}
	for _, s := range domain.UpdateStates {
		if _, ok := counterColumns[s]; !ok {
			t.Errorf("update state %s has no campaign_counters column", s)
		}
		if s == domain.UpdateSkipped {
			continue
		}
		o, err := outcomeOf(s, "", 101)
		if err != nil {
			t.Error(err)
			continue
		}
		if other, dup := seen[o.eventType]; dup {
			t.Errorf("update states %s and %s share event type %s", s, other, o.eventType)
		}
		seen[o.eventType] = s
	}
	for _, r := range domain.SkipReasons {
		o, err := outcomeOf(domain.UpdateSkipped, r, 0)
		if err != nil {
			t.Error(err)
			continue
		}
		if o.summary != SummarySkipped {
			t.Errorf("skip reason %s counts as %s, want %s", r, o.summary, SummarySkipped)
		}
	}
	if len(counterColumns) != len(domain.UpdateStates) {
		t.Errorf("counterColumns has %d entries for %d update states", len(counterColumns), len(domain.UpdateStates))
	}
}

func TestFailureEventTypeCarriesTheResultCode(t *testing.T) {
	o, err := outcomeOf(domain.UpdateFailed, "", 101)
	if err != nil {
		t.Fatal(err)
	}
	want := outcome{SummaryFail, "UPD4_FAIL_101", "Update failed on the device with result code 101"}
	if o != want {
		t.Errorf("outcomeOf(failed, 101) = %+v, want %+v", o, want)
	}
}
