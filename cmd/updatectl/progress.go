package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/updateservice/updateservice/domain/eventstore"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress returns what shows a build's progress through the global order
// as a bar on stderr, and what ends the bar. Off a terminal (a script, a
// log file) it shows nothing: a bar there is only noise.
func (e *env) progress(what string) (func(at, target eventstore.Position), func()) {
	if !e.terminal(e.stderr) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionSetItsString("positions"), progressbar.OptionShowIts(),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	update := func(at, target eventstore.Position) {
		if int64(target.Commit) != bar.GetMax64() {
			bar.ChangeMax64(int64(target.Commit))
		}
		_ = bar.Set64(int64(at.Commit))
	}
	return update, func() { _ = bar.Finish() }
}
