package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
)

// Given a campaign in three waves of ten whose second wave holds five
// devices that fail, and an abort rule over a wave's failures, the whole
// stack stops the campaign as autostopped with the rule's reason: the
// third wave never starts, its devices are cancelled unsent, and every
// campaign and wave counter equals the devices' records.
func TestAThreeWaveCampaignStopsWhenItsSecondWaveFails(t *testing.T) {
	w := newWorld(t, engine.Config{BatchSize: 40, PollInterval: 200 * time.Millisecond, DeviceTimeout: time.Hour})
	w.register("a", 10, "sensor", "digest-1")   // wave 1: deploy
	w.register("fail", 5, "sensor", "digest-1") // wave 2: fail
	w.register("ok", 15, "sensor", "digest-1")  // wave 2 (5), wave 3 (10): deploy
	w.registerManifest("m1", "sensor")
	rule := domain.AbortRule{Failure: domain.FailureFailed, Percent: 40, MinFinished: 5, Scope: domain.ScopeWave, Action: domain.ActionStop}
	w.startSpec("c1", domain.CampaignSpec{Name: "c1", ManifestID: "m1", DeviceFilter: "state__eq=registered",
		Rollout: &domain.RolloutPolicy{Waves: []domain.Wave{{Count: 10}, {Count: 10}, {Count: 10}}, Abort: []domain.AbortRule{rule}}})

	cp := w.waitPhase("c1", domain.PhaseStopped)
	if err := w.runner.WaitFor(context.Background(), w.runner.Position()); err != nil {
		t.Fatal(err)
	}
	if cp.State() != domain.StateAutoStopped || !strings.HasPrefix(cp.AutostopDetail(), "wave 2: ") ||
		!strings.Contains(cp.AutostopDetail(), "at or above the threshold of 40%") {
		t.Errorf("campaign ended as %s (%q), want autostopped by the rule in wave 2", cp.State(), cp.AutostopDetail())
	}
	if wave, _ := cp.Wave(); wave != 2 {
		t.Errorf("the campaign ended in wave %d, want 2: the third never starts", wave)
	}
	byWave := w.metadataByWave("c1")
	w.devices.mu.Lock()
	defer w.devices.mu.Unlock()
	for id, u := range w.metadataDevices("c1") {
		switch {
		case strings.HasPrefix(id, "a-") && (u.wave != 1 || u.state != domain.UpdateDeployed):
			t.Errorf("device %s of the first wave is %+v, want deployed in wave 1", id, u)
		case id >= "ok-005" && (u.wave != 0 || u.state != domain.UpdateCancelled || w.devices.sent[domain.DeviceID(id)] != 0):
			t.Errorf("device %s of the third wave is %+v, sent %d times, want cancelled unsent", id, u, w.devices.sent[domain.DeviceID(id)])
		case !strings.HasPrefix(id, "a-") && id < "ok-005" && u.wave != 2:
			t.Errorf("device %s of the second wave is %+v, want in wave 2", id, u)
		}
	}
	if diff := cmp.Diff(byWave, w.waveCounters("c1")); diff != "" {
		t.Errorf("campaign_wave_counters against the metadata (-records +counters):\n%s", diff)
	}
	if diff := cmp.Diff(w.counts("c1"), w.campaignCounters("c1")); diff != "" {
		t.Errorf("campaign_counters against the metadata (-records +counters):\n%s", diff)
	}
}

// deviceRecord is a device's campaign-device metadata: its state and wave.
type deviceRecord struct {
	state domain.UpdateState
	wave  int
}

// metadataDevices reads the campaign's devices' records.
func (w *world) metadataDevices(id domain.CampaignID) map[string]deviceRecord {
	rows, err := w.pool.Query(context.Background(), `SELECT device_id, update_state, wave FROM campaign_device_metadata WHERE campaign_id = $1`, id)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]deviceRecord{}
	for rows.Next() {
		var device string
		var r deviceRecord
		if err := rows.Scan(&device, &r.state, &r.wave); err != nil {
			w.t.Fatal(err)
		}
		out[device] = r
	}
	return out
}

// metadataByWave counts the records of started devices per wave and state.
func (w *world) metadataByWave(id domain.CampaignID) map[int]map[domain.UpdateState]int {
	out := map[int]map[domain.UpdateState]int{}
	for _, r := range w.metadataDevices(id) {
		if r.wave == 0 {
			continue
		}
		if out[r.wave] == nil {
			out[r.wave] = map[domain.UpdateState]int{}
		}
		out[r.wave][r.state]++
	}
	return out
}

// waveCounters reads campaign_wave_counters: per wave, the devices per
// state it counts (zeros left out); started must equal their sum.
func (w *world) waveCounters(id domain.CampaignID) map[int]map[domain.UpdateState]int {
	rows, err := w.pool.Query(context.Background(), `SELECT wave, started, jsonb_build_object(
		'scheduled', scheduled, 'updated_connector_channel', updated_connector_channel, 'downloading', downloading,
		'installing', installing, 'deployed', deployed, 'failed', failed, 'timed_out', timed_out, 'cancelled', cancelled,
		'failed_connector_channel_update', failed_connector_channel_update, 'rejected', rejected,
		'manifestremoved', manifest_removed, 'deregistered', deregistered)
		FROM campaign_wave_counters WHERE campaign_id = $1`, id)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]map[domain.UpdateState]int{}
	for rows.Next() {
		var wave, started int
		var states map[domain.UpdateState]int
		if err := rows.Scan(&wave, &started, &states); err != nil {
			w.t.Fatal(err)
		}
		sum := 0
		for s, n := range states {
			sum += n
			if n == 0 {
				delete(states, s)
			}
		}
		if sum != started {
			w.t.Errorf("wave %d started %d devices, and counts %d in its states", wave, started, sum)
		}
		out[wave] = states
	}
	return out
}

// campaignCounters reads campaign_counters' per-state columns (zeros left out).
func (w *world) campaignCounters(id domain.CampaignID) map[domain.UpdateState]int {
	var states map[domain.UpdateState]int
	err := w.pool.QueryRow(context.Background(), `SELECT jsonb_build_object('pending', pending, 'skipped', skipped,
		'scheduled', scheduled, 'updated_connector_channel', updated_connector_channel, 'downloading', downloading,
		'installing', installing, 'deployed', deployed, 'failed', failed, 'timed_out', timed_out, 'cancelled', cancelled,
		'failed_connector_channel_update', failed_connector_channel_update, 'rejected', rejected,
		'manifestremoved', manifest_removed, 'deregistered', deregistered, 'awaiting_consent', awaiting_consent, 'accepted', accepted)
		FROM campaign_counters WHERE campaign_id = $1`, id).Scan(&states)
	if err != nil {
		w.t.Fatal(err)
	}
	for s, n := range states {
		if n == 0 {
			delete(states, s)
		}
	}
	return states
}
