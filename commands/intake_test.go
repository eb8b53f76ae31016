package commands_test

import (
	"testing"
	"time"

	"github.com/updateservice/updateservice/commands"
)

func TestTheIntakeClockWaitsForWaitingReports(t *testing.T) {
	wall := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	in := commands.NewIntake(func() time.Time { return wall })
	step := func(d time.Duration) { wall = wall.Add(d) }
	want := func(what string, lag time.Duration) {
		t.Helper()
		if got := wall.Sub(in.Clock()); got != lag {
			t.Errorf("%s: the clock is %s behind the wall, want %s", what, got, lag)
		}
	}

	want("nothing waits", 0)
	in.Arrived("a", wall)
	step(10 * time.Second)
	in.Arrived("b", wall)
	step(20 * time.Second)
	want("a batch has waited 30s", 30*time.Second)
	in.Recorded("a")
	want("the oldest batch is recorded: no jump", 30*time.Second)
	in.Recorded("b")
	want("everything is recorded: still no jump", 30*time.Second)
	step(4 * time.Second)
	want("nothing waits: catching up at twice the wall's pace", 26*time.Second)
	in.Arrived("c", wall)
	step(4 * time.Second)
	want("a batch waits: the wall's pace", 26*time.Second)
	in.Recorded("c")
	in.Recorded("never-arrived")
	step(time.Minute)
	want("caught up", 0)
	step(-time.Second)
	if got := in.Clock(); got.After(wall.Add(time.Second)) || got.Before(wall) {
		t.Errorf("the clock went back to %s", got)
	}
}
