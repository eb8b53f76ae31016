package main

import (
	"errors"
	"fmt"
)

// The exit codes scripts can rely on.
const (
	exitOK = 0
	// exitFailed: the command failed, or found differences (replay
	// --verify) or invalid lines (send).
	exitFailed = 1
	// exitUsage: the command line or the configuration is wrong; nothing
	// was done.
	exitUsage = 2
)

// usageError is a wrong command line or configuration: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errDifferences says replay --verify found differences, already printed.
var errDifferences = errors.New("the read models differ from a rebuild (see above)")

// errExportProblems says verify-export found problems, already printed.
var errExportProblems = errors.New("the export has problems or its counters differ (see above)")

func exitCode(err error) int {
	var usage usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	}
	return exitFailed
}
