package projections_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// sim writes histories the way the command handlers would, following the
// domain's rules: one group of appends per command, and the device
// fan-out of a campaign page in one multi-stream group. It tracks each
// device's updates so that every state change carries the right From.
type sim struct {
	t            testing.TB
	clock        time.Time
	groups       [][]eventstore.AppendRequest
	updates      map[string]map[domain.CampaignID]domain.UpdateState // by device stream
	active       map[string]domain.CampaignID
	deregistered map[string]bool
	waves        map[string]int // by device stream and campaign: the wave a scheduled update was started in
}

func newSim(t testing.TB) *sim {
	return &sim{
		t: t,
		// Nanoseconds on purpose: Postgres keeps microseconds, and the live
		// run and a rebuild must round alike.
		clock:        time.Date(2025, 3, 1, 8, 0, 0, 123456789, time.UTC),
		updates:      map[string]map[domain.CampaignID]domain.UpdateState{},
		active:       map[string]domain.CampaignID{},
		deregistered: map[string]bool{},
		waves:        map[string]int{},
	}
}

// now advances the simulated clock: every event gets its own time.
func (s *sim) now() time.Time {
	s.clock = s.clock.Add(1500*time.Millisecond + 7)
	return s.clock
}

// emit records one command's events on one stream.
func (s *sim) emit(stream string, events ...domain.Event) {
	s.groups = append(s.groups, []eventstore.AppendRequest{s.request(stream, events...)})
}

func (s *sim) request(stream string, events ...domain.Event) eventstore.AppendRequest {
	return eventstore.AppendRequest{Stream: stream, Expected: eventstore.Any, Events: encode(s.t, events...)}
}

func (s *sim) campaign(id domain.CampaignID, events ...domain.Event) {
	s.emit(domain.CampaignStream(id), events...)
}

func (s *sim) register(account domain.AccountID, device domain.DeviceID, name, class string, groups ...string) {
	s.emit(domain.DeviceStream(account, device), domain.DeviceRegistered{
		AccountID: account, DeviceID: device, DeviceName: name, Description: "device " + string(device),
		DeviceClass: class, Vendor: "vendor-1", FirmwareHash: "fw-1", Groups: groups,
		Mechanism: "connector", MechanismURL: "coap://" + string(device), At: s.now(),
	})
}

// enrolment returns the append enrolling a device, for a page's fan-out.
func (s *sim) enrolment(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID, manifest domain.ManifestID) eventstore.AppendRequest {
	stream := domain.DeviceStream(account, device)
	s.setState(stream, campaign, domain.UpdatePending)
	return s.request(stream, domain.DeviceEnrolled{CampaignID: campaign, ManifestID: manifest, At: s.now()})
}

// skip returns the append skipping a device, for a page's fan-out.
func (s *sim) skip(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID, reason domain.SkipReason) eventstore.AppendRequest {
	stream := domain.DeviceStream(account, device)
	s.setState(stream, campaign, domain.UpdateSkipped)
	return s.request(stream, domain.DeviceSkipped{CampaignID: campaign, Reason: reason, At: s.now()})
}

// move records a step of a device's update; code is the result code of a failure.
func (s *sim) move(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID, to domain.UpdateState, code int) {
	stream := domain.DeviceStream(account, device)
	s.emit(stream, s.change(stream, campaign, to, code))
}

func (s *sim) change(stream string, campaign domain.CampaignID, to domain.UpdateState, code int) domain.Event {
	from, ok := s.updates[stream][campaign]
	if !ok || !from.CanChangeTo(to) {
		s.t.Fatalf("sim: %s cannot move from %q to %s in %s", stream, from, to, campaign)
	}
	s.setState(stream, campaign, to)
	return domain.DeviceUpdateStateChanged{CampaignID: campaign, From: from, To: to, ResultCode: code,
		Reason: fmt.Sprintf("moved to %s", to), Wave: s.wave(stream, campaign, to), At: s.now()}
}

// wave is the wave of a device's update, as the Device records it: the
// engine's send (to scheduled) starts it in wave 1 or 2, by the device,
// and every later change carries that wave; one never sent has none.
func (s *sim) wave(stream string, campaign domain.CampaignID, to domain.UpdateState) int {
	key := stream + "|" + string(campaign)
	if _, ok := s.waves[key]; !ok && to == domain.UpdateScheduled {
		s.waves[key] = 1 + len(stream)%2
	}
	return s.waves[key]
}

// deregister ends the device's active update as deregistered, then takes
// it out of the catalog (Device rule 3).
func (s *sim) deregister(account domain.AccountID, device domain.DeviceID) {
	stream := domain.DeviceStream(account, device)
	var events []domain.Event
	if c, ok := s.active[stream]; ok {
		events = append(events, s.change(stream, c, domain.UpdateDeregistered, 0))
	}
	s.emit(stream, append(events, domain.DeviceDeregistered{At: s.now()})...)
	s.deregistered[stream] = true
}

func (s *sim) setState(stream string, campaign domain.CampaignID, state domain.UpdateState) {
	if s.updates[stream] == nil {
		s.updates[stream] = map[domain.CampaignID]domain.UpdateState{}
	}
	s.updates[stream][campaign] = state
	if state.Terminal() {
		if s.active[stream] == campaign {
			delete(s.active, stream)
		}
	} else {
		s.active[stream] = campaign
	}
}

// state returns a device's update state in a campaign, "" without one.
func (s *sim) state(account domain.AccountID, device domain.DeviceID, campaign domain.CampaignID) domain.UpdateState {
	return s.updates[domain.DeviceStream(account, device)][campaign]
}

// activeIn returns the campaign a device is updating in, "" when none.
func (s *sim) activeIn(account domain.AccountID, device domain.DeviceID) domain.CampaignID {
	return s.active[domain.DeviceStream(account, device)]
}

// coalesced returns the groups merged into appends of up to max streams,
// never two appends to one stream in a merge, so that each stream keeps
// its order: fewer transactions, the same facts.
func coalesced(groups [][]eventstore.AppendRequest, max int) [][]eventstore.AppendRequest {
	var out [][]eventstore.AppendRequest
	var cur []eventstore.AppendRequest
	seen := map[string]bool{}
	for _, g := range groups {
		clash := len(cur)+len(g) > max
		for _, r := range g {
			clash = clash || seen[r.Stream]
		}
		if clash && len(cur) > 0 {
			out, cur, seen = append(out, cur), nil, map[string]bool{}
		}
		cur = append(cur, g...)
		for _, r := range g {
			seen[r.Stream] = true
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// randomPath returns the steps of one device's update after its
// enrolment: a plausible mix of successes, failures and stalls.
func randomPath(rng *rand.Rand) (steps []domain.UpdateState, code int) {
	switch p := rng.Float64(); {
	case p < 0.08:
		return []domain.UpdateState{domain.UpdateRejected}, 0
	case p < 0.14:
		return []domain.UpdateState{domain.UpdateScheduled, domain.UpdateFailedConnectorChannelUpdate}, 0
	case p < 0.24:
		return []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading, domain.UpdateFailed}, 100 + rng.IntN(3)
	case p < 0.30:
		return []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateTimedOut}, 0
	case p < 0.40:
		return []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading}, 0 // still updating
	case p < 0.45:
		return nil, 0 // still pending
	case p < 0.70:
		return []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDeployed}, 0
	default:
		return []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel, domain.UpdateDownloading,
			domain.UpdateInstalling, domain.UpdateDeployed}, 0
	}
}
