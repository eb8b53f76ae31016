package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/updateservice/updateservice/internal/wiring"
)

// config is updatectl's configuration: the service's own variables, so
// that the environment a service runs with works for the tool too. Each
// command validates only what it needs.
type config struct {
	// Database is where the read models (and, by default, the events)
	// are: DB_URL or DATABASE_URL, DB_USER, DB_PASSWORD, as the service.
	Database wiring.Database
	// EventStoreURL selects EventStoreDB as the event store to replay
	// (EVENTSTORE_URL); unset: the Postgres event store in Database.
	EventStoreURL string
	// KafkaHost lists the Kafka bootstrap servers send writes to
	// (KAFKA_HOST, comma-separated).
	KafkaHost string
	// API is the service's base URL for the commands that go through its
	// API (UPDATE_SERVICE_API, or --api).
	API string
	// Key is the API key those commands send (UPDATE_SERVICE_KEY, or --key).
	Key string
}

// loadConfig reads the environment; flags may override API and Key.
func loadConfig(getenv func(string) string) config {
	return config{
		Database:      wiring.LoadDatabase(getenv),
		EventStoreURL: getenv("EVENTSTORE_URL"),
		KafkaHost:     getenv("KAFKA_HOST"),
		API:           getenv("UPDATE_SERVICE_API"),
		Key:           getenv("UPDATE_SERVICE_KEY"),
	}
}

// needDatabase checks what the commands working on the database need.
func (c config) needDatabase() error {
	if err := c.Database.Validate(); err != nil {
		return usageError{fmt.Errorf("invalid configuration: %w", err)}
	}
	if c.EventStoreURL != "" {
		if u, err := url.Parse(c.EventStoreURL); err != nil || !strings.HasPrefix(u.Scheme, "esdb") && !strings.HasPrefix(u.Scheme, "kurrentdb") {
			return usagef("invalid configuration: EVENTSTORE_URL=%q: not an esdb:// connection string", wiring.MaskURL(c.EventStoreURL))
		}
	}
	return nil
}

// needKafka checks what send needs.
func (c config) needKafka() error {
	if strings.TrimSpace(c.KafkaHost) == "" {
		return usagef("invalid configuration: KAFKA_HOST is not set: give the Kafka bootstrap servers, e.g. localhost:9092")
	}
	return nil
}

// needAPI checks what the commands going through the API need.
func (c config) needAPI() error {
	var problems []error
	if u, err := url.Parse(c.API); c.API == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		problems = append(problems, fmt.Errorf("UPDATE_SERVICE_API (or --api)=%q: give the service's http(s) base URL, e.g. http://localhost:8084", c.API))
	}
	if c.Key == "" {
		problems = append(problems, errors.New("UPDATE_SERVICE_KEY (or --key) is not set: give an API key of the account"))
	}
	if err := errors.Join(problems...); err != nil {
		return usageError{fmt.Errorf("invalid configuration:\n%w", err)}
	}
	return nil
}

// print writes the configuration, secrets masked (--verbose).
func (c config) print(w io.Writer) {
	key := "(unset)"
	if c.Key != "" {
		key = "(set, not shown)"
	}
	fmt.Fprintf(w, "configuration: DB_URL=%s EVENTSTORE_URL=%s KAFKA_HOST=%s UPDATE_SERVICE_API=%s UPDATE_SERVICE_KEY=%s\n",
		wiring.MaskURL(c.Database.ConnString()), orUnset(wiring.MaskURL(c.EventStoreURL)), orUnset(c.KafkaHost), orUnset(c.API), key)
}

func orUnset(v string) string {
	if v == "" {
		return "(unset)"
	}
	return v
}
