package main

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// The end-to-end scenario's aims on the 2-core bench machine (issue 13).
// They are printed next to its figures; missing one fails nothing, a
// device that ends otherwise than fleetsim expects fails the bench.
const (
	aimDevices          = 100_000 // every one of them terminal within aimElapsed of the start
	aimElapsed          = 60 * time.Second
	aimReportsPerSecond = 20_000
	aimCPUPerReport     = 50 * time.Microsecond
)

// e2eScenario runs a campaign end to end (bin/updated and bin/fleetsim,
// each a process of its own) next to batched multi-stream appends
// measured in the same run.
func (b *bench) e2eScenario(ctx context.Context, raw rate) error {
	fmt.Fprintf(b.out, "\ncampaign end to end: bin/updated and bin/fleetsim (mix %s), %d devices, from start until every device is terminal\n",
		e2eMix, b.opts.fleetE2E)
	appended, err := b.batchedAppend(ctx)
	if err != nil {
		return fmt.Errorf("batched append: %w", err)
	}
	b.report("batched multi-stream append (baseline)", "events", appended, raw)
	b.cleanup() // the campaign meets a server as quiet as the baseline did
	r, err := b.campaignEndToEnd(ctx)
	if err != nil {
		return err
	}
	b.reportE2E(r, appended)
	if len(r.differ) > 0 {
		return fmt.Errorf("FAILED: %d of %d devices ended otherwise than fleetsim expects (the first are listed above)",
			len(r.differ), r.devices)
	}
	return nil
}

// reportE2E prints the end-to-end figures, each with its aim.
func (b *bench) reportE2E(r e2eResult, appended rate) {
	devices, reports := rate{n: r.devices, elapsed: r.elapsed}, rate{n: r.reports, elapsed: r.elapsed}
	perSecondAim := float64(aimDevices) / aimElapsed.Seconds()
	fmt.Fprintf(b.out, "%-42s %10.0f devices/s  (%d in %s)  %s\n", "campaign start→every device terminal",
		devices.perSecond(), r.devices, r.elapsed.Round(time.Millisecond),
		aim(devices.perSecond() >= perSecondAim, fmt.Sprintf("≥ %.0f devices/s, %s devices in ≤ %.0f s", perSecondAim, thousands(aimDevices), aimElapsed.Seconds())))
	fmt.Fprintf(b.out, "%-42s %10.0f reports/s  (%d) = %.1f%% of batched appends  %s\n", "device reports",
		reports.perSecond(), r.reports, 100*reports.perSecond()/appended.perSecond(),
		aim(reports.perSecond() >= aimReportsPerSecond, "≥ "+thousands(aimReportsPerSecond)+" reports/s"))
	fmt.Fprintf(b.out, "  reports counted as %s\n", r.reportsFrom)
	if r.cpu.missing || r.reports == 0 {
		fmt.Fprintf(b.out, "%-42s %10s\n", "service CPU per report", "unknown")
	} else {
		per := func(d time.Duration) time.Duration { return d / time.Duration(r.reports) }
		fmt.Fprintf(b.out, "%-42s %10d µs  %s\n", "service CPU per report", per(r.cpu.service).Microseconds(),
			aim(per(r.cpu.service) <= aimCPUPerReport, fmt.Sprintf("≤ %d µs", aimCPUPerReport.Microseconds())))
		fmt.Fprintf(b.out, "  and PostgreSQL %d µs, the bench %d µs; machine %.0f%% idle\n", per(r.cpu.postgres).Microseconds(),
			per(r.cpu.bench).Microseconds(), 100*float64(r.cpu.idle)/float64(r.cpu.total))
	}
	fmt.Fprintf(b.out, "%-42s %10s, fleetsim %s\n", "peak RSS: service", mebibytes(r.servicePeak), mebibytes(r.fleetsimPeak))
	fmt.Fprintf(b.out, "%-42s %10d  %s\n", "devices whose outcome differs", len(r.differ), aim(len(r.differ) == 0, "0"))
	for _, d := range r.differ[:min(len(r.differ), 10)] {
		fmt.Fprintf(b.out, "  %s\n", d)
	}
	fmt.Fprintf(b.out, "  %s\n", r.summary)
}

// aim says whether a figure met its aim.
func aim(met bool, want string) string {
	if met {
		return "aim " + want + ": met"
	}
	return "aim " + want + ": MISSED"
}

func mebibytes(n int64) string {
	if n <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

// thousands writes n with commas between its thousands, as the aims are
// written in the README.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
