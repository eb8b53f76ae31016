package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// singleRounds is how many times the single-command scenario alternates
// the raw baseline and the service: on these shared 2-core machines a
// figure drifts by a tenth or more within a minute, and alternating lets
// both meet the machine in the same states.
const singleRounds = 4

// singleCommandScenario measures POST /v3/devices over HTTP next to raw
// single-row INSERT commits, in alternating rounds. The service's rounds
// end when its read models reflect their devices (settle).
func (b *bench) singleCommandScenario(ctx context.Context, _ rate) error {
	fmt.Fprintf(b.out, "\nsingle commands, %d clients, %d requests each scenario in %d alternating rounds\n",
		b.opts.clients, b.opts.requests, singleRounds)
	raw, closeRaw, err := b.rawSingleInserts(ctx)
	if err != nil {
		return fmt.Errorf("raw single inserts: %w", err)
	}
	defer closeRaw()
	api, err := b.httpCommands(ctx)
	if err != nil {
		return fmt.Errorf("HTTP commands: %w", err)
	}
	defer api.close()
	per := b.opts.requests / singleRounds
	var rawAll, apiAll timed
	var rawCPU, apiCPU cpuUse
	for round := range singleRounds {
		first := round * per
		before := sampleCPU(api.pid)
		t, err := concurrently(b.opts.clients, first, per, raw)
		if err != nil {
			return fmt.Errorf("raw single inserts: %w", err)
		}
		rawAll.add(t)
		between := sampleCPU(api.pid)
		rawCPU.add(between.since(before))
		if t, err = concurrently(b.opts.clients, first, per, api.register); err != nil {
			return fmt.Errorf("HTTP commands: %w", err)
		}
		start := time.Now()
		if err := api.settle(first + per - 1); err != nil {
			return fmt.Errorf("HTTP commands: %w", err)
		}
		t.elapsed += time.Since(start)
		apiAll.add(t)
		apiCPU.add(sampleCPU(api.pid).since(between))
	}
	single, commands := rawAll.latencies(), apiAll.latencies()
	b.reportLatency("raw single-row INSERT commits (baseline)", single, latencies{})
	b.reportCPU(rawCPU, rawAll.n, false)
	b.reportLatency("POST /v3/devices over HTTP", commands, single)
	b.reportCPU(apiCPU, apiAll.n, true)
	return nil
}

// timed is the requests of some rounds: how many, how long they took in
// all, and each one's latency.
type timed struct {
	rate
	each []time.Duration
}

func (t *timed) add(u timed) {
	t.n += u.n
	t.elapsed += u.elapsed
	t.each = append(t.each, u.each...)
}

// latencies is a throughput with its per-request latencies.
type latencies struct {
	rate
	p50, p99 time.Duration
}

func (t timed) latencies() latencies {
	each := slices.Sorted(slices.Values(t.each))
	return latencies{rate: t.rate, p50: each[len(each)/2], p99: each[len(each)*99/100]}
}

// concurrently makes calls first to first+n-1 of do over clients
// goroutines and times them; do learns which client (0 to clients-1)
// makes call i.
func concurrently(clients, first, n int, do func(client, i int) error) (timed, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	all := make([]time.Duration, 0, n)
	start := time.Now()
	var wg sync.WaitGroup
	for client := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n/clients+1)
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				t0 := time.Now()
				err := do(client, first+i)
				mine = append(mine, time.Since(t0))
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return timed{}, firstErr
	}
	return timed{rate: rate{n: n, elapsed: time.Since(start)}, each: all}, nil
}
