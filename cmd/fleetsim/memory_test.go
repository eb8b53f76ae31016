package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"
)

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// A million devices must fit in well under 512 MiB with room for the
// server and the scripts in flight. The fleet keeps one byte per device;
// a string or map entry per device (an id, a struct) costs 50 to 200, and
// 16 is far enough from both that collection noise cannot flip the test.
func TestAFleetCostsAFewBytesPerDevice(t *testing.T) {
	const n = 200_000
	c := testConfig(t, "-devices", fmt.Sprint(n), "-mix", "success=80,fail=10,uptodate=4,wrongclass=3,silent=3")
	before := liveHeap()
	f := newFleet(c)
	sim := newSimulator(c, c.Accounts[0], f, newNotifier(c, "wh", slog.New(slog.NewTextHandler(io.Discard, nil))), slog.New(slog.NewTextHandler(io.Discard, nil)))
	perDevice := float64(liveHeap()-before) / n
	runtime.KeepAlive(sim)
	t.Logf("%.1f bytes per device at rest", perDevice)
	if perDevice > 16 {
		t.Errorf("the fleet and simulator cost %.1f bytes per device, want at most 16", perDevice)
	}
}

// A written device waits in its shard's schedule: an entry, and the
// write's async id until the async response is out. The service's async
// ids are a campaign id and the device id in base64, some 50 characters
// (a 64-byte allocation); entry and id together, with the schedule's room
// to grow, must stay far below a goroutine's few kilobytes.
func TestADeviceInFlightCostsItsEntryAndItsAsyncID(t *testing.T) {
	const n = 200_000
	c := testConfig(t, "-devices", fmt.Sprint(n), "-mix", "success=1", "-latency", "1h")
	f := newFleet(c)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sim := newSimulator(c, c.Accounts[0], f, newNotifier(c, "wh", log), log)
	ids := make([]string, n) // made before measuring: the requests' ids are not the simulator's
	for i := range ids {
		ids[i] = "0194b2a1c3d47e8f9a0b1c2d3e4f5061." + base64.RawURLEncoding.EncodeToString([]byte(f.id(i)))
	}
	before := liveHeap()
	for i := range n {
		sim.write(i, ids[i])
	}
	perDevice := float64(liveHeap()-before) / n
	runtime.KeepAlive(sim)
	t.Logf("%.1f bytes per device in flight, with a %d-character async id", perDevice, len(ids[0]))
	in := 0
	for _, sh := range sim.shards {
		in += len(sh.queue)
	}
	if in != n {
		t.Fatalf("%d entries scheduled for %d writes", in, n)
	}
	if perDevice > 160 {
		t.Errorf("a device in flight costs %.1f bytes, want at most 160", perDevice)
	}
}
