package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/domain/eventstore"
)

// Run drives the campaigns until ctx ends: it starts a driver for every
// campaign with work, then follows the global order from its checkpoint,
// waking drivers as their campaigns' events arrive.
//
// Run may be called again after it returned: a run's drivers end with it
// (so a failed run does not wait for the service's end), and the next run
// starts them anew from the read models.
func (e *Engine) Run(ctx context.Context) error {
	e.started = e.timeoutClock()
	pos, err := e.reads.Checkpoint(ctx, CheckpointName)
	if err != nil {
		return err
	}
	if err := e.loadQuarantine(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	e.seen = pos
	e.drivers = map[domain.CampaignID]*driver{}
	e.mu.Unlock()
	defer e.wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // before the wait above: the drivers end with the run
	if err := e.discover(ctx); err != nil {
		return err
	}
	e.wg.Go(func() { e.pollRetries(ctx) })
	sub, err := e.subscribe(ctx, pos)
	if err != nil {
		return err
	}
	defer sub.Close()
	saved := time.Now()
	for {
		events, err := sub.Next(ctx, 1000)
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("engine: following events: %w", err)
		}
		for _, ev := range events {
			e.dispatch(ctx, ev)
		}
		e.mu.Lock()
		e.seen = events[len(events)-1].Position
		e.mu.Unlock()
		if time.Since(saved) > time.Second {
			if err := e.reads.SaveCheckpoint(ctx, CheckpointName, e.Position()); err != nil {
				e.cfg.Logger.Warn("engine: saving checkpoint", "error", err)
			}
			saved = time.Now()
		}
	}
}

// subscribe follows the global order after pos, woken by the appends the
// engine acts on where the source can tell them.
func (e *Engine) subscribe(ctx context.Context, pos eventstore.Position) (eventstore.Subscription, error) {
	if s, ok := e.source.(interestedSource); ok {
		return s.SubscribeAllInterested(ctx, pos, actsOn)
	}
	return e.source.SubscribeAll(ctx, pos)
}

// discover starts drivers for the campaigns the read models say have work.
func (e *Engine) discover(ctx context.Context) error {
	refs, err := e.reads.DrivableCampaigns(ctx)
	if err != nil {
		return err
	}
	for _, r := range refs {
		e.drive(ctx, r.Account, r.ID)
	}
	return nil
}

// Position returns the last event the engine dispatched: how far it has
// followed the event store.
func (e *Engine) Position() eventstore.Position {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seen
}

// actsOn tells the events dispatch acts on: every event of a campaign, a
// manifest deleted and a user's cancel of a device (rare: its data is read
// to find its campaign). Device reports do not wake the engine: a campaign
// with devices in flight looks at its counters every activePoll instead,
// as waking its driver for each of hundreds of thousands of reports (and
// reading each one's data to find its campaign) cost more than the reports'
// own recording.
func actsOn(stream, eventType string) bool {
	return strings.HasPrefix(stream, domain.CampaignStreamPrefix) || eventType == (domain.ManifestDeleted{}).Name() ||
		eventType == (domain.DeviceUpdateCancelRequested{}).Name()
}

// dispatch wakes (or starts) the driver an event concerns.
func (e *Engine) dispatch(ctx context.Context, ev eventstore.RecordedEvent) {
	account := domain.AccountID(ev.Metadata.AccountID)
	switch {
	case !actsOn(ev.Stream, ev.Type):
	case strings.HasPrefix(ev.Stream, domain.CampaignStreamPrefix):
		id := domain.CampaignID(strings.TrimPrefix(ev.Stream, domain.CampaignStreamPrefix))
		d := e.drive(ctx, account, id)
		if d != nil && (ev.Type == (domain.CampaignStopRequested{}).Name() || ev.Type == (domain.CampaignStopped{}).Name()) {
			d.interrupt() // stop sending now
		}
	case ev.Type == (domain.DeviceUpdateCancelRequested{}).Name():
		if id := cancelRequestedCampaign(ev.Data); id != "" {
			e.drive(ctx, account, id)
		}
	case ev.Type == (domain.ManifestDeleted{}).Name():
		manifest := domain.ManifestID(strings.TrimPrefix(ev.Stream, domain.ManifestStreamPrefix))
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.removeManifest(ctx, account, manifest, ev.Position)
		}()
	}
}

// removeManifest stops the campaigns delivering a deleted manifest.
func (e *Engine) removeManifest(ctx context.Context, account domain.AccountID, manifest domain.ManifestID, pos eventstore.Position) {
	if err := e.waitFor(ctx, pos); err != nil {
		return
	}
	campaigns, err := e.reads.CampaignsUsingManifest(ctx, account, manifest)
	if err != nil {
		e.cfg.Logger.Error("engine: campaigns using a deleted manifest", "manifest", manifest, "error", err)
		return
	}
	for _, c := range campaigns {
		_, err := e.cmds.AdvanceCampaign(ctx, commands.AdvanceCampaign{Meta: e.meta(account, "manifest-removed", c), CampaignID: c, Step: commands.StepRemoveManifest})
		if err != nil {
			e.cfg.Logger.Error("engine: stopping a campaign whose manifest was deleted", "campaign", c, "error", err)
		}
	}
}

// meta makes the metadata of an engine command; the command id names the
// step, so the step repeated records nothing.
func (e *Engine) meta(account domain.AccountID, step string, campaign domain.CampaignID, parts ...any) commands.Meta {
	id := fmt.Sprintf("engine/%s/%s", step, campaign)
	for _, p := range parts {
		id += fmt.Sprintf("/%v", p)
	}
	return commands.Meta{Account: account, CommandID: id, CorrelationID: string(campaign)}
}
