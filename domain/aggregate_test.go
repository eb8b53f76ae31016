package domain

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// t0 is the tests' fixed clock; at(m) is m minutes after it.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func ptr[T any](v T) *T { return &v }

// aggregate is what every aggregate shares through root.
type aggregate interface {
	Changes() []Event
	Revision() (uint64, bool)
}

// scenario is one Given events / When behaviour / Then events or error
// case. err is a prototype of the wanted error: its type and fields are
// compared, except free-text reasons.
type scenario[A aggregate] struct {
	name  string
	given []Event
	when  func(A) error
	then  []Event
	err   error
}

// compareAll lets go-cmp read the unexported fields of the aggregates and
// treat nil and empty maps and slices alike, as JSON does.
var compareAll = []cmp.Option{
	cmp.Exporter(func(reflect.Type) bool { return true }),
	cmpopts.EquateEmpty(),
}

// ignoreReasons leaves free-text reasons out of error comparisons.
var ignoreReasons = []cmp.Option{
	cmpopts.IgnoreFields(InvalidError{}, "Reason"),
	cmpopts.IgnoreFields(ConflictError{}, "Reason"),
}

// runScenarios loads each scenario's given history, runs its behaviour and
// checks the recorded events or the error; then it checks that replaying
// given and recorded events rebuilds the same aggregate.
func runScenarios[A aggregate](t *testing.T, load func([]Event) (A, error), cases []scenario[A]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := load(tc.given)
			if err != nil {
				t.Fatalf("loading the given events: %v", err)
			}
			checkErr(t, tc.when(a), tc.err)
			checkEvents(t, a.Changes(), tc.then)
			checkReplay(t, load, a, append(slices.Clone(tc.given), a.Changes()...))
		})
	}
}

// checkErr fails unless got is nil when want is, or holds an error of
// want's type with want's fields (reasons aside).
func checkErr(t *testing.T, got, want error) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Fatalf("got error %v, want none", got)
		}
		return
	}
	target := reflect.New(reflect.TypeOf(want))
	if !errors.As(got, target.Interface()) {
		t.Fatalf("got error %v (%T), want a %T: %v", got, got, want, want)
	}
	if diff := cmp.Diff(want, target.Elem().Interface(), ignoreReasons...); diff != "" {
		t.Fatalf("got error %v, want %v; diff (-want +got):\n%s", got, want, diff)
	}
	if KindOf(got) != KindOf(want) {
		t.Fatalf("got error kind %v, want %v", KindOf(got), KindOf(want))
	}
}

// checkEvents compares recorded events with the wanted ones.
func checkEvents(t *testing.T, got, want []Event) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("got events %s, want %s; diff (-want +got):\n%s", eventNames(got), eventNames(want), diff)
	}
}

func eventNames(events []Event) string {
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = e.Name()
	}
	return "[" + strings.Join(names, " ") + "]"
}

// checkReplay loads history into a fresh aggregate and compares it with a:
// apply must rebuild exactly what the behaviours left, and the revision
// must be that of the last event.
func checkReplay[A aggregate](t *testing.T, load func([]Event) (A, error), a A, history []Event) {
	t.Helper()
	replayed, err := load(history)
	if err != nil {
		t.Fatalf("replaying %s: %v", eventNames(history), err)
	}
	opts := append([]cmp.Option{cmpopts.IgnoreTypes(root{})}, compareAll...)
	if diff := cmp.Diff(a, replayed, opts...); diff != "" {
		t.Errorf("replayed aggregate differs (-after behaviour +replayed):\n%s", diff)
	}
	rev, exists := replayed.Revision()
	if want := uint64(max(len(history)-1, 0)); rev != want || exists != (len(history) > 0) {
		t.Errorf("replayed Revision() = %d, %v; want %d, %v", rev, exists, want, len(history) > 0)
	}
}

// roundTrip stores and reads back events as the event store would.
func roundTrip(t *testing.T, events []Event) []Event {
	t.Helper()
	out := make([]Event, len(events))
	for i, e := range events {
		name, data, err := EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = DecodeEvent(name, data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// strangerEvent is an event no aggregate knows.
type strangerEvent struct{}

func (strangerEvent) Name() string { return "StrangerEvent" }

func TestLoadRefusesEventsItsAggregateDoesNotKnow(t *testing.T) {
	loads := map[string]func([]Event) error{
		"campaign": func(h []Event) error { _, err := LoadCampaign(h); return err },
		"device":   func(h []Event) error { _, err := LoadDevice(h); return err },
		"manifest": func(h []Event) error { _, err := LoadManifest(h); return err },
		"account":  func(h []Event) error { _, err := LoadAccount(h); return err },
	}
	firsts := map[string]Event{
		"campaign": campaignCreated(), "device": deviceRegistered(),
		"manifest": manifestRegistered(), "account": AccountCampaignLimitsSet{AccountID: "acc1", MaxActiveCampaigns: 1, At: t0},
	}
	for name, load := range loads {
		for _, stranger := range []Event{strangerEvent{}, nil, ManifestDeleted{At: t0}, CampaignArchived{At: t0}} {
			if _, ok := stranger.(ManifestDeleted); ok && name == "manifest" {
				continue
			}
			if _, ok := stranger.(CampaignArchived); ok && name == "campaign" {
				continue
			}
			if err := load([]Event{firsts[name], stranger}); err == nil {
				t.Errorf("%s: loading %T after its first event succeeded, want an error", name, stranger)
			}
		}
		if err := load([]Event{firsts[name]}); err != nil {
			t.Errorf("%s: loading its first event: %v", name, err)
		}
	}
}

func TestRevisionCountsLoadedEventsOnly(t *testing.T) {
	for _, tc := range []struct {
		name       string
		history    []Event
		wantRev    uint64
		wantExists bool
	}{
		{"an empty stream does not exist", nil, 0, false},
		{"one event is revision 0", []Event{campaignCreated()}, 0, true},
		{"three events are revision 2", []Event{campaignCreated(), CampaignStartRequested{Phase: PhaseStarting, At: at(1)}, CampaignQuotaAllocated{At: at(2)}}, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCampaign(tc.history)
			if err != nil {
				t.Fatal(err)
			}
			rev, exists := c.Revision()
			if rev != tc.wantRev || exists != tc.wantExists {
				t.Errorf("Revision() = %d, %v; want %d, %v", rev, exists, tc.wantRev, tc.wantExists)
			}
			if len(c.Changes()) != 0 {
				t.Errorf("Changes() after loading = %s, want none", eventNames(c.Changes()))
			}
		})
	}
	t.Run("a behaviour records changes without moving the revision", func(t *testing.T) {
		c, err := LoadCampaign([]Event{campaignCreated()})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RequestStart(at(120)); err != nil {
			t.Fatal(err)
		}
		if rev, exists := c.Revision(); rev != 0 || !exists {
			t.Errorf("Revision() = %d, %v; want 0, true", rev, exists)
		}
		checkEvents(t, c.Changes(), []Event{CampaignStartRequested{Phase: PhaseStarting, At: at(120)}})
	})
	t.Run("a new campaign has no revision and one change", func(t *testing.T) {
		c, err := NewCampaign("c1", "acc1", CampaignSpec{Name: "n", ManifestID: "m1", DeviceFilter: "f"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if rev, exists := c.Revision(); rev != 0 || exists {
			t.Errorf("Revision() = %d, %v; want 0, false", rev, exists)
		}
		if got := eventNames(c.Changes()); got != "[CampaignCreated]" {
			t.Errorf("Changes() = %s, want [CampaignCreated]", got)
		}
	})
}
