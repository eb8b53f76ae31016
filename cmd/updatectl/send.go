package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/internal/wiring"
)

const sendLong = `send puts each message of FILE on the queue QUEUE on Kafka (KAFKA_HOST):
one JSON payload per line (NDJSON; blank lines are skipped), or - to read
standard input. adapters/bus/QUEUES.md documents every queue's payload.

Each payload is checked as the queue's handler will check it, and keyed as
the service keys it (by the device, campaign, manifest or account it
concerns), so Kafka keeps each entity's messages in order. When any line is
invalid, nothing is sent: every invalid line is named, and the exit code is 1.`

// sendReport is send's JSON output.
type sendReport struct {
	Queue string `json:"queue"`
	Sent  int    `json:"sent"`
}

func newSendCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "send QUEUE FILE",
		Short: "Put the messages of an NDJSON file (or - for stdin) on one of the service's queues on Kafka",
		Long:  sendLong,
		Args:  args(cobra.ExactArgs(2)),
		ValidArgsFunction: func(_ *cobra.Command, a []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(a) == 0 {
				return queueNames(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			queue, file := a[0], a[1]
			if !slices.Contains(queueNames(), queue) {
				return usagef("unknown queue %q; the queues are:\n  %s", queue, strings.Join(queueNames(), "\n  "))
			}
			if err := e.cfg.needKafka(); err != nil {
				return err
			}
			messages, err := readMessages(cmd.InOrStdin(), file, queue)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			ps, err := bus.NewKafka(wiring.KafkaBrokers(e.cfg.KafkaHost), bus.KafkaConfig{ClientID: "updatectl"}, log)
			if err != nil {
				return fmt.Errorf("KAFKA_HOST: %w", err)
			}
			defer ps.Close()
			publisher := bus.NewPublisher(ps)
			for i, m := range messages {
				if _, err := publisher.SendRaw(cmd.Context(), queue, m.key, m.payload); err != nil {
					return fmt.Errorf("sent %d of %d messages: %w", i, len(messages), err)
				}
			}
			if e.output == "json" {
				return e.printJSON(sendReport{Queue: queue, Sent: len(messages)})
			}
			_, err = fmt.Fprintf(e.stdout, "sent %d messages to %s\n", len(messages), queue)
			return err
		},
	}
}

// queueNames lists the queues send takes: those the service consumes.
func queueNames() []string {
	names := make([]string, len(bus.Queues))
	for i, q := range bus.Queues {
		names[i] = q.Name
	}
	return names
}

// keyedPayload is a line of the file, checked, with its Kafka key.
type keyedPayload struct {
	payload []byte
	key     string
}

// readMessages reads and checks every line of file ("-": stdin); when
// any is invalid, the error names each invalid line.
func readMessages(stdin io.Reader, file, queue string) ([]keyedPayload, error) {
	in := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 64<<10), bus.MaxPayloadBytes+1)
	var out []keyedPayload
	var invalid []error
	for line := 1; scanner.Scan(); line++ {
		payload := bytes.TrimSpace(scanner.Bytes())
		if len(payload) == 0 {
			continue
		}
		m, err := bus.ParseMessage(queue, payload)
		if err != nil {
			invalid = append(invalid, fmt.Errorf("line %d: %w", line, err))
			continue
		}
		out = append(out, keyedPayload{payload: bytes.Clone(payload), key: m.Key()})
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if len(invalid) > 0 {
		return nil, fmt.Errorf("nothing sent: %d invalid lines in %s:\n%w", len(invalid), file, errors.Join(invalid...))
	}
	return out, nil
}
