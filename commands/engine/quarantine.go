package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// The engine's quarantine: a campaign it cannot drive — its stream cannot
// be read, the domain keeps refusing its step, or its step panics (a bug)
// — is kept in quarantined_campaigns with the reason, and the engine stops
// driving it while every other campaign goes on. A failure of the database
// or the event store is nobody's campaign's: those steps are retried with
// backoff, however long it takes. An operator marks a campaign for retry
// (bin/updated quarantine retry); the engine then drives it again, and
// releases it once a step succeeds.

// Quarantine is where the engine keeps the campaigns it cannot drive.
type Quarantine interface {
	QuarantineCampaign(ctx context.Context, runner string, account domain.AccountID, id domain.CampaignID, why error) error
	QuarantinedCampaigns(ctx context.Context, runner string) ([]domain.CampaignID, error)
	CampaignRetries(ctx context.Context, runner string) ([]CampaignRef, error)
	ReleaseCampaign(ctx context.Context, runner string, id domain.CampaignID) error
}

// faultsBeforeQuarantine is how many steps of a campaign in a row the
// domain must refuse before the campaign is quarantined: a refusal that
// two racing steps cause passes on the next try, one that repeats across
// about fifteen seconds of backoff will not. An unreadable stream or a
// panic quarantines at once: reading or running the step again changes
// nothing.
const faultsBeforeQuarantine = 5

// panicError is a step's panic, with its stack for the log.
type panicError struct {
	value any
	stack []byte
}

func (p panicError) Error() string { return fmt.Sprintf("campaign step panicked: %v", p.value) }

// faultWeight tells how much err counts towards quarantining the
// campaign: not at all when it is the infrastructure's (a database or
// event store away), faultsBeforeQuarantine for an unreadable stream or a
// panic, one for a domain refusal.
func faultWeight(err error) int {
	var unreadable commands.UnreadableStreamError
	var panicked panicError
	switch {
	case errors.As(err, &unreadable), errors.As(err, &panicked):
		return faultsBeforeQuarantine
	case domain.KindOf(err) != domain.KindInternal:
		return 1
	}
	return 0
}

// safeStep is step with a panic turned into an error: one campaign's bug
// must not end the process, and with it every other campaign.
func (d *driver) safeStep(ctx context.Context) (wait time.Duration, done bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError{value: p, stack: debug.Stack()}
		}
	}()
	return d.step(ctx)
}

// quarantine keeps the campaign in quarantine and retires its driver. It
// reports false when the quarantine could not be written: the driver then
// goes on retrying.
func (d *driver) quarantine(ctx context.Context, why error) bool {
	if err := d.e.reads.QuarantineCampaign(ctx, CheckpointName, d.account, d.id, why); err != nil {
		d.e.cfg.Logger.Error("engine: quarantining a campaign", "campaign", d.id, "error", err)
		return false
	}
	d.e.mu.Lock()
	d.e.quarantined[d.id] = true
	delete(d.e.retrying, d.id)
	delete(d.e.drivers, d.id)
	d.e.mu.Unlock()
	d.e.quarantines.Add(1)
	var panicked panicError
	stack := ""
	if errors.As(why, &panicked) {
		stack = string(panicked.stack)
	}
	d.e.cfg.Logger.Error("engine: campaign quarantined; the others go on", "campaign", d.id, "account", d.account,
		"reason", why, "stack", stack)
	return true
}

// stepSucceeded releases a campaign driven again on an operator's retry.
func (d *driver) stepSucceeded(ctx context.Context) {
	d.e.mu.Lock()
	retrying := d.e.retrying[d.id]
	d.e.mu.Unlock()
	if !retrying {
		return
	}
	if err := d.e.reads.ReleaseCampaign(ctx, CheckpointName, d.id); err != nil {
		d.e.cfg.Logger.Warn("engine: releasing a retried campaign from quarantine", "campaign", d.id, "error", err)
		return
	}
	d.e.mu.Lock()
	delete(d.e.retrying, d.id)
	d.e.mu.Unlock()
	d.e.cfg.Logger.Info("engine: retried campaign released from quarantine", "campaign", d.id)
}

// loadQuarantine reads which campaigns not to drive.
func (e *Engine) loadQuarantine(ctx context.Context) error {
	ids, err := e.reads.QuarantinedCampaigns(ctx, CheckpointName)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.quarantined = map[domain.CampaignID]bool{}
	e.retrying = map[domain.CampaignID]bool{}
	for _, id := range ids {
		e.quarantined[id] = true
	}
	return nil
}

// retryPoll is how often the engine looks for campaigns marked for retry.
const retryPoll = time.Second

// pollRetries drives again the campaigns an operator marked for retry,
// until ctx ends.
func (e *Engine) pollRetries(ctx context.Context) {
	t := time.NewTicker(retryPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		refs, err := e.reads.CampaignRetries(ctx, CheckpointName)
		if err != nil {
			e.cfg.Logger.Warn("engine: looking for campaigns to retry", "error", err)
			continue
		}
		for _, r := range refs {
			e.mu.Lock()
			delete(e.quarantined, r.ID)
			e.retrying[r.ID] = true
			e.mu.Unlock()
			e.cfg.Logger.Info("engine: driving a quarantined campaign again", "campaign", r.ID)
			e.drive(ctx, r.Account, r.ID)
		}
	}
}

// Quarantined counts the campaigns the engine quarantined since it was
// made, for the metrics.
func (e *Engine) Quarantined() int64 { return e.quarantines.Load() }
