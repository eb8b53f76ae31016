package domain

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// campaignPosition is a reachable phase and state, with a history that
// reaches it. The campaign's start time is at(60); behaviours run at(120).
type campaignPosition struct {
	name    string
	history []Event
	phase   Phase
	state   State
}

func campaignPositions() []campaignPosition {
	draft := []Event{createdWith(func(e *CampaignCreated) { e.When = ptr(at(60)) })}
	starting := with(draft, CampaignStartRequested{Phase: PhaseStarting, At: at(1)})
	allocated := with(starting, CampaignQuotaAllocated{At: at(2)})
	checked := with(allocated, CampaignManifestChecked{ManifestTimestamp: t0, At: at(3)})
	copying := with(checked, CampaignBatchProcessed{Batch: 1, Enrolled: 1, Cursor: "p2", At: at(4)})
	listed := with(copying, CampaignBatchProcessed{Batch: 2, Enrolled: 1, Last: true, At: at(5)})
	publishing := with(listed, CampaignPublishing{At: at(6)})
	active := with(publishing, CampaignDeploying{At: at(7)})
	stopping := with(active, CampaignStopRequested{Reason: StateUserStopped, At: at(8)})
	positions := []campaignPosition{
		{"new", nil, "", ""},
		{"draft", draft, PhaseDraft, StateDraft},
		{"awaiting_approval", with(draft, CampaignStartRequested{Phase: PhaseAwaitingApproval, At: at(1)}), PhaseAwaitingApproval, StateDraft},
		{"timed", with(draft, CampaignStartRequested{Phase: PhaseTimed, At: at(1)}), PhaseTimed, StateScheduled},
		{"starting/allocatingquota", starting, PhaseStarting, StateAllocatingQuota},
		{"starting/allocatedquota", allocated, PhaseStarting, StateAllocatedQuota},
		{"starting/checkedmanifest", checked, PhaseStarting, StateCheckedManifest},
		{"starting/devicecopy", copying, PhaseStarting, StateDeviceCopy},
		{"starting/devicecheck", listed, PhaseStarting, StateDeviceCheck},
		{"starting/publishing", publishing, PhaseStarting, StatePublishing},
		{"active", active, PhaseActive, StateDeploying},
		{"stopping", stopping, PhaseStopping, StateStopping},
	}
	for _, s := range finalStates {
		positions = append(positions, campaignPosition{"stopped/" + string(s), with(stopping, CampaignStopped{State: s, At: at(9)}), PhaseStopped, s})
	}
	return append(positions,
		campaignPosition{"archived", with(active, CampaignStopped{State: StateDeployed, At: at(9)}, CampaignArchived{At: at(10)}), PhaseArchived, StateDeployed},
		campaignPosition{"deleted", with(draft, CampaignDeleted{At: at(1)}), PhaseDeleted, StateDraft},
	)
}

// campaignBehaviour is one behaviour and where it is allowed. Elsewhere it
// is refused with an error of refusal's type (InvalidTransitionError when
// nil), except on a new or deleted campaign, which is not found.
type campaignBehaviour struct {
	name    string
	do      func(*Campaign) error
	allowed []string
	noop    []string
	refusal error
}

func campaignBehaviours() []campaignBehaviour {
	now := at(120)
	stopped := []string{}
	for _, s := range finalStates {
		stopped = append(stopped, "stopped/"+string(s))
	}
	pipeline := []string{"starting/allocatingquota", "starting/allocatedquota", "starting/checkedmanifest",
		"starting/devicecopy", "starting/devicecheck", "starting/publishing"}
	running := append([]string{"awaiting_approval", "timed", "active"}, pipeline...)
	live := slices.Concat([]string{"draft", "stopping", "archived"}, running, stopped)
	return []campaignBehaviour{
		{name: "edit the name", do: func(c *Campaign) error { return c.Edit(CampaignEdit{Name: ptr("Renamed")}, now) }, allowed: live},
		{name: "edit the device filter", do: func(c *Campaign) error { return c.Edit(CampaignEdit{DeviceFilter: ptr("id__eq=d1")}, now) },
			allowed: []string{"draft"}, refusal: InvalidError{}},
		{name: "edit nothing", do: func(c *Campaign) error { return c.Edit(CampaignEdit{}, now) }, noop: live},
		{name: "request a start", do: func(c *Campaign) error { return c.RequestStart(now) }, allowed: []string{"draft"}},
		{name: "approve", do: func(c *Campaign) error { return c.Approve(now) }, allowed: []string{"awaiting_approval"}},
		{name: "begin the timed start", do: func(c *Campaign) error { return c.BeginTimedStart(now) }, allowed: []string{"timed"}},
		{name: "allocate quota", do: func(c *Campaign) error { return c.AllocateQuota(now) }, allowed: []string{"starting/allocatingquota"}},
		{name: "fail the quota allocation", do: func(c *Campaign) error { return c.FailQuotaAllocation(now) }, allowed: []string{"starting/allocatingquota"}},
		{name: "check the manifest", do: func(c *Campaign) error { return c.CheckManifest(t0, now) }, allowed: []string{"starting/allocatedquota"}},
		{name: "record the next batch", do: func(c *Campaign) error { return c.RecordBatch(CampaignBatch{Batch: c.Batches() + 1}, now) },
			allowed: []string{"starting/checkedmanifest", "starting/devicecopy"}},
		{name: "record batch 1 again", do: func(c *Campaign) error { return c.RecordBatch(CampaignBatch{Batch: 1}, now) },
			allowed: []string{"starting/checkedmanifest"}, noop: []string{"starting/devicecopy", "starting/devicecheck"}},
		{name: "publish", do: func(c *Campaign) error { return c.Publish(now) }, allowed: []string{"starting/devicecheck"}},
		{name: "deploy", do: func(c *Campaign) error { return c.Deploy(now) }, allowed: []string{"starting/publishing"}},
		{name: "finish as deployed", do: func(c *Campaign) error { return c.Finish(StateDeployed, now) }, allowed: []string{"active"}},
		{name: "stop as a user", do: func(c *Campaign) error { return c.RequestStop(StateUserStopped, now) },
			allowed: running, noop: []string{"stopping"}},
		{name: "remove the manifest", do: func(c *Campaign) error { return c.RemoveManifest(now) },
			allowed: running, noop: slices.Concat([]string{"draft", "stopping", "archived"}, stopped)},
		{name: "complete the stop", do: func(c *Campaign) error { return c.CompleteStop(StateUserStopped, now) }, allowed: []string{"stopping"}},
		{name: "archive", do: func(c *Campaign) error { return c.Archive(now) }, allowed: stopped},
		{name: "delete", do: func(c *Campaign) error { return c.Delete(now) },
			allowed: slices.Concat([]string{"draft", "archived"}, stopped)},
	}
}

// TestCampaignBehaviourMatrix runs every behaviour in every reachable phase
// and state: allowed ones record events, no-ops record nothing, the rest
// are refused with the right error and leave the campaign as it was.
func TestCampaignBehaviourMatrix(t *testing.T) {
	for _, p := range campaignPositions() {
		c, err := LoadCampaign(p.history)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if c.Phase() != p.phase || c.State() != p.state {
			t.Errorf("%s: loaded at %s/%s, want %s/%s", p.name, c.Phase(), c.State(), p.phase, p.state)
		}
	}
	for _, b := range campaignBehaviours() {
		for _, p := range campaignPositions() {
			t.Run(b.name+" when "+p.name, func(t *testing.T) {
				c, err := LoadCampaign(p.history)
				if err != nil {
					t.Fatal(err)
				}
				err = b.do(c)
				switch {
				case slices.Contains(b.allowed, p.name):
					if err != nil || len(c.Changes()) == 0 {
						t.Fatalf("got error %v and events %s, want it allowed", err, eventNames(c.Changes()))
					}
				case slices.Contains(b.noop, p.name):
					if err != nil || len(c.Changes()) != 0 {
						t.Fatalf("got error %v and events %s, want no error and no events", err, eventNames(c.Changes()))
					}
				default:
					checkRefusal(t, err, b.refusalIn(p.name))
					checkEvents(t, c.Changes(), nil)
				}
				checkReplay(t, LoadCampaign, c, append(slices.Clone(p.history), c.Changes()...))
			})
		}
	}
}

// refusalIn is the type of error the behaviour is refused with at a
// position where it is not allowed.
func (b campaignBehaviour) refusalIn(position string) error {
	switch {
	case position == "new" || position == "deleted":
		return NotFoundError{}
	case b.refusal != nil:
		return b.refusal
	}
	return InvalidTransitionError{}
}

// checkRefusal fails unless err holds an error of want's type and kind.
func checkRefusal(t *testing.T, err, want error) {
	t.Helper()
	target := reflect.New(reflect.TypeOf(want))
	if !errors.As(err, target.Interface()) || KindOf(err) != KindOf(want) {
		t.Fatalf("got error %v (%T, kind %v), want a %T of kind %v", err, err, KindOf(err), want, KindOf(want))
	}
}

func TestCampaignStatus(t *testing.T) {
	want := map[string]CampaignStatus{
		"new": CampaignPrepared, "draft": CampaignPrepared, "awaiting_approval": CampaignPrepared, "timed": CampaignPrepared,
		"starting/allocatingquota": CampaignLaunched, "starting/allocatedquota": CampaignLaunched,
		"starting/checkedmanifest": CampaignLaunched, "starting/devicecopy": CampaignLaunched,
		"starting/devicecheck": CampaignLaunched, "starting/publishing": CampaignLaunched,
		"active": CampaignLaunched, "stopping": CampaignCancelled,
		"stopped/deployed": CampaignFinished, "stopped/autostopped": CampaignFinished,
		"stopped/userstopped": CampaignCancelled, "stopped/manifestremoved": CampaignCancelled,
		"stopped/expired": CampaignCancelled, "stopped/conflict": CampaignCancelled,
		"stopped/quotaallocationfailed": CampaignCancelled,
		"archived":                      CampaignFinished, "deleted": CampaignCancelled,
	}
	for _, p := range campaignPositions() {
		c, err := LoadCampaign(p.history)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := want[p.name]; !ok || c.Status() != got {
			t.Errorf("%s: Status() = %q, want %q", p.name, c.Status(), got)
		}
	}
}
