package engine_test

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// startRollout creates campaign id over the registered devices of class
// sensor with the rollout policy, and starts it.
func (w *world) startRollout(id domain.CampaignID, policy domain.RolloutPolicy) {
	manifest := w.registerManifest("sensor")
	spec := domain.CampaignSpec{Name: string(id), ManifestID: manifest, DeviceFilter: "state__eq=registered", Rollout: &policy}
	if _, err := w.h.CreateCampaign(context.Background(), commands.CreateCampaign{Meta: w.meta(), CampaignID: id, Spec: spec}); err != nil {
		w.t.Fatal(err)
	}
	w.requestStart(id)
}

// decide records a user's decision on campaign id (a pause, a resume) as
// a command handler would: the API's commands for them are not the
// engine's, and its tests need only their events.
func (w *world) decide(id domain.CampaignID, decide func(*domain.Campaign) error) {
	w.t.Helper()
	for {
		cp := w.campaign(id)
		if err := decide(cp); err != nil {
			w.t.Fatal(err)
		}
		rev, _ := cp.Revision()
		var events []eventstore.EventData
		for _, e := range cp.Changes() {
			name, data, err := domain.EncodeEvent(e)
			if err != nil {
				w.t.Fatal(err)
			}
			events = append(events, eventstore.EventData{ID: uuid.New(), Type: name, Data: data,
				Metadata: eventstore.Metadata{AccountID: string(account)}})
		}
		_, err := w.store.Append(context.Background(), domain.CampaignStream(id), eventstore.Exact(rev), events...)
		var conflict *eventstore.ConflictError
		if !errors.As(err, &conflict) { // the engine appended meanwhile: decide again
			if err != nil {
				w.t.Fatal(err)
			}
			return
		}
	}
}

// waveEvents lists the campaign's rollout events: wave starts and
// successes, pauses and resumes.
func (w *world) waveEvents(id domain.CampaignID) []string {
	return slices.DeleteFunc(w.campaignEvents(id), func(t string) bool {
		return !strings.HasPrefix(t, "CampaignWave") && t != "CampaignPaused" && t != "CampaignResumed"
	})
}

// waves returns the wave of each device of the campaign.
func (w *world) waves(id domain.CampaignID) map[domain.DeviceID]int {
	_, updates, err := w.reads.updates(id)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[domain.DeviceID]int{}
	for d, u := range updates {
		out[d] = u.Wave
	}
	return out
}

// paused reports whether the campaign is paused, and why.
func (w *world) paused(id domain.CampaignID) (domain.CampaignPaused, bool) {
	return w.campaign(id).Paused()
}

// waitSteps waits until the engine has stepped on its campaigns again,
// paused ones included, which read no progress.
func (w *world) waitSteps() {
	after := w.waits.Load() + 3
	w.waitUntil("the engine steps again", func() bool { return w.waits.Load() >= after })
}
