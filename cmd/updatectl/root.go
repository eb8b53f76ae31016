package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// env is what every command shares: the configuration, where to write,
// and the global flags.
type env struct {
	cfg            config
	stdout, stderr io.Writer
	output         string // table or json
	verbose        bool
	// terminal reports whether w is a terminal, where progress bars go.
	terminal func(w io.Writer) bool
}

// run parses args and runs the command they name. Its error decides the
// exit code (exitCode).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{cfg: loadConfig(getenv), stdout: stdout, stderr: stderr, terminal: isTerminal}
	root := newRootCommand(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

const rootLong = `updatectl is the operator's and auditor's command line of the Update Service.

It reads the service's configuration variables:
  DB_URL (or DATABASE_URL), DB_USER, DB_PASSWORD   the service's Postgres (replay, rebuild, quarantine)
  EVENTSTORE_URL    EventStoreDB, when the service keeps its events there (replay, rebuild)
  KAFKA_HOST        Kafka bootstrap servers (send)
  UPDATE_SERVICE_API, UPDATE_SERVICE_KEY   the service's API and an API key (history, export, verify-export --compare-live)

Exit codes: 0 done; 1 failed, or differences found (replay --verify), or
invalid input (send), or an export out of order or whose recounted counters
differ from its header's (verify-export); 2 wrong command line or
configuration (nothing done).`

func newRootCommand(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "updatectl",
		Short:         "Verify and rebuild the read models, handle the quarantine, send queue messages",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q (see updatectl --help)", args[0])
			}
			return cmd.Help()
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if e.output != "table" && e.output != "json" {
				return usagef("--output %q: want table or json", e.output)
			}
			if e.verbose {
				e.cfg.print(e.stderr)
			}
			return nil
		},
	}
	root.PersistentFlags().StringVarP(&e.output, "output", "o", "table", "output format: table or json")
	root.PersistentFlags().BoolVarP(&e.verbose, "verbose", "v", false, "print the configuration (secrets masked) to stderr first")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
	})
	root.AddCommand(newReplayCommand(e), newRebuildCommand(e), newQuarantineCommand(e), newSendCommand(e),
		newHistoryCommand(e), newExportCommand(e), newVerifyExportCommand(e))
	return root
}

// args wraps a cobra argument check so that its complaint is a usage
// error (exit code 2).
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageError{fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
		}
		return nil
	}
}

// printJSON writes v as indented JSON.
func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
