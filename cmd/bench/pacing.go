package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// aimPacing is how close to its policy's rate a campaign starts devices.
const aimPacing = 0.05

// pacingScenario runs a campaign under a rollout policy of
// -pacing-rate devices a minute over more devices than it can start in
// -pacing-seconds, and measures the devices started per minute from their
// scheduled timestamps in campaign_device_metadata.
func (b *bench) pacingScenario(ctx context.Context, _ rate) error {
	perMinute, window := b.opts.pacingRate, b.opts.pacingWindow
	if perMinute <= 0 || window <= 0 {
		return fmt.Errorf("-pacing-rate %g and -pacing-window %s must be positive", perMinute, window)
	}
	fmt.Fprintf(b.out, "\npacing: a campaign at rate.per_minute %.0f over %s, devices that never answer\n", perMinute, window)
	fleet := int(perMinute*window.Minutes()*1.2) + 100 // some left pending at the end: the rate, not the fleet, bounds the starts
	p, err := b.startCampaign(ctx, "pacing", fleet, &domain.RolloutPolicy{Rate: &domain.RatePolicy{PerMinute: perMinute}})
	if err != nil {
		return err
	}
	defer p.stop()
	first, err := p.firstStart(ctx)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(first.Add(window + time.Second))):
	}
	var started int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM campaign_device_metadata
		WHERE campaign_id = 'c1' AND wave > 0 AND updated_at >= $1 AND updated_at < $2`, first, first.Add(window)).Scan(&started); err != nil {
		return err
	}
	got := float64(started) / window.Minutes()
	off := (got - perMinute) / perMinute
	fmt.Fprintf(b.out, "%-42s %10.0f devices/min  (%d in %s from the first start)  = %.1f%% of the policy's %.0f/min  %s\n",
		"campaign started at its rate", got, started, window, 100*got/perMinute, perMinute,
		aim(math.Abs(off) <= aimPacing, fmt.Sprintf("within %.0f%%", 100*aimPacing)))
	return nil
}

// firstStart waits for the campaign's first device to start and returns
// when it did, as its metadata records it.
func (p *inProcess) firstStart(ctx context.Context) (time.Time, error) {
	for {
		var first *time.Time
		if err := p.pool.QueryRow(ctx, `SELECT min(updated_at) FROM campaign_device_metadata
			WHERE campaign_id = 'c1' AND wave > 0`).Scan(&first); err != nil {
			return time.Time{}, err
		}
		if first != nil {
			return *first, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
