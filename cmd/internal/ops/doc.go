// Package ops holds what the service (cmd/updated) and the operator's
// command line (cmd/updatectl) share: how the database is configured, how
// the event store is chosen and opened, and how the quarantine is shown.
// Both binaries read the same variables through it, so a setting that
// works for the service works for the tool.
package ops
