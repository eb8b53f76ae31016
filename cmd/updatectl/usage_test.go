package main

import (
	"strings"
	"testing"
)

// Wrong command lines and missing configuration exit 2 with a message
// saying what to do, before anything is done; --help exits 0.
func TestUsageAndConfigurationErrorsExitTwo(t *testing.T) {
	none := func(string) string { return "" }
	db := func(k string) string {
		if k == "DB_URL" {
			return "postgres://nobody@127.0.0.1:1/none"
		}
		return ""
	}
	for _, tc := range []struct {
		name   string
		getenv func(string) string
		args   []string
		code   int
		says   string
	}{
		{"help", none, []string{"--help"}, exitOK, "Exit codes"},
		{"an unknown command", none, []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"an unknown flag", none, []string{"rebuild", "--fast"}, exitUsage, "unknown flag: --fast"},
		{"an unknown output format", db, []string{"quarantine", "list", "-o", "yaml"}, exitUsage, "want table or json"},
		{"replay without --verify", db, []string{"replay"}, exitUsage, "replay needs --verify"},
		{"replay without a database", none, []string{"replay", "--verify"}, exitUsage, "DB_URL (or DATABASE_URL) is not set"},
		{"a database URL of another kind", func(k string) string {
			if k == "DB_URL" {
				return "mysql://x"
			}
			return ""
		}, []string{"rebuild"}, exitUsage, "not a postgres:// URL"},
		{"retry without an id", db, []string{"quarantine", "retry"}, exitUsage, "give one ID or --all"},
		{"retry with an id and --all", db, []string{"quarantine", "retry", "1", "--all"}, exitUsage, "give one ID or --all"},
		{"send to an unknown queue", none, []string{"send", "no-such-queue", "-"}, exitUsage, "deployment-service-apply-firmware-update"},
		{"send without Kafka", none, []string{"send", "deployment-service-apply-firmware-update", "-"}, exitUsage, "KAFKA_HOST is not set"},
		{"send without a file", none, []string{"send", "deployment-service-apply-firmware-update"}, exitUsage, "accepts 2 arg(s)"},
		{"a database that is not there", db, []string{"quarantine", "list"}, exitFailed, "database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := updatectl(t, tc.getenv, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.says) {
				t.Errorf("exit %d, want %d, saying %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.says, stdout, stderr)
			}
		})
	}
}
