// Command bench measures the service's throughput next to raw baselines
// taken in the same run on the same server, and prints the ratios. It needs
// DATABASE_URL (`make bench` starts a throwaway server) and creates its own
// databases there.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options size the workloads.
type options struct {
	events         int           // events per append scenario
	batch          int           // events per transaction
	projected      int           // events through the projection runner
	rebuilt        int           // events of the history the rebuild scenario rebuilds
	fleet          int           // devices of the campaign scenario
	fleetE2E       int           // devices of the end-to-end scenario
	schedulerBatch int           // devices per page in the campaign scenario
	clients        int           // concurrent clients of the single-command scenarios
	requests       int           // requests of the single-command scenarios
	previewed      int           // catalog devices of the preview scenario
	pacingRate     float64       // devices per minute of the pacing scenario's policy
	pacingWindow   time.Duration // how long the pacing scenario measures
	only           string
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.events, "events", 200_000, "events per append scenario")
	fs.IntVar(&o.batch, "batch", 1000, "events per transaction in batched scenarios")
	fs.IntVar(&o.projected, "projected", 200_000, "events through the projection runner")
	fs.IntVar(&o.rebuilt, "rebuilt", 1_000_000, "events of the history the rebuild scenario rebuilds (updatectl rebuild)")
	fs.IntVar(&o.fleet, "fleet", 100_000, "devices of the campaign scenario")
	fs.IntVar(&o.fleetE2E, "fleet-e2e", 100_000, "devices of the end-to-end scenario (bin/updated and bin/fleetsim)")
	fs.IntVar(&o.schedulerBatch, "scheduler-batch", 1000, "devices per page in the campaign scenario (SCHEDULER_BATCH_SIZE)")
	fs.IntVar(&o.clients, "clients", 8, "concurrent clients of the single-command scenarios")
	fs.IntVar(&o.requests, "requests", 20_000, "requests of the single-command scenarios")
	fs.IntVar(&o.previewed, "previewed", 1_000_000, "catalog devices of the preview scenario")
	fs.Float64Var(&o.pacingRate, "pacing-rate", 6000, "rate.per_minute of the pacing scenario's rollout policy")
	fs.DurationVar(&o.pacingWindow, "pacing-window", time.Minute, "how long the pacing scenario counts started devices")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	only := fs.String("only", "", "run only the scenarios whose name contains this (batch, rebuild, campaign, pacing, eventstoredb, queues, asof, preview, single, e2e)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	o.only = *only
	server := getenv("DATABASE_URL")
	if server == "" {
		return fmt.Errorf("DATABASE_URL is not set: run `make bench`, which starts a throwaway PostgreSQL")
	}
	b := &bench{server: server, out: out, log: os.Stderr, opts: o}
	defer b.cleanup()
	fmt.Fprintf(out, "bench: %d events per scenario, %d per transaction\n\n", o.events, o.batch)

	raw, err := b.rawCopy(ctx)
	if err != nil {
		return fmt.Errorf("raw CopyFrom baseline: %w", err)
	}
	b.report("raw pgx CopyFrom (baseline)", "rows", raw, rate{})
	for _, s := range []struct {
		name string
		run  func(context.Context, rate) error
	}{
		{"batch", b.batchScenarios}, {"rebuild", b.rebuildScenario}, {"campaign", b.campaignScenario}, {"pacing", b.pacingScenario}, {"eventstoredb", b.eventStoreDBScenario},
		{"queues", b.queueScenario}, {"asof", b.asOfScenario}, {"preview", b.previewScenario},
		{"single", b.singleCommandScenario}, {"e2e", b.e2eScenario},
	} {
		if o.only != "" && !strings.Contains(s.name, o.only) {
			continue
		}
		if err := s.run(ctx, raw); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		// The next scenario meets a server as quiet as the baseline did,
		// not one still vacuuming and checkpointing this one's databases.
		b.cleanup()
	}
	return nil
}

func (b *bench) batchScenarios(ctx context.Context, raw rate) error {
	appended, err := b.batchedAppend(ctx)
	if err != nil {
		return fmt.Errorf("batched append: %w", err)
	}
	b.report("batched multi-stream append", "events", appended, raw)
	projected, err := b.projectionRunner(ctx)
	if err != nil {
		return fmt.Errorf("projection runner: %w", err)
	}
	b.report("projection runner", "events", projected, raw)
	return nil
}

func (b *bench) campaignScenario(ctx context.Context, raw rate) error {
	enrolled, memory, err := b.campaign(ctx)
	if err != nil {
		return err
	}
	b.report(fmt.Sprintf("campaign start→enrolled+projected (pages of %d)", b.opts.schedulerBatch), "devices", enrolled, raw)
	fmt.Fprintf(b.out, "%-42s %s\n", "  memory at the end", memory)
	return nil
}

func (b *bench) eventStoreDBScenario(ctx context.Context, raw rate) error {
	esAppend, esCatchUp, err := b.eventStoreDB(ctx)
	if err != nil {
		return err
	}
	b.report("EventStoreDB adapter fan-out append", "events", esAppend, raw)
	b.report("EventStoreDB adapter catch-up", "events", esCatchUp, raw)
	return nil
}

func (b *bench) queueScenario(ctx context.Context, _ rate) error {
	fmt.Fprintf(b.out, "\nqueues: messages through the router (one command each) next to raw watermill publish→consume\n")
	routerIn, rawIn, routerKafka, rawKafka, err := b.bus(ctx)
	if err != nil {
		return err
	}
	b.reportAgainst("raw watermill, in process (baseline)", "messages", rawIn, rate{}, "")
	b.reportAgainst("router, in process", "messages", routerIn, rawIn, "raw watermill in process")
	b.reportAgainst("raw watermill, kfake over TCP (baseline)", "messages", rawKafka, rate{}, "")
	b.reportAgainst("router, kfake over TCP", "messages", routerKafka, rawKafka, "raw watermill on kfake")
	return nil
}

// rate is a measured throughput.
type rate struct {
	n       int
	elapsed time.Duration
}

func (r rate) perSecond() float64 { return float64(r.n) / r.elapsed.Seconds() }

// reportLatency prints a single-command figure with its latencies and its
// ratio to a baseline when given.
func (b *bench) reportLatency(name string, l latencies, baseline latencies) {
	line := fmt.Sprintf("%-42s %8.0f /s  p50 %s  p99 %s", name, l.perSecond(), l.p50.Round(10*time.Microsecond), l.p99.Round(10*time.Microsecond))
	if baseline.n > 0 {
		line += fmt.Sprintf("  = %.0f%% of raw", 100*l.perSecond()/baseline.perSecond())
	}
	fmt.Fprintln(b.out, line)
}

// report prints one figure, with its ratio to the raw CopyFrom baseline
// when given.
func (b *bench) report(name, unit string, r rate, baseline rate) {
	b.reportAgainst(name, unit, r, baseline, "raw CopyFrom")
}

// reportAgainst prints one figure, with its ratio to a named baseline when
// given.
func (b *bench) reportAgainst(name, unit string, r rate, baseline rate, baselineName string) {
	line := fmt.Sprintf("%-42s %10.0f %s/s  (%d in %s)", name, r.perSecond(), unit, r.n, r.elapsed.Round(time.Millisecond))
	if baseline.n > 0 {
		line += fmt.Sprintf("  = %.1f%% of %s", 100*r.perSecond()/baseline.perSecond(), baselineName)
	}
	fmt.Fprintln(b.out, line)
}
