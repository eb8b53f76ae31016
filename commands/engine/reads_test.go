package engine_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/updateservice/updateservice/adapters/memstore"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// readModel answers the engine's reads from the event store itself: each
// read loads the aggregates it concerns. It is never behind the store, so
// the engine's wait for the read models has nothing to wait for; read
// models that lag are the stack tests' (internal/stacktest/engine).
type readModel struct {
	store *memstore.Store

	// beforeProgress, when set, runs at the start of each progress read:
	// a test counts the engine's steps with it, or makes one panic.
	beforeProgress func(campaign domain.CampaignID)
	// usingManifest, when set, answers CampaignsUsingManifest instead.
	usingManifest func(ctx context.Context, account domain.AccountID, manifest domain.ManifestID) ([]domain.CampaignID, error)

	mu          sync.Mutex
	checkpoints map[string]eventstore.Position
	quarantined map[domain.CampaignID]quarantined
}

// quarantined is a campaign in the engine's quarantine.
type quarantined struct {
	account domain.AccountID
	reason  string
	retry   bool
}

func newReadModel(store *memstore.Store) *readModel {
	return &readModel{store: store, checkpoints: map[string]eventstore.Position{}, quarantined: map[domain.CampaignID]quarantined{}}
}

var _ engine.Reads = (*readModel)(nil)

// inFlight are the update states between "manifest sent" and an outcome.
var inFlight = []domain.UpdateState{domain.UpdateScheduled, domain.UpdateUpdatedConnectorChannel,
	domain.UpdateDownloading, domain.UpdateInstalling}

// aggregates loads every stream with the prefix. An event it cannot
// decode is left out, as the projection runner quarantines it and goes on.
func aggregates[A any](m *readModel, prefix string, build func([]domain.Event) (A, error)) ([]A, error) {
	all, err := m.store.ReadAll(context.Background(), eventstore.Position{}, 1<<30)
	if err != nil {
		return nil, err
	}
	histories, streams := map[string][]domain.Event{}, []string{}
	for _, r := range all {
		if !strings.HasPrefix(r.Stream, prefix) {
			continue
		}
		if _, seen := histories[r.Stream]; !seen {
			streams = append(streams, r.Stream)
			histories[r.Stream] = nil
		}
		if e, err := domain.DecodeEvent(r.Type, r.Data); err == nil {
			histories[r.Stream] = append(histories[r.Stream], e)
		}
	}
	out := make([]A, 0, len(streams))
	for _, s := range streams {
		a, err := build(histories[s])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// updates returns the campaign's device updates by device id, in id order.
func (m *readModel) updates(campaign domain.CampaignID) ([]domain.DeviceID, map[domain.DeviceID]domain.DeviceUpdate, error) {
	devices, err := aggregates(m, domain.DeviceStreamPrefix, domain.LoadDevice)
	if err != nil {
		return nil, nil, err
	}
	ids, out := []domain.DeviceID{}, map[domain.DeviceID]domain.DeviceUpdate{}
	for _, d := range devices {
		if u, ok := d.Update(campaign); ok {
			ids = append(ids, d.ID())
			out[d.ID()] = u
		}
	}
	slices.Sort(ids)
	return ids, out, nil
}

// MatchingDevices knows one filter, the one the tests' campaigns use,
// groups and a retry campaign's device list.
func (m *readModel) MatchingDevices(_ context.Context, account domain.AccountID, sel domain.DeviceSelection, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	if sel.Filter != "state__eq=registered" {
		return nil, fmt.Errorf("the fake read model cannot match %q", sel.Filter)
	}
	devices, err := aggregates(m, domain.DeviceStreamPrefix, domain.LoadDevice)
	if err != nil {
		return nil, err
	}
	var ids []domain.DeviceID
	for _, d := range devices {
		inGroups := len(sel.Groups) == 0 || slices.ContainsFunc(d.Groups(), func(g string) bool { return slices.Contains(sel.Groups, g) })
		listed := len(sel.Devices) == 0 || slices.Contains(sel.Devices, d.ID())
		if d.AccountID() == account && d.Registered() && d.ID() > after && inGroups && listed {
			ids = append(ids, d.ID())
		}
	}
	slices.Sort(ids)
	return ids[:min(limit, len(ids))], nil
}

// CampaignDevicesInStates pages through the campaign's devices in states, by id.
func (m *readModel) CampaignDevicesInStates(_ context.Context, campaign domain.CampaignID, states []domain.UpdateState, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	ids, updates, err := m.updates(campaign)
	if err != nil {
		return nil, err
	}
	var out []domain.DeviceID
	for _, id := range ids {
		if id > after && slices.Contains(states, updates[id].State) && len(out) < limit {
			out = append(out, id)
		}
	}
	return out, nil
}

// CampaignDevicesCancelRequested pages through the campaign's devices in
// states whose cancel a user asked for, by id.
func (m *readModel) CampaignDevicesCancelRequested(_ context.Context, campaign domain.CampaignID, states []domain.UpdateState, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	ids, updates, err := m.updates(campaign)
	if err != nil {
		return nil, err
	}
	var out []domain.DeviceID
	for _, id := range ids {
		if u := updates[id]; id > after && u.CancelRequested && slices.Contains(states, u.State) && len(out) < limit {
			out = append(out, id)
		}
	}
	return out, nil
}

// StaleCampaignDevices lists the devices in states unchanged since before, oldest first.
func (m *readModel) StaleCampaignDevices(_ context.Context, campaign domain.CampaignID, states []domain.UpdateState, before time.Time, limit int) ([]domain.DeviceID, error) {
	ids, updates, err := m.updates(campaign)
	if err != nil {
		return nil, err
	}
	var out []domain.DeviceID
	for _, id := range ids {
		if u := updates[id]; slices.Contains(states, u.State) && u.UpdatedAt.Before(before) {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b domain.DeviceID) int {
		return cmp.Or(updates[a].UpdatedAt.Compare(updates[b].UpdatedAt), cmp.Compare(a, b))
	})
	return out[:min(limit, len(out))], nil
}

// RetryCandidates pages through the campaign's ended devices with attempts
// left, of registered devices no other campaign holds, by id.
func (m *readModel) RetryCandidates(_ context.Context, campaign domain.CampaignID, maxAttempts int, after domain.DeviceID, limit int) ([]engine.RetryCandidate, error) {
	devices, err := aggregates(m, domain.DeviceStreamPrefix, domain.LoadDevice)
	if err != nil {
		return nil, err
	}
	var out []engine.RetryCandidate
	for _, d := range devices {
		u, ok := d.Update(campaign)
		_, busy := d.ActiveCampaign()
		if ok && d.ID() > after && slices.Contains(domain.RetriedFrom(), u.State) && u.Attempts < maxAttempts && d.Registered() && !busy {
			out = append(out, engine.RetryCandidate{Device: d.ID(), State: u.State, ResultCode: u.ResultCode,
				FailureCode: u.FailureCode, Attempts: u.Attempts, EndedAt: u.UpdatedAt})
		}
	}
	slices.SortFunc(out, func(a, b engine.RetryCandidate) int { return cmp.Compare(a.Device, b.Device) })
	return out[:min(limit, len(out))], nil
}

// FreeQueuedDevices pages through the campaign's queued devices no
// campaign holds, by id.
func (m *readModel) FreeQueuedDevices(_ context.Context, campaign domain.CampaignID, after domain.DeviceID, limit int) ([]domain.DeviceID, error) {
	devices, err := aggregates(m, domain.DeviceStreamPrefix, domain.LoadDevice)
	if err != nil {
		return nil, err
	}
	var out []domain.DeviceID
	for _, d := range devices {
		u, ok := d.Update(campaign)
		_, busy := d.ActiveCampaign()
		if ok && u.State == domain.UpdateQueued && !busy && d.ID() > after {
			out = append(out, d.ID())
		}
	}
	slices.Sort(out)
	return out[:min(limit, len(out))], nil
}

// CampaignProgress counts the campaign's devices by how far their update is.
func (m *readModel) CampaignProgress(_ context.Context, campaign domain.CampaignID) (engine.Progress, error) {
	if m.beforeProgress != nil {
		m.beforeProgress(campaign)
	}
	ids, updates, err := m.updates(campaign)
	if err != nil {
		return engine.Progress{}, err
	}
	var p engine.Progress
	for _, id := range ids {
		s := updates[id].State
		p.Started += int64(started(updates[id], 0))
		p.Failed += int64(countIf(s == domain.UpdateFailed || s == domain.UpdateFailedConnectorChannelUpdate))
		p.TimedOut += int64(countIf(s == domain.UpdateTimedOut))
		p.Targeted++
		if s != domain.UpdateSkipped {
			p.Enrolled++
		}
		if slices.Contains(inFlight, s) {
			p.InFlight++
		}
		if !s.Terminal() {
			p.Open++
		}
		if s == domain.UpdateDeployed {
			p.Deployed++
		}
	}
	return p, nil
}

// WaveProgress counts the devices started in the campaign's wave.
func (m *readModel) WaveProgress(_ context.Context, campaign domain.CampaignID, wave int) (engine.WaveProgress, error) {
	_, updates, err := m.updates(campaign)
	if err != nil || wave == 0 {
		return engine.WaveProgress{}, err
	}
	var w engine.WaveProgress
	for _, u := range updates {
		if started(u, wave) == 0 {
			continue
		}
		w.Started++
		w.Open += int64(countIf(!u.State.Terminal()))
		w.Deployed += int64(countIf(u.State == domain.UpdateDeployed))
		w.Failed += int64(countIf(u.State == domain.UpdateFailed || u.State == domain.UpdateFailedConnectorChannelUpdate))
		w.TimedOut += int64(countIf(u.State == domain.UpdateTimedOut))
	}
	return w, nil
}

// started is 1 for an update started in a wave (in wave, unless it is 0:
// in any), else 0; a retried update, back to pending, is not started.
func started(u domain.DeviceUpdate, wave int) int {
	return countIf(u.Wave > 0 && (wave == 0 || u.Wave == wave) && u.State != domain.UpdatePending)
}

// countIf is 1 when cond holds, else 0.
func countIf(cond bool) int {
	if cond {
		return 1
	}
	return 0
}
