package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// e2eMix is fleetsim's outcome mix in the end-to-end scenario.
const e2eMix = "success=90,fail=10"

// endToEnd is the end-to-end scenario's processes: the service and
// fleetsim, each a process of its own, on a database of their own.
type endToEnd struct {
	dbURL      string
	svc        *service
	sim        *fleetsimProcess
	api        apiClient
	expectFile string
}

// e2eResult is what the end-to-end scenario measured.
type e2eResult struct {
	devices      int
	elapsed      time.Duration // from the campaign's start until every device is terminal
	reports      int
	reportsFrom  string // where the number of reports comes from
	summary      string // fleetsim's summary line
	cpu          cpuUse // from the start until every device is terminal
	servicePeak  int64  // bytes; 0 when unknown
	fleetsimPeak int64
	differ       []string // the devices whose outcome differs from fleetsim's expectation
}

// startEndToEnd starts the service and fleetsim on a fresh database and
// waits until the service's catalog shows every device. The service's
// settings are the issue's: whole pages, no pause between them, a device
// timeout nothing should reach, and Go's own runtime defaults.
func (b *bench) startEndToEnd(ctx context.Context, dir string) (*endToEnd, func(), error) {
	e := &endToEnd{expectFile: filepath.Join(dir, "expected.json")}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (*endToEnd, func(), error) { closeAll(); return nil, nil, err }
	var err error
	if e.dbURL, err = b.newDatabase(ctx, "e2e"); err != nil {
		return fail(err)
	}
	simAddr, err := freeAddr()
	if err != nil {
		return fail(err)
	}
	if e.svc, err = startService(ctx, e.dbURL, "CONNECTOR_URL=http://"+simAddr, "SCHEDULER_BATCH_SIZE=1000",
		"SCHEDULER_DELAY=0s", "DEVICE_UPDATE_TIMEOUT=120s", "SCHEDULER_MAX_IN_FLIGHT=20000"); err != nil {
		return fail(err)
	}
	closers = append(closers, e.svc.stop)
	e.api = newAPIClient(e.svc.addr)
	if e.sim, err = startFleetsim("-api", e.api.base, "-account", "bench:"+benchKey+":"+benchConnector, "-listen", simAddr,
		"-devices", strconv.Itoa(b.opts.fleetE2E), "-heartbeat", "0", "-latency", "0", "-mix", e2eMix,
		"-expect-json", e.expectFile); err != nil {
		return fail(err)
	}
	closers = append(closers, func() { e.sim.stop() })
	if err := e.sim.waitReady(ctx); err != nil {
		return fail(err)
	}
	if err := e.api.waitDevices(ctx, b.opts.fleetE2E); err != nil {
		return fail(err)
	}
	return e, closeAll, nil
}

// waitDevices waits until the service's catalog lists n registered
// devices.
func (c apiClient) waitDevices(ctx context.Context, n int) error {
	var page struct {
		TotalCount int `json:"total_count"`
	}
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); {
		if err := c.call(ctx, "GET", "/v3/devices?limit=2&include=total_count&filter=state__eq%3Dregistered",
			nil, http.StatusOK, &page); err != nil {
			return err
		}
		if page.TotalCount >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("the catalog lists %d of fleetsim's %d devices after 10 minutes", page.TotalCount, n)
}

// campaignEndToEnd runs the scenario: a campaign over fleetsim's devices,
// from its start until every device is terminal, then each device's
// outcome against fleetsim's expectation.
func (b *bench) campaignEndToEnd(ctx context.Context) (e2eResult, error) {
	dir, err := os.MkdirTemp("", "bench-e2e-")
	if err != nil {
		return e2eResult{}, err
	}
	defer os.RemoveAll(dir)
	e, stop, err := b.startEndToEnd(ctx, dir)
	if err != nil {
		return e2eResult{}, err
	}
	defer stop()
	r := e2eResult{devices: b.opts.fleetE2E}
	campaign, err := e.api.createCampaign(ctx)
	if err != nil {
		return r, e.explain(err)
	}
	before, start := sampleCPU(e.svc.cmd.Process.Pid), time.Now()
	if err := e.api.call(ctx, "POST", "/v3/update-campaigns/"+campaign+"/start", nil, http.StatusAccepted, nil); err != nil {
		return r, e.explain(err)
	}
	if err := b.waitStopped(ctx, e.api, campaign, start); err != nil {
		return r, e.explain(err)
	}
	r.elapsed, r.cpu = time.Since(start), sampleCPU(e.svc.cmd.Process.Pid).since(before)
	// Peaks before the processes end, and before the outcome's reads.
	r.servicePeak, _ = peakMemory(e.svc.cmd.Process.Pid)
	r.fleetsimPeak, _ = peakMemory(e.sim.cmd.Process.Pid)
	r.summary = e.sim.stop()
	if err := e.countReports(ctx, &r); err != nil {
		return r, err
	}
	want, err := readExpectations(e.expectFile)
	if err != nil {
		return r, err
	}
	got, err := e.api.campaignOutcomes(ctx, campaign)
	if err != nil {
		return r, err
	}
	r.differ = differences(got, want)
	return r, nil
}

// explain adds to err the last of what a process that has ended printed:
// when the service dies, the campaign's calls fail with a refused
// connection, and its output says why.
func (e *endToEnd) explain(err error) error {
	select {
	case <-e.svc.exited:
		printed := e.svc.printed()
		return fmt.Errorf("%w\nthe service exited (%s); its output ends:\n%s", err, e.svc.cmd.ProcessState, printed[max(0, len(printed)-8000):])
	case <-e.sim.exited:
		return fmt.Errorf("%w\nfleetsim exited (%s); its output ends:\n%s", err, e.sim.cmd.ProcessState, e.sim.out.printed())
	default:
		return err
	}
}

// createCampaign registers a manifest fleetsim's devices take (its class,
// and fleetsim's default digest, which its up-to-date devices run) and a
// campaign over every registered device; it returns the campaign's id.
func (c apiClient) createCampaign(ctx context.Context) (string, error) {
	var manifest, campaign struct{ ID string }
	if err := c.call(ctx, "POST", "/v3/firmware-manifests", map[string]any{"name": "firmware 2.0",
		"device_class": "fleetsim-class", "delivered_payload_type": "full",
		"delivered_payload_url": "https://firmware.example/fw-2.0.bin", "delivered_payload_size": 524288,
		"delivered_payload_digest": fleetsimDigest}, http.StatusCreated, &manifest); err != nil {
		return "", err
	}
	err := c.call(ctx, "POST", "/v3/update-campaigns", map[string]any{"name": "bench e2e", "root_manifest_id": manifest.ID,
		"device_filter": "state__eq=registered"}, http.StatusCreated, &campaign)
	return campaign.ID, err
}

// fleetsimDigest is fleetsim's default -manifest-digest.
const fleetsimDigest = "160152ccf38c1fa5fb45937b101bcb50fe62d9e7d17d083cf364a2f21207b7f8"

// countReports takes the number of reports from fleetsim's summary line,
// or, when it has none, counts the devices' update-state events.
func (e *endToEnd) countReports(ctx context.Context, r *e2eResult) error {
	if delivered, _, ok := deliveredItems(r.summary); ok {
		r.reports, r.reportsFrom = delivered, "webhook items fleetsim delivered"
		return nil
	}
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	r.reportsFrom = "DeviceUpdateStateChanged events (fleetsim's summary line was not readable)"
	return conn.QueryRow(ctx, `SELECT count(*) FROM events WHERE event_type = 'DeviceUpdateStateChanged'`).Scan(&r.reports)
}

// campaignerStats are Campaigner's counters of a campaign.
type campaignerStats struct {
	Processed, Affected, Finished, Failed, Successful int
}

// waitStopped polls the campaign until its phase is stopped (every device
// terminal), printing its counters every few seconds to the bench's log.
// It gives up when they have not moved for three minutes: longer than the
// device timeout, so nothing the service still waits for can move them.
func (b *bench) waitStopped(ctx context.Context, api apiClient, campaign string, start time.Time) error {
	var last campaignerStats
	lastMoved, lastPrinted := time.Now(), time.Now()
	for {
		var c struct{ Phase string }
		if err := api.call(ctx, "GET", "/v3/update-campaigns/"+campaign, nil, http.StatusOK, &c); err != nil {
			return err
		}
		if c.Phase == "stopped" {
			return nil
		}
		if time.Since(lastPrinted) >= 5*time.Second {
			var s campaignerStats
			if err := api.call(ctx, "GET", "/api/v2/campaigns/"+campaign+"/stats", nil, http.StatusOK, &s); err != nil {
				return err
			}
			fmt.Fprintf(b.log, "e2e: %3.0fs phase %s, processed %d affected %d finished %d (successful %d, failed %d)\n",
				time.Since(start).Seconds(), c.Phase, s.Processed, s.Affected, s.Finished, s.Successful, s.Failed)
			if s != last {
				last, lastMoved = s, time.Now()
			} else if time.Since(lastMoved) > 3*time.Minute {
				return fmt.Errorf("the campaign is still %s and its counters have not moved for 3 minutes: %+v", c.Phase, s)
			}
			lastPrinted = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
