package engine_test

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/updateservice/updateservice/domain"
)

// Given a campaign timed an hour ahead, the engine keeps it waiting while
// the engine's clock is short of its time, without trying a step the
// domain would refuse, and starts it once the clock reaches it.
func TestATimedCampaignStartsWhenTheClockReachesItsTime(t *testing.T) {
	var warnings logBuffer
	cfg := fast
	cfg.Logger = slog.New(slog.NewTextHandler(&warnings, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w := newWorld(t, cfg)
	w.devices.setHold(true)
	w.register("ok", 3)
	when := w.clock.Now().Add(time.Hour)
	w.createCampaign("c1", when)
	w.requestStart("c1")
	w.waitPhase("c1", domain.PhaseTimed)

	w.clock.Advance(59 * time.Minute)
	reads := w.clock.readCount() + 3 // the engine reads it at each look
	w.waitUntil("the engine looks at the clock", func() bool { return w.clock.readCount() >= reads })
	if cp := w.campaign("c1"); cp.Phase() != domain.PhaseTimed {
		t.Errorf("a minute before its time the campaign is %s, want timed", cp.Phase())
	}
	if log := warnings.String(); log != "" {
		t.Errorf("the engine warned while the campaign waited for its time:\n%s", log)
	}

	w.clock.Advance(time.Minute)

	cp := w.waitPhase("c1", domain.PhaseActive)
	if !cp.StartingAt().Equal(when) {
		t.Errorf("started at %s, want its time %s", cp.StartingAt(), when)
	}
}

// logBuffer is a log destination the engine's goroutines may share.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
