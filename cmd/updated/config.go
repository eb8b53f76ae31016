package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/commands/engine"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/internal/wiring"
)

// Config is the service's whole configuration, read from the environment
// (Campaigner's variable names where they exist). Parse it with
// loadConfig, which validates every field and reports every problem at once.
type Config struct {
	// DatabaseURL is the Postgres server of the read models (and of the
	// events on the embedded default). DB_URL or DATABASE_URL; required.
	DatabaseURL string
	// DBUser and DBPassword override the user and password of DatabaseURL.
	DBUser, DBPassword string
	// DBMigrate applies the schema migrations at start (DB_MIGRATE, default true).
	DBMigrate bool
	// HTTPAddr is where the API listens (HTTP_ADDR, default :8084).
	HTTPAddr string
	// KafkaHost lists Kafka bootstrap servers (KAFKA_HOST); unset means
	// in-process queues.
	KafkaHost string
	// EventStoreURL is an EventStoreDB connection string (EVENTSTORE_URL);
	// unset means events are stored in Postgres.
	EventStoreURL string
	// SchedulerBatchSize is the number of devices a campaign processes at a
	// time (SCHEDULER_BATCH_SIZE, default 200).
	SchedulerBatchSize int
	// SchedulerMaxInFlight caps a campaign's devices between "manifest
	// sent" and an outcome (SCHEDULER_MAX_IN_FLIGHT, default 20000), so
	// that sends never outrun what reports and the connector can carry.
	SchedulerMaxInFlight int
	// SchedulerDelay is the pause between two batches of a campaign
	// (SCHEDULER_DELAY, default 10s).
	SchedulerDelay time.Duration
	// SchedulerPollingTimeout is how often timed campaigns are checked
	// (SCHEDULER_POLLING_TIMEOUT, default 10s).
	SchedulerPollingTimeout time.Duration
	// ProjectionBatchSize is how many events a projection applies per
	// transaction (PROJECTION_BATCH_SIZE, default 1000).
	ProjectionBatchSize int
	// ConnectorURL is the base URL of the device connector (Pelion
	// Connect's API) that manifests are written through, for every
	// account without a URL of its own (CONNECTOR_URL, default
	// http://127.0.0.1:8085, where fleetsim listens).
	ConnectorURL string
	// ConnectorAccounts holds each account's connector credentials
	// (CONNECTOR_ACCOUNTS, entries account:connector-key:webhook-secret
	// [:connector-url] separated by commas). Every account of APIKeys
	// needs one; a write for an account without one is never sent (its
	// devices fail with that reason). Empty with APIKeys empty: the
	// service makes development credentials at start.
	ConnectorAccounts map[domain.AccountID]ConnectorAccount
	// DeviceUpdateTimeout is how long a device's update may go without
	// progress before it counts as timed_out (DEVICE_UPDATE_TIMEOUT,
	// default 10m).
	DeviceUpdateTimeout time.Duration
	// RateLimit is how many requests per second each account may send the
	// API (RATE_LIMIT, default 200; 0: no limit); more answer 429 with
	// Retry-After. The connector's webhook is not counted. Each replica
	// counts its own requests.
	RateLimit int
	// DeviceRegistry is the Device Registry that Campaigner campaigns read
	// their groups' devices from (DEVICE_REGISTRY_HOST, DEVICE_REGISTRY_PORT
	// default 80); unset: the built-in device catalog.
	DeviceRegistry OTAService
	// Director is the Director that the campaign engine assigns the
	// updates of campaigns made through /api/v2 in (DIRECTOR_HOST,
	// DIRECTOR_PORT default 80); unset: every campaign's manifests go to
	// the built-in device connector.
	Director OTAService
	// APIKeys maps each API key to the account it acts in and its role
	// (API_KEYS, as key:account[:role] entries separated by commas; the
	// role is admin, operator or auditor, admin when left out). Empty: the
	// service makes a development key at start.
	APIKeys map[string]httpapi.Grant
	// TrustedGateway says the service sits behind a gateway that
	// authenticates callers and sets x-ats-namespace, as Campaigner's did
	// (TRUSTED_GATEWAY, default false): /api/v2 requests with that header
	// act in the account it names, without an API key. Set it only where
	// no caller reaches the service but through the gateway.
	TrustedGateway bool
	// Blobs is where firmware images' content is kept: a local directory
	// by default, S3-compatible storage when BLOB_S3_ENDPOINT is set.
	Blobs BlobConfig
	// Webhooks tunes the sending of the outgoing webhooks (WEBHOOK_*).
	Webhooks WebhookConfig
}

// loadConfig reads the configuration and validates it. The error names
// every problem found, one per line.
func loadConfig(getenv func(string) string) (Config, error) {
	var problems []error
	c := Config{
		DatabaseURL:   firstSet(getenv("DB_URL"), getenv("DATABASE_URL")),
		DBUser:        getenv("DB_USER"),
		DBPassword:    getenv("DB_PASSWORD"),
		HTTPAddr:      orDefault(getenv("HTTP_ADDR"), ":8084"),
		KafkaHost:     getenv("KAFKA_HOST"),
		EventStoreURL: getenv("EVENTSTORE_URL"),
		ConnectorURL:  orDefault(getenv("CONNECTOR_URL"), "http://127.0.0.1:8085"),
	}
	parse := func(name string, def string, into func(string) error) {
		v := orDefault(getenv(name), def)
		if err := into(v); err != nil {
			problems = append(problems, fmt.Errorf("%s=%q: %v", name, v, err))
		}
	}
	parse("DB_MIGRATE", "true", func(v string) (err error) { c.DBMigrate, err = strconv.ParseBool(v); return })
	parse("TRUSTED_GATEWAY", "false", func(v string) (err error) { c.TrustedGateway, err = strconv.ParseBool(v); return })
	parse("SCHEDULER_BATCH_SIZE", "200", positiveInt(&c.SchedulerBatchSize))
	parse("SCHEDULER_MAX_IN_FLIGHT", strconv.Itoa(engine.DefaultMaxInFlight), positiveInt(&c.SchedulerMaxInFlight))
	parse("PROJECTION_BATCH_SIZE", "1000", positiveInt(&c.ProjectionBatchSize))
	parse("RATE_LIMIT", "200", nonNegativeInt(&c.RateLimit))
	parse("SCHEDULER_DELAY", "10s", duration(&c.SchedulerDelay))
	parse("SCHEDULER_POLLING_TIMEOUT", "10s", duration(&c.SchedulerPollingTimeout))
	parse("DEVICE_UPDATE_TIMEOUT", "10m", duration(&c.DeviceUpdateTimeout))
	if err := apiKeys(&c.APIKeys)(getenv("API_KEYS")); err != nil { // not parse: its message would show the keys
		problems = append(problems, fmt.Errorf("API_KEYS (value not shown): %w", err))
	}
	if err := connectorAccounts(&c.ConnectorAccounts)(getenv("CONNECTOR_ACCOUNTS")); err != nil { // nor its secrets
		problems = append(problems, fmt.Errorf("CONNECTOR_ACCOUNTS (value not shown): %w", err))
	}
	problems = append(problems,
		otaService("DEVICE_REGISTRY", getenv("DEVICE_REGISTRY_HOST"), getenv("DEVICE_REGISTRY_PORT"), &c.DeviceRegistry),
		otaService("DIRECTOR", getenv("DIRECTOR_HOST"), getenv("DIRECTOR_PORT"), &c.Director))
	blobs, err := loadBlobConfig(getenv)
	c.Blobs = blobs
	hooks, hooksErr := loadWebhookConfig(getenv)
	c.Webhooks = hooks
	problems = append(problems, err, hooksErr, c.Validate())
	if err := errors.Join(problems...); err != nil {
		return c, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}

// Validate checks the fields that need more than parsing.
func (c Config) Validate() error {
	var problems []error
	problems = append(problems, c.database().Validate())
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		problems = append(problems, fmt.Errorf("HTTP_ADDR=%q: %v", c.HTTPAddr, err))
	}
	if !httpURL(c.ConnectorURL) {
		problems = append(problems, fmt.Errorf("CONNECTOR_URL=%q: not an http(s) URL", c.ConnectorURL))
	}
	problems = append(problems, c.connectorProblems())
	if c.EventStoreURL != "" {
		if u, err := url.Parse(c.EventStoreURL); err != nil || (u.Scheme != "esdb" && u.Scheme != "esdb+discover" && u.Scheme != "kurrentdb" && u.Scheme != "kurrentdb+discover") {
			problems = append(problems, fmt.Errorf("EVENTSTORE_URL=%q: not an esdb:// or esdb+discover:// connection string", maskURL(c.EventStoreURL)))
		}
	}
	return errors.Join(problems...)
}

// eventStoreKind names the event store the configuration selects.
func (c Config) eventStoreKind() string { return wiring.EventStoreKind(c.EventStoreURL) }

// database is the database part of the configuration, read and checked
// as updatectl reads it.
func (c Config) database() wiring.Database {
	return wiring.Database{URL: c.DatabaseURL, User: c.DBUser, Password: c.DBPassword}
}

// databaseURL returns DatabaseURL with DB_USER and DB_PASSWORD applied.
func (c Config) databaseURL() string { return c.database().ConnString() }

// print writes the configuration with secrets masked.
func (c Config) print(w io.Writer) {
	fmt.Fprintf(w, "configuration:\n")
	fmt.Fprintf(w, "  DB_URL=%s DB_MIGRATE=%t\n", maskURL(c.databaseURL()), c.DBMigrate)
	fmt.Fprintf(w, "  HTTP_ADDR=%s KAFKA_HOST=%s EVENTSTORE_URL=%s\n", c.HTTPAddr, orDefault(c.KafkaHost, "(in process)"), orDefault(maskURL(c.EventStoreURL), "(postgres)"))
	fmt.Fprintf(w, "  API_KEYS=%s CONNECTOR_URL=%s DEVICE_UPDATE_TIMEOUT=%s\n", describeKeys(c.APIKeys), c.ConnectorURL, c.DeviceUpdateTimeout)
	fmt.Fprintf(w, "  CONNECTOR_ACCOUNTS=%s\n", describeConnectorAccounts(c.ConnectorAccounts))
	fmt.Fprintf(w, "  RATE_LIMIT=%s DEVICE_REGISTRY=%s DIRECTOR=%s TRUSTED_GATEWAY=%t\n", describeRateLimit(c.RateLimit), c.DeviceRegistry, c.Director, c.TrustedGateway)
	fmt.Fprintf(w, "  SCHEDULER_BATCH_SIZE=%d SCHEDULER_MAX_IN_FLIGHT=%d SCHEDULER_DELAY=%s SCHEDULER_POLLING_TIMEOUT=%s PROJECTION_BATCH_SIZE=%d\n",
		c.SchedulerBatchSize, c.SchedulerMaxInFlight, c.SchedulerDelay, c.SchedulerPollingTimeout, c.ProjectionBatchSize)
	fmt.Fprintf(w, "  %s\n", c.Blobs)
	fmt.Fprintf(w, "  %s\n", c.Webhooks)
}

// maskURL hides a URL's password.
var maskURL = wiring.MaskURL

// apiKeys parses API_KEYS: key:account[:role] entries separated by commas.
// A key holds no colon, comma or space and appears once; each account must
// be a valid account id; the role is admin (the default), operator or
// auditor. Every problem is reported, by position, never showing a key.
func apiKeys(into *map[string]httpapi.Grant) func(string) error {
	return func(v string) error {
		keys := map[string]httpapi.Grant{}
		var problems []error
		for i, entry := range strings.Split(v, ",") {
			if entry = strings.TrimSpace(entry); entry == "" {
				continue
			}
			key, grant, err := apiKey(entry)
			switch {
			case err != nil:
				problems = append(problems, fmt.Errorf("entry %d%w", i+1, err))
			case keys[key].Account != "":
				problems = append(problems, fmt.Errorf("entry %d: the key is given twice", i+1))
			default:
				keys[key] = grant
			}
		}
		*into = keys
		return errors.Join(problems...)
	}
}

// apiKey parses one key:account[:role] entry of API_KEYS; its errors
// continue "entry N" and never show the key.
func apiKey(entry string) (string, httpapi.Grant, error) {
	parts := strings.Split(entry, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return "", httpapi.Grant{}, errors.New(" is not key:account or key:account:role")
	}
	if strings.ContainsAny(parts[0], " \t") {
		return "", httpapi.Grant{}, errors.New(": the key contains a space")
	}
	account := domain.AccountID(parts[1])
	if err := account.Validate(); err != nil {
		return "", httpapi.Grant{}, fmt.Errorf(": %v", err)
	}
	role := httpapi.RoleAdmin
	if len(parts) == 3 {
		if parts[2] == "" { // ParseRole takes "" as admin; a written-out empty role is a mistake
			return "", httpapi.Grant{}, errors.New(`: unknown role "": want admin, operator or auditor`)
		}
		var err error
		if role, err = httpapi.ParseRole(parts[2]); err != nil {
			return "", httpapi.Grant{}, fmt.Errorf(": %w", err)
		}
	}
	return parts[0], httpapi.Grant{Account: account, Role: role}, nil
}

// describeKeys tells how many API keys there are and for which accounts,
// never the keys.
func describeKeys(keys map[string]httpapi.Grant) string {
	if len(keys) == 0 {
		return "(unset: a development key is made at start)"
	}
	accounts := map[domain.AccountID]bool{}
	roles := map[httpapi.Role]int{}
	for _, g := range keys {
		accounts[g.Account] = true
		roles[g.Role]++
	}
	names := make([]string, 0, len(accounts))
	for a := range accounts {
		names = append(names, string(a))
	}
	slices.Sort(names)
	var counts []string
	for _, r := range []httpapi.Role{httpapi.RoleAdmin, httpapi.RoleOperator, httpapi.RoleAuditor} {
		if roles[r] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", roles[r], r))
		}
	}
	return fmt.Sprintf("%d key(s) (%s) for account(s) %s", len(keys), strings.Join(counts, ", "), strings.Join(names, ", "))
}

func positiveInt(into *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && n <= 0 {
			err = errors.New("must be a positive number")
		}
		*into = n
		return err
	}
}

func nonNegativeInt(into *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && n < 0 {
			err = errors.New("must be 0 (off) or a positive number")
		}
		*into = n
		return err
	}
}

// describeRateLimit tells the rate limit in words.
func describeRateLimit(n int) string {
	if n == 0 {
		return "0 (no limit)"
	}
	return fmt.Sprintf("%d requests per second per account", n)
}

func duration(into *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && d < 0 {
			err = errors.New("must not be negative")
		}
		*into = d
		return err
	}
}

func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
