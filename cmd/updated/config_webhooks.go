package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/updateservice/updateservice/adapters/webhooks"
)

// WebhookConfig tunes the sending of the outgoing webhooks.
type WebhookConfig struct {
	// Workers is how many deliveries each replica sends at once
	// (WEBHOOK_WORKERS, default 4): a receiver that hangs holds one of
	// them for one Timeout, never the campaigns.
	Workers int
	// Timeout bounds one attempt, the answer included (WEBHOOK_TIMEOUT,
	// default 10s).
	Timeout time.Duration
	// RetryBase is the wait after a delivery's first failed attempt;
	// each next wait doubles, up to 4h (WEBHOOK_RETRY_BASE, default 30s).
	RetryBase time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is
	// failed (WEBHOOK_MAX_ATTEMPTS, default 12: about 17 hours).
	MaxAttempts int
	// Poll is how often an idle worker looks for due deliveries
	// (WEBHOOK_POLL, default 500ms): the delay of a delivery at most.
	Poll time.Duration
}

// loadWebhookConfig reads the WEBHOOK_ variables; the problems name them.
func loadWebhookConfig(getenv func(string) string) (WebhookConfig, error) {
	var c WebhookConfig
	var problems []error
	parse := func(name, def string, into func(string) error) {
		v := orDefault(getenv(name), def)
		if err := into(v); err != nil {
			problems = append(problems, fmt.Errorf("%s=%q: %v", name, v, err))
		}
	}
	parse("WEBHOOK_WORKERS", strconv.Itoa(webhooks.DefaultWorkers), positiveInt(&c.Workers))
	parse("WEBHOOK_MAX_ATTEMPTS", strconv.Itoa(webhooks.DefaultMaxAttempts), positiveInt(&c.MaxAttempts))
	for _, d := range []struct {
		name string
		def  time.Duration
		into *time.Duration
	}{{"WEBHOOK_TIMEOUT", webhooks.DefaultTimeout, &c.Timeout}, {"WEBHOOK_RETRY_BASE", webhooks.DefaultRetryBase, &c.RetryBase},
		{"WEBHOOK_POLL", webhooks.DefaultPoll, &c.Poll}} {
		parse(d.name, d.def.String(), func(v string) error {
			if err := duration(d.into)(v); err != nil {
				return err
			}
			if *d.into == 0 {
				return errors.New("must be more than zero")
			}
			return nil
		})
	}
	return c, errors.Join(problems...)
}

// deliverer returns the webhooks' deliverer on outbox, as configured.
func (c WebhookConfig) deliverer(outbox webhooks.Outbox, log *slog.Logger) *webhooks.Deliverer {
	return webhooks.New(outbox, webhooks.Config{Workers: c.Workers, Timeout: c.Timeout, RetryBase: c.RetryBase,
		MaxAttempts: c.MaxAttempts, Poll: c.Poll, Logger: log})
}

// String shows the configuration, as the start prints it.
func (c WebhookConfig) String() string {
	return fmt.Sprintf("WEBHOOK_WORKERS=%d WEBHOOK_TIMEOUT=%s WEBHOOK_RETRY_BASE=%s WEBHOOK_MAX_ATTEMPTS=%d WEBHOOK_POLL=%s",
		c.Workers, c.Timeout, c.RetryBase, c.MaxAttempts, c.Poll)
}
