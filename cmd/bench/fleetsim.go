package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// fleetsimProcess is bin/fleetsim running as a process of its own: the
// device connector and the simulated devices of the end-to-end scenario.
type fleetsimProcess struct {
	cmd    *exec.Cmd
	out    *lineWatcher
	exited chan struct{} // closed when the process has ended and its output is read
}

// startFleetsim starts the fleetsim binary next to this one with args.
// What it prints goes to a temporary file, shown when it fails.
func startFleetsim(args ...string) (*fleetsimProcess, error) {
	binary, err := sibling("fleetsim")
	if err != nil {
		return nil, err
	}
	log, err := os.CreateTemp("", "bench-fleetsim-*.log")
	if err != nil {
		return nil, err
	}
	f := &fleetsimProcess{cmd: exec.Command(binary, args...), exited: make(chan struct{}),
		out: &lineWatcher{log: log, ready: make(chan struct{})}}
	f.cmd.Stdout, f.cmd.Stderr = f.out, log
	if err := f.cmd.Start(); err != nil {
		f.out.removeLog()
		return nil, err
	}
	go func() {
		_ = f.cmd.Wait() // returns once the output is copied
		close(f.exited)
	}()
	return f, nil
}

// waitReady waits until fleetsim says it has registered its devices and
// serves.
func (f *fleetsimProcess) waitReady(ctx context.Context) error {
	select {
	case <-f.out.ready:
		return nil
	case <-f.exited:
		return fmt.Errorf("fleetsim exited before it was ready (%s):\n%s", f.cmd.ProcessState, f.out.printed())
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop interrupts fleetsim (SIGINT, as Ctrl-C does), waits until it has
// printed its figures and ended, and returns its summary line; after 30 s
// it is killed. Calling it again returns the same line.
func (f *fleetsimProcess) stop() string {
	interrupt(f.cmd, f.exited)
	defer f.out.removeLog()
	return f.out.summary
}

// lineWatcher takes fleetsim's standard output: it copies it to a log and
// notes the lines the scenario waits for.
type lineWatcher struct {
	log     *os.File
	ready   chan struct{} // closed at "fleetsim: ready"
	partial []byte
	summary string // the last line with the webhook's figures; read once the process has ended
}

// Write is called by os/exec's copying goroutine only, which ends before
// the process is seen to end.
func (w *lineWatcher) Write(p []byte) (int, error) {
	_, _ = w.log.Write(p)
	w.partial = append(w.partial, p...)
	for {
		line, rest, ok := bytes.Cut(w.partial, []byte("\n"))
		if !ok {
			break
		}
		switch s := string(line); {
		case strings.HasPrefix(s, "fleetsim: ready"):
			select {
			case <-w.ready:
			default:
				close(w.ready)
			}
		case strings.HasPrefix(s, "fleetsim: ") && strings.Contains(s, "webhook: "):
			w.summary = s
		}
		w.partial = rest
	}
	return len(p), nil
}

// printed returns the last few kilobytes fleetsim has printed.
func (w *lineWatcher) printed() string {
	b, err := os.ReadFile(w.log.Name())
	if err != nil {
		return err.Error()
	}
	return string(b[max(0, len(b)-8000):])
}

func (w *lineWatcher) removeLog() {
	w.log.Close()
	os.Remove(w.log.Name())
}

// webhookItems matches fleetsim's summary line, "fleetsim: 5000 manifest
// writes; webhook: 20000 items in 250 bodies, 0 retries, 0 items not
// delivered": the items are the devices' notifications the service took.
var webhookItems = regexp.MustCompile(`webhook: (\d+) items in \d+ bodies, \d+ retries, (\d+) items not delivered`)

// deliveredItems reads the number of webhook items delivered, and of items
// given up, from fleetsim's summary line; ok is false when the line does
// not have them.
func deliveredItems(summary string) (delivered, lost int, ok bool) {
	m := webhookItems.FindStringSubmatch(summary)
	if m == nil {
		return 0, 0, false
	}
	delivered, err1 := strconv.Atoi(m[1])
	lost, err2 := strconv.Atoi(m[2])
	return delivered, lost, err1 == nil && err2 == nil
}
