package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDeliveredItemsReadsFleetsimsSummary(t *testing.T) {
	for _, tc := range []struct {
		name, line      string
		delivered, lost int
		ok              bool
	}{
		{"every item delivered", "fleetsim: 5000 manifest writes; webhook: 20000 items in 250 bodies, 3 retries, 0 items not delivered", 20000, 0, true},
		{"some given up", "fleetsim: 10 manifest writes; webhook: 38 items in 4 bodies, 9 retries, 2 items not delivered", 38, 2, true},
		{"another line", "fleetsim: ready; serving until interrupted", 0, 0, false},
		{"no line", "", 0, 0, false},
	} {
		delivered, lost, ok := deliveredItems(tc.line)
		if delivered != tc.delivered || lost != tc.lost || ok != tc.ok {
			t.Errorf("%s: deliveredItems() = %d, %d, %v; want %d, %d, %v", tc.name, delivered, lost, ok, tc.delivered, tc.lost, tc.ok)
		}
	}
}

func TestLineWatcherSeesReadyAndTheSummaryAcrossWrites(t *testing.T) {
	log, err := os.Create(filepath.Join(t.TempDir(), "fleetsim.log"))
	if err != nil {
		t.Fatal(err)
	}
	w := &lineWatcher{log: log, ready: make(chan struct{})}
	for _, chunk := range []string{"fleetsim: registered 5 devices\nfleetsim: rea", "dy; serving until interrupted\n",
		"fleetsim: ready again\nfleetsim: 5 manifest writes; webhook: 20 items in 2 bodies, 0 retries, 0 items not delivered\n"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-w.ready:
	default:
		t.Error("ready is not closed after fleetsim's ready line")
	}
	if want := "fleetsim: 5 manifest writes; webhook: 20 items in 2 bodies, 0 retries, 0 items not delivered"; w.summary != want {
		t.Errorf("summary = %q, want %q", w.summary, want)
	}
}
